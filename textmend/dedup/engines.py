"""Executors for the per-batch steps. Steps are pure functions of a batch, so any executor
(this module's local loop or process pool, or a Dask bag later) can run them in any order and
the results only need to be put back in batch order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from textmend.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Apply ``fn`` to every item; results in input order, produced lazily."""
        ...


class LocalEngine:
    """Runs every batch in this process, one after another (streaming)."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


class ProcessEngine:
    """A pool of worker processes; ``imap`` keeps input order and streams results.

    Why ``spawn`` is not forced: the default start method is fine for numpy-only steps, and
    forking avoids re-importing the package in every worker on Linux.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 1, 8))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        ctx = multiprocessing.get_context()
        with ctx.Pool(self.workers) as pool:
            yield from pool.imap(fn, items, chunksize=1)


ENGINES: dict[str, Callable[[], Any]] = {"local": LocalEngine, "processes": ProcessEngine}


def get_engine(name: str | Engine) -> Engine:
    if not isinstance(name, str):
        return name
    try:
        return ENGINES[name]()
    except KeyError:
        raise ConfigError(f"unknown engine {name!r} (have: {', '.join(ENGINES)})") from None
