"""Repair a stream of documents on any engine (local, processes, dask).

The engine only schedules batches of :func:`textmend.repair.pipeline.repair` calls; each
document's result is the one a local ``repair`` gives, and documents come back in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from textmend.dedup.engines import Engine, close_engine, get_engine
from textmend.document import Document
from textmend.edits import RepairResult
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

U = TypeVar("U")

DEFAULT_BATCH = 64
"""Documents per task: large enough that scheduling costs little next to repair, small enough
that a worker's batch of ~2 KB documents stays a few hundred KB."""

BATCH_CHARS = 1 << 21
"""Characters per task at most (a single larger document still makes a task of its own): a big
text file is read in parts of about 1 MiB, and 64 of them in flight would hold 64 MiB and more
in copies; a cap by size keeps the peak flat whatever the input's size."""


def repair_batch(job: tuple[list[str], RepairConfig]) -> list[RepairResult]:
    """The scheduled step: repair every text of the batch (pure, picklable in and out)."""
    texts, config = job
    return [repair(t, config) for t in texts]


def repair_stream(
    units: Iterable[U],
    text_of: Callable[[U], str | None],
    config: RepairConfig,
    engine: str | Engine = "local",
    scheduler: str | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[tuple[U, RepairResult | None]]:
    """``(unit, result)`` for every unit, in input order; units whose ``text_of`` is None (a
    broken record, an input's start or end marker) ride along unrepaired with result None.

    Units are read lazily, a batch at a time, so the driver holds only the batches the engine
    has in flight. An engine given by name is started here and closed at the end.
    """
    runner = get_engine(engine, scheduler=scheduler)
    held: deque[list[U]] = deque()

    def jobs() -> Iterator[tuple[list[str], RepairConfig]]:
        batch: list[U] = []
        texts: list[str] = []
        size = 0
        for unit in units:
            text = text_of(unit)
            if len(batch) >= batch_size or (text is not None and texts and size + len(text) > BATCH_CHARS):
                held.append(batch)
                yield texts, config
                batch, texts, size = [], [], 0
            batch.append(unit)
            if text is not None:
                texts.append(text)
                size += len(text)
        if batch:
            held.append(batch)
            yield texts, config

    try:
        for results in runner.map(repair_batch, jobs()):
            batch = held.popleft()
            it = iter(results)
            for unit in batch:
                yield unit, (next(it) if text_of(unit) is not None else None)
            assert next(it, None) is None, "engine returned more results than texts"
    finally:
        if isinstance(engine, str):
            close_engine(runner)


def repair_many(
    docs: Iterable[Document],
    config: RepairConfig | None = None,
    engine: str | Engine = "local",
    scheduler: str | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[Document]:
    """Like :func:`textmend.repair.pipeline.repair_documents`, on ``engine``: each yielded
    document has the repaired text and its result in ``metadata['repair']``.

    >>> [d.text for d in repair_many([Document("a", "優(yōu)質(zhì)服務(wù)工作")])]
    ['優質服務工作']
    """
    cfg = config or RepairConfig()
    for doc, result in repair_stream(docs, _text, cfg, engine, scheduler, batch_size):
        assert result is not None
        doc.metadata["repair"] = result
        doc.text = result.text
        yield doc


def _text(doc: Document) -> str:
    return doc.text
