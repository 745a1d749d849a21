"""Filling the bytes lost when text was read with the wrong CJK codec and replacement characters.

The running example is UTF-8 read as GBK (cp936); Big5 read as GBK and GBK or UTF-8 read as
Big5 lose bytes the same way (see ``READERS``). When UTF-8 is decoded as cp936, most byte pairs are GBK characters, but a pair that is not
(``AC AC`` in 第 = ``E7 AC AC``) turns its first byte into U+FFFD (or ``?`` once saved in a
legacy encoding) and the second byte is read anew. Each mark therefore stands for exactly one
lost byte, and everything else is known: the observed characters re-encode to their bytes.

Two facts make the search small and exact:

* **the damage constrains the lost byte**: a byte ``v`` shows as a mark only if cp936 could not
  read ``v`` with the byte after it, so ``(v, next)`` must not be a GBK character and ``v`` is
  not ``0x80`` (cp936's euro sign). This rules out most values.
* **UTF-8 synchronises itself**: a known ASCII or lead byte always starts a character, so the
  byte string splits into short *chunks* between such bytes, and the holes of one chunk are
  searched jointly (two lost bytes in one character, as in 第) while different chunks are
  independent. The cost is linear in the number of chunks.

Among the readings of a chunk the language model chooses in context; the margin to the runner-up
says how sure the choice is, and the caller turns that into a confidence.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from textmend.cjk import HAN_CLASS, LIST_NUMERALS, SENTENCE_MARKS, detect_script, script_counts
from textmend.repair._codecs import decode_cp936, encode_cp936, uncommon_prior
from textmend.repair._codecs_gbkdamage import gbk_char
from textmend.repair._codecs_lm import (
    Scorer,
    char_gain_bound,
    context_key,
    hole_scorer,
    mark_prior,
    mark_token_logprob,
    numerals,
    window_word_logprob,
    word_list_scorer,
)


@dataclass(frozen=True, slots=True)
class _Reader:
    """The codec the bytes were wrongly read with: both lose one byte per mark (the lead byte of
    a pair it cannot read; the byte after it is read anew), as Windows and CPython do."""

    encode: Callable[[str], bytes | None]
    decode: Callable[[bytes], str]
    pair: Callable[[int, int], bool]  # is (lead, trail) a character of this codec?
    lost: range  # byte values that can be lost


def _encode_big5(text: str) -> bytes | None:
    try:
        return text.encode("big5")
    except UnicodeEncodeError:
        return None


def _is_big5_char(lead: int, trail: int) -> bool:
    try:
        return len(bytes((lead, trail)).decode("big5")) == 1
    except UnicodeDecodeError:
        return False


@functools.cache
def _big5_table() -> bytes:
    """``table[lead << 8 | trail]`` is 1 when the pair is a Big5 character: the joint search
    asks this millions of times for one damaged paragraph, a decode each time otherwise (GBK
    pairs come from :func:`gbk_char`, table-backed too)."""
    return bytes(_is_big5_char(lead, trail) for lead in range(256) for trail in range(256))


def _big5_pair(lead: int, trail: int) -> bool:
    return _big5_table()[(lead << 8) | trail] == 1


def _gbk_pair(lead: int, trail: int) -> bool:
    return gbk_char(lead, trail) is not None


# Characters Big5 has twice (CPython's big5 decodes both byte pairs, encodes the second): 十 is
# A451 and A2CC, 卅 A4CA and A2CE, ／ A241 and A1FE, ＼ A242 and A240. GBK read as Big5 shows them
# where a lost byte shifted the reading by one: 、维 (A1A2 CEAC) shows its middle bytes A2 CE as
# 卅, and re-encoded as A4 CA they were another text (``检测·尸修`` for 检测、维修). Both forms are
# read and the model decides. With the bench's in-domain model, GBK read as Big5, cases of seed 7
# (150): 98.54% -> 98.59% of characters right.
_BIG5_TWINS = {"十": b"\xa2\xcc", "卅": b"\xa2\xce", "／": b"\xa1\xfe", "＼": b"\xa2\x40"}
# A run with more twins reads the rest in the encoder's form (each doubles the work).
_MAX_TWINS = 4

READERS = {
    # cp936 reads 0x80 as the euro sign, so it is never lost.
    "cp936": _Reader(encode_cp936, decode_cp936, _gbk_pair, range(0x81, 0xFF)),
    "big5": _Reader(
        _encode_big5, lambda d: d.decode("big5", errors="replace"), _big5_pair, range(0x80, 0xFF)
    ),
}

MARKS = "?\ufffd"
_LOST = "\ufffd"
# One chunk's joint search is bounded: beyond it the run is left alone (a pathological run of
# marks is better flagged for the consensus repair than guessed).
_MAX_COMBOS = 20_000
_CONTEXT = 6
# A choice whose model score beats the runner-up by e^3 (twenty times likelier) is sure.
SURE_MARGIN = 3.0


@dataclass(frozen=True, slots=True)
class Filled:
    """A repaired run: its text, and the characters chosen with a margin below ``SURE_MARGIN``."""

    text: str
    guessed: tuple[str, ...]
    holes: int
    # UTF-8 read as Big5: the best reading, with a guess where ``text`` keeps U+FFFD.
    best: str = ""


def _starts_char(b: int) -> bool:
    return b < 0x80 or 0xC2 <= b <= 0xF4


# Remembered: asked again for every chunk of every window the fixer tries (a few hundred keys).
@functools.lru_cache(maxsize=4096)
def _allowed(mark: str, nxt: int | None, codec: str, reader: _Reader) -> tuple[int, ...]:
    """Values a lost byte shown as ``mark`` may have had, given the byte after it (None: unknown,
    another lost byte, checked jointly later) and the codec the bytes were really in."""
    if codec == "utf-8":
        values = [v for v in reader.lost if v < 0xF5 and not 0xC0 <= v <= 0xC1]
    else:
        values = list(reader.lost)
    if nxt is not None:
        values = [v for v in values if not reader.pair(v, nxt)]
    if mark == "?":
        values.append(0x3F)  # a '?' may also be a real question mark
    return tuple(values)


def fill(
    run: str,
    after: str,
    scorer: object | None,
    before: str = "",
    codec: str = "utf-8",
    seen_as: str = "cp936",
) -> Filled | None:
    """Read ``run`` (bytes in ``codec`` read as ``seen_as``, with marks) back as the original text.

    ``after`` is the text that follows the run (its first character decides what a final lost
    byte may have been; with ``before``, the text before it, it is the model's context).
    ``codec`` is the encoding the bytes were really in: ``utf-8``, or a double-byte codec
    (``big5``, ``gbk``) whose lead bytes are all >= 0x81, so a lost byte (always >= 0x81: an
    ASCII byte is never lost) starts a two-byte unit and the alignment does not depend on it.
    ``seen_as`` is the codec they were wrongly read with (``cp936`` or ``big5``). None when no
    filling decodes in ``codec`` and, read again as ``seen_as``, gives back ``run``. (UTF-8 read
    as Big5 loses too many bytes for this search by chunks: see :func:`fill_utf8_big5`.)

    >>> from textmend.repair._codecs import decode_cp936
    >>> bad = decode_cp936("第一条".encode("utf-8"))
    >>> bad
    '绗\ufffd涓€鏉\ufffd'
    >>> filled = fill(bad, "", None)  # no model: the common-character prior alone
    >>> filled.text[:2], filled.holes, len(filled.guessed)
    ('第一', 2, 2)
    """
    reader = READERS[seen_as]
    scorer = hole_scorer(cast("Scorer | None", scorer))
    templates: list[list[int | None]] = [[]]
    marks: list[str] = []
    for ch in run:
        if ch in MARKS:
            for template in templates:
                template.append(None)
            marks.append(ch)
            continue
        b = reader.encode(ch)
        if b is None:
            return None
        other = _BIG5_TWINS.get(ch) if seen_as == "big5" else None
        if other is not None and len(templates) < _MAX_TWINS:
            # The encoder's form first: ties go to it, as before.
            templates = [*([*t, *b] for t in templates), *([*t, *other] for t in templates)]
            continue
        for template in templates:
            template.extend(b)
    if not marks:
        return None
    if len(templates) == 1:
        return _fill_bytes(templates[0], marks, run, after, scorer, before, codec, reader)
    # Each byte form of the twins: keep the reading the model likes best (the forms that do not
    # decode in ``codec`` give none).
    best: tuple[float, Filled] | None = None
    for template in templates:
        got = _fill_bytes(template, marks, run, after, scorer, before, codec, reader)
        if got is None:
            continue
        value = uncommon_prior(got.text) + (
            cast("Scorer", scorer).logprob(before[-_CONTEXT:] + got.text + after[:_CONTEXT])
            if scorer is not None
            else 0.0
        )
        if best is None or value > best[0]:
            best = (value, got)
    return None if best is None else best[1]


def _fill_bytes(
    template: list[int | None],
    marks: list[str],
    run: str,
    after: str,
    scorer: Scorer | None,
    before: str,
    codec: str,
    reader: _Reader,
) -> Filled | None:
    """:func:`fill` for one byte form of the run's known characters (``template``: None for a
    lost byte, shown as the next of ``marks``)."""
    # The character after the run decides whether a final lost byte could pair with it; at the
    # end of the text a lone lead byte is lost too, as before a newline.
    suffix = after[:1] if after[:1] and reader.encode(after[:1]) else "\n"
    suffix_bytes = reader.encode(suffix) or b"\n"
    follow = suffix_bytes[0]
    chunks = _chunks(template) if codec == "utf-8" else _double_byte_units(template)
    # Readings per chunk: hole-free chunks have exactly one.
    readings: list[list[tuple[bytes, str]]] = []
    # Chunks whose first byte is lost right after a lost byte ending the chunk before: in a
    # double-byte codec read as another, one loss shifts the reading by a byte, and the shifted
    # reading may lose the next lead too (``���``). Each lost byte must not pair with the lost
    # byte after it, a constraint across the two chunks, checked as the beam joins them.
    linked: list[bool] = []
    mark_iter = iter(marks)
    chunk_marks = [[next(mark_iter) for b in template[lo:hi] if b is None] for lo, hi in chunks]
    if any(
        _combos(template[lo:hi], ms, template[hi] if hi < len(template) else follow, codec, reader)
        > _MAX_COMBOS
        for (lo, hi), ms in zip(chunks, chunk_marks, strict=True)
    ):
        return None  # decided before any chunk is searched
    for (lo, hi), hole_marks in zip(chunks, chunk_marks, strict=True):
        linked.append(lo > 0 and template[lo] is None and template[lo - 1] is None)
        options = list(
            _chunk_readings_memo(
                tuple(template[lo:hi]),
                tuple(hole_marks),
                template[hi] if hi < len(template) else follow,
                codec,
                reader,
            )
        )
        if not options:
            return None
        readings.append(options)
    # The script of what is known for sure (the hole-free chunks and the context): GBK text may
    # hold traditional characters and Big5 text a few simplified ones, but a lost character in
    # the other script than its surroundings is as unlikely as an uncommon one, and the model
    # cannot tell (it scores a folded view).
    known = "".join(options[0][1] for options in readings if len(options) == 1)
    script = detect_script(before + known + after)
    if not _keep_linkable(readings, linked, reader):
        return None
    picked = _choose(readings, linked, reader, before, after, scorer, script)
    if picked is None:
        return None
    chosen, guessed = picked
    data = b"".join(b for b, _ in chosen)
    # The whole reading must damage back to the run exactly (the chunk checks were local).
    again = reader.decode(data + suffix_bytes)
    mark_iter = iter(marks)
    if "".join(next(mark_iter, "?") if c == "\ufffd" else c for c in again) != run + suffix:
        return None
    return Filled("".join(t for _, t in chosen), tuple(chosen[i][1] for i in guessed), len(marks))


def _keep_linkable(readings: list[list[tuple[bytes, str]]], linked: list[bool], reader: _Reader) -> bool:
    """Drop, in place, the readings of a chunk whose last (lost) byte would pair with the first
    (lost) byte of every reading of the linked chunk after it; False when a chunk has none left.

    The beam checks the link only when it joins the two chunks, after it has cut the first to
    its best 24: a Big5 character with both bytes lost before a lost lead (村（ in Big5 read as
    GBK: A7 F8 A1 5D shows ``���]``) has hundreds of readings, and the few whose trail byte
    cp936 cannot pair with a lead byte (AA-AF, F8-FE) were all cut, so the whole run was left
    unread. Exact: only readings no filling could join are dropped. Big5 read as GBK, bench
    encoding's cases of seed 5 (200): 94.83% -> 95.24% of characters right."""
    for i in range(len(readings) - 1, 0, -1):
        if not linked[i] or len(readings[i - 1]) < 2:
            continue
        firsts = {data[0] for data, _ in readings[i] if data}
        lasts = {data[-1] for data, _ in readings[i - 1] if data}
        joins = {v for v in lasts if any(not reader.pair(v, f) for f in firsts)}
        kept = [o for o in readings[i - 1] if not o[0] or o[0][-1] in joins]
        if not kept:
            return False
        readings[i - 1][:] = kept
    return True


