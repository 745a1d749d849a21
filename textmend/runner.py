"""Batch jobs over many inputs: the library side of ``textmend repair`` (and ``clean``).

The runner streams inputs, repairs each document, writes outputs (stdout, a file, a mirrored
directory, or in place), writes the edit log, and counts what happened. Problems with one input
are reported through a callback and the job goes on (unless ``fail_fast``).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from textmend import storage
from textmend.dedup.engines import Engine
from textmend.edits import Edit, RepairResult
from textmend.errors import ConfigError, InputError
from textmend.io import (
    STDIN,
    AtomicOutput,
    InputItem,
    JsonlRecord,
    discover,
    dump_jsonl,
    iter_jsonl,
    iter_text_parts,
    log,
    refuse_overwriting_inputs,
)
from textmend.repair.config import RepairConfig
from textmend.repair.parallel import DEFAULT_BATCH, repair_stream
from textmend.repair.pipeline import FIXER_ERROR
from textmend.storage import Output


@dataclass(frozen=True)
class RunOptions:
    """Where inputs come from and where results go (the CLI's I/O options)."""

    inputs: tuple[str, ...] = (STDIN,)
    glob: str | None = None
    jsonl: bool = False
    text_field: str = "text"
    id_field: str = "id"
    output: str | None = None
    in_place: bool = False
    explain: str | None = None
    keep_original: bool = False
    fail_fast: bool = False
    resume: bool = False
    engine: str | Engine = "local"
    """Who repairs the documents (``local``, ``processes``, ``dask`` or an engine object)."""
    scheduler: str | None = None
    """A running Dask scheduler's address (with ``engine="dask"``)."""
    output_format: str | None = None
    """``jsonl`` or ``parquet`` for record outputs [default: parquet for Parquet inputs]."""
    batch_size: int = DEFAULT_BATCH


@dataclass
class RunStats:
    """Counts for the end-of-run summary."""

    inputs: int = 0
    documents: int = 0
    changed: int = 0
    bytes_in: int = 0
    edits: Counter[str] = field(default_factory=Counter)
    suggestions: int = 0
    flags: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        mb = self.bytes_in / 1e6
        rate = f", {mb / self.seconds:.2f} MB/s" if self.seconds > 0 and mb > 0 else ""
        lines = [
            f"inputs: {self.inputs}  documents: {self.documents}  changed: {self.changed}  "
            f"failed: {self.failures}  bytes: {self.bytes_in:,}  time: {self.seconds:.2f}s{rate}"
        ]
        if self.skipped:
            lines.append(f"skipped (already done, --resume): {self.skipped}")
        if self.edits:
            lines.append("edits: " + ", ".join(f"{k} {n}" for k, n in sorted(self.edits.items())))
        if self.suggestions:
            lines.append(f"suggestions below --min-confidence (not applied): {self.suggestions}")
        if self.flags:
            lines.append("flagged: " + ", ".join(f"{k} {n}" for k, n in sorted(self.flags.items())))
        return lines


class FailFast(Exception):
    """Raised inside the runner to stop at the first failed input."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


OnError = Callable[[InputError], None]


def validate(opts: RunOptions) -> None:
    """Reject conflicting options before any input is touched."""
    if opts.in_place and opts.output:
        raise ConfigError("--in-place and --output cannot be used together")
    if opts.in_place and STDIN in opts.inputs:
        raise ConfigError("--in-place needs file inputs, not stdin")
    if opts.keep_original and not opts.jsonl:
        raise ConfigError("--keep-original needs --jsonl")
    if opts.in_place and any(storage.is_url(i) for i in opts.inputs):
        raise ConfigError("--in-place needs local files, not URLs")
    if opts.output_format is not None and opts.output_format not in storage.FORMATS:
        raise ConfigError(
            f"unknown output format {opts.output_format!r} (have: {', '.join(storage.FORMATS)})"
        )
    if opts.resume and not opts.output:
        raise ConfigError("--resume needs --output DIR (finished outputs are what it skips)")


def explain_records(doc_id: str, result: RepairResult) -> Iterator[dict[str, Any]]:
    """The edit log of one document as JSON objects (applied edits, suggestions, flags)."""
    for k, step in enumerate(result.steps):
        for e in step.edits:
            yield {"doc": doc_id, "status": "applied", "step": k, "fixer": step.fixer, **e.to_dict()}
    for e in result.suggestions:
        yield {"doc": doc_id, "status": "suggested", **e.to_dict()}
    for e in result.flags:
        yield {"doc": doc_id, "status": "flag", **e.to_dict()}


class _Sink:
    """Routes each input's output: stdout, one file, a directory (mirrored input tree, or one
    shard ``part-NNNNN`` per input shard), or in place; local paths or fsspec URLs."""

    def __init__(self, opts: RunOptions, items: list[InputItem], stack: ExitStack) -> None:
        self.opts = opts
        self.stack = stack
        self.single: Output | None = None
        self.dir: str | None = None
        records = [opts.jsonl or storage.is_parquet(it.source) for it in items]
        has_dir = any(not it.explicit for it in items)
        parquet_in = any(storage.is_parquet(it.source) for it in items)
        if opts.output_format is not None and not all(records):
            raise ConfigError("--format needs record inputs (--jsonl or Parquet files)")
        self.fmt = opts.output_format or ("parquet" if parquet_in else "jsonl")
        out = opts.output
        if out and (storage.isdir(out) or out.endswith(("/", "\\")) or len(items) > 1 or has_dir):
            if storage.exists(out) and not storage.isdir(out):
                raise ConfigError(f"--output {out} must be a directory for several inputs")
            self.dir = out
            # Records read from shards (a directory or URL prefix, Parquet files) or converted
            # with --format are written as numbered shards; other inputs keep their names.
            self.shards = (
                bool(records) and all(records) and (opts.output_format is not None or has_dir or parquet_in)
            )
        elif out:
            single_fmt = (
                "parquet" if all(records) and (self.fmt == "parquet" or storage.is_parquet(out)) else "jsonl"
            )
            self.single = storage.open_output(out, single_fmt)
            stack.callback(self._abort_single)

    def target(self, item: InputItem, k: int) -> str | None:
        """Where the output of input number ``k`` goes when writing to a directory."""
        if self.dir is None:
            return None
        if self.shards:
            return storage.join(self.dir, storage.shard_name(k, self.fmt))
        return storage.join(self.dir, item.rel)

    def _abort_single(self) -> None:
        if self.single is not None:
            self.single.abort()

    def finish(self) -> None:
        if self.single is not None:
            self.single.commit()
            self.single = None

    def open_for(self, item: InputItem, k: int) -> tuple[Callable[[bytes], None], Callable[[bool], None]]:
        """A writer for input number ``k`` and a close(ok) function."""
        if self.opts.in_place and item.path is not None:
            # streamed to a temp file beside the input, renamed over it (keeping .bak) at the end
            replacement = AtomicOutput(item.path, backup=True)

            def close_in_place(ok: bool) -> None:
                replacement.commit() if ok else replacement.abort()

            return replacement.write, close_in_place
        where = self.target(item, k)
        if where is not None:
            fmt = self.fmt if self.shards or storage.is_parquet(where) else "jsonl"
            out = storage.open_output(where, fmt)

            def close_dir(ok: bool) -> None:
                # A failed input still gets its (pass-through) output, so nothing is lost.
                out.commit() if ok else out.abort()

            return out.write, close_dir
        if self.single is not None:
            return self.single.write, lambda ok: None
        stdout: BinaryIO = sys.stdout.buffer

        def write_stdout(data: bytes) -> None:
            stdout.write(data)

        return write_stdout, lambda ok: stdout.flush()


@dataclass(slots=True)
class _Unit:
    """One step of the stream the engine works through, in input order: an input's start,
    each of its documents (``text`` is what gets repaired), its end, or its failure."""

    kind: str  # "skip", "start", "text", "record", "end" or "error"
    item: InputItem
    k: int = 0
    text: str | None = None
    data: bytes = b""
    encodings: tuple[str, ...] = ()
    rec: JsonlRecord | None = None
    error: InputError | None = None
    # A text input over io.STREAM_BYTES comes as several "text" units (parts 0, 1, ...) so
    # memory stays bounded; ``offset`` is the code points of the input before this part.
    part: int | None = None
    offset: int = 0


def _unit_text(u: _Unit) -> str | None:
    return u.text


def _units(items: Iterator[tuple[int, InputItem]], opts: RunOptions, sink: _Sink) -> Iterator[_Unit]:
    """Read the inputs lazily (on the driver) into units; reading problems become units too,
    so they reach the writer in order instead of stopping the engine's stream."""
    for k, item in items:
        where = sink.target(item, k)
        if opts.resume and where is not None and storage.exists(where):
            # outputs appear only when complete (atomic rename), so an existing one is finished
            yield _Unit("skip", item, k)
            continue
        yield _Unit("start", item, k)
        try:
            if opts.jsonl or storage.is_parquet(item.source):
                seen = False
                for rec in iter_jsonl(item, opts.text_field, opts.id_field):
                    seen = True
                    usable = rec.error is None and rec.obj is not None
                    yield _Unit("record", item, k, text=rec.text if usable else None, rec=rec)
                if not seen:
                    raise InputError(item.source, "empty file")
            else:
                offset = 0
                for data, decoded, part in iter_text_parts(item):
                    if not data:
                        raise InputError(item.source, "empty file")
                    encodings = tuple(decoded.encodings)
                    yield _Unit("text", item, k, decoded.text, data, encodings, part=part, offset=offset)
                    offset += len(decoded.text)
        except InputError as err:
            yield _Unit("error", item, k, error=err)
            continue
        yield _Unit("end", item, k)


