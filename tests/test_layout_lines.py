"""Rejoining hard-wrapped lines; keeping paragraphs, headings, lists; flagging lost numbers."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.edits import apply_edits
from textmend.repair import lines
from textmend.repair.config import DEFAULT_CONFIG
from textmend.repair.pipeline import repair


def joined(text: str) -> str:
    return apply_edits(text, [e for e in lines.fix(text, DEFAULT_CONFIG) if e.before != e.after])


def flags(text: str) -> list[str]:
    return [e.before for e in lines.fix(text, DEFAULT_CONFIG) if e.kind == "lines.lost_number"]


def test_number_split_across_lines() -> None:
    text = "一、今年以來工作進展情況\n進入\n200\n4,由于全縣上下的一致努力,取得成績。"
    assert joined(text) == "一、今年以來工作進展情況\n進入2004,由于全縣上下的一致努力,取得成績。"


def test_lost_number_is_joined_and_flagged_not_invented() -> None:
    text = "標題\n當前,我縣在計生服務上的主要問題有\n個方面。\n一是認識不到位。"
    assert joined(text) == "標題\n當前,我縣在計生服務上的主要問題有個方面。\n一是認識不到位。"
    assert flags(text) == ["有\n個"]
    result = repair(text, encoding=False, bytedamage=False, spinner="off")
    lost = [f for f in result.flags if f.kind == "lines.lost_number"]
    assert [result.text[f.start : f.end] for f in lost] == ["有個"]


def test_percent_without_number_is_flagged() -> None:
    text = "標題\n病毒監測有的鄉鎮不到\n%,孕中晚期監測不足。"
    assert joined(text) == "標題\n病毒監測有的鄉鎮不到%,孕中晚期監測不足。"
    assert flags(text) == ["到\n%"]


def test_line_never_starts_with_closing_punctuation() -> None:
    assert (
        joined("標題\n㈠要加強干部隊伍建設\n。這其中,一是要提高認識。")
        == "標題\n㈠要加強干部隊伍建設。這其中,一是要提高認識。"
    )


def test_b_ultrasound_fragment() -> None:
    assert (
        joined("標題\n實行綜合治理,搞好\nb\n超和染色體鑒定技術的管理。")
        == "標題\n實行綜合治理,搞好b超和染色體鑒定技術的管理。"
    )


def test_keeps_paragraphs_headings_lists_salutations() -> None:
    text = (
        "在全旗文明誠信建設現場會議上的講話\n"
        "同志們:\n"
        "這次會議是旗委決定召開的。\n"
        "一、上半年工作的簡要回顧\n"
        "(一)繼續做好移民工作的后續掃尾工作\n"
        "2001年、2002年工程已經驗收,但是一些工程現在還沒有完成。\n"
        "1、提高對文明誠信建設重要意義的認識。\n"
        "2010年1月13日 上海市第十三屆人民代表大會常務委員會第十六次會議修訂\n"
        "2016年4月21日 上海市第十四屆人民代表大會常務委員會第二十八次會議修正\n"
        "　　縮進的段落開頭。\n"
    )
    assert lines.fix(text, DEFAULT_CONFIG) == []


def _wrap(paragraph: str, width: int) -> list[str]:
    out, line, w = [], "", 0
    for ch in paragraph:
        cw = lines.display_width(ch)
        if w + cw > width:
            out.append(line)
            line, w = "", 0
        line += ch
        w += cw
    return [*out, line]


_SENTENCE = st.text(
    alphabet="的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動同工也能下過子說產種面而方後多定行學法所民得經十三之進著等部度家電力裏如水化高自二理起小物現實加量都兩體制機當使點從業本去把性好應開它合還因由其些然前外天政四日那社義事平形相全表間樣與關各重新線內數正心反你明看原又麼利比或但質氣第向道命此變條只沒結解問意建月公無系軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總次品式活設及管特件長求老頭基資邊流路級少圖山統接知較將組見計別她手角期根論運農指幾九區強放決西被幹做必戰先回則任取據處理府研究確定召開",
    min_size=8,
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_SENTENCE, min_size=4, max_size=10), st.sampled_from([40, 60, 76]))
def test_wrapped_paragraphs_rejoin(sentences: list[str], width: int) -> None:
    """Paragraphs of running text (clauses with commas, ending in 。) wrapped at a fixed
    width come back exactly, unless a paragraph's last line happens to fill the width."""
    rng = random.Random(len(sentences) * width)
    paragraphs, cur = [], []
    for s in sentences:
        cur.append(s)
        if len(cur) >= 2 and rng.random() < 0.5:
            paragraphs.append("，".join(cur) + "。")
            cur = []
    paragraphs.append("，".join([*cur, "完"]) + "。")
    wrapped = [_wrap(p, width) for p in paragraphs]
    if any(lines.display_width(w[-1]) >= width - 1 for w in wrapped):
        return  # genuinely ambiguous: the paragraph ends exactly at the width
    if sum(len(w) - 1 for w in wrapped) < 2:
        return  # too few wrapped lines to show a width
    text = "\n".join(line for w in wrapped for line in w)
    assert joined(text) == "\n".join(paragraphs)


def test_wrap_width_needs_open_ended_full_lines() -> None:
    clean = [
        "第一條 本條例依法制定。",
        "第二條 主管機關為市政府，執行機關為工務局。",
        "第三條 本條例自公布日施行。",
        "附則。",
    ]
    assert lines.wrap_width(clean) is None


@given(st.text())
def test_display_width_matches_unicodedata(text: str) -> None:
    import unicodedata

    # Reference: East Asian Width W/F are two columns (unassigned code points aside).
    assigned = "".join(c for c in text if unicodedata.category(c) != "Cn")
    expected = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in assigned)
    assert lines.display_width(assigned) == expected
