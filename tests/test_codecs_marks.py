"""Lost bytes read as marks where hanzi belong, and the reverse.

A Big5 lead byte A1-A7 before a trail byte 40-7E is no GBK pair, so Big5 read as GBK loses it:
``�H`` is one of ？ (A1 48), 人 (A4 48), 以 (A5 48)...; ``�]`` is （ (A1 5D) or 也 (A4 5D); ``�G``
is ： (A1 47) or 二 (A4 47). Marks and the most frequent hanzi compete for the same lost byte, and
the default model (built from a word list, which has no punctuation) cannot tell them apart. Every
case is made here by applying the codec damage to a clean string.
"""

from __future__ import annotations

import pytest
from mojibake_cases import big5_as_gbk, repaired, utf8_as_gbk

from textmend.repair._codecs_holes import _items, _layout_cost, _mark_lms, _unclosed
from textmend.repair._codecs_lm import get_scorer, mark_token_logprob

needs_model = pytest.mark.skipif(get_scorer() is None, reason="the readings are ranked by the language model")


@needs_model
def test_an_opening_bracket_is_read_where_its_closer_follows() -> None:
    # Both brackets are lost (（ = A1 5D, ） = A1 5E); 也 (A4 5D) and 包 (A5 5D) read better to the
    # model, but then the ） that follows closes nothing.
    truth = "生：（一）危害因素及安全衛生規定應採取之措施。（二）承攬管理應"
    bad = big5_as_gbk(truth)
    assert bad.count("\ufffd]") == 3  # and 因 (A6 5D) of 因素
    got = repaired(bad)
    assert "：（一）危害" in got and "。（二）承攬" in got


@needs_model
@pytest.mark.parametrize(
    ("truth", "item"),
    [("土地重劃等法令訂定及修正之研擬。二、市", "。二、"), ("項。七、其他有關業務之襄贊。", "。七、")],
)
def test_a_list_number_is_no_mark_stacked_on_marks(truth: str, item: str) -> None:
    # 二 (A4 47) and 七 (A4 43) lose their lead byte as ： (A1 47) and 。 (A1 43) do: ``。：、`` and
    # ``。。、`` are clauses of no words, ``。二、`` numbers an item.
    got = repaired(big5_as_gbk(truth))
    assert item in got
    assert got == truth


@needs_model
def test_a_rare_mark_does_not_split_a_clause() -> None:
    # ？ (A1 48) counted as a word as frequent as 的, and the word-list model scores any mark
    # after a word as high as a frequent character: ``七？開會``.
    truth = "藝術領域之專家學者七人開會審查"
    assert repaired(big5_as_gbk(truth)) == truth


@needs_model
def test_an_opening_mark_after_a_mark_at_a_line_end() -> None:
    # UTF-8 （ (EF BC 88) loses its last byte at the line end as ， (EF BC 8C) does; the word-list
    # model has seen （ only before words, never after ；, and a comma after ； stacks marks.
    truth = "鉴定要求不符合司法鉴定执业规则或者相关鉴定技术规范的；（"
    assert repaired(utf8_as_gbk(truth)) == truth


@needs_model
def test_the_beam_keeps_readings_the_words_favour() -> None:
    # 以上 = A5 48 A4 57, both leads lost. By the character model alone ``人上`` stayed in the beam
    # and ``以上`` was cut before the words reranked it.
    truth = "從事道路交通管理工作三年以上者"
    assert repaired(big5_as_gbk(truth)) == truth


def test_layout_costs_stacked_marks_unmatched_closers_and_list_numbers() -> None:
    from textmend.repair import _codecs_holes as holes

    # A mark right after a mark or an opening bracket.
    assert _layout_cost("研擬。", frozenset(), "：") == -holes._STACK_COST
    assert _layout_cost("研擬", frozenset(), "：") == 0.0
    assert _layout_cost("（", frozenset("（"), "。") == -holes._STACK_COST
    # A closing bracket with none open, and one that closes.
    assert _layout_cost("縣也市", frozenset(), "）") == -holes._CLOSE_COST
    assert _layout_cost("縣（市", frozenset("（"), "）") == 0.0
    assert _layout_cost("縣「市", frozenset("「"), "）") == -holes._CLOSE_COST  # another kind
    # A list number ends after a sentence end or a bracket, not inside a clause.
    assert _layout_cost("研擬。二", frozenset(), "、") == holes._ITEM_GAIN
    assert _layout_cost("措施。（二", frozenset("（"), "）") == holes._ITEM_GAIN
    assert _layout_cost("第二", frozenset(), "、") == 0.0
    assert _layout_cost("研擬。低", frozenset(), "、") == 0.0


def test_list_numbers_and_open_brackets_are_counted() -> None:
    assert _items("。二、", 0) == 1
    assert _items("二十一、", 0) == 1  # a line that starts with its number
    assert _items("第二、", 0) == 0
    assert _items("。二、", 3) == 0  # only those ending at the start or after
    assert _unclosed("縣（市）") == frozenset()
    assert _unclosed("（以下簡稱「本") == frozenset("（「")
    assert _unclosed("）") == frozenset()


def test_marks_are_scored_by_their_share_of_running_text() -> None:
    assert _mark_lms(["人", "以"]) is None
    scores = _mark_lms(["，", "？", "人", "ㄅ"])
    assert scores is not None
    assert scores[0] > scores[1] > scores[3]
    assert str(scores[2]) == "nan"  # a hanzi keeps the model's score
    # Frequent marks first; rare symbols of the Big5 and GBK symbol rows last.
    for frequent, rare in (("，", "？"), ("。", "（"), ("、", "！"), ("；", "‧"), ("：", "Β")):
        assert mark_token_logprob(frequent) > mark_token_logprob(rare)  # type: ignore[operator]
    assert mark_token_logprob("1") is None and mark_token_logprob("的") is None
    # A table's lines are no rare marks: they come in runs (the laws of Taiwan are full of them).
    assert mark_token_logprob("─") is None and mark_token_logprob("│") is None
