"""The folded view the model scores: traditional -> simplified per character, fullwidth -> ASCII.

Folding is one code point to one code point, so positions in the folded view are positions in
the original. Per-character t2s is nearly many-to-one, which is all a scoring key needs; phrase
conversion matters only for output (see the script fixer).
"""

from __future__ import annotations

import functools
from importlib import util as importlib_util
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

# Fullwidth ASCII variants (U+FF01-FF5E) and the ideographic space: damaged text often carries
# the ASCII forms (GBK byte damage folds them), clean text the fullwidth ones; the model should
# not care which it sees.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def opencc_table(name: str) -> list[tuple[str, list[str]]]:
    """The rows of OpenCC's dictionary file ``name`` (``TSCharacters.txt``...): each entry and its
    targets, OpenCC's preferred first; empty when the package or the file is missing."""
    spec = importlib_util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return []
    for base in spec.submodule_search_locations:
        path = Path(base) / "dictionary" / name
        if path.is_file():
            rows = []
            for line in path.read_text(encoding="utf-8").splitlines():
                src, _, dst = line.partition("\t")
                rows.append((src, dst.split()))
            return rows
    return []


def _opencc_ts_characters() -> dict[int, int]:
    """Single-character traditional -> simplified pairs from OpenCC's TSCharacters table."""
    table: dict[int, int] = {}
    for src, targets in opencc_table("TSCharacters.txt"):
        # Keep only 1:1 pairs; the first target is OpenCC's preferred reading.
        if len(src) == 1 and targets and len(targets[0]) == 1 and src != targets[0]:
            table[ord(src)] = ord(targets[0])
    return table


@functools.cache
def fold_table() -> dict[int, int]:
    """The ``str.translate`` table of the folded view (built once per process)."""
    return _opencc_ts_characters() | _WIDTH


def fold(text: str) -> str:
    """The folded view of ``text``: same length, traditional characters mapped to simplified."""
    return text.translate(fold_table())


@functools.cache
def fold_codes_table() -> NDArray[np.uint32]:
    """Code point -> folded code point for every code point, to fold code arrays by indexing."""
    table = np.arange(0x110000, dtype=np.uint32)
    src = np.fromiter(fold_table().keys(), dtype=np.uint32)
    table[src] = np.fromiter(fold_table().values(), dtype=np.uint32)
    return table


def fold_codes(codes: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """:func:`fold` on an array of code points (much faster than ``str.translate``)."""
    return fold_codes_table()[codes]
