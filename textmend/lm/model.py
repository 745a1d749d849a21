"""Score text with a character n-gram model: whole texts, spans in context, candidate sets.

All scores are natural-log probabilities of the folded view (see :mod:`textmend.lm.fold`), so
simplified and traditional text score alike. Many texts are scored in one vectorised pass over a
concatenated code array, which makes comparing thousands of candidates cheap; a call with only a
few short texts runs in plain Python instead (:mod:`textmend.lm.scalar`), where numpy's fixed
cost per call would dominate. For many positions at once use :meth:`LanguageModel.score_batch`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from textmend.errors import InputError
from textmend.lm.build import SCHEME
from textmend.lm.fold import fold_codes
from textmend.lm.hashing import codes_of, ngram_keys
from textmend.lm.modelfile import read_model
from textmend.lm.scalar import ScalarScorer
from textmend.lm.table import BUCKET, lookup, unpack

WORD_WEIGHT = 0.5
# Characters in one call up to which plain Python beats numpy's fixed cost per call.
SMALL = 96


class LanguageModel:
    """A loaded (memory-mapped) character n-gram model. Build one with :func:`build_model`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        meta, arrays = read_model(path)
        try:
            self.order = int(meta["order"])
            self.unk_logp = float(meta["unk_logp"])
            self._table = arrays["table"]
            self._overflow = arrays["overflow"]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(str(path), "language model file lacks its n-gram table") from exc
        if meta.get("scheme") != SCHEME:
            raise InputError(
                str(path), "language model built by an incompatible textmend version: rebuild it"
            )
        size = len(self._table)
        if (
            self._table.dtype != np.uint64
            or self._overflow.dtype != np.bool_
            or size < BUCKET
            or len(self._overflow) * BUCKET != size
            or not 2 <= self.order <= 8
        ):
            raise InputError(str(path), "corrupt language model table")
        self.path = str(path)
        self.meta = meta
        self._scalar = ScalarScorer(self._table, self._overflow, self.order, self.unk_logp)

    @property
    def running_text(self) -> bool:
        """Trained on running text (``textmend lm build``), punctuation and all, rather than on
        the default word list: only such a model can score across punctuation, which the
        word list never shows it."""
        return not str(self.meta.get("source", "")).startswith("jieba dict")

    @property
    def context(self) -> int:
        """Characters of left context that can change a score (order - 1)."""
        return self.order - 1

    def _score_positions(self, texts: Sequence[str], skip: Sequence[int]) -> NDArray[np.float64]:
        """Sum of per-character log-probs of each text, leaving out its first ``skip[i]`` characters
        (they serve as context only)."""
        if sum(map(len, texts)) <= SMALL:
            return np.array(self._scalar.score(texts, skip), dtype=np.float64)
        return self._score_vectorised(texts, skip)

    def _score_vectorised(self, texts: Sequence[str], skip: Sequence[int]) -> NDArray[np.float64]:
        out = np.zeros(len(texts))
        if not texts:
            return out
        codes = fold_codes(codes_of("".join(texts)))
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        total = len(codes)
        if total == 0:
            return out
        n = self.order
        seg_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
        first = seg_start + np.repeat(np.asarray(skip, dtype=np.int64), lengths)
        # Positions whose n-grams matter: scored ones and the one before (its n-grams are contexts).
        need = np.flatnonzero(np.arange(total) >= first - 1)
        avail = need - seg_start[need] + 1  # characters of the text up to and including each position
        keys = ngram_keys(codes, n)
        m = len(need)
        found = np.zeros((n + 1, m), dtype=bool)
        lp = np.zeros((n + 1, m))
        bo = np.zeros((n + 1, m))
        found[0] = True
        lp[0] = self.unk_logp
        # Two vectorised lookups: orders 1-2 everywhere, then the higher orders only where the
        # bigram is present -- a kept n-gram's suffix is always kept (Kneser-Ney needs it, and
        # pruning goes by raw counts, which never grow with the order). Few calls matter: a
        # call's fixed cost dominates small batches.
        where = avail[None, :] >= np.arange(1, n + 1)[:, None]  # (order, position)
        for lo, hi in ((0, 2), (2, n)):
            if lo:
                where[lo:hi] &= found[lo]
            ks, cols = np.nonzero(where[lo:hi])
            ks += lo
            if not len(ks):
                break
            wanted = np.concatenate([keys[k][need[cols[ks == k]] - k] for k in range(lo, hi)])
            found[ks + 1, cols], lp[ks + 1, cols], bo[ks + 1, cols] = unpack(
                lookup(self._table, self._overflow, wanted)
            )
        best_k = n - np.argmax(found[::-1], axis=0)
        # Backing off from orders best_k+1..n adds the backoff weight of each context, the
        # (j-1)-gram ending one position earlier: bo[best_k..n-1] shifted by one position.
        cum = np.cumsum(bo[::-1], axis=0)[::-1]  # cum[j] = sum of bo[j..n]
        scored = np.flatnonzero(need >= first[need])
        prev = scored - 1
        logps = lp[best_k[scored], scored] + cum[best_k[scored], prev] - cum[n, prev]
        # A context lies inside the text only if the position before is part of it.
        inside = need[scored] > seg_start[need[scored]]
        logps = np.where(inside, logps, lp[best_k[scored], scored])
        seg = np.repeat(np.arange(len(texts)), lengths)
        return np.bincount(seg[need[scored]], weights=logps, minlength=len(texts)).astype(np.float64)

    def logprob(self, text: str) -> float:
        """Natural-log probability of ``text`` (no context before it)."""
        return float(self._score_positions([text], [0])[0])

    def logprobs(self, texts: Sequence[str]) -> list[float]:
        """:meth:`logprob` of many texts in one vectorised pass."""
        return self._score_positions(list(texts), [0] * len(texts)).tolist()

    def score_in_context(self, left: str, span: str, right: str) -> float:
        """log P(span + right | left), comparable across candidate spans of one position.

        Only the last ``order - 1`` characters of ``left`` and the first ``order - 1`` of
        ``right`` are used: characters further right have the same context whatever the span,
        so they add the same amount to every candidate and are left out.
        """
        return self.compare(left, [span], right)[0]

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        """:meth:`score_in_context` for each candidate span at one position."""
        c = self.context
        lctx = left[-c:] if c else ""
        rctx = right[:c]
        texts = [lctx + cand + rctx for cand in candidates]
        return self._score_positions(texts, [len(lctx)] * len(texts)).tolist()

    def compare_words(
        self, left: str, candidates: Sequence[str], right: str, weight: float = WORD_WEIGHT
    ) -> list[float]:
        """:meth:`compare` plus ``weight`` times the word component (best jieba segmentation of
        the candidate with ``order - 1`` characters of context on each side).

        Better when candidates are whole words (0.5 measured best on the default model, see
        bench/bench_lm.py), but some 10x slower: meant for a handful of candidates.
        """
        from textmend.lm.words import word_logprob

        c = self.context
        chars = self.compare(left, candidates, right)
        lctx, rctx = left[-c:], right[:c]
        return [
            s + weight * word_logprob(lctx + cand + rctx) for s, cand in zip(chars, candidates, strict=True)
        ]

    def score_batch(self, items: Sequence[tuple[str, str, str]]) -> list[float]:
        """:meth:`score_in_context` for many (left, span, right) triples in one pass."""
        c = self.context
        texts, skip = [], []
        for left, span, right in items:
            lctx = left[-c:]
            texts.append(lctx + span + right[:c])
            skip.append(len(lctx))
        return self._score_positions(texts, skip).tolist()
