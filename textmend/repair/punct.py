"""Fixer 'punct': restore the GB/T 15834 punctuation convention inside Chinese text.

Only with ``punct="fullwidth"`` (the default is ``keep``, see :class:`RepairConfig`):

* ASCII ``, : ; ? !`` with Chinese on at least one side become ``，：；？！``
  (``punct.fullwidth``). Between digits (``1,000``, ``10:30``) or inside Latin, URLs and code they
  are left alone.
* ASCII ``( )`` become ``（ ）`` when the pair encloses or follows Chinese.
* Fullwidth digits and Latin letters become halfwidth (``１９９８`` -> ``1998``:
  ``punct.halfwidth_digit`` / ``punct.halfwidth_latin``).

Quotes are never changed (curling or uncurling them needs knowledge of nesting we do not have).
Text that already follows the convention comes out unchanged.
"""

from __future__ import annotations

from textmend.cjk import is_han
from textmend.edits import Edit
from textmend.repair.config import RepairConfig

_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# Characters that count as "Chinese context" next to a punctuation mark.
_CJK_PUNCT = set("。，、；：！？“”‘’「」『』（）《》〈〉【】…—")


def _chinese(ch: str) -> bool:
    return bool(ch) and (is_han(ch) or ch in _CJK_PUNCT)


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest character from ``i`` in direction ``step`` that is neither a space nor one
    of the marks being restored, so a run like ``,,`` is judged by the text around it."""
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t,:;?!":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def fix(text: str, config: RepairConfig) -> list[Edit]:
    if config.punct != "fullwidth":
        return []
    edits: list[Edit] = []
    open_stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, ch in enumerate(text):
        if ch == "(":
            open_stack.append(i)
        elif ch == ")" and open_stack:
            pairs[open_stack.pop()] = i
        elif ch == "\n":
            open_stack.clear()
    paren_edits: dict[int, str] = {}
    # Unpaired parentheses (the partner sits in another line or excerpt) follow their neighbour.
    paired = set(pairs) | set(pairs.values())
    for i, ch in enumerate(text):
        if i in paired:
            continue
        if ch == ")" and _chinese(_neighbour(text, i, -1)):
            paren_edits[i] = "）"
        elif ch == "(" and _chinese(_neighbour(text, i, 1)):
            paren_edits[i] = "（"
    for o, c in pairs.items():
        inner = text[o + 1 : c]
        before, after = _neighbour(text, o, -1), _neighbour(text, c, 1)
        latin_before = before.isascii() and before.isalpha()
        if any(is_han(x) for x in inner) or _chinese(before) or (_chinese(after) and not latin_before):
            paren_edits[o] = "（"
            paren_edits[c] = "）"
    for i, ch in enumerate(text):
        if i in paren_edits:
            edits.append(Edit(i, i + 1, ch, paren_edits[i], "punct.fullwidth"))
        elif ch in ",:;?!":
            before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
            if before.isdigit() and after.isdigit():
                continue  # 1,000 / 10:30
            # After Latin words the mark belongs to the Latin text ("Hello, 中文" keeps its comma).
            if _chinese(before) or (_chinese(after) and not (before.isascii() and before.isalpha())):
                edits.append(Edit(i, i + 1, ch, _FULL[ch], "punct.fullwidth"))
        elif "０" <= ch <= "９":
            edits.append(Edit(i, i + 1, ch, chr(ord(ch) - 0xFEE0), "punct.halfwidth_digit"))
        elif "Ａ" <= ch <= "Ｚ" or "ａ" <= ch <= "ｚ":
            edits.append(Edit(i, i + 1, ch, chr(ord(ch) - 0xFEE0), "punct.halfwidth_latin"))
    return edits
