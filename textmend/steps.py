"""Datatrove-style pipeline steps: repair as a formatter, near-duplicates as a filter.

A step is called as ``step(data, rank=0, world_size=1)`` and returns a generator of documents,
which is the whole protocol datatrove's executors use for plain callables, so these steps run
inside a datatrove pipeline and without datatrove at all. Documents are duck-typed: anything with
``text``, ``id`` and a ``metadata`` dict (:class:`textmend.Document`, ``datatrove.data.Document``).

Counters live in :attr:`counts` (not ``stats``: datatrove collects ``.stats`` attributes and expects
its own type there).

>>> from textmend import Document
>>> docs = [Document("a", "優(yōu)質(zhì)服務工作"), Document("b", "優質服務工作"), Document("c", "今天天气很好")]
>>> kept = list(DedupFilter(threshold=0.9)(RepairFormatter()(docs)))
>>> [d.text for d in kept]
['優質服務工作', '今天天气很好']
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from textmend.dedup.config import DedupConfig
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair


class DocumentLike(Protocol):
    text: str
    id: str
    metadata: dict[str, Any]


class ExclusionWriter(Protocol):
    """What the dedup filter writes dropped documents to: datatrove's ``DiskWriter``s (e.g.
    ``JsonlWriter``) have this shape, and so does :class:`JsonlExclusionWriter`."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> Any: ...

    def write(self, document: Any, rank: int = 0, **kwargs: Any) -> None: ...


class JsonlExclusionWriter(AbstractContextManager["JsonlExclusionWriter"]):
    """Writes each excluded document as one JSON line (id, text, metadata) to
    ``{folder}/{rank:05d}.jsonl``; opened on first write, so a rank that drops nothing writes
    nothing."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._files: dict[int, Any] = {}

    def write(self, document: Any, rank: int = 0, **kwargs: Any) -> None:
        f = self._files.get(rank)
        if f is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            f = self._files[rank] = (self.folder / f"{rank:05d}.jsonl").open("a", encoding="utf-8")
        record = {"id": document.id, "text": document.text, "metadata": document.metadata}
        f.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def __exit__(self, *exc: object) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


class RepairFormatter:
    """Repair each document's text; the edit count, spun score and replayable plan go to
    metadata (``textmend_edits``, ``textmend_spun_score``, ``textmend_plan``)."""

    name = "textmend repair"
    type = "✂️ - FORMAT"

    def __init__(self, config: RepairConfig | None = None, keep_plan: bool = True) -> None:
        self.config = config
        self.keep_plan = keep_plan
        self.counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"{self.type}: {self.name}"

    def run(self, data: Iterable[DocumentLike] | None, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        for doc in data or ():
            self.counts["total"] += 1
            result = repair(doc.text, self.config)
            if result.changed:
                self.counts["changed"] += 1
                self.counts["edits"] += len(result.edits)
                if self.keep_plan:
                    doc.metadata["textmend_plan"] = result.plan_json()
            doc.metadata["textmend_edits"] = len(result.edits)
            if result.spun_score is not None:
                doc.metadata["textmend_spun_score"] = result.spun_score
            doc.text = result.text
            yield doc

    def __call__(
        self, data: Iterable[DocumentLike] | None = None, rank: int = 0, world_size: int = 1
    ) -> Iterator[Any]:
        return self.run(data, rank, world_size)


class DedupFilter:
    """Drop documents that near-duplicate an earlier document of the stream (first copy kept).

    Documents are hashed in batches of ``batch_size`` against everything seen so far by this
    step (one index per rank: a sharded run deduplicates within each shard; for a global pass,
    run the CLI's ``textmend dedup --index``). Dropped documents get ``metadata["filter_reason"]
    = "near_duplicate"``, ``duplicate_of`` and ``similarity``, and go to ``exclusion_writer``.
    """

    name = "textmend near-duplicates"
    type = "🔻 - FILTER"

    def __init__(
        self,
        exclusion_writer: ExclusionWriter | None = None,
        config: DedupConfig | None = None,
        batch_size: int = 1000,
        **options: Any,
    ) -> None:
        from textmend.api import Deduplicator

        Deduplicator(config, **options)  # validate the options now, not at the first document
        self.exclusion_writer = exclusion_writer
        self.config = config
        self.options = options
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"{self.type}: {self.name}"

    def run(self, data: Iterable[DocumentLike] | None, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
        from textmend.api import Deduplicator

        dd = Deduplicator(self.config, **self.options)
        seen_ids: list[str] = []  # document id at each stream position, for ``duplicate_of``
        it = iter(data or ())
        with ExitStack() as stack:
            writer = stack.enter_context(self.exclusion_writer) if self.exclusion_writer else None
            while batch := list(islice(it, self.batch_size)):
                # Index keys are positions in this rank's stream, so ids need not be unique.
                first = len(dd)
                found = dd.add_many((str(first + k), d.text) for k, d in enumerate(batch))
                seen_ids.extend(str(d.id) for d in batch)
                for k, doc in enumerate(batch):
                    self.counts["total"] += 1
                    matches = found[str(first + k)]
                    if not matches:
                        self.counts["forwarded"] += 1
                        yield doc
                        continue
                    self.counts["dropped"] += 1
                    self.counts["dropped_near_duplicate"] += 1
                    doc.metadata["filter_reason"] = "near_duplicate"
                    doc.metadata["duplicate_of"] = seen_ids[int(matches[0].id)]
                    doc.metadata["similarity"] = round(matches[0].similarity, 4)
                    if writer is not None:
                        writer.write(doc, rank)

    def __call__(
        self, data: Iterable[DocumentLike] | None = None, rank: int = 0, world_size: int = 1
    ) -> Iterator[Any]:
        return self.run(data, rank, world_size)
