"""The byte-damage fixer when the model cannot decide a whole reading (one character, or two
apart, shown as lost, the rest restored) and at line ends, which no model sees."""

from __future__ import annotations

import pytest
from bytedamage_cases import damage_and_repair, needs_model

from textmend.repair import bytedamage
from textmend.repair._codecs_gbkdamage import redamage
from textmend.repair._codecs_lm import get_scorer
from textmend.repair.bytedamage import fix
from textmend.repair.config import RepairConfig


def _lost(repaired: str, original: str) -> list[int]:
    """Where ``repaired`` shows characters of ``original`` as '?'; [-1] when it differs from
    ``original`` in any other way."""
    if len(repaired) != len(original):
        return [-1]
    diff = [i for i, (a, b) in enumerate(zip(repaired, original, strict=True)) if a != b]
    return diff if all(repaired[i] == "?" for i in diff) else [-1]


def _one_lost(repaired: str, original: str) -> bool:
    """Whether ``repaired`` is ``original`` with exactly one character shown as '?'."""
    return len(_lost(repaired, original)) == 1 and _lost(repaired, original) != [-1]


@pytest.mark.parametrize(
    ("original", "observed"),
    [
        # The lost byte before A3 makes 保 or 。 (and ~110 more): the default model cannot
        # tell 保稅 from 。稅 here, but every close reading has 稅工 after it.
        ("\n (十三) 保稅工廠申請租用廠外倉庫案件之受理及勘查。\n", "?6惞?廠"),
        # The readings agree on the run and dispute the mark the lost trail byte makes (、 A1 A2
        # or 。 A1 A3 and their row).
        ("一、海域與海岸巡防勤務、業務之", "堆卜狼趧铡?業務"),
        # Here the readings agree on 專家、 and dispute the character after it (原 or 元).
        ("得邀集機關代表、學者專家、原住民族代表", "?<摇⒃?住"),
    ],
)
def test_an_undecided_reading_restores_all_but_the_disputed_character(original: str, observed: str) -> None:
    repaired = damage_and_repair(original, observed)
    assert _one_lost(repaired, original), repaired


@pytest.mark.parametrize(
    ("original", "observed"),
    [
        # The first character is the lost lead byte before A3 (保 or 。 or 專), the last the
        # lost trail byte before the '。' (之 or 中): two bytes, two decisions, and every close
        # reading has 管 between them. Before, nothing was restored.
        ("依下列之規定:\n一、國有者,由內政部保管之。\n二、", "?9苤?。"),
        ("第 1 條 行政院海岸巡防署 (以下簡稱本署) 為處理法", "?0堆卜朗? "),
    ],
)
def test_an_undecided_reading_may_show_two_characters_apart_as_lost(original: str, observed: str) -> None:
    repaired = damage_and_repair(original, observed)
    lost = _lost(repaired, original)
    assert len(lost) == 2 and lost[1] - lost[0] > 1, repaired


def test_a_disputed_reading_says_so_in_its_note() -> None:
    needs_model()
    damaged = redamage("\n (十三) 保稅工廠申請租用廠外倉庫案件之受理及勘查。\n".encode("gbk"))
    [edit] = fix(damaged, RepairConfig())
    assert "?" in edit.after and "dispute" in edit.note


def test_partial_reading_rules() -> None:
    # Rivals that differ only in the first character: it is shown as lost; the margin is over
    # the best reading that differs elsewhere (保官之, 10 below).
    texts, scores = ["保管之", "。管之", "專管之", "保官之"], [0.0, -1.0, -2.0, -10.0]
    assert bytedamage._partial(texts, scores, 0, 1.0) == ("?管之", 10.0)
    # Close rivals disputing two characters next to each other (one undecided word): no
    # partial reading.
    assert bytedamage._partial(["保管之", "。官之"], [0.0, -1.0], 0, 1.0) is None
    # Two apart: both shown as lost.
    texts, scores = ["保管之", "。管之", "保管中", "保官之"], [0.0, -1.0, -2.0, -10.0]
    assert bytedamage._partial(texts, scores, 0, 1.0) == ("?管?", 10.0)
    # Never three.
    texts, scores = ["保管之。", "。管之。", "保管中。", "保管之、"], [0.0, -1.0, -2.0, -2.0]
    assert bytedamage._partial(texts, scores, 0, 1.0) is None
    # Every reading within the partial margin is a rival: here one disputes 管 too.
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
