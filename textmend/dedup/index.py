"""The dedup index: signatures, band keys, shingles and verified pairs of every document seen.

Signatures, band keys and pairs are in memory (~0.8 KB per text); the shingle hashes used for
exact verification are on disk (:mod:`textmend.dedup.store`), in a temporary directory for a
one-off run, or in the index directory (``--index DIR``) so documents added later are compared
with the stored ones without re-hashing them. Layout of the directory: ``meta.json`` (config,
ids, lengths, edit counts, batch ends), ``sig.npy``, ``keys.npy``, ``pairs.npy``, ``sims.npy``,
``shingles.u64`` and ``shingle_starts.npy``. Version 1 directories (``shingles-NNNNN-*.npy`` per
batch) are read, and converted by the next save.
"""

from __future__ import annotations

import json
import tempfile
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
from textmend.dedup.store import DiskShingleStore
from textmend.dedup.verify import (
    estimate_cutoff,
    estimated_jaccard,
    exact_jaccard,
    verify_pairs,
)
from textmend.document import Document
from textmend.errors import ConfigError, InputError

INDEX_VERSION = 2
_READABLE_VERSIONS = (1, 2)
VERIFY_CHUNK_PAIRS = 8192
"""Pairs per verification task on a partitioned engine: a task carries the shingles of up to
twice as many texts (~5 KB each for 2 KB documents), so this bounds a task to ~90 MB."""
# Options that change signatures or verified pairs: an index only accepts the same values.
_FROZEN_OPTIONS = ("threshold", "ngram", "num_perm", "seed", "bands", "rows", "fold_script", "spinner_table")


