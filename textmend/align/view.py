"""The normalised view two texts are aligned on, with a map back to original code points.

Folds only decide *what lines up*; they never hide a difference. Every view character comes
from exactly one original character (``offsets[i]``), and characters a fold drops (whitespace,
digits, pinyin ruby, ``?`` runs) simply have no view character. The pairwise aligner reports
every original difference, also those inside folded stretches, so folding changes which
characters are paired, never what the report says A and B contain.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from textmend.cjk import RUBY_RE, fold_script, fold_width
from textmend.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Folds:
    """Which folds build the matching view (all switchable; see reports.md §2).

    ``whitespace``: drop spaces and line breaks. ``width``: fullwidth forms to ASCII.
    ``script``: traditional to simplified, one character each. ``digits``: drop ASCII and
    fullwidth digits (lost numbers then do not break alignment). ``corruption``: drop pinyin
    ruby ``(yōu)`` and runs of ``?`` (masks of lost bytes). ``nfc``: compose where that keeps
    one character per character.
    """

    whitespace: bool = True
    width: bool = True
    script: bool = False
    digits: bool = False
    corruption: bool = True
    nfc: bool = True

    def to_dict(self) -> dict[str, bool]:
        return {
            "whitespace": self.whitespace,
            "width": self.width,
            "script": self.script,
            "digits": self.digits,
            "corruption": self.corruption,
            "nfc": self.nfc,
        }

    @classmethod
    def from_options(cls, **options: object) -> Folds:
        known = set(cls.__dataclass_fields__)
        bad = sorted(set(options) - known)
        if bad:
            raise ConfigError(f"unknown fold option(s): {', '.join(bad)} (known: {', '.join(sorted(known))})")
        return cls(**{k: bool(v) for k, v in options.items()})


@dataclass(frozen=True, slots=True)
class View:
    """``text`` is the folded view; ``offsets[i]`` is the original index of ``text[i]``.

    ``breaks`` are the view indices ``i > 0`` where ``offsets[i] != offsets[i - 1] + 1`` (a fold
    dropped something there): between breaks the view maps onto one contiguous original slice.
    """

    text: str
    offsets: tuple[int, ...]
    original_length: int
    breaks: tuple[int, ...] = ()


_QMARK_RUN = r"\?+"
# A ruby is a parenthesised pinyin syllable right after a Han character (or after a '?', where
# the seed's straddled rubies sit); '(WTO)' or '(a)' after Latin text are ordinary text.
_RUBY_AFTER_HAN = rf"(?<=[\u3400-\u9fff\uf900-\ufaff?])(?:{RUBY_RE.pattern})"
_COMBINING_RE = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]")
_DIGITS = "0-9\uff10-\uff19"


@functools.cache
def _drop_re(folds: Folds) -> re.Pattern[str] | None:
    parts = []
    if folds.corruption:
        parts += [_RUBY_AFTER_HAN, _QMARK_RUN]
    if folds.whitespace:
        parts.append(r"\s+")
    if folds.digits:
        parts.append(f"[{_DIGITS}]+")
    return re.compile("|".join(parts)) if parts else None


def build_view(text: str, folds: Folds) -> View:
    """The folded view of ``text`` and its offset map into ``text``.

    Runs in C-level regex and slicing steps (no per-character Python loop) unless the text
    holds combining marks and NFC is on.
    """
    drop = _drop_re(folds)
    pieces: list[str] = []
    offsets: list[int] = []
    breaks: list[int] = []
    pos = 0

    def keep(start: int, end: int) -> None:
        if offsets and offsets[-1] + 1 != start:
            breaks.append(len(offsets))
        pieces.append(text[start:end])
        offsets.extend(range(start, end))

    if drop is not None:
        for m in drop.finditer(text):
            if m.start() > pos:
                keep(pos, m.start())
            pos = max(pos, m.end())
    if pos < len(text):
        keep(pos, len(text))
    view = "".join(pieces)
    if folds.nfc and _COMBINING_RE.search(view):
        view, offsets = _compose(view, offsets)
        breaks = [i for i in range(1, len(offsets)) if offsets[i] != offsets[i - 1] + 1]
    if folds.width:
        view = fold_width(view)
    if folds.script:
        view = fold_script(view)
    return View(view, tuple(offsets), len(text), tuple(breaks))


def _compose(view: str, offsets: list[int]) -> tuple[str, list[int]]:
    """NFC-compose a base character with the combining marks after it when that yields one
    character; the composed character keeps the base's offset and the marks leave the view."""
    chars: list[str] = []
    offs: list[int] = []
    i, n = 0, len(view)
    while i < n:
        j = i + 1
        while j < n and offsets[j] == offsets[j - 1] + 1 and unicodedata.combining(view[j]):
            j += 1
        composed = unicodedata.normalize("NFC", view[i:j]) if j > i + 1 else view[i]
        if len(composed) == 1:
            chars.append(composed)
            offs.append(offsets[i])
        else:
            chars.append(view[i])
            offs.append(offsets[i])
            j = i + 1
        i = j
    return "".join(chars), offs
