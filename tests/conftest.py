"""Shared test fixtures. Tests that need ../shared skip with a printed reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def _need_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): reference corpora and seeds not available")
    return SHARED


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared reference folder (seeds, corpora, peer suites); skips when absent."""
    return _need_shared()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _need_shared() / "seeds"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
