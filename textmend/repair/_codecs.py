"""Codec tables for the encoding fixers: which characters are ordinary in Chinese text, and a
fast scan that lets clean text through.

The "common" set is read off the legacy codecs themselves (no corpus is shipped): GB2312 level 1
(the 3,755 most frequent simplified characters), Big5's frequent block (A440-C67E, 5,401
traditional characters), the punctuation rows of both, and ASCII. Mojibake made by a wrong codec
is dominated by characters outside this set (Latin-1 letters, kana, GB2312 level 2, GBK and Big5
extension blocks), while clean Chinese has about 0.02% of them (measured on the 34 MB laws
corpora), so three uncommon characters close together are a cheap, strong trigger.
"""

from __future__ import annotations

import codecs
import functools
import re

from textmend.cjk import HAN_CLASS

# Characters a clean Chinese text plausibly contains although Latin-1/cp1252 can encode them:
# they are not evidence of Latin-family mojibake on their own.
_CJK_FRIENDLY_LATIN = "·×÷°±§¥£¨¤“”‘’…—–•™€\xa0"

# cp1252's 27 printable characters in 0x80-0x9F (their Unicode code points).
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"


def _pairs(encoding: str, leads: range, trails: list[int]) -> set[str]:
    out: set[str] = set()
    for lead in leads:
        for trail in trails:
            try:
                out.add(bytes((lead, trail)).decode(encoding))
            except UnicodeDecodeError:
                continue
    return out


_BIG5_TRAILS = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
_GB_TRAILS = list(range(0xA1, 0xFF))


@functools.cache
def common_chars() -> frozenset[str]:
    """Characters ordinary in Chinese text (see the module docstring)."""
    chars = _pairs("gb2312", range(0xB0, 0xD8), _GB_TRAILS)  # level 1 hanzi
    # Punctuation and symbol rows A1-A3, A6 (Greek) A8 (pinyin letters), A9 (box drawing); not
    # A4/A5 (kana) nor A7 (Cyrillic), which wrong-codec decodes of Big5 are full of.
    for row in (0xA1, 0xA2, 0xA3, 0xA8, 0xA9):
        chars |= _pairs("gb2312", range(row, row + 1), _GB_TRAILS)
    chars |= _pairs("big5", range(0xA4, 0xC7), _BIG5_TRAILS)  # frequent traditional hanzi
    chars |= _pairs("big5", range(0xA1, 0xA4), _BIG5_TRAILS)  # Big5 punctuation
    chars |= {chr(c) for c in range(0x80)}
    chars |= set(_CJK_FRIENDLY_LATIN) | set("\u3000\u2002\u200b\ufeff")
    return frozenset(chars)


def uncommon_prior(text: str) -> float:
    """A weak prior for lossy repairs, so that a thin model still prefers ordinary characters:
    -4 nats for each character outside :func:`common_chars` (ASCII is neutral)."""
    common = common_chars()
    return sum(-4.0 for ch in text if ord(ch) > 0x7F and ch not in common)


def _char_class(chars: frozenset[str]) -> str:
    cps = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(
            re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}"
        )
        start = prev = cp
    return "".join(parts)


@functools.cache
def _uncommon_re() -> re.Pattern[str]:
    return re.compile(f"[^{_char_class(common_chars())}]")


@functools.cache
def _trigger_re() -> re.Pattern[str]:
    common = _char_class(common_chars())
    unc = f"[^{common}]"
    latin = _latin_evidence_class()
    # Three uncommon characters within a few positions; or two Latin-1/cp1252 letters close
    # together (GBK/UTF-8 read as Latin-1); or U+FFFD; or the re-encoded U+FFFD pair 锟斤.
    return re.compile(
        rf"{unc}(?:[{common}]{{0,3}}{unc}){{2}}|[{latin}][\x00-\x7f]{{0,2}}[{latin}]|\ufffd|锟斤"
    )


def _latin_evidence_class() -> str:
    chars = {chr(c) for c in range(0x80, 0x100)} | set(_CP1252_HIGH)
    chars -= set(_CJK_FRIENDLY_LATIN)
    return _char_class(frozenset(chars))


@functools.cache
def latin_evidence_re() -> re.Pattern[str]:
    """One character that is evidence of Latin-family mojibake in Chinese text."""
    return re.compile(f"[{_latin_evidence_class()}]")