# A beam over consecutive uncertain chunks: two lost characters side by side (第二 in
# ``鈥傜��浜�``) must be chosen together, each as the other's context.
_BEAM = 24
# With the default (word-list) model the beam keeps the states best by the character model *and*
# the word component: the best 2 x 24 readings by the model alone are rescored with words and the
# best 24 kept. With the character model alone, a reading the words favour (``三年以上`` against
# ``三年人上``) was often cut before the commit reranked by words, in groups of many lost bytes
# (Big5 read as GBK loses one every few characters, and a group runs on until six known
# characters follow). On bench encoding's cases drawn with seed 5, 200 per kind: Big5 read as GBK
# 93.58% of characters right without it, 93.89% with it (4 x 24: 93.87%); UTF-8 read as GBK
# 99.05% either way; GBK read as Big5 98.91% and 98.89%. A model of running text knows more than
# the word list: with the bench's in-domain model the words in the beam cost Big5 read as GBK
# about a point (96.5% without, 95.3% with, on 100 snippets of seed 3; 95.6% and 95.4% on 150 of
# seed 5), so they are for the word-list model only.
_WIDEN = 2
_Part = tuple[bytes, str, bool]  # bytes, text, chosen among several readings


def _choose(
    readings: list[list[tuple[bytes, str]]],
    linked: list[bool],
    reader: _Reader,
    before: str,
    after: str,
    scorer: object | None,
    script: str = "none",
) -> tuple[list[tuple[bytes, str]], list[int]] | None:
    """The reading of every chunk, and the chunks (indices) chosen without a clear margin (None
    when no reading meets the constraints between chunks, see ``linked``).

    Chunks with one reading are fixed; a group of uncertain chunks (and up to ``_CONTEXT``
    fixed characters after the last of them, their right context) is decided by a beam scored
    with the model, character by character, then committed.
    """
    chosen: list[tuple[bytes, str]] = []
    guessed: list[int] = []
    word_list = scorer is not None and word_list_scorer(cast("Scorer", scorer))
    beam: list[tuple[float, list[_Part]]] = [(0.0, [])]
    words_of: dict[int, float] = {}  # id(parts) -> the word component in the state's score
    open_group = False
    since = 0

    def tail(parts: list[_Part]) -> str:
        text = before + "".join(t for _, t in chosen[-_CONTEXT:]) + "".join(t for _, t, _ in parts)
        return text[-_CONTEXT:]

    def extend(options: list[tuple[bytes, str]], uncertain: bool, link: bool = False) -> None:
        nonlocal beam
        texts = [t for _, t in options]
        # The same for every state of the beam.
        priors = [uncommon_prior(t) + (_script_prior(t, script) if uncertain else 0.0) for t in texts]
        if uncertain:
            priors = [p + m for p, m in zip(priors, _mark_priors(texts), strict=True)]
        prior = np.array(priors, dtype=np.float64)
        layout = _Layout(texts)
        # Marks scored by their share of running text, not by the word-list model (see _mark_lm).
        as_marks = _mark_lms(texts) if word_list and uncertain else None
        # A beam of 24 states times up to a thousand readings (two lost bytes of one character):
        # only the states' contexts differ, and they repeat, so what depends on the context
        # alone is computed once per distinct context, the sums in numpy (float64, added in the
        # same order as the scalar ``score + gain + variant + prior``: the same numbers), and
        # only the survivors of the cut are built as readings.
        variants = _Variants(texts) if uncertain else None
        no_variant = np.zeros(len(texts))
        # States come best first. Once 24 readings are made, one of a later state that cannot
        # beat the 24th (its score plus the most the model can add, ``gain``, and its priors)
        # would be cut: it is not scored. Exact: ties go to the earlier reading, as in the
        # stable sort below.
        cut = len(beam) * len(options) > _BEAM
        gain = _gain_bounds(scorer, texts) if cut else None
        firsts = np.array([data[0] for data, _ in options], dtype=np.intp) if link else None
        lm_of: dict[str, NDArray[np.float64]] = {}
        totals: list[NDArray[np.float64]] = []
        owners: list[tuple[int, NDArray[np.intp]]] = []
        top = np.zeros(0)  # the best totals so far, at most _BEAM of them
        everything = np.arange(len(texts))
        for k, (score, parts) in enumerate(beam):
            pick = everything
            if firsts is not None:
                prev = (parts[-1][0] if parts else chosen[-1][0])[-1]
                pick = (~_pair_row(reader, prev)[firsts]).nonzero()[0]
                if not len(pick):
                    continue
            left = tail(parts)
            variant = variants.penalties(left) if variants is not None else no_variant
            if layout.active:
                seen = before + "".join(t for _, t in chosen[-_SEEN:]) + "".join(t for _, t, _ in parts)
                variant = variant + layout.costs(seen)
            if gain is not None and len(top) == _BEAM * _WIDEN:
                reach = score + gain[pick] + variant[pick] + prior[pick]
                pick = pick[reach > top[0]]
                if not len(pick):
                    continue
            key = context_key(scorer, left) if scorer is not None else ""  # type: ignore[arg-type]
            lm = lm_of.get(key)
            if lm is None:
                lm = lm_of[key] = np.full(len(texts), np.nan)
            if scorer is None:
                lm[pick] = 0.0
            else:
                todo = pick[np.isnan(lm[pick])]
                if len(todo):
                    got = scorer.compare(left, [texts[i] for i in todo.tolist()], "")  # type: ignore[attr-defined]
                    lm[todo] = got
            if as_marks is not None:
                # Below 0, as any score of the default model: the gain bound holds.
                total = score + np.where(np.isnan(as_marks[pick]), lm[pick], as_marks[pick])
                total = total + variant[pick] + prior[pick]
            else:
                total = score + lm[pick] + variant[pick] + prior[pick]
            totals.append(total)
            owners.append((k, pick))
            if cut:
                top = np.sort(np.concatenate([top, total]))[-_BEAM * _WIDEN :]
        if not totals:
            beam = []
            return
        flat = np.concatenate(totals)
        # Best first, ties in the order the readings were made (a stable sort, as before).
        order = np.argsort(-flat, kind="stable")[: _BEAM * _WIDEN].tolist()
        bounds = np.cumsum([len(t) for t in totals]).tolist()
        # A state's score includes _WORD_WEIGHT times the word component of the group so far
        # (words_of), recomputed when a lost character is chosen; the known characters after it
        # count at the next choice or at the commit.
        rescore = uncertain and word_list
        ctx = (before + "".join(t for _, t in chosen[-_CONTEXT:]))[-_CONTEXT:]
        grown: list[tuple[float, list[_Part]]] = []
        words: dict[int, float] = {}
        for i in order:
            j = bisect.bisect_right(bounds, i)
            k, kept = owners[j]
            data, text = options[int(kept[i - (bounds[j - 1] if j else 0)])]
            parent = beam[k][1]
            parts = [*parent, (data, text, uncertain)]
            value = float(flat[i])
            had = words_of.get(id(parent), 0.0)
            if rescore:
                now = _word_score(ctx + "".join(t for _, t, _ in parts))
                value += _WORD_WEIGHT * (now - had)
                had = now
            words[id(parts)] = had
            grown.append((value, parts))
        if rescore:
            grown.sort(key=lambda g: g[0], reverse=True)  # stable: ties keep the model's order
        beam = grown[:_BEAM]
        words_of.clear()
        words_of.update((id(parts), words[id(parts)]) for _, parts in beam)

    def commit() -> None:
        nonlocal beam, open_group
        if word_list and len(beam) > 1:
            # The reranking adds the word component of the whole group itself. Not for a model
            # of running text, which knows more than the word list (see _RERANK).
            plain = [(score - _WORD_WEIGHT * words_of.get(id(parts), 0.0), parts) for score, parts in beam]
            ranked = _rerank_words(plain, before + "".join(t for _, t in chosen))
        else:
            ranked = [(score, score, parts) for score, parts in beam]
        _, best_sure, best = ranked[0]
        picks = [t for _, t, u in best if u]
        # The likeliest other choice by the margin's own score (not the next in rank order).
        rival = max(
            (sc for _, sc, parts in ranked[1:] if [t for _, t, u in parts if u] != picks), default=None
        )
        if rival is not None and best_sure - rival < SURE_MARGIN:
            guessed.extend(len(chosen) + i for i, (_, _, u) in enumerate(best) if u)
        chosen.extend((d, t) for d, t, _ in best)
        beam, open_group = [(0.0, [])], False
        words_of.clear()

    for options, link in zip(readings, linked, strict=True):
        if len(options) > 1:
            extend(options, True, link)
            open_group, since = True, 0
        elif open_group:
            extend(options, False, link)
            since += len(options[0][1])
            if since >= _CONTEXT:
                commit()
        elif link and reader.pair(chosen[-1][0][-1], options[0][0][0]):
            return None
        else:
            chosen.append(options[0])
        if not beam:
            return None
    if open_group:
        if not after or after[0].isspace():
            beam = [(score + _line_end_prior(parts), parts) for score, parts in beam]
            beam.sort(key=lambda g: g[0], reverse=True)
        right = after[: max(0, _CONTEXT - since)]
        if right.strip() and scorer is not None:
            extend([(b"", right)], False)
        commit()
        if right.strip() and scorer is not None:
            chosen.pop()  # the right context was only scored, it is not part of the run
    return chosen, guessed