class _RowSpill:
    """Rows of one dtype and width, parked in an anonymous temporary file as batches arrive.

    Why: keeping the batches in a list and concatenating them holds every signature twice at
    the end (512 B per text each for 128 permutations); read back from the file they are built
    once, straight into the final array.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._rows = 0
        self._like: np.ndarray | None = None

    def append(self, rows: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(rows).tobytes())
        self._rows += len(rows)
        self._like = rows[:0]

    def __enter__(self) -> _RowSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def append_to(self, old: np.ndarray) -> np.ndarray:
        """``old`` followed by every appended row."""
        f = self._file
        if self._like is None:
            return old
        out = np.empty((len(old) + self._rows, *self._like.shape[1:]), dtype=self._like.dtype)
        out[: len(old)] = old
        f.seek(0)
        # In pieces of ~16 MB, so reading back needs no second copy of the rows either.
        step = max(1, (1 << 24) // max(1, out[:1].nbytes))
        for lo in range(len(old), len(out), step):
            piece = out[lo : lo + step]
            data = f.read(piece.nbytes)
            if len(data) != piece.nbytes:
                raise OSError("spilled rows were cut short")
            piece[...] = np.frombuffer(data, dtype=out.dtype).reshape(piece.shape)
        return out


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
        self._store: DiskShingleStore | None = None
        self.last_stats: dict[str, int] = {}

    @property
    def store(self) -> DiskShingleStore:
        """The shingle store, made on first use: in the index directory when there is one
        (:meth:`open` sets a saved one before that), else in a temporary directory."""
        if self._store is None:
            self._store = DiskShingleStore(self.path)
        return self._store

    def close(self) -> None:
        """Close the shingle file (a temporary store is deleted); the index is unusable after."""
        if self._store is not None:
            self._store.close()

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
        new_sigs = _RowSpill()
        new_keys = _RowSpill()
        # An engine that verifies where the batches were signed tracks them by identity, so the
        # store keeps them in memory until verification is over (that engine holds them anyway).
        keep_batches = getattr(runner, "verify_placed", None) is not None

        def jobs() -> Iterator[tuple[list[str], DedupConfig]]:
            for batch in _batches(docs, self.config.batch_size):
                for d in batch:
                    self.ids.append(d.id)
                    self.lengths.append(len(d.text))
                    self.edits.append(int(d.metadata.get("edits", 0)))
                yield [d.text for d in batch], self.config

        with new_sigs, new_keys:
            for signed in runner.map(sign_batch, jobs()):
                assert isinstance(signed, SignedBatch)
                new_sigs.append(signed.sig)
                # Keys per batch: banding all new signatures at once needs a uint64 copy of them.
                new_keys.append(band_keys(signed.sig, self.bands, self.rows))
                self.store.add(signed.shingles, keep=keep_batches)
            self.sig = new_sigs.append_to(self.sig)
            self.keys = new_keys.append_to(self.keys)
        parts = getattr(runner, "partitions", 1)
        if parts > 1 and len(self.ids) > 1:
            cand = self._partitioned_candidates(runner, n_old, parts)
            ok, sims, estimated = self._partitioned_verify(runner, cand, parts)
        else:
            cand = candidate_pairs(self.keys, new_from=n_old) if len(self.ids) > 1 else empty_pairs()
            ok, sims, estimated = verify_pairs(cand, self.sig, self.store, self.config.threshold)
        self.store.release()
        self.pairs = np.concatenate([self.pairs, ok])
        self.sims = np.concatenate([self.sims, sims])
        if self.path is not None:
            self._save()
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
        placed = getattr(runner, "verify_placed", None)
        if placed is not None:  # Dask: checked on the workers that hold the documents (engines.py)
            sims = placed(kept, self.store)
        else:
            pieces = max(parts * 2, -(-len(kept) // VERIFY_CHUNK_PAIRS))
            chunks = [c for c in np.array_split(kept, pieces) if len(c)]
            sims = np.concatenate(list(runner.map(exact_step, (verify_job(c, self.store) for c in chunks))))
        ok = sims >= self.config.threshold
        return kept[ok], sims[ok], len(kept)

    # --- clusters -----------------------------------------------------------------------------

    def result(self) -> DedupResult:
        n = len(self.ids)
        root = np.asarray(components(n, self.pairs), dtype=np.int64)
        sizes = np.bincount(root, minlength=n)
        keep = sizes[root] == 1
        similarity = np.ones(n, dtype=np.float64)
        # Only clusters with duplicates need a policy: a Python list per singleton would cost
        # more than everything else the index holds per text.
        members_of = np.flatnonzero(~keep)
        members_of = members_of[np.argsort(root[members_of], kind="stable")]
        bounds = np.flatnonzero(np.diff(root[members_of])) + 1
        rep_of = np.empty(len(members_of), dtype=np.int64)
        for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(members_of)], strict=True):
            if hi == lo:
                continue
            idx = members_of[lo:hi].tolist()
            rep_of[lo:hi] = representative(
                [Member(i, self.lengths[i], self.edits[i]) for i in idx], self.config.keep
            )
        keep[rep_of] = True
        others = members_of != rep_of
        m, r = members_of[others], rep_of[others]
        # Similarity to the representative: the verified pair's when there is one (a sorted
        # array of pair codes, not a dict of tuples: ~8 bytes per pair instead of ~250).
        nn = np.int64(max(n, 1))
        codes = self.pairs[:, 0] * nn + self.pairs[:, 1]
        order = np.argsort(codes, kind="stable")
        want = np.minimum(m, r) * nn + np.maximum(m, r)
        pos = np.searchsorted(codes[order], want).clip(max=max(len(codes) - 1, 0))
        found = codes[order][pos] == want if len(codes) else np.zeros(len(want), dtype=bool)
        similarity[m[found]] = self.sims[order][pos[found]]
        for i, rep in zip(m[~found].tolist(), r[~found].tolist(), strict=True):
            # joined through a chain: measure against the representative
            similarity[i] = exact_jaccard(self.store.set_of(i), self.store.set_of(rep))
        if self._store is not None:
            self._store.forget_sets()
        ids = self.ids
        records = [
            DedupRecord(id=ids[i], cluster=ids[r], keep=k, similarity=sim)
            for i, (r, k, sim) in enumerate(
                zip(root.tolist(), keep.tolist(), similarity.tolist(), strict=True)
            )
        ]
        pairs = [
            (int(i), int(j), float(s))
            for (i, j), s in zip(self.pairs.tolist(), self.sims.tolist(), strict=True)
        ]
        clusters = int(np.count_nonzero(sizes))
        stats = {"docs": n, "clusters": clusters, "duplicates": n - clusters}
        return DedupResult(records=records, pairs=pairs, stats=stats)

    # --- persistence --------------------------------------------------------------------------

    def _save(self, new_batches: object = None, first_batch: int = 0) -> None:
        """Write the index to :attr:`path`. The shingle store is already on disk (moved here
        when it was elsewhere); the arguments are those of the version 1 layout and unused."""
        assert self.path is not None
        self.path.mkdir(parents=True, exist_ok=True)
        store = self.store
        store.relocate(self.path)
        arrays = (
            ("sig", self.sig),
            ("keys", self.keys),
            ("pairs", self.pairs),
            ("sims", self.sims),
            ("shingle_starts", store.starts),
        )
        for name, arr in arrays:
            np.save(self.path / f"{name}.npy", arr)
        meta = {
            "version": INDEX_VERSION,
            "config": asdict(self.config),
            "batch_ends": store.batch_ends,
            "ids": self.ids,
            "lengths": self.lengths,
            "edits": self.edits,
        }
        tmp = self.path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path / "meta.json")
        # Version 1 per-batch files of a converted index: the metadata no longer names them.
        for old in self.path.glob("shingles-[0-9][0-9][0-9][0-9][0-9]-*.npy"):
            old.unlink()

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
        version = meta.get("version")
        if version not in _READABLE_VERSIONS:
            raise InputError(str(meta_file), f"unsupported index version {version!r}")
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
        if version == 1:
            # Version 1 kept one pair of .npy files per batch: copy them into a fresh store
            # (the next save writes version 2 and removes them).
            for k in range(meta["batches"]):
                idx.store.add(
                    ShingleBatch(
                        hashes=np.load(path / f"shingles-{k:05d}-hashes.npy", mmap_mode="r"),
                        starts=np.load(path / f"shingles-{k:05d}-starts.npy"),
                    )
                )
        else:
            idx._store = DiskShingleStore(
                path, starts=np.load(path / "shingle_starts.npy"), batch_ends=meta["batch_ends"]
            )
        if len(idx.store) != len(idx.ids):
            raise InputError(
                str(meta_file), f"index has {len(idx.ids)} ids but {len(idx.store)} shingle sets"
            )
        return idx
