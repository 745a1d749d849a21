"""Bytes -> text, per span: a UTF-8 fast path, then a per-line choice among candidate readings.

Whole-file detectors fail on documents that mix encodings line by line, so a file that is not
valid UTF-8 is decoded one line at a time. A line usually decodes without error in several
codecs (GB18030 accepts almost any byte pair, and most Big5 lines are also valid GBK), so each
strict decoding is a candidate and the one with the fewest implausible characters wins: a wrong
codec produces characters outside the common set of :mod:`._codecs` (rare hanzi, kana, Cyrillic),
the right one almost never does. A line that is mostly UTF-8 with a few stray bytes is also
tried as UTF-8 with its bad runs decoded as a legacy codec, or kept as escaped bytes
(``surrogateescape``) so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from textmend.errors import InputError
from textmend.repair._codecs import common_chars
from textmend.repair._codecs_lm import get_scorer

# Legacy codecs tried on a line, in tie-break order (name in Segment.encoding, Python codec).
# GBK before GB18030: the same text where both decode; GB18030 only adds four-byte forms.
_LEGACY: tuple[tuple[str, str], ...] = (("gbk", "gbk"), ("big5", "big5"), ("gb18030", "gb18030"))
_ESCAPED = "utf-8+surrogateescape"
# A byte kept escaped is worse evidence than a rare character: it means no codec placed it.
_ESCAPE_COST = 3


@dataclass(frozen=True, slots=True)
class Segment:
    """``text[start:end]`` was decoded from the input with ``encoding``."""

    start: int
    end: int
    encoding: str


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    segments: tuple[Segment, ...]

    @property
    def encodings(self) -> list[str]:
        return sorted({s.encoding for s in self.segments})


def looks_binary(data: bytes) -> bool:
    """NUL bytes never occur in text of the encodings we read (UTF-16 is not supported)."""
    return b"\x00" in data[:65536] or (len(data) > 65536 and b"\x00" in data)


def implausibility(text: str) -> int:
    """How many characters of ``text`` a correct decoding of Chinese would hardly produce.

    >>> implausibility("繁體中文測試"), implausibility("繁體中文測試".encode("big5").decode("gbk")) > 0
    (0, True)
    """
    common = common_chars()
    cost = 0
    for ch in text:
        if ch in common or ch.isspace():
            continue
        if "\udc80" <= ch <= "\udcff" or ch == "\ufffd":
            cost += _ESCAPE_COST
        elif ch.isalpha() or not ch.isprintable():
            cost += 1
    return cost


def _candidates(line: bytes) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(whole text, [(piece, encoding)...]) readings of one line that is not valid UTF-8."""
    for name, codec in _LEGACY:
        try:
            text = line.decode(codec)
        except UnicodeDecodeError:
            continue
        yield text, [(text, name)]
    yield from _utf8_with_patches(line)


def _utf8_with_patches(line: bytes) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """UTF-8 where it is valid; each invalid stretch as a legacy codec if one reads it, else
    kept as escaped bytes (a file mixing encodings inside a line, or a stray byte)."""
    pieces: list[tuple[str, str]] = []
    patched: list[tuple[str, str]] = []
    pos = 0
    while pos < len(line):
        try:
            text = line[pos:].decode("utf-8")
            pieces.append((text, "utf-8"))
            patched.append((text, "utf-8"))
            break
        except UnicodeDecodeError as err:
            good = line[pos : pos + err.start].decode("utf-8")
            if good:
                pieces.append((good, "utf-8"))
                patched.append((good, "utf-8"))
            bad_start = pos + err.start
        # The invalid stretch runs to the next ASCII byte: legacy CJK bytes are all >= 0x80 in
        # lead position, and ASCII resynchronises every codec we read.
        bad_end = bad_start
        while bad_end < len(line) and line[bad_end] >= 0x80:
            bad_end += 1
        bad_end = max(bad_end, bad_start + 1)
        raw = line[bad_start:bad_end]
        pieces.append((raw.decode("utf-8", errors="surrogateescape"), _ESCAPED))
        patched.append(_best_patch(raw))
        pos = bad_end
    yield "".join(p for p, _ in pieces), pieces
    if patched != pieces:
        yield "".join(p for p, _ in patched), patched


def _best_patch(raw: bytes) -> tuple[str, str]:
    options: list[tuple[int, int, str, str]] = []
    for rank, (name, codec) in enumerate(_LEGACY):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        options.append((implausibility(text), rank, text, name))
    if not options:
        return raw.decode("utf-8", errors="surrogateescape"), _ESCAPED
    _, _, text, name = min(options)
    return text, name


# Candidates whose implausibility is within this of the best go to the language model.
_NEAR = 1
# A reading in the document's majority codec is kept unless another is this much likelier
# (nats): a file is rarely re-encoded line by line, and short lines give the model little.
_MAIN_BONUS = 6.0

# (pieces, model score or None) best first.
_Options = list[tuple[list[tuple[str, str]], float | None]]


