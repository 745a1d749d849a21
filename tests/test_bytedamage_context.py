"""What the byte-damage fixer knows beyond its character model: traditional phrases as jieba's
mainland word model knows them, the line after a wrapped line, clauses of one character, and
a straddle run that starts inside the unchanged tail of an earlier reading."""

from __future__ import annotations

import pytest
from bytedamage_cases import damage_and_repair

from textmend.lm.taiwan import mainland_readings, mainland_terms
from textmend.repair import bytedamage


def test_mainland_readings_of_traditional_phrases() -> None:
    if not mainland_terms():
        pytest.skip("OpenCC's phrase tables are not installed")
    # Taiwan usage (TWPhrasesRev) and a phrase whose simplified form is not its characters'
    # (TSPhrases: 計畫 folds to 计画, no word).
    assert "項目" in mainland_terms()["專案"]
    assert mainland_readings("辦理專案計畫") == ["辦理項目计划"]
    assert mainland_readings("海岸巡防署") == []
    # A phrase with two mainland words gives two readings, other phrases keep their first.
    assert len(mainland_readings("儲存專案")) == len(mainland_terms()["儲存"]) >= 2


@pytest.mark.parametrize(
    ("original", "observed"),
    [
        # 專案 (project) is Taiwan usage, rare in jieba's mainland counts: 。案 and 海拔 came
        # close, and only 案 was restored (專 shown as lost).
        ("可申請特准結婚,由派遣單位專案申請發給一", "?0干暾埌l給"),
        ("應另行專案報會核辦。", "?0笀髸?核辦"),
    ],
)
def test_a_taiwan_term_is_scored_as_the_word_it_stands_for(original: str, observed: str) -> None:
    assert damage_and_repair(original, observed) == original


def test_a_reading_at_a_line_end_sees_the_next_line() -> None:
    # The line wraps inside 士官: without the next line 軍官是 won (applied at 0.85).
    original = "得超過退除所得上限百分比者,在依陸海空軍軍官士\n官服役條例所支領退"
    assert damage_and_repair(original, "??哲娷姽偈?\n官") == original


def test_a_clause_of_one_character_pays_after_a_semicolon_too() -> None:
    # The fold leaves ；as ';': ``;集。結算所`` was applied at 0.95 for 集保結算所.
    assert bytedamage._lone_char_sentences("登記;集", "。結", "算所") == 1
    assert bytedamage._lone_char_sentences("登記，集", "。結", "算所") == 1
    # Not after a pause mark: lists of one-character items are common (縣、市。).
    assert bytedamage._lone_char_sentences("縣、市", "。結", "算所") == 0
    repaired = damage_and_repair(",由代庫銀行及參加人辦理轉帳登記;集保結算所於次一營業日通知", "集?=Y算所")
    assert "集。" not in repaired


def test_a_run_without_question_mark_may_start_in_an_earlier_readings_tail() -> None:
    # The first incident (?5? = 。但) reads on to 非矷, kept as seen; the run 矷显V (常上訴)
    # starts there and ends at the lone V: it was left unread.
    original = "。但有再審或非常上訴之原因者,得依法聲請再審或非常上訴。"
    assert damage_and_repair(original, "?5?有再審或非矷显V之") == original
