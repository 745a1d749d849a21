"""Exact verification of candidate pairs: no LSH false positive reaches the output.

A cheap signature estimate first discards candidates far below the threshold (a pair at the
threshold falls below the cut-off with probability < 1e-5), then every remaining pair is checked
with the exact Jaccard of the two 64-bit shingle-hash sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from textmend.dedup.minhash import ShingleBatch

ESTIMATE_MARGIN_SIGMAS = 4.5


class ShingleStore:
    """Shingle hashes of every text seen so far, by global text index.

    Holds the per-batch arrays (in memory, or memory-mapped from an index directory) and
    derives a text's sorted set only when one of its pairs is verified.
    """

    def __init__(self) -> None:
        self._batches: list[ShingleBatch] = []
        self._first: list[int] = [0]
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return self._first[-1]

    def add(self, batch: ShingleBatch) -> None:
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
        s = self._cache.get(k)
        if s is None:
            # Sort + neighbour mask: faster than np.unique for arrays this small.
            h = np.sort(self.hashes(k))
            s = h[np.concatenate(([True], h[1:] != h[:-1]))] if len(h) else h
            self._cache[k] = s
        return s

    def forget_sets(self) -> None:
        self._cache.clear()


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard of two sorted unique arrays (0.0 when both are empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    # Look the smaller set up in the larger one (both sorted): no concatenate-and-sort.
    pos = np.searchsorted(b, a)
    pos[pos == len(b)] = 0
    inter = int(np.count_nonzero(b[pos] == a))
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
    sims = np.array([exact_jaccard(store.set_of(int(i)), store.set_of(int(j))) for i, j in pairs.tolist()])
    ok = sims >= threshold if len(sims) else np.zeros(0, dtype=bool)
    return pairs[ok], sims[ok], len(pairs)
