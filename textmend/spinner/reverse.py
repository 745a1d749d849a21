"""Score candidate reversals with a language model and pick the ones to apply.

For each site (a span with candidate originals, :mod:`textmend.spinner.candidates`) the model
scores the spun form and every candidate in the same context; the *gain* of the best candidate
is its log-probability advantage over what is there, plus the learned table's prior, the
spinner's route (noisy channel) and a word component, less a term for a close runner-up. The
gains are then re-scored in the context cleaned by the confident reversals, shared between the
occurrences of one form in the document, and moved by the document's own rate of reversals (see
:class:`Params`), and optionally re-scored again in a context cleaned by the reversals a fitted
decision accepts (``Params.judged_rounds``). A fitted :class:`Decision` may then replace each site's gain by a score of
its features; a site is a reversal when the gain clears a margin. All reversals are chosen
on the input text and applied in one pass, so a reversal is never re-applied to its own output.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from textmend.cjk import HAN_RE
from textmend.spinner import wordfreq
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.lexicon import MIN_WORD
from textmend.spinner.trees import Trees


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

    margin: a site is a reversal when its gain (below) reaches this many nats (log-odds of
        the fitted score with ``decision``).
    left, right: context characters given to the model on each side.
    prior_weight: weight of the learned table's log(1 + count).
    channel_weight: weight of log P(form | original) for a spinner that picks uniformly among
        the synonyms one lexicon gives the original (noisy channel; the lexicons are equally
        likely, see :meth:`CandidateIndex.route_logprob`): a spinner with many synonyms of the
        original to choose from was less likely to have produced this particular form.
    word_weight: weight of the word component, the change in jieba's best-segmentation
        log-probability (:func:`textmend.lm.words.word_logprob`) of the candidate with 3
        characters of context on each side; 0 turns it off.
    word_top: the word component is computed for this many best candidates of a site only
        (it runs jieba's segmentation in Python); the others drop out of the contest.
    lead_weight, lead_cap: the gain loses ``lead_weight * (lead_cap - min(lead, lead_cap))``,
        where the lead is how far the best candidate is ahead of the runner-up (no loss when
        there is only one). Why: on the tuning half two thirds of the wrong reversals were a
        right site with the wrong original, chosen among near-equal candidates; a clear winner is far
        more often right than a close one with the same advantage over the form.
    rounds: how many times :func:`refine` re-scores in the context cleaned by the previous
        round's reversals (0: the first pass only).
    mix_weight: before pooling, each candidate's gain moves by ``mix_weight * (doc_route -
        route)``, its route log-probability under the document's lexicon mix
        (:func:`lexicon_mix`) less the one with the lexicons weighed equally (:func:`remix`; 0:
        off). Why: a spinner uses one table, so once the document's clear swaps show which
        lexicon spun it, a near-synonym only the other lexicon links is the less likely
        original. With the in-domain model it cut the tuning half's substitutions lost to a
        wrong original from 6.9% to 5.9% (weight 2.0, the best of 1.5-4 at ranking them); with
        the word-list model it cost precision, so ``PARAMS_WORDLIST`` leaves it off.
    pool_weight: share of a candidate's gain at a site taken from its mean gain at the other
        sites of the same form in the document (:func:`pool`; 0: every site on its own). Why:
        a spinner applies one fixed table, so every occurrence of a spun form in a document
        stands for the same original, and where one context is mute another speaks.
    rate_weight, rate_gain, rate_ref: every gain of a document moves by
        ``rate_weight * log((k + 0.5) / (rate_ref + 0.5))``, where ``k`` is the document's
        reversals per 100 Han characters with a gain of at least ``rate_gain``. Why: the
        margin stands for the prior odds that a word was spun, and those odds are a property
        of the document -- one swap per 6-20 characters in spun text, next to none in clean
        text. It cut false changes in clean documents from 14 to 3 per 10,000 characters at
        the same recall and precision on the tuning half (20 to 9 on the test half).
    min_log_ratio: an original must be at least this much more common (natural log of the
        jieba count ratio, see :mod:`textmend.spinner.wordfreq`) than the form; None: no filter.
    floor: sites with a smaller gain are not kept at all (cheaper, and no useless suggestions).
    decision: when set, the gain that ``margin`` judges is this fitted score of the site
        (:class:`Decision`) instead of the hand-weighted sum above, which still ranks the
        candidates, drives :func:`refine` and counts for the document rate.
    refine_margin: the hand-weighted gain a reversal needs for :func:`refine` to clean the
        context with it (None: ``margin``; set it with ``decision``, whose scores are in other
        units).
    judged_rounds, refine_decision, judged_margin: after the hand-weighted passes (refinement,
        remix, pool, rate), ``judged_rounds`` more rounds of :func:`refine` whose context is
        cleaned by the reversals ``refine_decision`` accepts at ``judged_margin`` (with the
        originals it ranks first), each followed by remix, pool and rate again; 0: none. Why:
        at one swap per 6-10 characters a site's context is mostly spun, so which neighbours
        are undone before a site is re-scored decides much of what the model sees, and the
        fitted decision tells a swap from a clean word better than the hand-weighted gain.
        ``refine_decision`` is fitted on the sites as the hand-weighted passes leave them;
        ``decision`` then judges the sites as these rounds leave them (their features differ).
    """

    margin: float = 3.0
    left: int = 6
    right: int = 4
    prior_weight: float = 1.0
    channel_weight: float = 1.5
    word_weight: float = 1.0
    word_top: int = 3
    lead_weight: float = 1.3
    lead_cap: float = 10.0
    rounds: int = 2
    mix_weight: float = 0.0
    pool_weight: float = 0.5
    rate_weight: float = 2.0
    rate_gain: float = 7.0
    rate_ref: float = 2.0
    min_log_ratio: float | None = 0.0
    floor: float = 0.0
    decision: Decision | None = None
    refine_margin: float | None = None
    judged_rounds: int = 0
    refine_decision: Decision | None = None
    judged_margin: float = 0.0


