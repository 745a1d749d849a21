"""Executors for the per-batch steps. Steps are pure functions of a batch, so any executor
(this module's local loop, a process pool, or a Dask cluster) can run them in any order and the
results only need to be put back in batch order. Engines schedule; they never know what a step
computes, which is why every engine gives the same result."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

from textmend.errors import ConfigError, MissingDependency

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    partitions: int
    """How many pieces a whole-corpus step (banding, verification) is worth splitting into."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Apply ``fn`` to every item; results in input order, produced lazily."""
        ...


class LocalEngine:
    """Runs every batch in this process, one after another (streaming)."""

    partitions = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


class ProcessEngine:
    """A pool of worker processes; ``imap`` keeps input order and streams results.

    Why ``spawn`` is not forced: the default start method is fine for numpy-only steps, and
    forking avoids re-importing the package in every worker on Linux.

    Why ``partitions`` is 1 (banding and verification stay in the driver): the workers share
    the driver's machine, so shipping them the shingles costs more than checking the pairs, and
    ``imap`` reads all its inputs ahead, so every verification task would be in memory at once
    (bench scale, 100k documents: 2.6x the local time and 1.8 GB driver peak when split).
    """

    partitions = 1

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 1, 8))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        ctx = multiprocessing.get_context()
        with ctx.Pool(self.workers) as pool:
            yield from pool.imap(fn, items, chunksize=1)


class DaskEngine:
    """Runs the steps as tasks on a Dask cluster: a running one (``scheduler`` address, e.g.
    ``tcp://host:8786``) or a LocalCluster of ``workers`` single-threaded processes.

    The cluster starts on the first :meth:`map` and lives until :meth:`close` (or the end of a
    ``with`` block), so one run pays the start-up once for all its steps. At most ``window``
    tasks per worker are in flight: input batches are read lazily and results come back in
    input order, so the driver holds a bounded number of batches, as with the other engines.
    """

    def __init__(
        self, scheduler: str | None = None, workers: int = 2, window: int = 2, connect_timeout: float = 30.0
    ) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise MissingDependency("dask[distributed]", extra="dask") from None
        self.scheduler = scheduler
        self.workers = workers
        self.window = window
        self.connect_timeout = connect_timeout
        self.partitions = workers
        self._client: Any = None
        self._cluster: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler is not None:
                try:
                    self._client = Client(self.scheduler, timeout=self.connect_timeout)
                except OSError as exc:
                    raise ConfigError(f"cannot reach the Dask scheduler {self.scheduler!r}: {exc}") from None
            else:
                # Why no dashboard: it needs bokeh, and a batch run has no viewer. The scheduler
                # still serves health routes over HTTP; a random local port keeps two runs on one
                # machine from colliding on 8787.
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
                self._client = Client(self._cluster)
            self.partitions = max(1, len(self._client.scheduler_info().get("workers", {})))
        return self._client

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        client = self.client
        limit = max(1, self.window * self.partitions)
        pending: deque[Any] = deque()
        for item in items:
            # Scatter first: the batch goes straight to a worker, which then runs the task,
            # instead of travelling inside the task graph through the scheduler (which warns
            # about graphs over 10 MB). The list wrapper keeps a tuple job in one piece.
            (data,) = client.scatter([item], hash=False)
            # pure=False: equal inputs must still run (a batch is not a cacheable constant).
            pending.append(client.submit(fn, data, pure=False))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ENGINES: dict[str, Callable[[], Any]] = {"local": LocalEngine, "processes": ProcessEngine, "dask": DaskEngine}


def get_engine(name: str | Engine, scheduler: str | None = None) -> Engine:
    """The engine called ``name`` (or ``name`` itself when it is already an engine).

    ``scheduler`` is only meaningful for ``dask``; the other engines refuse it rather than
    ignore it, so a typo'd ``--engine`` never silently runs locally.
    """
    if not isinstance(name, str):
        if scheduler is not None:
            raise ConfigError("pass the scheduler to the engine object, not alongside it")
        return name
    if scheduler is not None:
        if name != "dask":
            raise ConfigError(f"engine {name!r} takes no scheduler (only --engine dask does)")
        return DaskEngine(scheduler=scheduler)
    try:
        return ENGINES[name]()
    except KeyError:
        raise ConfigError(f"unknown engine {name!r} (have: {', '.join(ENGINES)})") from None


def close_engine(engine: Engine) -> None:
    """Release what the engine holds (a Dask cluster); the other engines hold nothing."""
    close = getattr(engine, "close", None)
    if close is not None:
        close()
