"""Script conversion (off by default) through OpenCC, whichever flavour is installed."""

from __future__ import annotations

from itertools import pairwise

from textmend.cjk import detect_script, fold_script
from textmend.edits import apply_edits
from textmend.repair import script
from textmend.repair.config import DEFAULT_CONFIG, RepairConfig
from textmend.repair.pipeline import repair


def convert(text: str, target: str) -> str:
    return apply_edits(text, script.fix(text, RepairConfig(script=target)))


def test_default_keep_does_nothing() -> None:
    assert script.fix("優質服務", DEFAULT_CONFIG) == []
    assert repair("在全縣計劃生育工作會議上的講話").text == "在全縣計劃生育工作會議上的講話"


def test_to_simplified_uses_phrases() -> None:
    out = convert("在全縣計劃生育優質服務工作現場會議上的講話", "simplified")
    assert out == "在全县计划生育优质服务工作现场会议上的讲话"
    assert detect_script(out) == "simplified"
    # Phrase conversion, unlike the 1:1 folding table: 乾隆 is a name, not 干 (dry).
    assert convert("乾隆皇帝", "simplified") == "乾隆皇帝"
    assert fold_script("乾隆皇帝") != "乾隆皇帝"


def test_to_traditional() -> None:
    assert convert("优质服务工作", "traditional") == "優質服務工作"


def test_lines_already_in_target_script_are_skipped() -> None:
    text = "优质服务\n優質服務\n"
    edits = script.fix(text, RepairConfig(script="simplified"))
    assert edits and all(e.start >= len("优质服务\n") for e in edits)
    assert all(e.kind == "script.t2s" for e in edits)


def test_segment_scripts() -> None:
    text = "人大\n優質服務\n工作\n优质服务\n優質服务优质\n"
    segs = script.segment_scripts(text)
    assert [s for _, _, s in segs] == ["none", "traditional", "simplified", "mixed"]
    assert segs[0][0] == 0 and segs[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in pairwise(segs))