FEATURES: tuple[str, ...] = (
    "gain",
    "lm",
    "route",
    "word",
    "lead",
    "rate",
    "others",
    "same_form",
    "log_ratio",
    "form_known",
    "orig_known",
    "form_len",
    "form_rare",
    "doc_route",
    "orig_ctx",
    "form_ctx",
    "orig_ctx2",
    "conflict",
    "lm_sum",
    "form_lp",
    "orig_lp",
    "uni",
    "form_uni",
)
"""What :class:`Decision` weighs, per site and its best original: ``gain`` the hand-weighted gain
(after pooling, the runner-up term and the document rate); ``lm``, ``route``, ``word`` that
original's model advantage over the form, route log-probability and word component; ``lead``
its advantage over the runner-up (capped); ``rate`` the document-rate term; ``others`` its mean
gain at the other sites of the same form (0 if none) and ``same_form`` log(1 + their number);
``log_ratio`` the jieba frequency log-ratio original/form (clipped to +-8); ``form_known`` and
``orig_known`` whether jieba knows the form and the original; ``form_len`` the form's length;
``form_rare`` :func:`textmend.spinner.wordfreq.is_rare` of the form; ``doc_route`` the route
log-probability with each lexicon weighted by its share of the document's confident reversals
(gain >= ``MIX_GAIN``; :func:`lexicon_mix`), where ``route`` weighs them equally. Why: a spinner
uses one table, so a document whose clear swaps all follow one lexicon's links was spun with it,
and a candidate only the other lexicon links is unlikely (on the tuning half a quarter of the
wrong reversals at margin 4.0 were such pairs). ``orig_ctx`` is log(1 + the occurrences, elsewhere
in the document, of the candidate preceded by the site's left character or followed by its right
one), ``form_ctx`` the same for the form (this site not counted) and ``orig_ctx2`` the
candidate's with two characters of context (all 0 when the text is not given): the document as
its own cache model. Why: a spinner replaces some occurrences of a word and leaves the others,
which keep the word's collocations (开展工作 next to a spun 展开工作). On the tuning half, scored
out of fold at the chosen margins (``python -m bench spinner --docs 12 --chars 1500 --fit``),
they moved the reversals from 65.6% to 67.0% with the in-domain model and from 10.9% to 11.6%
with the word-list model; on the test half they cut the in-domain model's wrong originals by a
quarter (see ``textmend.repair.spinner.DECISION``) and bought the word-list model nothing
measurable.

The last six carry what those do not. ``conflict`` is the largest hand-weighted gain (cut to
0..``CONFLICT_CAP``) with which the candidate is the best original of a site of *another* form in
the document: a spinner's table maps a word to one form, so an original already claimed by a
clear swap elsewhere is unlikely to stand behind this form too. ``lm_sum`` is the candidate's
summed model advantage at the other sites of the form (signed log(1 + |sum|)): ``others`` is a
mean and ``same_form`` a count, and a linear score cannot multiply them. ``form_lp`` is the
form's own log-probability in its context (with the right context the model reads) per form
character and ``orig_lp`` the candidate's per candidate character: a spun form is a surprise
where it stands, a clean word is not, whatever its synonyms score. ``uni`` is the model's
context-free log-probability of the candidate less the form's, and ``form_uni`` the form's per
character: how common each is in the model's text (in-domain for a model built on the user's
corpus, where ``log_ratio`` reads jieba's general counts)."""
MIX_GAIN = 5.0
CONFLICT_CAP = 15.0
RANK_GAP_CAP = 10.0
JUDGE_FEATURES: tuple[str, ...] = (*FEATURES, "rank", "rank_gap")
"""What a :class:`Decision`'s ``judge`` weighs: the chosen candidate's :data:`FEATURES`, its
ranking score and its lead over the runner-up's ranking score (cut at ``RANK_GAP_CAP``; the cap
when it has no runner-up)."""
CTX_LONGEST = 6  # a 4-character candidate with two characters of context (orig_ctx2)


