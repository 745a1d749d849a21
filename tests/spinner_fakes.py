"""Test doubles for the spinner shared by tests/test_spinner*.py and tests/test_fastpath.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from textmend.repair import spinner as fixer
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.lexicon import Lexicon
from textmend.spinner.reverse import Reversal

# 13 copies: 208 Han characters (>= MIN_HAN_AUTO), 39 swaps of two kinds (效劳, 收集).
SPUN = "本单位提供效劳器和收集安全的效劳。" * 13


def make_lexicon(*groups: set[str]) -> Lexicon:
    gs = tuple(frozenset(g) for g in groups)
    of: dict[str, list[int]] = {}
    for i, g in enumerate(gs):
        for w in g:
            of.setdefault(w, []).append(i)
    return Lexicon("test", gs, tuple("s" for _ in gs), {w: tuple(v) for w, v in of.items()})


def two_candidates(runner_from_table: bool) -> tuple[CandidateIndex, Reversal]:
    """A site of 丙丁 whose hand-weighted choice is 甲乙 (gain 5, model term 1) ahead of 戊己
    (gain 4, model term 3), both by the same route."""
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁", "戊己"})])
    route = index.route_logprob("丙丁", "甲乙")
    site = Reversal(
        0,
        2,
        "丙丁",
        "甲乙",
        5.0,
        lead=1.0,
        options=(("甲乙", 5.0, False), ("戊己", 4.0, runner_from_table)),
        parts=(("甲乙", 1.0, 0.0, route, 0.0), ("戊己", 3.0, 0.0, route, 0.0)),
    )
    return index, site


class WordModel:
    """A fake language model: each occurrence of a 'good' word in the scored text earns 10 nats.

    Scoring the window left+span+right means a candidate only wins if it completes a good word,
    which is what a real model rewards; it knows nothing of the spinner's table.
    """

    def __init__(self, good: Sequence[str] | dict[str, float], running_text: bool = True) -> None:
        self.good = dict(good) if isinstance(good, dict) else dict.fromkeys(good, 10.0)
        # As a model built from running text with `textmend lm build`: auto may reverse.
        self.running_text = running_text

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        out = []
        for c in candidates:
            s = left + c + right
            out.append(sum(w * s.count(g) for g, w in self.good.items()) - 0.01 * len(c))
        return out


def install_fake(monkeypatch: pytest.MonkeyPatch, running_text: bool = True) -> WordModel:
    """The fixer with a two-group lexicon (服务/效劳, 网络/收集) and a model that knows SPUN's
    originals; returns the model."""
    index = CandidateIndex([make_lexicon({"服务", "效劳"}, {"网络", "收集"})])
    model = WordModel(["服务器", "网络安全", "的服务"], running_text=running_text)
    monkeypatch.setattr(fixer, "_index", lambda script, table_path: index)
    monkeypatch.setattr(fixer, "_model", lambda config: model)
    return model
