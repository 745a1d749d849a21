"""Rejoining hard-wrapped lines; keeping paragraphs, headings, lists; flagging lost numbers."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
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


def test_latin_lines_ending_a_sentence_are_kept() -> None:
    # The widest line stopping mid-sentence is a lone wrap; an English or German line ending
    # with a full stop after a letter or a sign ends its sentence (before: glued to the next).
    text = "標題\nEnglish text with a question? Yes! And numbers: 3.5, 100%.\nFünf Bücher über Ärger? Ça va."
    assert joined(text) == text


def test_a_latin_wrap_after_a_comma_keeps_a_space() -> None:
    text = "標題\n說明：This paragraph quotes an English sentence that was wrapped at some width,\nand it goes on."
    assert (
        joined(text)
        == "標題\n說明：This paragraph quotes an English sentence that was wrapped at some width, and it goes on."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Features\n--------\n\nAnyIO is an asynchronous networking library that works on top of either\nasyncio or Trio.",
        "def f(x,\n      y):\n    return x",
    ],
)
def test_lines_without_han_characters_are_left_alone(text: str) -> None:
    assert joined(text) == text


_BLOG = """Python读取文件的几种方法
下面的代码演示了如何读取一个文本文件,并统计每一行的字数。
def count(path):
    with open(path, encoding="utf-8") as f:  # 打开文件,注意编码
        for i, line in enumerate(f):
            print("第%d行:%s" % (i, len(line)))  # 输出行号和字数