@dataclass(frozen=True)
class Decision:
    """A linear score over :data:`FEATURES` (a logistic regression's log-odds that the site is
    a spun span whose best original is right), fitted on the tuning half by
    ``python -m bench spinner --fit`` and judged against ``Params.margin``.

    Why: the hand-weighted gain adds terms whose weights were set one at a time; fitted
    together, with cheap frequency facts the gain ignores (spinners pick rare forms, writers
    common words), the same sites separate better.

    ranks: score every scored candidate of a site (:func:`option_features`) and take the
    best-scoring one, instead of judging the hand-weighted gain's choice; fitted on every
    candidate (log-odds that this candidate is the site's original). Why: the choice among
    near-synonyms then weighs the document's lexicon mix, the frequency ratio and the other
    sites of the form as the fit found them to matter. With the word-list model, on the
    tuning half scored out of fold, it reverses 10.9% instead of 4.7% at the chosen margins;
    with an in-domain model it was even there (65.6% and 66.0%) and ranked better on the test
    half (see ``textmend.repair.spinner.DECISION``).

    judge, judge_bias: with ``ranks``, a second linear score over :data:`JUDGE_FEATURES` (the
    chosen candidate's features, its ranking score and its lead in ranking score), fitted on the
    chosen candidate of every site (log-odds that it is right), whose value is the site's gain;
    None: the ranking score itself is the gain. Why: the ranking is fitted on every candidate,
    most of them runners-up, so its score mixes "which candidate" with "is this site spun";
    judged apart, the chosen candidates separate better (on the tuning half, scored out of fold,
    see ``textmend.repair.spinner.DECISION``).

    judge_trees: with ``ranks``, instead of the linear ``judge``, boosted trees over
    :data:`JUDGE_FEATURES` (:class:`~textmend.spinner.trees.Trees`, fitted like it) whose score
    is the site's gain. Why: nothing makes the evidence that a chosen candidate is right
    additive in its features; trees weigh each feature by the others where a linear judge
    adds them up, and on the tuning half, scored out of fold, they judged better (see
    ``textmend.repair.spinner.DECISION``).
    """

    weights: tuple[float, ...]
    bias: float
    ranks: bool = False
    judge: tuple[float, ...] | None = None
    judge_bias: float = 0.0
    judge_trees: Trees | None = None

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"Decision needs {len(FEATURES)} weights ({', '.join(FEATURES)})")
        if self.judge is not None and (not self.ranks or len(self.judge) != len(JUDGE_FEATURES)):
            raise ValueError(
                f"a judge needs ranks and {len(JUDGE_FEATURES)} weights ({', '.join(JUDGE_FEATURES)})"
            )
        if self.judge_trees is not None and (
            not self.ranks or self.judge is not None or self.judge_trees.features != JUDGE_FEATURES
        ):
            raise ValueError(
                f"judge trees need ranks, no linear judge and the features {', '.join(JUDGE_FEATURES)}"
            )

    def score(self, features: Sequence[float]) -> float:
        return self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))

    def judged(self, features: Sequence[float], rank: float, rank_gap: float) -> float:
        """The judge's score of a chosen candidate (its ranking score when there is no judge)."""
        row = (*features, rank, min(rank_gap, RANK_GAP_CAP))
        if self.judge_trees is not None:
            return float(self.judge_trees.predict([row])[0])
        if self.judge is None:
            return rank
        return self.judge_bias + sum(w * x for w, x in zip(self.judge, row, strict=True))

    def ranked(
        self, rows: Sequence[tuple[str, tuple[float, ...]]]
    ) -> tuple[str, tuple[float, ...], float, float]:
        """The best-scoring candidate of one site's ``rows`` (:func:`option_features`): its
        original, features, ranking score and lead over the runner-up's score."""
        scored = sorted(((self.score(f), o, f) for o, f in rows), key=lambda x: -x[0])
        best, orig, feats = scored[0]
        gap = best - scored[1][0] if len(scored) > 1 else RANK_GAP_CAP
        return orig, feats, best, gap

    def rescore(
        self, proposals: Sequence[Reversal], index: CandidateIndex, text: str | None = None
    ) -> list[Reversal]:
        """``proposals`` (every site of ``text``, one document) with their gain replaced by this
        score (and, with ``ranks``, their original by the best-scoring candidate)."""
        if not self.ranks:
            feats = site_features(proposals, index, text)
            return [dataclasses.replace(r, gain=self.score(f)) for r, f in zip(proposals, feats, strict=True)]
        ranked = [self.ranked(rows) for rows in option_features(proposals, index, text=text)]
        if self.judge_trees is not None and ranked:
            # One evaluation for the document's sites: the trees' numpy steps cost little more
            # for a thousand rows than for one.
            gains = self.judge_trees.predict(
                [(*chosen, score, min(gap, RANK_GAP_CAP)) for _, chosen, score, gap in ranked]
            ).tolist()
        else:
            gains = [self.judged(chosen, score, gap) for _, chosen, score, gap in ranked]
        out: list[Reversal] = []
        for r, (orig, chosen, _, _), gain in zip(proposals, ranked, gains, strict=True):
            from_table = next((t for o, _, t in r.options if o == orig), r.from_table)
            lead = chosen[FEATURES.index("lead")]
            out.append(dataclasses.replace(r, original=orig, gain=gain, from_table=from_table, lead=lead))
        return out


