"""Candidate originals for every span of a text that a spinner could have produced.

The spinners reach their output through a synonym resource, so the way back is the same
resource: a spun form's candidate originals are the words sharing a CC-CEDICT gloss or a Cilin
line with it, plus the originals a learned reversal table (:mod:`textmend.spinner.table`) has
seen it replace. We scan every 2-4 character substring rather than a segmentation of the text,
because spinners segment wrongly: a swap that straddled a word boundary left a form that no
segmenter would cut out, and a candidate may span what now looks like two words.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    _forms: frozenset[str] | None = field(default=None, repr=False)
    _known: tuple[int, frozenset[str], int] | None = field(default=None, repr=False)
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    """Facts derived from one form and this index only (the rare-word test, the originals that
    pass the frequency filter, the route probability of a pair), memoised by the modules that
    compute them. Keys are only ever forms that have originals (and their originals), so the
    memo is bounded by the lexicons' size."""

    def _lexicon_forms(self) -> frozenset[str]:
        # Built once: every form a lexicon can answer for. Why: ``sites`` asks about every 2-4
        # character substring of every document, and almost none of them is a lexicon word.
        if self._forms is None:
            self._forms = frozenset(w for lex in self.lexicons for w in lex.of)
        return self._forms

    def known_forms(self) -> frozenset[str]:
        """Every form :meth:`originals` may answer for: the lexicons' words and the table's forms
        (a superset of those with originals). For callers that test many substrings in a loop."""
        return self._known_forms()[1]

    def max_form_len(self) -> int:
        """The longest form :meth:`originals` can answer for (a learned table may hold longer
        ones than the lexicons' ``MAX_WORD``)."""
        return self._known_forms()[2]

    def _known_forms(self) -> tuple[int, frozenset[str], int]:
        # Rebuilt when the table grew: a new pair may bring a new form.
        size = len(self.table) if self.table is not None else 0
        if self._known is None or self._known[0] != size:
            lex = self._lexicon_forms()
            table = {s for s, _ in self.table.counts} if self.table is not None else set()
            self._known = (size, lex | table, max([MAX_WORD, *map(len, table)]))
        return self._known

    def fanout(self, word: str) -> int:
        """How many replacements a spinner could pick for ``word`` (at least 1)."""
        hit = self._fanout.get(word)
        if hit is None:
            syns: set[str] = set()
            for lex in self.lexicons:
                syns |= lex.synonyms(word, self.script)
            hit = self._fanout[word] = max(1, len(syns))
        return hit

    def route_logprob(self, form: str, original: str) -> float:
        """log P(form | original) for a spinner that uses one of the lexicons (each equally
        likely) and picks uniformly among the synonyms it gives ``original``.

        Why per lexicon: a form linked to the original in the small Cilin line is a likelier
        pick than one of fifty CC-CEDICT gloss-mates, which a pooled fan-out cannot tell apart.
        A pair no lexicon links (a learnt table's) falls back to ``-log(fanout(original))``.
        """
        key = ("route", form, original)
        hit: float | None = self.memo.get(key)
        if hit is None:
            p = sum(self.route_probs(form, original))
            if p > 0.0:
                hit = math.log(p / len(self.lexicons))
            else:
                hit = -math.log(self.fanout(original))
            self.memo[key] = hit
        return hit

    def route_probs(self, form: str, original: str) -> tuple[float, ...]:
        """P(form | original) under each lexicon alone (uniform pick among the synonyms it
        gives ``original``; 0 where it does not link them), in ``lexicons`` order."""
        key = ("route_probs", form, original)
        hit: tuple[float, ...] | None = self.memo.get(key)
        if hit is None:
            probs = []
            for lex in self.lexicons:
                syns = lex.synonyms(original, self.script)
                probs.append(1.0 / len(syns) if form in syns else 0.0)
            hit = self.memo[key] = tuple(probs)
        return hit

    def originals(self, form: str) -> tuple[str, ...]:
        """Candidate originals of ``form``: table entries first (most seen first), then lexicons."""
        hit = self._cache.get(form)
        if hit is not None:
            return hit
        if form not in self._lexicon_forms() and (self.table is None or not self.table.originals(form)):
            # Sound shortcut: a lexicon answers only for its own words and the table only for its
            # own forms, so the full lookup below would find nothing. Not cached: the cache would
            # otherwise keep every substring of every document seen (hundreds of MB per worker
            # over a large corpus) instead of the lexicons' words.
            return ()
        ordered: dict[str, None] = {}
        if self.table is not None:
            for orig, _ in self.table.originals(form):
                ordered[orig] = None
        if is_word(form):
            syns: set[str] = set()
            for lex in self.lexicons:
                syns |= lex.synonyms(form, self.script)
            syns.discard(form)
            # Likeliest spinner routes first, so that the cut at ``max_candidates`` drops the
            # originals a spinner was least likely to turn into ``form`` (alphabetical order
            # cut 治理's original 经营 on the tuning half).
            for orig in sorted(syns, key=lambda o: (-self.route_logprob(form, o), o)):
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
