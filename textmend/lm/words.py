"""The word component: log-probability of the best segmentation under jieba's word frequencies.

jieba's dictionary (MIT) knows how frequent each of ~350k words is, which a character model
built from that dictionary only partly keeps; adding this score sharpens choices between whole
words (spinner reversal) and between a word and a non-word. It runs jieba's dynamic programme in
Python, so it is far slower than the vectorised character model: use it on a few candidates.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from textmend.errors import MissingDependency
from textmend.lm.fold import fold


@functools.cache
def _tokenizer() -> Any:
    try:
        import jieba
    except ImportError as exc:  # pragma: no cover - jieba is a hard dependency
        raise MissingDependency("jieba") from exc
    # jieba logs its dictionary loading at INFO level through its own stderr handler.
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt


def word_logprob(text: str) -> float:
    """Natural-log probability of the most probable segmentation of ``text`` into words.

    Unknown single characters get jieba's floor frequency of 1, like in jieba's own cutting.
    """
    folded = fold(text)
    if not folded:
        return 0.0
    tok = _tokenizer()
    route: dict[int, tuple[float, int]] = {}
    tok.calc(folded, tok.get_DAG(folded), route)
    return float(route[0][0])
