"""ftfy's golden cases run against our 'encoding' fixer (which delegates Latin scripts to ftfy).

Every case ftfy expects to pass must pass against ``fixed-encoding`` (or ``fixed``): our fixer
must not break what ftfy fixes, even though it adds CJK codecs. Known failures are strict xfail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from textmend.edits import apply_edits
from textmend.repair.config import RepairConfig
from textmend.repair.mojibake import fix

CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "peer" / "ftfy-test-cases"
FILES = ("in-the-wild", "synthetic", "negative", "language-names", "known-failures")


def _cases() -> list[object]:
    out: list[object] = []
    if not CASES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"../shared is absent ({CASES})"))]
    for name in FILES:
        for i, case in enumerate(json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))):
            marks = (
                []
                if case["expect"] == "pass"
                else [pytest.mark.xfail(strict=True, reason="ftfy known failure")]
            )
            out.append(pytest.param(case, id=f"{name}-{i}", marks=marks))
    return out


@pytest.mark.shared
@pytest.mark.parametrize("case", _cases())
def test_ftfy_golden_case(case: dict[str, str]) -> None:
    config = RepairConfig(min_confidence=0.0)
    original = case["original"]
    edits = [e for e in fix(original, config) if e.before != e.after]
    expected = case.get("fixed-encoding", case["fixed"])
    assert apply_edits(original, edits) == expected
