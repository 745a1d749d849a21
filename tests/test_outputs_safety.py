"""Outputs never replace inputs, a failed run keeps an existing edit log, new outputs are readable."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from textmend.cli import main

DAMAGED = "優(yōu)質(zhì)服務，全縣有十二個鄉鎮。\n"


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    a, b, j = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.jsonl"
    a.write_text(DAMAGED, encoding="utf-8")
    b.write_text(DAMAGED.replace("十二", "十三"), encoding="utf-8")
    j.write_text('{"id": "x", "text": "今天开会。"}\n', encoding="utf-8")
    return a, b, j


@pytest.mark.parametrize(
    "args",
    [
        ["repair", "{a}", "-o", "{a}"],
        ["repair", "{a}", "--explain", "{a}"],
        ["repair", "{dir}", "-o", "{dir}"],
        ["clean", "--jsonl", "{j}", "-o", "{j}"],
        ["clean", "--jsonl", "{j}", "-o", "{dir}/out.jsonl", "--excluded", "{j}"],
        ["dedup", "--jsonl", "{j}", "-o", "{j}"],
        ["merge", "{a}", "{b}", "-o", "{b}"],
        ["merge", "{a}", "{b}", "--sources", "{a}"],
        ["diff", "{a}", "{b}", "-o", "{b}"],
        ["lm", "build", "{a}", "{b}", "-o", "{b}"],
    ],
    ids=lambda a: " ".join(a),
)
def test_an_output_named_like_an_input_is_refused_and_the_input_kept(
    args: list[str], inputs: tuple[Path, Path, Path], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    a, b, j = inputs
    before = {p: p.read_bytes() for p in inputs}
    argv = [x.format(a=a, b=b, j=j, dir=a.parent) for x in args]
    assert main([*argv, "-q"] if argv[0] in {"repair", "clean", "dedup"} else argv) == 2
    err = capsysbinary.readouterr().err.decode("utf-8")
    assert len(err.strip().splitlines()) == 1 and "is one of the inputs; refusing to overwrite it" in err
    assert {p: p.read_bytes() for p in inputs} == before
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.txt", "b.txt", "c.jsonl"]


def test_in_place_still_rewrites_inputs(inputs: tuple[Path, Path, Path]) -> None:
    a, _, _ = inputs
    assert main(["repair", "--in-place", str(a), "-q"]) == 0
    assert a.read_text(encoding="utf-8") == "優質服務，全縣有十二個鄉鎮。\n"
    assert (a.parent / "a.txt.bak").read_text(encoding="utf-8") == DAMAGED


def test_a_run_that_read_nothing_keeps_the_file_named_by_explain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # `textmend repair --explain notes.txt` with the input forgotten reads an empty stdin:
    # notes.txt must not become an empty edit log.
    notes = tmp_path / "notes.txt"
    notes.write_text(DAMAGED, encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["repair", "--explain", str(notes), "-q"]) == 1
    assert "<stdin>: empty file" in capsysbinary.readouterr().err.decode("utf-8")
    assert notes.read_text(encoding="utf-8") == DAMAGED


def test_a_new_output_gets_the_mode_open_would_give_it(
    tmp_path: Path, inputs: tuple[Path, Path, Path]
) -> None:
    a, _, _ = inputs
    old = os.umask(0o027)
    try:
        out, log = tmp_path / "out.txt", tmp_path / "edits.jsonl"
        assert main(["repair", str(a), "-o", str(out), "--explain", str(log), "-q"]) == 0
        assert (out.stat().st_mode & 0o777, log.stat().st_mode & 0o777) == (0o640, 0o640)
        out.chmod(0o600)  # a replaced output keeps its own mode
        assert main(["repair", str(a), "-o", str(out), "-q"]) == 0
        assert out.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_an_output_directory_inside_the_input_directory_is_not_read_as_input(tmp_path: Path) -> None:
    src = tmp_path / "scraped"
    src.mkdir()
    (src / "a.txt").write_text(DAMAGED, encoding="utf-8")
    out = src / "fixed"
    for _ in range(2):  # the second run must not take the first run's output for an input
        assert main(["repair", str(src), "-o", str(out), "-q"]) == 0
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "scraped",
        "scraped/a.txt",
        "scraped/fixed",
        "scraped/fixed/a.txt",
    ]
    assert (out / "a.txt").read_text(encoding="utf-8") == "優質服務，全縣有十二個鄉鎮。\n"
