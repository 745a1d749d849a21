"""Timing, memory and table helpers shared by the benchmarks.

Every benchmark times our code and the anchor library on the same input in the same run and
prints the ratio, so numbers stay comparable on a noisy shared machine.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def need_shared() -> Path:
    if not SHARED.is_dir():
        sys.exit(f"bench: ../shared is absent ({SHARED}); the benchmarks build their inputs from it")
    return SHARED


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls, and the last call's result."""
    times = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    print(f"\n## {title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def pinyin_errors(fill: object) -> Callable[[str], Any]:
    """A pypinyin ``errors`` callback giving ``fill`` for each character without a reading, so
    readings stay aligned with characters. pypinyin takes a list here; its stubs say str."""

    def errors(chars: str) -> Any:
        return [fill] * len(chars)

    return errors