def run_repair(
    opts: RunOptions,
    config: RepairConfig,
    on_error: OnError,
    progress: Callable[[Iterator[InputItem]], Iterator[InputItem]] | None = None,
) -> RunStats:
    """Repair every input; return the counts. ``on_error`` receives each per-input problem.

    The documents are repaired on ``opts.engine`` (local, processes, dask), in batches; the
    inputs are read and the outputs written here, in input order, so every engine writes the
    same bytes with the same guarantees (atomic outputs, ``--resume``).
    """
    validate(opts)
    stats = RunStats()
    t0 = time.perf_counter()
    items: list[InputItem] = []
    for it in discover(opts.inputs, opts.glob, opts.jsonl):
        if isinstance(it, InputError):
            stats.failures += 1
            _report(on_error, it, opts)
        elif not _in_output_dir(it, opts.output):
            items.append(it)
    with ExitStack() as stack:
        sink = _Sink(opts, items, stack)
        _refuse_writing_over_inputs(opts, items, sink)
        explain: AtomicOutput | None = None
        if opts.explain:
            explain = AtomicOutput(Path(opts.explain))
            stack.callback(explain.abort)  # a no-op once committed
        iterator: Iterator[InputItem] = iter(items)
        if progress is not None:
            iterator = progress(iterator)
        numbered = enumerate(iterator)
        units = repair_stream(
            _units(numbered, opts, sink), _unit_text, config, opts.engine, opts.scheduler, opts.batch_size
        )
        _write_units(units, opts, sink, explain, stats, on_error)
        sink.finish()
        # A run that read no document has nothing to log: an existing file named by --explain
        # (say an input typed after it, with stdin empty) is kept, not replaced by an empty log.
        if explain is not None and (stats.documents or not stats.failures or not explain.path.exists()):
            explain.commit()
    stats.seconds = time.perf_counter() - t0
    return stats


