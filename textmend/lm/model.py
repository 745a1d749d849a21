"""Score text with a character n-gram model: whole texts, spans in context, candidate sets.

All scores are natural-log probabilities of the folded view (see :mod:`textmend.lm.fold`), so
simplified and traditional text score alike. Many texts are scored in one vectorised pass over a
concatenated code array; the candidates of one position (:meth:`LanguageModel.compare`) as rows
of one grid, where the n-grams of the shared contexts are looked up once. A call with only a few
short texts runs in plain Python instead (:mod:`textmend.lm.scalar`), where numpy's fixed cost
per call would dominate. For many positions at once use :meth:`LanguageModel.score_batch`.
Both vectorised scorers sum in the table's integer units and divide once at the end.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from textmend.errors import InputError
from textmend.lm.build import SCHEME
from textmend.lm.fold import fold_codes
from textmend.lm.hashing import codes_of, end_keys
from textmend.lm.modelfile import read_model
from textmend.lm.scalar import ScalarScorer
from textmend.lm.table import BUCKET, SCALE, lookup

WORD_WEIGHT = 0.5
# Characters in one call up to which plain Python beats numpy's fixed cost per call. Measured
# for compare() on the bench positions: 55-80 with a cold memo, about 250 once the scalar path's
# memo holds the contexts' n-grams (a long run over one document).
SMALL = 96
# Slot kinds of a compare call's n-gram grid (see _layout); kinds from _SHARED on name the
# entry of the shared template (n-grams of the left or the right context alone) to copy.
_UNUSED, _OWN, _SHARED = 0, 1, 2
# 0-d arrays, not Python ints or numpy scalars: as an operand those are converted on every call,
# which on the small arrays of a compare call doubles an operation's cost.
_ZERO, _ONE = np.array(0, dtype=np.intp), np.array(1, dtype=np.intp)
_VALUE_SHIFT = np.array(16, dtype=np.uint64)


class _Layout(NamedTuple):
    """Where the n-grams of a compare call come from, for one (order, left, right, widest
    candidate) shape. Candidates are rows of one width: left context, candidate, right context,
    padding.

    ``kind[k, m, e]`` says how the slot of the k-gram ending at column ``e`` of a candidate of
    length ``m`` is filled: not needed, looked up, or copied from entry ``kind - _SHARED`` of
    the template: the n-grams of the left or the right context alone, the same in every row and
    looked up once, at (order, column) ``template[m]`` of a row of length m. ``scored[m, e]``:
    column e is scored.
    """

    width: int
    kind: NDArray[np.int8]
    scored: NDArray[np.bool_]
    template: tuple[tuple[NDArray[np.intp], NDArray[np.intp]], ...]


@functools.lru_cache(maxsize=512)
def _layout(order: int, left: int, right: int, widest: int) -> _Layout:
    n, a, b = order, left, right
    width = a + widest + b
    kind = np.zeros((n + 1, widest + 1, width), dtype=np.int8)
    scored = np.zeros((widest + 1, width), dtype=bool)
    template = []
    for m in range(widest + 1):
        slots: list[tuple[int, int]] = []
        # The left context's last character: only the backoff weights of its n-grams count (as
        # contexts of the first scored position).
        for k in range(1, min(a, n - 1) + 1):
            kind[k, m, a - 1] = _SHARED + len(slots)
            slots.append((k, a - 1))
        for e in range(a, a + m + b):
            scored[m, e] = True
            r = e - a - m  # column within the right context (negative inside the candidate)
            for k in range(1, min(n, e + 1) + 1):
                if k <= r + 1:
                    kind[k, m, e] = _SHARED + len(slots)
                    slots.append((k, e))
                else:
                    kind[k, m, e] = _OWN
        ks, es = zip(*slots, strict=True) if slots else ((), ())
        template.append((np.array(ks, dtype=np.intp), np.array(es, dtype=np.intp)))
    return _Layout(width, kind, scored, tuple(template))


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

    @functools.cached_property
    def char_gain_bound(self) -> float:
        """An upper bound, in nats, on what one character adds to a score (:meth:`compare`),
        read off the table once.

        A character scores the log-probability found at its longest known n-gram (or the
        unknown character's) plus the backoff weights of up to ``order - 1`` longer contexts:
        no more than the table's largest log-probability plus ``order - 1`` times its largest
        positive backoff. Searches use it to skip readings that cannot catch up (0 for the
        default model: no character raises a score).
        """
        from textmend.lm.table import SCALE

        used = self._table[self._table != 0]  # an empty slot is 0 (fingerprints are never 0)
        if not len(used):
            return max(0.0, self.unk_logp)
        logp = ((used >> np.uint64(16)) & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
        backoff = (used & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
        top = max(int(logp.max()) / SCALE, self.unk_logp)
        return top + (self.order - 1) * max(0, int(backoff.max())) / SCALE

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
        if not texts:
            return np.zeros(0)
        codes = fold_codes(codes_of("".join(texts)))
        total = len(codes)
        if total == 0:
            return np.zeros(len(texts))
        n = self.order
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
        seg = np.repeat(np.arange(len(texts)), lengths)
        seg_start = (np.cumsum(lengths) - lengths)[seg]
        first = seg_start + np.asarray(skip, dtype=np.intp)[seg]
        # Positions whose n-grams matter: scored ones and the one before (its n-grams are contexts).
        need = np.greater_equal(np.arange(total), first - 1).nonzero()[0]
        avail = need - seg_start[need] + 1  # characters of the text up to and including each position
        m = len(need)
        keys = end_keys(codes, n).ravel()  # keys[k * total + p]: the k-gram ending at p
        ent = np.zeros((n + 1, m), dtype=np.uint64)
        flat = ent.ravel()
        # Two vectorised lookups: orders 1-2 everywhere, then the higher orders only where the
        # bigram is present -- a kept n-gram's suffix is always kept (Kneser-Ney needs it, and
        # pruning goes by raw counts, which never grow with the order). Few calls matter: a
        # call's fixed cost dominates small batches.
        fits = np.arange(n + 1)[:, None] <= avail  # (order, position): the n-gram lies in its text
        fits[0] = False
        for lo in (1, 3):
            sel = fits[lo : lo + 2 if lo == 1 else n + 1]
            if lo == 3:
                sel = sel & ent[2].astype(np.bool_)
            idx = sel.ravel().nonzero()[0] + lo * m
            if len(idx):
                flat[idx] = lookup(self._table, self._overflow, keys[(idx // m) * total + need[idx % m]])
        # Found orders at a position are 1..best. Table units (ints) until the one division.
        best = np.add.reduce(ent.astype(np.bool_), axis=0, dtype=np.intp)
        col = np.arange(m)
        top = flat[best * m + col]  # the entry of the highest order found (0 if none)
        units = np.right_shift(top, _VALUE_SHIFT).astype(np.uint16).view(np.int16).astype(np.int64)
        # Backing off from orders best+1..n adds the backoff weights of their contexts: orders
        # best..n-1 ending one position earlier (order 0 adds nothing), a suffix sum over orders.
        bo = ent.astype(np.uint16).view(np.int16)
        suffix = np.zeros((n + 1, m), dtype=np.int32)
        for k in range(n - 1, 0, -1):
            np.add(suffix[k + 1], bo[k], out=suffix[k])
        scored = np.greater_equal(need, first[need]).nonzero()[0]
        back = suffix.ravel()[np.maximum(best[scored], _ONE) * m + scored - 1]
        # A context lies inside the text only if the position before is part of it.
        inside = need[scored] > seg_start[need[scored]]
        units = units[scored] + back * inside
        owner = seg[need[scored]]
        unknown = np.bincount(owner, weights=np.equal(best[scored], _ZERO), minlength=len(texts))
        return np.bincount(owner, weights=units, minlength=len(texts)) / SCALE + unknown * self.unk_logp

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
        unique = list(dict.fromkeys(candidates))
        if not unique:
            return []
        lens = list(map(len, unique))
        widest = max(lens)
        if (len(lctx) + widest + len(rctx)) * len(unique) <= SMALL:
            texts = [lctx + cand + rctx for cand in unique]
            scores = self._scalar.score(texts, [len(lctx)] * len(texts))
        elif widest * len(unique) > 4 * sum(lens) + 64:
            # Very uneven lengths would mostly hash and look up padding: concatenate instead.
            texts = [lctx + cand + rctx for cand in unique]
            scores = self._score_vectorised(texts, [len(lctx)] * len(texts)).tolist()
        else:
            scores = self._compare_grid(lctx, unique, rctx, lens).tolist()
        if len(unique) == len(candidates):
            return scores
        by_text = dict(zip(unique, scores, strict=True))
        return [by_text[cand] for cand in candidates]

    def _compare_grid(self, lctx: str, unique: list[str], rctx: str, lens: list[int]) -> NDArray[np.float64]:
        """Scores of distinct candidates between one left and one right context.

        Every candidate is a row of one grid (order x row x end column), and all lookups are one
        vectorised call; n-grams of the left or the right context alone are looked up once for
        all rows. Some 100 numpy calls whatever the size, which is most of a call's cost up to
        a few hundred candidates. (A second call for the orders above 3, only where the trigram
        is found, needs 40% fewer lookups but measured no faster at 20, 100 or 1,000 candidates.)
        """
        n = self.order
        widest = max(lens)
        lay = _layout(n, len(lctx), len(rctx), widest)
        rows, width = len(unique), lay.width
        size = rows * width
        pad = ["\0" * (widest - m) for m in range(widest + 1)]
        text = "".join([f"{lctx}{cand}{rctx}{pad[m]}" for cand, m in zip(unique, lens, strict=True)])
        keys = end_keys(fold_codes(codes_of(text)), n).ravel()  # one order after another
        lengths = np.array(lens, dtype=np.intp)
        kind = lay.kind.take(lengths, axis=1).ravel()
        ent = np.zeros((n + 1, size), dtype=np.uint64)
        flat = ent.ravel()
        own = np.equal(kind, _OWN).nonzero()[0]
        t_order, t_col = lay.template[lens[0]]  # from the first row; every row has the same
        got = lookup(self._table, self._overflow, np.concatenate([keys[own], keys[t_order * size + t_col]]))
        flat[own] = got[: len(own)]
        shared = np.greater_equal(kind, _SHARED).nonzero()[0]
        flat[shared] = got[len(own) :][kind[shared] - _SHARED]
        # Found orders at a column are 1..best: a kept n-gram's suffix is kept too. Table units
        # (ints) until the one division at the end.
        best = np.add.reduce(ent.astype(np.bool_), axis=0, dtype=np.intp).reshape(rows, width)
        pos = np.arange(size).reshape(rows, width)
        top = flat[pos + best * size]  # the entry of the highest order found (0 if none)
        units = np.right_shift(top, _VALUE_SHIFT).astype(np.uint16).view(np.int16).astype(np.int64)
        # Backing off from orders best+1..n adds the backoff weights of their contexts: orders
        # best..n-1 ending one column earlier (order 0 adds nothing), a suffix sum over orders.
        bo = ent.astype(np.uint16).view(np.int16)
        suffix = np.zeros((n + 1, size), dtype=np.int32)
        for k in range(n - 1, 0, -1):
            np.add(suffix[k + 1], bo[k], out=suffix[k])
        units[:, 1:] += suffix.ravel()[pos[:, :-1] + np.maximum(best[:, 1:], _ONE) * size]
        scored = lay.scored[lengths]
        unknown = np.add.reduce(scored & np.equal(best, _ZERO), axis=1)
        return np.add.reduce(units * scored, axis=1) / SCALE + unknown * self.unk_logp

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
