"""Fixer 'spinner' (being written; see the issue tracker)."""

from __future__ import annotations

from textmend.edits import Edit
from textmend.repair.config import RepairConfig


def fix(text: str, config: RepairConfig) -> list[Edit]:
    return []
