"""Character helpers shared by the repair and dedup pipelines.

Everything here maps one code point to one code point (``fold_script``, ``fold_width``), so a
folded text has the same length as its source and offsets found in the folded view are valid in
the original. Tables are built once, lazily, and cached at module level.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Literal

Script = Literal["traditional", "simplified", "mixed", "none"]

# Han ideograph blocks: URO, Ext A, compatibility ideographs, Ext B-I (astral).
_HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EE5F),
    (0x30000, 0x323AF),
)
HAN_CLASS = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002ee5f\U00030000-\U000323af"
)
"""A regex character-class body matching one Han ideograph (same ranges as :func:`is_han`)."""
HAN_RE = re.compile(f"[{HAN_CLASS}]")


def is_han(ch: str) -> bool:
    """True when ``ch`` (one character) is a CJK ideograph.

    >>> is_han("漢"), is_han("a"), is_han("。")
    (True, False, False)
    """
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


SENTENCE_MARKS = frozenset("。，、；：？！")
"""The fullwidth marks that end or split a clause in running text."""

LIST_NUMERALS = frozenset("一二三四五六七八九十")
"""The numerals that number a list's items (``四、``, ``（二）``)."""

# --- pinyin ruby ------------------------------------------------------------------------------

PINYIN_LETTERS = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêếềḿńňǹ"
"""Letters of a pinyin syllable: ASCII, tone-marked vowels, ``ü`` (``v`` is ASCII already)."""

RUBY_RE = re.compile(rf"[(（][ \t\u3000]*(?P<syllable>[{PINYIN_LETTERS}]{{1,7}}[1-5]?)[ \t\u3000]*[)）]")
"""One parenthesised pinyin syllable: ``(yōu)``, ``（you1）``, ``( lǜ )``, ``(lv4)``.

The pattern only finds candidates; whether a candidate is a ruby depends on the character before
it (see :mod:`textmend.repair.ruby`), which is what keeps ``(WTO)`` or ``(a)`` safe.

>>> RUBY_RE.findall("優(yōu)質（zhi4）(WTO)")
['yōu', 'zhi4', 'WTO']
"""


# --- width folding ------------------------------------------------------------------------------

# U+FF01..U+FF5E are the fullwidth forms of ASCII 0x21..0x7E; U+3000 is the ideographic space.
_WIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20


def fold_width(text: str) -> str:
    """Fullwidth ASCII forms (and the ideographic space) to halfwidth, one code point each.

    >>> fold_width("１９９８年，ＡＢＣ")
    '1998年,ABC'
    """
    return text.translate(_WIDTH_TABLE)


# --- script folding -----------------------------------------------------------------------------


def opencc_flavour() -> Literal["cpp", "python", "none"]:
    """Which package provides the ``opencc`` module: the C++ bindings, the pure-Python
    reimplementation, or none. Both install a module named ``opencc``; the reimplementation
    ships its dictionaries as text files in ``opencc/dictionary``, the C++ bindings do not."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return "none"
    for loc in spec.submodule_search_locations:
        if (Path(loc) / "dictionary" / "TSCharacters.txt").is_file():
            return "python"
    return "cpp"


def _opencc_dictionary_dir() -> Path | None:
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "dictionary"
        if (d / "TSCharacters.txt").is_file():
            return d
    return None


def _read_pairs(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if key and values:
            out[key] = values.split()
    return out


@functools.cache
def _char_tables() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """(trad->simp candidates, simp->trad candidates, variant->standard trad) per character."""
    d = _opencc_dictionary_dir()
    if d is None:
        return _char_tables_from_converter()
    ts = {k: v for k, v in _read_pairs(d / "TSCharacters.txt").items() if len(k) == 1}
    st = {k: v for k, v in _read_pairs(d / "STCharacters.txt").items() if len(k) == 1}
    variants: dict[str, list[str]] = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for k, v in _read_pairs(d / name).items():
            if len(k) == 1:
                variants.setdefault(k, v)
    return ts, st, variants


def _char_tables_from_converter() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Fallback when only the C++ OpenCC is installed (its dictionaries are binary): convert
    every BMP Han character on its own, which the C++ converter does in well under a second."""
    from textmend.repair.script import converter

    t2s, s2t = converter("t2s"), converter("s2t")
    chars = [chr(cp) for lo, hi in _HAN_RANGES[:3] for cp in range(lo, hi + 1)]
    joined = "\n".join(chars)
    simp = t2s(joined).split("\n")
    trad = s2t(joined).split("\n")
    ts = {c: [s] for c, s in zip(chars, simp, strict=True) if len(s) == 1 and s != c}
    st = {c: [t] for c, t in zip(chars, trad, strict=True) if len(t) == 1 and t != c}
    return ts, st, {}


@functools.cache
def _fold_table() -> dict[int, int]:
    ts, _, variants = _char_tables()
    table: dict[int, int] = {}
    for k, vals in ts.items():
        if len(vals[0]) == 1 and vals[0] != k:
            table[ord(k)] = ord(vals[0])
    # Regional variants (裡 -> 裏 -> 里): fold through the standard form so both meet.
    for k, vals in variants.items():
        std = vals[0]
        if len(std) != 1 or ord(k) in table:
            continue
        target = ts[std][0] if std in ts and len(ts[std][0]) == 1 else std
        if target != k:
            table[ord(k)] = ord(target)
    return table


def fold_script(text: str) -> str:
    """Traditional characters to simplified, one code point each (for matching keys).

    Not a conversion for readers: it ignores phrases (``乾隆`` stays wrong as ``干隆``) but it is
    fast and keeps offsets; use :mod:`textmend.repair.script` to convert text people will read.

    >>> fold_script("優質服務，臺灣")
    '优质服务，台湾'
    """
    return text.translate(_fold_table())


@functools.cache
def _specific_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Characters that only occur in traditional text, and those only in simplified text."""
    ts, st, _ = _char_tables()
    trad_only = frozenset(k for k, v in ts.items() if k not in v)
    simp_only = frozenset(k for k, v in st.items() if k not in v) - trad_only
    return trad_only, simp_only


def script_counts(text: str) -> tuple[int, int]:
    """(traditional-only, simplified-only) character counts of ``text``."""
    trad_only, simp_only = _specific_sets()
    t = s = 0
    for ch in text:
        if ch in trad_only:
            t += 1
        elif ch in simp_only:
            s += 1
    return t, s


def detect_script(text: str, mixed_share: float = 0.1) -> Script:
    """The script of ``text``: ``traditional``, ``simplified``, ``mixed`` or ``none``.

    Only characters specific to one script count (most characters are shared). ``none`` means
    no such character occurs; ``mixed`` means the minority script holds more than
    ``mixed_share`` of them.

    >>> detect_script("優質服務"), detect_script("优质服务"), detect_script("優質服务"), detect_script("abc")
    ('traditional', 'simplified', 'mixed', 'none')
    """
    t, s = script_counts(text)
    if t == 0 and s == 0:
        return "none"
    if min(t, s) > mixed_share * (t + s):
        return "mixed"
    return "traditional" if t > s else "simplified"
