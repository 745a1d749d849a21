"""The per-batch step of the pipeline: texts -> matching views -> shingles -> signatures.

A pure function of its arguments (picklable in and out), so engines can ship it to workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textmend.dedup.config import DedupConfig
from textmend.dedup.minhash import ShingleBatch, shingle_batch, signatures
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
