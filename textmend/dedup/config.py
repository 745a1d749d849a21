"""Options of the near-duplicate pipeline, one frozen object (ftfy-style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textmend.errors import ConfigError

Keep = Literal["longest", "first", "cleanest"]
Level = Literal["document", "passage"]

KEEP_POLICIES: tuple[str, ...] = ("longest", "first", "cleanest")
LEVELS: tuple[str, ...] = ("document", "passage")


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """How documents are compared and which copy of a cluster is kept.

    - ``threshold`` (0.5): exact Jaccard of the shingle sets at or above which two documents are
      duplicates. Character 5-gram Jaccard 0.5 is roughly a copy with 7% of its characters edited.
    - ``ngram`` (5): shingle length in characters of the matching view (short n-grams survive
      scattered edits: 0.82 overlap after 2% edits, 24-grams only 0.44).
    - ``num_perm`` (128) and ``seed`` (1): MinHash permutations, generated exactly as
      ``datasketch.MinHash(num_perm, seed)`` does, so signatures load into datasketch.
    - ``bands`` / ``rows``: LSH banding; ``None`` chooses them from the threshold by the
      false-positive/false-negative integral, weighted towards recall.
    - ``keep``: representative of a cluster: ``longest`` text (ties: first), ``first`` in input
      order, ``cleanest`` = fewest repair edits (``metadata["edits"]``; ties: longest, first).
    - ``level``: ``document`` clusters whole documents; ``passage`` reports shared passages.
    - ``fold_script`` (True): traditional and simplified copies match (single-character t2s).
    - ``spinner_table`` (None): path of a spinner reversal table (``textmend spinner learn``);
      spun word forms are mapped to their originals before shingling, so spun copies match.
    - ``batch_size`` (512): documents per signature batch (bounds working memory).
    - ``passage_window`` (60) / ``passage_min`` (40): window length for passage candidates and
      the shortest passage reported, both in matching-view characters.
    """

    threshold: float = 0.5
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    keep: Keep = "longest"
    level: Level = "document"
    fold_script: bool = True
    spinner_table: str | None = None
    batch_size: int = 512
    passage_window: int = 60
    passage_min: int = 40

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.ngram < 1:
            raise ConfigError(f"ngram must be positive, got {self.ngram}")
        if self.num_perm < 1:
            raise ConfigError(f"num_perm must be positive, got {self.num_perm}")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("give both bands and rows, or neither")
        if self.bands is not None and self.rows is not None:
            if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
                raise ConfigError(f"bands*rows must be in [1, num_perm={self.num_perm}]")
        if self.keep not in KEEP_POLICIES:
            raise ConfigError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {self.keep!r}")
        if self.level not in LEVELS:
            raise ConfigError(f"level must be one of {', '.join(LEVELS)}, got {self.level!r}")
        if self.batch_size < 1:
            raise ConfigError("batch_size must be positive")
        if self.passage_window < self.ngram or self.passage_min < self.ngram:
            raise ConfigError("passage_window and passage_min must be at least ngram")