def site_features(
    proposals: Sequence[Reversal], index: CandidateIndex, text: str | None = None
) -> list[tuple[float, ...]]:
    """The :data:`FEATURES` of each of ``proposals`` (every site of ``text``, one document) and
    its best original."""
    return [rows[0][1] for rows in option_features(proposals, index, best_only=True, text=text)]


def substring_counts(text: str, longest: int = CTX_LONGEST) -> Counter[str]:
    """How often each substring of 2 to ``longest`` characters occurs in ``text`` (overlapping)."""
    # One table for the document instead of a str.count scan per question: a long document
    # has thousands of sites with a dozen candidates each.
    counts: Counter[str] = Counter()
    for k in range(MIN_WORD, longest + 1):
        counts.update(text[i : i + k] for i in range(len(text) - k + 1))
    return counts


def _cache_features(counts: Counter[str], text: str, r: Reversal, orig: str) -> tuple[float, float, float]:
    """``orig_ctx``, ``form_ctx`` and ``orig_ctx2`` (:data:`FEATURES`) of ``orig`` at ``r``."""
    l1, r1 = text[r.start - 1 : r.start] if r.start else "", text[r.end : r.end + 1]
    l2, r2 = text[max(0, r.start - 2) : r.start], text[r.end : r.end + 2]
    # This site is one of the form's own occurrences in either context: not counted.
    form = (counts[l1 + r.spun] - 1 if l1 else 0) + (counts[r.spun + r1] - 1 if r1 else 0)
    if orig in r.spun:
        # A candidate inside the form (行政 in 行政管理) occurs wherever the form does, this site
        # included: only its occurrences outside the form's are evidence.
        near, wide = _contexts_outside(text, orig, r.spun, ((l1, ""), ("", r1)), ((l2, ""), ("", r2)))
    else:
        near = (counts[l1 + orig] if l1 else 0) + (counts[orig + r1] if r1 else 0)
        wide = (counts[l2 + orig] if len(l2) == 2 else 0) + (counts[orig + r2] if len(r2) == 2 else 0)
    return math.log1p(near), math.log1p(max(0, form)), math.log1p(wide)


def _contexts_outside(
    text: str,
    word: str,
    form: str,
    near: Sequence[tuple[str, str]],
    wide: Sequence[tuple[str, str]],
) -> tuple[int, int]:
    """How many occurrences of ``word`` not covered by occurrences of ``form`` have each (left,
    right) context of ``near`` and of ``wide`` (summed per group; an empty side matches
    anything, a group entry with a short side -- the text's edge -- never)."""
    covered: set[int] = set()
    at = text.find(form)
    while at >= 0:
        covered.update(range(at, at + len(form)))
        at = text.find(form, at + 1)
    totals = [0, 0]
    at = text.find(word)
    while at >= 0:
        if not covered.issuperset(range(at, at + len(word))):
            end = at + len(word)
            for k, (group, width) in enumerate(((near, 1), (wide, 2))):
                for left, right in group:
                    if (left or right) and len(left or right) == width:
                        if (
                            text[max(0, at - len(left)) : at] == left
                            and text[end : end + len(right)] == right
                        ):
                            totals[k] += 1
        at = text.find(word, at + 1)
    return totals[0], totals[1]


