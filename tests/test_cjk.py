"""Tests for textmend.cjk: one-to-one folding tables, Han class, ruby pattern, script detection."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from textmend import cjk


def _reference_fold_width(text: str) -> str:
    # NFKC maps fullwidth ASCII forms to ASCII; restrict it to exactly those code points.
    return "".join(
        unicodedata.normalize("NFKC", c) if 0xFF01 <= ord(c) <= 0xFF5E else (" " if c == "\u3000" else c)
        for c in text
    )


@given(st.text())
def test_fold_width_matches_nfkc_reference(text: str) -> None:
    assert cjk.fold_width(text) == _reference_fold_width(text)


@given(st.text())
def test_folds_keep_length(text: str) -> None:
    assert len(cjk.fold_script(text)) == len(text)
    assert len(cjk.fold_width(text)) == len(text)


def test_fold_script_traditional_meets_simplified() -> None:
    assert cjk.fold_script("優質服務的經驗") == "优质服务的经验"
    assert cjk.fold_script("优质服务的经验") == "优质服务的经验"
    # Regional variants fold to the same key as the standard form.
    assert cjk.fold_script("裡") == cjk.fold_script("裏") == "里"


def test_fold_script_leaves_non_han_alone() -> None:
    text = "abc 123, ！？ —— «»"
    assert cjk.fold_script(text) == text


def test_is_han() -> None:
    assert all(cjk.is_han(c) for c in "漢字㐀𠀀")
    assert not any(cjk.is_han(c) for c in "a1。，ａ　")
    assert all(bool(cjk.HAN_RE.fullmatch(c)) == cjk.is_han(c) for c in "漢字㐀𠀀a1。，")


def test_ruby_re_variants() -> None:
    for s, syl in [
        ("(yōu)", "yōu"),
        ("（zhi4）", "zhi4"),
        ("( lǜ )", "lǜ"),
        ("(lv4)", "lv4"),
        ("(nǚ)", "nǚ"),
    ]:
        m = cjk.RUBY_RE.fullmatch(s)
        assert m is not None, s
        assert m.group("syllable") == syl
    for s in ["(市)", "(二)", "(1998)", "(yōu", "(a b)", "()"]:
        assert cjk.RUBY_RE.fullmatch(s) is None, s


def test_detect_script() -> None:
    assert cjk.detect_script("在全縣計劃生育優質服務工作現場會議上的講話") == "traditional"
    assert cjk.detect_script("在全县计划生育优质服务工作现场会议上的讲话") == "simplified"
    assert cjk.detect_script("優質服務优质服务") == "mixed"
    assert cjk.detect_script("hello, 123") == "none"
    # Characters shared by both scripts carry no evidence.
    assert cjk.detect_script("人大中小") == "none"


def test_opencc_flavour_is_detected() -> None:
    assert cjk.opencc_flavour() in {"cpp", "python"}
