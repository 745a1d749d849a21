"""Synthetic spinners: damage clean text the way "伪原创" tools do, recording the truth.

A spinner holds a fixed substitution table (one replacement per word, as the real tools ship
one) built from a synonym resource: CC-CEDICT gloss round trips (word -> English gloss ->
another headword with that gloss) or HIT Cilin lines. It segments by forward maximum matching
on its own table keys, not on real words, so -- like the real tools -- it replaces parts of
longer words (服务器 -> 效劳器) and spans that straddle a word boundary, producing non-words.
The table maps A->B while also B->C, so substitutions chain; the text is spun in one pass.

Pairs are split in two halves by a hash of the original word (``half``), so the evaluation can
tune on one half and report on a spinner whose pairs it has never seen.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from textmend.spinner.lexicon import MAX_WORD, MIN_WORD, Lexicon


@dataclass(frozen=True, slots=True)
class Substitution:
    """One spun span: ``spun`` occupies ``[start, end)`` of the spun text; it replaced ``original``."""

    start: int
    end: int
    original: str
    spun: str


def pair_half(word: str) -> int:
    """Which half (0 or 1) the pairs of ``word`` fall in; stable across runs and machines."""
    return zlib.crc32(word.encode("utf-8")) & 1


@dataclass(frozen=True)
class Spinner:
    """A substitution table and the one-pass forward-maximum-matching spinner that uses it."""

    name: str
    table: dict[str, str]

    @classmethod
    def from_lexicon(
        cls, lexicon: Lexicon, script: str = "s", half: int | None = None, seed: int = 0
    ) -> Spinner:
        """One replacement per word of ``lexicon``, picked by a seeded hash among its synonyms."""
        table: dict[str, str] = {}
        for word in sorted(lexicon.of):
            if half is not None and pair_half(word) != half:
                continue
            syns = sorted(lexicon.synonyms(word, script))
            if not syns:
                continue
            pick = zlib.crc32(f"{seed}:{word}".encode()) % len(syns)
            table[word] = syns[pick]
        label = f"{lexicon.name}-{script}" + ("" if half is None else f"-half{half}")
        return cls(label, table)

    def spin(self, text: str, rate: float, seed: int = 0) -> tuple[str, list[Substitution]]:
        """Replace each table match with probability ``rate``; return the text and the truth."""
        rng = random.Random(seed)
        out: list[str] = []
        subs: list[Substitution] = []
        pos_out = 0
        i = 0
        n = len(text)
        while i < n:
            for length in range(MAX_WORD, MIN_WORD - 1, -1):
                piece = text[i : i + length]
                if len(piece) == length and piece in self.table:
                    if rng.random() < rate:
                        new = self.table[piece]
                        subs.append(Substitution(pos_out, pos_out + len(new), piece, new))
                        out.append(new)
                        pos_out += len(new)
                    else:
                        out.append(piece)
                        pos_out += length
                    i += length
                    break
            else:
                out.append(text[i])
                pos_out += 1
                i += 1
        return "".join(out), subs