def _mark_lms(texts: list[str]) -> NDArray[np.float64] | None:
    """What the readings that are all marks score in place of the default model's score (NaN for
    the others; None when there is none).

    The default model learnt marks from word-list lines: each of ten marks after each of the
    5,000 most frequent words, and three opening marks before them. So any mark after a word
    scores as high as a frequent character (``下。`` beat 下列, ``七？開會`` beat 七人開會), an
    opening mark after a mark is unknown (``；（`` lost to ``；，``), and marks rank alike. In
    their place: the mark's share of running-text tokens (see ``mark_token_logprob``), whatever
    the context, which the layout costs (:class:`_Layout`) judge instead."""
    out = [_mark_lm(t) for t in texts]
    if all(v is None for v in out):
        return None
    return np.array([np.nan if v is None else v for v in out], dtype=np.float64)


def _mark_lm(text: str) -> float | None:
    if not text or any(ch.isspace() for ch in text):
        return None
    total = 0.0
    for ch in text:
        v = _BOX_TOKEN if _is_box(ch) else mark_token_logprob(ch)
        if v is None:
            return None
        total += v
    return total


# Box drawing (a table's rules, ─ │ ┼ ┤: Big5 A2 71-7E, whose ASCII trail bytes survive a lost
# lead) is unknown to the default model (-13 nats, against -6.7 for 安, A6 77, which took every
# ─ of a rule: ``安安〈已安安``). Scored as a rare mark instead (_BOX_TOKEN), with the table's
# geometry in _layout_cost: a box character that joins the one before it (─ after ┼, ┤ after ─)
# or a cell's border after its spaces (│, ├) gains _BOX_GAIN; any other costs _BOX_COST, so a
# lone one does not beat the hanzi of its trail byte (└ A2 7C for 四 A5 7C in ``第 四 章``).
# Big5 read as GBK, bench encoding's cases of seed 5 (200, five of them table lines): 94.83% of
# characters right before, 95.69% with the boxes, 96.09% with them and _keep_linkable (95.24%
# with that alone; a gain of 2: 95.50%, of 6: as 4; a cost of 3: 96.04%; a token of -10:
# 95.46%); seed 3 (100): 97.19% before, 97.25% with both. The mojibake fixer takes a reading
# of box drawing alone only where the table places it (mojibake._lines_up).
_BOX_TOKEN = -7.5
_BOX_GAIN = 4.0
_BOX_COST = 6.0
RIGHT_ARMS = frozenset("─┼┬┴├┌└╭╰═╞╪")
LEFT_ARMS = frozenset("─┼┬┴┤┐┘╮╯═╪╡")


