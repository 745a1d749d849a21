"""Engines only schedule: dask, processes and a partitioned in-process engine must give exactly
the records and pairs of the local engine (same order, same similarities)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from textmend.dedup import DedupConfig, DedupIndex, find_duplicates
from textmend.dedup.engines import DaskEngine, LocalEngine, get_engine
from textmend.document import Document
from textmend.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年法律条例规定"


def _mutate(text: str, rate: float, rng: random.Random) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 2:
            out.append(rng.choice(ALPHABET))
        elif r < rate:
            continue
        else:
            out.append(ch)
    return "".join(out)


def corpus(bases: int = 500, seed: int = 8) -> list[Document]:
    """``bases`` random texts, each with 4 variants from near-copies to ones far below the
    threshold, a chain (variant of a variant), an empty and a tiny text; shuffled."""
    rng = random.Random(seed)
    docs: list[Document] = []
    for k in range(bases):
        base = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(150, 400)))
        docs.append(Document(f"b{k}", base))
        prev = base
        for m, rate in enumerate((0.01, 0.06, 0.15, 0.4)):
            prev = _mutate(prev if m == 1 else base, rate, rng)
            docs.append(Document(f"b{k}m{m}", prev, {"edits": rng.randrange(3)}))
    docs += [Document("empty", ""), Document("tiny", "法律")]
    rng.shuffle(docs)
    return docs


class PartitionedLocal(LocalEngine):
    """In-process, but asks for the band groups and pair chunks a cluster would get."""

    partitions = 3

    def __init__(self) -> None:
        self.calls = 0

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        self.calls += 1
        yield from super().map(fn, items)


def _same(a: object, b: object) -> None:
    assert a.records == b.records  # type: ignore[attr-defined]
    assert a.pairs == b.pairs  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return corpus()


@pytest.fixture(scope="module")
def local(docs: list[Document]) -> object:
    res = find_duplicates(docs, DedupConfig(batch_size=128))
    # The corpus is built to exercise verification: duplicates and rejected candidates exist.
    assert res.stats["duplicates"] > 400
    assert res.stats["estimated"] > res.stats["verified"] or res.stats["candidates"] > res.stats["verified"]
    return res


def test_partitioned_steps_equal_local(docs: list[Document], local: object) -> None:
    engine = PartitionedLocal()
    _same(find_duplicates(docs, DedupConfig(batch_size=128), engine=engine), local)
    assert engine.calls == 3  # signatures, band groups, pair chunks: each one map call


def test_partitioned_index_add_equals_local() -> None:
    docs = corpus(bases=120, seed=2)
    cfg = DedupConfig(batch_size=64)
    a, b = DedupIndex(cfg), DedupIndex(cfg)
    for part in (docs[:300], docs[300:]):  # the second add compares new with old and new
        ra = a.add(part)
        rb = b.add(part, engine=PartitionedLocal())
    _same(ra, rb)


def test_scheduler_only_with_dask() -> None:
    with pytest.raises(ConfigError, match="takes no scheduler"):
        find_duplicates([], engine="processes", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match="unknown engine"):
        get_engine("spark")


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[DaskEngine]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        pytest.skip("dask[distributed] is not installed (pip install 'textmend[dask]')")
    with DaskEngine(workers=2) as engine:
        yield engine


def test_dask_equals_local(docs: list[Document], local: object, dask_engine: DaskEngine) -> None:
    got = find_duplicates(docs, DedupConfig(batch_size=128), engine=dask_engine)
    _same(got, local)
    assert dask_engine.partitions == 2  # the real LocalCluster's workers did the work
    # every pair was checked on the workers holding its batch: no batch was cut on the driver
    placed = dask_engine.placement
    assert placed["partitions"] == -(-len(docs) // 128)
    assert placed["on_workers"] == placed["partitions"] and placed["tasks"] > 1
    assert placed["pieces_shipped"] > 0  # some pairs join documents of two partitions


def test_dask_incremental_index_equals_local(dask_engine: DaskEngine) -> None:
    docs = corpus(bases=120, seed=5)
    cfg = DedupConfig(batch_size=64, keep="cleanest")
    a, b = DedupIndex(cfg), DedupIndex(cfg)
    for part in (docs[:250], docs[250:]):
        ra = a.add(part)
        rb = b.add(part, engine=dask_engine)
    _same(ra, rb)
    # the first add's batches had left the cluster: their pieces were cut on the driver
    placed = dask_engine.placement
    assert 0 < placed["on_workers"] < placed["partitions"]


def test_dask_named_engine_starts_and_closes_its_cluster() -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    docs = corpus(bases=30, seed=1)
    _same(find_duplicates(docs, engine="dask"), find_duplicates(docs))


def test_unreachable_scheduler_is_a_config_error() -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    with DaskEngine(scheduler="tcp://127.0.0.1:9", connect_timeout=2) as engine:
        with pytest.raises(ConfigError, match="cannot reach"):
            find_duplicates(corpus(bases=2), engine=engine)


def _damaged_texts(n: int = 120, seed: int = 4) -> list[str]:
    """Clean sentences, pinyin ruby glued after characters, and UTF-8 read as cp1252."""
    rng = random.Random(seed)
    clean = [
        "在全县计划生育优质服务工作会议上的讲话。",
        "第一条 为了规范不动产登记行为，保护权利人合法权益。",
    ]
    ruby = ["在全縣計劃生育優(yōu)質(zhì)服務(wù)工作", "提高服務(wù)質(zhì)量"]
    out = []
    for k in range(n):
        kind = k % 3
        if kind == 0:
            out.append(rng.choice(clean))
        elif kind == 1:
            out.append(rng.choice(ruby))
        else:
            out.append(rng.choice(clean).encode("utf-8").decode("cp1252", errors="replace"))
    return out


def test_repair_many_equals_repair_on_every_engine(dask_engine: DaskEngine) -> None:
    from textmend.repair.parallel import repair_many
    from textmend.repair.pipeline import repair

    texts = _damaged_texts()
    expected = [repair(t) for t in texts]
    assert any(r.changed for r in expected) and not all(r.changed for r in expected)
    for engine in (PartitionedLocal(), dask_engine):
        docs = [Document(str(k), t) for k, t in enumerate(texts)]
        got = list(repair_many(docs, engine=engine, batch_size=16))
        assert [d.id for d in got] == [str(k) for k in range(len(texts))]
        assert [d.metadata["repair"] for d in got] == expected
        assert [d.text for d in got] == [r.text for r in expected]


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from textmend.errors import MissingDependency

    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(MissingDependency, match=r"textmend\[dask\]"):
        find_duplicates([Document("a", "法律")], engine="dask")


# --- repair and clean on every engine, through the command line ---------------------------------


@pytest.fixture(scope="module")
def scheduler_address() -> Iterator[str]:
    """A real distributed scheduler with 2 workers; threads instead of processes only to
    start quickly (the tasks still go through the scheduler, serialised, to the workers)."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _write_shards(root: Path, texts: list[str]) -> None:
    """Three JSON Lines shards of the texts, with a broken line and a record without text."""
    root.mkdir()
    for s in range(3):
        lines = [
            json.dumps({"id": f"{s}-{k}", "text": t, "n": k}, ensure_ascii=False)
            for k, t in enumerate(texts[s * len(texts) // 3 : (s + 1) * len(texts) // 3])
        ]
        if s == 1:
            lines.insert(3, '{"id": "broken", "text": ')
            lines.append(json.dumps({"id": "no-text", "body": "x"}))
        (root / f"shard{s}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _cli(args: list[str]) -> Any:
    from click.testing import CliRunner

    from textmend.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _engines(address: str) -> list[list[str]]:
    return [
        ["--engine", "local"],
        ["--engine", "processes"],
        ["--engine", "dask", "--scheduler", address],
    ]


def test_cli_repair_is_byte_identical_on_every_engine(tmp_path: Path, scheduler_address: str) -> None:
    from textmend.repair.pipeline import repair

    texts = _damaged_texts(n=90, seed=6)
    _write_shards(tmp_path / "in", texts)
    outputs = []
    for k, engine in enumerate(_engines(scheduler_address)):
        out, log = tmp_path / f"out{k}", tmp_path / f"edits{k}.jsonl"
        res = _cli(
            ["repair", "--jsonl", str(tmp_path / "in"), "-o", str(out), "--explain", str(log), *engine]
        )
        assert res.exit_code == 1  # the broken line and the record without text are reported
        outputs.append((_tree(out), log.read_bytes()))
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    tree = outputs[0][0]
    assert sorted(tree) == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    # input order, broken lines passed through, every text the local repair of its input
    for s in range(3):
        src = (tmp_path / "in" / f"shard{s}.jsonl").read_bytes().splitlines(keepends=True)
        got = tree[f"part-{s:05d}.jsonl"].splitlines(keepends=True)
        assert len(got) == len(src)
        for a, b in zip(src, got, strict=True):
            try:
                obj = json.loads(a)
            except json.JSONDecodeError:
                assert b == a
                continue
            if "text" not in obj:
                assert b == a
            else:
                assert json.loads(b) == {**obj, "text": repair(obj["text"]).text}
    assert tree["part-00000.jsonl"] != (tmp_path / "in" / "shard0.jsonl").read_bytes()  # it did repair


def test_cli_repair_text_files_and_resume_on_dask(tmp_path: Path, scheduler_address: str) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for k, t in enumerate(_damaged_texts(n=9, seed=3)):
        (src / ("sub" if k % 2 else ".") / f"{k}.txt").write_text(t, encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    local = _cli(["repair", str(src), "-o", str(tmp_path / "a")])
    dask = _cli(["repair", str(src), "-o", str(tmp_path / "b"), *_engines(scheduler_address)[2]])
    assert local.exit_code == dask.exit_code == 1  # the empty file
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b") and len(_tree(tmp_path / "a")) == 9
    # --resume skips finished outputs (left untouched) and redoes the missing one
    (tmp_path / "b" / "0.txt").write_bytes(b"finished earlier")
    (tmp_path / "b" / "sub" / "1.txt").unlink()
    again = _cli(
        [
            "repair",
            str(src),
            "-o",
            str(tmp_path / "b"),
            "--resume",
            "--stats",
            *_engines(scheduler_address)[2],
        ]
    )
    assert "skipped (already done, --resume): 8" in again.output
    assert (tmp_path / "b" / "0.txt").read_bytes() == b"finished earlier"
    assert (tmp_path / "b" / "sub" / "1.txt").read_bytes() == (tmp_path / "a" / "sub" / "1.txt").read_bytes()
    assert not [p for p in (tmp_path / "b").rglob(".*")]  # no temporary file left behind


def test_cli_clean_is_identical_on_every_engine(tmp_path: Path, scheduler_address: str) -> None:
    docs = corpus(bases=40, seed=9)
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    results = []
    for k, engine in enumerate(_engines(scheduler_address)):
        out = tmp_path / f"clean{k}.jsonl"
        res = _cli(["clean", "--jsonl", str(src), "-o", str(out), *engine])
        assert res.exit_code == 0, res.output
        results.append((out.read_bytes(), Path(f"{out}.excluded.jsonl").read_bytes()))
    assert results[1] == results[0] and results[2] == results[0]
    assert results[0][1].count(b"\n") > 40  # duplicates were found and excluded
