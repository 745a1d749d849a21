"""Pinyin ruby removal: valid readings only, legitimate parentheses untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from textmend.cjk import is_han
from textmend.edits import apply_edits
from textmend.repair import ruby
from textmend.repair.config import DEFAULT_CONFIG


def run(text: str) -> str:
    return apply_edits(text, ruby.fix(text, DEFAULT_CONFIG))


@pytest.mark.parametrize(
    ("damaged", "clean"),
    [
        ("優(yōu)質(zhì)服務(wù)", "優質服務"),
        ("优（yōu）质（zhì）", "优质"),  # fullwidth parentheses
        ("律(lv4)師", "律師"),  # tone number, v for ü
        ("女(nü3)", "女"),
        ("女 (nǚ)人", "女人"),  # space before the ruby belongs to it
        ("第 6 條 (tiáo) 本獎", "第 6 條 本獎"),  # the space after it is the text's own
        ("的(de)", "的"),  # neutral tone, unmarked
        ("長(cháng)長(zhǎng)", "長長"),  # heteronym: both readings are valid
        ("(阿城鎮(zhèn))", "(阿城鎮)"),  # nested inside a legitimate parenthesis
    ],
)
def test_removes_valid_ruby(damaged: str, clean: str) -> None:
    assert run(damaged) == clean


@pytest.mark.parametrize(
    "text",
    [
        "(市)縣",
        "(二)",
        "(阿城鎮)",
        "(本文權屬所有)",
        "世界貿易組織(WTO)",  # Latin abbreviations and labels
        "第(a)項",
        "附件(A)",
        "(yōu)質",  # nothing before it
        "abc(de)",  # not after a Han character
        "中(zhōng",  # unclosed
        "中 zhōng)",
    ],
)
def test_leaves_other_parentheses(text: str) -> None:
    assert run(text) == text


def test_reading_check_is_what_decides() -> None:
    # 好 reads hǎo/hào, never hāo; 學 reads xué, never xue3.
    assert run("好(hāo)") == "好(hāo)"
    assert run("好(hǎo)") == "好"
    assert run("學(xue3)") == "學(xue3)"
    assert run("學(xue2)") == "學"


def test_parse_syllable_equivalent_spellings() -> None:
    assert ruby.parse_syllable("lǜ") == ruby.parse_syllable("lv4") == ruby.parse_syllable("lu:4") == ("lü", 4)
    assert ruby.parse_syllable("ZHŌNG") == ("zhong", 1)


_HAN_POOL = "優質服務工作現場會議講話計劃生育縣委政府研究確定召開的目標长行重乐着了和地"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=_HAN_POOL + "，。、", min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_annotated_text_round_trips(clean: str, rnd) -> None:  # type: ignore[no-untyped-def]
    """Annotate with a random valid reading of each character; removal gives the text back."""
    readings = pinyin(clean, style=Style.TONE, heteronym=True, errors=lambda s: [[""] for _ in s])
    parts = []
    for ch, options in zip(clean, readings, strict=True):
        parts.append(ch)
        if is_han(ch) and options[0] and rnd.random() < 0.6:
            syl = rnd.choice(options)
            parts.append(rnd.choice(["({})", "（{}）", " ({})"]).format(syl))
    assert run("".join(parts)) == clean


def test_seed_003_every_ruby_removed_no_other_parenthesis_changed(seeds_dir: Path) -> None:
    text = (seeds_dir / "003_763c108da857d5d8.txt").read_text(encoding="utf-8")
    edits = ruby.fix(text, DEFAULT_CONFIG)
    out = apply_edits(text, edits)
    # Every removed span is exactly one parenthesised lowercase pinyin syllable after a Han char.
    syllable = re.compile(r"\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)")
    for e in edits:
        assert e.after == ""
        assert syllable.fullmatch(e.before), e
        assert is_han(text[e.start - 1])
    # Independent count: every "(pinyin)" straight after a Han character in the file.
    expected = [m for m in syllable.finditer(text) if m.start() > 0 and is_han(text[m.start() - 1])]
    assert len(edits) == len(expected) > 2000
    # What remains of pinyin sits only where byte damage swallowed the host character
    # (the bytedamage fixer's job): never after a Han character.
    for m in syllable.finditer(out):
        assert not is_han(out[m.start() - 1])
    assert len(list(syllable.finditer(out))) <= 10
    # No other parenthesis changed: the non-pinyin parenthesised groups are all still there.
    legit = re.compile(r"\([^()a-z]*\)")
    stripped_in = syllable.sub("", text)
    assert legit.findall(out) == legit.findall(stripped_in)
    assert "(阿城鎮)" in out and "(二)" in out and "(本文權屬文秘之音所有" in out
    assert out.count("(") == text.count("(") - len(edits)
