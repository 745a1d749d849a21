"""Fixer 'lines': rejoin lines hard-wrapped inside a sentence or a number.

Real paragraph breaks, headings, list items and salutations are kept. Each single line break
between two non-blank lines is judged on its own evidence, strongest first:

1. the next line starts with punctuation that never opens a line (``。`` ``,`` ``”``...);
2. the break splits a number (``進入⏎200⏎4,``) or isolates a short Latin/number fragment (``b⏎超``);
3. the text is wrapped at a fixed width and the line before the break fills that width
   (and does not end a sentence), or -- a lone wrap -- the line is the widest of the text and
   stops mid-sentence;
4. a unit or counter opens the next line right after a non-numeral (``主要問題有⏎個方面``): a number
   was dropped there. The lines are joined and the gap is flagged (``lines.lost_number``) -- we
   never invent the number; a sibling copy may supply it;
5. a sentence plainly continues (the line ends with a comma, or Han text runs on with no
   sentence-final punctuation and neither line is a heading).
"""

from __future__ import annotations

import re
import unicodedata

from textmend.cjk import is_han
from textmend.edits import Edit
from textmend.repair.config import RepairConfig

_NUMERALS = "一二三四五六七八九十百千萬万億亿零〇兩两"
HEADING_RE = re.compile(
    rf"""^[ \t\u3000]*(?:
        \#{{1,6}}\s                                   # markdown heading
      | [{_NUMERALS}]+[、.．]                          # 一、
      | [(（][{_NUMERALS}\d]+[)）]                     # (一) （1）
      | [\u3220-\u3229\u2460-\u2473\u2474-\u2487]      # ㈠ ① ⑴
      | \d{{1,3}}[、.．)）](?!\d)                       # 1、 2. 3)
      | 第[ \t]*[{_NUMERALS}\d]+[ \t]*[篇章節节條条部編编卷回](?=[ \t\u3000:：、]|$)  # 第五篇: 第 1 條
      | [-*•·●◆■□○]\s                                 # bullets
    )""",
    re.VERBOSE,
)
_SALUTATION_RE = re.compile(r"^[ \t\u3000]*\S{1,12}[:：][ \t\u3000?]*$")
_NEVER_OPENS = set("。，、；：！？,;:!?）)」』”’》〉】%‰")
_TERMINAL = set("。！？!?；;：:…」』”’）)】")  # not 》: a title mark ends no sentence
_OPENING = set("“‘「『（(《〈【")
_UNITS_RE = re.compile(
    r"^(?:個|个|%|‰|月(?!份)|萬元|万元|元|周歲|周岁|歲|岁|名|例|戶|户|倍|億|亿|多人|余人|餘人|人[,，、])"
)
# The next line opens with the one-character tail of a clause ("傳統美⏎德,它既是"); two
# characters and a comma is an ordinary sentence opener ("近来，").
_CLAUSE_TAIL_RE = re.compile(r"^[\u4e00-\u9fff][，,、]")
_DATE_RE = re.compile(r"^\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}")
_FRAGMENT_RE = re.compile(r"^[0-9A-Za-z.,%]{1,8}$")
_INDENT = (" ", "\t", "\u3000", "\u00a0")

CONF_PUNCT = 0.95
CONF_NUMBER = 0.95
CONF_WIDTH = 0.9
CONF_LOST = 0.9
CONF_COMMA = 0.9
CONF_RUN_ON = 0.85


_NARROW_RE = re.compile(r"[\x00-\u10ff]+")
# Blocks that are wide throughout: CJK radicals..Yi, Hangul syllables, compatibility
# ideographs, vertical/small forms, fullwidth forms.
_WIDE_RE = re.compile(
    r"[\u2e80-\u303e\u3041-\u3247\u3250-\u33ff\u3400-\u4dbf\u4e00-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff60\uffe0-\uffe6]+"
)


def display_width(s: str) -> int:
    """Terminal columns of ``s``: 2 for wide and fullwidth characters, 1 otherwise."""
    if s.isascii():
        return len(s)
    # Why regexes: counting whole runs of known-narrow and known-wide blocks keeps this pass
    # cheap; only the few characters outside them are looked up one by one.
    narrow = sum(map(len, _NARROW_RE.findall(s)))
    wide = sum(map(len, _WIDE_RE.findall(s)))
    rest = _WIDE_RE.sub("", _NARROW_RE.sub("", s))
    return narrow + 2 * wide + sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in rest)


def wrap_width(lines: list[str], widths: list[int] | None = None) -> int | None:
    """The fixed width a text was hard-wrapped at, or None.

    A wrapped text has no line wider than the width W, several lines at W (or W-1 when a wide
    character did not fit), and those full lines mostly end mid-sentence. Unwrapped text has
    one longest line, or its longest lines end sentences."""
    if widths is None:
        widths = [display_width(ln.rstrip()) for ln in lines]
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(nonblank) < 4:
        return None
    w = max(widths)
    if w < 30:
        return None
    full = [i for i in nonblank[:-1] if widths[i] >= w - 1]
    open_ended = sum(1 for i in full if lines[i].rstrip()[-1] not in _TERMINAL)
    # Two full lines that both stop mid-sentence are already unlikely in unwrapped text, whose
    # lines end sentences; the share condition keeps a lone pair in a long text from counting.
    if open_ended < 2 or len(full) < 0.1 * len(nonblank):
        return None
    return w if open_ended * 2 >= len(full) else None