LEAD_FLOOR = -10.0  # a candidate's lead (negative: how far behind the best it is) is cut here


def option_features(
    proposals: Sequence[Reversal],
    index: CandidateIndex,
    best_only: bool = False,
    text: str | None = None,
) -> list[list[tuple[str, tuple[float, ...]]]]:
    """Per site of ``proposals`` (every site of ``text``, one document), each scored candidate
    (best first, as ``options``) and its :data:`FEATURES`. A candidate behind the best has the
    site's gain less its deficit as ``gain`` and minus that deficit as ``lead`` (cut at
    ``LEAD_FLOOR``); the best one has the site's own gain and lead. A site without options has
    its original only; with ``best_only``, every site has its best candidate only. Without
    ``text`` the document's own counts (``orig_ctx``, ...) are 0."""
    sums = _gain_sums(proposals)
    counts = substring_counts(text) if text is not None and proposals else None
    sites: dict[str, int] = {}
    lm_sums: dict[tuple[str, str], float] = {}
    claims: dict[str, dict[str, float]] = {}
    for r in proposals:
        sites[r.spun] = sites.get(r.spun, 0) + 1
        for p in r.parts:
            lm_sums[(r.spun, p[0])] = lm_sums.get((r.spun, p[0]), 0.0) + p[1]
        if r.gain >= MIX_GAIN:
            forms = claims.setdefault(r.original, {})
            forms[r.spun] = max(forms.get(r.spun, 0.0), min(r.gain, CONFLICT_CAP))
    mix = lexicon_mix(proposals, index)
    out: list[list[tuple[str, tuple[float, ...]]]] = []
    for r in proposals:
        parts = {p[0]: p[1:] for p in r.parts}
        options = r.options or ((r.original, 0.0, r.from_table),)
        best = options[0][1]
        form_known = float(wordfreq.freq(r.spun) > 0)
        form_rare = float(wordfreq.is_rare(r.spun, index))
        alone = dict(r.alone)
        rows: list[tuple[str, tuple[float, ...]]] = []
        for k, (orig, own, _) in enumerate(options[:1] if best_only else options):
            total, n = sums.get((r.spun, orig), (own, 1))
            others = (total - own) / (n - 1) if n > 1 else 0.0
            lm, _, route, word = parts.get(orig, (0.0, 0.0, 0.0, 0.0))
            feats = (
                r.gain + (own - best),
                lm,
                route,
                word,
                r.lead if k == 0 else max(own - best, LEAD_FLOOR),
                r.shift,
                others,
                math.log(sites[r.spun]),
                max(-8.0, min(8.0, wordfreq.log_ratio(orig, r.spun))),
                form_known,
                float(wordfreq.freq(orig) > 0),
                float(len(r.spun)),
                form_rare,
                _doc_route(mix, index, r.spun, orig, route),
                *(
                    _cache_features(counts, text, r, orig)
                    if counts is not None and text is not None
                    else (0.0, 0.0, 0.0)
                ),
                max((g for f, g in claims.get(orig, {}).items() if f != r.spun), default=0.0),
                _signed_log1p(lm_sums.get((r.spun, orig), lm) - lm),
                r.form_score / len(r.spun),
                (r.form_score + lm) / len(orig),
                alone[orig] - r.form_alone if orig in alone else 0.0,
                r.form_alone / len(r.spun),
            )
            rows.append((orig, feats))
        out.append(rows)
    return out


def _signed_log1p(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x)


def lexicon_mix(proposals: Sequence[Reversal], index: CandidateIndex) -> tuple[float, ...]:
    """Each lexicon's share of the confident reversals (gain >= ``MIX_GAIN``) among
    ``proposals``: a reversal counts for the lexicons linking its pair in proportion to their
    route probabilities; one pseudo-reversal per lexicon keeps an unknown document even."""
    shares = [1.0] * len(index.lexicons)
    for r in proposals:
        if r.gain < MIX_GAIN:
            continue
        probs = index.route_probs(r.spun, r.original)
        total = sum(probs)
        for i, q in enumerate(probs):
            if total > 0:
                shares[i] += q / total
    norm = sum(shares)
    return tuple(x / norm for x in shares)


@dataclass(frozen=True, slots=True)
class Reversal:
    """Replace ``text[start:end] == spun`` by ``original``; ``gain`` in nats (see module doc),
    ``lead`` the best original's advantage over the runner-up (see :class:`Params`);
    ``options`` the scored candidates as (original, gain before the lead term, from table),
    best first, for :func:`pool`; for :class:`Decision`, ``parts`` the terms of each scored
    candidate as (original, model advantage over the form, table prior, route log-probability,
    word component), ``shift`` the document-rate term already in ``gain``, ``form_score`` the
    model's score of the form in its context, and ``form_alone`` and ``alone`` the model's
    context-free log-probability of the form and of each scored candidate."""

    start: int
    end: int
    spun: str
    original: str
    gain: float
    from_table: bool = False
    lead: float = 0.0
    options: tuple[tuple[str, float, bool], ...] = ()
    parts: tuple[tuple[str, float, float, float, float], ...] = ()
    shift: float = 0.0
    form_score: float = 0.0
    form_alone: float = 0.0
    alone: tuple[tuple[str, float], ...] = ()


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


