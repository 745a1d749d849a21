"""Inputs and outputs: files, directories, stdin, JSON Lines; atomic writes.

Inputs are read as bytes: decoding is the repair pipeline's job (:mod:`textmend.repair.decode`).
Nothing here ever modifies an input unless asked to (:func:`atomic_write` with ``backup``).
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from textmend.document import Document
from textmend.errors import ConfigError, InputError
from textmend.repair.decode import Decoded, decode_bytes, looks_binary

STDIN = "-"

# Warnings (the record is still processed) go to this logger; with no logging configured,
# Python prints them on stderr as they are, one line each.
log = logging.getLogger("textmend.io")


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


def refuse_overwriting_inputs(
    items: Iterable[InputItem | InputError], outputs: Iterable[tuple[str, str | Path | None]]
) -> None:
    """Raise :class:`ConfigError` when an output (option name, path) is one of the input files:
    writing it would replace the input with no backup (``-o x.txt`` for ``x.txt``, or an input
    typed after ``--explain``). Only ``--in-place`` rewrites inputs, and it keeps a ``.bak``."""
    from textmend import storage

    inputs = {os.path.realpath(it.path) for it in items if isinstance(it, InputItem) and it.path is not None}
    for option, where in outputs:
        if where and not storage.is_url(str(where)) and os.path.realpath(where) in inputs:
            raise ConfigError(
                f"{option} {where} is one of the inputs; refusing to overwrite it "
                "(only --in-place rewrites inputs, keeping a .bak)"
            )


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
        from textmend import storage  # fsspec URLs (memory://, s3://, ...): textmend/storage.py

        arg = storage.localize(arg)
        if storage.is_url(arg):
            yield from storage.discover_url(arg, pattern)
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
    from textmend import storage

    if isinstance(item, storage.RemoteItem):
        return storage.read_bytes(item)
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


# A text input larger than STREAM_BYTES is read, decoded and repaired in parts of about
# PART_BYTES, so memory stays constant whatever the file size (a 1 GB file or one 200 MB line).
# Smaller inputs are read whole, as before; the repair pipeline bounds work the same way (it
# segments texts over 1M code points), so parts only add cuts a segmented text would have too.
STREAM_BYTES = 4 << 20
PART_BYTES = 1 << 20


def iter_text_parts(
    item: InputItem, part_bytes: int | None = None, stream_bytes: int | None = None
) -> Iterator[tuple[bytes, Decoded, int | None]]:
    """``(bytes, decoding, part number)`` of a text input: the whole input (part None) when it
    has at most ``stream_bytes``, else consecutive parts 0, 1, ... of about ``part_bytes`` cut
    at a paragraph or line end (else after ASCII punctuation or space, else at a UTF-8
    character boundary); the parts' bytes join to the input's. An empty input is one empty
    part. The sizes default to :data:`PART_BYTES` and :data:`STREAM_BYTES`."""

    part_bytes = part_bytes or PART_BYTES
    stream_bytes = stream_bytes or STREAM_BYTES

    stream = _open_binary(item)
    try:
        buf = _read(stream, stream_bytes + 1, item.source)
        if len(buf) <= stream_bytes:
            yield buf, decode_bytes(buf, item.source), None
            return
        n = 0
        while buf:
            if len(buf) < 2 * part_bytes:
                buf += _read(stream, 2 * part_bytes - len(buf), item.source)
            cut = len(buf) if len(buf) <= part_bytes else part_cut(buf, part_bytes)
            part, buf = buf[:cut], buf[cut:]
            yield part, decode_bytes(part, item.source, start=n == 0), n
            n += 1
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _open_binary(item: InputItem) -> BinaryIO:
    """The input's bytes as a stream: a remote (fsspec) object, stdin, or a local file."""
    from textmend import storage

    if isinstance(item, storage.RemoteItem):
        return storage.open_binary(item)
    if item.path is None:
        return sys.stdin.buffer
    try:
        return item.path.open("rb")
    except OSError as exc:
        raise InputError(item.source, exc.strerror or str(exc)) from None


def _read(stream: BinaryIO, n: int, source: str) -> bytes:
    try:
        return stream.read(n)
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from None


