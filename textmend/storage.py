"""Inputs and outputs on any fsspec filesystem, and Parquet record shards.

An INPUT or ``--output`` that is a URL (``memory://``, ``s3://bucket/corpus/``, ``gs://...``)
is read and written through fsspec; ``file://`` URLs are plain local paths. A ``.parquet`` input
is a table of records, one document per row, read like a JSON Lines file (the same field checks
and error messages). Outputs appear only when complete: a temporary name, then a rename.

Optional dependencies, checked when first needed: ``fsspec`` (``pip install 'textmend[cloud]'``,
plus the backend of your store, e.g. ``s3fs``) and ``pyarrow`` (``pip install
'textmend[parquet]'``).
"""

from __future__ import annotations

import fnmatch
import io
import json
import posixpath
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from textmend.errors import ConfigError, InputError, MissingDependency
from textmend.io import AtomicOutput, InputItem, JsonlRecord, _iter_jsonl_stream, atomic_write

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
FORMATS = ("jsonl", "parquet")


def is_url(path: str) -> bool:
    """True for a URL that needs fsspec (anything with a scheme except ``file://``)."""
    return bool(_URL.match(path)) and not path.startswith("file://")


def localize(path: str) -> str:
    """``file:///x/y`` -> ``/x/y`` (local paths keep the local, fsync'ed atomic writes)."""
    return path[len("file://") :] if path.startswith("file://") else path


def is_parquet(name: str) -> bool:
    return name.lower().endswith(".parquet")


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path inside it."""
    try:
        import fsspec
    except ImportError:
        raise MissingDependency("fsspec", extra="cloud") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:  # the store's backend (s3fs, gcsfs, ...) is not installed
        raise ConfigError(f"{url}: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{url}: {exc}") from None
    return fs, path


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency("pyarrow", extra="parquet") from None
    return pa, pq


@dataclass(frozen=True, slots=True)
class RemoteItem(InputItem):
    """An input on an fsspec filesystem: ``path`` is None (it is not a local file) and ``url``
    names it."""

    url: str = ""


def discover_url(arg: str, pattern: str) -> Iterator[InputItem | InputError]:
    """Like :func:`textmend.io.discover` for one URL: a file, or a prefix walked recursively
    (sorted, hidden names skipped, filtered by ``pattern``)."""
    fs, root = filesystem(arg)
    try:
        if fs.isdir(root):
            found = False
            base = root.rstrip("/")
            for p in sorted(fs.find(root)):
                rel = posixpath.relpath(p, base)
                if any(part.startswith(".") for part in rel.split("/")):
                    continue
                if not fnmatch.fnmatch(posixpath.basename(p), pattern):
                    continue
                found = True
                url = fs.unstrip_protocol(p)
                yield RemoteItem(url, None, Path(rel), explicit=False, url=url)
            if not found:
                yield InputError(arg, f"directory has no files matching {pattern!r}")
        elif fs.isfile(root):
            yield RemoteItem(arg, None, Path(posixpath.basename(root)), url=arg)
        else:
            yield InputError(arg, "no such file or directory")
    except OSError as exc:
        yield InputError(arg, exc.strerror or str(exc))


def read_bytes(item: RemoteItem) -> bytes:
    fs, path = filesystem(item.url)
    try:
        return cast(bytes, fs.cat_file(path))
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None


def open_binary(item: RemoteItem) -> BinaryIO:
    fs, path = filesystem(item.url)
    try:
        return cast(BinaryIO, fs.open(path, "rb"))
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None


def iter_parquet(item: InputItem, text_field: str = "text", id_field: str = "id") -> Iterator[JsonlRecord]:
    """The rows of a Parquet file as records, checked exactly like JSON Lines records
    (``lineno`` is the row number). Columns are carried as JSON values, so a row written back
    unchanged keeps its strings, numbers, lists and nulls; other types (timestamps, binary)
    become strings."""
    _, pq = _pyarrow()
    try:
        handle: Any = open_binary(item) if isinstance(item, RemoteItem) else item.path
        pf = pq.ParquetFile(handle)
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on non-Parquet
        raise InputError(item.source, f"not a readable Parquet file ({exc})") from None

    def lines() -> Iterator[bytes]:
        for batch in pf.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                yield (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode("utf-8")

    yield from _iter_jsonl_stream(cast(BinaryIO, lines()), item.source, text_field, id_field)


# ---------------------------------------------------------------- outputs


class Output(Protocol):
    """A byte sink that appears at its target only on :meth:`commit`."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class RemoteOutput:
    """A file on an fsspec filesystem, written under a hidden temporary name and renamed when
    committed (on object stores the object appears whole either way)."""

    def __init__(self, url: str) -> None:
        self.fs, self.path = filesystem(url)
        parent, name = posixpath.split(self.path)
        self.fs.makedirs(parent, exist_ok=True)
        self._tmp = posixpath.join(parent, f".{name}.{uuid.uuid4().hex}.tmp")
        self._fh = self.fs.open(self._tmp, "wb")

    def write(self, data: bytes) -> None:
        self._fh.write(data)

    def commit(self) -> None:
        self._fh.close()
        self.fs.mv(self._tmp, self.path)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        if self.fs.exists(self._tmp):
            self.fs.rm(self._tmp)


