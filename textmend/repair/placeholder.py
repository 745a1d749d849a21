"""Fixer 'placeholder': report the masks sites leave for withheld content.

``×××``, ``**年``, ``××7‰``, ``~ 年度``, ``（上级市）`` stand for names or numbers the site removed.
Nothing can be recovered from one copy, so by default they are flagged (kind ``placeholder``,
``before == after``); ``placeholders="normalize"`` rewrites the pure masks (``×``, ``*``, ``~``)
to one marker, :data:`MARKER`, so downstream tools see a single form. Content is never invented.
"""

from __future__ import annotations

import re

from textmend.edits import Edit
from textmend.repair.config import RepairConfig

MARKER = "□"
"""The one placeholder marker used by ``normalize`` (the typesetters' mark for a missing glyph)."""

_MASK = r"[×╳Ｘ✕]"
_UNIT_AFTER = r"[年月日号號人元万萬个個名户戶%‰次例岁歲届屆]"
# (pattern, is a pure mask that normalize may rewrite)
_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(rf"{_MASK}{{2,}}"), True),  # ×××, ××7‰ (the digits after it are real)
    (re.compile(rf"\*{{2,}}(?={_UNIT_AFTER})"), True),  # **年 (not markdown **bold**)
    (re.compile(rf"(?<![\w~])[~～〜](?=[ \t]*{_UNIT_AFTER})"), True),  # ~ 年度: a year dropped
    (re.compile(r"[(（](?:上[级級]|某)[\u4e00-\u9fff]{1,3}[)）]"), False),  # （上级市）, (某县)
    (re.compile(r"(?<![\w.])[Xx]{2,}(?=[\u4e00-\u9fff])"), True),  # XX县
)


def fix(text: str, config: RepairConfig) -> list[Edit]:
    if config.placeholders == "off":
        return []
    normalize = config.placeholders == "normalize"
    found: list[tuple[int, int, str, str]] = []
    for pattern, mask in _PATTERNS:
        for m in pattern.finditer(text):
            span = m.group(0)
            found.append((m.start(), m.end(), span, MARKER if normalize and mask else span))
    found.sort(key=lambda f: (f[0], f[1]))
    # Patterns cannot overlap in practice, but keep the fixer's output well-formed regardless.
    out: list[Edit] = []
    end = -1
    for start, stop, span, after in found:
        if start < end:
            continue
        end = stop
        if after != span:
            out.append(Edit(start, stop, span, after, "placeholder", 0.9))
        # The flag too when normalized: the content is still missing, and the pipeline carries
        # the flag onto the marker, so a merge of copies takes another copy's reading there.
        out.append(Edit(start, stop, span, span, "placeholder", 0.9))
    return out