# The box characters of a table's lines (the block up to its arcs, ╰; not its diagonals).
_TABLE_BOX = frozenset(map(chr, range(0x2500, 0x2571)))


def _is_box(ch: str) -> bool:
    return ch in _TABLE_BOX


# What the page's layout says of a reading, beyond any model of characters: in running text a
# clause does not end right after a mark or an opening bracket (``。：、`` for 。二、, ``。。、`` for
# 。七、: the lost lead bytes of 二 (A4 47) and 七 (A4 43) give ： (A1 47) and 。 (A1 43) too), a
# closing bracket closes one that was opened (``縣也市）`` for 縣（市）: （ is A1 5D, 也 A4 5D),
# and a list numbers its items after a sentence end or in brackets (``。七、``, ``（二）``). Big5
# read as GBK, bench encoding's cases of seed 5 (200): 93.58% of characters right with none of
# the three, 93.89% with all; without the stacked marks 93.65% (5 nats: 93.78%, 20: 93.89%),
# without the list numbers 93.72% (2, 4, 6 nats alike); the unmatched bracket changed nothing
# there (0, 3 and 6 nats alike, 10: 93.82%) once marks were scored by their share of running text
# (see _mark_lms), but it is what settles ``（`` against 也 for a model of running text. With the
# bench's in-domain model, 100 snippets of seed 3: 96.21% without the three, 96.47% with them;
# GBK read as Big5 98.39% and 98.47%.
_STACK_COST = 10.0
_CLOSE_COST = 6.0
_ITEM_GAIN = 4.0
_OPENERS = "（(「『《〈【〔"
_CLOSERS = "）)」』》〉】〕"
_PAIRS = dict(zip(_CLOSERS, _OPENERS, strict=True))
_CLAUSE_OPENERS = SENTENCE_MARKS | frozenset(_OPENERS)
_ITEM_ENDS = frozenset("、）)")
_ITEM_STARTS = frozenset("。；：（(\n")
_LAYOUT_CHARS = frozenset(_OPENERS + _CLOSERS) | SENTENCE_MARKS | LIST_NUMERALS | _ITEM_ENDS | _TABLE_BOX
# How far back brackets are counted (the text before the run, the chosen chunks, the state's).
_SEEN = 40


def _unclosed(text: str) -> frozenset[str]:
    """The kinds of opening bracket still open at the end of ``text``."""
    depth: dict[str, int] = {}
    for ch in text:
        if ch in _OPENERS:
            depth[ch] = depth.get(ch, 0) + 1
        elif ch in _PAIRS and depth.get(_PAIRS[ch], 0) > 0:
            depth[_PAIRS[ch]] -= 1
    return frozenset(k for k, v in depth.items() if v > 0)


def _items(text: str, start: int) -> int:
    """How many list numbers (``。七、``, ``（二）``, a line starting ``三、``) end at ``start`` or
    after: up to three numerals after a sentence end, a bracket or the start of ``text``."""
    found = 0
    for i in range(max(start, 1), len(text)):
        if text[i] not in _ITEM_ENDS:
            continue
        j = i
        while j > 0 and text[j - 1] in LIST_NUMERALS and i - j < 3:
            j -= 1
        if j < i and (j == 0 or text[j - 1] in _ITEM_STARTS):
            found += 1
    return found


def _layout_cost(left: str, opened: frozenset[str], reading: str) -> float:
    """The layout's say on ``reading`` after ``left`` (its last characters) with the brackets
    ``opened`` still open: costs for marks stacked on marks and closing brackets that close
    nothing, a gain for each list number it ends."""
    cost = 0.0
    after_opener = bool(left) and left[-1] in _CLAUSE_OPENERS
    opened_now = set(opened)
    prev = left[-1:]
    for ch in reading:
        if _is_box(ch):
            joined = (prev in RIGHT_ARMS and ch in LEFT_ARMS) or (
                ch in "│├" and (prev == " " or _is_box(prev))
            )
            # A table's line may start with a rule: not with a corner (└ for 四 in ``四、``).
            starts = not prev and ch in "─│├┬┼"
            cost += _BOX_GAIN if (prev and joined) or starts else -_BOX_COST
        prev = ch
        if ch in SENTENCE_MARKS and after_opener:
            cost -= _STACK_COST
        if ch in _PAIRS:
            if _PAIRS[ch] in opened_now:
                opened_now.discard(_PAIRS[ch])  # one level is enough to know
            else:
                cost -= _CLOSE_COST
        elif ch in _OPENERS:
            opened_now.add(ch)
        after_opener = ch in _CLAUSE_OPENERS
    return cost + _ITEM_GAIN * _items(left + reading, len(left))


class _Layout:
    """:func:`_layout_cost` of each reading of one chunk, for the contexts of the beam's states:
    only readings with a mark, a bracket or a numeral can get anything, and states with the same
    last characters and open brackets share one vector."""

    def __init__(self, texts: list[str]) -> None:
        self._some = [(i, t) for i, t in enumerate(texts) if not _LAYOUT_CHARS.isdisjoint(t)]
        self.active = bool(self._some)
        self._none = np.zeros(len(texts))
        self._by_context: dict[tuple[str, frozenset[str]], NDArray[np.float64]] = {}

    def costs(self, left: str) -> NDArray[np.float64]:
        if not self.active:
            return self._none
        key = (left[-4:], _unclosed(left))
        got = self._by_context.get(key)
        if got is None:
            got = self._none.copy()
            for i, t in self._some:
                got[i] = _layout_cost(key[0], key[1], t)
            self._by_context[key] = got
        return got


def _mark_priors(texts: list[str]) -> list[float]:
    """How much less frequent each reading that is all marks is than the most frequent mark among
    the readings (see :func:`._codecs_lm.mark_prior`); 0 for the other readings. Relative, so a
    mark competing with hanzi (a lost Big5 lead byte: 、 = A142 against 且, 列...) keeps its
    chances: only marks are ranked against marks."""
    priors = [mark_prior(t) for t in texts]
    top = max((p for p in priors if p is not None), default=0.0)
    return [0.0 if p is None else p - top for p in priors]


# Marks that do not end a line: in the laws corpora 289 lines end with 、 and 178,109 with 。
# (；and ：end many list items, ，wrapped lines: not these). A lost last byte before a line end
# or a space (UTF-8 。 = E3 80 82 and 、 = E3 80 81 both lose it there) was a coin toss for the
# model, which ranks all marks alike.
_NOT_FINAL = "、（“‘《〈【「『〔［｛"


