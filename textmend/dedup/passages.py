"""Passages shared between different documents (passim's idea: n-gram anchors, then extension).

1. Candidates: every document's matching view is cut into overlapping windows
   (``passage_window`` characters, half-window stride); window signatures go through the same
   banding as documents, and two documents are a candidate pair when windows of each collide.
2. Alignment: shingles occurring exactly once in each of the two documents are anchors
   ``(position in a, position in b)``; anchors are chained along near-constant diagonals
   (gaps up to one window), so a passage survives scattered damage between anchors.
3. Each chain at least ``passage_min`` view characters long in both documents is a shared
   passage when the exact Jaccard of the two spans' shingle sets reaches ``threshold``; its
   view span maps back to original offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textmend.dedup.bands import band_keys, candidate_pairs, choose_bands
from textmend.dedup.config import DedupConfig
from textmend.dedup.minhash import ShingleBatch, shingle_batch, signatures
from textmend.dedup.result import SharedPassage
from textmend.dedup.verify import exact_jaccard
from textmend.dedup.view import view_batch
from textmend.document import Document

WINDOW_THRESHOLD = 0.3
"""Window-level Jaccard for candidate documents; low because a window may straddle the edge of
the shared passage; every candidate is aligned exactly afterwards."""


@dataclass(frozen=True, slots=True)
class _Doc:
    hashes: np.ndarray
    offsets: np.ndarray  # view index -> original code point


def _windows(docs: Sequence[_Doc], window: int, n: int) -> tuple[ShingleBatch, np.ndarray]:
    """Shingle hashes of each window, and the document each window belongs to."""
    per = max(1, window - n + 1)  # shingles per window
    stride = max(1, per // 2)
    parts: list[np.ndarray] = []
    owner: list[int] = []
    for k, d in enumerate(docs):
        m = len(d.hashes)
        if m == 0:
            continue
        for s in range(0, max(1, m - per + stride), stride):
            parts.append(d.hashes[s : s + per])
            owner.append(k)
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=starts[1:])
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return ShingleBatch(hashes=hashes, starts=starts), np.array(owner, dtype=np.int64)


def _unique_positions(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted hashes occurring once in ``h`` and their positions."""
    vals, first, counts = np.unique(h, return_index=True, return_counts=True)
    once = counts == 1
    return vals[once], first[once]


def _anchors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    va, pa = _unique_positions(a)
    vb, pb = _unique_positions(b)
    _, ia, ib = np.intersect1d(va, vb, assume_unique=True, return_indices=True)
    pairs = np.stack([pa[ia], pb[ib]], axis=1)
    return pairs[np.argsort(pairs[:, 0], kind="stable")]


def _chains(anchors: np.ndarray, gap: int) -> list[tuple[int, int, int, int]]:
    """Greedy diagonal chaining: ``(a_first, a_last, b_first, b_last)`` anchor positions."""
    open_chains: list[list[int]] = []  # [a_first, a_last, b_first, b_last]
    done: list[tuple[int, int, int, int]] = []
    for pa, pb in anchors.tolist():
        best = None
        for c in open_chains:
            if 0 < pa - c[1] <= gap and 0 < pb - c[3] <= gap and abs((pb - pa) - (c[3] - c[1])) <= gap:
                best = c
                break
        if best is None:
            open_chains.append([pa, pa, pb, pb])
        else:
            best[1], best[3] = pa, pb
        # Close chains the scan has moved past.
        still = []
        for c in open_chains:
            if pa - c[1] > gap:
                done.append((c[0], c[1], c[2], c[3]))
            else:
                still.append(c)
        open_chains = still
    done.extend((c[0], c[1], c[2], c[3]) for c in open_chains)
    return sorted(done)


def align_pair(a: _Doc, b: _Doc, config: DedupConfig) -> list[tuple[int, int, int, int, float]]:
    """Shared passages of two documents: original ``(a_start, a_end, b_start, b_end, jaccard)``."""
    n = config.ngram
    out = []
    for a0, a1, b0, b1 in _chains(_anchors(a.hashes, b.hashes), config.passage_window):
        a_end, b_end = a1 + n, b1 + n  # view end (exclusive) of the last anchor shingle
        if a_end - a0 < config.passage_min or b_end - b0 < config.passage_min:
            continue
        sim = exact_jaccard(np.unique(a.hashes[a0 : a1 + 1]), np.unique(b.hashes[b0 : b1 + 1]))
        # Sparse chains of chance anchors (common phrases of one topic) are not reuse.
        if sim < config.threshold:
            continue
        out.append(
            (
                int(a.offsets[a0]),
                int(a.offsets[a_end - 1]) + 1,
                int(b.offsets[b0]),
                int(b.offsets[b_end - 1]) + 1,
                sim,
            )
        )
    return out


def shared_passages(docs: Sequence[Document], config: DedupConfig) -> list[SharedPassage]:
    views = view_batch(
        [d.text for d in docs], fold_script=config.fold_script, spinner_table=config.spinner_table
    )
    sh = shingle_batch(views, config.ngram)
    prepared = [_Doc(hashes=sh.of(k), offsets=views.doc_offsets(k)) for k in range(len(docs))]
    win, owner = _windows(prepared, config.passage_window, config.ngram)
    if len(owner) < 2:
        return []
    bands, rows = choose_bands(WINDOW_THRESHOLD, config.num_perm)
    keys = band_keys(signatures(win, config.num_perm, config.seed), bands, rows)
    wp = candidate_pairs(keys)
    doc_pairs = np.unique(np.sort(owner[wp], axis=1), axis=0) if len(wp) else np.zeros((0, 2), dtype=np.int64)
    out: list[SharedPassage] = []
    for i, j in doc_pairs.tolist():
        if i == j:
            continue
        for a0, a1, b0, b1, sim in align_pair(prepared[i], prepared[j], config):
            out.append(SharedPassage(docs[i].id, a0, a1, docs[j].id, b0, b1, sim))
    return out
