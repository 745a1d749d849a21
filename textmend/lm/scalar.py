"""Plain-Python scoring for a few short texts, where numpy's fixed cost per call dominates.

It must agree exactly with the vectorised scorer in :mod:`textmend.lm.model` (same keys, same
table walk, same backoff sums); ``tests/test_lm.py`` checks that it does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from textmend.lm.fold import fold_table
from textmend.lm.table import BUCKET, SCALE

_M = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_CACHE_LIMIT = 1 << 17  # memoised n-grams per model (tens of MB at most)


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * _C1) & _M
    x ^= x >> 27
    x = (x * _C2) & _M
    return x ^ (x >> 31)


def _signed(v: int) -> float:
    return (v - 0x10000 if v & 0x8000 else v) / SCALE


class ScalarScorer:
    """Scores with Python ints; n-grams are memoised by their (folded) text, since the same left
    context and the same right context come back for every candidate of a position."""

    def __init__(
        self, table: NDArray[np.uint64], overflow: NDArray[np.bool_], order: int, unk: float
    ) -> None:
        self._rows = table.reshape(-1, BUCKET)
        self._overflow = overflow
        self._buckets = len(overflow)
        self._order = order
        self._unk = unk
        self._keys: dict[str, int] = {}
        self._entries: dict[str, tuple[bool, float, float]] = {}

    def _key(self, gram: str) -> int:
        key = self._keys.get(gram)
        if key is None:
            if len(gram) == 1:
                key = _mix((ord(gram) * _GOLDEN + 1) & _M)
            else:
                prefix = (self._key(gram[:-1]) * _GOLDEN) & _M
                key = _mix(((prefix ^ ord(gram[-1])) + len(gram)) & _M)
            self._keys[gram] = key
        return key

    def _lookup(self, key: int) -> tuple[bool, float, float]:
        fp = (key >> 32) or 1
        b = ((key & 0xFFFFFFFF) * self._buckets) >> 32
        while True:
            for e in self._rows[b].tolist():
                if e >> 32 == fp:
                    return True, _signed((e >> 16) & 0xFFFF), _signed(e & 0xFFFF)
            if not self._overflow[b]:
                return False, 0.0, 0.0
            b = (b + 1) % self._buckets

    def _entry(self, gram: str) -> tuple[bool, float, float]:
        """(found, logp, backoff) of an n-gram of the folded view."""
        got = self._entries.get(gram)
        if got is None:
            if len(self._entries) >= _CACHE_LIMIT:
                self._entries.clear()
                self._keys.clear()
            got = self._entries[gram] = self._lookup(self._key(gram))
        return got

    def score(self, texts: Sequence[str], skip: Sequence[int]) -> list[float]:
        n = self._order
        table = fold_table()
        entry = self._entry
        out = []
        for text, first in zip(texts, skip, strict=True):
            f = text.translate(table)
            total = 0.0
            for t in range(first, len(f)):
                top = min(n, t + 1)
                best, logp = 0, self._unk
                for k in range(1, top + 1):
                    found, lp, _ = entry(f[t - k + 1 : t + 1])
                    if not found:
                        break  # a kept n-gram's suffix is always kept
                    best, logp = k, lp
                # Back off from orders best+1..top: add the backoff weight of each context.
                for j in range(max(best, 1) + 1, top + 1):
                    found, _, bo = entry(f[t - j + 1 : t])
                    if not found:
                        break
                    logp += bo
                total += logp
            out.append(total)
        return out