def part_cut(data: bytes, size: int) -> int:
    """Where to end a part of ``data`` of at most ``size`` bytes (and at least half that).

    A byte below 0x30 (newline, space, ASCII punctuation) is never the second byte of a GBK,
    Big5 or GB18030 character nor inside a UTF-8 one, so a cut after it splits no character in
    any codec we read; a line of legacy bytes without one is cut at a UTF-8 boundary, and at
    worst a split character is kept as escaped bytes (written back unchanged).

    >>> part_cut(b"abcdef\\n\\ng\\nh", 10), part_cut(b"abc def", 6), part_cut("中文字".encode(), 5)
    (8, 4, 3)
    """
    low = size // 2
    for sep in (b"\n\n", b"\n"):
        at = data.rfind(sep, low, size)
        if at != -1:
            return at + len(sep)
    for i in range(size - 1, low - 1, -1):
        if data[i] < 0x30:
            return i + 1
    for i in range(size, low, -1):
        if not 0x80 <= data[i] <= 0xBF:
            return i
    return size


@dataclass(slots=True)
class JsonlRecord:
    """One line of a JSON Lines input.

    ``raw`` is the line's bytes (with its newline) so an unchanged record can be written back
    byte for byte. ``error`` is set when the line cannot be used; ``obj`` is then None.
    ``duplicate_of`` is the line number of an earlier record of the same input with the same
    id (the record is still used: a repeated id is a warning, not an error).
    """

    lineno: int
    raw: bytes
    obj: dict[str, Any] | None = None
    doc_id: str = ""
    text: str | None = None
    error: InputError | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    duplicate_of: int | None = None


def iter_jsonl(item: InputItem, text_field: str = "text", id_field: str = "id") -> Iterator[JsonlRecord]:
    """Stream records of a JSON Lines input; problems are attached to the record, not raised.

    A record whose id field repeats an earlier record's gets ``duplicate_of`` and a one-line
    warning on the ``textmend.io`` logger naming the file, line and id.
    """
    from textmend import storage

    if storage.is_parquet(item.source):  # rows of a Parquet file, checked like JSON lines
        yield from _flag_duplicates(storage.iter_parquet(item, text_field, id_field), item.source)
        return
    stream = _open_binary(item)
    try:
        yield from _flag_duplicates(
            _iter_jsonl_stream(stream, item.source, text_field, id_field), item.source
        )
    finally:
        if stream is not sys.stdin.buffer:
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


def _flag_duplicates(records: Iterator[JsonlRecord], source: str) -> Iterator[JsonlRecord]:
    # Only ids read from the id field count (a record without one is named by its line, which
    # is unique). The first line of every id is kept: memory grows with the number of distinct
    # ids, not with the text.
    first: dict[str, int] = {}
    for rec in records:
        if rec.obj is not None and rec.doc_id != f"{source}:{rec.lineno}":
            seen = first.setdefault(rec.doc_id, rec.lineno)
            if seen != rec.lineno:
                rec.duplicate_of = seen
                log.warning(
                    "textmend: warning: %s:%d: duplicate id %r (first on line %d); the record is still processed",
                    source,
                    rec.lineno,
                    rec.doc_id,
                    seen,
                )
        yield rec