@functools.lru_cache(maxsize=1 << 16)
def _word_logprob(text: str) -> float:
    # Cached: neighbouring sites and the refinement rounds ask about the same windows, and
    # the segmentation runs in Python (about 30 us a call).
    from textmend.lm.words import word_logprob

    return word_logprob(text)


def score_site(
    left: str,
    form: str,
    right: str,
    origs: Sequence[str],
    index: CandidateIndex,
    model: Scorer,
    params: Params,
) -> Reversal | None:
    """The best original of ``form`` between ``left`` and ``right`` as a :class:`Reversal` at
    offset 0 (callers move it), or None when there is no original."""
    if not origs:
        return None
    table = index.table
    scores = model.compare(left, [form, *origs], right)
    base = scores[0]
    gains: list[tuple[float, str, bool]] = []
    terms: dict[str, tuple[float, float, float]] = {}
    for orig, score, route in zip(origs, scores[1:], _routes(index, form, origs), strict=True):
        prior = table.prior(form, orig) if table is not None else 0.0
        channel = params.channel_weight * route
        gains.append((score - base + params.prior_weight * prior + channel, orig, prior > 0))
        terms[orig] = (score - base, prior, route)
    gains.sort(key=lambda g: -g[0])
    words: dict[str, float] = {}
    if params.word_weight:
        # The word component decides among the few best by the character model only.
        lw, rw = left[-3:], right[:3]
        w_base = _word_logprob(lw + form + rw)
        words = {
            orig: _word_logprob(lw + orig + rw) - w_base for _, orig, _ in gains[: max(1, params.word_top)]
        }
        gains = sorted(
            (
                (g + params.word_weight * words[orig], orig, t)
                for g, orig, t in gains[: max(1, params.word_top)]
            ),
            key=lambda g: -g[0],
        )
    parts = tuple((o, *terms[o], words.get(o, 0.0)) for _, o, _ in gains)
    options = tuple((o, g, t) for g, o, t in gains)
    # Context-free scores (FEATURES uni, form_uni): how common each word is in the model's text.
    kept = [o for o, _, _ in options]
    alone = model.compare("", [form, *kept], "")
    return dataclasses.replace(
        _decide(0, len(form), form, options, params, parts),
        form_score=base,
        form_alone=alone[0],
        alone=tuple(zip(kept, alone[1:], strict=True)),
    )


def _routes(index: CandidateIndex, form: str, origs: Sequence[str]) -> tuple[float, ...]:
    # Memoised per form on the index (bounded like its other entries): every occurrence of a
    # form, in every pass, asks for the same few dozen route probabilities.
    key = ("routes", form, tuple(origs))
    hit: tuple[float, ...] | None = index.memo.get(key)
    if hit is None:
        hit = index.memo[key] = tuple(index.route_logprob(form, o) for o in origs)
    return hit


def _decide(
    start: int,
    end: int,
    form: str,
    options: tuple[tuple[str, float, bool], ...],
    params: Params,
    parts: tuple[tuple[str, float, float, float, float], ...] = (),
) -> Reversal:
    # ``options`` best first: the gain is the best one's, less the close-runner-up term.
    orig, best, from_table = options[0]
    lead = min(best - options[1][1], params.lead_cap) if len(options) > 1 else params.lead_cap
    gain = best - params.lead_weight * (params.lead_cap - lead)
    return Reversal(start, end, form, orig, gain, from_table, lead, options, parts)


def _redecide(r: Reversal, options: tuple[tuple[str, float, bool], ...], params: Params) -> Reversal:
    """``r`` decided again over re-weighed ``options`` (its other facts kept)."""
    new = _decide(r.start, r.end, r.spun, options, params, r.parts)
    return dataclasses.replace(
        new, shift=r.shift, form_score=r.form_score, form_alone=r.form_alone, alone=r.alone
    )


def _gain_sums(proposals: Sequence[Reversal]) -> dict[tuple[str, str], tuple[float, int]]:
    """Per (form, candidate): the sum of the candidate's gains over the sites of the form where it
    was scored (``options``), and their number."""
    sums: dict[tuple[str, str], tuple[float, int]] = {}
    for r in proposals:
        for orig, g, _ in r.options:
            total, n = sums.get((r.spun, orig), (0.0, 0))
            sums[(r.spun, orig)] = (total + g, n + 1)
    return sums


