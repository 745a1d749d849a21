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
    """Entry of each key in its home bucket (0 if absent there: a stored entry is never 0), and
    whether it was found.

    Whole-array steps only: a reduction along the short bucket axis (argmax, any) costs numpy
    more than reading each row's 8 match flags as one 64-bit word.
    """
    entries = rows.take(home, axis=0)  # take is several times faster than rows[home]
    hit = entries.view(np.uint32)[:, 1::2] == want[:, None]  # little-endian: fingerprint = high half
    found = hit.view(np.uint64).ravel().astype(np.bool_)
    out = np.zeros(len(home), dtype=np.uint64)
    out[found] = entries[hit]  # at most one slot of a bucket holds a given fingerprint
    return out, found


# Keys left to follow along overflow chains up to which plain Python (some 2 us a key) beats
# one vectorised chase (some 20 numpy calls, 30-60 us whatever the count).
_FEW = 24
# Buckets of an overflow chain one vectorised chase looks at (a table at load 0.6 has chains up
# to 8 long; at the current load few pass 2).
_CHASE = 4
_STEPS = np.arange(_CHASE + 1)
# 0-d arrays, not numpy scalars or Python ints: as an operand those are converted on every
# call, which on the small arrays of one compare call doubles an operation's cost.
_ONE = np.array(1, dtype=np.uint32)
_SHIFT = np.array(32, dtype=np.intp)


def lookup(
    table: NDArray[np.uint64], overflow: NDArray[np.bool_], keys: NDArray[np.uint64]
) -> NDArray[np.uint64]:
    """Packed entries for ``keys``: 0 where a key is absent."""
    rows = table.reshape(-1, BUCKET)
    buckets = len(rows)
    halves = np.ascontiguousarray(keys).view(np.uint32)  # little-endian: low, high, low, ...
    want = np.maximum(halves[1::2], _ONE)  # the fingerprint: 0 marks an empty slot
    # _home's fastrange on the low half: the product stays below 2**63, so intp holds it.
    home = np.multiply(halves[0::2], np.array(buckets, dtype=np.intp), dtype=np.intp)
    np.right_shift(home, _SHIFT, out=home)
    out, found = _probe(rows, home, want)
    # A full home bucket may have pushed the key on to the following buckets.
    pending = np.greater(overflow[home], found).nonzero()[0]
    while len(pending) > _FEW:
        pending = _chase(rows, overflow, home, want, out, pending)
    if len(pending):
        _follow(table, overflow, home, want, out, pending)
    return out


def _chase(
    rows: NDArray[np.uint64],
    overflow: NDArray[np.bool_],
    home: NDArray[np.intp],
    want: NDArray[np.uint32],
    out: NDArray[np.uint64],
    pending: NDArray[np.intp],
) -> NDArray[np.intp]:
    """Follow the overflow chains of ``pending`` keys _CHASE buckets on at once; returns the keys
    whose chain goes on further (``home`` moved to where they stand)."""
    buckets = len(rows)
    chain = (home[pending][:, None] + _STEPS) % buckets  # (keys, _CHASE + 1): home first
    # Bucket j is reached only when every bucket before it on the chain overflowed.
    passed = np.logical_and.accumulate(overflow[chain], axis=1)
    entries = rows.take(chain[:, 1:], axis=0)  # (keys, _CHASE, BUCKET)
    hit = (entries.view(np.uint32)[..., 1::2] == want[pending][:, None, None]) & passed[:, :-1, None]
    hit = hit.reshape(len(pending), -1)
    first = hit.argmax(axis=1)  # the first match along the chain, as a bucket-by-bucket walk
    found = hit[np.arange(len(pending)), first]
    out[pending[found]] = entries.reshape(len(pending), -1)[found, first[found]]
    more = ~found & passed[:, -1]
    home[pending[more]] = chain[more, -1]
    return pending[more]


def _follow(
    table: NDArray[np.uint64],
    overflow: NDArray[np.bool_],
    home: NDArray[np.intp],
    want: NDArray[np.uint32],
    out: NDArray[np.uint64],
    pending: NDArray[np.intp],
) -> None:
    """Finish ``lookup`` for a few keys, one bucket at a time along their overflow chains."""
    # Plain-int views: a bucket's fingerprints (the high halves) are searched by ``in`` on a
    # list, no Python loop over the slots and no numpy scalars.
    slots = memoryview(table)  # type: ignore[arg-type]
    fingerprints = memoryview(table.view(np.uint32))  # type: ignore[arg-type]
    buckets = len(overflow)
    for i, b, fp in zip(pending.tolist(), home[pending].tolist(), want[pending].tolist(), strict=True):
        while True:
            b = (b + 1) % buckets
            row = fingerprints[2 * b * BUCKET + 1 : 2 * (b + 1) * BUCKET : 2].tolist()
            if fp in row:
                out[i] = slots[b * BUCKET + row.index(fp)]
                break
            if not overflow[b]:
                break  # out[i] stays 0: absent


def unpack(entries: NDArray[np.uint64]) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """(found, logp, backoff) of packed entries; absent entries give logp 0 and backoff 0."""
    found = entries != 0
    lp = ((entries >> np.uint64(16)) & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
    bo = (entries & np.uint64(0xFFFF)).astype(np.uint16).view(np.int16)
    return found, lp / SCALE, bo / SCALE
