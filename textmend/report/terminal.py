"""Terminal rendering of a diff model (and of an N-witness table), from the JSON model only.

Inline by default: deletions red and struck through, insertions green and underlined,
whitespace/digit regions dimmed, ``↵ · □`` make invisible characters visible, numbered regions,
long equal stretches folded (``… 649 identical chars …``). Widths are display cells (CJK = 2).
Without colour (not a TTY) deletions read ``[-…-]`` and insertions ``{+…+}``, like wdiff.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from textmend.diffmodel import MINOR_KINDS, Model, kind_counts, segments, witness_texts

RESET = "\x1b[0m"
_STYLE = {
    "del": "\x1b[9;31m",
    "ins": "\x1b[4;32m",
    "del_dim": "\x1b[2;9;31m",
    "ins_dim": "\x1b[2;4;32m",
    "num": "\x1b[1;36m",
    "fold": "\x1b[2m",
    "head": "\x1b[1m",
    "": "",
}
_PLAIN_WRAP = {"del": ("[-", "-]"), "ins": ("{+", "+}"), "del_dim": ("[-", "-]"), "ins_dim": ("{+", "+}")}


def cell_width(ch: str) -> int:
    """Display cells of one character: 2 for East Asian wide/fullwidth, 0 for combining marks."""
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufeff":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def text_width(text: str) -> int:
    """Display cells of ``text`` (no control sequences inside).

    >>> text_width("abc"), text_width("中文"), text_width("中a")
    (3, 4, 3)
    """
    return sum(cell_width(ch) for ch in text)


def visible(text: str) -> str:
    """Make whitespace inside a changed region visible: ``↵`` line break, ``·`` space, ``□``
    ideographic space, ``→`` tab. The line break itself is kept after its marker."""
    return text.replace(" ", "·").replace("\u3000", "□").replace("\t", "→").replace("\n", "↵\n")


Piece = tuple[str, str]  # (text, style)


def _wrap(pieces: Iterable[Piece], width: int, color: bool) -> str:
    """Lay styled pieces out in lines of at most ``width`` cells; styles never leak past a piece."""
    lines: list[str] = []
    cur: list[str] = []
    used = 0

    def open_(style: str) -> str:
        if color:
            return _STYLE[style]
        return _PLAIN_WRAP.get(style, ("", ""))[0]

    def close(style: str) -> str:
        if color:
            return RESET if style else ""
        return _PLAIN_WRAP.get(style, ("", ""))[1]

    for text, style in pieces:
        if not text:
            continue
        buf: list[str] = [open_(style)]
        for ch in text:
            if ch == "\n":
                buf.append(close(style))
                cur.append("".join(buf))
                lines.append("".join(cur).rstrip())
                cur, used, buf = [], 0, [open_(style)]
                continue
            w = cell_width(ch)
            if width > 0 and used + w > width:
                buf.append(close(style))
                cur.append("".join(buf))
                lines.append("".join(cur))
                cur, used, buf = [], 0, [open_(style)]
            buf.append(ch)
            used += w
        buf.append(close(style))
        cur.append("".join(buf))
    if cur:
        lines.append("".join(cur))
    # A piece that opened right at a line break leaves an empty open/close pair behind.
    empty = [open_(s) + close(s) for s in _STYLE if s]
    out = []
    for line in lines:
        for e in empty:
            if e:
                line = line.replace(e, "")
        out.append(line)
    return "\n".join(out)


def summary(model: Model) -> list[str]:
    """Summary lines: witnesses, similarities, counts per kind, fallbacks."""
    lines = []
    for w in model["witnesses"]:
        src = f"  {w['source']}" if w.get("source") else ""
        lines.append(f"{w['id']}: {w['length']} chars  sha256 {w['sha256'][:12]}{src}")
    st = model["stats"]
    sim = st.get("similarity", {})
    if sim:
        lines.append("similarity: " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(sim.items())))
    counts = {k: v for k, v in kind_counts(model).items() if v}
    verdict = "identical after normalisation" if st.get("identical") else f"{st['regions']} regions"
    lines.append(verdict + (": " + ", ".join(f"{k} {v}" for k, v in counts.items()) if counts else ""))
    for f in st.get("fallbacks", []):
        lines.append(f"fallback: {f}")
    return lines


def _fold(text: str, context: int, first: bool, last: bool, label: str = "identical chars") -> list[Piece]:
    """An equal stretch: keep ``context`` characters next to each change, fold the rest."""
    head = 0 if first else context
    tail = 0 if last else context
    if len(text) <= head + tail + 20:
        return [(text, "")]
    out: list[Piece] = []
    if head:
        out.append((text[:head], ""))
    hidden = len(text) - head - tail
    out.append((f" … {hidden} {label} … ", "fold"))
    if tail:
        out.append((text[len(text) - tail :], ""))
    return out


def render_terminal(
    model: Model,
    color: bool = False,
    width: int = 80,
    context: int = 30,
    kinds: Collection[str] | None = None,
    *,
    layout: str = "inline",
    stat: bool = False,
) -> str:
    """Render ``model`` for a terminal.

    ``kinds`` limits the regions shown (the others read as unchanged A text); ``context`` is
    the number of unchanged characters kept beside each change; ``stat`` prints the summary
    only; ``layout="side"`` puts A and B side by side when ``width`` allows (≥ 60 cells),
    else falls back to inline with a note.

    >>> from textmend.align import diff
    >>> print(render_terminal(diff("我們今天開會", "我們明天開會"), context=2).splitlines()[-1])
    我們[1][-今-]{+明+}天開會
    """
    head = summary(model)
    if stat:
        return "\n".join(head)
    if layout == "side":
        if width >= 60:
            return "\n".join(head) + "\n\n" + _side_by_side(model, width, context, kinds, color)
        head.append(f"(side-by-side needs at least 60 columns, have {width}: showing inline)")
    pieces: list[Piece] = []
    has_text = witness_texts(model) is not None
    # Regions of kinds not asked for read as A's text, so they fold with the equal text around.
    items: list[tuple[str, Any]] = []
    for typ, item in segments(model):
        if typ == "region" and kinds is not None and item["kind"] not in kinds:
            if not has_text:
                continue
            typ, item = "quiet", item["a_text"]
        if typ in ("equal", "quiet") and items and items[-1][0] in ("equal", "quiet"):
            merged = "quiet" if "quiet" in (typ, items[-1][0]) else "equal"
            items[-1] = (merged, items[-1][1] + item)
        else:
            items.append((typ, item))
    for k, (typ, item) in enumerate(items):
        if typ in ("equal", "quiet"):
            label = "identical chars" if typ == "equal" else "chars without changes of the shown kinds"
            pieces.extend(_fold(item, context, k == 0, k == len(items) - 1, label))
            continue
        r = item
        if not has_text:
            pieces.append(("\n" if pieces else "", ""))
            pieces.append(("… " + r["context_before"], ""))
        dim = "_dim" if r["kind"] in MINOR_KINDS else ""
        pieces.append((f"[{r['id']}]", "num" if color else ""))
        pieces.append((visible(r["a_text"]), "del" + dim))
        pieces.append((visible(r["b_text"]), "ins" + dim))
        if not has_text:
            pieces.append((r["context_after"] + " …", ""))
    body = _wrap(_merge_equal(pieces), width, color)
    return "\n".join(head) + "\n\n" + body


def _merge_equal(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for text, style in pieces:
        if out and out[-1][1] == style == "":
            out[-1] = (out[-1][0] + text, "")
        else:
            out.append((text, style))
    return out


def _pad(text: str, width: int) -> str:
    """Cut or pad ``text`` to exactly ``width`` cells."""
    out: list[str] = []
    used = 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def _side_by_side(model: Model, width: int, context: int, kinds: Collection[str] | None, color: bool) -> str:
    col = (width - 3) // 2
    texts = witness_texts(model)
    ids = [w["id"] for w in model["witnesses"]]
    lines = [_pad(ids[0], col) + " │ " + ids[1]]
    for r in model["regions"]:
        if kinds is not None and r["kind"] not in kinds:
            continue
        lines.append(("─" * col) + "─┼─" + ("─" * col))
        lines.append(
            _pad(f"[{r['id']}] {r['kind']}  A {r['a'][0]}–{r['a'][1]}  B {r['b'][0]}–{r['b'][1]}", width)
        )
        before = r["context_before"][-context:].replace("\n", "↵")
        after = r["context_after"][:context].replace("\n", "↵")
        b_before, b_after = before, after
        if texts is not None:  # B's own surroundings when the model carries the texts
            b0, b1 = r["b"]
            b_before = texts[1][max(0, b0 - context) : b0].replace("\n", "↵")
            b_after = texts[1][b1 : b1 + context].replace("\n", "↵")
        left = _chunks(before, visible(r["a_text"]).replace("\n", ""), after, col, "del", color)
        right = _chunks(b_before, visible(r["b_text"]).replace("\n", ""), b_after, col, "ins", color)
        for k in range(max(len(left), len(right))):
            lt = left[k] if k < len(left) else (" " * col)
            rt = right[k] if k < len(right) else ""
            lines.append(lt + " │ " + rt)
    return "\n".join(line.rstrip() for line in lines)


def _chunks(before: str, changed: str, after: str, col: int, style: str, color: bool) -> list[str]:
    """Lines of exactly ``col`` cells: context, the styled change, context."""
    text = _wrap([(before, ""), (changed, style), (after, "")], col, color)
    out = []
    for line in text.split("\n"):
        plain = line
        for code in _STYLE.values():
            if code:
                plain = plain.replace(code, "")
        plain = plain.replace(RESET, "")
        out.append(line + " " * max(0, col - text_width(plain)))
    return out


def render_table(table: dict[str, Any], width: int = 80, color: bool = False, context: int = 20) -> str:
    """An N-witness table: agreed text folded, each variant column listed with its readings
    and the witnesses that carry them (the base's reading first)."""
    ids = [w["id"] for w in table["witnesses"]]
    lines = [f"{len(ids)} witnesses (base {table['base']}): " + ", ".join(ids)]
    lines.append(f"{table['stats']['variant_columns']} variant columns")
    prev = ""
    n = 0
    for seg in table["segments"]:
        if seg["type"] == "agree":
            prev = seg["text"]
            continue
        n += 1
        ctx = prev[-context:].replace("\n", "↵")
        lines.append("")
        lines.append(_wrap([(f"[{n}] ", "num" if color else ""), ("…" + ctx, "")], width, color))
        for r in seg["readings"]:
            label = ",".join(r["witnesses"])
            shown = visible(r["text"]).replace("\n", "") or "∅"
            style = "ins" if r["kind"] != "base" else ""
            lines.append(
                _wrap([(f"    {label}: ", ""), (shown, style), (f"  ({r['kind']})", "fold")], width, color)
            )
    return "\n".join(lines)