# What may send a line to ftfy: a Latin-1 / cp1252 / Greek / Cyrillic / Latin-extended letter,
# a box-drawing or math sign (cp437 and MacRoman mojibake) -- but not the punctuation clean
# Chinese uses every day (curly quotes, ellipsis, dashes, middle dot, multiplication sign).
# ftfy's own badness test is ~6 MB/s, so it only runs on lines this cheap class lets through.
_FTFY_TRIGGER = re.compile("[\x80-\xb6\xb8-\xd6\xd8-\u05ff€‚ƒ„†‡ˆ‰Š‹ŒŽ•˜™š›œžŸ\u2200-\u22ff\u2500-\u259f]")


def ftfy_trigger_re() -> re.Pattern[str]:
    return _FTFY_TRIGGER


# GBK's 、 and 。 (A1A2, A1A3) read as Big5: GBK read as Big5 lands mostly in Big5's frequent
# block, so its lines may show too few uncommon characters for the trigger, but hardly one
# without these two, which clean Chinese almost never uses (once in the 11.7 million characters
# of the laws corpora, as brackets). And GBK's ， (A3AC), read as the bopomofo ㄛ (never in the
# laws corpora): a clause with a comma and no 、。 had no trigger (``偌桽弊模睿掛吽衄壽寞隅ㄛ...``
# = 按照国家和本省有关规定，..., its four uncommon characters too far apart) and stayed mojibake.
GBK_PUNCT_AS_BIG5 = "﹜﹝ㄛ"


@functools.cache
def _any_trigger_re() -> re.Pattern[str]:
    # One character class for the single-character triggers: a third alternative cost a fifth
    # of the scan's speed on clean text (34 -> 27 million characters per second).
    single = _FTFY_TRIGGER.pattern.removeprefix("[").removesuffix("]")
    return re.compile(f"{_trigger_re().pattern}|[{single}{GBK_PUNCT_AS_BIG5}]")


def needs_attention(text: str) -> bool:
    """The fast pre-check: False means no encoding damage is possible and the fixer returns [].

    >>> needs_attention("今天天气很好。"), needs_attention("´ó¼Ò"), needs_attention("鍙戦€佹垚鍔")
    (False, True, True)
    """
    return _any_trigger_re().search(text) is not None


def suspect_lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the lines of ``text`` where the pre-check fires.

    The trigger is applied per line, so one odd character in a long clean document costs only
    its own line on the slow path. Spans exclude the newline.

    >>> suspect_lines("干净\\n´ó¼Ò\\n干净")
    [(3, 7)]
    """
    found: list[tuple[int, int]] = []
    trigger = _any_trigger_re()
    pos = 0
    while True:
        m = trigger.search(text, pos)
        if m is None:
            return found
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        end = len(text) if end < 0 else end
        found.append((start, end))
        pos = end + 1


def uncommon_fraction(text: str, also: str = "") -> float:
    """Share of the non-ASCII, non-space characters of ``text`` outside :func:`common_chars` (or
    in ``also``)."""
    body = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    if not body:
        return 0.0
    unc = _uncommon_re()
    return sum(1 for c in body if unc.match(c) or c in also) / len(body)


HAN_RE = re.compile(f"[{HAN_CLASS}]")


def han_count(text: str) -> int:
    return len(HAN_RE.findall(text))


def cp1252_sloppy_encode(text: str) -> bytes | None:
    """Bytes of ``text`` under Windows-1252, with the five undefined bytes passing through as in
    Latin-1 (how browsers decode them); None when a character has no byte."""
    out = bytearray()
    for ch in text:
        cp = ord(ch)
        if cp < 0x80 or 0xA0 <= cp < 0x100 or 0x80 <= cp < 0xA0:
            out.append(cp)
            continue
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _cp936_errors(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start]
    return ("€" if bad == 0x80 else "\ufffd"), exc.start + 1


codecs.register_error("textmend-cp936", _cp936_errors)


def decode_cp936(data: bytes) -> str:
    """Decode like Windows code page 936: GBK plus byte 0x80 as the euro sign; an invalid byte
    becomes U+FFFD one byte at a time (the orphaned lead alone, its follower decoded anew)."""
    return data.decode("gbk", errors="textmend-cp936")


def encode_cp936(text: str) -> bytes | None:
    """Inverse of :func:`decode_cp936` for text without U+FFFD; None if a character has no bytes."""
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        pass
    if "\ufffd" in text:
        return None
    try:
        return b"".join(b"\x80" if ch == "€" else ch.encode("gbk") for ch in text)
    except UnicodeEncodeError:
        return None
