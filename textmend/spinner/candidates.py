"""Candidate originals for every span of a text that a spinner could have produced.

The spinners reach their output through a synonym resource, so the way back is the same
resource: a spun form's candidate originals are the words sharing a CC-CEDICT gloss or a Cilin
line with it, plus the originals a learned reversal table (:mod:`textmend.spinner.table`) has
seen it replace. We scan every 2-4 character substring rather than a segmentation of the text,
because spinners segment wrongly: a swap that straddled a word boundary left a form that no
segmenter would cut out, and a candidate may span what now looks like two words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from textmend.spinner.lexicon import MAX_WORD, MIN_WORD, Lexicon, is_word
from textmend.spinner.table import ReversalTable


@dataclass(frozen=True, slots=True)
class Site:
    """A span ``text[start:end] == form`` and the originals it may stand for."""

    start: int
    end: int
    form: str
    originals: tuple[str, ...]


@dataclass
class CandidateIndex:
    """Spun form -> candidate originals, from lexicons of one script and an optional table."""

    lexicons: Sequence[Lexicon]
    script: str = "s"
    table: ReversalTable | None = None
    max_candidates: int = 60
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _fanout: dict[str, int] = field(default_factory=dict, repr=False)

    def fanout(self, word: str) -> int:
        """How many replacements a spinner could pick for ``word`` (at least 1)."""
        hit = self._fanout.get(word)
        if hit is None:
            syns: set[str] = set()
            for lex in self.lexicons:
                syns |= lex.synonyms(word, self.script)
            hit = self._fanout[word] = max(1, len(syns))
        return hit

    def originals(self, form: str) -> tuple[str, ...]:
        """Candidate originals of ``form``: table entries first (most seen first), then lexicons."""
        hit = self._cache.get(form)
        if hit is not None:
            return hit
        ordered: dict[str, None] = {}
        if self.table is not None:
            for orig, _ in self.table.originals(form):
                ordered[orig] = None
        if is_word(form):
            for lex in self.lexicons:
                for orig in sorted(lex.synonyms(form, self.script)):
                    ordered[orig] = None
        ordered.pop(form, None)
        out = tuple(ordered)[: self.max_candidates]
        self._cache[form] = out
        return out

    def sites(self, text: str) -> Iterator[Site]:
        """Every substring of 2-4 characters with at least one candidate original, in order."""
        n = len(text)
        for i in range(n):
            for length in range(MIN_WORD, MAX_WORD + 1):
                j = i + length
                if j > n:
                    break
                form = text[i:j]
                origs = self.originals(form)
                if origs:
                    yield Site(i, j, form, origs)