def _line_end_prior(parts: list[_Part]) -> float:
    """-3 nats for a reading that ends the line (or comes before a space) with a mark that does
    not end lines."""
    text = "".join(t for _, t, _ in parts).rstrip()
    return -3.0 if text and text[-1] in _NOT_FINAL else 0.0


# The whole beam gets the word component. On 1,000 UTF-8-read-as-GBK snippets of laws-cn (bench
# encoding's cases drawn with seed 5): 98.89% of characters right, 98.86% with the best 8 only.
# With the default (word-list) model only, as in the beam (_WIDEN): for a model of running text
# the words at twice their weight outweighed what the model knows of the laws' phrasing (a lost
# 列 became 。 in ``職務列簡任``: jieba prices the mark as a frequent token, 列 as a rare word).
# With the bench's in-domain model, cases of seed 7 (150 per kind): Big5 read as GBK 97.93% ->
# 98.50% of characters right, GBK read as Big5 98.59% -> 98.71%, UTF-8 read as GBK 99.59% ->
# 99.67%. Reranked at weight 0.5 or 1 instead, Big5 read as GBK got 99.12% and 99.03% where
# none got 99.27% (with the reading across ideographic spaces, mojibake._MAX_JOINS).
_RERANK = _BEAM
# The word component's weight against the character model when lost bytes are filled. 2 beat the
# model's own 0.5 (WORD_WEIGHT, tuned for whole-word candidates): 98.89% against 98.75% on the
# same snippets (before the mark priors, with which 2 gives 98.98%). The word list knows which
# characters make words; the character model built from it knows less.
_WORD_WEIGHT = 2.0


def _script_prior(text: str, script: str) -> float:
    """-4 nats (as for an uncommon character) per character specific to the other script."""
    if script not in ("simplified", "traditional"):
        return 0.0
    trad, simp = script_counts(text)
    return -4.0 * (trad if script == "simplified" else simp)


def _rerank_words(beam: list[tuple[float, list[_Part]]], left: str) -> list[tuple[float, float, list[_Part]]]:
    """Add the word component (jieba's dictionary) to the best readings of a group: the
    character model alone confuses near-homographs such as 别擦/刮擦 that only words tell apart.

    Each reading comes with two scores: the one it is ranked by, and the one its margin to the
    runner-up is measured with (``SURE_MARGIN``), where the word component has the model's own
    weight. The heavier weight ranks better but widens margins without making the choice any
    surer: with it, UTF-8 read as Big5 kept wrong characters it had chosen on word frequency
    alone, among unread neighbours (``法律`` as ``��得``).
    """
    from textmend.lm.model import WORD_WEIGHT

    ctx = left[-_CONTEXT:]
    top = []
    for score, parts in beam[:_RERANK]:
        words = _word_score(ctx + "".join(t for _, t, _ in parts))
        top.append((score + _WORD_WEIGHT * words, score + WORD_WEIGHT * words, parts))
    top.sort(key=lambda g: g[0], reverse=True)
    return top


_HAN_RUN = re.compile(f"[{HAN_CLASS}]+")


def _word_score(text: str) -> float:
    """The word component of ``text``, a window of running text: the best segmentation of its
    Han runs into words, each mark counted as one token of its share of running text
    (:func:`._codecs_lm.mark_token_logprob`; a Latin letter, as before, as frequent as 的).

    The dictionary has no punctuation, so segmenting the text whole charges a mark as an unknown
    word (about -18 nats): a lost ``、`` or ``。`` (Big5 A142, A143) then always lost to a
    hanzi with the same trail byte (且, 列). In running text ，、。 are among the most frequent
    tokens, but ？ is rare: counted as 的, it split clauses (``七？開會``). The window's edges
    may cut words (see :func:`._codecs_lm.window_word_logprob`), and numbers are read as
    numerals: the dictionary has no digits.
    """
    text = numerals(text)
    marks = 0.0
    for ch in _HAN_RUN.sub("", text):
        if not ch.isspace():
            cost = mark_token_logprob(ch)
            marks += _mark_word_logprob() if cost is None else cost
    words = sum(
        window_word_logprob(m.group(), m.start() == 0, m.end() == len(text)) for m in _HAN_RUN.finditer(text)
    )
    return words + marks


@functools.cache
def _mark_word_logprob() -> float:
    from textmend.lm.words import word_logprob

    return word_logprob("的")


def _gain_bounds(scorer: object | None, texts: list[str]) -> NDArray[np.float64] | None:
    """The most ``scorer.compare`` can give each of ``texts`` (None: unknown, no pruning)."""
    if scorer is None:
        return np.zeros(len(texts))
    per_char = char_gain_bound(cast("Scorer", scorer))
    if per_char is None:
        return None
    if per_char <= 0.0:
        # Every term the model adds is at most 0, and so is their float sum.
        return np.zeros(len(texts))
    # A little slack for the rounding of the model's sum.
    return np.array([len(t) * (per_char + 1e-6) + 1e-9 for t in texts])


@functools.lru_cache(maxsize=512)
def _pair_row(reader: _Reader, lead: int) -> NDArray[np.bool_]:
    """``row[b]``: ``(lead, b)`` is a character of ``reader``'s codec."""
    return np.array([reader.pair(lead, b) for b in range(256)], dtype=np.bool_)


class _Variants:
    """Break the model's ties between script variants (术/朮: the model scores a folded view,
    so both read alike): the variant in the script of the context wins. The readings are
    folded once; a context only decides which script wins."""

    def __init__(self, texts: list[str]) -> None:
        from textmend.cjk import fold_script

        self._fold = fold_script
        folded = [fold_script(t) for t in texts]
        self._none = np.zeros(len(texts))
        self._by_script: dict[bool, NDArray[np.float64]] = {}
        if len(set(folded)) < len(folded):
            changed = np.array([f != t for t, f in zip(texts, folded, strict=True)], dtype=np.bool_)
            for simplified in (False, True):
                self._by_script[simplified] = np.where(changed == simplified, -1.0, 0.0)

    def penalties(self, left: str) -> NDArray[np.float64]:
        if not self._by_script:
            return self._none
        return self._by_script[self._fold(left) == left]


def _double_byte_units(template: Sequence[int | None]) -> list[tuple[int, int]]:
    """Character spans of a double-byte codec: ASCII is one byte, anything else (a lost byte
    included) leads a two-byte character, whatever the values of the lost bytes."""
    spans: list[tuple[int, int]] = []
    p = 0
    while p < len(template):
        b = template[p]
        width = 1 if b is not None and b < 0x80 else 2
        spans.append((p, min(p + width, len(template))))
        p += width
    return spans


def _chunks(template: Sequence[int | None]) -> list[tuple[int, int]]:
    """Spans between bytes that certainly start a UTF-8 character."""
    cuts = [i for i, b in enumerate(template) if b is not None and _starts_char(b)]
    if not cuts or cuts[0] != 0:
        cuts.insert(0, 0)
    cuts.append(len(template))
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _utf8_size(lead: int) -> int:
    """Bytes of the UTF-8 character ``lead`` starts (0 when it starts none)."""
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    return 4 if 0xF0 <= lead <= 0xF4 else 0


def _combos(
    piece: Sequence[int | None], marks: Sequence[str], follow: int | None, codec: str, reader: _Reader
) -> int:
    """How many fillings :func:`_chunk_readings` would try."""
    holes = [i for i, b in enumerate(piece) if b is None]
    return math.prod(
        len(_allowed(mark, piece[i + 1] if i + 1 < len(piece) else follow, codec, reader))
        for mark, i in zip(marks, holes, strict=True)
    )


@functools.lru_cache(maxsize=1024)
def _chunk_readings_memo(
    piece: tuple[int | None, ...], marks: tuple[str, ...], follow: int | None, codec: str, reader: _Reader
) -> tuple[tuple[bytes, str], ...]:
    """:func:`_chunk_readings`, remembered: the mojibake fixer tries a line's runs in several
    windows, and each try used to search the same chunks again."""
    return tuple(_chunk_readings(piece, marks, follow, codec, reader))


