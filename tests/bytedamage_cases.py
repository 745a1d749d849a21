"""Helpers shared by the byte-damage fixer's tests (test_bytedamage_runs.py,
test_bytedamage_page.py): damage an original with the forward model, repair it."""

from __future__ import annotations

import pytest

from textmend.edits import apply_edits
from textmend.repair._codecs_gbkdamage import redamage
from textmend.repair._codecs_lm import get_scorer
from textmend.repair.bytedamage import fix
from textmend.repair.config import RepairConfig

CFG = RepairConfig()


def needs_model() -> None:
    if get_scorer() is None:
        pytest.skip("choosing the lost lead byte of a fold needs the language model (textmend.lm)")


def repaired(damaged: str) -> str:
    """``damaged`` with the byte-damage edits applied that pass the default threshold."""
    return apply_edits(damaged, [e for e in fix(damaged, CFG) if e.confidence >= CFG.min_confidence])


def damage_and_repair(original: str, observed: str = "") -> str:
    """The repair of ``original`` damaged by the forward model; ``observed`` must show in the
    damaged text (so a change of the forward model shows as such, not as a failed repair)."""
    needs_model()
    damaged = redamage(original.encode("gbk"))
    assert observed in damaged
    return repaired(damaged)