def pool(proposals: Sequence[Reversal], params: Params) -> list[Reversal]:
    """Mix each candidate's gain at a site with its mean gain at the other sites of the same
    form (weight ``params.pool_weight``), then choose again; see :class:`Params`.

    A candidate counts at the sites where it was scored (``options``); a form seen once
    keeps its gains.
    """
    weight = params.pool_weight
    sums = _gain_sums(proposals)
    out: list[Reversal] = []
    for r in proposals:
        if not weight or not r.options:
            out.append(r)
            continue
        mixed = []
        for orig, g, t in r.options:
            total, n = sums[(r.spun, orig)]
            others = (total - g) / (n - 1) if n > 1 else g
            mixed.append((orig, (1.0 - weight) * g + weight * others, t))
        mixed.sort(key=lambda o: -o[1])
        out.append(_redecide(r, tuple(mixed), params))
    return out


def _doc_route(mix: Sequence[float], index: CandidateIndex, form: str, orig: str, route: float) -> float:
    """The log-probability of the route ``orig`` -> ``form`` with each lexicon weighted by the
    document's ``mix`` (:func:`lexicon_mix`); ``route``, the equal-weights one, for a pair no
    lexicon links (a learnt table's): the mix says nothing of it."""
    mixed = sum(m * q for m, q in zip(mix, index.route_probs(form, orig), strict=True))
    return math.log(mixed) if mixed > 0 else route


def remix(proposals: Sequence[Reversal], index: CandidateIndex, params: Params) -> list[Reversal]:
    """Re-rank every site's candidates with the route under the document's lexicon mix: each
    option's gain moves by ``params.mix_weight * (doc_route - route)`` (see :class:`Params`),
    then the site chooses again. The mix is read from the confident reversals of ``proposals``
    (:func:`lexicon_mix`), i.e. before the re-ranking."""
    weight = params.mix_weight
    mix = lexicon_mix(proposals, index)
    out: list[Reversal] = []
    for r in proposals:
        if not weight or not r.options:
            out.append(r)
            continue
        routes = {p[0]: p[3] for p in r.parts}
        moved = []
        for orig, g, t in r.options:
            route = routes.get(orig)
            if route is None:
                moved.append((orig, g, t))
                continue
            moved.append((orig, g + weight * (_doc_route(mix, index, r.spun, orig, route) - route), t))
        moved.sort(key=lambda o: -o[1])
        out.append(_redecide(r, tuple(moved), params))
    return out


def _originals(index: CandidateIndex, form: str, params: Params) -> tuple[str, ...]:
    if params.min_log_ratio is None:
        return index.originals(form)
    # Spinners pick rare synonyms; writers pick common words. An original rarer than the
    # form is far more often a false alarm than a reversal (tuned in the bench).
    return common_originals(index, form, params.min_log_ratio)


SiteCache = dict[tuple[str, str, str], "Reversal | None"]
"""Scores by (left, form, right) for one text and one set of params: :func:`refine` finds
most contexts unchanged from the previous pass."""


def _score_cached(
    left: str,
    form: str,
    right: str,
    index: CandidateIndex,
    model: Scorer,
    params: Params,
    cache: SiteCache | None,
) -> Reversal | None:
    key = (left, form, right)
    if cache is not None and key in cache:
        return cache[key]
    r = score_site(left, form, right, _originals(index, form, params), index, model, params)
    if cache is not None:
        cache[key] = r
    return r


def propose(
    text: str, index: CandidateIndex, model: Scorer, params: Params, cache: SiteCache | None = None
) -> list[Reversal]:
    """The best candidate of every site whose gain reaches ``params.floor``, in text order."""
    out: list[Reversal] = []
    for site in index.sites(text):
        left, right = _context(text, site.start, site.end, params)
        r = _score_cached(left, site.form, right, index, model, params, cache)
        if r is not None and r.gain >= params.floor:
            out.append(dataclasses.replace(r, start=site.start, end=site.end))
    return out


