"""Site boilerplate: rule families, nothing lost, learned line table."""

from __future__ import annotations

from pathlib import Path

import pytest

from textmend.edits import apply_edits
from textmend.errors import InputError
from textmend.repair import boilerplate
from textmend.repair.config import DEFAULT_CONFIG, RepairConfig
from textmend.repair.pipeline import repair

BODY = "同志們:\n今天召開這次會議,主要任務是總結工作。\n一、認清形勢\n各級要高度重視。"


def clean(text: str, config: RepairConfig = DEFAULT_CONFIG) -> str:
    return apply_edits(text, boilerplate.fix(text, config))


def test_preamble_families() -> None:
    pre = "本站小编为你精心准备了镇政府讲话参考范文,愿这些范文能点燃您思维的火花,激发您的写作灵感。欢迎深入阅读并收藏。\n"
    assert clean(pre + BODY) == BODY
    doc = (
        "區長講話\n\n時間:2022-05-20 05:42:00\n\n"
        "導語:區長講話一文來源于網友上傳,不代表本站觀點,若需要原創文章可咨詢客服老師,歡迎參考。\n\n"
        "區長講話\n\n" + BODY
    )
    assert clean(doc) == "區長講話\n\n" + BODY


def test_inline_watermarks_and_pager() -> None:
    text = "要經常深入到項目區了解情況,幫(本文權屬文秘之音所有,更多文章請登陸004km.cn查看)助他們排憂解難。\n下一頁\n第五篇:在全旗會議上的講話\n在全旗會議上的講話\n在全旗會議上的講話\n同志們:\n(责任编辑:王明)"
    want = "要經常深入到項目區了解情況,幫助他們排憂解難。\n第五篇:在全旗會議上的講話\n同志們:"
    assert clean(text) == want
    kinds = {e.kind for e in boilerplate.fix(text, DEFAULT_CONFIG)}
    assert kinds == {"boilerplate.watermark", "boilerplate.pager", "boilerplate.repeated_title"}


def test_teaser_first_line() -> None:
    text = " 在全市會議上的講話同志们：?市委決定召開這次會議，主要是傳達精神，總結前段工作...\n在全市會議上的講話\n同志们：\n市委決定召開這次會議，主要是傳達精神，總結前段工作，動員各級。\n"
    assert clean(text) == text.split("\n", 1)[1]
    # A first line ending in "..." that is not a copy of what follows stays.
    other = "敬請期待...\n在全市會議上的講話\n同志们：\n"
    assert clean(other) == other


def test_removed_text_is_kept_in_the_log() -> None:
    text = "導語:某文來源于網友上傳,不代表本站觀點。\n正文。"
    result = repair(text, encoding=False, bytedamage=False, spinner="off")
    assert result.text == "正文。"
    removed = "".join(e.before for e in result.edits if e.family == "boilerplate")
    assert "來源于網友上傳" in removed


def test_repeated_content_lines_are_not_titles() -> None:
    # Equal lines deep inside a document are content (two judges with masked names).
    text = (
        "裁定書\n\n"
        + "\n\n".join(f"第{i}段正文內容,依法處理。" for i in range(8))
        + "\n\n審判員×××\n\n審判員×××\n"
    )
    assert clean(text) == text


def test_off_and_all_modes() -> None:
    text = "来源：某某网\n正文内容。"
    assert boilerplate.fix(text, RepairConfig(boilerplate="off")) == []
    assert clean(text) == text  # "high" leaves the looser families alone
    assert clean(text, RepairConfig(boilerplate="all")) == "正文内容。"


def test_clean_text_untouched() -> None:
    text = "第一条 为了规范管理，制定本办法。\n第二条 本办法所称编辑：是指……\n下一步工作要点如下。"
    assert boilerplate.fix(text, DEFAULT_CONFIG) == []


def test_learn_save_load_and_apply(tmp_path: Path) -> None:
    footer = "本文由某某范文网整理发布，仅供学习参考"
    bodies = [
        "春天的花开得很好看啊",
        "夏天雨水多河水上涨",
        "秋天树叶纷纷落下来",
        "冬天下雪天气寒冷",
        "城市交通越来越方便",
        "乡村道路修得很平整",
    ]
    docs = [f"标题\n{b}。\n{footer}" for b in bodies]
    table = boilerplate.learn(docs, min_docs=5)
    assert table.matches(footer)
    assert not any(table.matches(b + "。") for b in bodies)
    # As in CCNet, digits are normalised: numbered variants of one template line count together.
    numbered = boilerplate.learn([f"这是第{i}篇文章的固定说明文字" for i in range(5)], min_docs=5)
    assert numbered.matches("这是第123篇文章的固定说明文字")
    path = tmp_path / "bp.json"
    boilerplate.save(table, path)
    loaded = boilerplate.load(path)
    assert loaded.hashes == table.hashes and loaded.min_docs == 5 and loaded.documents == 6
    cfg = RepairConfig(boilerplate_lines=str(path))
    assert clean(f"正文。\n{footer}", cfg) == "正文。"
    assert clean(f"正文。\n{footer}") == f"正文。\n{footer}"


def test_learn_counts_documents_not_lines() -> None:
    table = boilerplate.learn(["重复的一行文字内容很长\n" * 10, "别的文档内容完全不同啊"], min_docs=2)
    assert len(table) == 0


def test_bad_table_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError):
        boilerplate.load(bad)
    with pytest.raises(InputError):
        boilerplate.load(tmp_path / "missing.json")


def test_a_title_announced_as_a_table_caption_is_content() -> None:
    # laws-tw D0070098: the title comes back as the caption of the table the text announces.
    title = "八十九年國民住宅出售出租及貸款自建對象家庭收入標準"
    text = f"{title}\n茲依據國民住宅條例第二條訂定本標準如左：\n\n{title}\n┌──┬──┐\n"
    assert repair(text, lines=False).text == text
    # The same title repeated right away is debris.
    again = f"{title}\n\n{title}\n第一條 本標準依法訂定之。\n"
    assert repair(again, lines=False).text == f"{title}\n\n第一條 本標準依法訂定之。\n"
