"""Fixer 'spinner': detect and undo dictionary-round-trip synonym swaps ("伪原创" spun text).

Spun documents carry roughly one swap per 6-10 characters; clean text has few spans where the
language model clearly prefers a synonym of what is written. So the document is gated first:
``auto`` scores a bounded sample and gives up on documents below the spun threshold before any
full pass (the lexicons load lazily, once per process, only when a document is scored at all;
:func:`warm_up` loads them ahead of a fork). Before its rare-synonym gate, ``auto`` checks an
upper bound of that rate that needs no segmentation and stops most clean documents there, with
the same outcome and no score (``RepairResult.spun_score`` is then None);
``detect`` scores and flags but changes nothing; ``force`` reverses without the gate.

Each reversal becomes an :class:`~textmend.edits.Edit` of kind ``spinner`` whose confidence is
0.8 exactly at the scoring margin, so edits under ``min_confidence`` become suggestions.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from textmend.cjk import detect_script
from textmend.edits import Edit
from textmend.errors import ConfigError
from textmend.repair.config import RepairConfig
from textmend.spinner import lexicon, wordfreq
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.reverse import (
    Decision,
    Params,
    Reversal,
    Scorer,
    confidence,
    han_count,
    memo_scorer,
    rate_per_100,
    reversals,
    select,
)
from textmend.spinner.table import ReversalTable
from textmend.spinner.trees import Trees

DECISION = Decision(
    weights=(
        -0.0486,  # gain
        0.1682,  # lm
        -0.9969,  # route
        0.2234,  # word
        0.3246,  # lead
        0.6325,  # rate
        -0.0189,  # others
        -0.1636,  # same_form
        -0.0885,  # log_ratio
        0.6196,  # form_known
        -0.0412,  # orig_known
        0.1133,  # form_len
        0.418,  # form_rare
        1.5154,  # doc_route
        0.383,  # orig_ctx
        -0.3894,  # form_ctx
        0.8706,  # orig_ctx2
        -0.2031,  # conflict
        0.4241,  # lm_sum
        -0.1808,  # form_lp
        0.1624,  # orig_lp
        -0.0408,  # uni
        0.2085,  # form_uni
    ),
    bias=-4.8541,
    ranks=True,
    judge_trees=Trees.shipped("judge_trees.json"),
)
"""The site decision for every model of running text (weights in
:data:`textmend.spinner.reverse.FEATURES` order), fitted by ``python -m bench spinner --docs 12
--chars 1500 --lm trained,ngram --fit`` on the tuning half (with the scoring of :data:`PARAMS`
below) of two models of law text: one built like ``textmend lm build`` on tuning-half documents,
what a user with a corpus of their own gets, and a 4-gram model trained on 200 others (the bench's
``NgramLM``), their sites pooled. It ranks every candidate of a site linearly (``Decision.ranks``:
the choice among near-synonyms weighs the document's lexicon mix and its own counts of each
candidate's collocations, ``orig_ctx2``: 开展工作 elsewhere in the text), then judges the chosen
one with 200 boosted trees of depth 3 over ``JUDGE_FEATURES`` (``Decision.judge_trees``, the
package data ``textmend/spinner/judge_trees.json``, written by the same command's
``--trees-out``): the form's own likelihood where it stands, the candidates' in-domain frequency
and an original already claimed by another form separate the clean words of a spun document (开展
-> 进行) from its swaps, and the trees let each of these count by the others.

Why trees for the judge only: on the tuning half scored out of fold (``--compare``), the linear
judge reversed 75.2% / 71.2% (model built like ``textmend lm build`` / 4-gram model) at a measured
precision of 0.96, the trees 76.7% / 74.2%; at the margin ``_pick_margin`` chooses for each (2.5
linear, 2.0 trees) 60.4% / 65.0% against 66.7% / 69.9%, at precision 0.988 / 0.975 against 0.989 /
0.977. A paired bootstrap over documents and spun forms (both judges at their margins; a one-off
analysis of these sweeps, not part of the bench) put the gain's 5th percentile at +4.3 / +3.1
points; at the same margin (2.0) the trees reverse +1.6 / +0.5 points more at a higher precision
(+0.007 / +0.010). Trees ranking the candidates as well did worse
(61.4% / 64.2% at the chosen margin: judged on their own in-sample ranking scores, the trees overfit
them), as did ranking by trees alone (64.4% / 67.7%); depth 2 or 4 and 100-400 trees were within a
point or two at a precision of 0.96 and picked margins with fewer reversals.

Why two models: this decision serves every running-text model a user may build. A linear fit
and margin chosen on the first model alone (margin 2.0) held there (test half 61.1% at 0.960, no
false change) and broke on the second: 66.2% at precision 0.936 and 1.11 false changes per 10,000
clean characters on the test half. Test half at :data:`PARAMS` (``python -m bench spinner --docs 12
--chars 1500 --lm trained,ngram``): see ``PARAMS``."""
DECISION_JUDGED = Decision(
    weights=(
        -0.0456,  # gain
        0.173,  # lm
        -0.9778,  # route
        0.2159,  # word
        0.3269,  # lead
        0.5979,  # rate
        -0.0175,  # others
        -0.1651,  # same_form
        -0.0873,  # log_ratio
        0.5474,  # form_known
        -0.0708,  # orig_known
        0.1532,  # form_len
        0.4124,  # form_rare
        1.4807,  # doc_route
        0.4205,  # orig_ctx
        -0.3943,  # form_ctx
        0.8304,  # orig_ctx2
        -0.2073,  # conflict
        0.3999,  # lm_sum
        -0.1737,  # form_lp
        0.1566,  # orig_lp
        -0.0525,  # uni
        0.1806,  # form_uni
    ),
    bias=-4.9634,
    ranks=True,
    judge_trees=Trees.shipped("judge_trees_judged.json"),
)
"""The decision that judges the sites for every model of running text after :data:`PARAMS`'s
judged rounds (``Params.judged_rounds``): the same kind of fit as :data:`DECISION` (a linear
ranking, then 200 judge trees, ``textmend/spinner/judge_trees_judged.json``), by the same command
(``python -m bench spinner --docs 12 --chars 1500 --lm trained,ngram --fit --trees-out
textmend/spinner/judge_trees_judged.json``, with the scoring of :data:`PARAMS`), but on the
sites as the judged rounds leave them: their contexts were cleaned by the reversals
:data:`DECISION` accepts, so their features differ from those :data:`DECISION` was fitted on.
:data:`DECISION` itself is the fit on the sites as the hand-weighted passes leave them (the same
command with ``--no-judged-rounds``)."""
PARAMS = Params(
    margin=2.0,
    min_log_ratio=None,
    refine_margin=3.0,
    mix_weight=2.0,
    judged_rounds=2,
    refine_decision=DECISION,
    judged_margin=1.0,
    decision=DECISION_JUDGED,
)
""":data:`DECISION_JUDGED` at the log-odds margin the same command chose on its tuning half: the
most reversals (in the worse of the two models) whose precision, scored out of fold and
bootstrapped over documents and spun forms, stays at 0.96 in the 5th percentile, with at most 1
false change per 10,000 clean characters, on each model (``bench/bench_spinner.py``,
``_pick_margin``; the 4-gram model's bound decides it). The hand-weighted gain, re-ranked by the
document's lexicon mix (``mix_weight``, chosen on the tuning half), orders the candidates the
decisions score (``word_top``; 6 instead of 3 bought nothing on the tuning half), counts for the
document rate and cleans the context for the first two rounds of
:func:`~textmend.spinner.reverse.refine` from 3.0 nats; no frequency filter (it lost recall).

Then two judged rounds (``judged_rounds``): the context is cleaned by the reversals
:data:`DECISION` accepts at log-odds 1.0, with the originals it ranks first, and every site is
scored again. Why: at one swap per 6-10 characters a site's context is mostly spun, and the fitted
decision tells a swap from a clean word better than the hand-weighted gain. Chosen on the tuning
half scored out of fold (each fold's sites cleaned and judged by decisions fitted on the other
fold of spun forms; a one-off analysis, the bench cleans with the shipped :data:`DECISION`): at a
measured precision of 0.95 / 0.96 / 0.97 the judged rounds reverse 80.0% / 78.6% / 76.0% of the
substitutions with the first model (without them 78.1% / 76.7% / 73.5%) and 77.0% / 75.8% / 73.3%
with the 4-gram model (75.5% / 74.2% / 71.4%); at the picked margin, 2.0 with and without, 69.5%
and 71.8% at precision 0.989 and 0.979 against 66.7% and 69.9% at 0.989 and 0.977, a gain whose
5th percentile in a paired bootstrap over documents and spun forms is +1.7 / +0.8 points. The
other settings tried, as (clean at, rounds): picked margin, reversed with each model: (3.0, 1)
2.25, 66.1% / 69.1%; (2.0, 1) 2.25, 66.5% / 69.2%; (2.0, 2) 2.0, 67.8% / 70.5%; (1.0, 1) 2.25,
67.1% / 69.3%; (0.0, 1) 2.0, 69.5% / 71.2% (bootstrap 5th percentile -0.2 points with the 4-gram
model); (0.0, 2) 2.25, 69.0% / 70.5%. Test half (``python -m bench spinner --docs 12 --chars 1500 --lm
trained,ngram``): 60.5% reversed at precision 0.972 with the first model, 63.7% at 0.962 with the
4-gram model (without the judged rounds 57.6% at 0.974 and 62.1% at 0.964); no false change on
clean text with the first model, 0.56 per 10,000 clean characters with the 4-gram model (one, in
18,000 characters; none without); no clean document touched in ``auto``. Cost: 1.6 times the CPU
time of the reversal pass (8,000 characters of law text, model built like ``textmend lm build``,
same run: 2.35 s against 1.49 s clean, 3.54 s against 2.23 s spun); ``auto`` stops most clean
documents at its gates before any full pass."""
DECISION_WORDLIST = Decision(
    weights=(
        -0.0304,  # gain
        0.0394,  # lm
        -1.078,  # route
        0.2816,  # word
        0.2591,  # lead
        0.3165,  # rate
        -0.015,  # others
        -0.047,  # same_form
        0.2721,  # log_ratio
        2.0743,  # form_known
        -0.37,  # orig_known
        -0.4053,  # form_len
        -0.2149,  # form_rare
        1.8821,  # doc_route
        1.0794,  # orig_ctx
        -0.21,  # form_ctx
        0.7625,  # orig_ctx2
        -0.2642,  # conflict
        0.2679,  # lm_sum
        -0.0569,  # form_lp
        0.0346,  # orig_lp
        -0.0517,  # uni
        0.1247,  # form_uni
    ),
    bias=-2.5852,
    ranks=True,
    judge_trees=Trees.shipped("judge_trees_wordlist.json"),
)
"""The same kind of fit (a linear ranking, then judge trees, ``judge_trees_wordlist.json``) for the
default word-list model: ``python -m bench spinner --docs 12 --chars 1500 --lm default --fit
--trees-out textmend/spinner/judge_trees_wordlist.json`` (with the scoring of
:data:`PARAMS_WORDLIST`). Why a second one: the weights fitted on a model of running text trust
its preference far more than a word-list model deserves (34 false changes per 10,000 clean
characters in ``force`` mode in round 1). Why ranking: with this model the hand-weighted gain
often puts a wrong near-synonym first; on the tuning half, scored out of fold, ranking reversed
10.9% at margin 2.25 (precision 0.985), judging the gain's choice 4.7% (0.991). Why trees
(tuning half, out of fold, ``--compare``): at a measured precision of 0.95 / 0.96 / 0.97 the
linear judge reversed 23.4% / 20.8% / 15.7% and the trees 22.3% / 20.3% / 18.8%, but the linear
judge's false changes on clean text (1.7 per 10,000 characters at margin 3.0) and its precision
bound kept it at margin 5.0 (9.2% at 0.987), while the trees' bound reaches 0.96 at 3.0 with no
false change (17.2% at 0.985); a paired bootstrap over documents and spun forms (one-off, as for
:data:`DECISION`) put the gain at those margins at +8.0 points, 5th percentile +5.1. Test half:
16.3% reversed at precision 0.965, no false change on clean text (the linear judge at 5.0: 9.0% at
0.973). What the margin loses, on the tuning half (this fit, in sample): 45% of the substitutions
have the right original first under it and 24% a wrong one first -- a word list scores each word,
not its fit in the sentence, so near-synonyms stay apart by little (嫏嬛 -> 文库 for 图书馆)."""
PARAMS_WORDLIST = Params(
    margin=3.0, min_log_ratio=None, refine_margin=3.0, word_top=10, decision=DECISION_WORDLIST
)
"""The word-list decision at the margin the same command chose (the rule of :data:`PARAMS`).
The word component ranks the 10 best candidates by the character model, not 3: the cut lost a
quarter of the true originals on the tuning half (6% at 10), for 1.4 times the CPU time of a
full reversal pass (``textmend lm`` default model, 8,000 characters of law text: 3,691 chars/CPU
s, 5,209 at 3; with the context-free scores and the features of the current decision 3,072,
against 3,448 for the previous one in the same run). The judge trees cost 1.5% of the pass on
clean law text and 3% on spun text against the linear judge (1.94 s against 1.91 s and 2.36 s
against 2.30 s of CPU for 8,000 characters, same run)."""


def params_for(model: object) -> Params:
    """:data:`PARAMS` for a model of running text (``textmend lm build``), else
    :data:`PARAMS_WORDLIST` (the default model; see ``LanguageModel.running_text``)."""
    return PARAMS if getattr(model, "running_text", False) else PARAMS_WORDLIST


THRESHOLD = 1.5
"""Spun score (accepted reversals per 100 Han characters) above which ``auto`` reverses. At
``PARAMS`` the clean tuning documents of the bench scored 0.00 with both running-text models and
documents spun at the lowest rate (one swap per 20 characters) at least 2.67 with the model built
like ``textmend lm build`` and 2.55 with the 4-gram model (without the judged rounds: 2.64 and
2.75; with the linear judge at margin 2.5:
0.00 and at least 1.89 and 2.47; with the decision fitted on the first model alone and margin 2.0,
0.00 and at least 2.36, when the threshold was 2.0; at the margin of round 1, 0.5: at most 0.08 and
at least 2.6)."""
RARE_THRESHOLD = 4.3
"""Rare-synonym rate (:func:`~textmend.spinner.wordfreq.rare_synonym_rate`) below which
``auto`` stops before consulting the language model."""
MIN_HAN = 40  # below this a rate means nothing: one odd word would decide the document
MIN_HAN_AUTO = 200
"""``auto`` reverses nothing in shorter texts: on short paragraphs a handful of legitimate rare
words passes the gate (39 of 4,000 clean law paragraphs of 44-157 characters were changed with
the gate at ``MIN_HAN``; 0 of 20,000 at 200). ``detect`` and ``force`` still work from
``MIN_HAN``."""
SAMPLE_WINDOWS = 3
SAMPLE_CHARS = 200
RARE_SAMPLE_CHARS = 600
SUGGEST_BELOW = 1.0  # log-odds under the margin still reported as suggestions


def _script_of(text: str) -> str:
    return "t" if detect_script(text) == "traditional" else "s"


@functools.cache
def _index(script: str, table_path: str | None = None) -> CandidateIndex:
    # Cilin is simplified only; a traditional document gets CC-CEDICT's traditional groups.
    lexicons = [lexicon.cedict(), lexicon.cilin()] if script == "s" else [lexicon.cedict()]
    table = ReversalTable.load(table_path) if table_path else None
    return CandidateIndex(lexicons, script=script, table=table)


def _model(config: RepairConfig) -> Scorer | None:
    """The shared language model, or None when textmend.lm cannot provide one."""
    try:
        get_model = importlib.import_module("textmend.lm").get_model
    except (ImportError, AttributeError):
        return None
    model: Scorer = get_model(config.lm_path)
    return model


def _sample(text: str) -> list[tuple[int, int]]:
    """Up to ``SAMPLE_WINDOWS`` windows spread over the text (start, middle, end)."""
    n = len(text)
    if n <= SAMPLE_WINDOWS * SAMPLE_CHARS:
        return [(0, n)]
    step = (n - SAMPLE_CHARS) / (SAMPLE_WINDOWS - 1)
    return [(int(k * step), int(k * step) + SAMPLE_CHARS) for k in range(SAMPLE_WINDOWS)]


def _rare_rate(
    text: str,
    index: CandidateIndex,
    rate: Callable[[str, CandidateIndex], float] = wordfreq.rare_synonym_rate,
) -> float:
    """The rare-synonym rate over at most ``SAMPLE_WINDOWS`` windows of ``RARE_SAMPLE_CHARS``.

    Why a sample: the gate's cost must not grow with the document; 1,800 characters hold
    about 100 spinner swaps in a spun document and a handful of rare words in a clean one.
    With ``rate=wordfreq.rare_rate_bound`` it is an upper bound of the same rate (window by
    window, and the mean of bounds bounds the mean).
    """
    n = len(text)
    if n <= SAMPLE_WINDOWS * RARE_SAMPLE_CHARS:
        return rate(text, index)
    step = (n - RARE_SAMPLE_CHARS) / (SAMPLE_WINDOWS - 1)
    rates = []
    for k in range(SAMPLE_WINDOWS):
        start = int(k * step)
        rates.append(rate(text[start : start + RARE_SAMPLE_CHARS], index))
    return sum(rates) / len(rates)


def _sample_rate(text: str, index: CandidateIndex, model: Scorer, params: Params) -> float:
    accepted = 0
    han = 0
    for s, e in _sample(text):
        piece = text[s:e]
        # The full scoring (pooling, the window's own rate): the same score the full pass gives.
        accepted += len(select(reversals(piece, index, model, params), params.margin))
        han += han_count(piece)
    return 100.0 * accepted / han if han else 0.0


def analyse(
    text: str,
    config: RepairConfig,
    model: Scorer | None = None,
    index: CandidateIndex | None = None,
    params: Params | None = None,
    threshold: float = THRESHOLD,
    rare_threshold: float = RARE_THRESHOLD,
) -> tuple[float | None, list[Reversal]]:
    """The spun score of ``text`` and its proposed reversals (empty when the gate says clean),
    scored with ``params`` (default: :func:`params_for` the model).

    The score is the rate of model-approved reversals per 100 Han characters. In ``auto``
    mode a document stopped by a gate gets that gate's estimate instead (the rare-synonym
    rate scaled so its threshold maps to ``threshold``, or the sample's rate), and no full
    pass runs. The score is None when the document was not scored: ``off``, fewer than
    ``MIN_HAN`` Han characters (``MIN_HAN_AUTO`` in ``auto``), ``auto`` without a language model, or (``auto``) a cheap upper
    bound of the rare-synonym rate already below ``rare_threshold``.
    """
    han = han_count(text)
    if config.spinner == "off" or han < MIN_HAN or (config.spinner == "auto" and han < MIN_HAN_AUTO):
        return None, []
    index = index or _index(_script_of(text), config.spinner_table)
    if config.spinner == "auto":
        # Pre-check, sound by construction (see wordfreq.rare_rate_bound): when even an upper
        # bound of the rare-synonym rate is under the gate, the gate below would stop the
        # document too, so its jieba segmentation is skipped. The estimate is then unknown.
        if _rare_rate(text, index, wordfreq.rare_rate_bound) < rare_threshold:
            return None, []
        # First gate, before the model loads and independent of its domain: spun text is full
        # of rare words that have a much more common synonym.
        rare = _rare_rate(text, index)
        if rare < rare_threshold:
            return rare * threshold / rare_threshold, []
    model = model or _model(config)
    if model is None:
        if config.spinner == "auto":
            return None, []  # cannot judge without the model: doing nothing is the safe default
        raise ConfigError(f"--spinner {config.spinner} needs the language model (textmend.lm)")
    params = params or params_for(model)
    model = memo_scorer(model)  # one memo for the sample and the full pass over this document
    if config.spinner == "auto" and len(text) > SAMPLE_WINDOWS * SAMPLE_CHARS:
        # Cheap gate: a bounded sample first, so clean documents cost the same whatever their size.
        sample_rate = _sample_rate(text, index, model, params)
        if sample_rate < threshold / 2:
            return sample_rate, []
        if not _trusted(config, model):
            # auto with the word-list model only reports (see _trusted): the sample's rate is
            # the document's score, and the full pass, whose cost grows with the document,
            # would only list suspects nobody applies. ``detect`` lists them.
            return sample_rate, []
    proposals = reversals(text, index, model, params)
    score = rate_per_100(len(select(proposals, params.margin)), text)
    return score, proposals


def score(text: str, config: RepairConfig, model: Scorer | None = None) -> float:
    """The spun score of a document: accepted reversals per 100 Han characters (0 below
    ``MIN_HAN`` Han characters, where a rate means nothing)."""
    cfg = config if config.spinner != "off" else config.with_options(spinner="detect")
    got = analyse(text, cfg, model)[0]
    return 0.0 if got is None else got


def fix(
    text: str, config: RepairConfig, model: Scorer | None = None, *, threshold: float = THRESHOLD
) -> list[Edit]:
    """Reversal edits (``force``, or ``auto`` above the threshold) or flags (``detect``).

    Edits within ``SUGGEST_BELOW`` under the margin get a confidence under 0.8, so the
    pipeline reports them as suggestions instead of applying them.
    """
    return fix_scored(text, config, model, threshold=threshold)[0]


def fix_scored(
    text: str, config: RepairConfig, model: Scorer | None = None, *, threshold: float = THRESHOLD
) -> tuple[list[Edit], float | None]:
    """:func:`fix` and the document's spun score (None when not scored, see :func:`analyse`);
    the pipeline puts the score in ``RepairResult.spun_score``."""
    if config.spinner == "off":
        return [], None
    doc_score, proposals = analyse(text, config, model, threshold=threshold)
    if doc_score is None or (config.spinner == "auto" and doc_score < threshold):
        # None: not scored, and then there is nothing to reverse (analyse proposed nothing).
        return [], doc_score
    # The margin of the params analyse scored with (the proposals are empty when it loaded no model).
    margin = params_for(model or _model(config)).margin if proposals else PARAMS.margin
    chosen = select(proposals, margin - SUGGEST_BELOW)
    note_score = f"document spun score {doc_score:.1f}/100 chars"
    if config.spinner == "auto" and not proposals and doc_score >= threshold:
        # Scored on the sample only (auto with the word-list model): one flag for the document.
        return [
            Edit(0, 0, "", "", "spinner.suspect", 1.0, f"{note_score}; run --spinner detect for the spans")
        ], doc_score
    if config.spinner == "detect" or (config.spinner == "auto" and not _trusted(config, model)):
        if doc_score < threshold:
            return [], doc_score
        # Flags only: before == after marks the span; the note names the likely original.
        flags = [
            Edit(
                r.start,
                r.end,
                r.spun,
                r.spun,
                "spinner.suspect",
                confidence(r.gain, margin),
                f"likely spun from {r.original} (gain {r.gain:.1f}); {note_score}",
            )
            for r in chosen
        ]
        return flags, doc_score
    edits = [
        Edit(r.start, r.end, r.spun, r.original, "spinner", confidence(r.gain, margin), _note(r))
        for r in chosen
    ]
    return edits, doc_score


def _trusted(config: RepairConfig, model: Scorer | None) -> bool:
    """Whether ``auto`` may reverse, or only flag (as ``detect``): it needs a model of running
    text (``--lm``, built with ``textmend lm build``) or a learnt reversal table. With the
    default word-list model the gate cannot tell spun text from clean text well enough: on
    clean law documents it once changed 3 of 2,841 (頒發->問題, 申請書->應用) while reversing only
    2-4% of a synthetic spinner's swaps (16.3% at 0.965 precision with ``PARAMS_WORDLIST`` now:
    ``python -m bench spinner --docs 12 --chars 1500 --lm default``), so by default suspects are reported, not applied."""
    if config.spinner_table:
        return True
    model = model or _model(config)
    return bool(getattr(model, "running_text", False))


def warm_up(config: RepairConfig) -> None:
    """Load what the gate needs (both scripts' candidate indexes, jieba, its word counts) into
    this process, so workers forked afterwards inherit them instead of loading their own."""
    if config.spinner == "off":
        return
    import jieba

    for script in ("s", "t"):
        _index(script, config.spinner_table)
    wordfreq.freq("的")
    jieba.initialize()


def _note(r: Reversal) -> str:
    source = "table+lexicon" if r.from_table else "lexicon"
    # The gain is no longer the model's preference alone (route, word component, runner-up,
    # document rate: see reverse.Params), so the note says score and gives the gap to the next
    # candidate by the hand-weighted gain (negative when the fitted decision preferred a
    # candidate that gain ranked lower, see reverse.Decision.ranks).
    return (
        f"{r.spun}->{r.original}: score {r.gain:.1f} (log-odds), {r.lead:+.1f} nats against the next "
        f"candidate ({source})"
    )