def _chunk_readings(
    piece: Sequence[int | None],
    marks: Sequence[str],
    follow: int | None,
    codec: str,
    reader: _Reader,
) -> list[tuple[bytes, str]]:
    holes = [i for i, b in enumerate(piece) if b is None]
    if not holes:
        data = bytes(b for b in piece if b is not None)
        try:
            return [(data, data.decode(codec))]
        except UnicodeDecodeError:
            return []
    choices: list[list[int]] = []
    # In UTF-8 the known lead byte says how long its character is: the lost bytes inside it are
    # continuation bytes and one right after it starts the next character (a lost byte is
    # never ASCII). Cuts a chunk with two lost bytes from 117 * 117 fillings to 64 * 64.
    size = _utf8_size(piece[0]) if codec == "utf-8" and piece[0] is not None else 0
    for k, i in enumerate(holes):
        nxt = piece[i + 1] if i + 1 < len(piece) else follow
        values = list(_allowed(marks[k], nxt, codec, reader))
        if 0 < i < size:
            values = [v for v in values if 0x80 <= v <= 0xBF or v == 0x3F]
        elif 0 < size == i:
            values = [v for v in values if v >= 0xC2 or v == 0x3F]
        choices.append(values)
    if math.prod(map(len, choices)) > _MAX_COMBOS:
        return []
    out: dict[str, bytes] = {}
    buf = list(piece)
    # Joint check of adjacent lost bytes: the first must not pair with the second.
    adjacent = [k for k in range(len(holes) - 1) if holes[k] + 1 == holes[k + 1]]
    pair = reader.pair
    for combo in itertools.product(*choices):
        if adjacent:
            clash = False
            for k in adjacent:
                if pair(combo[k], combo[k + 1]):
                    clash = True
                    break
            if clash:
                continue
        for i, v in zip(holes, combo, strict=True):
            buf[i] = v
        data = bytes(buf)  # type: ignore[arg-type]
        try:
            text = data.decode(codec)
            # Big5 has characters at two codes (十 at A2CC and A451); the text was encoded with
            # the canonical one, so only that one can have been damaged.
            if codec != "utf-8" and text.encode(codec) != data:
                continue
        except UnicodeError:
            continue
        if text.isprintable():
            out.setdefault(text, data)
    return [(d, t) for t, d in out.items()]


# --- UTF-8 read as Big5: a search over the characters, through the decoder --------------------
#
# Big5 loses about 40% of the bytes of UTF-8 Chinese (a continuation byte 80-A0 is never a Big5
# lead, and a lead byte before one is lost with it), and its pairs straddle the UTF-8
# characters (``作年`` = E4 BD 9C E5 B9 B4 reads ``雿�撟``, then B4 E9 of 年限 as one pair), so the
# chunks of :func:`fill` hold several characters with several lost bytes each. Instead the
# original is read character by character through the decoder itself: the decoder's only state
# is a lead byte waiting for its trail (or none), so each character of a candidate text moves it
# deterministically and emits a few observed characters. A character fits where what it emits
# is what was observed; the search keeps the best readings by the model (a beam over the
# observed positions), and no reading can fail to damage back to the run.

_U8B5_NONE = -1  # no lead byte pending
# Readings kept per observed position, and candidates per move (by their prior alone: the
# model's own score of the character, plus the uncommon-character prior). Three lost bytes of
# one character leave thousands of candidates, which no model could tell apart anyway.
_U8B5_BEAM = 12
# A character is written when the best reading beats every reading without it by this much, at
# the end of the character and in the model's own comparison of the characters that fit there;
# the others stay U+FFFD. Measured on bench encoding's cases of seed 7 (UTF-8 read as Big5; seed
# 3 is held out), share right by margin: with the bench's in-domain model (300 cases) 3-4 nats
# 90%, 4-6 96%, 6-10 99.7%, over 10 all: at 3, 54% of all characters written, 98.7% of them
# right (95.2% of those that lost all three bytes). The default (word-list) model is often sure
# and wrong (3-4 nats 87%, 6-10 83%), so it also needs sure neighbours (see _u8b5_read): then, of
# 100 cases, the characters that lost bytes and were written were 93% right at 3 (53), 96% at 6
# (24); 99.8% of all written characters right at 6, most of them with no byte lost.
_U8B5_SURE = 3.0
_U8B5_SURE_WORDS = 6.0
_U8B5_TOP = 16


@functools.cache
def _u8b5_vocab() -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    """The characters a UTF-8 text read as Big5 is read back as: CJK ideographs, CJK and
    fullwidth punctuation, general punctuation, a few Latin-1 symbols, printable ASCII."""
    cps = [
        *range(0x20, 0x7F),
        *(ord(c) for c in "·×÷§°±"),
        *range(0x2010, 0x2027),
        *range(0x2030, 0x203C),
        *range(0x2460, 0x2474),
        *range(0x2500, 0x2570),
        *range(0x3000, 0x3020),
        *range(0x4E00, 0x9FA6),
        *range(0xFF01, 0xFF5F),
    ]
    chars = tuple(chr(c) for c in cps if chr(c).isprintable() and chr(c) != "\u3000")
    return chars, tuple(c.encode("utf-8") for c in chars)


@functools.cache
def _big5_steps() -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """``pairs[lead, trail]`` and the code point ``chars[lead, trail]`` it reads as (Big5)."""
    pairs = np.frombuffer(_big5_table(), dtype=np.uint8).reshape(256, 256).astype(np.bool_)
    chars = np.zeros((256, 256), dtype=np.int64)
    for lead, trail in zip(*pairs.nonzero(), strict=True):
        chars[lead, trail] = ord(bytes((int(lead), int(trail))).decode("big5"))
    return pairs, chars


