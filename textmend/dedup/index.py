"""The dedup index: signatures, band keys, shingles and verified pairs of every document seen.

In memory for a one-off run; saved to a directory (``--index DIR``) so documents added later are
compared with the stored ones without re-hashing them. Layout of the directory:
``meta.json`` (config, ids, lengths, edit counts), ``sig.npy``, ``keys.npy``, ``pairs.npy``,
``sims.npy`` and ``shingles-NNNNN-{hashes,starts}.npy`` per batch (memory-mapped when read).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from itertools import islice
from pathlib import Path

import numpy as np

from textmend.dedup.bands import band_keys, candidate_pairs, choose_bands
from textmend.dedup.clusters import Member, components, representative
from textmend.dedup.config import DedupConfig
from textmend.dedup.engines import Engine, close_engine, get_engine
from textmend.dedup.minhash import ShingleBatch
from textmend.dedup.result import DedupRecord, DedupResult, empty_pairs
from textmend.dedup.steps import SignedBatch, candidates_step, exact_step, merge_pairs, sign_batch, verify_job
from textmend.dedup.verify import (
    ShingleStore,
    estimate_cutoff,
    estimated_jaccard,
    exact_jaccard,
    verify_pairs,
)
from textmend.document import Document
from textmend.errors import ConfigError, InputError

INDEX_VERSION = 1
VERIFY_CHUNK_PAIRS = 8192
"""Pairs per verification task on a partitioned engine: a task carries the shingles of up to
twice as many texts (~5 KB each for 2 KB documents), so this bounds a task to ~90 MB."""
# Options that change signatures or verified pairs: an index only accepts the same values.
_FROZEN_OPTIONS = ("threshold", "ngram", "num_perm", "seed", "bands", "rows", "fold_script", "spinner_table")


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(docs)
    while batch := list(islice(it, size)):
        yield batch


class DedupIndex:
    """Documents seen so far and their verified duplicate pairs.

    >>> idx = DedupIndex(DedupConfig())
    >>> r = idx.add([Document("a", "中华人民共和国民法典第一条"), Document("b", "中華人民共和國民法典第一條")])
    >>> [(x.id, x.cluster, x.keep) for x in r.records]
    [('a', 'a', True), ('b', 'a', False)]
    """

    def __init__(self, config: DedupConfig, path: str | Path | None = None) -> None:
        self.config = config
        self.path = Path(path) if path is not None else None
        if config.bands is not None and config.rows is not None:
            self.bands, self.rows = config.bands, config.rows
        else:
            self.bands, self.rows = choose_bands(config.threshold, config.num_perm)
        self.ids: list[str] = []
        self.lengths: list[int] = []
        self.edits: list[int] = []
        self.sig = np.zeros((0, config.num_perm), dtype=np.uint32)
        self.keys = np.zeros((0, self.bands), dtype=np.uint64)
        self.pairs = empty_pairs()
        self.sims = np.zeros(0, dtype=np.float64)
        self.store = ShingleStore()
        self.last_stats: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # --- adding -------------------------------------------------------------------------------

    def add(self, docs: Iterable[Document], engine: str | Engine = "local") -> DedupResult:
        """Hash ``docs``, compare them with everything already indexed, return the clusters of
        the whole index (records in the order documents were added).

        An engine named by a string is made here and closed at the end (a Dask LocalCluster
        does not outlive the call); an engine object stays the caller's to close.
        """
        runner = get_engine(engine)
        try:
            return self._add(docs, runner)
        finally:
            if isinstance(engine, str):
                close_engine(runner)

    def _add(self, docs: Iterable[Document], runner: Engine) -> DedupResult:
        n_old = len(self.ids)
        new_sigs: list[np.ndarray] = []
        new_batches: list[ShingleBatch] = []

        def jobs() -> Iterator[tuple[list[str], DedupConfig]]:
            for batch in _batches(docs, self.config.batch_size):
                for d in batch:
                    self.ids.append(d.id)
                    self.lengths.append(len(d.text))
                    self.edits.append(int(d.metadata.get("edits", 0)))
                yield [d.text for d in batch], self.config

        for signed in runner.map(sign_batch, jobs()):
            assert isinstance(signed, SignedBatch)
            new_sigs.append(signed.sig)
            new_batches.append(signed.shingles)
            self.store.add(signed.shingles)
        if new_sigs:
            sig_new = np.concatenate(new_sigs)
            self.sig = np.concatenate([self.sig, sig_new]) if n_old else sig_new
            keys_new = band_keys(sig_new, self.bands, self.rows)
            self.keys = np.concatenate([self.keys, keys_new]) if n_old else keys_new
        parts = getattr(runner, "partitions", 1)
        if parts > 1 and len(self.ids) > 1:
            cand = self._partitioned_candidates(runner, n_old, parts)
            ok, sims, estimated = self._partitioned_verify(runner, cand, parts)
        else:
            cand = candidate_pairs(self.keys, new_from=n_old) if len(self.ids) > 1 else empty_pairs()
            ok, sims, estimated = verify_pairs(cand, self.sig, self.store, self.config.threshold)
        self.pairs = np.concatenate([self.pairs, ok])
        self.sims = np.concatenate([self.sims, sims])
        if self.path is not None:
            self._save(new_batches, first_batch=len(self.store.batches) - len(new_batches))
        result = self.result()
        result.stats.update(
            {
                "new_docs": len(self.ids) - n_old,
                "candidates": len(cand),
                "estimated": estimated,
                "verified": len(ok),
            }
        )
        self.last_stats = result.stats
        return result

    def _partitioned_candidates(self, runner: Engine, n_old: int, parts: int) -> np.ndarray:
        """Candidate pairs with the bands split into ``parts`` groups, one task each; the union
        equals :func:`candidate_pairs` over all bands (a pair is found in each band it shares)."""
        groups = [g for g in np.array_split(np.arange(self.bands), parts) if len(g)]
        jobs = ((np.ascontiguousarray(self.keys[:, g]), n_old) for g in groups)
        return merge_pairs(list(runner.map(candidates_step, jobs)), len(self.ids))

    def _partitioned_verify(
        self, runner: Engine, cand: np.ndarray, parts: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """:func:`verify_pairs` with the exact checks spread over chunks of pairs; each task gets
        the shingles of only the texts its pairs name."""
        if len(cand) == 0:
            return cand, np.zeros(0), 0
        est = estimated_jaccard(self.sig, cand)
        kept = cand[est >= estimate_cutoff(self.config.threshold, self.sig.shape[1])]
        if len(kept) == 0:
            return kept, np.zeros(0), 0
        pieces = max(parts * 2, -(-len(kept) // VERIFY_CHUNK_PAIRS))
        chunks = [c for c in np.array_split(kept, pieces) if len(c)]
        sims = np.concatenate(list(runner.map(exact_step, (verify_job(c, self.store) for c in chunks))))
        ok = sims >= self.config.threshold
        return kept[ok], sims[ok], len(kept)

    # --- clusters -----------------------------------------------------------------------------

    def result(self) -> DedupResult:
        n = len(self.ids)
        root = components(n, self.pairs)
        groups: dict[int, list[int]] = {}
        for i, r in enumerate(root):
            groups.setdefault(r, []).append(i)
        sim_of = {
            (int(i), int(j)): float(s)
            for (i, j), s in zip(self.pairs.tolist(), self.sims.tolist(), strict=True)
        }
        keep = [False] * n
        similarity = [1.0] * n
        for members in groups.values():
            rep = representative(
                [Member(i, self.lengths[i], self.edits[i]) for i in members], self.config.keep
            )
            keep[rep] = True
            for i in members:
                if i == rep:
                    continue
                key = (min(i, rep), max(i, rep))
                s = sim_of.get(key)
                if s is None:  # joined through a chain: measure against the representative
                    s = exact_jaccard(self.store.set_of(i), self.store.set_of(rep))
                similarity[i] = s
        self.store.forget_sets()
        records = [
            DedupRecord(id=self.ids[i], cluster=self.ids[root[i]], keep=keep[i], similarity=similarity[i])
            for i in range(n)
        ]
        pairs = [
            (int(i), int(j), float(s))
            for (i, j), s in zip(self.pairs.tolist(), self.sims.tolist(), strict=True)
        ]
        stats = {"docs": n, "clusters": len(groups), "duplicates": n - len(groups)}
        return DedupResult(records=records, pairs=pairs, stats=stats)

    # --- persistence --------------------------------------------------------------------------

    def _save(self, new_batches: list[ShingleBatch], first_batch: int) -> None:
        assert self.path is not None
        self.path.mkdir(parents=True, exist_ok=True)
        for k, b in enumerate(new_batches, start=first_batch):
            np.save(self.path / f"shingles-{k:05d}-hashes.npy", b.hashes)
            np.save(self.path / f"shingles-{k:05d}-starts.npy", b.starts)
        for name, arr in (("sig", self.sig), ("keys", self.keys), ("pairs", self.pairs), ("sims", self.sims)):
            np.save(self.path / f"{name}.npy", arr)
        meta = {
            "version": INDEX_VERSION,
            "config": asdict(self.config),
            "batches": len(self.store.batches),
            "ids": self.ids,
            "lengths": self.lengths,
            "edits": self.edits,
        }
        tmp = self.path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path / "meta.json")

    @classmethod
    def open(cls, path: str | Path, config: DedupConfig) -> DedupIndex:
        """Open the index at ``path`` (an empty one when it does not exist yet)."""
        path = Path(path)
        idx = cls(config, path)
        meta_file = path / "meta.json"
        if not meta_file.exists():
            return idx
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(str(meta_file), f"not a dedup index ({exc})") from None
        if meta.get("version") != INDEX_VERSION:
            raise InputError(str(meta_file), f"unsupported index version {meta.get('version')!r}")
        for opt in _FROZEN_OPTIONS:
            if meta["config"].get(opt) != getattr(config, opt):
                raise ConfigError(
                    f"index {path} was built with {opt}={meta['config'].get(opt)!r}, not {getattr(config, opt)!r}"
                )
        idx.ids, idx.lengths, idx.edits = meta["ids"], meta["lengths"], meta["edits"]
        idx.sig = np.load(path / "sig.npy")
        idx.keys = np.load(path / "keys.npy")
        idx.pairs = np.load(path / "pairs.npy")
        idx.sims = np.load(path / "sims.npy")
        for k in range(meta["batches"]):
            idx.store.add(
                ShingleBatch(
                    hashes=np.load(path / f"shingles-{k:05d}-hashes.npy", mmap_mode="r"),
                    starts=np.load(path / f"shingles-{k:05d}-starts.npy"),
                )
            )
        return idx
