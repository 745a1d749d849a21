"""Alignment of near-duplicate texts: pairwise diffs, N-witness tables, consensus repair.

>>> from textmend.align import diff
>>> diff("同志們:今天", "同志们:今天", script=True)["stats"]["identical"]
True
"""

from __future__ import annotations

from textmend.align.consensus import MergeResult, Source, merge
from textmend.align.pairwise import diff
from textmend.align.witnesses import align_witnesses

__all__ = ["MergeResult", "Source", "align_witnesses", "diff", "merge"]
