"""Punctuation convention (GB/T 15834) restored inside Chinese; numbers, URLs, Latin kept."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from textmend.edits import apply_edits
from textmend.repair import punct
from textmend.repair.config import DEFAULT_CONFIG, RepairConfig

FULL = RepairConfig(punct="fullwidth")


def run(text: str) -> str:
    return apply_edits(text, punct.fix(text, FULL))


def test_default_keeps_punctuation() -> None:
    assert punct.fix("同志們:今天,我們開會。", DEFAULT_CONFIG) == []


def test_restores_fullwidth_inside_chinese() -> None:
    assert run("同志們:今天,我們(一)開會?好!") == "同志們：今天，我們（一）開會？好！"
    assert run("進入2004,由于全縣上下") == "進入2004，由于全縣上下"
    assert run("世界贸易组织(WTO)成立") == "世界贸易组织（WTO）成立"


def test_numbers_urls_latin_left_alone() -> None:
    for text in [
        "共1,000人",
        "10:30开会",
        "见 http://a.cn/x?a=1,b 页",
        "Hello, world! Is it ok?",
        "函数f(x)的值",
        "a(b)c",
    ]:
        expected = text
        assert run(text) == expected, text


def test_halfwidth_digits_and_latin() -> None:
    assert run("１９９８年ＡＢＣ公司") == "1998年ABC公司"
    kinds = {e.kind for e in punct.fix("１Ａ", FULL)}
    assert kinds == {"punct.halfwidth_digit", "punct.halfwidth_latin"}


def test_quotes_never_changed() -> None:
    for text in ['他说"好"。', "他说“好”。", "‘单引号’和'ascii'"]:
        assert all(e.before not in "\"'“”‘’" for e in punct.fix(text, FULL))


def test_fullwidth_convention_text_unchanged(fixtures_dir: Path) -> None:
    for name in ("simplified_speech.txt", "traditional_notice.txt"):
        text = (fixtures_dir / "clean" / name).read_text(encoding="utf-8")
        assert punct.fix(text, FULL) == [], name


_FOLD = {"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")"}


@given(
    st.lists(
        st.sampled_from(["优质服务", "计划生育", "工作", "会议", "，", "：", "；", "？", "！", "。"]),
        min_size=1,
        max_size=30,
    )
)
def test_folded_text_round_trips(tokens: list[str]) -> None:
    """Fold fullwidth marks between Chinese words to ASCII; restoring gives the text back."""
    text = "开始" + "".join(tokens) + "结束"
    folded = "".join(_FOLD.get(c, c) for c in text)
    assert run(folded) == text
