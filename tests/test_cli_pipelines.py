"""dedup, diff, clean and merge through the CLI, on the bundled demo fixtures (repo only)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from textmend.cli import main

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
COPY1, COPY2 = DEMO / "003-copy1.txt", DEMO / "003-copy2.txt"


def run(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsysbinary.readouterr()
    return code, out.decode("utf-8"), err.decode("utf-8")


def test_dedup_clusters_the_two_copies_only(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    report = tmp_path / "report"
    code, out, err = run(["dedup", str(DEMO), "--glob", "*.txt", "--report", str(report)], capsysbinary)
    assert code == 0, err
    recs = [json.loads(line) for line in out.splitlines()]
    assert all(list(r) == ["id", "cluster", "keep", "similarity"] for r in recs)
    ids = [Path(r["id"]).name for r in recs]
    assert ids == sorted(p.name for p in DEMO.glob("*.txt"))  # input order (sorted walk)
    cluster = {Path(r["id"]).name: r["cluster"] for r in recs}
    assert cluster["003-copy1.txt"] == cluster["003-copy2.txt"]
    assert len(set(cluster.values())) == len(recs) - 1  # nothing else merged: same topic is not duplicate
    for c in set(cluster.values()):
        assert sum(r["keep"] for r in recs if r["cluster"] == c) == 1
    assert all(r["similarity"] == 1.0 for r in recs if r["keep"])
    index = (report / "index.html").read_text(encoding="utf-8")
    pages = sorted(p.name for p in report.glob("pair-*.html"))
    assert len(pages) == 1 and pages[0] in index


def test_diff_exit_codes_and_formats(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    same = tmp_path / "same.txt"
    shutil.copy(COPY1, same)
    assert run(["diff", str(COPY1), str(same)], capsysbinary)[0] == 0
    code, out, _ = run(["diff", str(COPY1), str(COPY2), "--format", "json"], capsysbinary)
    assert code == 1
    model = json.loads(out)
    a, b = COPY1.read_text(encoding="utf-8"), COPY2.read_text(encoding="utf-8")
    # applying the regions to A gives B
    pieces, pos = [], 0
    for r in sorted(model["regions"], key=lambda r: r["a"][0]):
        pieces.append(a[pos : r["a"][0]])
        pieces.append(b[r["b"][0] : r["b"][1]])
        pos = r["a"][1]
    pieces.append(a[pos:])
    assert "".join(pieces) == b
    html = tmp_path / "d.html"
    assert run(["diff", str(COPY1), str(COPY2), "--format", "html", "-o", str(html)], capsysbinary)[0] == 1
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    code, _, err = run(["diff", str(COPY1), str(tmp_path / "missing.txt")], capsysbinary)
    assert code == 2
    assert err.strip() == f"textmend: {tmp_path / 'missing.txt'}: no such file or directory"


def test_clean_keeps_one_per_cluster_and_loses_nothing(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    out = tmp_path / "clean.jsonl"
    code, _, err = run(["clean", str(DEMO), "--glob", "*.txt", "-o", str(out)], capsysbinary)
    assert code == 0, err
    kept = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    excluded = [
        json.loads(line)
        for line in (tmp_path / "clean.jsonl.excluded.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    n_inputs = len(list(DEMO.glob("*.txt")))
    assert len(kept) + len(excluded) == n_inputs
    assert len(excluded) == 1
    ex = excluded[0]
    assert ex["reason"].startswith("near-duplicate of ") and ex["kept"] in {k["id"] for k in kept}
    assert ex["original_text"] == Path(ex["id"]).read_text(encoding="utf-8")
    assert all("(yōu)" not in k["text"] for k in kept)  # repaired before dedup


def test_merge_writes_text_and_sources(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    merged, sources = tmp_path / "m.txt", tmp_path / "s.json"
    code, _, err = run(
        ["merge", str(COPY1), str(COPY2), "-o", str(merged), "--sources", str(sources)], capsysbinary
    )
    assert code == 0, err
    assert merged.read_text(encoding="utf-8")
    assert isinstance(json.loads(sources.read_text(encoding="utf-8")), list)
    assert run(["merge", str(COPY1)], capsysbinary)[0] == 2


def test_clean_merge_takes_the_name_a_copy_masked_from_the_copy_that_kept_it(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # With --placeholders normalize the mask becomes □, which the merge cannot tell from text:
    # the repair's placeholder flag must reach the merge, or the representative's □ wins.
    body = COPY1.read_text(encoding="utf-8")[:1500]
    src = tmp_path / "in.jsonl"
    docs = [
        {"id": "masked", "text": "×××同志讲话：\n" + body},
        {"id": "named", "text": "张三同志讲话：\n" + body},
    ]
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "clean.jsonl"
    args = ["clean", "--jsonl", str(src), "-o", str(out), "--merge", "--placeholders", "normalize"]
    args += ["--keep", "first", "-q"]
    code, _, err = run(args, capsysbinary)
    assert code == 0, err
    kept = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(kept) == 1
    assert kept[0]["id"] == "masked"  # the representative, so the flag and not the order decides
    assert kept[0]["text"].startswith("张三同志讲话")
