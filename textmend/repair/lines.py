"""Fixer 'lines': rejoin lines hard-wrapped inside a sentence or a number.

Real paragraph breaks, headings, list items and salutations are kept. Each single line break
between two non-blank lines is judged on its own evidence, strongest first:

1. the next line starts with punctuation that never opens a line (``。`` ``,`` ``”``...);
2. the break splits a number (``進入⏎200⏎4,``) or isolates a short Latin/number fragment (``b⏎超``);
3. the text is wrapped at a fixed width and the line before the break fills that width
   (and does not end a sentence), or -- a lone wrap -- the line is the widest of the text and
   stops mid-sentence. A full line that stops inside a clause runs on even into what looks
   like a label or a date (``第⏎（四）项``, ``发生在⏎2010年12月1日以后``). A full line that ends a
   sentence is ambiguous (the paragraph may end exactly at the margin): it is joined only before
   a proviso (``但…``) or where the text's sentences end inside paragraphs more often than its
   paragraphs end (:func:`_sentences_run_on`). A dated record (``2000年9月29日 …通过``) is never
   joined to either neighbour;
4. a unit or counter opens the next line right after a non-numeral (``主要問題有⏎個方面``): a number
   was dropped there. The lines are joined and the gap is flagged (``lines.lost_number``) -- we
   never invent the number; a sibling copy may supply it;
5. a sentence plainly continues (the line ends with a comma, or Han text runs on with no
   sentence-final punctuation and neither line is a heading).

Line breaks are ``\n`` and ``\r\n`` only; a join removes the whole break, so CRLF text keeps its
CRLF breaks everywhere else and clean CRLF text comes back byte for byte. A lone ``\r`` (and the
other separators ``str.splitlines`` knows: ``\v``, ``\f``, U+2028...) is not a line break here: in
scraped text it is debris (``\r\r\n``, a CR left by a converter), rarely a classic-Mac line end, and
treating it as one would let this fixer delete it -- a change the other fixers, which also split on
``\n``, never see coming (the ``repair`` of its output would differ from the output).
"""

from __future__ import annotations

import re
import unicodedata

from textmend.cjk import HAN_RE, is_han
from textmend.edits import Edit, apply_edits
from textmend.repair.config import RepairConfig