def fix(text: str, config: RepairConfig) -> list[Edit]:
    raw = text.splitlines(keepends=True)
    if len(raw) < 2:
        return []
    bodies = [ln.rstrip("\r\n") for ln in raw]
    widths = [display_width(b.rstrip()) for b in bodies]
    width = wrap_width(bodies, widths)
    widest = max(widths)
    edits: list[Edit] = []
    pos = 0
    for i in range(len(raw) - 1):
        line_end = pos + len(bodies[i])
        pos += len(raw[i])
        prev, nxt = bodies[i], bodies[i + 1]
        if not prev.strip() or not nxt.strip():
            continue
        verdict = _judge(prev, nxt, i, width, widest, widths[i])
        if verdict is None:
            continue
        kind, conf = verdict
        # Strip trailing spaces of the line with the break; a Latin word wrap needs a space.
        start = line_end - (len(prev) - len(prev.rstrip(" \t")))
        joiner = (
            " "
            if prev.rstrip()[-1:].isascii()
            and prev.rstrip()[-1:].isalpha()
            and nxt[:1].isalpha()
            and nxt[:1].isascii()
            else ""
        )
        edits.append(Edit(start, pos, text[start:pos], joiner, "lines.rejoin", conf))
        if kind == "lost":
            a = start - 1
            edits.append(
                Edit(
                    a,
                    pos + 1,
                    text[a : pos + 1],
                    text[a : pos + 1],
                    "lines.lost_number",
                    CONF_LOST,
                    "a number was dropped here",
                )
            )
    # A flag overlapping its join edit is fine: the pipeline separates flags from changes.
    return sorted(edits, key=lambda e: (e.start, e.end))


def _is_heading(line: str) -> bool:
    """A heading or list label that stands alone; a labelled article that runs on with
    clause punctuation ("第 7 條 秘書……，辦理") is running text and may be wrapped."""
    if not HEADING_RE.match(line):
        return False
    return line.lstrip().startswith("#") or not any(c in line for c in "，,；;")


def _opens_unit(line: str) -> bool:
    """The line starts a heading, an article or a list item (whatever follows the label)."""
    return bool(HEADING_RE.match(line))


def _judge(
    prev: str, nxt: str, i: int, width: int | None, widest: int, prev_width: int
) -> tuple[str, float] | None:
    p = prev.rstrip()
    last = p[-1]
    first = nxt[0]
    if first in "%‰" and not last.isdigit() and is_han(last) and i > 0:
        return "lost", CONF_LOST  # "不到⏎%": the percentage's number is gone
    if first in _NEVER_OPENS:
        return "punct", CONF_PUNCT
    if first in _INDENT:
        return None  # an indented line opens a paragraph
    if _SALUTATION_RE.match(prev) or (_opens_unit(nxt) and not _FRAGMENT_RE.match(nxt)):
        return None
    number_break = (last.isdigit() and (first.isdigit() or is_han(first) or first in ".,%")) or (
        first.isdigit() and (last.isdigit() or is_han(last) or last in _OPENING or last == "》")
    )
    if i == 0 and width is None:
        return None  # the first line is the title
    if _DATE_RE.match(nxt):
        return None  # a line opening with a full date starts a dated record
    # Without a detected wrap width any labelled line ("一、…，…") is a heading; with one, only
    # a short standalone label is, since long labelled articles wrap like any paragraph.
    label = _opens_unit(prev) if width is None else _is_heading(prev)
    if number_break and not label and last not in _TERMINAL:
        return "number", CONF_NUMBER
    if (_FRAGMENT_RE.match(nxt) or _FRAGMENT_RE.match(p)) and last not in _TERMINAL and not label:
        return "fragment", CONF_NUMBER
    # A full-width line is a wrapped one even when it opens with a list marker. One ending a
    # sentence is ambiguous (the paragraph may end exactly at the width); measured on generated
    # wraps, keeping those breaks is right slightly more often than joining them.
    if width is not None and prev_width >= width - 1 and last not in "。！？!?":
        return "width", CONF_WIDTH
    # A lone wrap: the widest line of the text stops mid-sentence and its paragraph goes on.
    # (Clean text's widest line is a paragraph, which ends a sentence.)
    if width is None and i > 0 and widest >= 40 and prev_width == widest and last not in _TERMINAL:
        return "widest", CONF_RUN_ON
    if label or i == 0 or last in _TERMINAL:
        return None
    if width is None and _UNITS_RE.match(nxt) and (is_han(last) and last not in _NUMERALS + "幾几多數数"):
        return "lost", CONF_LOST
    if last in ",，、":
        return "comma", CONF_COMMA
    if (
        width is None
        and is_han(first)
        and is_han(last)
        and (_mid_paragraph(prev) or _CLAUSE_TAIL_RE.match(nxt))
    ):
        return "run_on", CONF_RUN_ON
    return None


def _mid_paragraph(prev: str) -> bool:
    """A line that reads as running text (it holds a clause break), not a title."""
    return any(c in prev for c in "，,、；;")
