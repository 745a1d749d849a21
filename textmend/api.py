"""The Python API beyond :func:`textmend.repair`: a near-duplicate index you feed incrementally,
human-readable explanations of a repair, and the canonical diff.

Everything the CLI does is reachable from here or from :mod:`textmend` itself:

>>> from textmend.api import Deduplicator
>>> dd = Deduplicator()
>>> dd.add("同志們：今天這次會議是縣委縣政府研究確定召開的", id="a")
[]
>>> [(m.id, round(m.similarity, 2)) for m in dd.add("同志们：今天这次会议是县委县政府研究确定召开的。", id="b")]
[('a', 1.0)]
>>> [m.id for m in dd.query("第一条 为了规范不动产登记行为，保护权利人合法权益")]
[]
>>> dd.clusters()
[['a', 'b']]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from textmend.dedup.bands import band_keys
from textmend.dedup.config import DedupConfig
from textmend.dedup.index import DedupIndex
from textmend.dedup.result import DedupResult
from textmend.dedup.steps import sign_batch
from textmend.dedup.verify import estimate_cutoff, exact_jaccard
from textmend.document import Document
from textmend.edits import Edit, RepairResult
from textmend.errors import ConfigError, InputError
from textmend.repair.config import RepairConfig

__all__ = ["Deduplicator", "Match", "diff", "explain", "warm_up"]
"""Names for ``textmend.__all__`` (the lead re-exports them from the package)."""


@dataclass(frozen=True, slots=True)
class Match:
    """A stored document that is a near-duplicate of the queried text: its ``id`` and the exact
    Jaccard ``similarity`` of the two shingle sets (matching view, character n-grams)."""

    id: str
    similarity: float


DocLike = Document | str | tuple[str, str]
"""What :meth:`Deduplicator.add_many` accepts: a Document, a bare text, or ``(id, text)``."""


class Deduplicator:
    """Near-duplicate index built incrementally: add documents, query new texts, read clusters.

    A thin, stable layer over :class:`textmend.dedup.DedupIndex` (MinHash + LSH banding, every
    reported pair verified with the exact Jaccard). Options are :class:`~textmend.dedup.DedupConfig`
    fields, given as ``config`` or keywords (``Deduplicator(threshold=0.7)``).

    Adding one document at a time works, but each :meth:`add` re-bands the whole index, so feed
    large collections through :meth:`add_many` (hashed in batches of ``config.batch_size``).
    """

    def __init__(
        self, config: DedupConfig | None = None, path: str | Path | None = None, **options: Any
    ) -> None:
        if options:
            known = {f.name for f in fields(DedupConfig)}
            unknown = sorted(set(options) - known)
            if unknown:
                raise ConfigError(f"unknown dedup option(s): {', '.join(unknown)}")
            base = {f.name: getattr(config or DedupConfig(), f.name) for f in fields(DedupConfig)}
            config = DedupConfig(**{**base, **options})
        self.config = config or DedupConfig()
        self._index = DedupIndex.open(path, self.config) if path is not None else DedupIndex(self.config)
        self._ids: set[str] = set(self._index.ids)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._ids

    @property
    def ids(self) -> list[str]:
        """Ids of the stored documents, in the order they were added."""
        return list(self._index.ids)

    # --- adding -------------------------------------------------------------------------------

    def add(self, text: str, id: str | None = None, metadata: dict[str, Any] | None = None) -> list[Match]:
        """Store one text; return the documents stored *before it* that it duplicates
        (most similar first)."""
        doc_id = id if id is not None else str(len(self._index))
        return self.add_many([Document(doc_id, text, dict(metadata or {}))])[doc_id]

    def add_many(self, docs: Iterable[DocLike], engine: str = "local") -> dict[str, list[Match]]:
        """Store documents; for each new id, the earlier-stored documents it duplicates.

        ``engine`` is ``local`` or ``processes`` (hashing in a process pool).
        """
        n_old = len(self._index)
        new = list(self._documents(docs, n_old))
        self._index.add(new, engine=engine)
        found: dict[str, list[Match]] = {d.id: [] for d in new}
        ids = self._index.ids
        for (i, j), s in zip(self._index.pairs.tolist(), self._index.sims.tolist(), strict=True):
            if j >= n_old:  # pairs are (i < j): j is the later document
                found[ids[j]].append(Match(ids[i], float(s)))
        for matches in found.values():
            matches.sort(key=lambda m: (-m.similarity, m.id))
        return found

    def _documents(self, docs: Iterable[DocLike], first: int) -> Iterator[Document]:
        for k, d in enumerate(docs):
            if isinstance(d, Document):
                doc = d
            elif isinstance(d, str):
                doc = Document(str(first + k), d)
            elif isinstance(d, tuple) and len(d) == 2:
                doc = Document(str(d[0]), str(d[1]))
            else:
                raise TypeError(f"expected Document, str or (id, text), not {type(d).__name__}")
            if doc.id in self._ids:
                raise InputError(doc.id, "a document with this id is already in the index")
            self._ids.add(doc.id)
            yield doc

    # --- querying -----------------------------------------------------------------------------

    def query(self, text: str, threshold: float | None = None) -> list[Match]:
        """Stored documents whose exact Jaccard with ``text`` is at least ``threshold`` (default:
        the config's), most similar first. Nothing is added to the index.

        Candidates come from the LSH bands, so like :meth:`add` it finds pairs near or above the
        configured threshold; a ``threshold`` higher than the config's only filters more.
        """
        thr = self.config.threshold if threshold is None else threshold
        if not 0.0 < thr <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {thr}")
        idx = self._index
        if len(idx) == 0:
            return []
        signed = sign_batch(([text], self.config))
        qkeys = band_keys(signed.sig, idx.bands, idx.rows)[0]
        if not qkeys.any():  # no shingles: an empty text duplicates nothing
            return []
        # One vectorised comparison against every stored text's band keys: no re-banding.
        cand = np.flatnonzero((idx.keys == qkeys[None, :]).any(axis=1))
        if len(cand) == 0:
            return []
        est = (idx.sig[cand] == signed.sig[0][None, :]).mean(axis=1)
        cand = cand[est >= estimate_cutoff(thr, self.config.num_perm)]
        h = np.sort(signed.shingles.of(0))
        qset = h[np.concatenate(([True], h[1:] != h[:-1]))] if len(h) else h
        out = []
        for i in cand.tolist():
            s = exact_jaccard(qset, idx.store.set_of(i))
            if s >= thr:
                out.append(Match(idx.ids[i], s))
        idx.store.forget_sets()
        return sorted(out, key=lambda m: (-m.similarity, m.id))

    # --- clusters -----------------------------------------------------------------------------

    def result(self) -> DedupResult:
        """Records of every stored document (cluster, kept representative, similarity)."""
        return self._index.result()

    def clusters(self, min_size: int = 2) -> list[list[str]]:
        """Clusters of at least ``min_size`` documents as lists of ids, members in insertion
        order, clusters ordered by their first member."""
        groups: dict[str, list[str]] = {}
        for rec in self.result().records:
            groups.setdefault(rec.cluster, []).append(rec.id)
        return [g for g in groups.values() if len(g) >= min_size]

    def duplicates(self) -> list[str]:
        """Ids a deduplicated corpus would drop (every member of a cluster but its kept one)."""
        return [r.id for r in self.result().records if not r.keep]

    # --- persistence --------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the whole index to directory ``path``; later :meth:`add` calls keep it updated."""
        idx = self._index
        idx.path = Path(path)
        # DedupIndex writes incrementally while adding; here every batch so far is written once.
        idx._save(list(idx.store.batches), first_batch=0)

    @classmethod
    def load(cls, path: str | Path, config: DedupConfig | None = None) -> Deduplicator:
        """Open an index saved by :meth:`save` (or by ``textmend dedup --index DIR``).

        Without ``config`` the stored configuration is used.
        """
        meta_file = Path(path) / "meta.json"
        if not meta_file.is_file():
            raise InputError(str(path), "no dedup index here (meta.json is missing)")
        if config is None:
            try:
                stored = json.loads(meta_file.read_text(encoding="utf-8"))["config"]
            except (OSError, ValueError, KeyError) as exc:
                raise InputError(str(meta_file), f"not a dedup index ({exc})") from None
            known = {f.name for f in fields(DedupConfig)}
            config = DedupConfig(**{k: v for k, v in stored.items() if k in known})
        return cls(config, path=path)


# --- repair explanations ----------------------------------------------------------------------------


def _edit_line(e: Edit) -> str:
    conf = f" confidence {e.confidence:.2f}" if e.confidence < 1.0 else ""
    note = f" ({e.note})" if e.note else ""
    return f"[{e.start}, {e.end}) {e.kind}: {e.before!r} -> {e.after!r}{conf}{note}"


def explain(result: RepairResult) -> list[str]:
    """Human-readable lines describing a repair: applied edits by step, suggestions, flags.

    Offsets are code points of the text each step received (the replayable plan's coordinates).

    >>> from textmend import repair
    >>> for line in explain(repair("優(yōu)質(zhì)服務")):  # doctest: +ELLIPSIS
    ...     print(line)
    step 1 ruby: 2 edits
      [1, 6) ruby: '(yōu)' -> ''...
      [7, 12) ruby: '(zhì)' -> ''...
    >>> explain(repair("今天天气很好。"))
    ['no changes']
    """
    lines: list[str] = []
    for k, step in enumerate(result.steps, start=1):
        lines.append(f"step {k} {step.fixer}: {len(step.edits)} edit{'s' if len(step.edits) != 1 else ''}")
        lines.extend("  " + _edit_line(e) for e in step.edits)
    if result.suggestions:
        lines.append(f"suggestions (below min_confidence, not applied): {len(result.suggestions)}")
        lines.extend("  " + _edit_line(e) for e in result.suggestions)
    if result.flags:
        lines.append(f"flags (in output coordinates): {len(result.flags)}")
        lines.extend("  " + _edit_line(e) for e in result.flags)
    if result.spun_score is not None:
        lines.append(f"spun score: {result.spun_score:.3f}")
    return lines or ["no changes"]


# --- diff -----------------------------------------------------------------------------------------


def diff(a: str, b: str, a_id: str = "A", b_id: str = "B", **options: Any) -> dict[str, Any]:
    """The canonical diff model of ``a`` against ``b`` (see :func:`textmend.align.diff` for the
    options: context, anchor, and folds such as ``script=True``).

    >>> m = diff("今天 天气很好", "今天天气很好。")
    >>> [r["kind"] for r in m["regions"]]
    ['whitespace', 'punctuation']
    """
    # Imported here: the alignment package pulls in rapidfuzz and diff-match-patch, which repair
    # and dedup users never need.
    from textmend.align import diff as align_diff

    model: dict[str, Any] = align_diff(a, b, a_id, b_id, **options)
    return model


# --- model loading ----------------------------------------------------------------------------------


def warm_up(config: RepairConfig | None = None) -> None:
    """Load the models and tables repair uses (module-level caches) into this process.

    Call it before forking workers (``datasets.map(num_proc=N)``, a process pool) so every
    worker inherits them instead of loading its own copy; calling it again costs nothing.
    """
    from textmend.repair import spinner
    from textmend.repair.config import DEFAULT_CONFIG
    from textmend.repair.pipeline import repair

    # A text that reaches every enabled fixer's loader: a ruby, GBK mojibake, a `?` decimal.
    repair("在全縣計劃生育優(yōu)質(zhì)服務(wù)工作，增長99?5%。´ó¼Ò好。", config)
    # The spinner gate loads its lexicons, jieba and word counts only for documents of 40 Han
    # characters or more, which the text above is not.
    spinner.warm_up(config or DEFAULT_CONFIG)
