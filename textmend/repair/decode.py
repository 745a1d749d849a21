"""Bytes -> text, per span: a UTF-8 fast path, then a per-line fallback for legacy encodings.

Whole-file detectors fail on documents that mix encodings line by line, so a file that is not
valid UTF-8 is decoded one line at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

from textmend.errors import InputError

# Order matters: GB18030 accepts almost any byte pair, so Big5 is tried first only when the
# line decodes as Big5 and not as GB18030 (see _decode_line).
_FALLBACKS = ("gb18030", "big5")


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


def _decode_line(line: bytes) -> tuple[str, str]:
    try:
        return line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for enc in _FALLBACKS:
        try:
            return line.decode(enc), enc
        except UnicodeDecodeError:
            continue
    # Nothing fits: keep every byte visible and reversible rather than dropping it.
    return line.decode("utf-8", errors="surrogateescape"), "utf-8+surrogateescape"


def decode_bytes(data: bytes, source: str = "<bytes>") -> Decoded:
    """Decode ``data``; raise :class:`InputError` for binary input.

    >>> decode_bytes("中文".encode("utf-8")).text
    '中文'
    >>> decode_bytes("中文\\n".encode("utf-8") + "繁體".encode("big5")).encodings
    ['big5', 'utf-8']
    """
    if looks_binary(data):
        raise InputError(source, "binary file (contains NUL bytes), not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        return Decoded(text, (Segment(0, len(text), "utf-8"),) if text else ())
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for line in data.splitlines(keepends=True):
        piece, enc = _decode_line(line)
        parts.append(piece)
        if segments and segments[-1].encoding == enc:
            last = segments[-1]
            segments[-1] = Segment(last.start, pos + len(piece), enc)
        else:
            segments.append(Segment(pos, pos + len(piece), enc))
        pos += len(piece)
    return Decoded("".join(parts), tuple(segments))
