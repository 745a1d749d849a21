"""Spinner reversal: tune on one half, report on the other (``python -m bench spinner``).

Synthetic spinners (CC-CEDICT gloss round trips, HIT Cilin lines) spin clean law texts from
../shared/corpora at several rates. Both the substitution pairs and the documents are split in
halves by hash: the site decision (a logistic regression over the features of
``textmend.spinner.reverse.FEATURES`` ranking the candidates, boosted trees judging the choice),
margin and gate threshold are fitted on half 0 and the numbers are reported on half 1, i.e. on
pairs and documents the tuning never saw. The margin
of the fitted decision is chosen on the tuning half's sites scored out of fold (by decisions
fitted on the other half of its spun forms) as the one with the most reversals whose precision
stays at ``TARGET`` in the 5th percentile of a bootstrap over documents and forms (see
``_pick_margin``). A table breaks the tuning half's substitutions down by where they are lost
(coverage, filters, margin, wrong original); the test half is also scored with the shipped
``PARAMS`` (``PARAMS_WORDLIST`` for the default model).

Options: ``--docs N`` documents per half (default 16), ``--chars N`` excerpt length (1500),
``--lm default|ngram|trained`` (``default``: textmend.lm.get_model(); ``ngram``: a 4-gram stand-in
trained here on 200 tuning-half documents that are not evaluated; ``trained``: a textmend model
built like ``textmend lm build`` on every tuning-half document that is not evaluated -- what a
user with a corpus of their own gets; ``--train-share F`` keeps a fraction F of those documents and
``--train-on both-halves`` adds the test half's documents that are not evaluated, for a learning
curve; ``+laws-tw`` adds that corpus; ``--order N`` and ``--min-count N`` as in ``textmend lm
build``); several, comma-separated (``--lm trained,ngram``), fit
one decision on their tuning sites pooled and choose one margin that holds on each of them
(:func:`_pick_margin`), then report the test half model by model; ``--fit`` stops after the
tuning half's fit and prints the decision and its margin (how ``textmend.repair.spinner.DECISION``
and ``PARAMS`` were made);
``--no-ranks`` fits a decision that judges the hand-weighted gain's choice at each site instead
of ranking every candidate (``Decision.ranks``); the ranking's choice is judged by boosted trees
(``Decision.judge_trees``, fitted here by :func:`_boost`, numpy only); ``--linear-judge`` fits the
linear judge instead (``Decision.judge``), ``--no-judge`` none (the ranking score is the gain);
``--compare`` first prints the tuning half scored out of fold with the linear judge and with the
trees (reversed at precision 0.95 / 0.96 / 0.97 and at each one's chosen margin); with ``--fit``
the fitted trees are written to ``--trees-out PATH`` (default: a new temporary directory; the
shipped ones are ``textmend/spinner/judge_trees.json`` and, for ``--lm default``,
``judge_trees_wordlist.json``). The tuning and test passes run the shipped params' judged
rounds (``Params.judged_rounds``: refinement in a context cleaned by the shipped
``refine_decision``), so ``--fit`` fits the decision that judges their sites
(``textmend.repair.spinner.DECISION_JUDGED``); ``--no-judged-rounds`` turns them off, which fits
the decision they clean with (``DECISION``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from bench.common import need_shared, print_table, timed
from textmend.cjk import fold_script
from textmend.edits import Edit, apply_edits
from textmend.repair import spinner as fixer
from textmend.repair.config import RepairConfig
from textmend.spinner import lexicon
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.reverse import (
    JUDGE_FEATURES,
    RANK_GAP_CAP,
    Decision,
    Params,
    Reversal,
    Scorer,
    common_originals,
    option_features,
    rate_per_100,
    reversals,
    select,
)
from textmend.spinner.synth import Spinner, Substitution
from textmend.spinner.trees import NO_SPLIT, Trees
from textmend.spinner.wordfreq import rare_synonym_rate

RATES = (0.3, 0.6, 1.0)


class NgramLM:
    """Interpolated absolute-discount character n-gram model: a stand-in for textmend.lm."""

    running_text = True  # trained on law text, like a `textmend lm build` model (fixer.params_for)

    def __init__(self, texts: Sequence[str], order: int = 4, discount: float = 0.75) -> None:
        self.order = order
        self.d = discount
        self.counts: list[Counter[str]] = [Counter() for _ in range(order + 1)]
        self.ctx: list[Counter[str]] = [Counter() for _ in range(order + 1)]
        self.types: list[Counter[str]] = [Counter() for _ in range(order + 1)]
        for t in texts:
            for n in range(1, order + 1):
                self.counts[n].update(t[i : i + n] for i in range(len(t) - n + 1))
        for n in range(1, order + 1):
            for g, c in self.counts[n].items():
                self.ctx[n][g[:-1]] += c
                self.types[n][g[:-1]] += 1
        self.vocab = len(self.counts[1]) + 1
        self.total = sum(self.counts[1].values())
        self._cache: dict[str, float] = {}

    def _p(self, h: str, c: str) -> float:
        p = (self.counts[1].get(c, 0) + 1) / (self.total + self.vocab)
        for n in range(2, self.order + 1):
            hh = h[len(h) - (n - 1) :] if n - 1 <= len(h) else None
            if hh is None:
                break
            cc = self.ctx[n].get(hh, 0)
            if cc == 0:
                break
            p = max(self.counts[n].get(hh + c, 0) - self.d, 0) / cc + self.d * self.types[n][hh] / cc * p
        return p

    def score_in_context(self, left: str, span: str, right: str) -> float:
        key = left + "\0" + span + "\0" + right
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        # Fold traditional to simplified, as textmend.lm does, so both scripts are scored.
        s = fold_script(left + span + right)
        lp = sum(math.log(self._p(s[max(0, i - self.order + 1) : i], s[i])) for i in range(len(left), len(s)))
        self._cache[key] = lp
        return lp

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        return [self.score_in_context(left, c, right) for c in candidates]


def _docs(shared: Path, name: str, half: int, n: int, chars: int, skip: int = 0) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen = 0
    with (shared / "corpora" / name).open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if zlib.crc32(str(d["id"]).encode()) & 1 != half or len(d["text"]) < chars + 400:
                continue
            seen += 1
            if seen <= skip:
                continue
            # Skip the title block: start a little way in, at a line start.
            start = d["text"].find("\n", 200) + 1
            out.append((str(d["id"]), d["text"][start : start + chars] if chars else d["text"]))
            if len(out) >= n:
                break
    return out


def _score_subs(subs: list[Substitution], applied: list[Reversal]) -> tuple[int, int]:
    truth = {(s.start, s.end): s.original for s in subs}
    right = sum(1 for r in applied if truth.get((r.start, r.end)) == r.original)
    return right, len(applied)


def _located(subs: list[Substitution], applied: list[Reversal]) -> int:
    """Applied reversals sitting exactly on a spun span, whatever original they chose."""
    spans = {(s.start, s.end) for s in subs}
    return sum(1 for r in applied if (r.start, r.end) in spans)


def _apply(text: str, applied: list[Reversal]) -> str:
    return apply_edits(text, [Edit(r.start, r.end, r.spun, r.original, "spinner") for r in applied])


def _load_model(
    which: str,
    shared: Path,
    exclude: set[str],
    share: float = 1.0,
    halves: int = 1,
    extra: Sequence[str] = (),
    order: int = 5,
    min_count: float | None = None,
) -> Scorer:
    """``share``: keep this fraction of the trained model's documents (by a hash of their id), for
    a learning curve; ``halves``: 2 also trains on the test half's documents that are not
    evaluated (``exclude`` then holds both halves' evaluated ids); ``extra``: other corpora's
    whole files (``laws-tw.jsonl``), never evaluated here."""
    if which == "default":
        import importlib

        model: Scorer = importlib.import_module("textmend.lm").get_model()
        return model
    # Train on documents that are not evaluated: by default the tuning half's only.
    if which == "trained":
        from textmend.lm import LanguageModel, build_model

        docs = [
            t
            for half in range(halves)
            for i, t in _docs(shared, "laws-cn.jsonl", half, 1_000_000, 0)
            if i not in exclude and (zlib.crc32(f"share:{i}".encode()) % 1000) < share * 1000
        ]
        docs += [t for name in extra for h in (0, 1) for _, t in _docs(shared, name, h, 1_000_000, 0)]
        path = Path(tempfile.mkdtemp(prefix="textmend-bench-spinner-")) / "tuning-half.tmlm"
        build_model(docs, path, order=order, min_count=min_count, source=f"laws, {len(docs)} documents")
        chars = sum(map(len, docs))
        print(f"model trained: {len(docs)} documents, {chars / 1e6:.1f} M characters")
        return LanguageModel(path)
    train = [t for i, t in _docs(shared, "laws-cn.jsonl", 0, 400, 0) if i not in exclude][:200]
    return NgramLM([t for t in train])


@dataclass
class Case:
    spinner: str
    rate: float
    original: str
    spun: str
    subs: list[Substitution]
    props: list[Reversal]
    rare: float
    doc: int = 0  # which document of the half, for the bootstrap over documents


def _run(
    shared: Path, half: int, n_docs: int, chars: int, index: CandidateIndex, model: Scorer, params: Params
) -> tuple[list[tuple[str, list[Reversal], float]], list[Case]]:
    docs = [t for _, t in _docs(shared, "laws-cn.jsonl", half, n_docs, chars)]
    spinners = [
        Spinner.from_lexicon(lexicon.cedict(), "s", half),
        Spinner.from_lexicon(lexicon.cilin(), "s", half),
    ]
    clean = [(t, reversals(t, index, model, params), rare_synonym_rate(t, index)) for t in docs]
    cases: list[Case] = []
    for sp in spinners:
        for rate in RATES:
            for k, t in enumerate(docs):
                s, subs = sp.spin(t, rate, seed=k)
                cases.append(
                    Case(
                        sp.name.split("-")[0],
                        rate,
                        t,
                        s,
                        subs,
                        reversals(s, index, model, params),
                        rare_synonym_rate(s, index),
                        k,
                    )
                )
    return clean, cases


def _breakdown(
    cases: list[Case], index: CandidateIndex, params: Params, margin: float
) -> list[tuple[Any, ...]]:
    """Where each true substitution of ``cases`` is lost at ``margin`` (tuning half only).

    (a) coverage: the spun form has no candidates, or the true original is not among them
    (a ceiling no scoring can pass); (b) filtered: the frequency filter (``min_log_ratio``) or
    the word component's ``word_top`` cut dropped it; (c) right original ranked first, gain
    under the margin; (d) a wrong original ranked first; (e) right and over the margin but an
    overlapping stronger reversal won; else reversed. ``props`` must be kept with no floor.
    """
    counts: Counter[str] = Counter()
    for c in cases:
        at = {(r.start, r.end): r for r in c.props}
        chosen = {(r.start, r.end, r.original) for r in select(c.props, margin)}
        for s in c.subs:
            origs = index.originals(s.spun)
            r = at.get((s.start, s.end))
            if not origs:
                counts["a: no site (form has no candidates)"] += 1
            elif s.original not in origs:
                counts["a: original not among candidates"] += 1
            elif params.min_log_ratio is not None and s.original not in common_originals(
                index, s.spun, params.min_log_ratio
            ):
                counts["b: frequency filter (min_log_ratio)"] += 1
            elif r is None or s.original not in {o for o, _, _ in r.options}:
                counts["b: word_top cut"] += 1
            elif r.original != s.original:
                counts["d: wrong original ranked first"] += 1
            elif r.gain < margin:
                counts["c: right original first, gain under margin"] += 1
            elif (s.start, s.end, s.original) not in chosen:
                counts["e: lost to an overlapping reversal"] += 1
            else:
                counts["reversed"] += 1
    total = sum(counts.values())
    return [(k, v, v / max(total, 1)) for k, v in sorted(counts.items())]


def _sweep(
    clean: list[tuple[str, list[Reversal], float]], cases: list[Case], margins: Sequence[float]
) -> list[tuple[float, float, float, float, float]]:
    """Per margin: reversed, precision, false changes per 10k clean characters, and the
    precision's lower bound (:func:`_precision_bound`)."""
    rows = []
    clean_chars = sum(len(t) for t, _, _ in clean)
    for margin in margins:
        fc = sum(len(select(p, margin)) for _, p, _ in clean)
        right = applied = total = 0
        hits: list[tuple[int, str, bool]] = []
        for c in cases:
            acc = select(c.props, margin)
            truth = {(s.start, s.end): s.original for s in c.subs}
            hits.extend((c.doc, r.spun, truth.get((r.start, r.end)) == r.original) for r in acc)
            r, a = _score_subs(c.subs, acc)
            right += r
            applied += a
            total += len(c.subs)
        rows.append(
            (
                margin,
                right / max(total, 1),
                right / applied if applied else 1.0,
                1e4 * fc / clean_chars,
                _precision_bound(hits),
            )
        )
    return rows


BOOT = 400
BOUND_PERCENTILE = 5.0


def _precision_bound(hits: list[tuple[int, str, bool]], seed: int = 0) -> float:
    """The ``BOUND_PERCENTILE`` percentile of the precision of ``hits`` (document, spun form,
    right) over ``BOOT`` resamplings that redraw both the documents and the spun forms with
    replacement (a two-way cluster bootstrap: each hit weighs its document's count times its
    form's count).

    Why: the test half draws new documents and a new half of the spinners' pairs, and errors
    cluster in both -- one common form whose near-synonyms the model cannot tell apart (推动/
    促进) is wrong in every document it occurs in. The tuning half's own precision at the
    margin it was picked for is optimistic (0.955 there, 0.929 on the test half in round 1);
    a margin whose precision stays at 0.95 when documents and pairs are redrawn is one that
    can hold on unseen ones.
    """
    if not hits:
        return 1.0
    docs = {d: i for i, d in enumerate(sorted({d for d, _, _ in hits}))}
    forms = {f: i for i, f in enumerate(sorted({f for _, f, _ in hits}))}
    applied = np.zeros((len(docs), len(forms)))
    right = np.zeros((len(docs), len(forms)))
    for d, f, ok in hits:
        applied[docs[d], forms[f]] += 1
        right[docs[d], forms[f]] += ok
    rng = np.random.default_rng(seed)
    wd = rng.multinomial(len(docs), [1 / len(docs)] * len(docs), size=BOOT).astype(float)
    wf = rng.multinomial(len(forms), [1 / len(forms)] * len(forms), size=BOOT).astype(float)
    num = ((wd @ right) * wf).sum(axis=1)
    den = ((wd @ applied) * wf).sum(axis=1)
    prec = np.where(den > 0, num / np.maximum(den, 1e-12), 1.0)
    return float(np.percentile(prec, BOUND_PERCENTILE))


TARGET = 0.96
"""What the precision bound must reach: the issue's 0.95 and a point of slack. Why the slack:
in round 1 the test half's precision fell 0.026 under the tuning half's at the chosen margin,
about twice the bootstrap's spread there (precision 0.955, 5th percentile 0.939), so the
bound alone had been no guarantee."""


MAX_FALSE = 1.0
"""False changes per 10,000 clean characters the chosen margin may make on the tuning half's
clean documents (the issue's limit). Why: the precision bound does not bound them (a first fit
with the document's own counts, since corrected, had its margin make 3.9 per 10,000 there); it
binds neither shipped fit now."""


Sweep = list[tuple[float, float, float, float, float]]
"""Rows of :func:`_sweep`: margin, reversed, precision, false changes per 10k clean, bound."""
Run = tuple[list[tuple[str, list[Reversal], float]], list["Case"]]
"""One model's half: its clean documents (text, proposals, rare-synonym rate) and spun cases."""


def _pick_margin(sweeps: Sequence[Sweep]) -> tuple[float, str]:
    """The margin whose precision bound (:func:`_precision_bound`) reaches ``TARGET`` and whose
    false changes on clean text stay within ``MAX_FALSE`` in every one of ``sweeps`` (one per
    model, same margins), with the most reversals in the worst of them; decided on the tuning
    half alone (out of fold for a fitted decision, see :func:`_out_of_fold`).

    Why every model: the shipped decision and margin serve every running-text model a user may
    build, and a margin chosen on one model's sweep broke another's (fitted and chosen on the
    ``trained`` model alone, margin 2.0 made 1.11 false changes per 10,000 clean characters at
    precision 0.936 on the test half with the ``ngram`` model)."""
    margins = [r[0] for r in sweeps[0]]
    ok = [
        (min(s[i][1] for s in sweeps), m)
        for i, m in enumerate(margins)
        if all(s[i][4] >= TARGET and s[i][3] <= MAX_FALSE for s in sweeps)
    ]
    if ok:
        return max(ok)[1], (
            f"most reversed at a precision bound >= {TARGET}, <= {MAX_FALSE:g} false/10k clean"
            + (f", on each of {len(sweeps)} models" if len(sweeps) > 1 else "")
        )
    f1 = [
        (min(2 * s[i][2] * s[i][1] / (s[i][2] + s[i][1]) if s[i][1] + s[i][2] else 0.0 for s in sweeps), m)
        for i, m in enumerate(margins)
    ]
    return max(f1)[1], f"best F1 (precision bound {TARGET} not reached on the tuning half)"


def _form_fold(form: str) -> int:
    """The cross-validation fold (0 or 1) of a spun form's sites."""
    return zlib.crc32(f"fold:{form}".encode()) & 1


def _fit(
    clean: list[tuple[str, list[Reversal], float]],
    cases: list[Case],
    index: CandidateIndex,
    l2: float = 1.0,
    skip_fold: int | None = None,
    ranks: bool = True,
    judge: str = "trees",
) -> Decision:
    """A logistic regression (Newton steps, L2 on standardised features) of "this candidate
    is the site's true original" over every scored candidate of every site of the tuning half
    (with ``ranks``; else of "this site's best original is a true substitution" over every
    site), spun and clean, but the sites whose form is in ``skip_fold`` (:func:`_form_fold`).
    With ``ranks`` and ``judge`` ``"linear"``, a second one over the same sites' ranked choices
    (:data:`~textmend.spinner.reverse.JUDGE_FEATURES`) becomes the decision's judge; with
    ``"trees"``, boosted trees (:func:`_boost`) over the same rows (``Decision.judge_trees``);
    with ``"none"`` the ranking score is the gain."""
    xs: list[tuple[float, ...]] = []
    ys: list[float] = []
    sets = [(c.spun, c.props, {(s.start, s.end, s.original) for s in c.subs}) for c in cases]
    sets.extend((text, props, set()) for text, props, _ in clean)
    sites: list[tuple[list[tuple[str, tuple[float, ...]]], set[str]]] = []
    for text, props, truth in sets:
        for r, rows in zip(props, option_features(props, index, text=text), strict=True):
            if _form_fold(r.spun) == skip_fold:
                continue
            right = {orig for orig, _ in rows if (r.start, r.end, orig) in truth}
            sites.append((rows, right))
            for orig, f in rows if ranks else rows[:1]:
                xs.append(f)
                ys.append(float(orig in right))
    weights, bias = _logistic(xs, ys, l2)
    decision = Decision(weights, bias, ranks=ranks)
    if not ranks or judge == "none":
        return decision
    # The judge: the ranking's choice at every site, with its ranking score and lead.
    jx: list[tuple[float, ...]] = []
    jy: list[float] = []
    for rows, right in sites:
        orig, feats, score, gap = decision.ranked(rows)
        jx.append((*feats, score, min(gap, RANK_GAP_CAP)))
        jy.append(float(orig in right))
    if judge == "trees":
        trees = _boost(np.asarray(jx), np.asarray(jy), JUDGE_FEATURES)
        return dataclasses.replace(decision, judge_trees=trees)
    j_weights, j_bias = _logistic(jx, jy, l2)
    return dataclasses.replace(decision, judge=j_weights, judge_bias=j_bias)


TREE_DEPTH = 3
TREE_COUNT = 200
TREE_RATE = 0.1
TREE_L2 = 1.0
TREE_MIN_HESS = 1.0
TREE_BINS = 64
"""The judge's booster (:func:`_boost`), chosen on the tuning half scored out of fold (see
``textmend.repair.spinner.DECISION``)."""


def _bin_edges(x: np.ndarray, n_bins: int) -> list[np.ndarray]:
    """Per column of ``x``, up to ``n_bins - 1`` split thresholds taken among its own values
    (a row with value <= edge ``b`` is in a bin <= ``b``), at its quantiles when it has more
    distinct values than bins."""
    out = []
    for col in x.T:
        values = np.unique(col)
        if len(values) <= n_bins:
            edges = values[:-1]
        else:
            # inverted_cdf: the quantiles are values of the column, so thresholds are too.
            q = np.quantile(col, np.arange(1, n_bins) / n_bins, method="inverted_cdf")
            edges = np.unique(q)
            edges = edges[edges < values[-1]]
        out.append(edges)
    return out


def _boost(
    xs: np.ndarray,
    ys: np.ndarray,
    names: Sequence[str],
    depth: int = TREE_DEPTH,
    n_trees: int = TREE_COUNT,
    rate: float = TREE_RATE,
    l2: float = TREE_L2,
    min_hess: float = TREE_MIN_HESS,
    n_bins: int = TREE_BINS,
) -> Trees:
    """Gradient-boosted regression trees for the logistic loss (Newton leaf values
    ``-rate * G / (H + l2)``, splits by ``G**2 / (H + l2)`` on histograms of ``n_bins`` bins,
    each side holding at least ``min_hess`` of the Hessian), grown level by level to ``depth``.

    Deterministic: no sampling, ties go to the first column and bin, and the thresholds are
    values of the training rows, so :meth:`Trees.predict` on the raw rows sends each exactly
    where its bin went while fitting.
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    n, nf = x.shape
    edges = _bin_edges(x, n_bins)
    bins = np.stack([np.searchsorted(e, x[:, j], side="left") for j, e in enumerate(edges)], axis=1)
    size = nf * n_bins
    flat = bins + (np.arange(nf) * n_bins)[None, :]  # each row's bin, offset per column
    no_edge = np.zeros((nf, n_bins - 1), dtype=bool)
    for j, e in enumerate(edges):
        no_edge[j, len(e) :] = True  # bins past a column's last edge split nothing
    p0 = min(max(float(y.mean()), 1e-6), 1 - 1e-6)
    base = math.log(p0 / (1 - p0))
    score = np.full(n, base)
    inner = 2**depth - 1
    trees = []
    for _ in range(n_trees):
        p = 1.0 / (1.0 + np.exp(-score))
        g, h = p - y, p * (1 - p)
        node = np.zeros(n, dtype=np.int64)
        feature = np.zeros(inner, dtype=np.int64)
        threshold = np.full(inner, NO_SPLIT)
        for level in range(depth):
            first, width = 2**level - 1, 2**level
            # One histogram for every node of the level: (node, column, bin).
            at = ((node - first)[:, None] * size + flat).ravel()
            gh = np.bincount(at, np.repeat(g, nf), width * size).reshape(width, nf, n_bins)
            hh = np.bincount(at, np.repeat(h, nf), width * size).reshape(width, nf, n_bins)
            gl, hl = np.cumsum(gh, axis=2)[:, :, :-1], np.cumsum(hh, axis=2)[:, :, :-1]
            gt, ht = gh.sum(axis=2)[:, :, None], hh.sum(axis=2)[:, :, None]
            gain = gl**2 / (hl + l2) + (gt - gl) ** 2 / (ht - hl + l2) - gt**2 / (ht + l2)
            ok = (hl >= min_hess) & (ht - hl >= min_hess) & ~no_edge[None]
            gain = np.where(ok, gain, -np.inf).reshape(width, -1)
            best = np.argmax(gain, axis=1)
            right = np.zeros(n, dtype=np.int64)
            for w in range(width):
                if not gain[w, best[w]] > 1e-12:
                    continue  # no split: every row goes left (threshold NO_SPLIT)
                j, b = divmod(int(best[w]), n_bins - 1)
                feature[first + w], threshold[first + w] = j, float(edges[j][b])
                here = node == first + w
                right[here] = bins[here, j] > b
            node = 2 * node + 1 + right
        leaf = node - inner
        gs = np.bincount(leaf, g, inner + 1)
        hs = np.bincount(leaf, h, len(gs))
        values = -rate * gs / (hs + l2)
        score += values[leaf]
        trees.append((feature.tolist(), threshold.tolist(), values.tolist()))
    return Trees.build(names, depth, base, trees)


def _logistic(
    xs: Sequence[tuple[float, ...]], ys: Sequence[float], l2: float
) -> tuple[tuple[float, ...], float]:
    """Weights and bias (raw feature units, rounded) of an L2-penalised logistic regression on
    standardised features, fitted by Newton steps."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mu) / sd])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[0] = 0.0  # no penalty on the bias
    for _ in range(25):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    # Back to raw feature units, so the code needs no scaler.
    weights = w[1:] / sd
    bias = float(w[0] - (weights * mu).sum())
    return tuple(round(float(v), 4) for v in weights), round(bias, 4)


def _rescored(
    clean: list[tuple[str, list[Reversal], float]],
    cases: list[Case],
    decision: Decision,
    index: CandidateIndex,
) -> tuple[list[tuple[str, list[Reversal], float]], list[Case]]:
    return (
        [(t, decision.rescore(p, index, t), r) for t, p, r in clean],
        [dataclasses.replace(c, props=decision.rescore(c.props, index, c.spun)) for c in cases],
    )


def _out_of_fold(
    runs: Sequence[Run],
    index: CandidateIndex,
    ranks: bool = True,
    judge: str = "trees",
) -> list[Run]:
    """The tuning half of each model of ``runs`` scored out of fold: each site by the decision
    fitted on the sites (of every model) of the other fold of spun forms (:func:`_form_fold`),
    i.e. on forms it never saw.

    Why: the test half's pairs are new to the fitted decision; in-sample scores of the tuning
    half are optimistic about them (round 1: precision 0.955 there at the chosen margin, 0.929
    on the test half).
    """
    pooled_clean = [d for clean, _ in runs for d in clean]
    pooled_cases = [c for _, cases in runs for c in cases]
    decisions = [
        _fit(pooled_clean, pooled_cases, index, skip_fold=k, ranks=ranks, judge=judge) for k in (0, 1)
    ]

    def score(props: list[Reversal], text: str) -> list[Reversal]:
        by_fold = [d.rescore(props, index, text) for d in decisions]
        return [by_fold[_form_fold(r.spun)][i] for i, r in enumerate(props)]

    return [
        (
            [(t, score(p, t), r) for t, p, r in clean],
            [dataclasses.replace(c, props=score(c.props, c.spun)) for c in cases],
        )
        for clean, cases in runs
    ]


def _totals(
    clean: list[tuple[str, list[Reversal], float]], cases: list[Case], margin: float
) -> tuple[int, float, float, float]:
    scored = [_score_subs(c.subs, select(c.props, margin)) for c in cases]
    right = sum(r for r, _ in scored)
    applied = sum(a for _, a in scored)
    total = sum(len(c.subs) for c in cases)
    fc = sum(len(select(p, margin)) for _, p, _ in clean)
    clean_chars = sum(len(t) for t, _, _ in clean)
    return total, right / max(total, 1), right / applied if applied else 1.0, 1e4 * fc / clean_chars


def _tune(
    label: str,
    runs: dict[str, Run],
    index: CandidateIndex,
    params: dict[str, Params],
    margins: Sequence[float],
    pick_on: dict[str, Run] | None = None,
) -> float:
    """Sweep the margins for each model of ``runs`` and pick one for all (:func:`_pick_margin`;
    on ``pick_on``, the same sites scored out of fold, when given: the sweeps printed are then
    theirs); the breakdowns are of each model's cases at that margin."""
    sweeps = {name: _sweep(*(pick_on or runs)[name], margins) for name in runs}
    margin, why = _pick_margin(list(sweeps.values()))
    for name, rows in sweeps.items():
        print_table(
            f"tuning half: margin sweep, {label}, model {name}"
            + (", out of fold" if pick_on is not None else ""),
            [
                "margin",
                "reversed",
                "precision",
                "false/10k clean",
                f"precision p{BOUND_PERCENTILE:g} (bootstrap)",
            ],
            rows,
        )
    for name, rows in sweeps.items():
        row = next(r for r in rows if r[0] == margin)
        f1 = 2 * row[1] * row[2] / (row[1] + row[2]) if row[1] + row[2] else 0.0
        print(
            f"-> margin {margin} ({why}), model {name}: reversed {row[1]:.3f}, precision {row[2]:.3f}, "
            f"F1 {f1:.3f}, false/10k clean {row[3]:.2f}, bound {row[4]:.3f}"
        )
        print_table(
            f"tuning half: where the substitutions are lost, {label}, model {name}, margin {margin}",
            ["outcome", "subs", "share"],
            _breakdown(runs[name][1], index, params[name], margin),
        )
    return margin


def _compare_judges(runs: dict[str, Run], index: CandidateIndex, ranks: bool) -> None:
    """The tuning half scored out of fold with a linear judge and with the trees: per model,
    the most reversed at a precision of 0.95, 0.96 and 0.97 (as measured there), and at the
    margin :func:`_pick_margin` chooses for each judge."""
    rows = []
    for kind in ("linear", "trees"):
        oof = _out_of_fold(list(runs.values()), index, ranks, kind)
        sweeps = {name: _sweep(*run, FIT_MARGINS) for name, run in zip(runs, oof, strict=True)}
        margin, _ = _pick_margin(list(sweeps.values()))
        for name, sweep in sweeps.items():
            best = []
            for target in (0.95, 0.96, 0.97):
                # The margin with the most reversed among those at that precision or better.
                top = max((r for r in sweep if r[2] >= target), key=lambda r: r[1], default=None)
                best.append(f"{top[1]:.3f} at {top[0]}" if top else "-")
            picked = next(r for r in sweep if r[0] == margin)
            rows.append((kind, name, *best, margin, picked[1], picked[2], picked[3], picked[4]))
    print_table(
        "tuning half, out of fold: linear judge vs trees (reversed at precision >= p, at margin)",
        [
            "judge",
            "model",
            "p >= 0.95",
            "p >= 0.96",
            "p >= 0.97",
            "picked margin",
            "reversed",
            "precision",
            "false/10k clean",
            f"precision p{BOUND_PERCENTILE:g}",
        ],
        rows,
    )


HAND_MARGINS = [x / 2 for x in range(-4, 31)]
FIT_MARGINS = [x / 4 for x in range(-8, 49)]  # log-odds


def main(args: list[str]) -> None:
    fit_only = "--fit" in args
    compare = "--compare" in args
    ranks = "--no-ranks" not in args
    judge = "none" if "--no-judge" in args else "linear" if "--linear-judge" in args else "trees"
    # The decision the judged rounds clean with (Params.refine_decision) is fitted on the sites as
    # the hand-weighted passes leave them: fit it with the rounds off.
    judged_rounds = "--no-judged-rounds" not in args
    flags = ("--fit", "--compare", "--no-ranks", "--no-judge", "--linear-judge", "--no-judged-rounds")
    args = [a for a in args if a not in flags]
    opts = dict(zip(args[::2], args[1::2], strict=False))
    n_docs = int(opts.get("--docs", 16))
    chars = int(opts.get("--chars", 1500))
    shared = need_shared()
    share = float(opts.get("--train-share", 1.0))
    train_on = opts.get("--train-on", "tuning-half").split("+")
    halves = 2 if "both-halves" in train_on else 1
    extra = [f"{name}.jsonl" for name in train_on if name.startswith("laws-")]
    order = int(opts.get("--order", 5))
    min_count = float(opts["--min-count"]) if "--min-count" in opts else None  # None: as `lm build`
    eval_ids = {i for h in range(halves) for i, _ in _docs(shared, "laws-cn.jsonl", h, n_docs, chars)}
    lm_names = opts.get("--lm", "ngram").split(",")
    models: dict[str, Scorer] = {}
    for lm_name in lm_names:
        t0 = time.perf_counter()
        models[lm_name] = _load_model(lm_name, shared, eval_ids, share, halves, extra, order, min_count)
        print(f"model {lm_name}: load {time.perf_counter() - t0:.1f} s")
    if len({fixer.params_for(m) for m in models.values()}) > 1:
        raise SystemExit("bench spinner: --lm models must share their shipped params (one kind of model)")
    t0 = time.perf_counter()
    index = CandidateIndex([lexicon.cedict(), lexicon.cilin()], script="s")
    print(f"lexicons {time.perf_counter() - t0:.1f} s; {n_docs} docs x {chars} chars per half")

    # --- tuning half: the hand-weighted margin, then the fitted decision and its margin ---
    t0 = time.perf_counter()
    # The shipped scoring without its fitted decision; no floor: the breakdown needs every
    # site's best candidate (the margins swept are what decides, so the results are the same).
    params = {
        name: dataclasses.replace(
            fixer.params_for(m),
            decision=None,
            floor=-math.inf,
            judged_rounds=fixer.params_for(m).judged_rounds if judged_rounds else 0,
        )
        for name, m in models.items()
    }
    runs = {name: _run(shared, 0, n_docs, chars, index, m, params[name]) for name, m in models.items()}
    hand_margin = _tune("hand-weighted gain", runs, index, params, HAND_MARGINS)
    # One decision for all the models: fitted on their sites pooled, so it weighs what they share.
    pooled_clean = [d for clean, _ in runs.values() for d in clean]
    pooled_cases = [c for _, cases in runs.values() for c in cases]
    if compare:
        _compare_judges(runs, index, ranks)
    decision = _fit(pooled_clean, pooled_cases, index, ranks=ranks, judge=judge)
    print(f"fitted on the tuning half ({'+'.join(lm_names)}): {decision!r}")
    if decision.judge_trees is not None and (fit_only or "--trees-out" in opts):
        out = Path(opts.get("--trees-out") or tempfile.mkdtemp(prefix="textmend-bench-spinner-"))
        if out.is_dir():
            out = out / "judge_trees.json"
        decision.judge_trees.save(out)
        print(f"judge trees ({len(decision.judge_trees)}, depth {decision.judge_trees.depth}): {out}")
    fitted = {name: _rescored(*run, decision, index) for name, run in runs.items()}
    oof = _out_of_fold(list(runs.values()), index, ranks, judge)
    margin = _tune(
        "fitted decision (log-odds)",
        fitted,
        index,
        params,
        FIT_MARGINS,
        pick_on=dict(zip(runs, oof, strict=True)),
    )
    if fit_only:
        print(f"-> {decision!r} at margin {margin}")
        return
    print(f"tuning passes {time.perf_counter() - t0:.1f} s")
    for name, model in models.items():
        _test_half(
            shared,
            n_docs,
            chars,
            index,
            name,
            model,
            params[name],
            fitted[name],
            decision,
            margin,
            hand_margin,
        )
    for name, model in models.items():
        _speed(shared, index, model, params[name])
        _auto_check(shared, model, name)
    if halves == 2:
        print(
            "(--train-on both-halves: the clean laws-cn rows above may read documents the model was trained on)"
        )


def _test_half(
    shared: Path,
    n_docs: int,
    chars: int,
    index: CandidateIndex,
    lm_name: str,
    model: Scorer,
    params: Params,
    tuned: Run,
    decision: Decision,
    margin: float,
    hand_margin: float,
) -> None:
    """The test half (unseen pairs, unseen documents) with one model: the decision and margins
    tuned here, and the shipped params (``tuned``: this model's tuning half, for the gates)."""
    f_clean = tuned[0]
    # Gate thresholds: just above the highest clean tuning document (clean docs must stay untouched).
    lm_clean = [rate_per_100(len(select(p, margin)), t) for t, p, _ in f_clean]
    rare_clean = [r for _, _, r in f_clean]
    lm_thr = max(lm_clean) + 0.5
    rare_thr = max(rare_clean) + 0.5
    print(
        f"chosen: fitted decision, margin={margin}; gate thresholds from clean tuning docs ({lm_name}): "
        f"LM rate {lm_thr:.2f} (clean max {max(lm_clean):.2f}), rare-synonym rate {rare_thr:.2f} (clean max {max(rare_clean):.2f})"
    )
    t0 = time.perf_counter()
    h_clean, h_cases = _run(shared, 1, n_docs, chars, index, model, params)
    t_test = time.perf_counter() - t0
    clean, cases = _rescored(h_clean, h_cases, decision, index)
    rows = []
    for name in ("cedict", "cilin"):
        for rate in RATES:
            sel = [c for c in cases if c.spinner == name and c.rate == rate]
            right = applied = total = spun_chars = orig_chars = 0
            d_before = d_after = 0
            gated = located = 0
            for c in sel:
                acc = select(c.props, margin)
                located += _located(c.subs, acc)
                r, a = _score_subs(c.subs, acc)
                right += r
                applied += a
                total += len(c.subs)
                spun_chars += len(c.spun)
                orig_chars += len(c.original)
                d_before += Levenshtein.distance(c.spun, c.original)
                d_after += Levenshtein.distance(_apply(c.spun, acc), c.original)
                gated += c.rare >= rare_thr and rate_per_100(len(acc), c.spun) >= lm_thr
            rows.append(
                (
                    name,
                    rate,
                    f"1/{spun_chars / max(total, 1):.1f}",
                    total,
                    right / max(total, 1),
                    right / applied if applied else 1.0,
                    located / applied if applied else 1.0,
                    d_before / orig_chars,
                    d_after / orig_chars,
                    f"{gated}/{len(sel)}",
                )
            )
    print_table(
        f"test half (unseen pairs and documents), force mode, fitted decision, margin {margin}, model {lm_name}",
        [
            "spinner",
            "rate",
            "subs/char",
            "subs",
            "reversed",
            "precision",
            "span located",
            "CER before",
            "CER after",
            "auto gate passed",
        ],
        rows,
    )
    touched = sum(
        1 for t, p, r in clean if r >= rare_thr and rate_per_100(len(select(p, margin)), t) >= lm_thr
    )
    print(f"auto mode (tuned gates), {lm_name}: {touched}/{len(clean)} clean test docs touched")
    summary = [
        ("hand-weighted gain, tuned margin", hand_margin, *_totals(h_clean, h_cases, hand_margin)),
        ("fitted decision, tuned margin", margin, *_totals(clean, cases, margin)),
    ]
    # What a user gets: the shipped params for this kind of model (fixer.params_for), not the
    # decision and margin fitted here.
    shipped = fixer.params_for(model)
    if shipped.judged_rounds != params.judged_rounds:
        pass  # the shipped decision judges sites of other judged rounds than these
    elif shipped.decision is not None:
        s_clean, s_cases = _rescored(h_clean, h_cases, shipped.decision, index)
        summary.append(
            ("shipped PARAMS (fitted decision)", shipped.margin, *_totals(s_clean, s_cases, shipped.margin))
        )
    else:
        summary.append(
            ("shipped PARAMS (hand-weighted)", shipped.margin, *_totals(h_clean, h_cases, shipped.margin))
        )
    print_table(
        f"test half, all spinners and rates, force mode, model {lm_name}",
        ["scoring", "margin", "subs", "reversed", "precision", "false/10k clean"],
        summary,
    )
    print(f"test pass {t_test:.1f} s")


def _speed(shared: Path, index: CandidateIndex, model: Scorer, params: Params) -> None:
    """Our reversal vs jieba segmentation (the anchor) on the same text, same run."""
    import jieba

    text = "".join(t for _, t in _docs(shared, "laws-cn.jsonl", 1, 4, 2000))
    t_ours, _ = timed(lambda: reversals(text, index, model, params), repeat=1)
    # What a user runs: the shipped params, with the fitted decision (ranking, judge) on top.
    t_shipped, _ = timed(lambda: reversals(text, index, model, fixer.params_for(model)), repeat=1)
    t_rare, _ = timed(lambda: rare_synonym_rate(text, index), repeat=3)
    t_jieba, _ = timed(lambda: jieba.lcut(text), repeat=3)
    print_table(
        "speed (chars/s, same text, same run)",
        ["step", "chars/s", "time / jieba.lcut"],
        [
            ("jieba.lcut (anchor)", len(text) / t_jieba, 1.0),
            ("rare-synonym gate", len(text) / t_rare, t_rare / t_jieba),
            ("full reversal pass (candidates + LM)", len(text) / t_ours, t_ours / t_jieba),
            ("the same with the shipped decision", len(text) / t_shipped, t_shipped / t_jieba),
        ],
    )


def _auto_check(shared: Path, model: Scorer, lm_name: str = "") -> None:
    """With the default auto mode, clean documents (both corpora, seeds) must come out unchanged."""
    cfg = RepairConfig()
    rows = []
    for name in ("laws-cn.jsonl", "laws-tw.jsonl"):
        docs = _docs(shared, name, 1, 20, 3000)
        t0 = time.perf_counter()
        changed = sum(1 for _, t in docs if fixer.fix(t, cfg, model))
        dt = time.perf_counter() - t0
        chars = sum(len(t) for _, t in docs)
        rows.append((name, len(docs), chars, changed, chars / dt / 1e3))
    for p in sorted((shared / "seeds").glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        t0 = time.perf_counter()
        changed = 1 if fixer.fix(t, cfg, model) else 0
        dt = time.perf_counter() - t0
        rows.append((p.name, 1, len(t), changed, len(t) / dt / 1e3))
    print_table(
        f"auto mode on clean text, model {lm_name}",
        ["input", "docs", "chars", "docs changed", "k chars/s"],
        rows,
    )
