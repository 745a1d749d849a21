"""Lossy CJK-as-CJK mojibake: the byte mechanics of Big5 read as GBK and GBK read as Big5.

Every case is made here by applying the codec damage to a clean string: CPython's cp936 and Big5
decoders turn one byte into a replacement mark when it cannot lead a character with the byte
after it, and read that next byte anew.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from mojibake_cases import CFG, big5_as_gbk, gbk_as_big5, repaired, utf8_as_gbk

from textmend.repair._codecs import decode_cp936
from textmend.repair._codecs_holes import _script_prior, _word_score, fill
from textmend.repair._codecs_lm import window_word_logprob
from textmend.repair.mojibake import fix


def test_a_cascade_of_lost_bytes_is_searched_across_characters() -> None:
    # 證明並 = B5FD A9FA A8C3: A9 FA is no GBK character, so A9 is lost and FA is read with A8,
    # which is none either, and so on: three marks in a row, the second belonging to 明 and the
    # third to 並. A lost byte ending one character must not pair with the lost byte starting
    # the next, a constraint across characters.
    truth = "證明並經核實者"
    bad = big5_as_gbk(truth)
    assert "\ufffd\ufffd\ufffd" in bad
    from textmend.repair._codecs_lm import get_scorer

    scorer = get_scorer()
    filled = fill(bad, "", scorer, "", "big5", "cp936")
    assert filled is not None
    # Any reading it gives must damage back to the observed text exactly.
    assert big5_as_gbk(filled.text) == bad
    if scorer is not None:
        assert filled.text[:6] == truth[:6]  # the last character, 者, has no right context


def test_cascades_fill_and_damage_back() -> None:
    rng = random.Random(7)
    pool = "證明並經核實者人員之年功薪晉支及其他給與事項準用公務第一條中華民國憲法規定，。、"
    checked = 0
    for _ in range(300):
        truth = "".join(rng.choice(pool) for _ in range(rng.randint(4, 16)))
        bad = big5_as_gbk(truth)
        if "\ufffd\ufffd" not in bad:
            continue
        filled = fill(bad, "", None, "", "big5", "cp936")
        assert filled is not None, bad
        assert big5_as_gbk(filled.text) == bad
        checked += 1
    assert checked > 30


def test_a_lost_lead_at_the_start_of_a_run_is_read() -> None:
    # 人 = A4 48: A4 48 is no GBK character, so the line starts with U+FFFD and the ASCII 'H'.
    truth = "人員之年功薪晉支及其他給與事項，準用公務人員"
    bad = big5_as_gbk(truth)
    assert bad.startswith("\ufffdH")
    got = repaired(bad)
    assert "\ufffd" not in got
    assert got[0] == "人" and got.endswith("準用公務人員")


def test_a_run_ending_inside_a_character_takes_the_ascii_trail_byte() -> None:
    # After a lost byte the reading is shifted by one: 其他 (A8E4 A54C) comes out as 唯浈 and
    # the ASCII 'L' of A5 4C, so the run must take in the letter to end on a character.
    truth = "置。必要時並得採行防衛處置。前項扣留之船舶、航空器或其他"
    bad = big5_as_gbk(truth)
    assert bad.endswith("L")
    got = repaired(bad)
    assert got.endswith("或其他")
    same = sum(a == b for a, b in zip(got, truth, strict=False))
    assert len(got) == len(truth) and same >= len(truth) - 2


def test_a_lone_lost_character_between_ascii_is_read_like_the_rest_of_the_line() -> None:
    # 二 = A4 47 comes out as U+FFFD 'G' between spaces: no run of its own, but the line is
    # evidently Big5 read as GBK.
    truth = "為保障人民權利，增進公共利益，特制定本法。第 二 條"
    bad = big5_as_gbk(truth)
    assert "\ufffdG " in bad
    got = repaired(bad)
    assert "\ufffd" not in got
    assert got.startswith("為保障人民權利，增進公共利益，特制定本法。第 ")


@pytest.mark.parametrize(
    "truth",
    [
        "码头、广场、公园、影剧院、商场等公共场所的管理单位和公共交通工具的",
        "经济和社会发展规划，确定生活垃圾管理目标，制定各",  # with two lost bytes
    ],
)
def test_gbk_read_as_big5_in_the_frequent_block_is_repaired(truth: str) -> None:
    # Most GBK level-1 pairs are Big5 characters of its frequent block, so this mojibake has few
    # uncommon characters (under the usual gap); the model's gain per character carries it.
    from textmend.repair._codecs import uncommon_fraction
    from textmend.repair._codecs_lm import get_scorer

    if get_scorer() is None:
        pytest.skip("the smaller gap needs the language model (textmend.lm)")
    bad = gbk_as_big5(truth)
    assert uncommon_fraction(bad) < 0.3
    assert repaired(bad) == truth


def test_clean_traditional_and_simplified_lines_stay_unchanged() -> None:
    for clean in (
        "码头、广场、公园、影剧院、商场等公共场所的管理单位和公共交通工具的",
        "中華民國憲法規定人民有受國民教育之權利與義務。第 二 條",
        "證明並經核實者，得免附。八、污染防治計畫",
    ):
        assert fix(clean, CFG) == []


def test_a_mark_costs_its_share_of_running_text_in_the_word_term() -> None:
    from textmend.lm.words import word_logprob
    from textmend.repair._codecs_lm import mark_token_logprob

    # The word dictionary has no marks: segmented whole, a mark is an unknown word, far less
    # likely than any hanzi, so a lost 、 would always lose to 且 (both A? 42 in Big5).
    assert word_logprob("郵資、運費") < word_logprob("郵資且運費")
    assert _word_score("郵資、運費") > _word_score("郵資且運費")
    # The Han runs on either side are segmented on their own, each at one edge of the window,
    # and the mark counts as a token of its own frequency.
    assert _word_score("郵資、運費") == pytest.approx(
        window_word_logprob("郵資", True, False)
        + window_word_logprob("運費", False, True)
        + mark_token_logprob("、")
    )
    # Not every mark as 的: a ？ inside a clause is rare, 人 (A4 48, ？ is A1 48) is not.
    assert _word_score("學者七人開會") > _word_score("學者七？開會")
    assert _word_score("研討會，以增進") > _word_score("研討會，？增進")
    # Latin letters and digits are still read by the word component as before.
    assert mark_token_logprob("A") is None and mark_token_logprob("人") is None


def test_script_prior_penalises_the_other_script_only() -> None:
    assert _script_prior("隊", "simplified") < 0.0
    assert _script_prior("队", "simplified") == 0.0
    assert _script_prior("队", "traditional") < 0.0
    assert _script_prior("三", "simplified") == _script_prior("三", "traditional") == 0.0
    assert _script_prior("隊", "none") == 0.0


@pytest.mark.parametrize(
    "truth",
    [
        "县级以上人民政府煤炭管理部门应当加强对煤炭资源回采率和综合利用情况的监督检查",
        "第一条为了规范管理，根据有关法律，制定本办法。",
    ],
)
def test_utf8_read_as_big5_keeps_only_sure_characters(truth: str) -> None:
    # Big5 reads most UTF-8 lead bytes with their first continuation byte as no character:
    # about half the bytes are lost. Characters missing a single continuation byte are chosen
    # among a few dozen readings; only clear choices are kept, the rest stay U+FFFD.
    from textmend.repair._codecs_lm import get_scorer

    if get_scorer() is None:
        pytest.skip("partial reading needs the language model (textmend.lm)")
    bad = truth.encode("utf-8").decode("big5", errors="replace")
    got = repaired(bad)
    # Every character here is three UTF-8 bytes, so an unread one is exactly one U+FFFD.
    assert len(got) == len(truth)
    kept = [(a, b) for a, b in zip(got, truth, strict=True) if a != "\ufffd"]
    assert len(kept) >= 3
    assert all(a == b for a, b in kept)
    assert repaired(got) == got  # idempotent: what is left is flagged, not read again


# --- the default model's blind spots when it fills lost bytes (UTF-8 read as GBK) ---------------


def test_dates_are_read_between_damaged_pieces() -> None:
    # UTF-8 read as GBK loses the last byte of 年, 月 and 日 before a digit or a space (``骞�``,
    # ``鏈�``, ``鏃�``): the pieces between the digits are read as the rest of the line once its
    # runs together hold six Han characters, and the model, which knows no digits, sees the
    # numbers as numerals (月 not 有, 日 not 时).
    for truth in ("本规定自2011年4月30日起施行。", "会议通过2016年9月23日 山东省"):
        assert repaired(utf8_as_gbk(truth)) == truth


def test_numerals_only_for_a_word_list_model() -> None:
    from textmend.repair._codecs_lm import hole_scorer, numerals

    class Model:
        running_text = False

        def logprob(self, text: str) -> float:
            return float(len(text))

        def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
            self.seen = (left, list(candidates), right)
            return [0.0] * len(candidates)

    assert numerals("第12条第3款") == "第十条第十款"
    word_list = Model()
    scorer = hole_scorer(word_list)
    assert scorer is not None
    scorer.compare("2011年4", ["月", "有"], "30日")
    assert word_list.seen == ("十年十", ["月", "有"], "十日")
    running = Model()
    running.running_text = True
    assert hole_scorer(running) is running
    assert hole_scorer(None) is None


@pytest.mark.parametrize("end", ["", "\n第二条"])
def test_a_lost_mark_at_a_line_end_is_not_an_enumeration_comma(end: str) -> None:
    # 。(E3 80 82) and 、(E3 80 81) both lose their last byte before a line end; the model ranks
    # all marks alike, and 、 almost never ends a line.
    truth = "不再要求申请人提交原件核验。"
    assert repaired(utf8_as_gbk(truth + end)) == truth + end


def test_frequent_marks_win_ties_between_marks() -> None:
    # ，(EF BC 8C) loses its last byte at the line end; the fullwidth forms EF BC 80-BF all read
    # alike to the model, and ！ (EF BC 81) came first.
    truth = "县级以上人民政府应当加强管理，"
    assert repaired(utf8_as_gbk(truth)) == truth


def test_mark_priors_rank_marks_against_marks_only() -> None:
    from textmend.repair._codecs_holes import _mark_priors

    assert _mark_priors(["！", "，", "＃"]) == [-1.5, 0.0, -3.0]
    # A lost Big5 lead byte: 、 competes with hanzi of the same trail byte and keeps its chances.
    assert _mark_priors(["、", "且", "列"]) == [0.0, 0.0, 0.0]


def test_the_word_window_may_cut_words_at_its_edges() -> None:
    from textmend.lm.words import word_logprob

    # Closed at both ends it is jieba's segmentation score.
    assert window_word_logprob("资源和公", False, False) == pytest.approx(word_logprob("资源和公"))
    # At an open end, 公 starts a word (公众, 公共...): scored as a word alone, 光 won.
    assert word_logprob("资源和公") < word_logprob("资源和光")
    assert window_word_logprob("资源和公") > window_word_logprob("资源和光")
    for text in ("资源和公", "管理部门", "第一"):
        assert window_word_logprob(text) >= window_word_logprob(text, False, False)


def test_a_line_keeps_the_codec_its_long_runs_showed() -> None:
    # ``鏈�鍔�`` (本办, its last byte lost at the end) also reads as GBK read as Big5, with more
    # Han characters: the rest of the line was UTF-8 read as GBK, so that reading is not taken.
    bad = utf8_as_gbk("结合本市实际，制定本办法。第二条 本办")
    kinds = {e.kind for e in fix(bad, CFG) if e.before != e.after}
    assert kinds == {"encoding.utf8_as_gbk"}


# --- the beam's shortcuts (speed only) must give what the plain computation gives -------------

_DAMAGED = [
    "第一条　为了规范行政许可的设定和实施，保护公民的合法权益",
    "證明並經主管機關核准者，不在此限。",
    "國家機關工作人員在履行職責時",
]
_DAMAGES = [
    ("utf-8", "cp936", lambda s: decode_cp936(s.encode("utf-8"))),
    ("big5", "cp936", big5_as_gbk),
    ("gbk", "big5", lambda s: s.encode("gbk", errors="replace").decode("big5", errors="replace")),
    ("utf-8", "big5", lambda s: s.encode("utf-8").decode("big5", errors="replace")),
]


def test_pruning_the_beam_by_the_gain_bound_changes_no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.repair import _codecs_holes
    from textmend.repair._codecs_lm import get_scorer

    scorer = get_scorer()
    if scorer is None:
        pytest.skip("no language model")
    results = []
    for prune in (True, False):
        if not prune:
            # No bound: every state of the beam is scored, as before pruning existed.
            monkeypatch.setattr(_codecs_holes, "char_gain_bound", lambda s: None)
        out = []
        for codec, seen_as, damage in _DAMAGES:
            for text in _DAMAGED:
                try:
                    bad = damage(text)
                except UnicodeError:
                    continue
                out.append(fill(bad, "", scorer, "", codec, seen_as))
        results.append(out)
    assert any(f is not None for f in results[1])
    assert results[0] == results[1]


def test_the_gain_bound_holds_for_the_default_model() -> None:
    from textmend.repair._codecs_lm import char_gain_bound, get_scorer, hole_scorer

    model = get_scorer()
    if model is None:
        pytest.skip("no language model")
    scorer = hole_scorer(model)
    assert scorer is not None
    bound = char_gain_bound(scorer)
    assert bound is not None
    cands = ["的", "一", "國", "。", "第二", "規定", "十", "20"]
    for left in ("", "中华人民共和国", "第3条", "規定"):
        for cand, score in zip(cands, scorer.compare(left, cands, ""), strict=True):
            assert score <= max(0.0, bound) * len(cand) + 1e-9


def test_contexts_with_one_key_score_alike() -> None:
    from textmend.repair._codecs_lm import context_key, get_scorer, hole_scorer

    model = get_scorer()
    if model is None:
        pytest.skip("no language model")
    scorer = hole_scorer(model)
    assert scorer is not None
    cands = ["的", "国", "條", "，", "十"]
    lefts = ["中华人民共和国", "人民共和国", "华人民共和国", "第12条", "本法第3条", "其他", "他"]
    by_key: dict[str, list[float]] = {}
    for left in lefts:
        scores = scorer.compare(left, cands, "")
        # Equal keys must mean equal scores (that is what the beam's sharing relies on).
        assert by_key.setdefault(context_key(scorer, left), scores) == scores
    assert len(by_key) < len(lefts)


def _variant_penalties(texts: list[str], left: str) -> list[float]:
    """The reference for :class:`_Variants`: the penalties for one context, computed afresh."""
    from textmend.cjk import fold_script

    folded = [fold_script(t) for t in texts]
    if len(set(folded)) == len(folded):
        return [0.0] * len(texts)
    simplified = fold_script(left) == left
    return [(-1.0 if (f != t) == simplified else 0.0) for t, f in zip(texts, folded, strict=True)]


def test_variant_penalties_per_script_match_the_reference() -> None:
    from textmend.repair._codecs_holes import _Variants

    for texts in (["术", "朮", "的"], ["國", "国"], ["的", "一"]):
        variants = _Variants(texts)
        for left in ("中华人民", "中華民國", "", "12"):
            assert variants.penalties(left).tolist() == _variant_penalties(texts, left)
