"""Delta debugging for failing inputs (str or bytes): drop chunks while the failure persists."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", str, bytes)


def minimize(data: T, fails: Callable[[T], bool], budget: int = 400, seconds: float = 60.0) -> T:
    """A smaller input on which ``fails`` still holds (ddmin by complements).

    The budget bounds the work: a finding is written even when its input is only partly
    reduced, so one slow reproducer cannot stall a timed run.

    >>> minimize("xxxBOOMyyy", lambda s: "BOOM" in s)
    'BOOM'
    """
    stop = time.monotonic() + seconds
    calls = 0
    n = 2
    while len(data) >= 2 and calls < budget and time.monotonic() < stop:
        chunk = -(-len(data) // n)
        for start in range(0, len(data), chunk):
            candidate = data[:start] + data[start + chunk :]
            calls += 1
            if fails(candidate):
                data = candidate
                n = max(n - 1, 2)
                break
            if calls >= budget or time.monotonic() >= stop:
                return data
        else:
            if chunk == 1:
                break
            n = min(n * 2, len(data))
    return data
