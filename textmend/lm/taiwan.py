"""Traditional text as jieba's word model knows it: mainland words for Taiwan phrases, from OpenCC.

jieba's word frequencies were counted on mainland text, and the word model sees traditional
text folded to simplified one character at a time (:mod:`textmend.lm.fold`). Two kinds of
traditional phrase are then scored as rare words or not words at all:

* Taiwan usage: ``專案`` (project) is mainland ``项目``; OpenCC's ``TWPhrasesRev`` table lists
  ~500 such terms with their mainland equivalents;
* phrases whose simplified form is not their characters' (``計畫`` is ``计划``, folded ``计画``;
  ``藉由`` is ``借由``): OpenCC's ``TSPhrases`` table, ~250 phrases.

Both tables ship with opencc-python-reimplemented (Apache-2.0), a dependency already. A word
model can then score a traditional phrase as the word a mainland writer would have used.
"""

from __future__ import annotations

import functools
import re

from textmend.lm.fold import fold, opencc_table

_TABLES = ("TWPhrasesRev.txt", "TSPhrases.txt")


@functools.cache
def mainland_terms() -> dict[str, tuple[str, ...]]:
    """Traditional phrase -> the mainland words it stands for (OpenCC's order); empty when
    OpenCC's tables are not installed. Only phrases of two characters or more (single
    characters are variants of spelling, which folding already handles), and only targets
    that differ from the phrase once folded (the rest tell the word model nothing new)."""
    table: dict[str, tuple[str, ...]] = {}
    for name in _TABLES:
        for src, targets in opencc_table(name):
            new = tuple(t for t in targets if fold(t) != fold(src))
            if len(src) >= 2 and new:
                table[src] = table.get(src, ()) + tuple(t for t in new if t not in table.get(src, ()))
    return table


@functools.cache
def _pattern() -> re.Pattern[str] | None:
    terms = mainland_terms()
    if not terms:
        return None
    # Longest first, so that a term is found whole rather than as a shorter term inside it.
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))


def mainland_readings(text: str) -> list[str]:
    """``text`` with every phrase of :func:`mainland_terms` replaced by each of its mainland
    words in turn (all phrases at once, the n-th word of each or its first when it has fewer);
    empty when ``text`` has no such phrase.

    >>> mainland_readings("辦理專案計畫")
    ['辦理項目计划']
    """
    pattern = _pattern()
    if pattern is None or pattern.search(text) is None:
        return []
    terms = mainland_terms()
    found = [m.group() for m in pattern.finditer(text)]
    return [
        pattern.sub(functools.partial(_nth, {t: terms[t][min(k, len(terms[t]) - 1)] for t in found}), text)
        for k in range(max(len(terms[t]) for t in found))
    ]


def _nth(pick: dict[str, str], m: re.Match[str]) -> str:
    return pick[m.group()]
