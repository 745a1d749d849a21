"""Vectorised 64-bit keys of character n-grams.

The key of an n-gram extends the key of its prefix by one character, so one pass per order gives
the keys of every n-gram of a text, and the key of an n-gram's context (its prefix) and of its
lower-order suffix are keys of the same arrays one order down. Keys of different orders are
distinct with overwhelming probability (64-bit mixing), so all orders share one table.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = NDArray[np.uint64]

# Names the key function; recorded in model files (see textmend.lm.table.SCHEME).
SCHEME = "splitmix-chain-1"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _mix(x: U64) -> U64:
    """splitmix64's finaliser, in place on a fresh array (numpy wraps uint64 arithmetic)."""
    x ^= x >> _S30
    x *= _C1
    x ^= x >> _S27
    x *= _C2
    x ^= x >> _S31
    return x


def codes_of(text: str) -> NDArray[np.uint32]:
    """Code points of ``text`` as an array (UTF-32 is one unit per code point).

    Lone surrogates (``surrogateescape``-decoded bytes in damaged text) pass through as their
    code points rather than raising.
    """
    return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)


def ngram_keys(codes: NDArray[np.uint32], order: int) -> list[U64]:
    """Keys of all n-grams of orders 1..order: ``keys[k-1][i]`` is the k-gram starting at ``i``.

    ``keys[k-1]`` has ``len(codes) - k + 1`` entries (none if the text is shorter).
    """
    c = codes.astype(np.uint64)
    keys: list[U64] = []
    prev = _mix(c * _GOLDEN + np.uint64(1))
    keys.append(prev)
    for k in range(2, order + 1):
        n = len(c) - k + 1
        if n <= 0:
            keys.append(np.empty(0, dtype=np.uint64))
            continue
        nxt = prev[:n] * _GOLDEN
        nxt ^= c[k - 1 :]
        nxt += np.uint64(k)
        prev = _mix(nxt)
        keys.append(prev)
    return keys
