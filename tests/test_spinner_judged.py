"""Spinner reversal: refinement rounds whose context the fitted decision cleans (Params.judged_rounds)."""

from __future__ import annotations

import dataclasses

import pytest
from spinner_fakes import WordModel, make_lexicon

from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.reverse import FEATURES, Decision, Params, reversals, select


def _weights(**named: float) -> tuple[float, ...]:
    return tuple(named.get(name, 0.0) for name in FEATURES)


# 效劳 -> 服务 earns the model a little (服务收), under the hand-weighted refine margin; once 效劳
# reads as 服务, 收集 -> 网络 earns a lot (服务网络): only a cleaning that takes 效劳 -> 服务 finds it.
INDEX = CandidateIndex([make_lexicon({"服务", "效劳"}, {"网络", "收集"})])
MODEL = WordModel({"服务收": 2.0, "服务网络": 20.0})
HAND = Params(
    channel_weight=0.0,
    word_weight=0.0,
    lead_weight=0.0,
    pool_weight=0.0,
    rate_weight=0.0,
    min_log_ratio=None,
    margin=3.0,
    refine_margin=3.0,
    floor=-99.0,
)
ACCEPT_ALL = Decision(_weights(gain=1.0), 50.0)
ACCEPT_NONE = Decision(_weights(gain=1.0), -50.0)


def _chosen(params: Params) -> list[tuple[int, str, str]]:
    return [(r.start, r.spun, r.original) for r in select(reversals("效劳收集", INDEX, MODEL, params), 3.0)]


def test_the_hand_weighted_refinement_alone_misses_the_neighbour() -> None:
    assert _chosen(HAND) == []


def test_a_judged_round_cleans_the_context_with_the_reversals_the_decision_accepts() -> None:
    judged = dataclasses.replace(HAND, judged_rounds=1, refine_decision=ACCEPT_ALL, judged_margin=0.0)
    assert _chosen(judged) == [(0, "效劳", "服务"), (2, "收集", "网络")]


def test_judged_rounds_need_a_refine_decision_and_a_reversal_it_accepts() -> None:
    hand = reversals("效劳收集", INDEX, MODEL, HAND)
    for params in (
        dataclasses.replace(HAND, judged_rounds=1),
        dataclasses.replace(HAND, judged_rounds=2, refine_decision=ACCEPT_NONE),
    ):
        assert reversals("效劳收集", INDEX, MODEL, params) == hand


def test_a_judged_round_moves_each_gain_by_the_document_rate_once() -> None:
    # The rounds settle (remix, pool, rate) the sites as refine left them: settling settled
    # sites once more would add the rate term twice.
    judged = dataclasses.replace(HAND, judged_rounds=2, refine_decision=ACCEPT_ALL, judged_margin=0.0)
    rated = dataclasses.replace(judged, rate_weight=2.0, rate_gain=-99.0)
    plain, moved = reversals("效劳收集", INDEX, MODEL, judged), reversals("效劳收集", INDEX, MODEL, rated)
    assert [r.original for r in moved] == [r.original for r in plain]
    assert all(m.shift != 0.0 for m in moved)
    assert [m.gain - m.shift for m in moved] == pytest.approx([p.gain for p in plain])
