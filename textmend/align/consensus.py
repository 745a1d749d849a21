"""Consensus repair: rebuild the best text of a cluster of copies, column by column.

For each variant column of the witness table (:mod:`textmend.align.witnesses`) the readings
are ranked by (1) damage flags — ``?`` marks, pinyin ruby, mojibake such as 锟斤拷, site
placeholders for lost numbers (``~``, ``×××``), numbers missing where another copy has them,
text missing where another copy has it (truncation), spans the caller flagged (repair flags),
and, weighted lightly because it is fixable, a line break inside a sentence where another copy
has none — then (2) the number of witnesses that agree, then (3) the representative (the
first witness). Two long, dissimilar readings are different passages (each copy kept one
there) and both are kept. Two-reading columns are first split into finer token columns (number slots,
whitespace, characters), so ``" ~ 年度"`` against ``"\\n200\\n4"`` yields the number from one
copy and ``年度`` from the other. Every stretch of the output records where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from textmend.align.pairwise import BLOCK_MIN, MOJIBAKE_CHARS, is_corrupt
from textmend.align.witnesses import align_witnesses
from textmend.cjk import RUBY_RE
from textmend.edits import Edit

PASSAGE_MAX_RATIO = 50.0
"""Two readings of a column, both at least BLOCK_MIN long, below this rapidfuzz ratio are
different passages (each copy kept one), so the merge keeps both."""
HOLED_KEPT_FOUND = 0.6
"""A reading with damage marks is a damaged copy of the other (not another passage) when at
least this share of what it kept is found in the other, in order (:func:`_holed_copy`).
Measured on 80 repaired UTF-8-read-as-Big5 copies (whole and first halves) of laws-cn: against
their own text at least 0.70 (median 0.92; the rest is what the repair left misread, such as
``銝`` for ``一``), against another passage at most 0.31. Different 300-character law passages
with 60% of their characters replaced by U+FFFD reach 0.55."""
SPLIT_MAX = 400
"""Two-reading columns up to this many characters are split into token columns."""
_SENTENCE_END = set("。！？!?：:；;”」』）)\n")
_PLACEHOLDER_RE = re.compile(r"~|×+|\*{2,}|＊+|ＸＸ+|XX+")
_TOKEN_RE = re.compile(
    r"\s*(?:[0-9０-９](?:[0-9０-９.．%％]|[ \t]*\n[ \t]*(?=[0-9０-９]))*|~|×+|\*{2,})\s*|\s+|.", re.S
)
_NUMBER_SLOT_RE = re.compile(r"\s*(?:[0-9０-９]|~|×|\*\*)")
_BROKEN_LINE_RE = re.compile(r"[ \t]*\n[ \t\n]*")
_HEADING_RE = re.compile(
    r"[一二三四五六七八九十]+、|[㈠-㈩]|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十百]+[章節节條条篇]"
)

# Penalties: real damage outweighs everything; a mid-sentence line break is cheap because the
# chosen reading gets its broken lines joined.
_WEIGHTS = {
    "qmark": 10,
    "ruby": 10,
    "mojibake": 10,
    "corruption": 10,
    "placeholder": 10,
    "lost_number": 10,
    "missing": 100,  # a missing passage is worse than any damage inside the kept one
    "flagged": 10,
    "line_break": 1,
}


@dataclass(frozen=True, slots=True)
class Source:
    """``text[start:end]`` of the merged text came from ``witnesses`` (chosen for ``reason``)."""

    start: int
    end: int
    witnesses: tuple[str, ...]
    reason: str
    rejected: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """Other readings: (text, witness ids joined by ',', their flags)."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "witnesses": list(self.witnesses),
            "reason": self.reason,
        }
        if self.rejected:
            d["rejected"] = [
                {"text": t, "witnesses": w.split(","), "flags": list(f)} for t, w, f in self.rejected
            ]
        return d


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str
    sources: tuple[Source, ...] = field(default=())

    def sources_json(self) -> list[dict[str, Any]]:
        """The provenance list, JSON-ready (what ``textmend merge --sources`` writes)."""
        return [s.to_dict() for s in self.sources]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "sources": self.sources_json()}


@dataclass(slots=True)
class _Reading:
    text: str
    witnesses: list[str]
    spans: list[tuple[str, int, int]]  # (witness id, start, end) in that witness
    flags: list[str] = field(default_factory=list)

    @property
    def penalty(self) -> int:
        return sum(_WEIGHTS[f] for f in self.flags)