def dump_jsonl(obj: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8, non-ASCII kept readable (never \\u-escaped) except lone
    surrogates (bytes the decoder kept escaped), which UTF-8 cannot hold: they are written as
    JSON ``\\udcXX`` escapes, so the line stays valid and reads back to the same string.

    >>> dump_jsonl({"before": "中\\udcff"})
    b'{"before": "\\xe4\\xb8\\xad\\\\udcff"}\\n'
    """
    line = json.dumps(obj, ensure_ascii=False) + "\n"
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        # a surrogate can only be inside a JSON string, where \uXXXX is its exact escape
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", line).encode("utf-8")


_SURROGATE = re.compile("[\ud800-\udfff]")


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

    Problems (an empty file is one, as in ``textmend repair``) are appended to ``errors``
    (when given) and the stream goes on; without an ``errors`` list the first problem is raised.
    """
    return documents_of(
        discover(inputs, glob, jsonl), jsonl=jsonl, text_field=text_field, id_field=id_field, errors=errors
    )


def documents_of(
    items: Iterable[InputItem | InputError],
    *,
    jsonl: bool = False,
    text_field: str = "text",
    id_field: str = "id",
    errors: list[InputError] | None = None,
) -> Iterator[Document]:
    """:func:`read_documents` of inputs already found by :func:`discover`."""

    def report(err: InputError) -> None:
        if errors is None:
            raise err
        errors.append(err)

    for item in items:
        if isinstance(item, InputError):
            report(item)
            continue
        try:
            if jsonl or item.source.lower().endswith(".parquet"):  # Parquet rows are records
                seen = False
                for rec in iter_jsonl(item, text_field, id_field):
                    seen = True
                    if rec.error is not None:
                        report(rec.error)
                    elif rec.text is not None:
                        meta = {k: v for k, v in (rec.obj or {}).items() if k != text_field}
                        meta["source"] = item.source
                        yield Document(rec.doc_id, rec.text, meta)
                if not seen:
                    raise InputError(item.source, "empty file")
            else:
                data, decoded = read_text(item)
                if not data:
                    raise InputError(item.source, "empty file")
                yield Document(
                    item.source, decoded.text, {"source": item.source, "encodings": decoded.encodings}
                )
        except InputError as err:
            report(err)


_PENDING: set[str] = set()
"""Temp files of :func:`atomic_write` and :class:`AtomicOutput` not yet renamed or removed."""


def new_temp(path: Path) -> tuple[int, str]:
    """An open new temp file beside ``path`` (mode 0600, as ``tempfile.mkstemp`` makes it).

    Why not mkstemp: its name is known only once the file exists, so an interrupt (SIGTERM is
    raised as KeyboardInterrupt, see ``cli``) landing between the two left a stray ``.tmp``
    that nothing would remove. Here the name is registered in ``_PENDING`` before the file is
    created, and :func:`remove_pending_temps` removes whatever an interrupt left behind.
    """
    while True:
        name = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        _PENDING.add(name)
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), name
        except FileExistsError:
            _PENDING.discard(name)


def drop_temp(name: str) -> None:
    """Remove the temp file ``name`` if it is still there, and forget it."""
    if os.path.exists(name):
        os.unlink(name)
    _PENDING.discard(name)


def remove_pending_temps() -> None:
    """Remove every temp file this process started and neither renamed nor removed (an
    interrupted run's), so no half-written file is left beside the outputs."""
    for name in list(_PENDING):
        drop_temp(name)


def atomic_write(path: Path, data: bytes, *, backup: bool = False) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory, fsync, rename.

    With ``backup`` the previous file is kept as ``path.bak`` (hard link when possible, so
    the original inode and its bytes survive untouched).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = new_temp(directory / path.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _set_mode(tmp, path)
        if backup and path.exists():
            _keep_backup(path)
        os.replace(tmp, path)
        _PENDING.discard(tmp)
    except BaseException:
        drop_temp(tmp)
        raise


def _umask() -> int:
    # Only readable by setting it; read at each new output, since a caller may change it.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _set_mode(tmp: str, path: Path) -> None:
    """Give the temp file the mode ``path`` should end with: a replaced file keeps its own, a new
    one gets what ``open()`` would give it (0666 less the umask), not the temp file's 0600, so
    outputs written for others to read stay readable."""
    if path.exists():
        shutil.copymode(path, tmp)
    else:
        os.chmod(tmp, 0o666 & ~_umask())


def _keep_backup(path: Path) -> None:
    """``path.bak``: a hard link when possible, so the original inode and its bytes survive."""
    bak = path.with_name(path.name + ".bak")
    if bak.exists():
        bak.unlink()
    try:
        os.link(path, bak)
    except OSError:
        shutil.copy2(path, bak)


class AtomicOutput:
    """A binary output file that appears only when closed successfully (no half-written files).

    With ``backup`` it replaces an existing file the way :func:`atomic_write` does (its mode
    kept, the old file kept as ``path.bak``) while written in pieces: ``--in-place`` on a large
    file never holds the whole output in memory.
    """

    def __init__(self, path: Path, *, backup: bool = False) -> None:
        self.path = Path(path)
        self.backup = backup
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = new_temp(self.path)
        self._fh = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self._fh.write(data)

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        _set_mode(self._tmp, self.path)
        if self.backup and self.path.exists():
            _keep_backup(self.path)
        os.replace(self._tmp, self.path)
        _PENDING.discard(self._tmp)

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        drop_temp(self._tmp)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
