"""Score candidate reversals with a language model and pick the ones to apply.

For each site (a span with candidate originals, :mod:`textmend.spinner.candidates`) the model
scores the spun form and every candidate in the same context; the *gain* of the best candidate
is its log-probability advantage over what is there, plus the learned table's prior. A site is
a reversal when the gain clears a margin. All reversals are chosen on the input text and
applied in one pass, so a reversal is never re-applied to its own output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from textmend.cjk import HAN_RE
from textmend.spinner import wordfreq
from textmend.spinner.candidates import CandidateIndex


class Scorer(Protocol):
    """The part of the language-model API (``textmend.lm``) the spinner needs."""

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]: ...


class MemoScorer:
    """A :class:`Scorer` that remembers its answers, for the span of one document.

    Why: :func:`refine` re-scores every proposal, and wherever no chosen reversal is near, its
    context is the one :func:`propose` already scored (about one call in eight on law text);
    the gate's sample and the full pass share windows too. The model is a pure function of its
    arguments, so a remembered answer is the answer.
    """

    def __init__(self, model: Scorer) -> None:
        self.model = model
        self._seen: dict[tuple[str, tuple[str, ...], str], list[float]] = {}

    @property
    def running_text(self) -> bool:
        """The wrapped model's (see ``LanguageModel.running_text``): the memo is transparent."""
        return bool(getattr(self.model, "running_text", False))

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        key = (left, tuple(candidates), right)
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = self.model.compare(left, candidates, right)
        return list(hit)


def memo_scorer(model: Scorer) -> MemoScorer:
    """``model`` wrapped in a :class:`MemoScorer` (unless it already is one)."""
    return model if isinstance(model, MemoScorer) else MemoScorer(model)


@dataclass(frozen=True)
class Params:
    """Scoring knobs, tuned on the tuning half (``bench/bench_spinner.py``).

    margin: nats the best original must beat the spun form by to count as a reversal.
    left, right: context characters given to the model on each side.
    prior_weight: weight of the learned table's log(1 + count).
    channel_weight: weight of log(1 / fan-out): a spinner that had many synonyms of the original
        to choose from was less likely to have produced this particular form (noisy channel).
    min_log_ratio: an original must be at least this much more common (natural log of the
        jieba count ratio, see :mod:`textmend.spinner.wordfreq`) than the form; None: no filter.
    floor: sites with a smaller gain are not kept at all (cheaper, and no useless suggestions).
    """

    margin: float = 3.0
    left: int = 6
    right: int = 4
    prior_weight: float = 1.0
    channel_weight: float = 1.0
    min_log_ratio: float | None = 0.0
    floor: float = 0.0


@dataclass(frozen=True, slots=True)
class Reversal:
    """Replace ``text[start:end] == spun`` by ``original``; ``gain`` in nats (see module doc)."""

    start: int
    end: int
    spun: str
    original: str
    gain: float
    from_table: bool = False


def _context(text: str, start: int, end: int, params: Params) -> tuple[str, str]:
    # Stop at line breaks: a heading or list item says nothing about the next line's words.
    left = text[max(0, start - params.left) : start]
    left = left[left.rfind("\n") + 1 :]
    right = text[end : end + params.right]
    cut = right.find("\n")
    return left, right if cut < 0 else right[:cut]


def common_originals(index: CandidateIndex, form: str, min_log_ratio: float) -> tuple[str, ...]:
    """The originals of ``form`` at least ``exp(min_log_ratio)`` times as common as it, in
    :meth:`~CandidateIndex.originals` order."""
    key = ("common", form, min_log_ratio)
    hit: tuple[str, ...] | None = index.memo.get(key)
    if hit is None:
        # Memoised on the index (bounded: only forms with originals get here): the same forms
        # come back in every document, and each filter costs two dictionary look-ups per original.
        hit = tuple(o for o in index.originals(form) if wordfreq.log_ratio(o, form) >= min_log_ratio)
        index.memo[key] = hit
    return hit


def propose(text: str, index: CandidateIndex, model: Scorer, params: Params) -> list[Reversal]:
    """The best candidate of every site whose gain reaches ``params.floor``, in text order."""
    out: list[Reversal] = []
    table = index.table
    for site in index.sites(text):
        left, right = _context(text, site.start, site.end, params)
        origs = site.originals
        if params.min_log_ratio is not None:
            # Spinners pick rare synonyms; writers pick common words. An original rarer than
            # the form is far more often a false alarm than a reversal (tuned in the bench).
            origs = common_originals(index, site.form, params.min_log_ratio)
            if not origs:
                continue
        scores = model.compare(left, [site.form, *origs], right)
        base = scores[0]
        best_gain = -math.inf
        best = ""
        best_from_table = False
        for orig, score in zip(origs, scores[1:], strict=True):
            prior = table.prior(site.form, orig) if table is not None else 0.0
            channel = params.channel_weight * math.log(index.fanout(orig))
            gain = score - base + params.prior_weight * prior - channel
            if gain > best_gain:
                best_gain, best, best_from_table = gain, orig, prior > 0
        if best_gain >= params.floor:
            out.append(Reversal(site.start, site.end, site.form, best, best_gain, best_from_table))
    return out


