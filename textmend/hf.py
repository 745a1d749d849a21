"""Hugging Face ``datasets`` adapter: repair a text column with ``Dataset.map`` and drop
near-duplicates from a ``Dataset``.

``repair_batch`` is a plain function over a batch (a dict of column lists), so it needs nothing
but textmend and works with ``num_proc``::

    ds = ds.map(textmend.hf.repair_batch, batched=True, num_proc=2)
    ds = ds.map(textmend.hf.repair_batch, batched=True, fn_kwargs={"column": "content"})

Models load once per worker process: repair keeps them in module-level caches, and
:func:`textmend.api.warm_up` before ``map`` lets forked workers inherit them. Each distinct text
of a batch is repaired once.

>>> out = repair_batch({"text": ["優(yōu)質(zhì)服務", "今天天气很好。"]})
>>> out["text"], out["changed"], out["n_edits"]
(['優質服務', '今天天气很好。'], [True, False], [2, 0])
>>> from textmend import apply_plan
>>> apply_plan("優(yōu)質(zhì)服務", out["edits"][0])
'優質服務'
"""

from __future__ import annotations

from typing import Any

from textmend.dedup.config import DedupConfig
from textmend.edits import RepairResult
from textmend.errors import ConfigError, MissingDependency
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

NOT_SCORED = float("nan")
"""``spun_score`` of a text the spinner detector did not score. Why NaN, not None: Arrow types a
column from its first batch, and an all-None first batch would fix it as ``null``."""


def result_columns(
    results: list[RepairResult], not_scored: float | None = NOT_SCORED
) -> dict[str, list[Any]]:
    """The columns added for a list of repair results (shared with :mod:`textmend.frames`).

    - ``changed`` (bool), ``n_edits`` (int): applied edits;
    - ``edits`` (str): the JSON plan of :meth:`RepairResult.plan_json` -- every applied edit,
      grouped by fixer pass, replayable with :func:`textmend.apply_plan` on the original text.
      A string, not a list of structs: a batch without any edit would type that column ``null``;
    - ``spun_score`` (float): ``not_scored`` unless the spinner detector scored the text.
    """
    return {
        "changed": [r.changed for r in results],
        "n_edits": [len(r.edits) for r in results],
        "edits": [r.plan_json() for r in results],
        "spun_score": [r.spun_score if r.spun_score is not None else not_scored for r in results],
    }


def repair_batch(
    batch: dict[str, list[Any]],
    column: str = "text",
    config: RepairConfig | None = None,
    keep_original: str | None = None,
) -> dict[str, list[Any]]:
    """Repair ``batch[column]`` for ``Dataset.map(batched=True)``.

    Returns the repaired texts under ``column`` plus the :func:`result_columns`; with ``keep_original="raw"`` the input texts are kept under ``raw``.
    ``None`` texts stay ``None`` (no edits).
    """
    if column not in batch:
        raise ConfigError(f"batch has no column {column!r} (have: {', '.join(batch)})")
    texts = batch[column]
    # Each distinct text once: scraped corpora repeat boilerplate paragraphs, and a result is
    # immutable, so rows with the same text can share it.
    done: dict[str, RepairResult] = {}
    for t in texts:
        if t is not None and t not in done:
            done[t] = repair(t, config)
    empty = RepairResult(text="")
    results = [done[t] if t is not None else empty for t in texts]
    out: dict[str, list[Any]] = {
        column: [r.text if t is not None else None for r, t in zip(results, texts, strict=True)]
    }
    out.update(result_columns(results))
    if keep_original:
        out[keep_original] = list(texts)
    return out


def _require_datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependency("datasets", extra="hf") from None
    return datasets


class NearDuplicateFilter:
    """Drop near-duplicates from a ``datasets.Dataset``, keeping the first copy of each cluster.

    Construction checks that ``datasets`` is installed. Calling the filter hashes the text column
    once (through :class:`textmend.api.Deduplicator`, in batches) and returns the filtered
    dataset; :attr:`last_dropped` maps each dropped row's id to the id of the earlier row it
    duplicates, and ``with_reason=True`` returns the whole dataset with ``duplicate_of`` and
    ``similarity`` columns instead of filtering.
    """

    def __init__(
        self,
        column: str = "text",
        id_column: str | None = None,
        config: DedupConfig | None = None,
        **options: Any,
    ) -> None:
        self._datasets = _require_datasets()
        self.column = column
        self.id_column = id_column
        self.config = config
        self.options = options
        self.last_dropped: dict[str, str] = {}

    def annotate(self, dataset: Any) -> tuple[list[str | None], list[float]]:
        """For every row: the id of the earlier row it duplicates (or None), and the similarity."""
        from textmend.api import Deduplicator

        if self.column not in dataset.column_names:
            raise ConfigError(f"dataset has no column {self.column!r}")
        texts = dataset[self.column]
        ids = (
            [str(x) for x in dataset[self.id_column]]
            if self.id_column
            else [str(i) for i in range(len(texts))]
        )
        dd = Deduplicator(self.config, **self.options)
        found = dd.add_many(zip(ids, ((t or "") for t in texts), strict=True))
        dup_of: list[str | None] = []
        sims: list[float] = []
        for i in ids:
            # A row is dropped when it duplicates any earlier row: first-come-kept, as a stream would.
            matches = found[i]
            dup_of.append(matches[0].id if matches else None)
            sims.append(matches[0].similarity if matches else 0.0)
        self.last_dropped = {i: d for i, d in zip(ids, dup_of, strict=True) if d is not None}
        return dup_of, sims

    def __call__(self, dataset: Any, with_reason: bool = False) -> Any:
        dup_of, sims = self.annotate(dataset)
        if with_reason:
            return dataset.add_column("duplicate_of", dup_of).add_column("similarity", sims)
        keep = [i for i, d in enumerate(dup_of) if d is None]
        return dataset.select(keep)


def filter_near_duplicates(dataset: Any, column: str = "text", **options: Any) -> Any:
    """``NearDuplicateFilter(column, **options)(dataset)``: the dataset without near-duplicates."""
    return NearDuplicateFilter(column, **options)(dataset)
