"""Batching of the repair stream: by count and by size, results in input order."""

from __future__ import annotations

import pytest

from textmend.repair import parallel
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair


def test_batches_close_by_size_and_keep_order(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = parallel.repair_batch

    def spy(job):  # type: ignore[no-untyped-def]
        sizes.append(sum(map(len, job[0])))
        return real(job)

    monkeypatch.setattr(parallel, "repair_batch", spy)
    monkeypatch.setattr(parallel, "BATCH_CHARS", 50)
    units = ["優(yōu)質(zhì)服務(wù)工作" * 2, None, "中文" * 30, "短句。", None, "他說:好"] * 3
    cfg = RepairConfig()
    out = list(parallel.repair_stream(units, lambda u: u, cfg, batch_size=4))
    assert [u for u, _ in out] == units
    for unit, result in out:
        assert (result is None) == (unit is None)
        if unit is not None:
            assert result == repair(unit, cfg)
    # Every task stays under the cap unless one document alone exceeds it (the 60-character one).
    assert all(size <= 50 or size == 60 for size in sizes)
    assert len(sizes) > len([u for u in units if u is not None]) // 4
