"""'?' standing for a lost character: decimal points and paragraph-final spaces only."""

from __future__ import annotations

from textmend.edits import apply_edits
from textmend.repair import lostchar
from textmend.repair.config import DEFAULT_CONFIG


def applied(text: str) -> str:
    edits = [e for e in lostchar.fix(text, DEFAULT_CONFIG) if e.confidence >= DEFAULT_CONFIG.min_confidence]
    return apply_edits(text, edits)


def test_decimal_point_between_digits() -> None:
    assert applied("计生率99?5；晚婚率95?1；性别比为106?9，") == "计生率99.5；晚婚率95.1；性别比为106.9，"
    kinds = {e.kind for e in lostchar.fix("99?5", DEFAULT_CONFIG)}
    assert kinds == {"lostchar.decimal_point"}


def test_urls_and_code_keep_their_question_marks() -> None:
    for text in ["见 http://a.cn/x.php?id=12?3 页", "a[1]?2:3", "page.asp?1=2"]:
        assert applied(text) == text


def test_paragraph_final_after_punctuation() -> None:
    assert applied("同志们：?\n市委决定。?\n") == "同志们：\n市委决定。\n"


def test_real_questions_are_kept() -> None:
    text = "为什么会出现这么多的问题?\n什么是基本国策?\n"
    assert applied(text) == text
    # Mid-line question marks are never touched.
    text = "什么是基本國策?就是從國家到地方。"
    assert lostchar.fix(text, DEFAULT_CONFIG) == []


def test_after_character_needs_document_evidence() -> None:
    # The document shows the pattern ("：?", "。?") and writes real questions fullwidth.
    doc = "同志们：?\n工作做得好吗？\n一、肯定成绩，正视问题?\n市委决定。?\n"
    assert applied(doc) == "同志们：\n工作做得好吗？\n一、肯定成绩，正视问题\n市委决定。\n"
    # Without that evidence the same heading keeps its '?' (offered as a suggestion only).
    lone = "一、肯定成绩，正视问题?\n"
    assert applied(lone) == lone
    assert [e.confidence < 0.8 for e in lostchar.fix(lone, DEFAULT_CONFIG)] == [True]


def test_double_question_marks_left_for_byte_damage() -> None:
    text = "認真落實??\n陀地來講。"
    assert applied(text) == text
