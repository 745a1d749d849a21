"""The CLI contract (issue 2): formats, exit codes, one-line errors, inputs never modified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from textmend.cli import main

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "cli"
RUBY = "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作"
RUBY_FIXED = "在全縣計劃生育優質服務工作"


def run(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    code = main(args)
    out, err = capsysbinary.readouterr()
    return code, out, err.decode("utf-8")


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def test_clean_jsonl_comes_back_byte_identical(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = FIX / "clean.jsonl"
    code, out, err = run(["repair", "--jsonl", str(src)], capsysbinary)
    assert code == 0, err
    assert out == src.read_bytes()


def test_jsonl_repairs_field_and_preserves_others(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    lines = [
        {"id": "x1", "meta": {"k": [1, 2]}, "text": RUBY},
        {"id": "x2", "text": "今天天气很好。"},
        {"id": "x3", "content": "no text field here"},
        {"text": RUBY, "id": "x4", "z": None},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    before = src.read_bytes()
    code, out, err = run(["repair", "--jsonl", str(src), "--keep-original"], capsysbinary)
    assert code == 1  # x3 has no text field
    assert error_lines(err) == [f"textmend: {src}:3: missing field 'text'"]
    got = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [g.get("id") for g in got] == ["x1", "x2", "x3", "x4"]
    assert got[0] == {"id": "x1", "meta": {"k": [1, 2]}, "text": RUBY_FIXED, "text_original": RUBY}
    assert list(got[3]) == ["text", "id", "z", "text_original"]  # field order kept
    assert got[2] == lines[2]  # the bad record is passed through, not lost
    assert src.read_bytes() == before


def test_text_field_and_id_field_options(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"key": "k1", "body": RUBY}, ensure_ascii=False) + "\n{broken\n", encoding="utf-8"
    )
    code, out, err = run(
        ["repair", "--jsonl", "--text-field", "body", "--id-field", "key", str(src)], capsysbinary
    )
    assert code == 1
    assert error_lines(err) == [
        f"textmend: {src}:2: broken JSON line (Expecting property name enclosed in double quotes)"
    ]
    first, second = out.decode("utf-8").splitlines()
    assert json.loads(first) == {"key": "k1", "body": RUBY_FIXED}
    assert second == "{broken"


def test_stdin_to_stdout(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RUBY.encode("utf-8"))))
    code, out, _ = run(["repair"], capsysbinary)
    assert code == 0
    assert out.decode("utf-8") == RUBY_FIXED


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file or directory"),
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes), not text"),
    ],
)
def test_bad_file_inputs_one_line_and_others_continue(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], content: bytes | None, problem: str
) -> None:
    bad = tmp_path / "bad.txt"
    if content is not None:
        bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text(RUBY, encoding="utf-8")
    code, out, err = run(["repair", str(bad), str(good)], capsysbinary)
    assert code == 1
    assert error_lines(err) == [f"textmend: {bad}: {problem}"]
    assert out.decode("utf-8") == RUBY_FIXED  # the good input was still processed


def test_fail_fast_stops(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    good = tmp_path / "good.txt"
    good.write_text(RUBY, encoding="utf-8")
    code, out, err = run(["repair", "--fail-fast", str(tmp_path / "missing"), str(good)], capsysbinary)
    assert code == 1
    assert out == b""
    assert len(error_lines(err)) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["repair", "--no-such-option"],
        ["repair", "--script", "klingon"],
        ["nosuchcommand"],
        ["repair", "--in-place", "-o", "x", "a.txt"],
        ["repair", "--keep-original", "a.txt"],
        ["repair", "--min-confidence", "2"],
    ],
)
def test_usage_errors_exit_2_one_line(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, err = run(args, capsysbinary)
    assert code == 2
    assert out == b""
    lines = error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("textmend: "), err
    assert "Traceback" not in err


def test_inputs_untouched_without_in_place(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = tmp_path / "a.txt"
    src.write_text(RUBY, encoding="utf-8")
    stat = src.stat()
    out_dir = tmp_path / "out"
    code, _, _ = run(["repair", str(src), "-o", str(out_dir) + "/"], capsysbinary)
    assert code == 0
    assert src.read_text(encoding="utf-8") == RUBY
    assert src.stat().st_mtime_ns == stat.st_mtime_ns
    assert (out_dir / "a.txt").read_text(encoding="utf-8") == RUBY_FIXED
    assert not list(tmp_path.glob("*.bak"))


def test_in_place_is_atomic_and_keeps_backup(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    src = tmp_path / "a.txt"
    src.write_text(RUBY, encoding="utf-8")
    os.chmod(src, 0o640)
    code, out, _ = run(["repair", "--in-place", str(src)], capsysbinary)
    assert code == 0 and out == b""
    assert src.read_text(encoding="utf-8") == RUBY_FIXED
    assert (tmp_path / "a.txt.bak").read_text(encoding="utf-8") == RUBY
    assert src.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "a.txt.bak"]  # no temp file left


def test_directory_input_mirrors_tree_with_glob(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    root = tmp_path / "in"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "top.txt").write_text(RUBY, encoding="utf-8")
    (root / "sub" / "deeper" / "x.txt").write_text("乾淨的文字。", encoding="utf-8")
    (root / "sub" / "skip.md").write_text(RUBY, encoding="utf-8")
    (root / ".hidden.txt").write_text(RUBY, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(["repair", str(root), "--glob", "*.txt", "-o", str(out)], capsysbinary)
    assert code == 0, err
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["sub/deeper/x.txt", "top.txt"]
    assert (out / "top.txt").read_text(encoding="utf-8") == RUBY_FIXED
    assert (out / "sub" / "deeper" / "x.txt").read_bytes() == "乾淨的文字。".encode()


def test_explain_writes_every_edit(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "a.txt"
    src.write_text(RUBY, encoding="utf-8")
    log = tmp_path / "edits.jsonl"
    code, out, _ = run(["repair", str(src), "--explain", str(log)], capsysbinary)
    assert code == 0
    recs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {r["kind"] for r in recs} == {"ruby"}
    assert all(r["doc"] == str(src) and r["status"] == "applied" for r in recs)
    # replaying the logged edits on the input reproduces the output
    from textmend.edits import Edit, apply_edits

    text = RUBY
    edits = [Edit.from_dict(r) for r in recs]
    assert apply_edits(text, edits) == out.decode("utf-8")


def test_legacy_encoded_input_is_decoded(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    src = tmp_path / "gbk.txt"
    src.write_bytes("简体中文文本，用于测试。\n".encode("gbk") + "繁體中文測試。\n".encode("big5"))
    code, out, _ = run(["repair", str(src)], capsysbinary)
    assert code == 0
    assert out.decode("utf-8") == "简体中文文本，用于测试。\n繁體中文測試。\n"


def test_console_script_never_shows_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bin.dat"
    bad.write_bytes(b"\x00\x01\x02")
    proc = subprocess.run(
        [sys.executable, "-m", "textmend", "repair", str(bad)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"textmend: {bad}: binary file (contains NUL bytes), not text"
    assert "Traceback" not in proc.stderr


def test_help_lists_examples(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    for cmd in (["repair"], ["dedup"], ["diff"], ["clean"], ["merge"], ["lm", "build"], ["spinner", "learn"]):
        code, out, _ = run([*cmd, "--help"], capsysbinary)
        assert code == 0
        assert "Example" in out.decode("utf-8"), cmd


def test_sigterm_leaves_no_partial_output_and_resume_finishes(tmp_path: Path) -> None:
    import signal
    import time

    src = tmp_path / "in"
    src.mkdir()
    for i in range(80):
        (src / f"{i:03d}.txt").write_text((RUBY + "。\n") * 400, encoding="utf-8")
    out = tmp_path / "out"
    only_ruby = ["--no-encoding", "--no-bytedamage", "--no-lines", "--no-lostchar", "--boilerplate", "off"]
    only_ruby += ["--placeholders", "off", "--spinner", "off"]
    cmd = [sys.executable, "-m", "textmend", "repair", str(src), "-o", str(out), *only_ruby]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (out.exists() and any(out.iterdir())) and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]  # no half-written file
    done_before = len(list(out.glob("*.txt")))
    resumed = subprocess.run([*cmd, "--resume", "--stats"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(p.name for p in src.glob("*.txt"))
    if proc.returncode != 0:  # it was interrupted: the resumed run skipped what was finished
        assert f"skipped (already done, --resume): {done_before}" in resumed.stderr or done_before == 0
    expected = ((RUBY_FIXED + "。\n") * 400).encode()  # ruby only: the other fixers are off
    assert all(p.read_bytes() == expected for p in out.glob("*.txt"))


def test_lm_build_min_count(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    from textmend.lm import LanguageModel

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(
        "中华人民共和国成立了。\n人民代表大会召开。\n国务院办公厅发布通知。\n", encoding="utf-8"
    )
    counts = {}
    for name, extra in (("default", []), ("two", ["--min-count", "2"])):
        code, _, err = run(
            ["lm", "build", str(corpus), "-o", str(tmp_path / f"{name}.tmlm"), *extra], capsysbinary
        )
        assert code == 0, err
        meta = LanguageModel(tmp_path / f"{name}.tmlm").meta
        counts[name] = (meta["min_count"], meta["ngrams"])
    assert counts["default"][0] == 1 and counts["two"][0] == 2
    assert counts["two"][1] < counts["default"][1]
    code, _, err = run(
        ["lm", "build", str(corpus), "-o", str(tmp_path / "zero.tmlm"), "--min-count", "0"], capsysbinary
    )
    assert code == 2 and "--min-count" in err
    assert not (tmp_path / "zero.tmlm").exists()
