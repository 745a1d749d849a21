"""Damage and repair helpers shared by the encoding fixer's tests (test_encoding.py,
test_mojibake_runs.py and the test_codecs_*.py files)."""

from __future__ import annotations

from collections.abc import Sequence

from textmend.edits import apply_edits
from textmend.repair._codecs import decode_cp936
from textmend.repair.config import RepairConfig
from textmend.repair.mojibake import fix

CFG = RepairConfig()


class OracleModel:
    """A fake model of running text for the lost-byte searches: a subclass scores ``span`` after
    ``left`` (``_score``); the scorer's ``logprob`` and ``compare`` follow from it."""

    running_text = True

    def _score(self, left: str, span: str) -> float:
        raise NotImplementedError

    def logprob(self, text: str) -> float:
        return self._score("", text)

    def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
        return [self._score(left, c + right) for c in candidates]


def repaired(text: str, config: RepairConfig = CFG) -> str:
    """``text`` with the encoding fixer's edits applied that pass the confidence threshold."""
    edits = [e for e in fix(text, config) if e.confidence >= config.min_confidence and e.before != e.after]
    return apply_edits(text, edits)


def big5_as_gbk(text: str) -> str:
    """Big5 bytes read as cp936 (how a Big5 page shown as GBK is saved): one U+FFFD per lost byte.
    Line breaks survive it (0x0A is no trail byte), so a page reads as its lines do."""
    return decode_cp936(text.encode("big5"))


def gbk_as_big5(text: str) -> str:
    return text.encode("gbk").decode("big5", errors="replace")


def utf8_as_gbk(text: str) -> str:
    return decode_cp936(text.encode("utf-8"))
