"""Site placeholders: flagged, optionally normalised, never filled in."""

from __future__ import annotations

from textmend.edits import apply_edits
from textmend.repair import placeholder
from textmend.repair.config import DEFAULT_CONFIG, RepairConfig
from textmend.repair.pipeline import repair

TEXT = "邀请了×××计生服务站的专家。**年我镇共出生×××人，出生率为××7‰。进入 ~ 年度，传达（上级市）市会议精神。"


def test_flags_every_family_without_changing_text() -> None:
    edits = placeholder.fix(TEXT, DEFAULT_CONFIG)
    assert [e.before for e in edits] == ["×××", "**", "×××", "××", "~", "（上级市）"]
    assert all(e.before == e.after and e.kind == "placeholder" for e in edits)
    result = repair(TEXT, encoding=False, bytedamage=False, spinner="off")
    assert result.text == TEXT
    assert sum(f.kind == "placeholder" for f in result.flags) == 6


def test_normalize_rewrites_masks_only() -> None:
    cfg = RepairConfig(placeholders="normalize")
    out = apply_edits(TEXT, [e for e in placeholder.fix(TEXT, cfg) if e.before != e.after])
    assert (
        out
        == "邀请了□计生服务站的专家。□年我镇共出生□人，出生率为□7‰。进入 □ 年度，传达（上级市）市会议精神。"
    )


def test_not_markdown_or_math() -> None:
    for text in ["这是**重点**内容。", "3×4=12", "a ~ b", "范围为1~5年"]:
        assert placeholder.fix(text, DEFAULT_CONFIG) == [], text


def test_off() -> None:
    assert placeholder.fix(TEXT, RepairConfig(placeholders="off")) == []


def test_normalized_masks_stay_flagged_on_the_marker() -> None:
    result = repair(
        TEXT, RepairConfig(placeholders="normalize"), encoding=False, bytedamage=False, spinner="off"
    )
    marks = [(f.start, f.end, f.before) for f in result.flags if f.kind == "placeholder"]
    assert [b for _, _, b in marks] == ["□", "□", "□", "□", "□", "（上级市）"]
    assert all(result.text[s:e] == b for s, e, b in marks)
