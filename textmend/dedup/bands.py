"""LSH banding: choose bands x rows from the threshold, hash bands to keys, group keys by sorting.

Grouping sorts each band's keys and pairs neighbours with equal keys, so there is no Python dict
of buckets per document, and the step works on any partition of the keys (an executor can sort
shards and merge).
"""

from __future__ import annotations

import functools

import numpy as np

from textmend.dedup.minhash import EMPTY

# Recall bias: a missed duplicate is lost for good, a false candidate only costs one exact
# Jaccard check (verification removes it), so false negatives weigh 9 times more.
FALSE_POSITIVE_WEIGHT = 0.02
FALSE_NEGATIVE_WEIGHT = 0.98

MAX_GROUP_SPAN = 64
"""Inside one bucket each text is paired with at most this many following texts (in sorted
order), which bounds the pairs of a huge bucket (mass-copied boilerplate) to a linear number
while keeping the bucket connected."""


COMPACT_MIN_PAIRS = 1 << 20
"""Pending candidate codes (8 bytes each) :func:`candidate_pairs` lets accumulate before making
them unique, unless the unique ones are already more."""


def collision_probability(jaccard: np.ndarray | float, bands: int, rows: int) -> np.ndarray:
    """Probability that two texts with this Jaccard share at least one band."""
    s = np.asarray(jaccard, dtype=np.float64)
    return 1.0 - (1.0 - s**rows) ** bands


@functools.cache
def choose_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive + false-negative areas.

    The areas are the integrals of the collision curve below the threshold and of its
    complement above it (datasketch's ``_optimal_param``), with recall weighted higher.
    """
    below = np.linspace(0.0, threshold, 401)
    above = np.linspace(threshold, 1.0, 401)
    best: tuple[float, int, int] | None = None
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(collision_probability(below, b, r), below)
            fn = np.trapezoid(1.0 - collision_probability(above, b, r), above)
            err = FALSE_POSITIVE_WEIGHT * fp + FALSE_NEGATIVE_WEIGHT * fn
            if best is None or err < best[0] - 1e-15:
                best = (err, b, r)
    assert best is not None
    return best[1], best[2]


_KEY_BASE = np.uint64(0x9E3779B97F4A7C15)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(texts, bands)`` uint64 keys; a key hashes the ``rows`` signature values of a band.

    Texts without shingles (all :data:`EMPTY`) get key 0 in every band, which
    :func:`candidate_pairs` ignores: empty texts are never duplicates of anything.
    """
    n = sig.shape[0]
    block = sig[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    key = np.zeros((n, bands), dtype=np.uint64)
    for r in range(rows):
        key *= _KEY_BASE
        key += block[:, :, r] + np.uint64(1)
    key ^= key >> np.uint64(31)
    key *= np.uint64(0xBF58476D1CE4E5B9)
    key ^= key >> np.uint64(29)
    key |= np.uint64(1)  # never 0, which marks empty texts
    empty = (sig == EMPTY).all(axis=1)
    key[empty] = 0
    return key


def candidate_pairs(keys: np.ndarray, new_from: int = 0, max_span: int = MAX_GROUP_SPAN) -> np.ndarray:
    """Unique ``(i, j)`` pairs, ``i < j``, that share a band key; int64 array of shape (m, 2).

    With ``new_from`` > 0 only pairs involving a text at index ``>= new_from`` are returned
    (adding documents to an index compares new with old and new, never old with old).
    """
    n, bands = keys.shape
    # Pairs are kept as codes i * n + j (8 bytes, not 16) and made unique whenever the pending
    # ones outgrow the unique ones: a pair shared by many bands is stored once, not per band,
    # which bounds the working memory by the number of distinct candidates.
    nn = np.int64(n)
    unique = np.zeros(0, dtype=np.int64)
    pending: list[np.ndarray] = []
    pending_size = 0
    for j in range(bands):
        col = keys[:, j]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        for d in range(1, max_span + 1):
            if d >= n:
                break
            same = (sk[d:] == sk[:-d]) & (sk[d:] != 0)
            if not same.any():
                break
            a, b = order[:-d][same], order[d:][same]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            if new_from > 0:
                keep = hi >= new_from
                lo, hi = lo[keep], hi[keep]
            pending.append(lo.astype(np.int64) * nn + hi)
            pending_size += len(lo)
        if pending_size > max(len(unique), COMPACT_MIN_PAIRS):
            unique = np.unique(np.concatenate([unique, *pending]))
            pending, pending_size = [], 0
    if pending:
        unique = np.unique(np.concatenate([unique, *pending]))
    return np.stack([unique // nn, unique % nn], axis=1)
