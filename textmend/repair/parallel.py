"""Repair a stream of documents on any engine (local, processes, dask).

The engine only schedules batches of :func:`textmend.repair.pipeline.repair` calls; each
document's result is the one a local ``repair`` gives, and documents come back in input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from textmend.dedup.engines import Engine, close_engine, get_engine
from textmend.document import Document
from textmend.edits import RepairResult
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

DEFAULT_BATCH = 64
"""Documents per task: large enough that scheduling costs little next to repair, small enough
that a worker's batch of ~2 KB documents stays a few hundred KB."""


def repair_batch(job: tuple[list[str], RepairConfig]) -> list[RepairResult]:
    """The scheduled step: repair every text of the batch (pure, picklable in and out)."""
    texts, config = job
    return [repair(t, config) for t in texts]


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
    runner = get_engine(engine, scheduler=scheduler)
    held: list[list[Document]] = []

    def jobs() -> Iterator[tuple[list[str], RepairConfig]]:
        it = iter(docs)
        while batch := list(islice(it, batch_size)):
            held.append(batch)
            yield [d.text for d in batch], cfg

    try:
        for results in runner.map(repair_batch, jobs()):
            batch = held.pop(0)
            for doc, result in zip(batch, results, strict=True):
                doc.metadata["repair"] = result
                doc.text = result.text
                yield doc
    finally:
        if isinstance(engine, str):
            close_engine(runner)
