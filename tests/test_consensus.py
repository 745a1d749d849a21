"""Consensus repair: damage-free readings win, then the majority, then the representative."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.align import merge
from textmend.edits import Edit


def test_number_lost_in_one_copy_comes_from_the_other() -> None:
    r = merge([("a", "全縣有\n個鄉鎮"), ("b", "全縣有 12 個鄉鎮")])
    assert r.text == "全縣有 12 個鄉鎮"


def test_placeholder_and_broken_number_merge_into_number_plus_kept_word() -> None:
    # seed 003: copy 1 "進入 ~ 年度," (site placeholder), copy 2 "進入\n200\n4," (line-broken)
    r = merge([("s1", "首先進入 ~ 年度,由于全縣"), ("s2", "首先進入\n200\n4,由于全縣")])
    assert r.text == "首先進入2004年度,由于全縣"


def test_question_mark_and_mojibake_lose_to_clean_readings() -> None:
    r = merge([("a", "今天??陀^開會"), ("b", "今天。客觀開會"), ("c", "今天锟斤拷開會")])
    assert r.text == "今天。客觀開會"


def test_majority_then_representative() -> None:
    assert merge([("a", "我們今天開會"), ("b", "我們明天開會"), ("c", "我們明天開會")]).text == "我們明天開會"
    assert merge([("a", "我們今天開會"), ("b", "我們明天開會")]).text == "我們今天開會"
    assert merge([("a", "我們今天開會"), ("b", "我們明天開會")], representative=1).text == "我們明天開會"


def test_caller_flags_mark_damaged_readings() -> None:
    texts = [("a", "我們今天開會"), ("b", "我們明天開會")]
    flag = Edit(2, 3, "今", "今", "lostchar.suspect")
    assert merge(texts, flags={"a": [flag]}).text == "我們明天開會"
    assert merge(texts, flags=[[flag], []]).text == "我們明天開會"


def test_missing_passage_is_restored_and_sources_say_where_it_came_from() -> None:
    passage = "這一段只在第二份裡面保存下來了，第一份被截斷了。"
    r = merge([("a", "開頭的文字。\n結尾的文字。"), ("b", "開頭的文字。" + passage + "\n結尾的文字。")])
    assert r.text == "開頭的文字。" + passage + "\n結尾的文字。"
    src = next(s for s in r.sources if passage in r.text[s.start : s.end])
    assert src.witnesses == ("b",) and src.reason == "fewer damage flags"
    assert any("missing" in flags for _, _, flags in src.rejected)
    # the sources tile the merged text
    pos = 0
    for s in r.sources:
        assert s.start == pos
        pos = s.end
    assert pos == len(r.text)
    assert r.sources_json()[0]["reason"] == "agreed"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="的是我們今天開會 \n12?。", max_size=30), min_size=1, max_size=4))
def test_identical_copies_merge_to_themselves(texts: list[str]) -> None:
    t = texts[0]
    assert merge([(f"w{k}", t) for k in range(len(texts))]).text == t


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="的是我們今天開會。", max_size=30), min_size=2, max_size=4))
def test_merged_text_is_built_from_witness_readings(texts: list[str]) -> None:
    # Without damage marks, every merged character sits in a source stretch taken verbatim
    # from a witness (line breaks are the only thing merge may drop, and there are none here).
    wits = [(f"w{k}", t) for k, t in enumerate(texts)]
    r = merge(wits)
    for s in r.sources:
        piece = r.text[s.start : s.end]
        assert all(piece in dict(wits)[w] for w in s.witnesses)


def _seed003(seeds_dir: Path) -> tuple[str, str]:
    lines = (seeds_dir / "003_763c108da857d5d8.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[0:24]), "\n".join(lines[24:92])


def test_seed003_speech1_golden(seeds_dir: Path, fixtures_dir: Path) -> None:
    a, b = _seed003(seeds_dir)
    merged = merge([("speech1", a), ("speech2", b)]).text
    golden = (fixtures_dir / "consensus" / "seed003_speech1.merged.txt").read_text(encoding="utf-8")
    assert merged == golden


def test_seed003_merge_has_the_numbers_each_copy_lost(seeds_dir: Path) -> None:
    """Checks written from reading the two copies, independent of the golden file."""
    a, b = _seed003(seeds_dir)
    merged = merge([("speech1", a), ("speech2", b)]).text
    # Copy 2 lost these numbers (line breaks where they were); copy 1 has them.
    for phrase in (
        "黑診所 2 個",
        "《生育證》 13 例",
        "主要問題有 10 個方面",
        "去年 10 月到今年 7 月",
        "全縣有 14 個",
        "拿出 100 萬元",
        "拿出 10 萬元",
        "達到 90 %以上",
    ):
        assert phrase in merged, phrase
        assert phrase not in b
    # Copy 1 has a placeholder for the year; copy 2 has it, broken over lines.
    assert "進入2004年度," in merged and "進入 ~ 年度" not in merged and "進入\n200\n4" not in merged
    # Passages only one copy kept are all there, each once.
    for passage in (
        "全縣還有十幾個村服務",
        "㈡要加強對計生服務",
        "㈢要加強宣傳教育和學習培訓",
        "㈤要加強對計劃生育的依法管理",
        "創(chuàng)建省先進縣是縣委",
        "1、部分領(lǐng)導同志思想認識滑坡",
    ):
        assert merged.count(passage) == 1, passage
    # Copy 1's line break inside "提高工作效果" is gone; copy 2's breaks around numbers too.
    assert "提高工作效果" in merged
    assert "\n2個,作廢" not in merged and "B 超" in merged


def test_joining_broken_lines_keeps_breaks_before_headings() -> None:
    from textmend.align.consensus import _join_broken_lines

    assert _join_broken_lines("工作的重點\n二、形勢\n分析", "") == "工作的重點\n二、形勢分析"


def test_two_different_passages_at_one_place_are_both_kept() -> None:
    head, tail = "開頭的文字都一樣。", "結尾的文字也一樣。"
    pa = "㈡要加強對計生服務的經費投入。我縣今年實行了計生事業費統籌，關鍵是各鄉鎮必須專款專用，哪個鄉鎮轉借挪用，計生辦可以給縣里反映。"
    pb = "全縣還有十幾個村服務室房屋破舊，未進行任何改善，或者是私房，根本不適應工作的需要。再者，各鄉鎮服務站數字化步伐明顯滯後。"
    assert min(len(pa), len(pb)) >= 50
    r = merge([("a", head + pa + tail), ("b", head + pb + tail)])
    # both passages end in "。", which the copies share, so it follows the pair once
    assert r.text == head + pa[:-1] + pb[:-1] + "。" + tail
    assert [s.reason for s in r.sources if s.reason != "agreed"] == ["different passages, both kept"] * 2


def test_a_copy_with_most_characters_lost_is_a_damaged_copy_not_another_passage() -> None:
    # A copy read with the wrong codec and repaired keeps U+FFFD for what it could not read:
    # here two characters in three, and a stretch left as mojibake. By ratio it has little in
    # common with the intact copy, but it is the same passage, so the merge is the intact one.
    head, tail = "開頭的文字都一樣。", "結尾的文字也一樣。"
    body = "全縣還有十幾個村服務室房屋破舊，未進行任何改善，或者是私房，根本不適應工作的需要。再者，各鄉鎮服務站數字化步伐明顯滯後。"
    holed = "".join(ch if k % 3 == 0 else "\ufffd" for k, ch in enumerate(body))
    holed = holed[:30] + "蝚砌蝡瘞" + holed[34:]
    r = merge([("a", head + holed + tail), ("b", head + body + tail)])
    assert r.text == head + body + tail
    assert "different passages, both kept" not in {s.reason for s in r.sources}


def test_a_holed_copy_with_a_third_of_what_it_kept_misread_is_still_the_same_passage() -> None:
    # Repaired UTF-8-read-as-Big5 copies keep misread characters among the holes (銝 for 一):
    # the worst of 80 measured had only 70% of what it kept found in its own text.
    head, tail = "開頭的文字都一樣。", "結尾的文字也一樣。"
    body = "全縣還有十幾個村服務室房屋破舊，未進行任何改善，或者是私房，根本不適應工作的需要。再者，各鄉鎮服務站數字化步伐明顯滯後。"
    holed = "".join(("銝" if k % 9 == 0 else ch) if k % 3 == 0 else "\ufffd" for k, ch in enumerate(body))
    r = merge([("a", head + holed + tail), ("b", head + body + tail)])
    assert r.text == head + body + tail


def test_a_holed_passage_that_is_another_passage_is_still_kept() -> None:
    # What the holed copy kept is not found in the other reading: two passages after all.
    head, tail = "開頭的文字都一樣。", "結尾的文字也一樣。"
    pa = "㈡要加強對計生服務的經費投入。我縣今年實行了計生事業費統籌，關鍵是各鄉鎮必須專款專用，哪個鄉鎮轉借挪用，計生辦可以給縣里反映。"
    pb = "全縣還有十幾個村服務室房屋破舊，未進行任何改善，或者是私房，根本不適應工作的需要。再者，各鄉鎮服務站數字化步伐明顯滯後。"
    holed = "".join(ch if k % 2 == 0 else "\ufffd" for k, ch in enumerate(pa))
    r = merge([("a", head + holed + tail), ("b", head + pb + tail)])
    assert [s.reason for s in r.sources if s.reason != "agreed"] == ["different passages, both kept"] * 2


def _damage(text: str, rng: random.Random, spans: list[tuple[int, int]]) -> str:
    """Apply seed-like damage at the given spans: a lost number behind a line break, a '?'
    for a lost character, 锟斤拷 for two characters, or a pinyin ruby after a character."""
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        piece = text[s:e]
        if piece.isdigit():
            out.append("\n")
        else:
            kind = rng.choice(["q", "fffd", "ruby"])
            out.append("?" * len(piece) if kind == "q" else "锟斤拷" if kind == "fffd" else piece + "(zhōng)")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def test_copies_damaged_in_different_places_merge_back_to_the_original(shared_dir: Path) -> None:
    import json
    import re

    with (shared_dir / "corpora" / "laws-cn.jsonl").open(encoding="utf-8") as fh:
        docs = [json.loads(line)["text"] for _, line in zip(range(200), fh, strict=False)]
    originals = [d[:1500] for d in docs if len(re.findall(r"\d+", d[:1500])) >= 6][:5]
    assert originals
    rng = random.Random(3)
    for original in originals:
        numbers = [m.span() for m in re.finditer(r"(?<!\d)\d+(?!\d)", original)]
        hans = [
            (m.start(), m.start() + 2)
            for m in re.finditer(r"[\u4e00-\u9fff]{2}(?=[\u4e00-\u9fff]{10})", original)
        ]
        targets = rng.sample(numbers, 3) + rng.sample(hans[::5], 6)
        targets.sort()
        # no two damage spots within 12 characters of each other
        kept: list[tuple[int, int]] = []
        for t in targets:
            if not kept or t[0] >= kept[-1][1] + 12:
                kept.append(t)
        copies = [_damage(original, rng, kept[k::3]) for k in range(3)]
        assert all(c != original for c in copies)
        merged = merge([(f"c{k}", c) for k, c in enumerate(copies)])
        assert merged.text == original
