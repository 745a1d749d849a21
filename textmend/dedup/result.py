"""What the dedup pipeline returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class DedupRecord:
    """One input document: its cluster (id of the cluster's first document in input order),
    whether it is the kept representative, and its exact Jaccard with the representative."""

    id: str
    cluster: str
    keep: bool
    similarity: float

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "cluster": self.cluster, "keep": self.keep, "similarity": self.similarity}


@dataclass(frozen=True, slots=True)
class DedupResult:
    """``records`` in input order; ``pairs`` verified ``(i, j, jaccard)`` with ``i < j`` input
    indices; ``stats`` counts per step (docs, candidates, estimated, verified, clusters)."""

    records: list[DedupRecord]
    pairs: list[tuple[int, int, float]]
    stats: dict[str, int] = field(default_factory=dict)

    def summary_lines(self, seconds: float) -> list[str]:
        """Human summary for the CLI: counts per step and the time taken."""
        st = self.stats
        return [
            f"documents: {st.get('docs', len(self.records))}  clusters: {st.get('clusters', 0)}  "
            f"duplicates: {st.get('duplicates', 0)}  time: {seconds:.2f}s",
            f"candidates: {st.get('candidates', 0)}  after estimate: {st.get('estimated', 0)}  "
            f"verified: {st.get('verified', 0)}",
        ]


@dataclass(frozen=True, slots=True)
class SharedPassage:
    """A passage of document ``a_id`` shared with document ``b_id``; offsets are code points of
    the original texts, half-open; ``similarity`` is the exact Jaccard of the two spans'
    shingle sets."""

    a_id: str
    a_start: int
    a_end: int
    b_id: str
    b_start: int
    b_end: int
    similarity: float

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__}


def empty_pairs() -> np.ndarray:
    return np.zeros((0, 2), dtype=np.int64)
