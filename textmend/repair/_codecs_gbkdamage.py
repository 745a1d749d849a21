"""The forward model of the seed byte damage on GBK text (see ``docs/seed-damage.md``).

Two encoding-unaware programs edited raw GBK bytes, so their matches could straddle two
characters (trail byte of one + lead byte of the next):

* the ruby annotator inserted ``(pinyin)`` after a two-byte window it read as a character;
* the folder replaced every ``A3 xx`` (a fullwidth form) by the byte ``xx - 0x80``.

The result was decoded as GBK with each orphaned lead byte shown as ``?`` (the byte after it is
decoded anew), except that an orphan followed by the ``(`` of an inserted ruby swallows it -- as
observed in every ruby straddle of the seeds. This module replays that damage so a candidate
repair can be checked: re-damaging it must give back the observed text exactly.
"""

from __future__ import annotations

import codecs
import functools
import re

_FOLD = re.compile(rb"\xa3([\xa1-\xfe])")


def fold_fullwidth(data: bytes) -> bytes:
    """Replace every ``A3 xx`` by ``xx - 0x80``, scanning left to right, straddles included.

    >>> fold_fullwidth("。客觀".encode("gbk")).hex(" ")
    'a1 3f cd d3 5e'
    """
    return _FOLD.sub(lambda m: bytes((m.group(1)[0] - 0x80,)), data)


def _orphan_errors(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    data = exc.object
    nxt = exc.start + 1
    # The orphan swallows a following '(' (ruby straddles); any other byte is decoded anew.
    if nxt < len(data) and data[nxt] == 0x28:
        nxt += 1
    return "?", nxt


codecs.register_error("textmend-gbk-orphan", _orphan_errors)


def decode_damaged(data: bytes) -> str:
    """Decode GBK bytes the way the damaged seeds were decoded (orphans become ``?``).

    >>> decode_damaged(bytes.fromhex("a1 3f cd d3 5e"))
    '??陀^'
    """
    return data.decode("gbk", errors="textmend-gbk-orphan")


def redamage(original: bytes, insert_after: int | None = None, ruby: str = "", fold: bool = True) -> str:
    """Replay the damage on ``original`` GBK bytes.

    ``insert_after``/``ruby``: a straddle ruby ``(ruby)`` inserted after byte ``insert_after``.
    """
    data = original
    if insert_after is not None:
        data = data[: insert_after + 1] + f"({ruby})".encode("gbk") + data[insert_after + 1 :]
    if fold:
        data = fold_fullwidth(data)
    return decode_damaged(data)


def gbk_char(lead: int, trail: int) -> str | None:
    """The character of a GBK byte pair (two values in 0..255), or None when the pair is not a
    character."""
    return _pair_table()[(lead << 8) | trail]


@functools.cache
def _pair_table() -> tuple[str | None, ...]:
    """Every byte pair's character, indexed by ``lead << 8 | trail``: the repair searches decode
    tens of thousands of pairs per damaged run, a codec call each otherwise."""
    return tuple(_decode_pair(lead, trail) for lead in range(256) for trail in range(256))


def _decode_pair(lead: int, trail: int) -> str | None:
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 else None
