"""Inputs and outputs: files, directories, stdin, JSON Lines; atomic writes.

Inputs are read as bytes: decoding is the repair pipeline's job (:mod:`textmend.repair.decode`).
Nothing here ever modifies an input unless asked to (:func:`atomic_write` with ``backup``).
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from textmend.document import Document
from textmend.errors import InputError
from textmend.repair.decode import Decoded, decode_bytes, looks_binary

STDIN = "-"


@dataclass(frozen=True, slots=True)
class InputItem:
    """One input stream: a file (``path``) or stdin (``path`` None).

    ``rel`` is the path relative to the directory argument it was found under, used to
    mirror the input tree under an output directory.
    """

    source: str
    path: Path | None
    rel: Path
    explicit: bool = True

    @property
    def is_stdin(self) -> bool:
        return self.path is None


def discover(
    inputs: Sequence[str], glob: str | None = None, jsonl: bool = False
) -> Iterator[InputItem | InputError]:
    """Expand INPUT arguments into items, in a deterministic order.

    Directories are walked recursively (sorted, hidden entries skipped) and filtered by
    ``glob`` (default ``*.jsonl`` with ``jsonl``, else every file). A missing or unreadable
    argument yields an :class:`InputError` in its place so the caller can report it and go on.
    """
    pattern = glob or ("*.jsonl" if jsonl else "*")
    for arg in inputs or [STDIN]:
        if arg == STDIN:
            yield InputItem("<stdin>", None, Path("stdin"))
            continue
        p = Path(arg)
        if p.is_dir():
            found = False
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or not fnmatch.fnmatch(name, pattern):
                        continue
                    fp = Path(root) / name
                    found = True
                    yield InputItem(str(fp), fp, fp.relative_to(p), explicit=False)
            if not found:
                yield InputError(arg, f"directory has no files matching {pattern!r}")
        elif p.exists():
            if not p.is_file():
                yield InputError(arg, "not a regular file")
            elif not os.access(p, os.R_OK):
                yield InputError(arg, "permission denied")
            else:
                yield InputItem(arg, p, Path(p.name))
        else:
            yield InputError(arg, "no such file or directory")


def read_bytes(item: InputItem) -> bytes:
    if item.path is None:
        return sys.stdin.buffer.read()
    try:
        return item.path.read_bytes()
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None


def read_text(item: InputItem) -> tuple[bytes, Decoded]:
    """The raw bytes of an input and their decoding (binary input raises InputError)."""
    data = read_bytes(item)
    return data, decode_bytes(data, item.source)


@dataclass(slots=True)
class JsonlRecord:
    """One line of a JSON Lines input.

    ``raw`` is the line's bytes (with its newline) so an unchanged record can be written back
    byte for byte. ``error`` is set when the line cannot be used; ``obj`` is then None.
    """

    lineno: int
    raw: bytes
    obj: dict[str, Any] | None = None
    doc_id: str = ""
    text: str | None = None
    error: InputError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def iter_jsonl(item: InputItem, text_field: str = "text", id_field: str = "id") -> Iterator[JsonlRecord]:
    """Stream records of a JSON Lines input; problems are attached to the record, not raised."""
    stream: BinaryIO
    if item.path is None:
        stream = sys.stdin.buffer
    else:
        try:
            stream = item.path.open("rb")
        except OSError as exc:
            raise InputError(item.source, exc.strerror or str(exc)) from None
    try:
        yield from _iter_jsonl_stream(stream, item.source, text_field, id_field)
    finally:
        if item.path is not None:
            stream.close()


def _iter_jsonl_stream(
    stream: BinaryIO, source: str, text_field: str, id_field: str
) -> Iterator[JsonlRecord]:
    for lineno, raw in enumerate(stream, start=1):
        where = f"{source}:{lineno}"
        rec = JsonlRecord(lineno, raw, doc_id=where)
        if not raw.strip():
            rec.error = InputError(where, "empty line")
            yield rec
            continue
        if looks_binary(raw):
            rec.error = InputError(where, "binary data (NUL bytes) in a JSON line")
            yield rec
            continue
        try:
            obj = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            rec.error = InputError(where, f"broken JSON line ({msg})")
            yield rec
            continue
        if not isinstance(obj, dict):
            rec.error = InputError(where, "JSON line is not an object")
            yield rec
            continue
        rec.obj = obj
        if id_field in obj and obj[id_field] is not None:
            rec.doc_id = str(obj[id_field])
        value = obj.get(text_field)
        if text_field not in obj:
            rec.error = InputError(where, f"missing field {text_field!r}")
        elif not isinstance(value, str):
            rec.error = InputError(where, f"field {text_field!r} is {type(value).__name__}, not a string")
        else:
            rec.text = value
        yield rec


def dump_jsonl(obj: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8, non-ASCII kept readable (never \\u-escaped)."""
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def read_documents(
    inputs: Sequence[str],
    *,
    glob: str | None = None,
    jsonl: bool = False,
    text_field: str = "text",
    id_field: str = "id",
    errors: list[InputError] | None = None,
) -> Iterator[Document]:
    """Documents from INPUT arguments: one per text file, or one per JSONL record.

    Problems are appended to ``errors`` (when given) and the stream goes on; without an
    ``errors`` list the first problem is raised.
    """

    def report(err: InputError) -> None:
        if errors is None:
            raise err
        errors.append(err)

    for item in discover(inputs, glob, jsonl):
        if isinstance(item, InputError):
            report(item)
            continue
        try:
            if jsonl:
                for rec in iter_jsonl(item, text_field, id_field):
                    if rec.error is not None:
                        report(rec.error)
                    elif rec.text is not None:
                        meta = {k: v for k, v in (rec.obj or {}).items() if k != text_field}
                        meta["source"] = item.source
                        yield Document(rec.doc_id, rec.text, meta)
            else:
                _, decoded = read_text(item)
                yield Document(
                    item.source, decoded.text, {"source": item.source, "encodings": decoded.encodings}
                )
        except InputError as err:
            report(err)


def atomic_write(path: Path, data: bytes, *, backup: bool = False) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory, fsync, rename.

    With ``backup`` the previous file is kept as ``path.bak`` (hard link when possible, so
    the original inode and its bytes survive untouched).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
            if backup:
                bak = path.with_name(path.name + ".bak")
                if bak.exists():
                    bak.unlink()
                try:
                    os.link(path, bak)
                except OSError:
                    shutil.copy2(path, bak)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class AtomicOutput:
    """A binary output file that appears only when closed successfully (no half-written files)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self._fh = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self._fh.write(data)

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
