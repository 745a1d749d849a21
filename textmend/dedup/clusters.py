"""Connected components of verified pairs, and the representative of each cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class UnionFind:
    """Disjoint sets over ``0..n-1``; the root of a set is its smallest member, so cluster
    identity does not depend on the order pairs arrive in."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            self.parent[hi] = lo


def components(n: int, pairs: np.ndarray) -> list[int]:
    """For each text, the smallest index of its cluster (itself when it has no duplicate)."""
    uf = UnionFind(n)
    for i, j in pairs.tolist():
        uf.union(i, j)
    return [uf.find(i) for i in range(n)]


@dataclass(frozen=True, slots=True)
class Member:
    """What the keep policies look at."""

    index: int
    length: int
    edits: int


def representative(members: Sequence[Member], keep: str) -> int:
    """Index of the member to keep.

    ``first``: earliest in input order. ``longest``: most characters, ties earliest.
    ``cleanest``: fewest repair edits, ties longest, then earliest.
    """
    if keep == "first":
        return min(m.index for m in members)
    if keep == "longest":
        return min(members, key=lambda m: (-m.length, m.index)).index
    if keep == "cleanest":
        return min(members, key=lambda m: (m.edits, -m.length, m.index)).index
    raise ValueError(f"unknown keep policy {keep!r}")
