"""Big5 read as GBK: table rules, and characters with both bytes lost before a lost lead byte.

Box drawing sits in Big5's row A2 with ASCII trail bytes (─ A2 77 ``w``, │ A2 78 ``x``, ┼ A2 71
``q``), so the lead byte is lost and the trail byte survives, as for the hanzi of rows A4-AF with
the same trail (安 A6 77, 台 A5 78). A character whose trail byte is a lead byte of cp936's
user-defined rows (AA-AF, F8-FE: 村 A7 F8) loses both bytes, and when a lost lead byte follows
(（ A1 5D), the trail must be a byte cp936 cannot pair with it. Every case is made here by
applying the codec damage to a clean string.
"""

from __future__ import annotations

import pytest
from mojibake_cases import big5_as_gbk

from textmend.repair._codecs_holes import READERS, _keep_linkable, _layout_cost, fill
from textmend.repair._codecs_lm import get_scorer

needs_model = pytest.mark.skipif(get_scorer() is None, reason="the readings are ranked by the language model")


def read(bad: str) -> str | None:
    filled = fill(bad, "", get_scorer(), "", "big5", "cp936")
    return None if filled is None else filled.text


@pytest.mark.parametrize(
    ("left", "reading"),
    [("┼", "─"), ("──", "┤"), ("    ", "│"), ("┐", "│"), ("", "┬")],
)
def test_a_box_character_that_joins_the_table_gains(left: str, reading: str) -> None:
    assert _layout_cost(left, frozenset(), reading) > 0


@pytest.mark.parametrize(
    ("left", "reading"),
    # └ at the start or after a space would be 四 (A5 7C) of ``第 四 章``; ─ after a hanzi is 安.
    [("第 ", "└"), ("", "└"), ("將", "─"), ("│", "─")],
)
def test_a_box_character_that_joins_nothing_costs(left: str, reading: str) -> None:
    assert _layout_cost(left, frozenset(), reading) < 0


@needs_model
@pytest.mark.parametrize(
    "truth",
    [
        "──┼─────┼────┤二、金馬地區比照臺灣省││高雄市        │",
        "┤    │南美洲│四十四日    │    ├───┼──",
        "┬───────┐│      │出售      ",
    ],
)
def test_a_table_rule_is_read_as_box_drawing(truth: str) -> None:
    bad = big5_as_gbk(truth)
    assert "\ufffdw" in bad or "\ufffdx" in bad
    assert read(bad) == truth


@needs_model
def test_a_chapter_number_is_no_box_corner() -> None:
    truth = "說明或調整。第 四 章 附則"
    got = read(big5_as_gbk(truth))
    assert got is not None and "第 四 章" in got


def test_a_reading_no_lost_lead_can_follow_is_dropped_before_the_beam() -> None:
    # Two units: (lost, lost) then (lost, 0x5D). The first unit's trail byte must be one cp936
    # cannot pair with the second's lost lead byte.
    reader = READERS["cp936"]
    joinable = (bytes([0xA7, 0xF8]), "村")  # F8 A1: a user-defined code, no cp936 character
    blocked = (bytes([0xA4, 0xB0]), "中")  # B0 A1 is 啊: that byte pair would have been read
    first = [blocked, joinable]
    second = [(bytes([0xA1, 0x5D]), "（"), (bytes([0xA4, 0x5D]), "也")]
    assert reader.pair(0xB0, 0xA1) and not reader.pair(0xF8, 0xA1)
    readings = [first, second]
    assert _keep_linkable(readings, [False, True], reader)
    assert readings[0] == [joinable]
    # Unlinked chunks are left alone.
    readings = [[blocked, joinable], list(second)]
    assert _keep_linkable(readings, [False, False], reader)
    assert len(readings[0]) == 2


@pytest.mark.parametrize("scorer", [None, "model"])
def test_a_character_with_both_bytes_lost_before_a_lost_lead_is_read(scorer: str | None) -> None:
    # 村（ = A7 F8 A1 5D shows as ``���]``: the run was left unread when the beam cut the few
    # readings of 村's unit whose trail byte can come before a lost A1.
    truth = "村（里）長與村（里）幹事"
    bad = big5_as_gbk(truth)
    assert bad.startswith("\ufffd\ufffd\ufffd]")
    model = get_scorer() if scorer else None
    if scorer and model is None:
        pytest.skip("no language model")
    filled = fill(bad, "", model, "", "big5", "cp936")
    assert filled is not None
    # The known characters and the brackets come back; the both-bytes-lost ones are guesses.
    assert filled.text[1:4] == "（里）" and "幹事" in filled.text
