"""Access to the language model for the encoding fixers, degrading gracefully when it is absent.

The model ranks candidates of lossy repairs and confirms lossless ones. Without it the fixers
still work on codec evidence alone (strict round trips, the common-character share), with
lower confidence for guesses, so a missing model never makes a repair worse.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol


class Scorer(Protocol):
    def logprob(self, text: str) -> float: ...

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]: ...


@functools.cache
def _load(path: str | None) -> Scorer | None:
    try:
        from textmend.lm import get_model  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    try:
        model: Scorer = get_model(path)
    except Exception:
        return None
    return model if informative(model) else None


def informative(model: Scorer) -> bool:
    """A model that scores a sentence and its scramble alike carries no evidence (an empty or
    broken model file): the fixers then fall back on codec evidence instead of trusting ties."""
    real, scrambled = "中华人民共和国宪法", "国宪华法共和人中民"
    return model.logprob(real) > model.logprob(scrambled) + 1.0


def get_scorer(path: str | None = None) -> Scorer | None:
    """The shared language model, or None when textmend.lm is not available."""
    return _load(path)
