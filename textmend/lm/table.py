"""A bucketed hash table of n-gram keys packed into one uint64 array.

Each slot holds ``fingerprint << 32 | logp << 16 | backoff`` (the two log values quantised to
int16). Slots come in buckets of 8 (one 64-byte cache line): a key lives in its home bucket
(from the key's low 32 bits) or, if that is full, in the next one, so a lookup is one gather of a
row and one comparison, vectorised over all queries. The fingerprint is the key's high 32 bits
(never 0, which marks an empty slot); a false match needs two 64-bit keys agreeing on those
32 bits within a bucket, about one lookup in 2**29.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

# Names the slot layout and bucket addressing; a model file records it, so a file laid out
# differently is refused instead of silently finding nothing.
SCHEME = "b8-fastrange-q1000"
BUCKET = 8
LOAD = 0.45  # 0.6 made overflow chains (extra probe rounds) cost ~12% of compare's speed
SCALE = 1000.0  # int16 units per nat: 0.001-nat resolution, range +-32.7 nats
_LIMIT = 32767
_FP_SHIFT = np.uint64(32)


def _fingerprint(keys: NDArray[np.uint64]) -> NDArray[np.uint64]:
    fp = keys >> _FP_SHIFT
    fp[fp == 0] = 1
    return fp


def _home(keys: NDArray[np.uint64], buckets: int) -> NDArray[np.intp]:
    """Home bucket from the low 32 bits, scaled to the bucket count by a multiply and a shift
    (Lemire's fastrange: several times cheaper than a modulus); the fingerprint uses the high bits."""
    return (((keys & np.uint64(0xFFFFFFFF)) * np.uint64(buckets)) >> _FP_SHIFT).astype(np.intp)


def quantise(values: NDArray[np.float64]) -> NDArray[np.uint64]:
    q = np.clip(np.rint(values * SCALE), -_LIMIT, _LIMIT).astype(np.int64)
    return (q & 0xFFFF).astype(np.uint64)


def build_table(
    keys: NDArray[np.uint64], logp: NDArray[np.float64], bow: NDArray[np.float64]
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """Pack unique ``keys`` with their values into a table of buckets sized for the load factor.

    Also returns, per bucket, whether a key homed there had to move on: only then does a
    lookup that misses in its home bucket look further.
    """
    # Any bucket count, not a power of two, which would waste up to half the file.
    buckets = max(16, math.ceil(len(keys) / (BUCKET * LOAD)))
    table = np.zeros((buckets, BUCKET), dtype=np.uint64)
    fill = np.zeros(buckets, dtype=np.int64)
    overflow = np.zeros(buckets, dtype=bool)
    packed = (_fingerprint(keys) << _FP_SHIFT) | (quantise(logp) << np.uint64(16)) | quantise(bow)
    home = _home(keys, buckets)
    pending = np.arange(len(keys))
    while len(pending):
        order = np.argsort(home[pending], kind="stable")
        pending = pending[order]
        b = home[pending]
        # Rank of each key among the pending keys aiming at the same bucket.
        starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        rank = np.arange(len(b)) - np.repeat(starts, np.diff(np.r_[starts, len(b)]))
        slot = fill[b] + rank
        fits = slot < BUCKET
        table[b[fits], slot[fits]] = packed[pending[fits]]
        np.add.at(fill, b[fits], 1)
        pending = pending[~fits]
        # Mark every bucket a moving key passes, so lookups know to follow it.
        overflow[home[pending]] = True
        home[pending] = (home[pending] + 1) % buckets
    return table.reshape(-1), overflow


def _probe(
    rows: NDArray[np.uint64], home: NDArray[np.intp], want: NDArray[np.uint32]
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """Entry of each key in its bucket (0 if absent there) and whether it was found."""
    entries = np.take(rows, home, axis=0)  # np.take is several times faster than rows[home]
    fps = entries.view(np.uint32)[:, 1::2]  # little-endian: the fingerprint is the high half
    col = (fps == want[:, None]).argmax(axis=1)
    idx = np.arange(len(home))
    found = fps[idx, col] == want
    return np.where(found, entries[idx, col], np.uint64(0)), found


def lookup(
    table: NDArray[np.uint64], overflow: NDArray[np.bool_], keys: NDArray[np.uint64]
) -> NDArray[np.uint64]:
    """Packed entries for ``keys``: 0 where a key is absent."""
    rows = table.reshape(-1, BUCKET)
    buckets = len(rows)
    want = (keys >> _FP_SHIFT).astype(np.uint32)
    want[want == 0] = 1
    home = _home(keys, buckets)
    out, found = _probe(rows, home, want)
    # A full home bucket may have pushed the key on to the following buckets.
    pending = np.flatnonzero(~found & overflow[home])
    while len(pending):
        home[pending] = (home[pending] + 1) % buckets
        got, found = _probe(rows, home[pending], want[pending])
        out[pending] = got
        pending = pending[~found & overflow[home[pending]]]
    return out


def unpack(entries: NDArray[np.uint64]) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """(found, logp, backoff) of packed entries; absent entries give logp 0 and backoff 0."""
    found = entries != 0
    lp = ((entries >> np.uint64(16)) & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
    bo = (entries & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
    return found, lp / SCALE, bo / SCALE
