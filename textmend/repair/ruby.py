"""Fixer 'ruby': remove pinyin glued after a character (``優(yōu)質(zhì)`` -> ``優質``).

A parenthesised syllable is removed only when it follows a Han character (optionally across
spaces) and is one of that character's readings in pypinyin's heteronym dictionary. That
evidence is what keeps legitimate parentheses (``(市)``, ``(二)``, ``(WTO)``, ``(a)``) safe.
Variants handled: ASCII or fullwidth parentheses, spaces inside, tone marks or tone numbers
(``you1``), ``ü`` written as ``v`` or ``u:``, toneless syllables (lower confidence).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import unicodedata
from pathlib import Path

from textmend.cjk import RUBY_RE, is_han
from textmend.edits import Edit
from textmend.repair.config import RepairConfig

# Tone mark (combining character after NFD) -> tone number.
_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
_SPACES = " \t\u3000"

CONF_TONED = 0.99
CONF_TONELESS = 0.9


def parse_syllable(syllable: str) -> tuple[str, int | None]:
    """(base letters with ``ü``, tone 1-5 or None when unmarked).

    >>> parse_syllable("lǜ"), parse_syllable("lv4"), parse_syllable("de"), parse_syllable("zhi5")
    (('lü', 4), ('lü', 4), ('de', None), ('zhi', 5))
    """
    s = syllable.lower().replace("u:", "ü").replace("v", "ü")
    tone: int | None = None
    if s and s[-1] in "12345":
        tone = int(s[-1])
        s = s[:-1]
    base: list[str] = []
    for ch in unicodedata.normalize("NFD", s):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        elif ch == "\u0308":  # the diaeresis of ü survives as part of the letter
            base.append(ch)
        elif unicodedata.combining(ch):
            continue
        else:
            base.append(ch)
    return unicodedata.normalize("NFC", "".join(base)), tone


@functools.cache
def _pinyin_dict() -> dict[int, str]:
    """pypinyin's per-character reading table (code point -> "yōu,yòu").

    Why not ``import pypinyin.pinyin_dict``: importing the package also loads its phrase
    dictionary (~0.6 s); the character table alone loads from its cached bytecode in ~0.15 s.
    """
    if "pypinyin" not in sys.modules:
        spec = importlib.util.find_spec("pypinyin")
        if spec is not None and spec.origin:
            path = Path(spec.origin).with_name("pinyin_dict.py")
            file_spec = importlib.util.spec_from_file_location("_textmend_pinyin_dict", path)
            if file_spec is not None and file_spec.loader is not None and path.is_file():
                module = importlib.util.module_from_spec(file_spec)
                file_spec.loader.exec_module(module)
                table: dict[int, str] = module.pinyin_dict
                return table
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@functools.cache
def readings(ch: str) -> frozenset[tuple[str, int]]:
    """All readings of ``ch`` as (base, tone), neutral tone as 5; empty when unknown."""
    raw = _pinyin_dict().get(ord(ch), "")
    out = set()
    for r in raw.split(","):
        if r:
            base, tone = parse_syllable(r)
            out.add((base, tone if tone is not None else 5))
    return frozenset(out)


def reading_confidence(ch: str, syllable: str) -> float:
    """How sure we are that ``syllable`` annotates ``ch`` (0 when it is not a reading of it)."""
    base, tone = parse_syllable(syllable)
    known = readings(ch)
    if tone is not None:
        return CONF_TONED if (base, tone) in known else 0.0
    return CONF_TONELESS if any(b == base for b, _ in known) else 0.0


def fix(text: str, config: RepairConfig) -> list[Edit]:
    edits: list[Edit] = []
    for m in RUBY_RE.finditer(text):
        start = m.start()
        # Why allow spaces before the parenthesis: some sites render ruby as "優 (yōu)".
        host = start
        while host > 0 and text[host - 1] in _SPACES:
            host -= 1
        if host == 0 or not is_han(text[host - 1]):
            continue
        syllable = m.group("syllable")
        if syllable != syllable.lower():
            continue  # capitals are abbreviations ("(WTO)", "(A)"), never ruby
        conf = reading_confidence(text[host - 1], syllable)
        if conf == 0.0:
            continue
        # Spaces before the parenthesis belong to the ruby ("優 (yōu)質"); spaces after it are
        # the text's own ("第 6 條 (tiáo) 本獎" had "條 本"), so they stay.
        end = m.end()
        edits.append(Edit(host, end, text[host:end], "", "ruby", conf))
    return edits