运行结果如下:
第0行:12
第1行:8
如果文件不存在,会抛出FileNotFoundError异常。"""


def test_a_code_listing_and_its_output_keep_their_lines() -> None:
    # A blog's listing: a line of code ending in a Chinese comment is no wrap of the prose
    # after it, and a number ends a line of output before ``第`` or ``如果`` (only a digit, a
    # unit or a counter continues a number).
    assert joined(_BLOG) == _BLOG


def test_a_number_still_runs_on_into_its_unit() -> None:
    assert (
        joined("標題\n本縣在\n2004\n年完成了全部的任務,取得成績。")
        == "標題\n本縣在2004年完成了全部的任務,取得成績。"
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


# --- line breaks: "\n" and "\r\n" only ------------------------------------------------------


def test_lone_cr_is_content_not_a_line_break() -> None:
    # Hypothesis found this: the lines fixer split on the lone CRs and deleted one of them.
    text = "\r00000“、、…000000,\r<\r<"
    assert lines.fix(text, DEFAULT_CONFIG) == []
    once = repair(text).text
    assert repair(once).text == once
    # A lone CR never joins, where the same text with LF or CRLF breaks does.
    assert joined("標題\n我們要繼續努力，\r爭取更大的成績。") == "標題\n我們要繼續努力，\r爭取更大的成績。"
    assert joined("標題\n我們要繼續努力，\n爭取更大的成績。") == "標題\n我們要繼續努力，爭取更大的成績。"


def test_crlf_break_is_removed_whole_and_clean_crlf_text_is_unchanged() -> None:
    wrapped = "標題\r\n我們要繼續努力，\r\n爭取更大的成績。\r\n第二段。\r\n"
    assert joined(wrapped) == "標題\r\n我們要繼續努力，爭取更大的成績。\r\n第二段。\r\n"
    clean = "在全旗文明誠信建設現場會議上的講話\r\n同志們:\r\n這次會議是旗委決定召開的。\r\n一、上半年工作的簡要回顧\r\n"
    assert lines.fix(clean, DEFAULT_CONFIG) == []
    assert repair(clean).text == clean


def test_corpus_joins_are_idempotent_and_alike_for_crlf(shared_dir: Path) -> None:
    """Corpus documents (many carry hard wraps of their own, some at two widths) get the same
    joins whether their breaks are LF or CRLF, and their joined text joins no further."""
    for name in ("laws-cn.jsonl", "laws-tw.jsonl"):
        with (shared_dir / "corpora" / name).open(encoding="utf-8") as fh:
            for row in itertools.islice(fh, 300):
                text = json.loads(row)["text"]
                once = joined(text)
                assert joined(once) == once
                assert joined(text.replace("\n", "\r\n")) == once.replace("\n", "\r\n")


def test_whitespace_and_zero_width_lines_separate_paragraphs() -> None:
    text = "標題\n2022年11月25日北京市第十五屆人民代表大會常務委員會第四十五次會議通過，\n\u200b\n第一條 為了規範管理，制定本條例。"
    assert joined(text) == text


# --- idempotence --------------------------------------------------------------------------


def _hanging_wrap(paragraph: str, first: int, rest: int) -> list[str]:
    """Wrap an article's first line at ``first`` columns and everything else at ``rest``, as
    dumps that hang continuation lines under the article label do."""
    if not paragraph.startswith("第"):
        return _wrap(paragraph, rest)
    out = _wrap(paragraph, first)
    if len(out) < 2:
        return out
    return [out[0], *_wrap("".join(out[1:]), rest)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 40), st.lists(_SENTENCE, min_size=1, max_size=5)), min_size=3, max_size=9
    ),
    st.sampled_from([(72, 64), (76, 60), (60, 40), (40, 40)]),
)
def test_joining_reaches_a_fixpoint(articles: list[tuple[int, list[str]]], widths: tuple[int, int]) -> None:
    """Rejoining its own output changes nothing, also when joins remove the evidence (the wrap
    width, the widest line) the first judgement used."""
    paragraphs = [(f"第 {n} 條 " if n % 3 else "前項") + "，".join(s) + "。" for n, s in articles]
    text = "\n".join(["標題", *(ln for p in paragraphs for ln in _hanging_wrap(p, *widths))])
    once = joined(text)
    assert joined(once) == once


def test_labelled_first_lines_wrapped_wider_than_the_rest_join_in_one_call() -> None:
    """A dump wrapped at 72 columns for an article's first line and 64 for the rest (seen in
    laws-tw): the first pass only sees the 72-column width, the second joins the rest."""
    paragraphs = [
        "第 1 條 行政院為推動災後重建工作，特依九二一震災重建暫行條例第五條第一項規定，設行政院九二一震災災後重建推動委員會。",
        "第 2 條 本會置召集人、副召集人各一人，由本院院長、副院長兼任之，委員三十四人至三十八人，由召集人就本院政務委員、相關機關首長派兼之。",
        "前項會議以召集人為主席，召集人不克親自出席會議時，由副召集人代理之。",
        "第 3 條 本會置執行長一人，承召集人之命，綜理會務；置副執行長若干人，襄助執行長指揮督導所屬業務。",
    ]
    text = "\n".join(
        [
            "行政院九二一震災災後重建推動委員會暫行組織規程",
            *(ln for p in paragraphs for ln in _hanging_wrap(p, 72, 64)),
        ]
    )
    assert text.count("\n") > len(paragraphs) + 2  # the fixture really is wrapped
    assert joined(text) == "\n".join(["行政院九二一震災災後重建推動委員會暫行組織規程", *paragraphs])


def test_unapplied_low_confidence_joins_are_not_built_on() -> None:
    """Later passes judge the text the pipeline will really produce: with a higher
    ``min_confidence`` a run-on join (0.85) stays a suggestion and the text is left alone."""
    text = "標題\n我們要繼續努力，爭取\n更大的成績，為人民服務\n做好工作。"
    assert repair(text).text == "標題\n我們要繼續努力，爭取更大的成績，為人民服務做好工作。"
    strict = DEFAULT_CONFIG.with_options(min_confidence=0.9)
    result = repair(text, strict)
    assert result.text == text
    assert sorted(e.before for e in result.suggestions if e.kind == "lines.rejoin") == ["\n", "\n"]
    assert repair(result.text, strict).text == text


# --- wrap-boundary rules ------------------------------------------------------------------


def _wrapped_doc(*paragraphs: str, width: int = 40) -> tuple[str, str]:
    """(wrapped, original) for paragraphs wrapped at ``width`` columns."""
    return "\n".join(ln for p in paragraphs for ln in _wrap(p, width)), "\n".join(paragraphs)


_FILLER = (
    "第一條\u3000為了加強城市道路照明設施管理，保障道路照明設施完好，根據有關法律法規，結合本市實際，制定本條例。",
    "第二條\u3000本條例所稱城市道路照明設施，是指用於城市道路、橋樑、隧道、廣場、公共綠地等處的照明設施。",
)


def test_proviso_after_a_full_line_ending_a_sentence_is_joined() -> None:
    # "但" opens the proviso of the sentence before it: the paragraph goes on.
    para = "第三條\u3000禁止損毀道路照明設施及附屬設備。但是，因搶險救災等緊急情況需要臨時使用的除外，事後應當及時告知管理單位。"
    wrapped, want = _wrapped_doc(*_FILLER, para, width=40)
    assert "設備。\n但是" in wrapped  # the sentence ends exactly at the width
    assert joined(wrapped) == want


def test_cross_reference_label_after_a_full_line_is_joined() -> None:
    para = "第四條\u3000違反本條例規定的，依照刑法第二百二十五條第（四）項的規定，以非法經營罪定罪處罰，並處罰金。"
    wrapped, want = _wrapped_doc(*_FILLER, para, width=50)
    assert "條第\n（四）項" in wrapped
    assert joined(wrapped) == want
    # A heading filling the width is kept before a list item.
    heading = "三、城市道路照明設施的規劃建設管理維護和監督檢查"
    text = "\n".join([*(ln for p in _FILLER for ln in _wrap(p, 48)), heading, "（一）規劃。"])
    assert lines.display_width(heading) == 48
    assert joined(text) == "\n".join([*_FILLER, heading, "（一）規劃。"])


def test_number_split_at_the_width_is_not_a_list_label() -> None:
    para = "第六條\u3000下列罪名適用本規定：敲詐勒索罪（第273條） 195．搶劫罪（第274條） 196．搶奪罪。"
    wrapped, want = _wrapped_doc(*_FILLER, para, width=51)
    assert "） 1\n95．" in wrapped
    assert joined(wrapped) == want


def test_dated_record_filling_the_width_is_kept() -> None:
    record = "2000年9月29日 最高人民檢察院第九屆檢察委員會第七十次會議通過"
    body = "為依法辦理走私犯罪案件，根據海關法等法律的有關規定，對擅自銷售進料加工保稅貨物的行為作如下規定。"
    wrapped, want = _wrapped_doc(*_FILLER, record, body, width=lines.display_width(record))
    assert record + "\n" in wrapped
    assert joined(wrapped) == want


def test_wrapped_first_line_of_an_article_without_a_detected_width() -> None:
    # One wrapped line is too little to detect a width; the widest line is an article's
    # first line (a label and clause punctuation: no title), so it is a lone wrap.
    text = "第 2 條 分署長綜理分署署務，並指揮、監督所屬人員；副分署長襄助分署長處理分\n署務。\n第 3 條 本分署設三組。"
    assert (
        joined(text)
        == "第 2 條 分署長綜理分署署務，並指揮、監督所屬人員；副分署長襄助分署長處理分署務。\n第 3 條 本分署設三組。"
    )
    title = "行政院九二一震災災後重建推動委員會暫行組織規程及其施行細則\n第 1 條 本規程依法訂定。"
    assert joined(title) == title


def test_numeral_and_space_label_opens_a_list_item() -> None:
    assert lines.display_width("申請人應填具申請書，並附具下列各項文件：") == 40  # a full line
    text = "\n".join(
        [
            *(ln for p in _FILLER for ln in _wrap(p, 40)),
            "申請人應填具申請書，並附具下列各項文件：",
            "一  原提存書。",
            "二  身分證明。",
        ]
    )
    assert joined(text) == "\n".join(
        [*_FILLER, "申請人應填具申請書，並附具下列各項文件：", "一  原提存書。", "二  身分證明。"]
    )


def test_space_before_a_latin_word_is_no_indent_after_a_full_line() -> None:
    para = "第五條\u3000個人資料保護事項，應公告於營業處所適當之處；如有網站或行動應用程式（ APP）者，並揭露於網站首頁。"
    wrapped, want = _wrapped_doc(*_FILLER, para, width=38)
    assert "（\n APP）" in wrapped
    assert joined(wrapped) == want


def test_sentence_end_at_the_width_joins_where_paragraphs_run_on() -> None:
    """Where sentences end inside paragraphs more often than paragraphs end (a speech), a full
    line ending a sentence is joined; where paragraphs are single sentences (a law), kept."""
    speech = (
        "同志們，今年以來全縣上下團結一心幹勁足。各項工作取得了新的進展。經濟運行總體平穩，財政收入穩步增長。",
        "我們要堅持穩中求進。要加強幹部隊伍建設，改進工作作風。要提高服務水平，讓群眾滿意。",
        "困難和問題也不少。有的部門認識不到位，工作推進緩慢。對此，我們必須高度重視。",
    )
    wrapped, want = _wrapped_doc(*speech, width=40)
    assert "足。\n各項" in wrapped  # the sentence ends exactly at the width
    assert joined(wrapped) == want
    law = (*_FILLER, "第三條\u3000本條例自公布之日起施行至今有效。", "前項規定由市人民政府負責解釋。")
    wrapped, want = _wrapped_doc(*law, width=40)
    assert "有效。\n前項" in wrapped
    assert joined(wrapped) == want


def test_table_rows_are_never_joined() -> None:
    from textmend.repair.pipeline import repair

    text = "收入標準如左：\n八十九年國民住宅出售出租及貸款自建對象家庭收入標準\n┌──┬──┐\n│臺灣省│九十四萬│\n└──┴──┘\n"
    assert "\n┌──┬──┐\n│臺灣省│九十四萬│\n└──┴──┘\n" in repair(text).text
