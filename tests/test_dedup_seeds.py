"""The issue's acceptance checks on the real seed documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from textmend.dedup import DedupConfig, find_duplicates, find_passages
from textmend.document import Document


def _seed_docs(seeds_dir: Path) -> list[Document]:
    # 003 is five speeches in one file ("第一篇:" ... "第五篇:"); the first two are copies of one
    # speech with different damage.
    text = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    parts = [p for p in re.split(r"(?m)^(?=第.篇:)", text) if p.strip()]
    assert len(parts) == 5
    docs = [Document(f"003-{k + 1}", p) for k, p in enumerate(parts)]
    for name in ("000", "001", "004"):
        docs.append(Document(name, next(seeds_dir.glob(f"{name}_*.txt")).read_text(encoding="utf-8")))
    return docs


def test_seed_clusters(seeds_dir: Path) -> None:
    docs = _seed_docs(seeds_dir)
    result = find_duplicates(docs, DedupConfig())
    cluster = {r.id: r.cluster for r in result.records}
    assert cluster["003-1"] == cluster["003-2"] == "003-1"
    # Distinct speeches on the same topic (family planning) stay apart.
    others = [cluster[k] for k in ("003-3", "003-4", "003-5", "000", "001", "004")]
    assert others == ["003-3", "003-4", "003-5", "000", "001", "004"]
    assert result.stats["clusters"] == 7


def test_seed_shared_passages_have_offsets(seeds_dir: Path) -> None:
    docs = _seed_docs(seeds_dir)
    text = {d.id: d.text for d in docs}
    passages = find_passages(docs, DedupConfig(level="passage"))
    between = [p for p in passages if (p.a_id, p.b_id) == ("003-1", "003-2")]
    assert between
    # Together the passages cover most of the shorter copy.
    covered = sum(p.b_end - p.b_start for p in between)
    assert covered > 0.6 * len(text["003-2"])
    for p in between:
        a, b = text[p.a_id][p.a_start : p.a_end], text[p.b_id][p.b_start : p.b_end]
        # Same passage: the spans share most of their Han characters.
        common = len(set(a) & set(b)) / max(1, len(set(a) | set(b)))
        assert common > 0.5, (a[:40], b[:40])
    # No passage is reported twice for one pair.
    keys = [(p.a_id, p.a_start, p.b_id, p.b_start) for p in passages]
    assert len(keys) == len(set(keys))
    assert all(p.a_id != p.b_id for p in passages)


@pytest.mark.parametrize("keep", ["longest", "first", "cleanest"])
def test_seed_keep_policy(seeds_dir: Path, keep: str) -> None:
    docs = _seed_docs(seeds_dir)
    rec = {r.id: r for r in find_duplicates(docs, DedupConfig(keep=keep)).records}
    # 003-1 is the longer copy and comes first; without edit counts "cleanest" ties go longest.
    assert rec["003-1"].keep and not rec["003-2"].keep
    assert rec["003-2"].similarity >= 0.5
