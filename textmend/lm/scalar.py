"""Plain-Python scoring for a few short texts, where numpy's fixed cost per call dominates.

It must agree with the vectorised scorers in :mod:`textmend.lm.model` (same keys, same table
walk, same backoff sums, to 1e-9); ``tests/test_lm.py`` checks that it does.
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


# Memo value of an n-gram the table does not hold.
_ABSENT = (False, 0, 0)


class ScalarScorer:
    """Scores with Python ints; n-grams are memoised by their (folded) text, since the same left
    context and the same right context come back for every candidate of a position."""

    def __init__(
        self, table: NDArray[np.uint64], overflow: NDArray[np.bool_], order: int, unk: float
    ) -> None:
        # Slots and overflow flags as Python-indexable buffers: reading one gives a plain int,
        # several times cheaper than a numpy scalar or row.
        table = np.ascontiguousarray(table)
        self._slots = memoryview(table)  # type: ignore[arg-type]
        self._fingerprints = memoryview(table.view(np.uint32))  # type: ignore[arg-type]
        self._overflow = overflow.tobytes()
        self._buckets = len(overflow)
        self._order = order
        self._unk = unk
        self._keys: dict[str, int] = {}
        # (found, logp, backoff) in table units (1/SCALE nats).
        self._entries: dict[str, tuple[bool, int, int]] = {}

    def _key(self, gram: str) -> int:
        key = self._keys.get(gram)
        if key is None:
            if len(gram) == 1:
                x = (ord(gram) * _GOLDEN + 1) & _M
            else:
                prefix = self._keys.get(gram[:-1]) or self._key(gram[:-1])
                x = ((((prefix * _GOLDEN) & _M) ^ ord(gram[-1])) + len(gram)) & _M
            # _mix written out: this runs once per new n-gram.
            x ^= x >> 30
            x = (x * _C1) & _M
            x ^= x >> 27
            x = (x * _C2) & _M
            key = self._keys[gram] = x ^ (x >> 31)
        return key

    def _entry(self, gram: str) -> tuple[bool, int, int]:
        """(found, logp, backoff) of an n-gram of the folded view, in table units: the memo's
        miss path (key and table walk written out, as this is most of the scorer's time)."""
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
            self._keys.clear()
        key = self._key(gram)
        fp = (key >> 32) or 1
        b = ((key & 0xFFFFFFFF) * self._buckets) >> 32
        got = _ABSENT
        while True:
            # The bucket's fingerprints (high halves): a C-level search, no Python loop.
            fps = self._fingerprints[b * 2 * BUCKET + 1 : (b + 1) * 2 * BUCKET : 2].tolist()
            if fp in fps:
                e = self._slots[b * BUCKET + fps.index(fp)]
                got = (True, (((e >> 16) & 0xFFFF) ^ 0x8000) - 0x8000, ((e & 0xFFFF) ^ 0x8000) - 0x8000)
            elif fps[-1] and self._overflow[b]:  # full, and keys homed here moved on
                b = (b + 1) % self._buckets
                continue
            break
        self._entries[gram] = got
        return got

    def score(self, texts: Sequence[str], skip: Sequence[int]) -> list[float]:
        n = self._order
        table = fold_table()
        get = self._entries.get
        miss = self._entry
        out = []
        for text, first in zip(texts, skip, strict=True):
            f = text.translate(table)
            units = unknown = 0  # integer table units: summed exactly, divided once
            for t in range(first, len(f)):
                top = n if t >= n else t + 1
                best = 0
                for k in range(1, top + 1):
                    gram = f[t - k + 1 : t + 1]
                    e = get(gram) or miss(gram)
                    if not e[0]:
                        break  # a kept n-gram's suffix is always kept
                    best = k
                    logp = e[1]
                if best:
                    units += logp
                else:
                    unknown += 1
                # Back off from orders best+1..top: add the backoff weight of each context.
                for j in range(best + 1 if best else 2, top + 1):
                    gram = f[t - j + 1 : t]
                    e = get(gram) or miss(gram)
                    if not e[0]:
                        break
                    units += e[2]
            out.append(units / SCALE + unknown * self._unk)
        return out
