"""Inputs and outputs on fsspec URLs (``memory://`` here) and Parquet shards."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from textmend.cli import cli
from textmend.errors import MissingDependency
from textmend.io import read_documents
from textmend.repair.pipeline import repair

fsspec = pytest.importorskip("fsspec", reason="fsspec is not installed (pip install 'textmend[cloud]')")

RUBY = "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作"
CLEAN = "第一条 为了规范不动产登记行为，保护权利人合法权益。"
MOJIBAKE = "今天天气很好，我们去公园散步。".encode().decode("cp1252", errors="replace")


def _records(shard: int) -> list[dict[str, Any]]:
    texts = [RUBY, CLEAN, MOJIBAKE]
    return [
        {"id": f"{shard}-{k}", "text": texts[(shard + k) % 3], "n": k, "tags": ["a", str(k)]}
        for k in range(7)
    ]


@pytest.fixture
def mem() -> Iterator[tuple[Any, str]]:
    """A fresh prefix on the process-wide memory filesystem, removed afterwards."""
    fs = fsspec.filesystem("memory")
    root = f"/t-{uuid.uuid4().hex}"
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def _put_jsonl(fs: Any, path: str, records: list[dict[str, Any]]) -> bytes:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    fs.pipe_file(path, data)
    return data


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _expected(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "text": repair(r["text"]).text} for r in records]


def test_memory_shards_in_and_out(mem: tuple[Any, str], tmp_path: Path) -> None:
    fs, root = mem
    raw = [_put_jsonl(fs, f"{root}/in/{s}.jsonl", _records(s)) for s in range(2)]
    fs.pipe_file(f"{root}/in/.hidden.jsonl", b"{}\n")
    res = _invoke(["repair", "--jsonl", f"memory://{root}/in/", "-o", f"memory://{root}/out/", "--stats"])
    assert res.exit_code == 0, res.output
    assert "documents: 14" in res.output
    assert sorted(fs.ls(f"{root}/out", detail=False)) == [
        f"{root}/out/part-00000.jsonl",
        f"{root}/out/part-00001.jsonl",
    ]
    for s in range(2):
        got = fs.cat_file(f"{root}/out/part-{s:05d}.jsonl")
        assert [json.loads(line) for line in got.splitlines()] == _expected(_records(s))
        # a record the repair leaves alone comes back byte for byte
        clean_in = [line for line in raw[s].splitlines() if CLEAN in line.decode()]
        assert clean_in and all(line in got.splitlines() for line in clean_in)
    # the same documents as from local files
    local = tmp_path / "in"
    local.mkdir()
    for s in range(2):
        (local / f"{s}.jsonl").write_bytes(raw[s])
    from_mem = [(d.id, d.text) for d in read_documents([f"memory://{root}/in/"], jsonl=True)]
    from_disk = [(d.id, d.text) for d in read_documents([str(local)], jsonl=True)]
    assert from_mem == from_disk and len(from_mem) == 14


def test_resume_on_a_url_skips_finished_shards(mem: tuple[Any, str]) -> None:
    fs, root = mem
    for s in range(3):
        _put_jsonl(fs, f"{root}/in/{s}.jsonl", _records(s))
    fs.pipe_file(f"{root}/out/part-00001.jsonl", b"done before\n")
    res = _invoke(
        ["repair", "--jsonl", f"memory://{root}/in/", "-o", f"memory://{root}/out/", "--resume", "--stats"]
    )
    assert res.exit_code == 0, res.output
    assert "skipped (already done, --resume): 1" in res.output
    assert fs.cat_file(f"{root}/out/part-00001.jsonl") == b"done before\n"
    assert [json.loads(x) for x in fs.cat_file(f"{root}/out/part-00002.jsonl").splitlines()] == _expected(
        _records(2)
    )
    assert not [p for p in fs.find(f"{root}/out") if p.rsplit("/", 1)[1].startswith(".")]  # no temp left


def test_missing_url_is_reported_and_others_go_on(mem: tuple[Any, str]) -> None:
    fs, root = mem
    _put_jsonl(fs, f"{root}/a.jsonl", _records(0))
    res = _invoke(
        [
            "repair",
            "--jsonl",
            f"memory://{root}/nope.jsonl",
            f"memory://{root}/a.jsonl",
            "-o",
            f"memory://{root}/out/",
        ]
    )
    assert res.exit_code == 1
    assert f"memory://{root}/nope.jsonl: no such file or directory" in res.output
    assert fs.exists(f"{root}/out/a.jsonl")  # explicit files keep their names


def test_parquet_round_trip(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'textmend[parquet]')")
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    src.mkdir()
    for s in range(2):
        pq.write_table(pa.Table.from_pylist(_records(s)), src / f"{s}.parquet")
    # Parquet shards -> Parquet shards (the input format is kept), columns and order preserved
    res = _invoke(["repair", str(src), "--glob", "*.parquet", "-o", str(tmp_path / "pq")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    for s in range(2):
        assert pq.read_table(tmp_path / "pq" / f"part-{s:05d}.parquet").to_pylist() == _expected(_records(s))
    # -> JSON Lines and back to Parquet: the same rows
    res = _invoke(
        [
            "repair",
            str(tmp_path / "pq"),
            "--glob",
            "*.parquet",
            "--format",
            "jsonl",
            "-o",
            str(tmp_path / "j"),
        ]
    )
    assert res.exit_code == 0, res.output
    rows = [
        json.loads(x) for x in (tmp_path / "j" / "part-00001.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert rows == _expected(_records(1))
    res = _invoke(
        ["repair", "--jsonl", str(tmp_path / "j"), "--format", "parquet", "-o", str(tmp_path / "pq2")]
    )
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "pq2" / "part-00001.parquet").to_pylist() == rows
    # a single Parquet output file, and dedup reading Parquet rows as documents
    res = _invoke(
        ["repair", "--jsonl", str(tmp_path / "j" / "part-00000.jsonl"), "-o", str(tmp_path / "one.parquet")]
    )
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "one.parquet").to_pylist() == _expected(_records(0))
    docs = list(read_documents([str(tmp_path / "one.parquet")]))
    assert [d.id for d in docs] == [r["id"] for r in _records(0)] and docs[0].metadata["n"] == 0


def test_broken_lines_survive_a_parquet_output(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")
    src = tmp_path / "a.jsonl"
    src.write_text(
        json.dumps({"id": "x", "text": RUBY}, ensure_ascii=False) + "\n{broken\n", encoding="utf-8"
    )
    res = _invoke(["repair", "--jsonl", str(src), "--format", "parquet", "-o", str(tmp_path / "out") + "/"])
    assert res.exit_code == 1
    rows = pq.read_table(tmp_path / "out" / "part-00000.parquet").to_pylist()
    assert rows[0]["text"] == repair(RUBY).text and rows[1] == {
        "id": None,
        "text": None,
        "_unparsed": "{broken",
    }


def test_mixed_column_types_are_kept_as_json_text(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")
    src = tmp_path / "a.jsonl"
    src.write_text('{"text": "a", "n": 1}\n{"text": "b", "n": "two"}\n', encoding="utf-8")
    assert _invoke(["repair", "--jsonl", str(src), "-o", str(tmp_path / "a.parquet")]).exit_code == 0
    assert pq.read_table(tmp_path / "a.parquet").to_pylist() == [
        {"text": "a", "n": "1"},
        {"text": "b", "n": '"two"'},
    ]


def test_format_needs_records(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(RUBY, encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["repair", str(tmp_path / "a.txt"), "--format", "parquet", "-o", str(tmp_path / "o")]
    )
    assert res.exit_code != 0 and "--format needs record inputs" in str(res.exception or res.output)


def test_missing_optional_packages_name_their_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from textmend import storage

    monkeypatch.setitem(sys.modules, "fsspec", None)  # makes `import fsspec` fail
    with pytest.raises(MissingDependency, match=r"textmend\[cloud\]"):
        list(read_documents(["memory://x/a.jsonl"], jsonl=True))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    (tmp_path / "a.parquet").write_bytes(b"PAR1")
    with pytest.raises(MissingDependency, match=r"textmend\[parquet\]"):
        list(read_documents([str(tmp_path / "a.parquet")]))
    with pytest.raises(MissingDependency, match=r"textmend\[parquet\]"):
        storage.open_output(str(tmp_path / "b.parquet"), "parquet")