def _in_output_dir(item: InputItem, output: str | None) -> bool:
    """A file found by walking an input directory that lies inside the output directory is an
    earlier run's output (``repair scraped/ -o scraped/fixed/``, run again), not an input."""
    if item.explicit or item.path is None or not output or storage.is_url(output):
        return False
    out = os.path.realpath(output)
    found = Path(os.path.realpath(item.path))
    root = found.parents[len(item.rel.parts) - 1]  # the directory argument it was found under
    # The output directory strictly inside that directory: one that is the directory itself
    # would be written over its inputs, which _refuse_writing_over_inputs reports.
    return str(found).startswith(out + os.sep) and out.startswith(str(root) + os.sep)


def _refuse_writing_over_inputs(opts: RunOptions, items: list[InputItem], sink: _Sink) -> None:
    """Outputs (one file, or each input's file under a directory) and the edit log must not
    be inputs: see :func:`textmend.io.refuse_overwriting_inputs`."""
    outputs: list[tuple[str, str | None]] = [("--explain", opts.explain)]
    if opts.output and not opts.in_place:
        if sink.single is not None:
            outputs.append(("--output", opts.output))
        else:
            outputs.extend(("--output", sink.target(it, k)) for k, it in enumerate(items))
    refuse_overwriting_inputs(items, outputs)


