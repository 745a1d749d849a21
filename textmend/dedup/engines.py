"""Executors for the per-batch steps. Steps are pure functions of a batch, so any executor
(this module's local loop, a process pool, or a Dask cluster) can run them in any order and the
results only need to be put back in batch order. Engines schedule; they never know what a step
computes, which is why every engine gives the same result."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from textmend.errors import ConfigError, MissingDependency

if TYPE_CHECKING:
    from textmend.dedup.minhash import ShingleBatch
    from textmend.dedup.verify import ShingleStore

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
    """A pool of worker processes; results in input order, streamed.

    Why ``spawn`` is not forced: the default start method is fine for numpy-only steps, and
    forking avoids re-importing the package in every worker on Linux.

    Why not ``Pool.imap``: it reads its whole input iterator ahead in a feeder thread, so a
    streamed corpus would sit in the driver's memory at once. Here at most ``window`` tasks per
    worker are in flight, as with the Dask engine.

    Why ``partitions`` is 1 (banding and verification stay in the driver): the workers share
    the driver's machine, so shipping them the shingles costs more than checking the pairs
    (bench scale, 100k documents: 2.6x the local time and 1.8 GB driver peak when split).
    """

    partitions = 1

    def __init__(self, workers: int | None = None, window: int = 2) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 1, 8))
        self.window = window

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        ctx = multiprocessing.get_context()
        limit = max(1, self.window * self.workers)
        with ctx.Pool(self.workers, initializer=_quiet_worker) as pool:
            pending: deque[Any] = deque()
            for item in items:
                pending.append(pool.apply_async(fn, (item,)))
                if len(pending) >= limit:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
            pool.close()  # a finished run lets the workers exit instead of terminating them
            pool.join()


def _quiet_worker() -> None:
    """Pool workers leave signals to the driver: a forked worker inherits the CLI's SIGTERM
    handler (which raises KeyboardInterrupt), so the pool's own shutdown would print tracebacks;
    Ctrl-C reaches the whole process group, and the driver then stops the pool."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class DaskEngine:
    """Runs the steps as tasks on a Dask cluster: a running one (``scheduler`` address, e.g.
    ``tcp://host:8786``) or a LocalCluster of ``workers`` single-threaded processes.

    The cluster starts on the first :meth:`map` and lives until :meth:`close` (or the end of a
    ``with`` block), so one run pays the start-up once for all its steps. At most ``window``
    tasks per worker are in flight: input batches are read lazily and results come back in
    input order, so the driver holds a bounded number of batches, as with the other engines.

    Signed batches (the dedup signature step's results) also stay on the worker that computed
    them until :meth:`verify_placed` has used them: the exact check of a candidate pair then runs
    where its documents' shingles already are, and only the shingles a pair needs from another
    partition travel, worker to worker.
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
        # id(shingle batch) -> (that batch, future of the signed batch on its worker); the batch
        # is held so its id cannot be reused by another object while the entry exists.
        self._resident: dict[int, tuple[object, Any]] = {}
        self.placement: dict[str, int] = {}
        """What the last :meth:`verify_placed` did: partitions, how many were still on the
        workers (the rest were cut on the driver), verification tasks, cross-partition pieces."""

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
                yield self._result(pending.popleft())
        while pending:
            yield self._result(pending.popleft())

    def _result(self, future: Any) -> Any:
        result = future.result()
        shingles = _resident_shingles(result)
        if shingles is not None:
            self._resident[id(shingles)] = (shingles, future)
        return result

    def verify_placed(self, pairs: np.ndarray, store: ShingleStore) -> np.ndarray:
        """Exact Jaccard of every pair (``(m, 2)`` global text numbers into ``store``), computed
        on the workers that hold the documents; same values and order as the local check.

        A partition is one signed batch, kept on the worker that signed it. Each pair is
        shuffled to the worker holding its first text and checked there (tasks of at most
        ``VERIFY_PAIRS`` pairs, pinned to that worker). The shingles of second texts that live
        on another worker are cut out there, one piece per (holding worker, checking worker),
        and Dask moves only those pieces, worker to worker. Batches no longer on the cluster (an
        index opened from disk, an earlier run) are cut on the driver and scattered.
        """
        client = self.client
        sims = np.zeros(len(pairs), dtype=np.float64)
        if len(pairs) == 0:
            return sims
        batches = list(store.batches)
        first = np.zeros(len(batches) + 1, dtype=np.int64)
        np.cumsum([len(b.starts) - 1 for b in batches], out=first[1:])
        part = np.searchsorted(first, pairs, side="right") - 1
        homes: dict[int, Any] = {}
        for p, b in enumerate(batches):
            entry = self._resident.get(id(b))
            if entry is not None and entry[0] is b:
                homes[p] = entry[1]
        who = client.who_has(list(homes.values())) if homes else {}
        # where each partition lives: a worker address, or "" for the driver
        place = [""] * len(batches)
        for p, fut in homes.items():
            held = list(who.get(fut.key, ()))
            place[p] = held[0] if held else ""
        codes = {w: c for c, w in enumerate(sorted(set(place)))}
        loc = np.array([codes[w] for w in place], dtype=np.int64)
        addr = {c: w for w, c in codes.items()}
        at_first, at_second = loc[part[:, 0]], loc[part[:, 1]]

        def piece(v: int, texts: np.ndarray) -> Any:
            """The shingles of ``texts`` (global numbers, sorted) of the partitions at ``v``."""
            tp = part_of(texts)
            parts = sorted(set(tp.tolist()))
            locals_ = [texts[tp == q] - first[q] for q in parts]
            globals_ = [texts[tp == q] for q in parts]
            if addr[v]:
                sources = [homes[q] for q in parts]
                return client.submit(_cut_many, locals_, globals_, *sources, workers=[addr[v]], pure=False)
            (fut,) = client.scatter([_cut_many(locals_, globals_, *[batches[q] for q in parts])], hash=False)
            return fut

        def part_of(texts: np.ndarray) -> np.ndarray:
            return np.searchsorted(first, texts, side="right") - 1

        futures = []
        n_pieces = 0
        for w in range(len(codes)):
            mine = np.flatnonzero(at_first == w)
            if len(mine) == 0:
                continue
            pieces = []
            for v in range(len(codes)):
                need = np.concatenate(
                    [pairs[mine, 0] if v == w else pairs[:0, 0], pairs[mine[at_second[mine] == v], 1]]
                )
                if len(need):
                    pieces.append(piece(v, np.unique(need)))
                    n_pieces += v != w
            pin = {"workers": [addr[w]], "allow_other_workers": True} if addr[w] else {}
            for chunk in np.array_split(mine, max(1, -(-len(mine) // VERIFY_PAIRS))):
                futures.append(
                    (chunk, client.submit(_verify_pieces, pairs[chunk], *pieces, pure=False, **pin))
                )
        for idx, fut in futures:
            sims[idx] = fut.result()
        self.placement = {
            "partitions": len(batches),
            "on_workers": len(homes),
            "tasks": len(futures),
            "pieces_shipped": n_pieces,
        }
        # The signed batches have served their purpose: free the workers' memory.
        self._resident.clear()
        return sims

    def close(self) -> None:
        self._resident.clear()
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


def _resident_shingles(result: object) -> ShingleBatch | None:
    """The shingle batch of a dedup signature result (kept on its worker), else None."""
    from textmend.dedup.steps import SignedBatch

    return result.shingles if isinstance(result, SignedBatch) else None


def _take(sb: ShingleBatch, rows: np.ndarray) -> ShingleBatch:
    """The texts ``rows`` (local numbers, in that order) of a shingle batch, as a new batch;
    one gather, no per-text Python loop."""
    from textmend.dedup.minhash import ShingleBatch

    lo = np.asarray(sb.starts)[rows].astype(np.int64)
    lengths = np.asarray(sb.starts)[rows + 1].astype(np.int64) - lo
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    where = np.repeat(lo - starts[:-1], lengths) + np.arange(int(starts[-1]), dtype=np.int64)
    return ShingleBatch(hashes=np.asarray(sb.hashes)[where], starts=starts)


def _cut_many(
    locals_: list[np.ndarray], globals_: list[np.ndarray], *batches: object
) -> tuple[np.ndarray, ShingleBatch]:
    """``(texts, their shingles)`` cut from signed or shingle batches: ``locals_[k]`` are the
    rows of ``batches[k]`` wanted, ``globals_[k]`` their global text numbers."""
    from textmend.dedup.minhash import ShingleBatch

    cuts = []
    for rows, batch in zip(locals_, batches, strict=True):
        sb = _resident_shingles(batch) or batch
        assert isinstance(sb, ShingleBatch)
        cuts.append(_take(sb, rows))
    starts = [np.zeros(1, dtype=np.int64)]
    offset = 0
    for c in cuts:
        starts.append(c.starts[1:] + offset)
        offset += int(c.starts[-1])
    hashes = np.concatenate([c.hashes for c in cuts]) if cuts else np.zeros(0, dtype=np.uint64)
    return np.concatenate(globals_), ShingleBatch(hashes=hashes, starts=np.concatenate(starts))


def _verify_pieces(pairs: np.ndarray, *pieces: tuple[np.ndarray, ShingleBatch]) -> np.ndarray:
    """Join the texts the pairs name from the pieces (disjoint sets of texts) into one
    verification job and run the same exact step as every other engine."""
    from textmend.dedup.minhash import ShingleBatch
    from textmend.dedup.steps import VerifyJob, exact_step

    needed = np.unique(pairs.ravel())
    texts_parts, hash_parts, length_parts = [], [], []
    for texts, sb in pieces:
        rows = np.flatnonzero(np.isin(texts, needed, assume_unique=True))
        if len(rows):
            sub = _take(sb, rows)
            texts_parts.append(texts[rows])
            hash_parts.append(sub.hashes)
            length_parts.append(np.diff(sub.starts))
    texts = np.concatenate(texts_parts)
    joined = _take(
        ShingleBatch(
            hashes=np.concatenate(hash_parts),
            starts=np.concatenate([[0], np.cumsum(np.concatenate(length_parts))]).astype(np.int64),
        ),
        np.argsort(texts, kind="stable"),
    )
    return exact_step(VerifyJob(pairs=pairs, texts=np.sort(texts), shingles=joined))


VERIFY_PAIRS = 8192
"""Pairs per verification task on the Dask engine (as the partitioned local path's chunks)."""

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
