"""The matching view: what two copies of one text have in common after web damage.

Folding (all one code point to one, or dropping): pinyin ruby spans, fullwidth forms to ASCII,
traditional to simplified (single characters), ASCII letters to lower case; then only Han
characters, letters and digits stay. Punctuation, whitespace and corruption marks (``?``, ``^``)
disappear, which is what lets the two differently damaged copies of seed 003 and a
traditional/simplified pair produce the same shingles. ``offsets[i]`` is the code point index in
the original text of view character ``i``.

Batches are folded with numpy lookup tables over code points, so the per-character cost stays
in C; only the ruby search is a regex, run once over the joined batch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textmend.cjk import PINYIN_LETTERS, RUBY_RE, fold_width

_MAX_CP = 0x110000

# The byte damage in the seeds eats the "(" of a ruby and leaves "?shù)" (seed-damage.md).
_DAMAGED_RUBY_RE = re.compile(rf"(?<=\?)[{PINYIN_LETTERS}]{{1,7}}[1-5]?\)")


@functools.cache
def _tables(fold_script: bool) -> np.ndarray:
    """Code point -> folded code point over all of Unicode, 0 for a code point the view drops.

    One table (not a fold table and a keep mask) so folding a batch is a single gather; 0 is a
    safe marker because NUL is never kept.
    """
    from textmend.cjk import _fold_table

    fold = np.arange(_MAX_CP, dtype=np.uint32)
    wide = np.arange(0xFF01, 0xFF5F, dtype=np.uint32)
    fold[wide] = np.array([ord(fold_width(chr(c))) for c in wide.tolist()], dtype=np.uint32)
    upper = np.arange(ord("A"), ord("Z") + 1)
    fold[upper] = upper + 32
    if fold_script:
        for src, dst in _fold_table().items():
            fold[src] = dst
        # Fullwidth letters fold to ASCII first; lower-case them too.
        fold[wide] = fold[fold[wide]]
    keep = np.zeros(_MAX_CP, dtype=bool)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF)):
        keep[lo : hi + 1] = True
    keep[ord("0") : ord("9") + 1] = True
    keep[ord("a") : ord("z") + 1] = True
    # Keep depends on the folded character, so fullwidth digits/letters survive too.
    keep = keep[fold]
    fold[~keep] = 0
    fold.flags.writeable = False
    return fold


@functools.cache
def _ruby_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Han, pinyin letter, may follow the opening parenthesis of a ruby): bool per code point."""
    from textmend.cjk import _HAN_RANGES

    han = np.zeros(_MAX_CP, dtype=bool)
    for lo, hi in _HAN_RANGES:
        han[lo : hi + 1] = True
    # Every letter of the class is in the BMP; testing the class itself keeps the two in step.
    letter_re = re.compile(f"[{PINYIN_LETTERS}]")
    pinyin = np.zeros(_MAX_CP, dtype=bool)
    pinyin[[cp for cp in range(0x10000) if letter_re.match(chr(cp))]] = True
    after_open = pinyin.copy()
    after_open[[ord(" "), ord("\t"), 0x3000]] = True
    return han, pinyin, after_open


