"""Bad input never crashes; large inputs stream; repair is idempotent and deterministic (issue 9)."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import textmend.io
from textmend import decode_bytes, repair, repair_bytes
from textmend.cli import main
from textmend.io import InputItem, iter_jsonl

CHINESE = "的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動同工也能下過子說產種面而方後多定行學法所民得經十三之進著等部度家電力裡如水化高自二理起小物現實加量都兩體制機當使點從業本去把性好應開它合還因由其些然前外天政四日那社義事平形相全表間樣與關各重新線內數正心反你明看原又麼利比或但質氣第向道命此變條只沒結解問意建月公無系軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總次品式活設及管特件長求老頭基資邊流路級少圖山統接知較將組見計別她手角期根論運農指幾九區強放決西被幹做必戰先回則任取據處理世車"
MOJIBAKE = ["Ã©", "å¤§å®¶", "´ó¼Ò", "鍙戦€", "锟斤拷", "(yōu)", "(zhì)", "??陀^", "?", "？", "\ufffd"]
mixed = st.lists(
    st.one_of(
        st.text(st.sampled_from(CHINESE + "，。、：；！？“”（）《》 \n"), min_size=1, max_size=20),
        st.text(min_size=1, max_size=6),  # anything: controls, surrogates, combining marks
        st.sampled_from(MOJIBAKE),
        st.text(st.sampled_from("abc XYZ 0123456789.,:;!?()-\n\t\r"), min_size=1, max_size=10),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mixed)
def test_repair_is_idempotent_and_deterministic(text: str) -> None:
    # Holds because the pipeline runs its fixers to a fixpoint (repair.pipeline._repair_passes).
    once = repair(text)
    assert repair(text).text == once.text  # same input, same output
    assert repair(once.text).text == once.text  # never re-applies to its own output


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused(data: bytes) -> None:
    from textmend.errors import InputError

    try:
        decoded = decode_bytes(data)
    except InputError as err:
        assert b"\x00" in data and "binary" in str(err)
        return
    # every byte is accounted for: the decoding is reversible for bytes it could not place
    assert isinstance(decoded.text, str)
    repair_bytes(data)


def test_invalid_utf8_at_every_position(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    good = "中文文本，测试。".encode()
    for pos in range(len(good) + 1):
        f = tmp_path / f"bad{pos}.txt"
        f.write_bytes(good[:pos] + b"\xff" + good[pos:])
        assert main(["repair", str(f)]) == 0
        out, err = capsysbinary.readouterr()
        assert b"Traceback" not in err
        if pos % 3 == 0:  # at a character boundary: the text is intact and the stray byte kept
            assert out == good[:pos] + b"\xff" + good[pos:], pos
        else:
            assert out, pos


def test_jsonl_problem_records(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": 1, "text": 42}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": 2, "text": "正常的文字。"}, ensure_ascii=False),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["repair", "--jsonl", str(src)])
    out, err = capsysbinary.readouterr()
    assert code == 1
    msgs = err.decode().splitlines()
    assert msgs == [
        f"textmend: {src}:1: field 'text' is int, not a string",
        f"textmend: {src}:2: JSON line is not an object",
        f"textmend: {src}:3: empty line",
    ]
    assert out == src.read_bytes()  # every line passed through, in order


def test_many_small_files(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(1000):
        (root / f"{i:04d}.txt").write_text(f"第{i}条　本条例自公布之日起施行。\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    assert main(["repair", str(root), "-o", str(out_dir)]) == 0
    capsysbinary.readouterr()
    assert len(list(out_dir.iterdir())) == 1000
    assert all((out_dir / p.name).read_bytes() == p.read_bytes() for p in root.iterdir())


# ---------------------------------------------------------------- bad input matrix: the rest


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: chmod 000 does not stop root reading")
def test_unreadable_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("中文", encoding="utf-8")
    locked.chmod(0)
    good = tmp_path / "good.txt"
    good.write_text("今天天气很好。", encoding="utf-8")
    try:
        code = main(["repair", str(locked), str(good)])
    finally:
        locked.chmod(0o600)
    out, err = capsysbinary.readouterr()
    assert code == 1
    assert err.decode().splitlines() == [f"textmend: {locked}: permission denied"]
    assert out == good.read_bytes()


def test_file_unreadable_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Readable when listed, refused when opened (permissions changed in between, or root
    squashed on NFS): the same one-line message, and the next input is still repaired. Runs
    as root too, unlike the chmod test above."""
    locked = tmp_path / "locked.txt"
    locked.write_text("中文", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("今天天气很好。", encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code = main(["repair", str(locked), str(good)])
    out, err = capsysbinary.readouterr()
    assert code == 1
    assert err.decode().splitlines() == [f"textmend: {locked}: Permission denied"]
    assert out == good.read_bytes()


def test_random_bytes_without_nuls(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    """Not refused as binary (no NUL), never a traceback, and no byte lost: what no edit
    touched comes back as it was (undecodable bytes are written back unchanged)."""
    rng = random.Random(9)
    data = bytes(rng.choice(range(1, 256)) for _ in range(20_000))
    src = tmp_path / "noise.txt"
    src.write_bytes(data)
    explain = tmp_path / "edits.jsonl"
    code = main(["repair", str(src), "--explain", str(explain)])
    out, err = capsysbinary.readouterr()
    assert code == 0, err
    assert b"Traceback" not in err and b"internal error" not in err
    applied = [
        r
        for r in map(json.loads, explain.read_text(encoding="utf-8").splitlines())
        if r["status"] == "applied"
    ]
    if not applied:
        assert out == data
    else:
        assert out


def test_mixed_encodings_in_one_file(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = [
        ("第一条 为了规范不动产登记行为，保护权利人合法权益，制定本规定。", "utf-8"),
        ("第二条 本市行政区域内的不动产登记及其相关活动，适用本规定。", "gbk"),
        ("第三條 本法所稱主管機關：在中央為內政部；在直轄市為直轄市政府。", "big5"),
        ("第四条 市规划资源部门是本市不动产登记的主管部门。", "gb18030"),
    ]
    src = tmp_path / "mixed.txt"
    src.write_bytes(b"".join(text.encode(enc) + b"\n" for text, enc in lines))
    assert main(["repair", str(src)]) == 0
    out, _ = capsysbinary.readouterr()
    assert out.decode("utf-8") == "".join(text + "\n" for text, _ in lines)


# ---------------------------------------------------------------- large inputs stream in parts


def _small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    # the real sizes are 4 MiB / 1 MiB: the same code paths, on inputs a test can afford
    monkeypatch.setattr(textmend.io, "STREAM_BYTES", 4000)
    monkeypatch.setattr(textmend.io, "PART_BYTES", 1000)


@pytest.mark.parametrize("newlines", [True, False])
def test_text_parts_join_to_the_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newlines: bool
) -> None:
    _small_parts(monkeypatch)
    para = "第一条　为了规范不动产登记行为，保护权利人合法权益。Article 1 (2020), 99.5%"
    text = ("\n" if newlines else "").join([para] * 200)
    src = tmp_path / "big.txt"
    src.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    item = InputItem(str(src), src, Path(src.name))
    parts = list(textmend.io.iter_text_parts(item))
    assert [n for _, _, n in parts] == list(range(len(parts))) and len(parts) > 5
    assert all(len(data) <= 1000 for data, _, _ in parts)
    assert b"".join(data for data, _, _ in parts) == src.read_bytes()
    assert "".join(d.text for _, d, _ in parts) == text  # no character split, BOM dropped once
    small = tmp_path / "small.txt"
    small.write_text(para, encoding="utf-8")
    [(data, decoded, part)] = textmend.io.iter_text_parts(InputItem(str(small), small, Path("small.txt")))
    assert (data, decoded.text, part) == (small.read_bytes(), para, None)


def test_large_file_is_repaired_in_parts_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _small_parts(monkeypatch)
    clean = "本条例自公布之日起施行。\n" * 300
    damaged = "".join(
        f"第{i}項 在全縣計劃生育優(yōu)質(zhì)服務(wù)工作，共{i * 7}戶。\n" for i in range(100)
    )
    src, dirty = tmp_path / "clean.txt", tmp_path / "dirty.txt"
    src.write_text(clean, encoding="utf-8")
    dirty.write_text(damaged, encoding="utf-8")
    explain = tmp_path / "edits.jsonl"
    out_dir = tmp_path / "out"
    assert (
        main(["repair", str(src), str(dirty), "-o", str(out_dir), "--explain", str(explain), "--stats"]) == 0
    )
    _, err = capsysbinary.readouterr()
    assert (out_dir / "clean.txt").read_bytes() == src.read_bytes()  # clean text: byte for byte
    assert (out_dir / "dirty.txt").read_text(encoding="utf-8") == repair(damaged).text
    summary = err.decode()
    assert "documents: 2  changed: 1" in summary and "segmented 2" in summary
    records = [json.loads(line) for line in explain.read_text(encoding="utf-8").splitlines()]
    flags = [r for r in records if r["kind"] == "segmented"]
    assert [r["doc"] for r in flags] == [str(src), str(dirty)]
    assert all("read and repaired in" in r["note"] for r in flags)
    applied = [r for r in records if r["status"] == "applied"]
    assert len(applied) == 300 and {r["part"] for r in applied} == set(
        range(len({r["part"] for r in applied}))
    )
    for r in applied:  # positions are relative to the part; offset places the part in the text
        text = damaged[r["offset"] :]
        assert text[r["start"] : r["end"]] == r["before"]


# ---------------------------------------------------------------- JSONL duplicate ids


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


DUP_ROWS = [
    {"id": "a", "text": "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作"},
    {"id": "b", "text": "今天天气很好。"},
    {"id": "a", "text": "另一篇文章，同一个编号。"},
]


def test_duplicate_ids_warn_and_every_record_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = _jsonl(tmp_path / "dup.jsonl", DUP_ROWS)
    with caplog.at_level(logging.WARNING, logger="textmend.io"):
        code = main(["repair", "--jsonl", str(src)])
    out, _ = capsysbinary.readouterr()
    assert code == 0  # a warning, not a failure
    assert [r.getMessage() for r in caplog.records] == [
        f"textmend: warning: {src}:3: duplicate id 'a' (first on line 1); the record is still processed"
    ]
    rows = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "a"]
    assert rows[0]["text"] == "在全縣計劃生育優質服務工作" and rows[2]["text"] == DUP_ROWS[2]["text"]
    recs = list(iter_jsonl(InputItem(str(src), src, Path(src.name))))
    assert [r.duplicate_of for r in recs] == [None, None, 1]


def test_duplicate_id_warning_reaches_stderr(tmp_path: Path) -> None:
    """Without logging configured (the command line), the warning is one line on stderr."""
    src = _jsonl(tmp_path / "dup.jsonl", DUP_ROWS)
    proc = subprocess.run(
        [sys.executable, "-m", "textmend", "repair", "--jsonl", str(src), "-q"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if "duplicate id" in ln] == [
        f"textmend: warning: {src}:3: duplicate id 'a' (first on line 1); the record is still processed"
    ]
    assert len(proc.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    "command", [["dedup"], ["dedup", "--level", "passage"], ["clean", "-o", "{tmp}/c.jsonl"]]
)
def test_dedup_refuses_duplicate_ids(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], command: list[str]
) -> None:
    """Dedup results name documents by id: two documents with one id would be merged in the
    clusters, the report and the cleaned corpus. It stops with exit 1 and says which id."""
    src = _jsonl(tmp_path / "dup.jsonl", DUP_ROWS)
    args = [c.format(tmp=tmp_path) for c in command]
    code = main([*args, "--jsonl", str(src), "-q"])
    _, err = capsysbinary.readouterr()
    assert code == 1
    assert err.decode().splitlines()[-1] == (
        f"textmend: {src}: duplicate id 'a' (first in {src}): dedup needs unique ids"
    )
    assert not (tmp_path / "c.jsonl").exists()


def test_dedup_with_unique_ids_across_files(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    one = _jsonl(tmp_path / "one.jsonl", DUP_ROWS[:2])
    two = _jsonl(tmp_path / "two.jsonl", [{"id": "a", "text": "另一个文件，同一个编号。"}])
    assert main(["dedup", "--jsonl", str(one), "-q"]) == 0
    capsysbinary.readouterr()
    assert main(["dedup", "--jsonl", str(one), str(two), "-q"]) == 1  # across files too
    _, err = capsysbinary.readouterr()
    assert f"textmend: {two}: duplicate id 'a' (first in {one})" in err.decode()


def test_in_place_streams_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """--in-place writes parts to a temp file beside the input (never the whole output in
    memory), then renames it over the input, keeping the original as .bak."""
    _small_parts(monkeypatch)
    damaged = "".join(f"第{i}項 優(yōu)質(zhì)服務(wù)，共{i}戶。\n" for i in range(200))
    src = tmp_path / "big.txt"
    src.write_text(damaged, encoding="utf-8")
    src.chmod(0o640)
    assert main(["repair", "--in-place", str(src)]) == 0
    capsysbinary.readouterr()
    assert src.read_text(encoding="utf-8") == repair(damaged).text
    assert (tmp_path / "big.txt.bak").read_text(encoding="utf-8") == damaged
    assert src.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "big.txt.bak"]  # no temp left


# --- a fixer that crashes on one document --------------------------------------------------------


def _crash_on_boom(monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.repair import ruby

    real = ruby.fix

    def fix(text: str, config: object) -> list[object]:
        if "BOOM" in text:
            raise RuntimeError("synthetic fixer bug")
        return real(text, config)  # type: ignore[arg-type]

    monkeypatch.setattr(ruby, "fix", fix)


def test_a_crashing_fixer_is_skipped_for_that_text_and_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    import textmend

    _crash_on_boom(monkeypatch)
    # The other fixers still run on the document (the ASCII '?' between digits is restored).
    r = textmend.repair("BOOM 增长99?5%")
    assert r.text == "BOOM 增长99.5%"
    assert [f.kind for f in r.flags] == ["fixer_error"]
    assert "ruby" in r.flags[0].note and "synthetic fixer bug" in r.flags[0].note


def test_cli_reports_a_crashing_fixer_and_keeps_every_record(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from click.testing import CliRunner

    from textmend.cli import cli

    _crash_on_boom(monkeypatch)
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "BOOM 優(yōu)質(zhì)"}\n{"id": "b", "text": "優(yōu)質(zhì)服務(wù)"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(cli, ["repair", "--jsonl", str(src), "-o", str(out)])
    assert res.exit_code == 1
    # One warning line naming the record (on stderr when logging is not configured).
    assert [r.getMessage() for r in caplog.records if "fixer ruby failed" in r.getMessage()] == [
        f"textmend: warning: {src}:1 (a): fixer ruby failed and was skipped: RuntimeError: synthetic fixer bug"
    ]
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["text"] == "BOOM 優(yōu)質(zhì)"  # unrepaired by the crashed fixer, not lost
    assert rows[1]["text"] == "優質服務"


def test_clean_stops_at_a_repeated_id_before_repairing_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from textmend.repair import parallel

    repaired: list[int] = []
    real = parallel.repair_batch

    def counting(job):  # type: ignore[no-untyped-def]
        repaired.append(len(job[0]))
        return real(job)

    monkeypatch.setattr(parallel, "repair_batch", counting)
    rows = [*DUP_ROWS, *({"id": f"r{i}", "text": f"第{i}条 本办法自公布之日起施行。"} for i in range(300))]
    src = _jsonl(tmp_path / "dup-first.jsonl", rows)
    assert main(["clean", "-o", str(tmp_path / "c.jsonl"), "--jsonl", str(src), "-q"]) == 1
    capsysbinary.readouterr()
    # The repeat is among the first rows: at most the batch it was read in gets repaired.
    assert sum(repaired) == 0


def _interrupt_on_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt (SIGTERM is raised as KeyboardInterrupt) right after an output's temp file
    was created, before anything could register it for cleanup under ``tempfile.mkstemp``."""
    from textmend import io

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(io.os, "fdopen", interrupted)


def test_an_interrupt_as_a_temp_file_is_made_leaves_it_for_cleanup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textmend.io import AtomicOutput, remove_pending_temps

    with monkeypatch.context() as m:
        _interrupt_on_open(m)
        with pytest.raises(KeyboardInterrupt):
            AtomicOutput(tmp_path / "out.txt")
    assert [p.name.endswith(".tmp") for p in tmp_path.iterdir()] == [True]
    remove_pending_temps()
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = tmp_path / "in.txt"
    src.write_text("在全縣計劃生育優(yōu)質(zhì)服務(wù)工作\n", encoding="utf-8")
    out = tmp_path / "out"
    _interrupt_on_open(monkeypatch)
    assert main(["repair", str(src), "-o", str(out)]) == 130  # click turns it into Abort
    assert capsysbinary.readouterr().out == b""
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