def reversals(text: str, index: CandidateIndex, model: Scorer, params: Params) -> list[Reversal]:
    """:func:`propose`, then ``params.rounds`` of :func:`refine`, each in the context cleaned
    by the reversals the previous one selected, then :func:`pool`; gains under
    ``params.floor`` are dropped at the end only (pooling needs every site's evidence), after
    the document's rate moved them (see :class:`Params`)."""
    model = memo_scorer(model)
    cache: SiteCache = {}
    out = propose(text, index, model, dataclasses.replace(params, floor=-math.inf), cache)
    for _ in range(params.rounds):
        out = refine(text, out, index, model, params, cache)
    raw, out = out, settle(text, out, index, params)
    if params.refine_decision is not None:
        for _ in range(params.judged_rounds):
            raw = judged_refine(text, raw, out, index, model, params, params.refine_decision, cache)
            out = settle(text, raw, index, params)
    if params.decision is not None:
        out = params.decision.rescore(out, index, text)
    return [r for r in out if r.gain >= params.floor]


def settle(text: str, proposals: list[Reversal], index: CandidateIndex, params: Params) -> list[Reversal]:
    """The document-level passes over the refined ``proposals`` of ``text``: :func:`remix`,
    :func:`pool` and the document rate (see :class:`Params`)."""
    out = proposals
    if params.mix_weight:
        out = remix(out, index, params)
    if params.pool_weight:
        out = pool(out, params)
    if params.rate_weight:
        k = rate_per_100(sum(1 for r in out if r.gain >= params.rate_gain), text)
        shift = params.rate_weight * math.log((k + 0.5) / (params.rate_ref + 0.5))
        out = [dataclasses.replace(r, gain=r.gain + shift, shift=shift) for r in out]
    return out


def judged_refine(
    text: str,
    raw: list[Reversal],
    settled: list[Reversal],
    index: CandidateIndex,
    model: Scorer,
    params: Params,
    decision: Decision,
    cache: SiteCache | None = None,
) -> list[Reversal]:
    """One of ``Params.judged_rounds``: :func:`refine` ``raw`` (the sites as the last round
    scored them) in the context cleaned by the reversals ``decision`` accepts at
    ``params.judged_margin`` among ``settled`` (``raw`` after :func:`settle`, whose features
    the decision was fitted on). Settle the result before judging it: a site ``refine`` keeps
    is returned as it was in ``raw``, so settling it once more would move it twice."""
    chosen = select(decision.rescore(settled, index, text), params.judged_margin)
    return refine(text, raw, index, model, params, cache, chosen=chosen)


def refine(
    text: str,
    proposals: list[Reversal],
    index: CandidateIndex,
    model: Scorer,
    params: Params,
    cache: SiteCache | None = None,
    chosen: list[Reversal] | None = None,
) -> list[Reversal]:
    """Re-score ``proposals`` in a context where the other confident reversals are undone
    (``chosen``, non-overlapping and in text order; default: those whose gain reaches
    ``params.refine_margin``).

    Why: at one swap per 6 characters the neighbours of a spun word are often spun too, and
    the model judges a candidate against a corrupted context. Sites are still those of the
    input and the chosen reversals are applied to the input once: nothing is re-applied to
    output.
    """
    if chosen is None:
        chosen = select(proposals, params.margin if params.refine_margin is None else params.refine_margin)
    if not chosen:
        return proposals
    cleaned_parts: list[str] = []
    starts = [r.start for r in chosen]
    ends = [r.end for r in chosen]
    deltas: list[int] = []  # cleaned offset - input offset after each chosen reversal
    pos = 0
    delta = 0
    for r in chosen:
        cleaned_parts.append(text[pos : r.start])
        cleaned_parts.append(r.original)
        delta += len(r.original) - (r.end - r.start)
        deltas.append(delta)
        pos = r.end
    cleaned_parts.append(text[pos:])
    cleaned = "".join(cleaned_parts)

    def to_clean(i: int) -> int | None:
        # Binary search, not a scan: every site of the document asks, and a long spun
        # document has thousands of chosen reversals.
        k = bisect.bisect_right(ends, i)  # chosen[:k] end at or before i
        if k < len(chosen) and starts[k] < i:
            return None  # inside a reversed span
        return i + (deltas[k - 1] if k else 0)

    out: list[Reversal] = []
    chosen_at = {(c.start, c.end): c for c in chosen}
    for r in proposals:
        a, b = to_clean(r.start), to_clean(r.end)
        if a is None or b is None:
            out.append(r)
            continue
        # The reversed span itself maps to its replacement: score the site, not the replacement.
        own = chosen_at.get((r.start, r.end))
        if own is not None:
            b = a + len(own.original)
        elif b - a != r.end - r.start:
            out.append(r)  # overlaps a chosen reversal partially: keep the first-pass score
            continue
        left = cleaned[:a][-params.left :]
        left = left[left.rfind("\n") + 1 :]
        right = cleaned[b : b + params.right].split("\n", 1)[0]
        new = _score_cached(left, r.spun, right, index, model, params, cache)
        if new is not None:
            out.append(dataclasses.replace(new, start=r.start, end=r.end))
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