def _own_flags(r: _Reading, caller_flags: dict[str, Sequence[Edit]]) -> list[str]:
    flags: list[str] = []
    t = r.text
    if "?" in t:
        flags.append("qmark")
    elif is_corrupt(t):
        flags.append("corruption")
    if _PLACEHOLDER_RE.search(t):
        flags.append("placeholder")
    for wid, s, e in r.spans:
        for f in caller_flags.get(wid, ()):
            if (f.start < e and s < f.end) or (f.start == f.end and s <= f.start <= e):
                flags.append("flagged")
                return flags
    return flags


def _content(text: str) -> str:
    """What is left of a reading once damage marks (ruby, ``?``, mojibake characters,
    placeholders) and whitespace are taken out."""
    text = RUBY_RE.sub("", text)
    text = _PLACEHOLDER_RE.sub("", text)
    return "".join(ch for ch in text if not ch.isspace() and ch != "?" and ch not in MOJIBAKE_CHARS)


def _relative_flags(readings: list[_Reading]) -> None:
    """Flags that only make sense against the other readings. Text counts as missing only
    against a reading with content beyond damage marks: a ruby or a 锟斤拷 opposite an empty
    reading is the damage, not the missing text."""
    content = [bool(_content(r.text)) for r in readings]
    cores = [re.sub(r"\s+", "", r.text) for r in readings]
    has_digit = [any(ch.isdigit() for ch in r.text) for r in readings]
    has_break = ["\n" in r.text for r in readings]
    for k, r in enumerate(readings):
        if not cores[k] and any(content[j] for j in range(len(readings)) if j != k):
            r.flags.append("missing")
        if not has_digit[k] and any(has_digit):
            r.flags.append("lost_number")
        if has_break[k] and not all(has_break):
            r.flags.append("line_break")


def _choose(readings: list[_Reading], representative: str) -> tuple[_Reading, str]:
    def key(r: _Reading) -> tuple[int, int, int]:
        return (r.penalty, -len(r.witnesses), 0 if representative in r.witnesses else 1)

    ranked = sorted(readings, key=key)
    best = ranked[0]
    if len(ranked) == 1:
        return best, "agreed"
    runner = ranked[1]
    if best.penalty < runner.penalty:
        return best, "fewer damage flags"
    if len(best.witnesses) > len(runner.witnesses):
        return best, "majority"
    return best, "representative"


def _different_passages(col: list[_Reading]) -> bool:
    """Two long readings with little in common are two passages, not two readings of one."""
    if len(col) != 2:
        return False
    a, b = (re.sub(r"\s+", "", r.text) for r in col)
    if min(len(a), len(b)) < BLOCK_MIN or fuzz.ratio(a, b) >= PASSAGE_MAX_RATIO:
        return False
    return not (_holed_copy(a, b) or _holed_copy(b, a))


def _holed_copy(x: str, y: str) -> bool:
    """``x`` is ``y`` with characters lost to damage marks (U+FFFD, ``?``, 锟斤拷, ruby).

    A copy whose lossy mojibake kept only a quarter of its characters has little in common
    with an intact copy by ratio, yet it is the same passage: what it kept is found in ``y`` in
    order, and its marks stand where the rest was. Keeping both as two passages would put the
    damaged text into the merge (UTF-8 read as Big5 merged with any intact copy did).
    """
    kept = _content(x)
    holes = len(x) - len(kept)
    if not holes:
        return False
    found = (len(kept) + len(y) - Indel.distance(kept, y)) // 2
    if found < HOLED_KEPT_FOUND * len(kept):
        return False
    # Each mark stands for one lost character at most.
    matched = found + min(holes, len(y) - found)
    return 200 * matched / (len(x) + len(y)) >= PASSAGE_MAX_RATIO