def _write_units(
    units: Iterator[tuple[_Unit, RepairResult | None]],
    opts: RunOptions,
    sink: _Sink,
    explain: AtomicOutput | None,
    stats: RunStats,
    on_error: OnError,
) -> None:
    close: Callable[[bool], None] | None = None
    write: Callable[[bytes], None] = _nowhere
    changed, parts, start_bytes = False, 0, 0  # of the current input read in parts
    try:
        for unit, result in units:
            if unit.kind == "skip":
                stats.skipped += 1
            elif unit.kind == "start":
                stats.inputs += 1
                write, close = sink.open_for(unit.item, unit.k)
                changed, parts, start_bytes = False, 0, stats.bytes_in
            elif unit.kind == "text":
                assert result is not None
                stats.bytes_in += len(unit.data)
                _count(result, stats, new_doc=not unit.part, counted=changed)
                _warn_fixer_errors(result, unit.item.source, stats)
                changed = changed or result.changed
                where = {"part": unit.part, "offset": unit.offset} if unit.part is not None else {}
                _write_explain(explain, unit.item.source, result, where)
                parts = unit.part + 1 if unit.part is not None else 0
                if not result.changed and list(unit.encodings) in (["utf-8"], []):
                    write(unit.data)  # byte-identical: clean input comes back exactly as it was
                else:
                    # surrogateescape gives back any byte the decoder could not place, so nothing is lost
                    write(result.text.encode("utf-8", errors="surrogateescape"))
            elif unit.kind == "record":
                assert unit.rec is not None
                _write_record(unit.rec, result, opts, write, explain, stats, on_error, unit.item.source)
            elif unit.kind == "error":
                assert unit.error is not None
                stats.failures += 1
                if close is not None:
                    close(False)
                close = None
                _report(on_error, unit.error, opts)
            elif unit.kind == "end":
                if parts:  # read in parts: say so, like the pipeline's "segmented" flag
                    note = (
                        f"input of {stats.bytes_in - start_bytes:,} bytes read and repaired in {parts} parts"
                    )
                    _count_flag(explain, unit.item.source, Edit(0, 0, "", "", "segmented", 1.0, note), stats)
                if close is not None:
                    close(True)
                close = None
    except BaseException:
        if close is not None:
            close(False)  # interrupted (Ctrl-C, SIGTERM) or failed: leave no half-written file
        raise


def _report(on_error: OnError, err: InputError, opts: RunOptions) -> None:
    on_error(err)
    if opts.fail_fast:
        raise FailFast(err)


def _count(result: RepairResult, stats: RunStats, new_doc: bool = True, counted: bool = False) -> None:
    """Add one document's counts; a later part of a document read in parts (``new_doc``
    False) adds its edits, and counts it changed unless an earlier part was (``counted``)."""
    stats.documents += new_doc
    if result.changed and not counted:
        stats.changed += 1
    for e in result.edits:
        stats.edits[e.kind] += 1
    stats.suggestions += len(result.suggestions)
    for f in result.flags:
        stats.flags[f.kind] += 1


def _warn_fixer_errors(result: RepairResult, where: str, stats: RunStats) -> None:
    """A fixer that crashed on a document was skipped for it (the other repairs are kept): say
    so in one line naming the document, and count it as a failure (non-zero exit)."""
    errors = [f for f in result.flags if f.kind == FIXER_ERROR]
    for f in errors:
        log.warning(f"textmend: warning: {where}: {f.note}")
    if errors:
        stats.failures += 1


def _write_explain(
    explain: AtomicOutput | None, doc_id: str, result: RepairResult, where: dict[str, int] | None = None
) -> None:
    """``where`` (part, offset) marks records of a part: positions are relative to the part."""
    if explain is not None:
        for rec in explain_records(doc_id, result):
            explain.write(dump_jsonl({**rec, **where} if where else rec))


def _count_flag(explain: AtomicOutput | None, doc_id: str, flag: Edit, stats: RunStats) -> None:
    stats.flags[flag.kind] += 1
    if explain is not None:
        explain.write(dump_jsonl({"doc": doc_id, "status": "flag", **flag.to_dict()}))


def _nowhere(data: bytes) -> None:
    raise AssertionError("a document before its input's start")


def _write_record(
    rec: JsonlRecord,
    result: RepairResult | None,
    opts: RunOptions,
    write: Callable[[bytes], None],
    explain: AtomicOutput | None,
    stats: RunStats,
    on_error: OnError,
    source: str = "",
) -> None:
    stats.bytes_in += len(rec.raw)
    if result is None or rec.obj is None or rec.text is None:
        stats.failures += 1
        write(rec.raw)  # passed through unchanged: line order and content are never lost
        if rec.error is not None:
            _report(on_error, rec.error, opts)
        return
    _count(result, stats)
    _warn_fixer_errors(result, f"{source}:{rec.lineno} ({rec.doc_id})", stats)
    _write_explain(explain, rec.doc_id, result)
    if not result.changed:
        write(rec.raw)
        return
    obj = dict(rec.obj)
    obj[opts.text_field] = result.text
    if opts.keep_original:
        obj[f"{opts.text_field}_original"] = rec.text
    line = dump_jsonl(obj)
    write(line if rec.raw.endswith(b"\n") else line[:-1])
