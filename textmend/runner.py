"""Batch jobs over many inputs: the library side of ``textmend repair`` (and ``clean``).

The runner streams inputs, repairs each document, writes outputs (stdout, a file, a mirrored
directory, or in place), writes the edit log, and counts what happened. Problems with one input
are reported through a callback and the job goes on (unless ``fail_fast``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from textmend.edits import RepairResult
from textmend.errors import ConfigError, InputError
from textmend.io import (
    STDIN,
    AtomicOutput,
    InputItem,
    atomic_write,
    discover,
    dump_jsonl,
    iter_jsonl,
    read_text,
)
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair


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
    """Routes each input's output: stdout, one file, a mirrored directory, or in place."""

    def __init__(self, opts: RunOptions, n_items: int, has_dir_input: bool, stack: ExitStack) -> None:
        self.opts = opts
        self.stack = stack
        self.single: AtomicOutput | None = None
        self.dir: Path | None = None
        out = opts.output
        if out and (Path(out).is_dir() or out.endswith(("/", "\\")) or n_items > 1 or has_dir_input):
            if Path(out).exists() and not Path(out).is_dir():
                raise ConfigError(f"--output {out} must be a directory for several inputs")
            self.dir = Path(out)
        elif out:
            self.single = AtomicOutput(Path(out))
            stack.callback(self._abort_single)

    def _abort_single(self) -> None:
        if self.single is not None:
            self.single.abort()

    def finish(self) -> None:
        if self.single is not None:
            self.single.commit()
            self.single = None

    def open_for(self, item: InputItem) -> tuple[Callable[[bytes], None], Callable[[bool], None]]:
        """A writer for ``item`` and a close(ok) function."""
        if self.opts.in_place and item.path is not None:
            chunks: list[bytes] = []
            path = item.path

            def close_in_place(ok: bool) -> None:
                if ok:
                    atomic_write(path, b"".join(chunks), backup=True)

            return chunks.append, close_in_place
        if self.dir is not None:
            target = AtomicOutput(self.dir / item.rel)

            def close_dir(ok: bool) -> None:
                # A failed input still gets its (pass-through) output, so nothing is lost.
                target.commit() if ok else target.abort()

            return target.write, close_dir
        if self.single is not None:
            return self.single.write, lambda ok: None
        out: BinaryIO = sys.stdout.buffer

        def write_stdout(data: bytes) -> None:
            out.write(data)

        return write_stdout, lambda ok: out.flush()


def run_repair(
    opts: RunOptions,
    config: RepairConfig,
    on_error: OnError,
    progress: Callable[[Iterator[InputItem]], Iterator[InputItem]] | None = None,
) -> RunStats:
    """Repair every input; return the counts. ``on_error`` receives each per-input problem."""
    validate(opts)
    stats = RunStats()
    t0 = time.perf_counter()
    items: list[InputItem] = []
    for it in discover(opts.inputs, opts.glob, opts.jsonl):
        if isinstance(it, InputError):
            stats.failures += 1
            _report(on_error, it, opts)
        else:
            items.append(it)
    has_dir = any(not it.explicit for it in items)
    with ExitStack() as stack:
        sink = _Sink(opts, len(items), has_dir, stack)
        explain: AtomicOutput | None = None
        if opts.explain:
            explain = stack.enter_context(AtomicOutput(Path(opts.explain)))
        iterator: Iterator[InputItem] = iter(items)
        if progress is not None:
            iterator = progress(iterator)
        for item in iterator:
            if opts.resume and sink.dir is not None and (sink.dir / item.rel).exists():
                # outputs appear only when complete (atomic rename), so an existing one is finished
                stats.skipped += 1
                continue
            stats.inputs += 1
            write, close = sink.open_for(item)
            ok = True
            try:
                if opts.jsonl:
                    ok = _repair_jsonl(item, opts, config, write, explain, stats, on_error)
                else:
                    _repair_text(item, config, write, explain, stats)
            except InputError as err:
                stats.failures += 1
                close(False)
                _report(on_error, err, opts)
                continue
            except BaseException:
                close(False)  # interrupted (Ctrl-C, SIGTERM) or failed: leave no half-written file
                raise
            close(ok or opts.jsonl)
        sink.finish()
    stats.seconds = time.perf_counter() - t0
    return stats


def _report(on_error: OnError, err: InputError, opts: RunOptions) -> None:
    on_error(err)
    if opts.fail_fast:
        raise FailFast(err)


def _count(result: RepairResult, stats: RunStats) -> None:
    stats.documents += 1
    if result.changed:
        stats.changed += 1
    for e in result.edits:
        stats.edits[e.kind] += 1
    stats.suggestions += len(result.suggestions)
    for f in result.flags:
        stats.flags[f.kind] += 1


def _write_explain(explain: AtomicOutput | None, doc_id: str, result: RepairResult) -> None:
    if explain is not None:
        for rec in explain_records(doc_id, result):
            explain.write(dump_jsonl(rec))


def _repair_text(
    item: InputItem,
    config: RepairConfig,
    write: Callable[[bytes], None],
    explain: AtomicOutput | None,
    stats: RunStats,
) -> None:
    data, decoded = read_text(item)
    if not data:
        raise InputError(item.source, "empty file")
    stats.bytes_in += len(data)
    result = repair(decoded.text, config)
    _count(result, stats)
    _write_explain(explain, item.source, result)
    if not result.changed and decoded.encodings in (["utf-8"], []):
        write(data)  # byte-identical: clean input comes back exactly as it was
    else:
        # surrogateescape gives back any byte the decoder could not place, so nothing is lost
        write(result.text.encode("utf-8", errors="surrogateescape"))


def _repair_jsonl(
    item: InputItem,
    opts: RunOptions,
    config: RepairConfig,
    write: Callable[[bytes], None],
    explain: AtomicOutput | None,
    stats: RunStats,
    on_error: OnError,
) -> bool:
    ok = True
    seen = False
    for rec in iter_jsonl(item, opts.text_field, opts.id_field):
        seen = True
        stats.bytes_in += len(rec.raw)
        if rec.error is not None or rec.obj is None or rec.text is None:
            ok = False
            stats.failures += 1
            write(rec.raw)  # passed through unchanged: line order and content are never lost
            if rec.error is not None:
                _report(on_error, rec.error, opts)
            continue
        result = repair(rec.text, config)
        _count(result, stats)
        _write_explain(explain, rec.doc_id, result)
        if not result.changed:
            write(rec.raw)
            continue
        obj = dict(rec.obj)
        obj[opts.text_field] = result.text
        if opts.keep_original:
            obj[f"{opts.text_field}_original"] = rec.text
        line = dump_jsonl(obj)
        write(line if rec.raw.endswith(b"\n") else line[:-1])
    if not seen:
        raise InputError(item.source, "empty file")
    return ok
