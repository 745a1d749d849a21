"""The byte-damage fixer when the model cannot decide a whole reading (one character shown as
lost, the rest restored) and at line ends, which no model sees."""

from __future__ import annotations

import pytest
from bytedamage_cases import damage_and_repair, needs_model

from textmend.repair import bytedamage
from textmend.repair._codecs_gbkdamage import redamage
from textmend.repair._codecs_lm import get_scorer
from textmend.repair.bytedamage import fix
from textmend.repair.config import RepairConfig


def _one_lost(repaired: str, original: str) -> bool:
    """Whether ``repaired`` is ``original`` with exactly one character shown as '?'."""
    if len(repaired) != len(original):
        return False
    diff = [i for i, (a, b) in enumerate(zip(repaired, original, strict=True)) if a != b]
    return len(diff) == 1 and repaired[diff[0]] == "?"


@pytest.mark.parametrize(
    ("original", "observed"),
    [
        # The lost byte before A3 makes 專 or 。 (and ~110 more): the default model cannot
        # tell 專案 from 。案 here, but every close reading has 案申請發給 after it.
        ("可申請特准結婚,由派遣單位專案申請發給一", "?0干暾埌l給"),
        ("完成特種勤務重大專案任務,有具", "?0溉蝿?,"),
        # Here the readings agree on 專家、 and dispute the character after it (原 or 元).
        ("得邀集機關代表、學者專家、原住民族代表", "?<摇⒃?住"),
    ],
)
def test_an_undecided_reading_restores_all_but_the_disputed_character(original: str, observed: str) -> None:
    repaired = damage_and_repair(original, observed)
    assert _one_lost(repaired, original), repaired


def test_a_disputed_reading_says_so_in_its_note() -> None:
    needs_model()
    damaged = redamage("可申請特准結婚,由派遣單位專案申請發給一".encode("gbk"))
    [edit] = fix(damaged, RepairConfig())
    assert "?" in edit.after and "dispute" in edit.note


def test_partial_reading_rules() -> None:
    # Rivals that differ only in the first character: it is shown as lost; the margin is over
    # the best reading that differs elsewhere (保官之, 10 below).
    texts, scores = ["保管之", "。管之", "專管之", "保官之"], [0.0, -1.0, -2.0, -10.0]
    assert bytedamage._partial(texts, scores, 0, 1.0) == ("?管之", 10.0)
    # Close rivals disputing two characters: no partial reading.
    assert bytedamage._partial(["保管之", "。官之"], [0.0, -1.0], 0, 1.0) is None
    # Nor when a reading that differs elsewhere comes within the partial margin.
    assert bytedamage._partial(["保管之", "。管之", "保官之"], [0.0, -1.0, -3.2], 0, 1.0) is None
    # Nor when a close rival reads the span with another number of characters.
    assert bytedamage._partial(["保管之", "。管之", "保管"], [0.0, -1.0, -2.0], 0, 1.0) is None
    # No close rival at all: the whole reading stands on its own margin.
    assert bytedamage._partial(["保管之", "。管之"], [0.0, -5.0], 0, 1.0) is None


class _MarkBlindRunningModel:
    """A model of running text that scores ``、`` and ``。`` alike (the default model's
    characters, marks left out), as one trained on lines without an end marker does at a line
    end."""

    running_text = True

    def __init__(self) -> None:
        self._model = get_scorer()

    def logprobs(self, texts: list[str]) -> list[float]:
        return [self.logprob(t) for t in texts]

    def logprob(self, text: str) -> float:
        assert self._model is not None
        return self._model.logprob(text.replace("、", "").replace("。", ""))


def test_a_running_text_model_ends_no_line_on_a_pause_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    # 。 (A1 A3) and 、 (A1 A2) lose the same trail byte before a line end: ``校級。⏎`` or
    # ``校級、⏎``; the in-domain model of the bench (trained on lines) preferred the 、.
    needs_model()
    monkeypatch.setattr(bytedamage, "get_scorer", lambda path=None: _MarkBlindRunningModel())
    original = "一、將級。\n二、校級。\n三、尉級"
    damaged = redamage(original.encode("gbk"))
    assert "?<墶?\n" in damaged
    readings = [e.after for e in fix(damaged, RepairConfig(min_confidence=0.0))]
    assert readings and all(r.endswith("。") for r in readings), readings


def test_which_marks_may_end_a_line() -> None:
    assert bytedamage._line_end_cost("校級、", True) > 0.0
    assert bytedamage._line_end_cost("校級,", True) > 0.0
    assert bytedamage._line_end_cost("校級。", True) == 0.0
    assert bytedamage._line_end_cost("校級、", False) == 0.0
    # List items end lines on a semicolon (laws-cn: 26,506 of 135,248 lines).
    assert bytedamage._line_end_cost("保管；", True) == 0.0
