"""Adapters run for real: Hugging Face datasets, datatrove-style steps (and datatrove itself), pandas/polars."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from textmend import Document, apply_plan, repair
from textmend.errors import ConfigError, MissingDependency
from textmend.frames import FrameRepairer, repair_frame, repair_texts
from textmend.hf import NearDuplicateFilter, repair_batch
from textmend.steps import DedupFilter, JsonlExclusionWriter, RepairFormatter

RUBY = "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作"
RUBY_FIXED = "在全縣計劃生育優質服務工作"  # seed-damage.md: ruby is (pinyin) glued after each character
CLEAN = [
    "今天天气很好。",
    "第一条 为了规范不动产登记行为，保护权利人的合法权益。",
    "同志们：今天这次会议是县委县政府研究确定召开的。",
]
LAW = "第二条 市规划资源部门是本市不动产登记的主管部门，负责指导、监督全市不动产登记工作。"
LAW_COPY = "第二条 市规划资源部门是本市不动产登记的主管部门,负责指导、监督全市不动产登记工作"


# Long enough (MIN_HAN_AUTO Han characters) for the spinner gate, which loads its own lexicons
# and tables.
LONG = (LAW + CLEAN[1]) * 4


def _texts(n: int) -> list[str]:
    """Clean rows first (the first Arrow batch has no edit at all), then damaged ones."""
    return [(*CLEAN, LONG)[k % 4] for k in range(n // 2)] + [RUBY] * (n - n // 2)


# --- repair_batch (no datasets needed) ---------------------------------------------------------


def test_repair_batch_columns_match_repair() -> None:
    texts = [*CLEAN, RUBY, None]
    out = repair_batch({"text": texts, "other": [1, 2, 3, 4, 5]})
    assert out["text"][:3] == CLEAN, "defaults do no harm on clean text"
    assert out["text"][3] == RUBY_FIXED
    assert out["text"][4] is None
    assert out["changed"] == [False, False, False, True, False]
    assert out["n_edits"][3] == 3
    assert all(math.isnan(s) for s in out["spun_score"]), "not scored -> NaN, never None"
    # the edits column is a replayable plan of exactly the applied edits
    assert apply_plan(RUBY, out["edits"][3]) == RUBY_FIXED
    plan = json.loads(out["edits"][3])
    assert [e["before"] for s in plan["steps"] for e in s["edits"]] == ["(yōu)", "(zhì)", "(wù)"]
    assert "other" not in out, "map keeps the other columns itself"


def test_repair_batch_repairs_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import textmend.hf as hf

    calls: list[str] = []

    def counting(text: str, config: Any = None) -> Any:
        calls.append(text)
        return repair(text, config)

    monkeypatch.setattr(hf, "repair", counting)
    texts = [RUBY, CLEAN[0], RUBY, None, CLEAN[0], RUBY]
    out = repair_batch({"text": texts})
    assert sorted(calls) == sorted([RUBY, CLEAN[0]])
    assert out["text"] == [RUBY_FIXED, CLEAN[0], RUBY_FIXED, None, CLEAN[0], RUBY_FIXED]
    assert out["edits"][0] == out["edits"][2] == out["edits"][5] == repair(RUBY).plan_json()
    assert out["n_edits"] == [3, 0, 3, 0, 0, 3]


def test_repair_batch_options() -> None:
    out = repair_batch({"content": [RUBY]}, column="content", keep_original="raw")
    assert out["raw"] == [RUBY] and out["content"] == [RUBY_FIXED]
    with pytest.raises(ConfigError):
        repair_batch({"content": [RUBY]})


# --- Hugging Face datasets ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def datasets_mod() -> Any:
    return pytest.importorskip("datasets", reason="datasets is not installed: pip install 'textmend[hf]'")


def _worker_probe(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """repair_batch plus, per row, the worker's pid and how often it has loaded the LM and the
    spinner gate's lexicons and word counts."""
    import os

    from textmend.lm.registry import _load
    from textmend.spinner import lexicon, wordfreq

    out = repair_batch(batch)
    out["pid"] = [os.getpid()] * len(batch["text"])
    out["lm_loads"] = [_load.cache_info().misses] * len(batch["text"])
    loaders = (lexicon.cedict, lexicon.cilin, wordfreq._table)
    out["gate_loads"] = [max(f.cache_info().misses for f in loaders)] * len(batch["text"])
    return out


def test_dataset_map_two_processes(datasets_mod: Any) -> None:
    ds = datasets_mod.Dataset.from_dict({"text": _texts(40), "n": list(range(40))})
    one = ds.map(repair_batch, batched=True, batch_size=8)
    two = ds.map(_worker_probe, batched=True, batch_size=8, num_proc=2)
    assert one["text"] == two["text"] == [repair(t).text for t in _texts(40)]
    assert one["n"] == list(range(40)), "other columns survive"
    assert one["edits"] == two["edits"]
    assert len(set(two["pid"])) == 2, "two worker processes ran"
    # five batches per worker, but the models were loaded at most once in each
    assert max(two["lm_loads"]) <= 1
    assert max(two["gate_loads"]) == 1, "every batch has a long text: the gate loaded, once"


def test_dataset_near_duplicate_filter(datasets_mod: Any) -> None:
    ds = datasets_mod.Dataset.from_dict({"id": ["a", "b", "c", "d"], "text": [LAW, CLEAN[1], LAW_COPY, LAW]})
    filt = NearDuplicateFilter(id_column="id", threshold=0.8)
    kept = filt(ds)
    assert kept["id"] == ["a", "b"]
    assert filt.last_dropped == {"c": "a", "d": "a"}
    annotated = filt(ds, with_reason=True)
    assert annotated["duplicate_of"] == [None, None, "a", "a"]
    assert annotated["similarity"][3] == 1.0
    with pytest.raises(ConfigError):
        NearDuplicateFilter(column="nope")(ds)