def _join_broken_lines(text: str, prev: str) -> str:
    """Drop line breaks that cut a sentence: the previous character does not end one and the
    next line does not start a heading (headings end without punctuation: 一、…, ㈡…)."""

    def repl(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else prev
        if before in _SENTENCE_END or not before or _HEADING_RE.match(text, m.end()):
            return m.group()
        return ""

    return _BROKEN_LINE_RE.sub(repl, text)


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


def _token_key(tok: str) -> str:
    if _NUMBER_SLOT_RE.match(tok):
        return "#"
    if tok.isspace():
        return " "
    return tok


def _split_two(a: _Reading, b: _Reading) -> list[list[_Reading]]:
    """Finer columns for two readings: align their tokens, number slots matching each other."""
    ta, tb = _tokens(a.text), _tokens(b.text)
    ka, kb = [_token_key(t) for t in ta], [_token_key(t) for t in tb]
    out: list[list[_Reading]] = []
    # Offsets of each token inside its reading, to keep per-witness spans exact.
    oa = [0]
    for t in ta:
        oa.append(oa[-1] + len(t))
    ob = [0]
    for t in tb:
        ob.append(ob[-1] + len(t))

    def sub(r: _Reading, off: list[int], i: int, j: int) -> _Reading:
        return _Reading(
            r.text[off[i] : off[j]],
            r.witnesses,
            [(w, s + off[i], s + off[j]) for w, s, _ in r.spans],
        )

    pending: list[int] | None = None  # a run of non-equal opcodes: [i1, i2, j1, j2]
    for op in Indel.opcodes(ka, kb):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            if pending:
                out.append([sub(a, oa, pending[0], pending[1]), sub(b, ob, pending[2], pending[3])])
                pending = None
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                out.append([sub(a, oa, i, i + 1), sub(b, ob, j, j + 1)])
        elif pending is None:
            pending = [i1, i2, j1, j2]
        else:
            # Indel has no substitution: a delete next to an insert is one replaced column.
            pending = [pending[0], i2, pending[2], j2]
    if pending:
        out.append([sub(a, oa, pending[0], pending[1]), sub(b, ob, pending[2], pending[3])])
    return out


def merge(
    texts: Sequence[tuple[str, str]],
    flags: dict[str, Sequence[Edit]] | Sequence[Sequence[Edit]] | None = None,
    representative: int = 0,
    **options: Any,
) -> MergeResult:
    """Merge ``(id, text)`` copies of one text into the best reading (module docstring).

    ``flags`` are per-witness damage marks (e.g. the flag edits of :func:`textmend.repair`),
    as a mapping by id or a sequence parallel to ``texts``; a reading overlapping one is
    treated as damaged. ``options`` go to the aligner (folds, ``anchor``).

    >>> r = merge([("a", "全縣有 ~ 個鄉鎮,共?人"), ("b", "全縣有\\n12\\n個鄉鎮,共30人")])
    >>> r.text
    '全縣有12個鄉鎮,共30人'
    """
    if flags is None:
        caller: dict[str, Sequence[Edit]] = {}
    elif isinstance(flags, dict):
        caller = flags
    else:
        caller = {wid: f for (wid, _), f in zip(texts, flags, strict=True)}
    table = align_witnesses(texts, base=representative, **options)
    rep_id = table["base"]
    out: list[str] = []
    sources: list[Source] = []
    length = 0

    def emit(text: str, witnesses: Sequence[str], reason: str, rejected: Sequence[_Reading] = ()) -> None:
        nonlocal length
        if not text and not rejected:
            return
        out.append(text)
        sources.append(
            Source(
                length,
                length + len(text),
                tuple(witnesses),
                reason,
                tuple((r.text, ",".join(r.witnesses), tuple(r.flags)) for r in rejected),
            )
        )
        length += len(text)

    for seg in table["segments"]:
        if seg["type"] == "agree":
            emit(seg["text"], sorted(seg["at"]), "agreed")
            continue
        readings = [
            _Reading(r["text"], r["witnesses"], [(w, *seg["at"][w]) for w in r["witnesses"]])
            for r in seg["readings"]
        ]
        if _different_passages(readings):
            # Each copy kept a passage the other lacks at the same place: choosing one would
            # lose the other, so keep both (the representative's first; their true order is
            # unknown) and say so. Never split them into tokens: that would interleave them.
            readings.sort(key=lambda r: rep_id not in r.witnesses)
            for r in readings:
                emit(r.text, r.witnesses, "different passages, both kept")
            continue
        if len(readings) == 2 and max(len(r.text) for r in readings) <= SPLIT_MAX:
            columns = _split_two(readings[0], readings[1])
        else:
            columns = [readings]
        for col in columns:
            if len({r.text for r in col}) == 1:
                emit(col[0].text, sorted(w for r in col for w in r.witnesses), "agreed")
                continue
            for r in col:
                r.flags = _own_flags(r, caller)
            _relative_flags(col)
            best, reason = _choose(col, rep_id)
            text = best.text
            if "line_break" in best.flags:
                text = _join_broken_lines(text, next((t[-1] for t in reversed(out) if t), ""))
            emit(text, best.witnesses, reason, [r for r in col if r is not best])
    return MergeResult("".join(out), tuple(sources))
