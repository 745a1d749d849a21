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

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textmend.repair._codecs import decode_cp936, encode_cp936, uncommon_prior
from textmend.repair._codecs_gbkdamage import gbk_char


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


def _big5_pair(lead: int, trail: int) -> bool:
    try:
        return len(bytes((lead, trail)).decode("big5")) == 1
    except UnicodeDecodeError:
        return False


READERS = {
    # cp936 reads 0x80 as the euro sign, so it is never lost.
    "cp936": _Reader(encode_cp936, decode_cp936, lambda a, b: gbk_char(a, b) is not None, range(0x81, 0xFF)),
    "big5": _Reader(
        _encode_big5, lambda d: d.decode("big5", errors="replace"), _big5_pair, range(0x80, 0xFF)
    ),
}

MARKS = "?\ufffd"
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


def _starts_char(b: int) -> bool:
    return b < 0x80 or 0xC2 <= b <= 0xF4


def _allowed(mark: str, nxt: int | None, codec: str, reader: _Reader) -> list[int]:
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
    return values


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
    filling decodes in ``codec`` and, read again as ``seen_as``, gives back ``run``.

    >>> from textmend.repair._codecs import decode_cp936
    >>> bad = decode_cp936("第一条".encode("utf-8"))
    >>> bad
    '绗\ufffd涓€鏉\ufffd'
    >>> filled = fill(bad, "", None)  # no model: the common-character prior alone
    >>> filled.text[:2], filled.holes, len(filled.guessed)
    ('第一', 2, 2)
    """
    reader = READERS[seen_as]
    template: list[int | None] = []
    marks: list[str] = []
    for ch in run:
        if ch in MARKS:
            template.append(None)
            marks.append(ch)
            continue
        b = reader.encode(ch)
        if b is None:
            return None
        template.extend(b)
    if not marks:
        return None
    # The character after the run decides whether a final lost byte could pair with it; at the
    # end of the text a lone lead byte is lost too, as before a newline.
    suffix = after[:1] if after[:1] and reader.encode(after[:1]) else "\n"
    suffix_bytes = reader.encode(suffix) or b"\n"
    follow = suffix_bytes[0]
    chunks = _chunks(template) if codec == "utf-8" else _double_byte_units(template)
    # Readings per chunk: hole-free chunks have exactly one.
    readings: list[list[tuple[bytes, str]]] = []
    mark_iter = iter(marks)
    for lo, hi in chunks:
        piece = template[lo:hi]
        hole_marks = [next(mark_iter) for b in piece if b is None]
        options = _chunk_readings(
            piece, hole_marks, template[hi] if hi < len(template) else follow, codec, reader
        )
        if not options:
            return None
        readings.append(options)
    chosen, guessed = _choose(readings, before, after, scorer)
    data = b"".join(b for b, _ in chosen)
    # The whole reading must damage back to the run exactly (the chunk checks were local).
    again = reader.decode(data + suffix_bytes)
    mark_iter = iter(marks)
    if "".join(next(mark_iter, "?") if c == "\ufffd" else c for c in again) != run + suffix:
        return None
    return Filled("".join(t for _, t in chosen), tuple(guessed), len(marks))


# A beam over consecutive uncertain chunks: two lost characters side by side (第二 in
# ``鈥傜��浜�``) must be chosen together, each as the other's context.
_BEAM = 24
_Part = tuple[bytes, str, bool]  # bytes, text, chosen among several readings


def _choose(
    readings: list[list[tuple[bytes, str]]], before: str, after: str, scorer: object | None
) -> tuple[list[tuple[bytes, str]], list[str]]:
    """The reading of every chunk, and the characters chosen without a clear margin.

    Chunks with one reading are fixed; a group of uncertain chunks (and up to ``_CONTEXT``
    fixed characters after the last of them, their right context) is decided by a beam scored
    with the model, character by character, then committed.
    """
    chosen: list[tuple[bytes, str]] = []
    guessed: list[str] = []
    beam: list[tuple[float, list[_Part]]] = [(0.0, [])]
    open_group = False
    since = 0

    def tail(parts: list[_Part]) -> str:
        return (before + "".join(t for _, t in chosen[-_CONTEXT:]) + "".join(t for _, t, _ in parts))[
            -_CONTEXT:
        ]

    def extend(options: list[tuple[bytes, str]], uncertain: bool) -> None:
        nonlocal beam
        grown: list[tuple[float, list[_Part]]] = []
        texts = [t for _, t in options]
        priors = [uncommon_prior(t) for t in texts]  # the same for every state of the beam
        for score, parts in beam:
            left = tail(parts)
            lm = scorer.compare(left, texts, "") if scorer is not None else [0.0] * len(texts)  # type: ignore[attr-defined]
            variants = _variant_penalties(texts, left) if uncertain else [0.0] * len(texts)
            for (data, text), gain, variant, prior in zip(options, lm, variants, priors, strict=True):
                grown.append((score + gain + variant + prior, [*parts, (data, text, uncertain)]))
        grown.sort(key=lambda g: g[0], reverse=True)
        beam = grown[:_BEAM]

    def commit() -> None:
        nonlocal beam, open_group
        if scorer is not None and len(beam) > 1:
            beam = _rerank_words(beam, before + "".join(t for _, t in chosen))
        best_score, best = beam[0]
        picks = [t for _, t, u in best if u]
        rival = next((sc for sc, parts in beam[1:] if [t for _, t, u in parts if u] != picks), None)
        if rival is not None and best_score - rival < SURE_MARGIN:
            guessed.extend(picks)
        chosen.extend((d, t) for d, t, _ in best)
        beam, open_group = [(0.0, [])], False

    for options in readings:
        if len(options) > 1:
            extend(options, True)
            open_group, since = True, 0
        elif open_group:
            extend(options, False)
            since += len(options[0][1])
            if since >= _CONTEXT:
                commit()
        else:
            chosen.append(options[0])
    if open_group:
        right = after[: max(0, _CONTEXT - since)]
        if right.strip() and scorer is not None:
            extend([(b"", right)], False)
        commit()
        if right.strip() and scorer is not None:
            chosen.pop()  # the right context was only scored, it is not part of the run
    return chosen, guessed


_RERANK = 8


def _rerank_words(beam: list[tuple[float, list[_Part]]], left: str) -> list[tuple[float, list[_Part]]]:
    """Add the word component (jieba's dictionary) to the best few readings of a group: the
    character model alone confuses near-homographs such as 别擦/刮擦 that only words tell apart.
    Too slow for every state of the beam, cheap for a handful."""
    from textmend.lm.model import WORD_WEIGHT
    from textmend.lm.words import word_logprob

    ctx = left[-_CONTEXT:]
    top = [
        (score + WORD_WEIGHT * word_logprob(ctx + "".join(t for _, t, _ in parts)), parts)
        for score, parts in beam[:_RERANK]
    ]
    top.sort(key=lambda g: g[0], reverse=True)
    return top


def _variant_penalties(texts: list[str], left: str) -> list[float]:
    """Break the model's ties between script variants (术/朮: the model scores a folded view,
    so both read alike): the variant in the script of the context wins."""
    from textmend.cjk import fold_script

    folded = [fold_script(t) for t in texts]
    if len(set(folded)) == len(folded):
        return [0.0] * len(texts)
    simplified = fold_script(left) == left
    return [(-1.0 if (f != t) == simplified else 0.0) for t, f in zip(texts, folded, strict=True)]


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
    for k, i in enumerate(holes):
        nxt = piece[i + 1] if i + 1 < len(piece) else follow
        choices.append(_allowed(marks[k], nxt, codec, reader))
    if math.prod(map(len, choices)) > _MAX_COMBOS:
        return []
    out: dict[str, bytes] = {}
    buf = list(piece)
    for combo in itertools.product(*choices):
        for i, v in zip(holes, combo, strict=True):
            buf[i] = v
        data = bytes(buf)  # type: ignore[arg-type]
        # Joint check of adjacent lost bytes: the first must not pair with the second.
        if any(
            holes[k] + 1 == holes[k + 1] and reader.pair(combo[k], combo[k + 1])
            for k in range(len(holes) - 1)
        ):
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if text.isprintable():
            out.setdefault(text, data)
    return [(d, t) for t, d in out.items()]
