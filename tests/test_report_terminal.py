"""Terminal rendering: widths in display cells, folding, colour only when asked, filters."""

from __future__ import annotations

import re

from textmend.align import align_witnesses, diff
from textmend.report.terminal import render_table, render_terminal, text_width

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SHARED = "計劃生育優質服務工作現場會議上的講話，同志們今天這次會議是縣委縣政府研究確定召開的。" * 4
A = "第一篇:" + SHARED + "主要問題有 10 個方面。" + SHARED + "結束"
B = "第二篇:" + SHARED + "主要問題有\n個方面。" + SHARED + "結束了"


def test_plain_output_has_no_escape_codes_and_marks_changes() -> None:
    out = render_terminal(diff(A, B), color=False, width=200, context=10)
    assert "\x1b[" not in out
    assert "[-一-]{+二+}" in out
    assert "[-·10·-]{+↵" in out  # invisible whitespace made visible


def test_colour_uses_ansi_styles() -> None:
    out = render_terminal(diff(A, B), color=True, width=80, context=10)
    assert "\x1b[9;31m一\x1b[0m" in out and "\x1b[4;32m二\x1b[0m" in out
    assert "\x1b[2;9;31m" in out  # the digits region is dimmed


def test_lines_fit_the_width_in_display_cells() -> None:
    for width in (30, 41, 80):
        for layout in ("inline", "side"):
            out = render_terminal(diff(A, B), color=True, width=width, context=15, layout=layout)
            body = out.split("\n\n", 1)[1]
            for line in body.split("\n"):
                assert text_width(ANSI.sub("", line)) <= width, (width, layout, line)


def test_equal_runs_are_folded_with_their_length() -> None:
    out = render_terminal(diff(A, B), width=200, context=10)
    # between region 2 (the lost 10) and region 3 (了): 個方面。 + SHARED + 結束, minus context
    hidden = len("個方面。") + len(SHARED) + len("結束") - 2 * 10
    assert f"… {hidden} identical chars …" in out


def test_kinds_filter_hides_other_regions() -> None:
    out = render_terminal(diff(A, B), width=200, context=10, kinds={"digits"})
    assert "{+二+}" not in out and "{+↵" in out
    assert "chars without changes of the shown kinds" in out


def test_stat_and_side_fallback() -> None:
    m = diff(A, B)
    stat = render_terminal(m, stat=True)
    assert "3 regions" in stat and "\n\n" not in stat
    narrow = render_terminal(m, width=40, layout="side")
    assert "showing inline" in narrow


def test_identical_texts_say_so() -> None:
    assert "identical after normalisation" in render_terminal(diff("今天 開會", "今天開會"), stat=True)


def test_cjk_width() -> None:
    assert text_width("中文ab，") == 8  # the fullwidth comma is wide too
    assert text_width("e\u0301") == 1


def test_witness_table_lists_readings_with_witnesses() -> None:
    t = align_witnesses([("a", "我們今天開會"), ("b", "我們明天開會"), ("c", "我們明天開會")])
    out = render_table(t)
    assert "b,c: {+明+}" in out and "a: 今" in out


def test_model_without_texts_renders_regions_with_context() -> None:
    m = diff(A, B, include_text=False, context=6)
    assert all("text" not in w for w in m["witnesses"])
    out = render_terminal(m, width=200)
    assert "[1][-一-]{+二+}" in out and "主要問題有" in out  # context of region 2
    from textmend.report.html import render_html

    page = render_html(m)
    assert "<del>一</del>" in page and "主要問題有" in page
