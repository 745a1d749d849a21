"""Golden files: seed excerpts repair to hand-checked text; clean controls stay unchanged.

``fixtures/seeds/NAME.input.txt`` are excerpts of ../shared/seeds (real damaged pages);
``NAME.expected.txt`` were written by reading them (see fixtures/seeds/README.md for how each
was derived). Byte-level and spinner fixers belong to other modules and are switched off here so
these goldens test the layout fixers alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from textmend.edits import apply_plan
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

LAYOUT = RepairConfig(encoding=False, bytedamage=False, spinner="off")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED_CASES = sorted(p.name[: -len(".input.txt")] for p in (FIXTURES / "seeds").glob("*.input.txt"))
CLEAN_CASES = sorted(p.name for p in (FIXTURES / "clean").glob("*.txt"))


@pytest.mark.parametrize("name", SEED_CASES)
def test_seed_excerpt_golden(fixtures_dir: Path, name: str) -> None:
    src = (fixtures_dir / "seeds" / f"{name}.input.txt").read_text(encoding="utf-8")
    want = (fixtures_dir / "seeds" / f"{name}.expected.txt").read_text(encoding="utf-8")
    result = repair(src, LAYOUT)
    assert result.text == want
    assert apply_plan(src, result.plan()) == want


@pytest.mark.parametrize("name", CLEAN_CASES)
@pytest.mark.parametrize(
    "config",
    [LAYOUT, LAYOUT.with_options(boilerplate="all"), LAYOUT.with_options(placeholders="normalize")],
    ids=["default", "boilerplate-all", "placeholders-normalize"],
)
def test_clean_controls_unchanged(fixtures_dir: Path, name: str, config: RepairConfig) -> None:
    text = (fixtures_dir / "clean" / name).read_text(encoding="utf-8")
    result = repair(text, config)
    assert result.text == text
    assert not result.changed


def test_expected_files_exist_for_every_input() -> None:
    assert SEED_CASES, "no seed excerpts found"
    for name in SEED_CASES:
        assert (FIXTURES / "seeds" / f"{name}.expected.txt").is_file(), name


def test_seed_files_repair_without_errors(seeds_dir: Path) -> None:
    """Whole seeds through the layout fixers: the result is a valid replayable plan and no
    ruby, boilerplate preamble or paragraph-final '?' of the known families survives."""
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = repair(text, LAYOUT)
        assert apply_plan(text, result.plan()) == result.text
        assert "欢迎深入阅读并收藏" not in result.text
        assert "來源于網友上傳" not in result.text
        assert "更多文章請登陸" not in result.text
        assert "\n下一頁\n" not in result.text
