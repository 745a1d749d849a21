"""Train a character n-gram model (interpolated Kneser-Ney) and write it as a model file.

Counting is vectorised per chunk of lines with numpy (keys from :mod:`textmend.lm.hashing`);
the estimate is stored in backoff form: for every kept n-gram ``log p(w | h)`` (already
interpolated with the lower orders) and, for it as a context, ``log gamma(h)``, the mass
given to lower orders. Each line is counted on its folded view with a start marker in front,
so n-grams that open lines get Kneser-Ney continuation counts too; marker n-grams are not stored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from textmend.errors import ConfigError
from textmend.lm.fold import fold
from textmend.lm.hashing import SCHEME as HASH_SCHEME
from textmend.lm.hashing import codes_of, ngram_keys
from textmend.lm.modelfile import write_model
from textmend.lm.table import SCHEME as TABLE_SCHEME
from textmend.lm.table import build_table

# Recorded in every model file; a reader refuses a file whose keys or table it would misread.
SCHEME = f"{HASH_SCHEME}/{TABLE_SCHEME}"

BOS = 0x02
_CHUNK_CHARS = 2_000_000
# build_model's default keeps every n-gram up to this many (a model file of about 150 MB, some
# 11 M characters of Chinese text) and above it drops those seen once, which shrinks the file
# about 2.7x. Kept singletons pay: on spun law text the spinner reverses 64% instead of 60% with
# a model of 3.4 M characters (``python -m bench spinner --docs 12 --chars 1500 --lm trained
# --min-count 1`` vs ``2``), and the in-domain encoding repairs restore up to one point more
# texts exactly (``python -m bench encoding 100 --kinds-only --in-domain --min-count=1`` vs ``=2``).
KEEP_ALL_NGRAMS = 8_000_000


@dataclass
class _Order:
    """Unique n-grams of one order with raw counts and the keys of their context and suffix."""

    keys: NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    counts: NDArray[np.float64] = field(default_factory=lambda: np.empty(0, np.float64))
    ctx: NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    suf: NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    bos: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))

    def merge(self, other: _Order) -> _Order:
        keys = np.concatenate([self.keys, other.keys])
        uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        counts = np.bincount(
            inv, weights=np.concatenate([self.counts, other.counts]), minlength=len(uniq)
        ).astype(np.float64)
        pick = [np.concatenate([a, b])[first] for a, b in ((self.ctx, other.ctx), (self.suf, other.suf))]
        bos = np.concatenate([self.bos, other.bos])[first]
        return _Order(uniq, counts, pick[0], pick[1], bos)


def _count_chunk(lines: list[tuple[str, float]], order: int) -> list[_Order]:
    texts = ["\x02" + fold(t) for t, _ in lines]
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    codes = codes_of("".join(texts))
    ends = np.cumsum(lengths)
    seg_end = np.repeat(ends, lengths)
    weight = np.repeat(np.array([w for _, w in lines], dtype=np.float64), lengths)
    keys = ngram_keys(codes, order)
    out = []
    for k in range(1, order + 1):
        arr = keys[k - 1]
        n = len(arr)
        idx = np.arange(n)
        valid = idx + k <= seg_end[:n]
        pos = idx[valid]
        uniq, first, inv = np.unique(arr[valid], return_index=True, return_inverse=True)
        rep = pos[first]
        counts = np.bincount(inv, weights=weight[pos], minlength=len(uniq)).astype(np.float64)
        if k > 1:
            ctx, suf = keys[k - 2][rep], keys[k - 2][rep + 1]
        else:
            ctx = suf = np.zeros(len(uniq), np.uint64)
        out.append(_Order(uniq, counts, ctx, suf, codes[rep] == BOS))
    return out


def _chunks(lines: Iterable[tuple[str, float]]) -> Iterator[list[tuple[str, float]]]:
    chunk: list[tuple[str, float]] = []
    size = 0
    for text, weight in lines:
        if not text:
            continue
        chunk.append((text, weight))
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _discount(a: NDArray[np.float64]) -> float:
    r = np.rint(a)
    n1, n2 = float(np.sum(r == 1)), float(np.sum(r == 2))
    if n1 + 2 * n2 == 0:
        return 0.5
    return min(max(n1 / (n1 + 2 * n2), 0.05), 0.95)


def _index(sorted_keys: NDArray[np.uint64], wanted: NDArray[np.uint64]) -> NDArray[np.int64]:
    idx = np.searchsorted(sorted_keys, wanted)
    return np.minimum(idx, len(sorted_keys) - 1).astype(np.int64)


def auto_min_count(orders: list[_Order]) -> float:
    """The ``min_count`` of a build that names none: 1 (keep all) while the model holds at most
    :data:`KEEP_ALL_NGRAMS` n-grams, else 2."""
    return 1.0 if sum(int(np.count_nonzero(~o.bos)) for o in orders) <= KEEP_ALL_NGRAMS else 2.0


def estimate(orders: list[_Order], min_count: float = 1.0) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Interpolated Kneser-Ney in backoff form, then pruning and packing into the hash table."""
    n = len(orders)
    # Continuation counts for lower orders: how many distinct characters precede each n-gram.
    adj: list[NDArray[np.float64]] = []
    for k in range(n):
        o = orders[k]
        if k == n - 1:
            adj.append(o.counts)
        else:
            up = orders[k + 1]
            adj.append(np.bincount(_index(o.keys, up.suf), minlength=len(o.keys)).astype(np.float64))
    logp: list[NDArray[np.float64]] = []
    bow = [np.zeros(len(o.keys)) for o in orders]
    a1 = adj[0]
    d = _discount(a1)
    total = float(a1.sum()) or 1.0
    vocab = len(a1)
    gamma0 = d * float(np.count_nonzero(a1)) / total
    p = np.maximum(a1 - d, 0) / total + gamma0 / (vocab + 1)
    logp.append(np.log(p))
    unk = math.log(gamma0 / (vocab + 1)) if gamma0 > 0 else -20.0
    for k in range(1, n):
        o, a = orders[k], adj[k]
        d = _discount(a)
        ci = _index(orders[k - 1].keys, o.ctx)
        denom = np.bincount(ci, weights=a, minlength=len(orders[k - 1].keys))
        types = np.bincount(ci, weights=(a > 0).astype(np.float64), minlength=len(orders[k - 1].keys))
        has = denom > 0
        gamma = np.ones_like(denom)
        gamma[has] = d * types[has] / denom[has]
        bow[k - 1] = np.log(np.maximum(gamma, 1e-300))
        lower = np.exp(logp[k - 1][_index(orders[k - 1].keys, o.suf)])
        dc = denom[ci]
        own = np.where(dc > 0, np.maximum(a - d, 0) / np.where(dc > 0, dc, 1), 0.0)
        logp.append(np.log(own + gamma[ci] * lower))
    keep_keys, keep_lp, keep_bo = [], [], []
    for k, o in enumerate(orders):
        keep = ~o.bos
        if k >= 2 and min_count > 1:
            # Raw counts never grow with the order, so a pruned n-gram is never the context of a kept one.
            keep &= o.counts >= min_count
        keep_keys.append(o.keys[keep])
        keep_lp.append(logp[k][keep])
        keep_bo.append(bow[k][keep])
    table, overflow = build_table(np.concatenate(keep_keys), np.concatenate(keep_lp), np.concatenate(keep_bo))
    stats = {"unk_logp": unk, "ngrams": float(sum(len(x) for x in keep_keys))}
    return {"table": table, "overflow": overflow}, stats


