"""A small gradient-boosted tree ensemble, read from data and evaluated with numpy.

The ensemble is fitted by ``python -m bench spinner --fit`` (the booster lives in ``bench/``,
so textmend needs no machine-learning library) and shipped as JSON beside this module. Every
tree is complete to ``depth`` levels and stored level by level (node ``i``'s children are
``2i+1`` and ``2i+2``); a node that did not split sends every row left (threshold
``NO_SPLIT``), so evaluation is the same ``depth`` vectorised steps for every tree.

A row goes right at a node when its feature is greater than the node's threshold. The score
is ``base`` plus the leaves' values, added tree by tree in a fixed order: IEEE arithmetic in
that order gives the same float on any machine and in any process.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

NO_SPLIT = 1e300
"""The threshold of a node that did not split: no feature value exceeds it (JSON has no inf)."""
FORMAT = "textmend-trees-1"


@dataclass(frozen=True, eq=False)
class Trees:
    """Boosted regression trees over the named ``features`` whose summed leaves, plus
    ``base``, are a log-odds score.

    feature, threshold: per tree, its ``2**depth - 1`` inner nodes, level by level (feature
        index into ``features``; go right when the value is greater than the threshold).
    leaf: per tree, its ``2**depth`` leaf values, left to right.
    """

    features: tuple[str, ...]
    depth: int
    base: float
    feature: np.ndarray = field(repr=False)
    threshold: np.ndarray = field(repr=False)
    leaf: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        inner, leaves = 2**self.depth - 1, 2**self.depth
        n = len(self.leaf)
        if self.depth < 1 or self.feature.shape != (n, inner) or self.threshold.shape != (n, inner):
            raise ValueError(f"trees of depth {self.depth} need {inner} inner nodes per tree")
        if self.leaf.shape != (n, leaves):
            raise ValueError(f"trees of depth {self.depth} need {leaves} leaves per tree")
        if n and (self.feature.min() < 0 or self.feature.max() >= len(self.features)):
            raise ValueError("a node names a feature the ensemble does not have")
        for table in (self.feature, self.threshold, self.leaf):
            table.setflags(write=False)  # shared by every decision that holds the ensemble

    @classmethod
    def build(
        cls,
        features: Sequence[str],
        depth: int,
        base: float,
        trees: Sequence[tuple[Sequence[int], Sequence[float], Sequence[float]]],
    ) -> Trees:
        """An ensemble from (features, thresholds, leaves) per tree (see the class doc)."""

        def table(k: int, dtype: type, width: int) -> np.ndarray:
            # Rows as given (the class checks their width); an empty ensemble has no rows.
            return np.array([t[k] for t in trees], dtype=dtype).reshape(len(trees), -1 if trees else width)

        return cls(
            tuple(features),
            depth,
            float(base),
            table(0, np.int64, 2**depth - 1),
            table(1, np.float64, 2**depth - 1),
            table(2, np.float64, 2**depth),
        )

    def __len__(self) -> int:
        return len(self.leaf)

    def predict(self, rows: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """The score of each row (columns in ``features`` order)."""
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise ValueError(f"rows need {len(self.features)} columns ({', '.join(self.features)})")
        n, t = len(x), len(self.leaf)
        node = np.zeros((n, t), dtype=np.int64)
        trees = np.arange(t)
        rowi = np.arange(n)[:, None]
        for _ in range(self.depth):
            f = self.feature[trees, node]
            go_right = x[rowi, f] > self.threshold[trees, node]
            node = 2 * node + 1 + go_right
        values = self.leaf[trees, node - (2**self.depth - 1)]
        out = np.full(n, self.base)
        # Tree by tree, not values.sum(axis=1): numpy's pairwise sum may group differently
        # with the array's size and layout, and a fixed order makes the score reproducible.
        for k in range(t):
            out += values[:, k]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "depth": self.depth,
            "base": self.base,
            "trees": [
                {"feature": f.tolist(), "threshold": h.tolist(), "leaf": v.tolist()}
                for f, h, v in zip(self.feature, self.threshold, self.leaf, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trees:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} ensemble")
        trees = [(t["feature"], t["threshold"], t["leaf"]) for t in data["trees"]]
        return cls.build(data["features"], int(data["depth"]), float(data["base"]), trees)

    def save(self, path: str | Path) -> None:
        # repr-exact floats (json writes the shortest round-tripping form): the loaded
        # ensemble scores exactly as the fitted one.
        Path(path).write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Trees:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def shipped(cls, name: str) -> Trees:
        """An ensemble shipped in this package (``textmend/spinner/NAME``, in the wheel's
        package data)."""
        text = importlib.resources.files(__package__ or "textmend.spinner").joinpath(name).read_text("utf-8")
        return cls.from_json(json.loads(text))