def _decode_line(line: bytes, legacy_context: bool) -> _Options:
    """The plausible readings of one line, best first (see :func:`decode_bytes`)."""
    try:
        text = line.decode("utf-8")
        # In a file that is not UTF-8, a short legacy line can be valid UTF-8 by chance
        # (GBK 效应 = D0A7 D3A6 = UTF-8 ЧӦ): such a reading shows odd characters.
        if not legacy_context or implausibility(text) == 0:
            return [([(text, "utf-8")], None)]
        candidates = [(text, [(text, "utf-8")]), *_candidates(line)]
    except UnicodeDecodeError:
        candidates = list(_candidates(line))
    scored = [(implausibility(text), rank, text, pieces) for rank, (text, pieces) in enumerate(candidates)]
    best_cost = min(c for c, _, _, _ in scored)
    near = sorted((c for c in scored if c[0] <= best_cost + _NEAR), key=lambda c: (c[0], c[1]))
    distinct: dict[str, list[tuple[str, str]]] = {}
    for _, _, text, pieces in near:
        distinct.setdefault(text, pieces)
    scorer = get_scorer()
    if len(distinct) == 1 or scorer is None:
        return [(pieces, None) for pieces in distinct.values()]
    # A wrong codec still yielding common characters (Big5 關廠 read as GBK 闽紅) reads as
    # nonsense to the model: short lines are where the character counts cannot tell.
    options = [(pieces, scorer.logprob(_for_model(text))) for text, pieces in distinct.items()]
    return sorted(options, key=lambda o: -(o[1] or 0.0))


def _for_model(text: str) -> str:
    # Escaped bytes are lone surrogates, which the model cannot take: score them as U+FFFD.
    return _SURROGATES.sub("\ufffd", text.strip())


_SURROGATES = re.compile("[\udc80-\udcff]")


def _decided_codec(options: _Options) -> str | None:
    """The legacy codec of a line decided without doubt (one plausible reading, or a model
    margin of at least the bonus), else None."""
    if len(options) > 1:
        first, second = options[0][1], options[1][1]
        if first is None or second is None or first - second < _MAIN_BONUS:
            return None
    weight: dict[str, int] = {}
    for piece, enc in options[0][0]:
        if enc not in ("utf-8", _ESCAPED):
            weight[enc] = weight.get(enc, 0) + len(piece)
    return max(weight, key=lambda k: weight[k]) if weight else None


def _neighbour_codecs(lines: list[_Options]) -> list[str | None]:
    """For each line, the codec of the nearest line decided without doubt (the previous one
    on a tie): files mixing encodings do so in stretches (pasted pages, appended parts), so
    a line in doubt leans towards its neighbours, not towards the whole file's majority."""
    decided = [_decided_codec(o) for o in lines]
    before: list[tuple[int, str] | None] = []
    last: tuple[int, str] | None = None
    for i, codec in enumerate(decided):
        if codec is not None:
            last = (i, codec)
        before.append(last)
    out: list[str | None] = [None] * len(lines)
    nxt: tuple[int, str] | None = None
    for i in range(len(lines) - 1, -1, -1):
        if decided[i] is not None:
            nxt = (i, decided[i])  # type: ignore[assignment]
        prev = before[i]
        if prev is not None and (nxt is None or i - prev[0] <= nxt[0] - i):
            out[i] = prev[1]
        elif nxt is not None:
            out[i] = nxt[1]
    return out


def _settle(options: _Options, main: str | None) -> list[tuple[str, str]]:
    best, best_score = options[0]
    for pieces, score in options:
        if any(enc == main for _, enc in pieces):
            if best_score is None or score is None or score >= best_score - _MAIN_BONUS:
                return pieces
            break
    return best


def decode_bytes(data: bytes, source: str = "<bytes>", *, start: bool = True) -> Decoded:
    """Decode ``data``; raise :class:`InputError` for binary input.

    ``start`` says ``data`` begins its file, so a UTF-8 byte order mark there is dropped; a
    later piece of a file read in parts keeps those bytes (U+FEFF inside a text is content).

    >>> decode_bytes("中文".encode("utf-8")).text
    '中文'
    >>> decode_bytes("中文\\n".encode("utf-8") + "繁體".encode("big5")).encodings
    ['big5', 'utf-8']
    """
    if looks_binary(data):
        raise InputError(source, "binary file (contains NUL bytes), not text")
    if start and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        return Decoded(text, (Segment(0, len(text), "utf-8"),) if text else ())
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    segments: list[Segment] = []
    pos = 0
    # Lines whose readings tie (a few characters, all plausible either way) follow the codec
    # their neighbours were decided in.
    lines = [_decode_line(line, True) for line in data.splitlines(keepends=True)]
    for options, main in zip(lines, _neighbour_codecs(lines), strict=True):
        for piece, enc in _settle(options, main):
            if not piece:
                continue
            parts.append(piece)
            if segments and segments[-1].encoding == enc:
                last = segments[-1]
                segments[-1] = Segment(last.start, pos + len(piece), enc)
            else:
                segments.append(Segment(pos, pos + len(piece), enc))
            pos += len(piece)
    return Decoded("".join(parts), tuple(segments))
