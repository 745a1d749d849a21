"""Exact verification of candidate pairs: no LSH false positive reaches the output.

A cheap signature estimate first discards candidates far below the threshold (a pair at the
threshold falls below the cut-off with probability < 1e-5), then every remaining pair is checked
with the exact Jaccard of the two 64-bit shingle-hash sets.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from textmend.dedup.minhash import ShingleBatch

ESTIMATE_MARGIN_SIGMAS = 4.5


SET_CACHE_SIZE = 4096
"""Sorted shingle sets a store keeps for reuse (~5 KB each for 2 KB texts: ~22 MB). Candidate
pairs come sorted by their first text, so its set is reused across its pairs; a bound keeps a
large verification from holding the set of every text it touched."""


class ShingleStore:
    """Shingle hashes of every text seen so far, by global text index, in memory.

    Holds the per-batch arrays and derives a text's sorted set only when one of its pairs is
    verified, keeping the ``max_sets`` most recently used sets. The index uses the on-disk
    :class:`textmend.dedup.store.DiskShingleStore`; this one serves small local jobs.
    """

    def __init__(self, max_sets: int = SET_CACHE_SIZE) -> None:
        self._batches: list[ShingleBatch] = []
        self._first: list[int] = [0]
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._max_sets = max(1, max_sets)

    def __len__(self) -> int:
        return self._first[-1]

    def add(self, batch: ShingleBatch, keep: bool = False) -> None:
        """Append a batch (``keep`` only matters to stores that do not hold batches)."""
        self._batches.append(batch)
        self._first.append(self._first[-1] + len(batch.starts) - 1)

    @property
    def batches(self) -> Sequence[ShingleBatch]:
        return self._batches

    def hashes(self, k: int) -> np.ndarray:
        """Shingle hashes of text ``k`` in view order (repeats kept)."""
        bi = int(np.searchsorted(self._first, k, side="right")) - 1
        return self._batches[bi].of(k - self._first[bi])

    def set_of(self, k: int) -> np.ndarray:
        """Sorted unique shingle hashes of text ``k``."""
        s = self._cache.get(k)
        if s is not None:
            self._cache.move_to_end(k)
            return s
        s = self._compute_set(k)
        self._remember(k, s)
        return s

    def _compute_set(self, k: int) -> np.ndarray:
        # Sort + neighbour mask: faster than np.unique for arrays this small.
        h = np.sort(self.hashes(k))
        return h[np.concatenate(([True], h[1:] != h[:-1]))] if len(h) else h

    def _remember(self, k: int, s: np.ndarray) -> None:
        self._cache[k] = s
        if len(self._cache) > self._max_sets:
            self._cache.popitem(last=False)

    def forget_sets(self) -> None:
        self._cache.clear()


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard of two sorted unique arrays (0.0 when both are empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    # Look the smaller set up in the larger one (both sorted): no concatenate-and-sort. A
    # position past the end is clipped to the last element, which is then smaller: no match.
    pos = b.searchsorted(a)
    inter = int(np.count_nonzero(b.take(pos, mode="clip") == a))
    return inter / (len(a) + len(b) - inter)


def estimated_jaccard(sig: np.ndarray, pairs: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """MinHash estimate (share of equal signature values) for each pair."""
    out = np.empty(len(pairs), dtype=np.float64)
    for lo in range(0, len(pairs), chunk):
        p = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
    return out


def estimate_cutoff(threshold: float, num_perm: int) -> float:
    sigma = math.sqrt(threshold * (1.0 - threshold) / num_perm)
    return threshold - ESTIMATE_MARGIN_SIGMAS * sigma


def verify_pairs(
    pairs: np.ndarray, sig: np.ndarray, store: ShingleStore, threshold: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(verified pairs, their exact Jaccard, pairs left after the estimate filter)``."""
    if len(pairs) == 0:
        return pairs, np.zeros(0), 0
    est = estimated_jaccard(sig, pairs)
    pairs = pairs[est >= estimate_cutoff(threshold, sig.shape[1])]
    sims = np.empty(len(pairs), dtype=np.float64)
    # Python ints a chunk at a time: the whole list of pairs would cost ~130 bytes a pair.
    for lo in range(0, len(pairs), 8192):
        for k, (i, j) in enumerate(pairs[lo : lo + 8192].tolist(), start=lo):
            sims[k] = exact_jaccard(store.set_of(i), store.set_of(j))
    ok = sims >= threshold
    return pairs[ok], sims[ok], len(pairs)
