"""The page's own characters as evidence for a byte-damage reading (a cache of the page)."""

from __future__ import annotations

import pytest
from bytedamage_cases import damage_and_repair

from textmend.edits import Edit
from textmend.repair import bytedamage


def test_a_character_the_page_uses_elsewhere_earns() -> None:
    # 校 (D0 A3) and 海 (BA A3) differ only in the lost lead byte; the page writes 校 three times
    # and 海 never, in no pair the reading makes.
    doc = bytedamage._Document.of("學校置校長一人，綜理校務。")
    right = bytedamage._page_evidence("上", "校", "", doc, "?!")
    wrong = bytedamage._page_evidence("上", "海", "", doc, "?!")
    assert right > wrong == 0.0


def test_a_character_of_the_span_itself_does_not_vouch() -> None:
    # 校 shows only inside the damaged span (as seen): no evidence for a reading that keeps it;
    # used twice elsewhere, it is.
    inside = bytedamage._Document.of("甲乙校?丙丁")
    assert bytedamage._page_evidence("", "校", "", inside, "校?") == 0.0
    elsewhere = bytedamage._Document.of("甲乙蠽?丙丁校戊校")
    assert bytedamage._page_evidence("", "校", "", elsewhere, "蠽?") > 0.0


def test_a_page_about_schools_reads_no_shanghai() -> None:
    # jieba's word model knows 上海 far better than 上校 (colonel); with nothing but the words the
    # default model applied ``上海、中校；督察四圈`` at 0.85. The page speaks of its school.
    text = damage_and_repair("第十職等或上校、中校；督察四人，秘書四人。學校置校長一人。")
    assert "上海" not in text


def test_a_character_used_once_elsewhere_is_no_evidence() -> None:
    once = bytedamage._Document.of("甲乙蠽?丙丁校")
    assert bytedamage._page_evidence("", "校", "", once, "蠽?") == 0.0


def test_a_confident_repair_counts_as_the_page_s_wording() -> None:
    # 保管 (B1 A3 B9 DC) never shows undamaged: the fold takes 保's A3 before 管. Once one
    # incident is read at 0.95, the page has used the word.
    text = "妥為?9芗熬S護"
    doc = bytedamage._Document.of(text)
    assert doc.bigrams["保管"] == 0
    doc.learn(text, Edit(2, 5, "?9芗", "保管及", "bytedamage.folded_punct", 0.95, ""))
    assert doc.bigrams["保管"] == 1 and doc.bigrams["為保"] == 1
    assert doc.chars["保"] == 1 and doc.chars["芗"] == 0


@pytest.mark.parametrize(
    ("left", "reading", "right", "count"),
    [
        ("之日起", "。發", "。", 1),
        ("之日起", "停發", "。", 0),
        ("辦理", "。二", "、", 0),
        ("", "。發展", "。", 0),
    ],
)
def test_sentences_of_one_character(left: str, reading: str, right: str, count: int) -> None:
    assert bytedamage._lone_char_sentences(left, reading, right) == count


def test_no_sentence_of_one_character_is_applied() -> None:
    # 停發 (CD A3 B0 6C) loses 停's lead byte; 。 (A1 A3) was the default model's choice: 起。發。
    text = damage_and_repair("自核定之日起停發。\n二、依軍人撫卹條例辦理死亡撫卹者")
    assert "。發。" not in text


def test_the_beam_keeps_a_word_the_character_model_scores_low() -> None:
    # 但 alone scores below 淡 in the word list's character model; the beam had dropped
    # 保管。但須 and 保管。淡須 was applied at 0.95.
    text = damage_and_repair("永久保存或另行裝訂較便者，得另行保管。但須互註日期")
    assert "保管。淡" not in text
    assert "保管。但須" in text