def _ruby_spans(text: str, raw: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Spans of pinyin ruby to drop: a parenthesised syllable right after a Han character,
    or the damaged ``?shù)`` form.

    Why match at candidate positions: scanning a whole batch with the regex costs ~36 ns per
    character. numpy keeps only the parentheses with a Han character before them and a pinyin
    letter (or a space) after them, and the ``?`` followed by a pinyin letter, which the regexes
    need anyway; Chinese legal text is full of ``（一）``, which then never reaches Python.
    """
    if raw is None:
        raw = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    han, pinyin, after_open = _ruby_tables()
    last = len(raw) - 1
    spans = []
    opens = np.flatnonzero((raw == 0x28) | (raw == 0xFF08))
    opens = opens[(opens > 0) & (opens < last)]
    opens = opens[han[raw[opens - 1]] & after_open[raw[opens + 1]]]
    for pos in opens.tolist():
        m = RUBY_RE.match(text, pos)
        if m:
            spans.append(m.span())
    marks = np.flatnonzero(raw == 0x3F)
    marks = marks[marks < last]
    for pos in marks[pinyin[raw[marks + 1]]].tolist():
        m = _DAMAGED_RUBY_RE.match(text, pos + 1)
        if m:
            spans.append(m.span())
    return spans


@dataclass(frozen=True, slots=True)
class ViewBatch:
    """The matching views of a batch of texts, concatenated.

    ``cps[starts[k]:starts[k+1]]`` are the folded code points of text ``k``. ``kept`` marks, over
    the concatenated original texts (text ``k`` at ``doc_starts[k]``), the code points the view
    keeps; :attr:`offsets` and :meth:`doc_offsets` derive the map back from it on demand, since
    document dedup never needs it.
    """

    cps: np.ndarray
    starts: np.ndarray
    kept: np.ndarray
    doc_starts: np.ndarray

    def __len__(self) -> int:
        return len(self.starts) - 1

    def text(self, k: int) -> str:
        a, b = int(self.starts[k]), int(self.starts[k + 1])
        return self.cps[a:b].astype("<u4").tobytes().decode("utf-32-le")

    @property
    def offsets(self) -> np.ndarray:
        """For each view character (same length as ``cps``), its code point index in its text."""
        positions = np.flatnonzero(self.kept)
        return positions - np.repeat(self.doc_starts[:-1], np.diff(self.starts))

    def doc_offsets(self, k: int) -> np.ndarray:
        """Code point index in text ``k`` of each of its view characters."""
        return np.flatnonzero(self.kept[int(self.doc_starts[k]) : int(self.doc_starts[k + 1])])


@dataclass(frozen=True, slots=True)
class View:
    """The matching view of one text and the map back to original code point offsets."""

    text: str
    offsets: np.ndarray

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering view characters ``[start, end)`` (end > start)."""
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


@functools.cache
def _spin_pattern(table_path: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """Regex over the spun forms of a reversal table and each form's most frequent original.

    Why only equal-length pairs: a replacement must keep one view character per original
    character so offsets stay valid; spun word pairs are nearly always the same length.
    """
    from textmend.spinner.table import ReversalTable

    table = ReversalTable.load(table_path)
    best: dict[str, tuple[int, str]] = {}
    for (spun, original), count in table.counts.items():
        if len(spun) == len(original) and (spun not in best or count > best[spun][0]):
            best[spun] = (count, original)
    if not best:
        return None
    pattern = re.compile("|".join(re.escape(k) for k in sorted(best, key=len, reverse=True)))
    return pattern, {k: v[1] for k, v in best.items()}


def _spin_canonical(text: str, table_path: str) -> str:
    """Spun forms back to their originals (same length, so offsets stay valid)."""
    compiled = _spin_pattern(table_path)
    if compiled is None:
        return text
    pattern, originals = compiled
    return pattern.sub(lambda m: originals[m.group(0)], text)


def view_batch(texts: Sequence[str], fold_script: bool = True, spinner_table: str | None = None) -> ViewBatch:
    """Fold a batch of texts into their matching views (one numpy pass over all of them)."""
    table = _tables(fold_script)
    if spinner_table:
        texts = [_spin_canonical(t, spinner_table) for t in texts]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    doc_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_starts[1:])
    joined = "".join(texts)
    raw = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4")
    # np.take: a plain gather, about twice as fast as fancy indexing (which checks bounds).
    folded = np.take(table, raw)
    kept = folded != 0
    # One regex pass over the whole batch; a match cannot usefully span two texts, and if one
    # did it would only drop a few characters from the matching view.
    for a, b in _ruby_spans(joined, raw):
        kept[a:b] = False
    cps = folded[kept]
    counts = np.zeros(len(texts), dtype=np.int64)
    nonempty = lengths > 0
    if len(raw):
        # Segments of the non-empty texts tile the batch, so one reduceat counts them all.
        counts[nonempty] = np.add.reduceat(kept, doc_starts[:-1][nonempty], dtype=np.int64)
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return ViewBatch(cps=cps, starts=starts, kept=kept, doc_starts=doc_starts)


def matching_view(text: str, fold_script: bool = True, spinner_table: str | None = None) -> View:
    """The matching view of one text.

    >>> v = matching_view("優(yōu)質，服務!")
    >>> v.text, v.offsets.tolist()
    ('优质服务', [0, 6, 8, 9])
    """
    b = view_batch([text], fold_script=fold_script, spinner_table=spinner_table)
    return View(text=b.text(0), offsets=b.doc_offsets(0))


__all__ = ["View", "ViewBatch", "matching_view", "view_batch"]