class ParquetOutput:
    """Collects JSON lines and writes them as one Parquet file on commit.

    A whole shard is held in memory until then (a Parquet file's schema is fixed when it is
    written). A line that is not a JSON object (a broken input line passed through) is kept as
    a row ``{"_unparsed": line}`` so nothing is lost.
    """

    def __init__(self, target: str) -> None:
        _pyarrow()
        self.target = target
        self._lines: list[bytes] = []

    def write(self, data: bytes) -> None:
        self._lines.append(data)

    def commit(self) -> None:
        pa, pq = _pyarrow()
        rows = [_row(line) for line in b"".join(self._lines).splitlines() if line.strip()]
        buf = io.BytesIO()
        pq.write_table(_table(pa, rows), buf)
        self._lines.clear()
        if is_url(self.target):
            out = RemoteOutput(self.target)
            out.write(buf.getvalue())
            out.commit()
        else:
            atomic_write(Path(self.target), buf.getvalue())

    def abort(self) -> None:
        self._lines.clear()


def _table(pa: Any, rows: list[dict[str, Any]]) -> Any:
    """A table with a column for every key of any row (missing values null). A column whose
    values have no common Arrow type (a number here, a string there) is stored as JSON text."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    columns = {}
    for k in keys:
        values = [r.get(k) for r in rows]
        try:
            columns[k] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[k] = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values])
    return pa.table(columns) if keys else pa.table({})


def _row(line: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        obj = None
    if isinstance(obj, dict):
        return obj
    return {"_unparsed": line.decode("utf-8", errors="replace")}


def open_output(target: str, fmt: str = "jsonl") -> Output:
    """An atomic output at ``target`` (a local path or a URL) in ``fmt``: ``jsonl`` writes the
    bytes as given, ``parquet`` turns the JSON lines into a table."""
    target = localize(target)
    if fmt == "parquet":
        return ParquetOutput(target)
    if is_url(target):
        return RemoteOutput(target)
    return AtomicOutput(Path(target))


def exists(target: str) -> bool:
    target = localize(target)
    if is_url(target):
        fs, path = filesystem(target)
        return bool(fs.exists(path))
    return Path(target).exists()


def isdir(target: str) -> bool:
    target = localize(target)
    if is_url(target):
        fs, path = filesystem(target)
        return bool(fs.isdir(path))
    return Path(target).is_dir()


def join(directory: str, rel: str | Path) -> str:
    """``rel`` under ``directory`` (a local path or a URL prefix)."""
    directory = localize(directory)
    if is_url(directory):
        return directory.rstrip("/") + "/" + Path(rel).as_posix()
    return str(Path(directory) / rel)


def shard_name(k: int, fmt: str) -> str:
    """``part-00000.jsonl``: shard ``k`` of a sharded output, one per input shard, in input order."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown output format {fmt!r} (have: {', '.join(FORMATS)})")
    return f"part-{k:05d}.{fmt}"
