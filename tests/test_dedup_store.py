"""The on-disk shingle store and the index's bounded working memory."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import textmend.dedup.bands as bands_mod
from textmend.dedup import DedupConfig, DedupIndex, find_duplicates
from textmend.dedup.bands import candidate_pairs
from textmend.dedup.minhash import ShingleBatch
from textmend.dedup.steps import sign_batch
from textmend.dedup.store import SHINGLE_FILE, DiskShingleStore
from textmend.dedup.verify import ShingleStore
from textmend.document import Document
from textmend.errors import InputError

ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年"


def _batch(lengths: list[int], rng: random.Random) -> ShingleBatch:
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    # Few distinct values, so texts have repeated shingles and sets differ from the hashes.
    hashes = np.array(
        [rng.choice([3, 2**63 + 5, 7, 2**64 - 1, 11]) for _ in range(int(starts[-1]))], dtype=np.uint64
    )
    return ShingleBatch(hashes=hashes, starts=starts)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=5), st.integers(1, 3))
def test_disk_store_reads_back_what_memory_store_holds(batches: list[list[int]], max_sets: int) -> None:
    rng = random.Random(len(batches))
    mem, disk = ShingleStore(), DiskShingleStore(max_sets=max_sets)
    try:
        for lengths in batches:
            b = _batch(lengths, rng)
            mem.add(b)
            disk.add(b)
        assert len(disk) == len(mem) == sum(len(x) for x in batches)
        # Twice in a shuffled order: the second round reads sets evicted from the small cache
        # back from the sets file.
        order = list(range(len(mem))) * 2
        rng.shuffle(order)
        for k in order:
            assert disk.hashes(k).tolist() == mem.hashes(k).tolist()
            expected = sorted(set(mem.hashes(k).tolist()))
            assert disk.set_of(k).tolist() == expected
            assert len(disk._cache) <= max_sets
        on_disk = [h for b in disk.batches for h in b.hashes.tolist()]
        assert on_disk == [h for b in mem.batches for h in b.hashes.tolist()]
    finally:
        disk.close()


def test_memory_store_cache_is_bounded() -> None:
    store = ShingleStore(max_sets=2)
    store.add(_batch([3, 4, 5, 2], random.Random(1)))
    for k in (0, 1, 2, 3, 0):
        store.set_of(k)
    assert list(store._cache) == [3, 0]


def test_store_reopens_cuts_unsaved_tail_and_relocates(tmp_path: Path) -> None:
    rng = random.Random(2)
    store = DiskShingleStore(tmp_path / "a")
    store.add(_batch([2, 3], rng))
    starts, ends = store.starts.copy(), store.batch_ends
    saved = [store.hashes(k).tolist() for k in range(2)]
    store.add(_batch([4], rng))  # an add whose metadata was never saved
    store.close()
    reopened = DiskShingleStore(tmp_path / "a", starts=starts, batch_ends=ends)
    assert len(reopened) == 2
    assert (tmp_path / "a" / SHINGLE_FILE).stat().st_size == int(starts[-1]) * 8
    reopened.add(_batch([1], rng))
    assert [reopened.hashes(k).tolist() for k in range(2)] == saved
    reopened.relocate(tmp_path / "b")
    assert reopened.file == tmp_path / "b" / SHINGLE_FILE
    assert [reopened.hashes(k).tolist() for k in range(2)] == saved
    reopened.close()
    with pytest.raises(InputError):
        DiskShingleStore(tmp_path / "a", starts=np.array([0, 10**6]))


def test_temporary_store_is_removed_on_close() -> None:
    store = DiskShingleStore()
    store.add(_batch([3], random.Random(3)))
    store.set_of(0)
    where = store.directory
    assert (where / SHINGLE_FILE).exists()
    store.close()
    assert not where.exists()


def _corpus(seed: int) -> list[Document]:
    rng = random.Random(seed)
    bases = ["".join(rng.choice(ALPHABET) for _ in range(200)) for _ in range(6)]
    docs = []
    for k, b in enumerate(bases):
        docs.append(Document(f"b{k}", b))
        for m in range(3):
            chars = list(b)
            for i in range(len(chars)):
                if rng.random() < 0.03 * m:
                    chars[i] = rng.choice(ALPHABET)
            docs.append(Document(f"b{k}m{m}", "".join(chars)))
    rng.shuffle(docs)
    return docs


def test_index_keeps_shingles_on_disk_not_in_memory(tmp_path: Path) -> None:
    docs = _corpus(4)
    cfg = DedupConfig(batch_size=5)
    idx = DedupIndex.open(tmp_path / "idx", cfg)
    idx.add(docs)
    sb = sign_batch(([d.text for d in docs], cfg)).shingles
    # Every hash is in the index directory's file, and no batch is held in memory.
    assert (tmp_path / "idx" / SHINGLE_FILE).stat().st_size == len(sb.hashes) * 8
    assert idx.store._kept == {}
    assert all(isinstance(b.hashes, np.memmap) or len(b.hashes) == 0 for b in idx.store.batches)
    assert [idx.store.hashes(k).tolist() for k in range(len(docs))] == [
        sb.of(k).tolist() for k in range(len(docs))
    ]
    idx.close()


def test_version_1_index_is_read_and_converted(tmp_path: Path) -> None:
    docs = _corpus(5)
    cfg = DedupConfig(batch_size=7)
    one_shot = find_duplicates(docs, cfg)
    # Build the version 1 layout by hand: one pair of .npy files per batch.
    first = DedupIndex.open(tmp_path / "new", cfg)
    first.add(docs[:10])
    first.close()
    v1 = tmp_path / "v1"
    v1.mkdir()
    meta = json.loads((tmp_path / "new" / "meta.json").read_text(encoding="utf-8"))
    for name in ("sig", "keys", "pairs", "sims"):
        (v1 / f"{name}.npy").write_bytes((tmp_path / "new" / f"{name}.npy").read_bytes())
    for k, lo in enumerate(range(0, 10, 7)):
        sb = sign_batch(([d.text for d in docs[lo : min(10, lo + 7)]], cfg)).shingles
        np.save(v1 / f"shingles-{k:05d}-hashes.npy", sb.hashes)
        np.save(v1 / f"shingles-{k:05d}-starts.npy", sb.starts)
    meta.update(version=1, batches=2)
    del meta["batch_ends"]
    (v1 / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    later = find_duplicates(docs[10:], cfg, index_dir=v1)
    assert later.records == one_shot.records
    assert sorted(later.pairs) == one_shot.pairs  # pairs come per add, each add's sorted
    assert json.loads((v1 / "meta.json").read_text(encoding="utf-8"))["version"] == 2
    assert not list(v1.glob("shingles-0*.npy"))
    assert DedupIndex.open(v1, cfg).result().records == one_shot.records


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=1, max_size=25),
    st.integers(0, 10),
)
def test_candidate_pairs_compacting_equals_brute_force(rows: list[list[int]], new_from: int) -> None:
    keys = np.array(rows, dtype=np.uint64) + np.uint64(1)
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(rows)), 2)
        if j >= new_from and any(keys[i, b] == keys[j, b] for b in range(keys.shape[1]))
    }
    saved = bands_mod.COMPACT_MIN_PAIRS
    bands_mod.COMPACT_MIN_PAIRS = 1  # make unique after every band
    try:
        got = candidate_pairs(keys, new_from=new_from)
    finally:
        bands_mod.COMPACT_MIN_PAIRS = saved
    assert {tuple(p) for p in got.tolist()} == expected
    assert got.tolist() == sorted(got.tolist())
