"""The steps of the pipeline an engine schedules: per batch, texts -> matching views -> shingles
-> signatures; per band group, candidate pairs; per chunk of pairs, exact verification.

Pure functions of their arguments (picklable in and out), so engines can ship them to workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textmend.dedup.bands import candidate_pairs
from textmend.dedup.config import DedupConfig
from textmend.dedup.minhash import ShingleBatch, shingle_batch, signatures
from textmend.dedup.verify import ShingleStore, exact_jaccard
from textmend.dedup.view import view_batch


@dataclass(frozen=True, slots=True)
class SignedBatch:
    sig: np.ndarray
    shingles: ShingleBatch


def sign_batch(job: tuple[list[str], DedupConfig]) -> SignedBatch:
    texts, config = job
    views = view_batch(texts, fold_script=config.fold_script, spinner_table=config.spinner_table)
    sh = shingle_batch(views, config.ngram)
    return SignedBatch(sig=signatures(sh, config.num_perm, config.seed), shingles=sh)


# --- whole-corpus steps, split into partitions so a distributed engine can spread them --------


def candidates_step(job: tuple[np.ndarray, int]) -> np.ndarray:
    """Candidate pairs of a group of band columns (``(texts, some bands)`` keys, ``new_from``).

    A task covers whole bands and groups their keys by sorting inside the task, so the number of
    tasks is the number of band groups, never the number of buckets.
    """
    keys, new_from = job
    return candidate_pairs(keys, new_from=new_from)


def merge_pairs(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Union of per-band-group candidate pairs, sorted and unique like :func:`candidate_pairs`."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(parts).astype(np.int64)
    code = np.unique(pairs[:, 0] * np.int64(n) + pairs[:, 1])
    return np.stack([code // n, code % n], axis=1)


@dataclass(frozen=True, slots=True)
class VerifyJob:
    """Pairs to check and the shingle hashes of just the texts they name.

    ``texts`` is sorted; the hashes of ``texts[k]`` are ``shingles.of(k)``.
    """

    pairs: np.ndarray
    texts: np.ndarray
    shingles: ShingleBatch


def verify_job(pairs: np.ndarray, store: ShingleStore) -> VerifyJob:
    texts = np.unique(pairs.ravel())
    parts = [np.asarray(store.hashes(int(k))) for k in texts]
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=starts[1:])
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return VerifyJob(pairs=pairs, texts=texts, shingles=ShingleBatch(hashes=hashes, starts=starts))


def exact_step(job: VerifyJob) -> np.ndarray:
    """Exact Jaccard of every pair of the job (same function as the local verification)."""
    local = ShingleStore()
    local.add(job.shingles)
    where = np.searchsorted(job.texts, job.pairs)
    return np.array(
        [exact_jaccard(local.set_of(int(a)), local.set_of(int(b))) for a, b in where.tolist()],
        dtype=np.float64,
    )