def reversals(text: str, index: CandidateIndex, model: Scorer, params: Params) -> list[Reversal]:
    """:func:`propose`, then :func:`refine` in the context cleaned by the first pass."""
    model = memo_scorer(model)
    return refine(text, propose(text, index, model, params), index, model, params)


def refine(
    text: str, proposals: list[Reversal], index: CandidateIndex, model: Scorer, params: Params
) -> list[Reversal]:
    """Re-score ``proposals`` in a context where the other confident reversals are undone.

    Why: at one swap per 6 characters the neighbours of a spun word are often spun too, and
    the model judges a candidate against a corrupted context. Sites are still those of the
    input and the chosen reversals are applied to the input once: nothing is re-applied to
    output.
    """
    chosen = select(proposals, params.margin)
    if not chosen:
        return proposals
    cleaned_parts: list[str] = []
    # starts/ends of the cleaned text for every input offset that is not inside a reversal
    shift: list[tuple[int, int]] = []  # (input offset, cleaned offset) at reversal boundaries
    pos = 0
    out_len = 0
    for r in chosen:
        cleaned_parts.append(text[pos : r.start])
        out_len += r.start - pos
        shift.append((r.start, out_len))
        cleaned_parts.append(r.original)
        out_len += len(r.original)
        shift.append((r.end, out_len))
        pos = r.end
    cleaned_parts.append(text[pos:])
    cleaned = "".join(cleaned_parts)

    def to_clean(i: int) -> int | None:
        delta = 0
        for k in range(0, len(shift), 2):
            (s_in, _), (e_in, e_out) = shift[k], shift[k + 1]
            if i <= s_in:
                return i + delta
            if i < e_in:
                return None  # inside a reversed span
            if i == e_in:
                return e_out
            delta = e_out - e_in
        return i + delta

    out: list[Reversal] = []
    table = index.table
    for r in proposals:
        a, b = to_clean(r.start), to_clean(r.end)
        if a is None or b is None:
            out.append(r)
            continue
        # The reversed span itself maps to its replacement: score the site, not the replacement.
        own = next((c for c in chosen if c.start == r.start and c.end == r.end), None)
        if own is not None:
            b = a + len(own.original)
        elif b - a != r.end - r.start:
            out.append(r)  # overlaps a chosen reversal partially: keep the first-pass score
            continue
        left = cleaned[:a][-params.left :]
        left = left[left.rfind("\n") + 1 :]
        right = cleaned[b : b + params.right].split("\n", 1)[0]
        origs = index.originals(r.spun)
        if params.min_log_ratio is not None:
            origs = common_originals(index, r.spun, params.min_log_ratio)
        if not origs:
            continue
        scores = model.compare(left, [r.spun, *origs], right)
        best_gain, best, from_table = -math.inf, "", False
        for orig, score in zip(origs, scores[1:], strict=True):
            prior = table.prior(r.spun, orig) if table is not None else 0.0
            gain = (
                score
                - scores[0]
                + params.prior_weight * prior
                - params.channel_weight * math.log(index.fanout(orig))
            )
            if gain > best_gain:
                best_gain, best, from_table = gain, orig, prior > 0
        out.append(Reversal(r.start, r.end, r.spun, best, best_gain, from_table))
    return out


def select(reversals: Iterable[Reversal], margin: float) -> list[Reversal]:
    """Non-overlapping reversals with gain >= ``margin``, strongest first, returned in text order."""
    kept: list[Reversal] = []
    taken: set[int] = set()
    for r in sorted(reversals, key=lambda r: (-r.gain, r.start, r.end)):
        if r.gain < margin:
            break
        span = range(r.start, r.end)
        if any(i in taken for i in span):
            continue
        taken.update(span)
        kept.append(r)
    return sorted(kept, key=lambda r: r.start)


def han_count(text: str) -> int:
    return len(HAN_RE.findall(text))


def rate_per_100(accepted: int, text: str) -> float:
    """Accepted reversals per 100 Han characters (0 for text without Han characters)."""
    n = han_count(text)
    return 100.0 * accepted / n if n else 0.0


def confidence(gain: float, margin: float) -> float:
    """A logistic map of the gain, 0.8 exactly at the margin (the default ``min_confidence``).

    Why: the pipeline applies edits at or above ``min_confidence`` and suggests the rest, so
    the margin and the user's confidence threshold mean the same thing.
    """
    x = gain - margin + math.log(4.0)
    return 1.0 / (1.0 + math.exp(-x))
