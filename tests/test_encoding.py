"""The 'encoding' fixer: CJK mojibake families, flags, and no harm to clean text."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from mojibake_cases import CFG, repaired

from textmend.edits import apply_edits
from textmend.repair._codecs import decode_cp936
from textmend.repair.config import RepairConfig
from textmend.repair.mojibake import fix

TRUTH = "中华人民共和国宪法规定公民有受教育的权利和义务"
TRAD = "中華民國憲法規定人民有受國民教育之權利與義務"


@pytest.mark.parametrize(
    ("truth", "damage", "kind"),
    [
        (TRUTH, lambda s: s.encode("gbk").decode("latin-1"), "encoding.gbk_as_latin1"),
        (
            TRUTH,
            lambda s: (
                s.encode("utf-8").decode("cp1252", errors="strict")
                if False
                else s.encode("utf-8").decode("latin-1")
            ),
            "encoding.utf8_as_latin1",
        ),
        (TRAD, lambda s: s.encode("big5").decode("latin-1"), "encoding.big5_as_latin1"),
        (
            TRAD,
            lambda s: (
                s.encode("big5").decode("cp1252", errors="ignore")
                if False
                else s.encode("big5").decode("latin-1")
            ),
            "encoding.big5_as_latin1",
        ),
    ],
)
def test_latin_family_restored_exactly(truth: str, damage, kind: str) -> None:  # type: ignore[no-untyped-def]
    bad = damage(truth)
    assert bad != truth
    edits = fix(bad, CFG)
    assert repaired(bad) == truth
    assert {e.kind for e in edits} == {kind}


def test_double_encoding_gbk_latin1_utf8_latin1() -> None:
    bad = TRUTH.encode("gbk").decode("latin-1").encode("utf-8").decode("latin-1")
    assert repaired(bad) == TRUTH


def test_utf8_read_as_gbk_lossless_run() -> None:
    # An even number of UTF-8 bytes that GBK decodes without error: a strict reversal.
    truth = "发送成功了"
    bad = decode_cp936(truth.encode("utf-8"))
    assert "\ufffd" not in bad
    assert repaired(bad) == truth
    assert [e.kind for e in fix(bad, CFG)] == ["encoding.utf8_as_gbk"]


def test_mixed_line_only_damaged_run_changes() -> None:
    bad = "标题：" + TRUTH.encode("gbk").decode("latin-1") + "\n" + TRUTH
    assert repaired(bad) == "标题：" + TRUTH + "\n" + TRUTH


def test_fffd_and_kunjinkao_runs_are_flags() -> None:
    text = "前文锟斤拷锟斤拷后文\ufffd\ufffd结束"
    edits = fix(text, CFG)
    assert [(e.before, e.kind) for e in edits] == [
        ("锟斤拷锟斤拷", "encoding.fffd_run"),
        ("\ufffd\ufffd", "encoding.fffd_run"),
    ]
    assert all(e.before == e.after for e in edits)


@pytest.mark.parametrize(
    "clean",
    [
        "今天天气很好。",
        "“引号”和（括号）：？！",
        "Müller und Größe",
        "×××同志",
        "café ·中文· 5°C",
        TRUTH,
        TRAD,
    ],
)
def test_clean_text_unchanged(clean: str) -> None:
    assert [e for e in fix(clean, CFG) if e.before != e.after] == []


@pytest.mark.shared
def test_clean_corpora_sample_unchanged(shared_dir: Path) -> None:
    rng = random.Random(3)
    for name in ("laws-cn.jsonl", "laws-tw.jsonl"):
        lines = (shared_dir / "corpora" / name).read_text(encoding="utf-8").splitlines()
        for line in rng.sample(lines, 150):
            text = json.loads(line)["text"]
            assert [e for e in fix(text, CFG) if e.before != e.after] == [], name


@pytest.mark.shared
def test_cjkencodings_read_as_latin1(shared_dir: Path) -> None:
    peer = shared_dir / "peer" / "cjkencodings"
    for codec in ("gb2312", "gbk", "big5"):
        truth = (peer / f"{codec}-utf8.txt").read_bytes().decode("utf-8")
        raw = (peer / f"{codec}.txt").read_bytes()
        assert raw.decode(codec) == truth
        bad = raw.decode("latin-1")
        got = repaired(bad)
        # Lines are repaired run by run; every line that contains Chinese must come back.
        for want, have in zip(truth.splitlines(), got.splitlines(), strict=True):
            if any("\u4e00" <= c <= "\u9fff" for c in want):
                assert have == want


def test_utf8_read_as_gbk_with_many_lost_bytes() -> None:
    from textmend.repair._codecs_lm import get_scorer

    if get_scorer() is None:
        pytest.skip("filling lost bytes needs the language model (textmend.lm)")
    bad = decode_cp936(TRUTH.encode("utf-8"))
    assert bad.count("\ufffd") > 4  # more holes than the first pass allowed
    edits = [e for e in fix(bad, RepairConfig(min_confidence=0.0)) if e.before != e.after]
    assert apply_edits(bad, edits) == TRUTH


def test_trigger_is_per_line() -> None:
    from textmend.repair._codecs import suspect_lines

    clean = "第一条 为了规范管理，制定本法。\n" * 50
    bad = TRUTH.encode("gbk").decode("latin-1")
    text = clean + bad + "\n" + clean
    assert suspect_lines(text) == [(len(clean), len(clean) + len(bad))]
    assert suspect_lines(clean) == []
    assert repaired(text) == clean + TRUTH + "\n" + clean


# --- UTF-8 read as GBK with lost bytes -------------------------------------------------------


def test_two_lost_bytes_in_one_character_are_searched_together() -> None:
    # 第 = E7 AC AC: cp936 reads E7 AC as 绗, then AC AC is no GBK character, so both AC
    # bytes are lost; they must be chosen jointly, each constraining the other.
    truth = "本规定第一条所列失信行为"
    bad = decode_cp936(truth.encode("utf-8"))
    assert bad.count("\ufffd") >= 2
    assert repaired(bad) == truth


def test_pieces_cut_by_ascii_digits_are_read_like_the_rest_of_the_line() -> None:
    truth = "本法自2011年4月30日起施行，县级以上人民政府应当加强监督管理"
    bad = decode_cp936(truth.encode("utf-8"))
    # The digits split the mojibake into short runs (骞� = 年) that carry no evidence alone.
    got = repaired(bad)
    assert got.startswith("本法自2011年4")
    assert got.endswith("县级以上人民政府应当加强监督管理")


def test_a_short_run_alone_on_a_clean_line_is_not_read_as_mojibake() -> None:
    # Without a confidently repaired run on the same line there is no anchor.
    assert repaired("价格为2011骞4元") == "价格为2011骞4元"


def test_filled_readings_damage_back_to_the_observed_run() -> None:
    from textmend.repair._codecs_holes import fill
    from textmend.repair._codecs_lm import get_scorer

    rng = random.Random(5)
    pool = "中华人民共和国宪法规定公民有受教育的权利和义务，第一条本法所称县级以上人民政府应当加强监督管理。"
    scorer = get_scorer()
    checked = 0
    for _ in range(200):
        truth = "".join(rng.choice(pool) for _ in range(rng.randint(4, 20)))
        bad = decode_cp936(truth.encode("utf-8"))
        if "\ufffd" not in bad:
            continue
        filled = fill(bad, "", scorer)
        if filled is None:
            continue
        checked += 1
        # The forward check, done here independently of fill's own: reading the repair as
        # UTF-8 bytes through cp936 again must give exactly the observed text.
        assert decode_cp936(filled.text.encode("utf-8")) == bad
        assert filled.holes == bad.count("\ufffd")
    assert checked > 50


def test_big5_read_as_gbk_with_lost_lead_bytes_is_read_back() -> None:
    # Big5 leads AA-AF with trails >= A1 are no GBK characters: cp936 loses the lead, and the
    # trail, read anew, may pair with the next character or come out as ASCII (``�H``).
    truth = "中華民國憲法規定人民有受國民教育之權利與義務"
    bad = decode_cp936(truth.encode("big5"))
    assert "\ufffd" in bad and any("A" <= c <= "z" for c in bad)
    got = repaired(bad)
    assert got != bad
    # Lost characters are chosen by the model; most of the text must come back exactly.
    same = sum(a == b for a, b in zip(got, truth, strict=False))
    assert len(got) == len(truth) and same >= len(truth) - 3


def test_big5_tables_read_as_latin1_are_repaired() -> None:
    # Box drawing (Big5 A2 77 = ─) read as Latin-1 is ``¢w``: table rows are CJK evidence too.
    truth = "──┼─────┼──────┼────────"
    assert repaired(truth.encode("big5").decode("latin-1")) == truth


def test_gbk_read_as_big5_with_lost_lead_bytes_is_read_back() -> None:
    # CPython's Big5 decoder, like cp936, loses one byte per replacement mark.
    truth = "县级以上人民政府煤炭管理部门应当加强对煤炭资源回采率和综合利用情况的监督检查"
    bad = truth.encode("gbk").decode("big5", errors="replace")
    assert "\ufffd" in bad
    got = repaired(bad)
    same = sum(a == b for a, b in zip(got, truth, strict=False))
    assert len(got) == len(truth) and same >= len(truth) - 4


# The run pattern as it was before it was rewritten to split runs of marks one way only: the
# reference its matches must equal (it takes exponential time on long runs of marks, so only
# short strings are tried).
_CJK_RUN_BEFORE = (
    r"(?:\ufffd+[\x40-\x7e]?)*[^\x00-\xff\s\ufffd]+"
    r"(?:(?:[?\ufffd]+[\x40-\x7e]?|[\x40-\x7e]|[¤§¨°±·×÷àáèéêìíòóùúü])+[^\x00-\xff\s\ufffd]+)*"
    r"(?:[?\ufffd]+[\x40-\x7e]?)*"
    r"|(?:\ufffd+[\x40-\x7e]?)+"
)


def test_the_run_pattern_matches_as_the_former_one() -> None:
    import re

    from textmend.repair.mojibake import _CJK_RUN

    before = re.compile(_CJK_RUN_BEFORE)
    # Marks, ASCII trail bytes and other ASCII, Latin-1 letters GBK encodes, Han, space.
    alphabet = "\ufffd\ufffd\ufffd??AZ@~;1 \t¤ü·é第一的鍙戦"
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert [m.span() for m in _CJK_RUN.finditer(text)] == [m.span() for m in before.finditer(text)], text
