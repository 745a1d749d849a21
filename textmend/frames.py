"""pandas / polars adapter: repair a text column of a data frame in one call.

Each distinct text is repaired once (web corpora repeat boilerplate-only and empty rows), and
``workers > 1`` spreads the distinct texts over a process pool whose workers load the models once.

>>> import pandas as pd  # doctest: +SKIP
>>> df = pd.DataFrame({"text": ["優(yōu)質(zhì)服務", "今天天气很好。"]})  # doctest: +SKIP
>>> repair_frame(df)[["text", "changed", "n_edits"]].values.tolist()  # doctest: +SKIP
[['優質服務', True, 2], ['今天天气很好。', False, 0]]
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from typing import Any

from textmend.edits import RepairResult
from textmend.errors import ConfigError, MissingDependency
from textmend.hf import result_columns
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

_CHUNK = 256


def _repair_chunk(job: tuple[list[str], RepairConfig | None]) -> list[RepairResult]:
    texts, config = job
    return [repair(t, config) for t in texts]


def repair_texts(
    texts: Sequence[str | None], config: RepairConfig | None = None, workers: int = 1
) -> list[RepairResult | None]:
    """Repair a sequence of texts (None stays None), each distinct text once."""
    distinct = list(dict.fromkeys(t for t in texts if t is not None))
    if workers > 1 and len(distinct) > _CHUNK:
        from textmend.api import warm_up

        warm_up(config)  # before the fork, so every worker inherits the loaded models
        chunks = [(distinct[i : i + _CHUNK], config) for i in range(0, len(distinct), _CHUNK)]
        with multiprocessing.get_context().Pool(workers) as pool:
            done = [r for part in pool.imap(_repair_chunk, chunks) for r in part]
    else:
        done = _repair_chunk((distinct, config))
    by_text = dict(zip(distinct, done, strict=True))
    return [by_text[t] if t is not None else None for t in texts]


def _columns(results: list[RepairResult | None], column: str) -> dict[str, list[Any]]:
    present = [r if r is not None else RepairResult(text="") for r in results]
    cols = result_columns(present, not_scored=None)
    out: dict[str, list[Any]] = {column: [r.text if r is not None else None for r in results]}
    for name, values in cols.items():
        out[name] = [v if r is not None else None for v, r in zip(values, results, strict=True)]
    return out


def repair_frame(
    df: Any,
    column: str = "text",
    config: RepairConfig | None = None,
    workers: int = 1,
    keep_original: str | None = None,
    prefix: str = "",
) -> Any:
    """A copy of ``df`` (pandas or polars) with ``column`` repaired and the columns of
    :func:`textmend.hf.result_columns` added (named ``prefix + name``). ``keep_original`` names
    a column that keeps the input texts.
    """
    kind = _frame_kind(df)
    if column not in list(df.columns):
        raise ConfigError(f"data frame has no column {column!r}")
    # Missing values arrive as None (polars) or NaN (pandas): both mean "no text".
    texts = [t if isinstance(t, str) else None for t in df[column].to_list()]
    cols = _columns(repair_texts(texts, config, workers), column)
    if keep_original:
        cols = {keep_original: texts, **cols}
    cols = {(k if k == column or k == keep_original else prefix + k): v for k, v in cols.items()}
    if kind == "pandas":
        out = df.copy()
        for name, values in cols.items():
            out[name] = values
        return out
    import polars as pl

    return df.with_columns([pl.Series(name, values) for name, values in cols.items()])


def _frame_kind(df: Any) -> str:
    """'pandas' or 'polars'; the library must be importable (it is, if it made ``df``)."""
    module = type(df).__module__.split(".", 1)[0]
    if module not in ("pandas", "polars"):
        raise ConfigError(f"expected a pandas or polars DataFrame, not {type(df).__name__}")
    try:
        __import__(module)
    except ImportError:
        raise MissingDependency(module, extra="frames") from None
    return module


class FrameRepairer:
    """A reusable ``repair_frame`` with fixed options; construction checks that pandas or polars
    (``library``) is installed, with an install hint otherwise."""

    def __init__(
        self,
        library: str = "pandas",
        column: str = "text",
        config: RepairConfig | None = None,
        workers: int = 1,
    ) -> None:
        if library not in ("pandas", "polars"):
            raise ConfigError(f"library must be pandas or polars, not {library!r}")
        try:
            __import__(library)
        except ImportError:
            raise MissingDependency(library, extra="frames") from None
        self.column, self.config, self.workers = column, config, workers

    def __call__(self, df: Any) -> Any:
        return repair_frame(df, self.column, self.config, self.workers)