def count_lines(lines: Iterable[tuple[str, float]], order: int) -> list[_Order]:
    """Counts of all n-grams up to ``order`` in (text, weight) lines."""
    acc = [_Order() for _ in range(order)]
    for chunk in _chunks(lines):
        for k, part in enumerate(_count_chunk(chunk, order)):
            acc[k] = acc[k].merge(part)
    return acc


def _lines_of(texts: Iterable[str]) -> Iterator[tuple[str, float]]:
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line:
                yield line, 1.0


def build_from_lines(
    lines: Iterable[tuple[str, float]],
    out_path: str | os.PathLike[str],
    *,
    order: int = 5,
    min_count: float | None = 1.0,
    source: str = "",
) -> None:
    """Build from weighted lines (e.g. dictionary words weighted by frequency); ``min_count``
    None chooses it by the model's size (:func:`auto_min_count`)."""
    if not 2 <= order <= 8:
        raise ConfigError(f"language model order must be between 2 and 8, not {order}")
    if min_count is not None and min_count < 1:
        raise ConfigError(f"min_count must be at least 1, not {min_count}")
    orders = count_lines(lines, order)
    if not len(orders[0].keys):
        raise ConfigError("cannot build a language model from an empty corpus")
    if min_count is None:
        min_count = auto_min_count(orders)
    arrays, stats = estimate(orders, min_count=min_count)
    meta = {"order": order, "min_count": min_count, "source": source, "scheme": SCHEME, **stats}
    write_model(out_path, arrays, meta)


def build_model(
    texts: Iterable[str],
    out_path: str | os.PathLike[str],
    *,
    order: int = 5,
    min_count: float | None = None,
    source: str = "",
) -> None:
    """Train on ``texts`` (each split into lines) and write the model to ``out_path`` atomically.

    ``order`` is the n-gram length (5: four characters of context); ``min_count`` drops
    n-grams of order 3 and above seen fewer times (1 keeps all; None, the default, keeps all up
    to :data:`KEEP_ALL_NGRAMS` n-grams and drops those seen once above). On half of laws-cn, 2
    made the model about 3x smaller than 1 (20.9 vs 59.6 MB) for nearly the same accuracy at
    ranking one character in context (98.8 vs 98.9%, ``python -m bench lm --prune-sweep``), but
    the repairs that choose between whole words gain from the rare n-grams (see
    :data:`KEEP_ALL_NGRAMS`).
    """
    build_from_lines(_lines_of(texts), out_path, order=order, min_count=min_count, source=source)