_NUMERALS = "一二三四五六七八九十百千萬万億亿零〇兩两"
HEADING_RE = re.compile(
    rf"""^[ \t\u3000]*(?:
        \#{{1,6}}\s                                   # markdown heading
      | [{_NUMERALS}]+[、.．]                          # 一、
      | [{_NUMERALS}]{{1,3}}[ \t\u3000]+(?=[^\s{_NUMERALS}])  # 一  原提存書
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
_SENTENCE_END = "。！？!?"
_CLOSING = "”’」』）)】》"
_UNITS_RE = re.compile(
    r"^(?:個|个|%|‰|月(?!份)|萬元|万元|元|周歲|周岁|歲|岁|名|例|戶|户|倍|億|亿|多人|余人|餘人|人[,，、])"
)
# The next line opens with the one-character tail of a clause ("傳統美⏎德,它既是"); two
# characters and a comma is an ordinary sentence opener ("近来，").
_CLAUSE_TAIL_RE = re.compile(r"^[\u4e00-\u9fff][，,、]")
_DATE_RE = re.compile(r"^\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}")
_BOX_DRAWING = re.compile("[\u2500-\u257f]")
# A dated record ("2005年7月31日 最高人民法院…通过"): the date stands apart from the text after it.
_RECORD_RE = re.compile(r"^\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?[ \t\u3000]")
# An article label with its text: a law's first line "第 1 條 本條例依…" is no title.
_ARTICLE_RE = re.compile(rf"^[ \t\u3000]*第[ \t]*[{_NUMERALS}\d]+[ \t]*[條条][ \t\u3000]+\S")
_FRAGMENT_RE = re.compile(r"^[0-9A-Za-z.,%]{1,8}$")
_INDENT = (" ", "\t", "\u3000", "\u00a0")
# One ASCII space before a word is the space of a wrapped "（ APP）", not an indent.
_SPACED_WORD_RE = re.compile(r"^ [^\s]")
# A line of only whitespace and zero-width characters separates paragraphs like an empty one.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_BLANK_RE = re.compile(rf"[\s{_ZERO_WIDTH}]*")
# "2000年9月29日 最高人民检察院…會議通過": a dated record, complete however wide it is.
_RECORD_END = ("通过", "通過", "修正", "修订", "修訂", "公布", "施行", "批准", "发布", "發布")

CONF_PUNCT = 0.95
CONF_NUMBER = 0.95
CONF_WIDTH = 0.9
CONF_LOST = 0.9
CONF_COMMA = 0.9
CONF_RUN_ON = 0.85
CONF_PROVISO = 0.85


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


def wrap_width(
    lines: list[str], widths: list[int] | None = None, blank: list[bool] | None = None
) -> int | None:
    """The fixed width a text was hard-wrapped at, or None.

    A wrapped text has no line wider than the width W, several lines at W (or W-1 when a wide
    character did not fit), and those full lines mostly end mid-sentence. Unwrapped text has
    one longest line, or its longest lines end sentences."""
    if widths is None:
        widths = [display_width(ln.rstrip()) for ln in lines]
    if blank is None:
        blank = [_blank(ln) for ln in lines]
    nonblank = [i for i, b in enumerate(blank) if not b]
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


def _blank(line: str) -> bool:
    stripped = line.strip()
    # The regex only for the rare line that is not plainly empty but opens with an invisible.
    return not stripped or (stripped[0] in _ZERO_WIDTH and bool(_BLANK_RE.fullmatch(stripped)))


MAX_PASSES = 6
"""Work is bounded: at most this many passes over a text (see :func:`fix`)."""


def fix(text: str, config: RepairConfig) -> list[Edit]:
    """Rejoin wrapped lines; repeat on the joined text until no further break is joined.

    Why repeat: joining removes the evidence a pass judged by -- the wrap width of full lines,
    the widest line -- so a second pass over the output can judge some remaining breaks
    differently (a text wrapped at one width for labelled first lines and another for
    continuation lines is joined in two rounds). Returning the fixpoint keeps ``repair``
    idempotent. Every pass only removes line breaks, so each later-pass edit lies in text the
    earlier passes left alone and maps back to the input unchanged. Edits below
    ``config.min_confidence`` are not applied by the pipeline, so they are not applied between
    passes either.
    """
    cache: dict[str, int] = {}
    edits = _fix_once(text, cache)
    applied = [e for e in edits if e.before != e.after and e.confidence >= config.min_confidence]
    seen = {(e.start, e.end, e.kind) for e in edits}
    for _ in range(MAX_PASSES - 1):
        if not applied:
            break
        applied.sort(key=lambda e: e.start)
        more = [
            m
            for m in _to_input(_fix_once(apply_edits(text, applied), cache), applied, text)
            if (m.start, m.end, m.kind) not in seen
        ]
        if not more:
            break
        edits.extend(more)
        seen.update((m.start, m.end, m.kind) for m in more)
        new = [m for m in more if m.before != m.after and m.confidence >= config.min_confidence]
        if not new:
            break
        applied.extend(new)
    return sorted(edits, key=lambda e: (e.start, e.end))


def _to_input(edits: list[Edit], applied: list[Edit], text: str) -> list[Edit]:
    """``edits``, made on the output of the sorted ``applied`` joins, in coordinates of ``text``."""
    out: list[Edit] = []
    k = shift = 0
    for e in sorted(edits, key=lambda e: e.start):
        # A deletion at e.start lies before e; a joiner inserted there does not.
        while k < len(applied) and (
            applied[k].start + shift < e.start
            or (applied[k].start + shift == e.start and not applied[k].after)
        ):
            shift += len(applied[k].after) - len(applied[k].before)
            k += 1
        start = e.start - shift
        end = start + len(e.before)
        # A span that straddles an earlier join cannot occur for line breaks; drop it to be safe.
        if text[start:end] == e.before:
            out.append(Edit(start, end, e.before, e.after, e.kind, e.confidence, e.note))
    return out


def _fix_once(text: str, cache: dict[str, int]) -> list[Edit]:
    """One pass: judge every break of ``text``. ``cache`` keeps line widths between passes."""
    raw = text.split("\n")
    if len(raw) < 2:
        return []
    # A line's body stops before its break: "\n", or "\r\n" (one CR; see the module docstring).
    bodies = [ln[:-1] if ln.endswith("\r") and k < len(raw) - 1 else ln for k, ln in enumerate(raw)]
    widths = []
    for b in bodies:
        w = cache.get(b)
        if w is None:
            w = cache[b] = display_width(b.rstrip())
        widths.append(w)
    blank = [_blank(b) for b in bodies]
    width = wrap_width(bodies, widths, blank)
    widest = max(widths)
    run_on = width is not None and _sentences_run_on(bodies, widths, blank, width)
    # Whether each line is program code, worked out once per line when a break beside it is judged.
    code: list[bool | None] = [None] * len(bodies)

    def code_like(k: int) -> bool:
        known = code[k]
        if known is None:
            known = code[k] = _code_like(bodies[k])
        return known

    edits: list[Edit] = []
    pos = 0
    for i in range(len(raw) - 1):
        line_end = pos + len(bodies[i])
        pos += len(raw[i]) + 1
        prev, nxt = bodies[i], bodies[i + 1]
        if blank[i] or blank[i + 1]:
            continue
        if not (HAN_RE.search(prev) or HAN_RE.search(nxt)):
            # These are the rules of Chinese layout: between two lines without a Han character
            # (English prose, a reStructuredText heading and its underline, code) a break is
            # left as it is.
            continue
        if code_like(i) or code_like(i + 1):
            continue  # program code quoted in the page (a blog's listing) is never a wrap
        verdict = _judge(prev, nxt, i, width, widest, widths[i], run_on)
        if verdict is None:
            continue
        kind, conf = verdict
        # Strip trailing spaces of the line with the break; a Latin word wrap needs a space, after
        # a word or a clause mark (``with,⏎and``), not inside a number (``3.⏎5``).
        start = line_end - (len(prev) - len(prev.rstrip(" \t")))
        tail = prev.rstrip()[-1:]
        joiner = (
            " "
            if tail.isascii()
            and (tail.isalpha() or tail in ",;:!?)" or (tail == "." and not prev.rstrip()[-2:-1].isdigit()))
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
    return edits


def _is_heading(line: str) -> bool:
    """A heading or list label that stands alone; a labelled article that runs on with
    clause punctuation ("第 7 條 秘書……，辦理") is running text and may be wrapped."""
    if not HEADING_RE.match(line):
        return False
    return line.lstrip().startswith("#") or not any(c in line for c in "，,；;")


def _opens_unit(line: str) -> bool:
    """The line starts a heading, an article or a list item (whatever follows the label)."""
    return bool(HEADING_RE.match(line))


def _sentences_run_on(bodies: list[str], widths: list[int], blank: list[bool], width: int) -> bool:
    """In this wrapped text, do sentences end inside paragraphs more often than paragraphs end?

    A line that fills the width and ends a sentence is the one case layout cannot settle: the
    paragraph ended exactly at the margin, or a sentence inside it did. Both land there about
    once in every line's worth of characters, so the odds are the ratio of the two counts, which
    the text shows elsewhere: a sentence end before a line's end is inside a paragraph, a short
    line ending a sentence ends one. Law texts mostly have one-sentence paragraphs, so this
    seldom fires there; on their generated wraps (``python -m bench layout``, seeds 1-20) it
    joined 24 such breaks, all rightly, and on seeds 21-30 10 breaks, 8 rightly."""
    internal = ends = 0
    for body, w, b in zip(bodies, widths, blank, strict=True):
        if b:
            continue
        core = body.rstrip().rstrip(_CLOSING)
        ending = bool(core) and core[-1] in _SENTENCE_END
        internal += sum(map(core[:-1].count if ending else core.count, _SENTENCE_END))
        ends += ending and w < width - 1
    return internal > ends


def _judge(
    prev: str,
    nxt: str,
    i: int,
    width: int | None,
    widest: int,
    prev_width: int,
    run_on: bool = False,
) -> tuple[str, float] | None:
    p = prev.rstrip()
    last = p[-1]
    first = nxt[0]
    # The line fills the detected wrap width ("full"), or -- no width detected -- it is the widest
    # line of the text ("lone"; W-1 too, when a wide character did not fit) and stops mid-sentence.
    full = width is not None and prev_width >= width - 1
    # A Latin full stop ends a sentence too, unless a digit stands before it (``3.``: a decimal
    # or a list number): English or German lines are whole lines, not wraps.
    ended = last in _TERMINAL or (last == "." and not p[-2:-1].isdigit())
    lone = width is None and widest >= 40 and prev_width >= widest - 1 and not ended
    # A wrapped line that stops inside a clause: whatever opens the next line (a date, a label
    # such as "（四）项" or "第二条、") is a cross-reference running on, not a new unit.
    # (A standalone heading's own "、" -- "三、…" -- is no clause break.)
    # Digits on both sides of a full line's break are one number ("… 1⏎95．敲诈勒索罪"), not a
    # "95．" list label.
    mid_clause = last not in _TERMINAL and (
        (last in "第，,、" and (full or lone))
        or (full and _mid_paragraph(p) and not _is_heading(p))
        or (full and last.isdigit() and first.isdigit())
    )
    if _BOX_DRAWING.search(first + last):
        return None  # a table row is its own line: box drawing is layout, never a wrap
    if first in "%‰" and not last.isdigit() and is_han(last) and i > 0:
        return "lost", CONF_LOST  # "不到⏎%": the percentage's number is gone
    if first in _NEVER_OPENS:
        return "punct", CONF_PUNCT
    # The first line is the title unless it is visibly wrapped: it fills the wrap width, or it
    # is the widest line and reads as running text (titles seldom hold a clause break).
    if i == 0 and not (full or (lone and (_mid_paragraph(p) or _ARTICLE_RE.match(p)))):
        return None
    if _RECORD_RE.match(nxt):
        return None  # a dated record starts its own line
    if first in _INDENT and not (full and last not in _TERMINAL and _SPACED_WORD_RE.match(nxt)):
        return None  # an indented line opens a paragraph
    if _SALUTATION_RE.match(prev) or (_opens_unit(nxt) and not _FRAGMENT_RE.match(nxt) and not mid_clause):
        return None
    if _DATE_RE.match(p) and p.endswith(_RECORD_END):
        return None  # a dated record line is complete, even when it happens to fill the width
    # A number runs on into a digit, its unit or counter (``2004⏎年``), not into any Han text:
    # ``第0行:12⏎第1行:8⏎如果…`` is a list of results and a sentence.
    number_break = (last.isdigit() and (first.isdigit() or first in _NUMBER_TAILS or first in ".,%")) or (
        first.isdigit() and (last.isdigit() or is_han(last) or last in _OPENING or last == "》")
    )
    if _DATE_RE.match(nxt) and not (full and last not in _TERMINAL and not _DATE_RE.match(p)):
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
    # wraps, keeping those breaks is right about twice as often as joining them -- except before
    # a proviso: "但…" continues the sentence's paragraph (the 但書 of legal drafting).
    if full and last not in "。！？!?":
        return "width", CONF_WIDTH
    if full and first == "但":
        return "proviso", CONF_PROVISO
    if full and run_on:
        return "sentence_run", CONF_RUN_ON  # see _sentences_run_on
    # A lone wrap: the widest line of the text stops mid-sentence and its paragraph goes on.
    # (Clean text's widest line is a paragraph, which ends a sentence.)
    if lone:
        return "widest", CONF_RUN_ON
    if label or i == 0 or ended:
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


_NUMBER_TAILS = frozenset(
    "年月日号號时時点點分秒个個元角萬万億亿千百十多余餘人名次件项項条條章节節款位倍天周週歲岁户戶家所台臺张張"
    "套辆輛米克斤吨噸度成屆届期级級种種类類批"
)
_CODE_MARKS = re.compile(r"""[(){}\[\]=;"'#<>]""")


def _code_like(line: str) -> bool:
    """A line of program code: at least 60% of its visible characters ASCII, with letters and
    the brackets, quotes or operators of code (``print("第%d行" % i)  # 输出行号``). Chinese prose
    quoting an English term or a number is mostly Han; a wrapped URL has no brackets or quotes."""
    body = [c for c in line if not c.isspace()]
    ascii_chars = [c for c in body if c.isascii()]
    return (
        len(ascii_chars) * 5 >= len(body) * 3
        and any(c.isalpha() for c in ascii_chars)
        and _CODE_MARKS.search(line) is not None
    )


def _mid_paragraph(prev: str) -> bool:
    """A line that reads as running text (it holds a clause break), not a title."""
    return any(c in prev for c in "，,、；;")
