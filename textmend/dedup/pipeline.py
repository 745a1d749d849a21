"""Entry points of the dedup pipeline (what the CLI calls)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from textmend.dedup.config import DedupConfig
from textmend.dedup.engines import Engine, close_engine, get_engine
from textmend.dedup.index import DedupIndex
from textmend.dedup.result import DedupResult, SharedPassage
from textmend.document import Document
from textmend.errors import InputError


def find_duplicates(
    docs: Iterable[Document],
    config: DedupConfig | None = None,
    engine: str | Engine = "local",
    index: DedupIndex | None = None,
    index_dir: str | Path | None = None,
    scheduler: str | None = None,
) -> DedupResult:
    """Cluster near-duplicate documents.

    Steps: matching view -> character n-gram shingles -> MinHash (numpy, datasketch-compatible)
    -> sort-based LSH banding -> exact Jaccard verification -> union-find clusters -> keep policy.
    With ``index`` (or ``index_dir``, opened or created there), the documents are added to the
    index and the result covers every document in it. ``engine`` only schedules the steps, so
    ``local``, ``processes`` and ``dask`` give identical results; ``scheduler`` (a Dask scheduler
    address) runs on that cluster instead of a LocalCluster, and the other engines refuse it.

    >>> r = find_duplicates([Document("a", "同志們：今天這次會議是縣委縣政府研究確定召開的"),
    ...                      Document("b", "同志们,今天这次会议是县委县政府研究确定召开的。"),
    ...                      Document("c", "第一条 为了规范不动产登记行为，保护权利人合法权益")])
    >>> [(x.cluster, x.keep) for x in r.records]  # b is longer (its final 。), so it is kept
    [('a', False), ('a', True), ('c', True)]
    """
    config = config or DedupConfig()
    runner = get_engine(engine, scheduler=scheduler)
    try:
        if index is None and index_dir is not None:
            index = DedupIndex.open(index_dir, config)
        idx = index if index is not None else DedupIndex(config)
        return idx.add(unique_ids(docs, idx.ids), engine=runner)
    finally:
        if isinstance(engine, str):
            close_engine(runner)


def find_passages(docs: Iterable[Document], config: DedupConfig | None = None) -> list[SharedPassage]:
    """Passages shared between different documents, with original code point offsets."""
    from textmend.dedup.passages import shared_passages

    return shared_passages(list(unique_ids(docs)), config or DedupConfig(level="passage"))


def unique_ids(docs: Iterable[Document], known: Iterable[str] = ()) -> Iterator[Document]:
    """``docs``, raising :class:`InputError` at the first id already seen (among ``docs`` or
    ``known``, the ids of an existing index): results name documents by id, so a repeated id
    would merge two documents' records (clusters, reports, ``clean`` output).

    >>> list(unique_ids([Document("a", "x"), Document("a", "y", {"source": "b.jsonl"})]))
    Traceback (most recent call last):
    ...
    textmend.errors.InputError: b.jsonl: duplicate id 'a' (first in <documents>): dedup needs unique ids
    """
    first: dict[str, str] = dict.fromkeys(known, "the index")
    for doc in docs:
        source = str(doc.metadata.get("source", "<documents>"))
        if doc.id in first:
            raise InputError(
                source, f"duplicate id {doc.id!r} (first in {first[doc.id]}): dedup needs unique ids"
            )
        first[doc.id] = source
        yield doc