def test_missing_datasets_has_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(MissingDependency, match=r"textmend\[hf\]"):
        NearDuplicateFilter()


# --- datatrove-style steps ----------------------------------------------------------------------


def _docs() -> list[Document]:
    return [
        Document("a", LAW),
        Document("r", RUBY),
        Document("b", LAW_COPY),
        Document("c", CLEAN[0]),
        Document("d", RUBY_FIXED),  # a duplicate only once r is repaired
    ]


def test_steps_without_datatrove(tmp_path: Path) -> None:
    fmt = RepairFormatter()
    filt = DedupFilter(JsonlExclusionWriter(tmp_path / "excluded"), threshold=0.8, batch_size=2)
    kept = list(filt(fmt(_docs())))
    assert [d.id for d in kept] == ["a", "r", "c"]
    assert kept[1].text == RUBY_FIXED and kept[1].metadata["textmend_edits"] == 3
    assert apply_plan(RUBY, kept[1].metadata["textmend_plan"]) == RUBY_FIXED
    assert fmt.counts == {"total": 5, "changed": 1, "edits": 3}
    assert filt.counts["dropped_near_duplicate"] == 2 and filt.counts["forwarded"] == 3
    rows = [
        json.loads(line) for line in (tmp_path / "excluded" / "00000.jsonl").read_text("utf-8").splitlines()
    ]
    assert [(r["id"], r["metadata"]["filter_reason"], r["metadata"]["duplicate_of"]) for r in rows] == [
        ("b", "near_duplicate", "a"),
        ("d", "near_duplicate", "r"),
    ]


def test_dedup_filter_validates_options_at_construction() -> None:
    with pytest.raises(ConfigError):
        DedupFilter(threshold=2.0)


def test_steps_inside_datatrove(tmp_path: Path) -> None:
    pytest.importorskip("datatrove", reason="datatrove is not installed; its protocol is tested above")
    from datatrove.data import Document as DtDocument
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    seen: list[Any] = []

    def collect(data: Any, rank: int = 0, world_size: int = 1) -> Any:
        for doc in data:
            seen.append(doc)
            yield doc

    docs = [DtDocument(text=d.text, id=d.id) for d in _docs()]
    pipeline = [
        docs,
        RepairFormatter(),
        DedupFilter(JsonlWriter(str(tmp_path / "excluded"), compression=None), threshold=0.8),
        collect,
    ]
    LocalPipelineExecutor(pipeline, tasks=1, workers=1, logging_dir=str(tmp_path / "logs")).run()
    assert [d.id for d in seen] == ["a", "r", "c"]
    assert seen[1].text == RUBY_FIXED
    files = list((tmp_path / "excluded").glob("*.jsonl"))
    rows = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]
    assert sorted((r["id"], r["metadata"]["filter_reason"]) for r in rows) == [
        ("b", "near_duplicate"),
        ("d", "near_duplicate"),
    ]


# --- pandas / polars ------------------------------------------------------------------------------


def test_repair_texts_repairs_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import textmend.frames as frames

    calls: list[str] = []

    def counting(text: str, config: Any = None) -> Any:
        calls.append(text)
        return repair(text, config)

    monkeypatch.setattr(frames, "repair", counting)
    results = repair_texts([RUBY, CLEAN[0], RUBY, None, CLEAN[0]])
    assert sorted(calls) == sorted([RUBY, CLEAN[0]])
    assert [r.text if r else None for r in results] == [RUBY_FIXED, CLEAN[0], RUBY_FIXED, None, CLEAN[0]]


def test_repair_texts_with_workers_equals_serial() -> None:
    texts = [f"{k}{RUBY}" if k % 2 else f"{k}{CLEAN[k % 3]}" for k in range(600)]
    serial = repair_texts(texts)
    pooled = repair_texts(texts, workers=2)
    assert [r.text for r in pooled if r] == [r.text for r in serial if r]


def test_pandas_frame() -> None:
    pd = pytest.importorskip("pandas", reason="pandas is not installed: pip install 'textmend[frames]'")
    df = pd.DataFrame({"text": [RUBY, CLEAN[0], None], "n": [1, 2, 3]})
    out = repair_frame(df, keep_original="raw")
    assert out["text"].tolist()[:2] == [RUBY_FIXED, CLEAN[0]]
    assert out["text"].isna().tolist() == [False, False, True]
    assert out["raw"].tolist()[:2] == [RUBY, CLEAN[0]]
    assert out["changed"].tolist()[:2] == [True, False]
    assert out["n"].tolist() == [1, 2, 3]
    assert df["text"].tolist()[0] == RUBY, "the input frame is not modified"
    assert FrameRepairer("pandas")(df)["text"].tolist()[0] == RUBY_FIXED


def test_polars_frame() -> None:
    pl = pytest.importorskip("polars", reason="polars is not installed: pip install 'textmend[frames]'")
    df = pl.DataFrame({"body": [RUBY, CLEAN[0], None]})
    out = repair_frame(df, column="body", prefix="tm_")
    assert out["body"].to_list() == [RUBY_FIXED, CLEAN[0], None]
    assert out["tm_n_edits"].to_list() == [3, 0, None]
    assert apply_plan(RUBY, out["tm_edits"][0]) == RUBY_FIXED
    assert out["tm_spun_score"].null_count() == 3


def test_frames_reject_other_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError):
        repair_frame({"text": [RUBY]})
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(MissingDependency, match="polars"):
        FrameRepairer("polars")