@functools.cache
def _u8b5_bytes() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The vocabulary's UTF-8 bytes as a (characters x 3) array (-1 past a character's end)."""
    data = _u8b5_vocab()[1]
    grid = np.full((len(data), 3), -1, dtype=np.int64)
    for i, d in enumerate(data):
        grid[i, : len(d)] = list(d)
    return grid, np.array([len(d) for d in data], dtype=np.int64)


@functools.cache
def _big5_char(lead: int, trail: int) -> str:
    return bytes((lead, trail)).decode("big5")


def _big5_feed(state: int, data: bytes) -> tuple[str, int]:
    """What CPython's Big5 decoder emits for ``data`` when ``state`` (a lead byte, or
    ``_U8B5_NONE``) is pending, and the byte left pending: a lead byte that cannot pair with
    the byte after it is one U+FFFD and that byte is read anew."""
    out = []
    for b in data:
        if state != _U8B5_NONE:
            if _big5_pair(state, b):
                out.append(_big5_char(state, b))
                state = _U8B5_NONE
                continue
            out.append(_LOST)
        if b < 0x80:
            out.append(chr(b))
            state = _U8B5_NONE
        else:
            state = b
    return "".join(out), state


@functools.lru_cache(maxsize=512)
def _u8b5_keys(state: int) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """:func:`_big5_feed` of every character of the vocabulary from the pending ``state`` at
    once (a run meets dozens of states): one sorted key per character, the code points it emits
    (at most three, 16 bits each: Big5 reads into the BMP) and the state it leaves (9 bits),
    with the characters in key order."""
    pairs, chars = _big5_steps()
    grid, _ = _u8b5_bytes()
    n = len(grid)
    rows = np.arange(n)
    st = np.full(n, state, dtype=np.int64)
    out = np.zeros((n, 4), dtype=np.int64)  # emitted code points, 0 past the end
    count = np.zeros(n, dtype=np.int64)
    lost = ord(_LOST)
    for j in range(3):
        b = grid[:, j]
        live = b >= 0
        held = live & (st != _U8B5_NONE)
        safe_st = np.where(held, st, 0)
        safe_b = np.where(live, b, 0)
        paired = held & pairs[safe_st, safe_b]
        out[rows[paired], count[paired]] = chars[safe_st[paired], safe_b[paired]]
        count += paired
        failed = held & ~paired
        out[rows[failed], count[failed]] = lost
        count += failed
        fresh = live & ~paired
        ascii_ = fresh & (b < 0x80)
        out[rows[ascii_], count[ascii_]] = b[ascii_]
        count += ascii_
        st = np.where(paired | ascii_, _U8B5_NONE, np.where(fresh, b, st))
    # Three bytes after a pending one emit at most three characters (the pending byte lost,
    # then two more lost, the last byte left pending).
    assert int(count.max()) <= 3
    keys = (out[:, 0] << 41) | (out[:, 1] << 25) | (out[:, 2] << 9) | (st + 1)
    order = np.argsort(keys, kind="stable")
    return keys[order], order


@functools.lru_cache(maxsize=16384)
def _u8b5_moves(state: int, emitted: str) -> dict[int, NDArray[np.intp]]:
    """The characters (indices into :func:`_u8b5_vocab`) that emit ``emitted`` from the
    pending ``state``, by the state they leave."""
    if not 1 <= len(emitted) <= 3 or any(ord(c) > 0xFFFF for c in emitted):
        return {}
    codes = [ord(c) for c in emitted] + [0] * (3 - len(emitted))
    base = (codes[0] << 41) | (codes[1] << 25) | (codes[2] << 9)
    keys, order = _u8b5_keys(state)
    lo, hi = np.searchsorted(keys, [base, base + 512]).tolist()
    if lo == hi:
        return {}
    states = (keys[lo:hi] & 511) - 1
    cuts = np.flatnonzero(np.diff(states)) + 1
    return {
        int(states[a]): order[lo + a : lo + b] for a, b in itertools.pairwise([0, *cuts.tolist(), hi - lo])
    }


def _u8b5_alive(run: str, follow: int) -> list[set[int]]:
    """``alive[pos]``: the pending states that some characters reach having emitted ``run[:pos]``
    and from which others emit the rest (the last pending byte, lost before ``follow``, emits
    the final U+FFFD): the search never follows a reading that cannot be finished."""
    n = len(run)
    reach: list[set[int]] = [set() for _ in range(n + 1)]
    reach[0].add(_U8B5_NONE)
    edges: list[list[tuple[int, int, int]]] = [[] for _ in range(n + 1)]
    for pos in range(n):
        for state in reach[pos]:
            for k in (1, 2, 3):
                if pos + k > n:
                    break
                for after in _u8b5_moves(state, run[pos : pos + k]):
                    reach[pos + k].add(after)
                    edges[pos].append((state, k, after))
    ok: list[set[int]] = [set() for _ in range(n + 1)]
    if _U8B5_NONE in reach[n]:
        ok[n].add(_U8B5_NONE)
    if run.endswith(_LOST):
        ok[n - 1].update(s for s in reach[n - 1] if s != _U8B5_NONE and not _big5_pair(s, follow))
    for pos in range(n - 1, -1, -1):
        ok[pos].update(state for state, k, after in edges[pos] if after in ok[pos + k])
    return ok


@functools.lru_cache(maxsize=4)
def _u8b5_priors(scorer: object | None) -> NDArray[np.float64]:
    """Each vocabulary character's score with no context, with the uncommon-character prior:
    the order candidates are cut in before the model scores them in context."""
    chars = _u8b5_vocab()[0]
    own = (
        np.array(cast("Scorer", scorer).compare("", chars, ""), dtype=np.float64)
        if scorer
        else np.zeros(len(chars))
    )
    return own + np.array([uncommon_prior(c) for c in chars], dtype=np.float64)


@functools.lru_cache(maxsize=65536)
def _u8b5_options(scorer: object | None, state: int, emitted: str, after: int) -> tuple[int, ...]:
    """The likeliest ``_U8B5_TOP`` characters (by :func:`_u8b5_priors`) that emit ``emitted``
    from ``state`` and leave ``after`` pending."""
    idx = _u8b5_moves(state, emitted).get(after)
    if idx is None:
        return ()
    prior = _u8b5_priors(scorer)[idx]
    keep = np.argsort(-prior, kind="stable")[:_U8B5_TOP]
    return tuple(idx[keep].tolist())


@dataclass(slots=True)
class _U8B5Hyp:
    score: float
    state: int
    text: str
    moves: tuple[tuple[int, int, str, int], ...]  # per character: position, state, emitted, after
    lean: int = 0  # script-specific characters read so far: traditional minus simplified


def fill_utf8_big5(run: str, after: str, scorer: object | None, before: str = "") -> Filled | None:
    """Read ``run``, UTF-8 read as Big5 with replacement, back character by character (see the
    section's comment); characters chosen without a clear margin come back as U+FFFD, one per
    character (``best`` has the model's best guess for them). None when no reading emits the
    run or nothing could be read."""
    read = _u8b5_read(run, after, scorer, before)
    if read is None:
        return None
    model = hole_scorer(cast("Scorer | None", scorer))
    sure = _U8B5_SURE_WORDS if model is None or word_list_scorer(model) else _U8B5_SURE
    text = "".join(_LOST if m < sure else c for c, m in zip(*read, strict=True))
    if not text.strip(_LOST):
        return None
    return Filled(text, (), run.count(_LOST), read[0])


def _u8b5_read(run: str, after: str, scorer: object | None, before: str) -> tuple[str, list[float]] | None:
    """The best reading of ``run`` and each character's margin (inf: the only one that fits)."""
    if _LOST not in run:
        return None
    scorer = cast("object | None", hole_scorer(cast("Scorer | None", scorer)))
    follow = after[:1].encode("utf-8")[:1] if after[:1].isascii() and after[:1] else b"\n"
    alive = _u8b5_alive(run, follow[0])
    if _U8B5_NONE not in alive[0]:
        return None
    chars = _u8b5_vocab()[0]
    width = getattr(scorer, "context", 4) if scorer is not None else 4
    width = width if isinstance(width, int) else 4
    script = detect_script(before + after)
    n = len(run)
    leans = _u8b5_leans()
    # What reaches each position: (scores, the reading extended, its characters, move) per
    # move, materialised as readings only for the best of them when the position is reached.
    arriving: list[list[tuple[NDArray[np.float64], _U8B5Hyp, tuple[int, ...], tuple[int, int, str, int]]]] = [
        [] for _ in range(n + 1)
    ]
    start_hyp = _U8B5Hyp(0.0, _U8B5_NONE, "", ())
    settled: list[list[_U8B5Hyp]] = [[] for _ in range(n + 1)]
    lm_cache: dict[tuple[str, int, int], NDArray[np.float64]] = {}
    ends: list[_U8B5Hyp] = []
    for pos in range(n + 1):
        beam = _u8b5_settle(arriving[pos], chars, leans, width) if pos else [start_hyp]
        arriving[pos] = []
        settled[pos] = beam
        if pos == n:
            ends.extend(h for h in beam if h.state == _U8B5_NONE)
            break
        for hyp in beam:
            if pos == n - 1 and hyp.state in alive[n - 1] and hyp.state != _U8B5_NONE and run[-1] == _LOST:
                ends.append(hyp)  # the pending byte is the run's last lost byte
            # Every move from here, the model's scores of all their characters in one call.
            groups = [
                (k, nxt, _u8b5_options(scorer, hyp.state, run[pos : pos + k], nxt))
                for k in (1, 2, 3)
                if pos + k <= n
                for nxt in _u8b5_moves(hyp.state, run[pos : pos + k])
                if nxt in alive[pos + k]
            ]
            if not groups:
                continue
            idx = np.array([i for _, _, options in groups for i in options], dtype=np.intp)
            ctx = (before + hyp.text)[-width:] if width else ""
            if scorer is None:
                lm = np.zeros(len(idx))
            else:
                lm = lm_cache.get((ctx, hyp.state, pos))  # type: ignore[assignment]
                if lm is None:
                    got = cast("Scorer", scorer).compare(ctx, [chars[i] for i in idx.tolist()], "")
                    lm = lm_cache[(ctx, hyp.state, pos)] = np.array(got, dtype=np.float64)
            # The reading keeps to one script: the context's, or its own so far.
            own = (
                script
                if script in ("simplified", "traditional")
                else _SCRIPTS[(hyp.lean > 0) - (hyp.lean < 0)]
            )
            totals = hyp.score + lm + _u8b5_extras(own)[idx]
            start = 0
            for k, nxt, options in groups:
                arriving[pos + k].append(
                    (
                        totals[start : start + len(options)],
                        hyp,
                        options,
                        (pos, hyp.state, run[pos : pos + k], nxt),
                    )
                )
                start += len(options)
    if not ends:
        return None
    right = after[:width] if after[:1].strip() else ""
    if right and scorer is not None:
        for h in ends:
            h.score += cast("Scorer", scorer).compare((before + h.text)[-width:], [right], "")[0]
    ends.sort(key=lambda h: -h.score)
    best = ends[0]
    # Each end's characters by where they were read from: a character of the best reading is
    # only as sure as the best reading without it (another character there, or another
    # alignment of the bytes) is unlikelier.
    placed = [{(m[0], c) for m, c in zip(h.moves, h.text, strict=True)} for h in ends[1:]]
    # The positions where the best reading's characters end, and its score there.
    bounds = [m[0] for m in best.moves[1:]] + [n]
    margins = []
    for i, (pos, state, emitted, nxt) in enumerate(best.moves):
        options = _u8b5_options(scorer, state, emitted, nxt)
        local = (
            math.inf
            if len(options) < 2
            else _u8b5_margin(scorer, options, best.text, i, before, right, script, width)
        )
        rival = next(
            (h.score for h, p in zip(ends[1:], placed, strict=True) if (pos, best.text[i]) not in p), None
        )
        margin = min(local, math.inf if rival is None else best.score - rival)
        # Where the character ends, the best reading against the best other reading of this
        # place that the search still held there (the final readings have mostly lost them).
        if i < len(bounds):
            q = bounds[i]
            mine = next((h for h in settled[q] if h.text == best.text[: i + 1]), None)
            other = next((h.score for h in settled[q] if not _u8b5_has(h, pos, best.text[i])), None)
            if mine is not None and other is not None:
                margin = min(margin, mine.score - other)
        margins.append(margin)
    if scorer is None or word_list_scorer(cast("Scorer", scorer)):
        # A character that lost a byte fits what was seen only given where its neighbours'
        # bytes end (the byte pending before it, the byte after it): with the default model it
        # is read no surer than they are. Bench encoding's cases of seed 7 (100): characters
        # with one byte lost written 7.4% of the time and 63% right of those, 1.3% and 91% with
        # this; with a model of running text (in-domain, 300 cases) the written characters were
        # 98.3% right without it, and it would cut them from 54% of all characters to 36%.
        lost = _u8b5_lost(best.text)
        raw = list(margins)
        for i, k in enumerate(lost):
            if k:
                margins[i] = min(raw[max(0, i - 1) : i + 2])
    return best.text, margins


def _u8b5_lost(text: str) -> list[int]:
    """How many of each character's bytes the Big5 decoder loses in ``text`` (a pending byte
    lost at the end included)."""
    lost = [0] * len(text)
    state, owner = _U8B5_NONE, 0
    for i, ch in enumerate(text):
        for b in ch.encode("utf-8"):
            if state != _U8B5_NONE:
                if _big5_pair(state, b):
                    state = _U8B5_NONE
                    continue
                lost[owner] += 1
            state, owner = (b, i) if b >= 0x80 else (_U8B5_NONE, owner)
    if state != _U8B5_NONE:
        lost[owner] += 1
    return lost


def _u8b5_has(hyp: _U8B5Hyp, pos: int, c: str) -> bool:
    """Whether ``hyp`` reads ``c`` from position ``pos`` of the run."""
    return any(m[0] == pos and t == c for m, t in zip(hyp.moves, hyp.text, strict=True))


def _u8b5_settle(
    arriving: list[tuple[NDArray[np.float64], _U8B5Hyp, tuple[int, ...], tuple[int, int, str, int]]],
    chars: tuple[str, ...],
    leans: NDArray[np.int64],
    width: int,
) -> list[_U8B5Hyp]:
    """The best ``_U8B5_BEAM`` readings among those arriving at a position, one per pending state
    and model context (the rest of the search cannot tell such readings apart)."""
    if not arriving:
        return []
    scores = np.concatenate([a[0] for a in arriving])
    owner = np.repeat(np.arange(len(arriving)), [len(a[0]) for a in arriving])
    offset = np.concatenate([[0], np.cumsum([len(a[0]) for a in arriving])[:-1]])
    # Recombination may merge a few: a margin of readings to pick from.
    order = np.argsort(-scores, kind="stable")[: 4 * _U8B5_BEAM]
    kept: dict[tuple[int, str], _U8B5Hyp] = {}
    for r in order.tolist():
        o = int(owner[r])
        _, hyp, options, move = arriving[o]
        i = options[r - int(offset[o])]
        text = hyp.text + chars[i]
        slot = (move[3], text[-width:] if width else "")
        if slot in kept:
            continue  # a better reading with the same future came first
        kept[slot] = _U8B5Hyp(float(scores[r]), move[3], text, (*hyp.moves, move), hyp.lean + int(leans[i]))
        if len(kept) == _U8B5_BEAM:
            break
    return list(kept.values())


_SCRIPTS = {1: "traditional", -1: "simplified", 0: "none"}


@functools.cache
def _u8b5_leans() -> NDArray[np.int64]:
    """+1 for each vocabulary character only traditional text has, -1 for simplified only."""
    return np.array([t - s for t, s in map(script_counts, _u8b5_vocab()[0])], dtype=np.int64)


@functools.lru_cache(maxsize=8)
def _u8b5_extras(script: str) -> NDArray[np.float64]:
    """:func:`_u8b5_extra` of every character of the vocabulary. With no script known yet a
    hair's breadth for simplified characters, so that a tie between script variants (the model
    reads a folded view) goes one way and the reading keeps to it."""
    out = np.array([_u8b5_extra(c, script) for c in _u8b5_vocab()[0]], dtype=np.float64)
    if script not in _SCRIPTS.values() or script == "none":
        out -= 0.01 * (_u8b5_leans() > 0)
    return out


def _u8b5_extra(c: str, script: str) -> float:
    """Priors beyond the model: the uncommon-character prior, and the script: a character of
    the other script than the context's costs 4 nats (the reading's own, see _u8b5_read)."""
    return uncommon_prior(c) + _script_prior(c, script)


def _u8b5_margin(
    scorer: object | None,
    options: tuple[int, ...],
    text: str,
    i: int,
    before: str,
    right: str,
    script: str,
    width: int,
) -> float:
    """How much better ``text[i]`` scores than the best other character of the same move, with
    the chosen characters on both sides as context (its script variants aside: the model reads
    a folded view and cannot tell them apart)."""
    from textmend.cjk import fold_script

    chars = _u8b5_vocab()[0]
    c = text[i]
    others = [chars[j] for j in options if chars[j] != c and fold_script(chars[j]) != fold_script(c)]
    if not others:
        return math.inf
    left = (before + text[:i])[-width:]
    tail = (text[i + 1 :] + right)[:width]
    cands = [c, *others]
    if scorer is None:
        got = [0.0] * len(cands)
    else:
        got = cast("Scorer", scorer).compare(left, cands, tail)
    scores = [g + _u8b5_extra(x, script) for g, x in zip(got, cands, strict=True)]
    return scores[0] - max(scores[1:])
