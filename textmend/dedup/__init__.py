"""Near-duplicate detection: documents and passages, CJK-robust, exactly verified."""

from __future__ import annotations

from textmend.dedup.config import DedupConfig
from textmend.dedup.index import DedupIndex
from textmend.dedup.pipeline import find_duplicates, find_passages
from textmend.dedup.result import DedupRecord, DedupResult, SharedPassage

__all__ = [
    "DedupConfig",
    "DedupIndex",
    "DedupRecord",
    "DedupResult",
    "SharedPassage",
    "find_duplicates",
    "find_passages",
]
