"""Fixer 'lostchar': ``?`` written for a character the legacy encoding could not hold.

Two shapes are repaired; every other ``?`` is left alone (a real question mark is far more
common):

* ``99?5`` -> ``99.5``: a ``?`` between digits (outside URLs and code) was a decimal point
  (``lostchar.decimal_point``).
* a ``?`` ending a paragraph that stood for a lost (ideographic or no-break) space
  (``lostchar.trailing``). After sentence punctuation (``。?``, ``：?``) it cannot be a
  question mark. After a character it can, so it is only removed with high confidence when the
  document itself shows the pattern and writes real question marks fullwidth.
"""

from __future__ import annotations

import re

from textmend.edits import Edit
from textmend.repair.config import RepairConfig

_DECIMAL_RE = re.compile(r"(?<=\d)\?(?=\d)")
# A "word" around the '?' that looks like a URL, path or query string: leave it alone.
_URLISH_RE = re.compile(r"://|www\.|[=&/\\#@]|\.(?:php|asp|html?)\b", re.IGNORECASE)
_TRAILING_RE = re.compile(r"\?(?=[ \t\u00a0\u3000]*(?:\r?\n|$))")
# Closing/terminal punctuation after which a '?' cannot be a question mark.
_AFTER_PUNCT = set("。，、；：！？”’）》」』】…,.;:!)")
_QUESTION_WORDS = re.compile(
    r"[吗嗎呢么麼]|什么|什麼|怎么|怎麼|为什么|為什麼|是否|难道|難道|哪|谁|誰|几|幾|多少"
)

CONF_DECIMAL = 0.95
CONF_AFTER_PUNCT = 0.95
CONF_AFTER_CHAR = 0.85
CONF_WEAK = 0.5


def fix(text: str, config: RepairConfig) -> list[Edit]:
    edits: list[Edit] = []
    for m in _DECIMAL_RE.finditer(text):
        if _URLISH_RE.search(_token_around(text, m.start())):
            continue
        edits.append(Edit(m.start(), m.end(), "?", ".", "lostchar.decimal_point", CONF_DECIMAL))
    trailing = [m.start() for m in _TRAILING_RE.finditer(text) if m.start() > 0]
    after_punct = [i for i in trailing if text[i - 1] in _AFTER_PUNCT]
    # Document-level evidence: several "。?" paragraph ends, and real questions written "？".
    pattern_shown = len(after_punct) >= 2 and text.count("?") <= 2 * len(trailing) + text.count("？")
    for i in trailing:
        if text[i - 1] == "?":
            continue  # "??" is byte damage or emphasis, not a lost space
        if i in after_punct:
            conf = CONF_AFTER_PUNCT
        elif pattern_shown and not _QUESTION_WORDS.search(_line_tail(text, i)):
            conf = CONF_AFTER_CHAR
        else:
            conf = CONF_WEAK
        edits.append(Edit(i, i + 1, "?", "", "lostchar.trailing", conf))
    edits.sort(key=lambda e: e.start)
    return edits


def _token_around(text: str, i: int) -> str:
    """The run of printable ASCII around position ``i`` (a URL or code would be one run)."""
    start = i
    while start > 0 and "!" <= text[start - 1] <= "~":
        start -= 1
    end = i + 1
    while end < len(text) and "!" <= text[end] <= "~":
        end += 1
    return text[start:end]


def _line_tail(text: str, i: int) -> str:
    """Up to 12 characters before position ``i`` on its line (where question words sit)."""
    start = text.rfind("\n", 0, i) + 1
    return text[max(start, i - 12) : i]
