"""Vectorised 64-bit keys of character n-grams.

The key of an n-gram extends the key of its prefix by one character, so one pass per order gives
the keys of every n-gram of a text, and the key of an n-gram's context (its prefix) and of its
lower-order suffix are keys of the same arrays one order down. Keys of different orders are
distinct with overwhelming probability (64-bit mixing), so all orders share one table.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

U64 = NDArray[np.uint64]

# Names the key function; recorded in model files (see textmend.lm.table.SCHEME).
SCHEME = "splitmix-chain-1"


def _const(v: int) -> U64:
    # 0-d arrays, not numpy scalars: as an operand a scalar is converted on every call, which
    # on small arrays doubles an operation's cost.
    return np.array(v, dtype=np.uint64)


_GOLDEN = _const(0x9E3779B97F4A7C15)
_C1 = _const(0xBF58476D1CE4E5B9)
_C2 = _const(0x94D049BB133111EB)
_S30, _S27, _S31 = _const(30), _const(27), _const(31)
_SMALL = [_const(k) for k in range(9)]  # added per order (1..8)


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
    prev = _mix(c * _GOLDEN + _SMALL[1])
    keys.append(prev)
    for k in range(2, order + 1):
        n = len(c) - k + 1
        if n <= 0:
            keys.append(np.empty(0, dtype=np.uint64))
            continue
        nxt = prev[:n] * _GOLDEN
        nxt ^= c[k - 1 :]
        nxt += _SMALL[k]
        prev = _mix(nxt)
        keys.append(prev)
    return keys


def end_keys(codes: NDArray[np.uint32], order: int) -> U64:
    """Keys of n-grams by the position they end at: ``out[k, i]`` is the key of the k-gram
    ending at ``codes[i]`` (the value :func:`ngram_keys` gives the k-gram starting at
    ``i - k + 1``); ``out[0]`` is 0.

    An n-gram's context (its prefix) is one position to the left one order down. Where
    ``i < k - 1`` the value is meaningless, and so is any n-gram reaching back across the end of
    the text before it when ``codes`` holds several texts. Computed in place on contiguous rows:
    on the small arrays of one call, numpy's cost is per operation.
    """
    total = len(codes)
    out = np.zeros((order + 1, total), dtype=np.uint64)
    c = codes.astype(np.uint64)
    scratch = np.empty(total, dtype=np.uint64)
    if total and np.maximum.reduce(codes) < _BMP:
        _unigram_keys().take(codes, out=out[1])  # one gather instead of ten operations
    else:
        np.multiply(c, _GOLDEN, out=out[1])
        np.add(out[1], _SMALL[1], out=out[1])
        _mix_into(out[1], scratch)
    for k in range(2, min(order, total) + 1):
        x = out[k, 1:]
        np.multiply(out[k - 1, :-1], _GOLDEN, out=x)
        np.bitwise_xor(x, c[1:], out=x)
        np.add(x, _SMALL[k], out=x)
        _mix_into(x, scratch[1:])
    return out


_BMP = 0x10000


@functools.cache
def _unigram_keys() -> U64:
    """Keys of every Basic Multilingual Plane character as a 1-gram (512 KB, built once)."""
    return _mix(np.arange(_BMP, dtype=np.uint64) * _GOLDEN + _SMALL[1])


def _mix_into(x: U64, scratch: U64) -> None:
    """:func:`_mix` in place, with a scratch array of x's shape for the shifted copies."""
    for shift, mult in ((_S30, _C1), (_S27, _C2)):
        np.right_shift(x, shift, out=scratch)
        np.bitwise_xor(x, scratch, out=x)
        np.multiply(x, mult, out=x)
    np.right_shift(x, _S31, out=scratch)
    np.bitwise_xor(x, scratch, out=x)
