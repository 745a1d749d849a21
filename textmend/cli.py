"""The ``textmend`` command line: a thin click layer over the library.

Options map onto the pipelines' config objects; library exceptions become one-line messages.
Exit codes: 0 success, 1 some input failed (each reported, the others still processed),
2 usage error. ``textmend diff`` follows diff(1): 0 same, 1 different, 2 error.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from textmend.document import Document
from textmend.errors import ConfigError, InputError, TextmendError
from textmend.io import (
    STDIN,
    AtomicOutput,
    InputItem,
    discover,
    documents_of,
    dump_jsonl,
    refuse_overwriting_inputs,
    remove_pending_temps,
)
from textmend.repair.config import (
    BOILERPLATE_CHOICES,
    PLACEHOLDER_CHOICES,
    PUNCT_CHOICES,
    SCRIPT_CHOICES,
    SPINNER_CHOICES,
    RepairConfig,
)
from textmend.runner import FailFast, RunOptions, run_repair

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class State:
    """Process-wide CLI state (the --debug flag and whether anything failed)."""

    debug = bool(os.environ.get("TEXTMEND_DEBUG"))
    stats = False


def _say(message: str) -> None:
    click.echo(f"textmend: {message}", err=True)


def _on_error(err: InputError) -> None:
    _say(str(err))


# ---------------------------------------------------------------- option bundles


def input_options(fn: F) -> F:
    """INPUT arguments and how to read them (shared by repair, dedup and clean)."""
    for deco in reversed(
        [
            click.option(
                "--glob",
                metavar="PATTERN",
                help="File-name pattern for directory inputs [default: * (*.jsonl with --jsonl)].",
            ),
            click.option("--jsonl", is_flag=True, help="Inputs are JSON Lines: one document per line."),
            click.option(
                "--text-field", default="text", show_default=True, help="JSONL field holding the text."
            ),
            click.option(
                "--id-field",
                default="id",
                show_default=True,
                help="JSONL field naming the record in messages and output.",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def _documents(
    inputs: Sequence[str],
    kw: dict[str, Any],
    errors: list[InputError] | None = None,
    outputs: Sequence[tuple[str, str | Path | None]] = (),
) -> Iterator[Document]:
    """Documents from INPUT arguments, read as the :func:`input_options` in ``kw`` say. The
    inputs are found first, so ``outputs`` (option name, path) naming one of them are refused
    before anything is read (:func:`textmend.io.refuse_overwriting_inputs`)."""
    items = list(discover(inputs, kw["glob"], kw["jsonl"]))
    refuse_overwriting_inputs(items, outputs)
    return documents_of(
        items, jsonl=kw["jsonl"], text_field=kw["text_field"], id_field=kw["id_field"], errors=errors
    )


def run_options(fn: F) -> F:
    """How a batch run behaves on problems and what it prints."""
    for deco in reversed(
        [
            click.option(
                "--fail-fast",
                is_flag=True,
                help="Stop at the first input that fails (default: report it and go on).",
            ),
            click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary on stderr."),
            click.option(
                "--stats", is_flag=True, help="Print the summary on stderr even when it is not a terminal."
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def engine_options(fn: F) -> F:
    """Who runs the work (shared by repair, dedup and clean); every engine gives the same output."""
    for deco in reversed(
        [
            click.option(
                "--engine",
                type=click.Choice(["local", "processes", "dask"]),
                default="local",
                show_default=True,
                help="Who runs the steps: this process, a local process pool, or Dask; results are identical.",
            ),
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                default=None,
                help="A running Dask scheduler, e.g. tcp://host:8786 (with --engine dask) [default: a local cluster].",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def repair_options(fn: F) -> F:
    """Toggles for every fixer family; they map onto :class:`RepairConfig`."""
    d = RepairConfig()
    for deco in reversed(
        [
            click.option(
                "--encoding/--no-encoding",
                default=d.encoding,
                show_default=True,
                help="Undo mojibake (UTF-8/GBK/Big5 mix-ups).",
            ),
            click.option(
                "--bytedamage/--no-bytedamage",
                default=d.bytedamage,
                show_default=True,
                help="Undo edits made on raw GBK bytes.",
            ),
            click.option(
                "--ruby/--no-ruby",
                default=d.ruby,
                show_default=True,
                help="Remove pinyin glued after characters.",
            ),
            click.option(
                "--lostchar/--no-lostchar",
                default=d.lostchar,
                show_default=True,
                help="Restore '?' standing for lost characters (99?5).",
            ),
            click.option(
                "--lines/--no-lines",
                default=d.lines,
                show_default=True,
                help="Rejoin lines hard-wrapped inside sentences.",
            ),
            click.option(
                "--boilerplate",
                type=click.Choice(BOILERPLATE_CHOICES),
                default=d.boilerplate,
                show_default=True,
                help="Remove site preambles and watermarks.",
            ),
            click.option(
                "--placeholders",
                type=click.Choice(PLACEHOLDER_CHOICES),
                default=d.placeholders,
                show_default=True,
                help="Site placeholders (×××, **年).",
            ),
            click.option(
                "--punct",
                type=click.Choice(PUNCT_CHOICES),
                default=d.punct,
                show_default=True,
                help="Punctuation convention inside Chinese.",
            ),
            click.option(
                "--script",
                type=click.Choice(SCRIPT_CHOICES),
                default=d.script,
                show_default=True,
                help="Convert the script (OpenCC phrase conversion).",
            ),
            click.option(
                "--spinner",
                type=click.Choice(SPINNER_CHOICES),
                default=d.spinner,
                show_default=True,
                help="Spun-text reversal (auto reverses only with --lm or --spinner-table; "
                "with the default model it flags suspects).",
            ),
            click.option(
                "--min-confidence",
                type=click.FloatRange(0, 1),
                default=d.min_confidence,
                show_default=True,
                help="Apply only edits at least this confident; others are reported. "
                "At 0.6 or below, UTF-8 read as Big5 also writes its guesses for lost characters.",
            ),
            click.option(
                "--lm",
                "lm_path",
                type=click.Path(dir_okay=False),
                default=None,
                help="Language model built with 'textmend lm build' [default: bundled].",
            ),
            click.option(
                "--spinner-table",
                type=click.Path(dir_okay=False),
                default=None,
                help="Reversal table from 'textmend spinner learn', used as a prior.",
            ),
            click.option(
                "--boilerplate-lines",
                type=click.Path(dir_okay=False),
                default=None,
                help="Learned boilerplate table (see --learn-boilerplate).",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


_CONFIG_KEYS = (
    "encoding", "bytedamage", "ruby", "lostchar", "lines", "boilerplate", "placeholders",
    "punct", "script", "spinner", "min_confidence", "lm_path", "boilerplate_lines", "spinner_table",
)  # fmt: skip


def _repair_config(kwargs: dict[str, Any]) -> RepairConfig:
    return RepairConfig(**{k: kwargs.pop(k) for k in _CONFIG_KEYS})


def _progress(quiet: bool, total_hint: str) -> Callable[[Iterator[InputItem]], Iterator[InputItem]] | None:
    if quiet or not sys.stderr.isatty():
        return None

    def wrap(items: Iterator[InputItem]) -> Iterator[InputItem]:
        from tqdm import tqdm

        yield from tqdm(items, desc=total_hint, unit="file", file=sys.stderr, leave=False)

    return wrap


def _summary(lines: list[str], quiet: bool) -> None:
    if not quiet and (State.stats or sys.stderr.isatty()):
        for line in lines:
            click.echo(line, err=True)


# ---------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="textmend")
@click.option("--debug", is_flag=True, help="Show a Python traceback for unexpected errors.")
def cli(debug: bool) -> None:
    """Repair corrupted Chinese web text; find, align and report near-duplicates.

    \b
    Examples:
      textmend repair damaged.txt -o fixed.txt --explain edits.jsonl
      textmend repair --jsonl corpus.jsonl -o cleaned.jsonl
      textmend dedup --jsonl corpus.jsonl -o clusters.jsonl --report report/
      textmend diff a.txt b.txt --format html -o diff.html
    """
    State.debug = State.debug or debug


# ---------------------------------------------------------------- repair


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@input_options
@click.option(
    "-o",
    "--output",
    metavar="FILE|DIR",
    help="Write here instead of stdout; a directory mirrors the input tree.",
)
@click.option("--in-place", is_flag=True, help="Rewrite input files atomically, keeping FILE.bak.")
@click.option(
    "--explain", metavar="FILE", help="Write every edit (applied, suggested, flagged) as JSON Lines."
)
@click.option(
    "--keep-original", is_flag=True, help="With --jsonl, keep the input text in TEXT_FIELD_original."
)
@click.option(
    "--resume",
    is_flag=True,
    help="With -o DIR, skip inputs whose output already exists (after an interrupted run).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "parquet"]),
    default=None,
    help="Record output format; with -o DIR, one part-NNNNN file per input shard "
    "[default: parquet for Parquet inputs, else jsonl].",
)
@click.option(
    "--learn-boilerplate",
    "learn_corpus",
    metavar="CORPUS",
    multiple=True,
    help="Learn lines repeated across many documents of CORPUS and remove them too.",
)
@repair_options
@engine_options
@run_options
def repair(inputs: tuple[str, ...], **kw: Any) -> None:
    """Repair text files, directories, JSON Lines or stdin.

    INPUT is a file, a directory (searched recursively, see --glob) or - for stdin (the
    default). Output is UTF-8. Clean text comes back byte for byte.

    \b
    Examples:
      textmend repair page.txt                       # repaired text on stdout
      textmend repair scraped/ -o fixed/ --explain edits.jsonl
      textmend repair --jsonl --text-field content data.jsonl -o out.jsonl
      cat page.txt | textmend repair --script simplified --punct fullwidth
      textmend repair --in-place notes/*.txt         # keeps notes/*.txt.bak
      textmend repair shards/ --glob '*.parquet' -o fixed/   # fixed/part-00000.parquet, ...
      textmend repair --jsonl s3://bucket/crawl/ -o s3://bucket/fixed/ --engine dask --scheduler tcp://head:8786
    """
    quiet, fail_fast, State.stats = kw.pop("quiet"), kw.pop("fail_fast"), kw.pop("stats")
    learn_corpus = kw.pop("learn_corpus")
    config = _repair_config(kw)
    if learn_corpus:
        config = _learn_boilerplate(learn_corpus, config, kw)
    opts = RunOptions(inputs=inputs or (STDIN,), fail_fast=fail_fast, **kw)
    try:
        stats = run_repair(opts, config, _on_error, _progress(quiet, "repair"))
    except FailFast:
        sys.exit(EXIT_FAILED)
    _summary(stats.summary_lines(), quiet)
    if stats.failures:
        sys.exit(EXIT_FAILED)


def _remove_quietly(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)


def _learn_boilerplate(corpus: tuple[str, ...], config: RepairConfig, kw: dict[str, Any]) -> RepairConfig:
    from textmend.repair import boilerplate

    docs = _documents(corpus, kw)
    table = boilerplate.learn(d.text for d in docs)
    # The config names a table file (so it can be replayed and shared); keep this one for the run only.
    fd, name = tempfile.mkstemp(prefix="textmend-boilerplate-", suffix=".json")
    os.close(fd)
    atexit.register(_remove_quietly, name)
    boilerplate.save(table, Path(name))
    return config.with_options(boilerplate_lines=name)


# ---------------------------------------------------------------- dedup


def dedup_options(fn: F) -> F:
    for deco in reversed(
        [
            click.option(
                "--threshold",
                type=click.FloatRange(0, 1),
                default=None,
                help="Jaccard similarity of character n-grams that makes a near-duplicate [default: 0.5].",
            ),
            click.option(
                "--level",
                type=click.Choice(["document", "passage"]),
                default="document",
                show_default=True,
                help="Whole documents, or passages shared between documents.",
            ),
            click.option(
                "--keep",
                type=click.Choice(["longest", "first", "cleanest"]),
                default="longest",
                show_default=True,
                help="Which document represents its cluster.",
            ),
            click.option(
                "--ngram",
                type=click.IntRange(1, 64),
                default=None,
                help="Shingle size in characters [default: 5].",
            ),
            click.option(
                "--num-perm",
                type=click.IntRange(16, 1024),
                default=None,
                help="MinHash permutations [default: 128].",
            ),
            click.option(
                "--index",
                "index_dir",
                metavar="DIR",
                default=None,
                help="Persisted index: load it, add these documents, save it.",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def _dedup_config(kw: dict[str, Any]) -> Any:
    from textmend.dedup import DedupConfig

    opts: dict[str, Any] = {"level": kw.pop("level"), "keep": kw.pop("keep")}
    for key in ("threshold", "ngram", "num_perm"):
        value = kw.pop(key)
        if value is not None:
            opts[key] = value
    return DedupConfig(**opts)


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@input_options
@click.option("-o", "--output", metavar="FILE", help="Write the JSON Lines here instead of stdout.")
@click.option(
    "--report",
    "report_dir",
    metavar="DIR",
    help="Write an HTML report: an index of clusters linking to pair diffs.",
)
@dedup_options
@engine_options
@run_options
def dedup(inputs: tuple[str, ...], **kw: Any) -> None:
    """Find near-duplicate documents (or shared passages).

    Writes one JSON object per input document: id, cluster (shared by the members of one
    cluster), keep (true for its representative) and similarity (to the representative).
    With --level passage, one object per shared passage with offsets in both documents.

    \b
    Examples:
      textmend dedup --jsonl corpus.jsonl -o clusters.jsonl
      textmend dedup speeches/ --threshold 0.5 --report report/
      textmend dedup --level passage a.txt b.txt
    """
    quiet, fail_fast, State.stats = kw.pop("quiet"), kw.pop("fail_fast"), kw.pop("stats")
    config = _dedup_config(kw)
    errors: list[InputError] = []
    docs = list(_documents(inputs or (STDIN,), kw, errors, [("--output", kw["output"])]))
    for err in errors:
        _on_error(err)
    if errors and fail_fast:
        sys.exit(EXIT_FAILED)
    t0 = time.perf_counter()
    from textmend.dedup import find_duplicates, find_passages

    lines: list[bytes]
    if config.level == "passage":
        passages = find_passages(docs, config)
        lines = [dump_jsonl(p.to_dict()) for p in passages]
        summary = [
            f"documents: {len(docs)}  shared passages: {len(passages)}  time: {time.perf_counter() - t0:.2f}s"
        ]
    else:
        result = find_duplicates(
            docs, config, engine=kw["engine"], scheduler=kw["scheduler"], index_dir=kw["index_dir"]
        )
        lines = [dump_jsonl(r.to_dict()) for r in result.records]
        summary = result.summary_lines(time.perf_counter() - t0)
        if kw["report_dir"]:
            from textmend.reporting import write_dedup_report

            write_dedup_report(docs, result, Path(kw["report_dir"]))
            summary.append(f"report: {Path(kw['report_dir']) / 'index.html'}")
    _write_lines(lines, kw["output"])
    _summary(summary, quiet)
    if errors:
        sys.exit(EXIT_FAILED)


def _write_lines(lines: list[bytes], output: str | None) -> None:
    if output:
        with AtomicOutput(Path(output)) as out:
            for line in lines:
                out.write(line)
    else:
        for line in lines:
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()


# ---------------------------------------------------------------- diff


def _read_one(path: str) -> tuple[str, str]:
    from textmend.io import discover, read_text

    items = list(discover([path]))
    item = items[0]
    if isinstance(item, InputError):
        raise item
    if len(items) != 1 or not item.explicit:
        raise InputError(path, "expected a file, not a directory")
    return item.source, read_text(item)[1].text


@cli.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True
)
@click.option("-o", "--output", metavar="FILE", help="Write the report here instead of stdout.")
@click.option(
    "--context",
    type=click.IntRange(0, 10000),
    default=20,
    show_default=True,
    help="Characters of context around regions (text format).",
)
@click.option("--kinds", metavar="KIND,...", default=None, help="Show only these region kinds (text format).")
@click.option(
    "--stat", is_flag=True, help="Only the summary: similarities and counts per kind (text format)."
)
@click.option(
    "--color/--no-color", default=None, help="Colour the text format [default: when stdout is a terminal]."
)
def diff(
    a: str,
    b: str,
    fmt: str,
    output: str | None,
    context: int,
    kinds: str | None,
    stat: bool,
    color: bool | None,
) -> None:
    """Align two texts and show how they differ.

    Exit status like diff(1): 0 identical after normalisation, 1 different, 2 error.

    \b
    Examples:
      textmend diff copy1.txt copy2.txt
      textmend diff copy1.txt copy2.txt --format html -o diff.html
      textmend diff a.txt b.txt --format json | jq '.regions | length'
    """
    from textmend.align import diff as align_diff

    try:
        refuse_overwriting_inputs(discover((a, b)), [("--output", output)])
        (a_id, a_text), (b_id, b_text) = _read_one(a), _read_one(b)
        model = align_diff(a_text, b_text, a_id=a_id, b_id=b_id)
    except TextmendError as exc:  # like diff(1): trouble is 2, "different" is 1
        _say(str(exc))
        sys.exit(2)
    if fmt == "json":
        # one line per pair, so outputs concatenate into JSON Lines (spinner learn reads them)
        rendered = json.dumps(model, ensure_ascii=False, sort_keys=True) + "\n"
    elif fmt == "html":
        from textmend.report.html import render_html

        rendered = render_html(model)
    else:
        from textmend.report.terminal import render_terminal

        use_color = color if color is not None else (output is None and sys.stdout.isatty())
        width = shutil.get_terminal_size((100, 24)).columns
        kind_set = set(kinds.split(",")) if kinds else None
        rendered = render_terminal(
            model, color=use_color, width=width, context=context, kinds=kind_set, stat=stat
        )
    if rendered and not rendered.endswith("\n"):
        rendered += "\n"
    if output:
        with AtomicOutput(Path(output)) as out:
            out.write(rendered.encode("utf-8"))
    else:
        click.echo(rendered, nl=False)
    sys.exit(0 if model["stats"]["identical"] else 1)


# ---------------------------------------------------------------- clean


@cli.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@input_options
@click.option(
    "-o", "--output", metavar="FILE", required=True, help="Cleaned JSON Lines: the kept documents, repaired."
)
@click.option(
    "--excluded",
    metavar="FILE",
    help="Write removed duplicates here with the reason [default: OUTPUT.excluded.jsonl].",
)
@click.option(
    "--report", "report_dir", metavar="DIR", help="Also write an HTML report of the duplicate clusters."
)
@click.option(
    "--merge/--no-merge",
    "do_merge",
    default=False,
    help="Rebuild each cluster's text by consensus of its members.",
)
@repair_options
@dedup_options
@engine_options
@run_options
def clean(inputs: tuple[str, ...], **kw: Any) -> None:
    """Repair, then deduplicate, then write the cleaned corpus and a report.

    Writes JSON Lines: one object per kept document (id, text, cluster, members), and the
    removed duplicates to --excluded with the reason, so nothing is lost.

    \b
    Examples:
      textmend clean scraped/ -o clean.jsonl --report report/
      textmend clean --jsonl corpus.jsonl -o clean.jsonl --merge
    """
    from textmend.cleaning import CleanOptions, run_clean

    quiet, fail_fast, State.stats = kw.pop("quiet"), kw.pop("fail_fast"), kw.pop("stats")
    config = _repair_config(kw)
    dconfig = _dedup_config(kw)
    errors: list[InputError] = []
    opts = CleanOptions(
        output=Path(kw["output"]),
        excluded=Path(kw["excluded"]) if kw["excluded"] else None,
        report_dir=Path(kw["report_dir"]) if kw["report_dir"] else None,
        merge=kw["do_merge"],
        engine=kw["engine"],
        scheduler=kw["scheduler"],
    )
    outputs = [("--output", opts.output), ("--excluded", opts.excluded_path)]
    docs = _documents(inputs or (STDIN,), kw, errors, outputs)
    summary = run_clean(docs, config, dconfig, opts)
    for err in errors:
        _on_error(err)
    _summary(summary, quiet)
    if errors:
        sys.exit(EXIT_FAILED)
    del fail_fast


# ---------------------------------------------------------------- merge


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="WITNESS...")
@click.option("-o", "--output", metavar="FILE", help="Write the merged text here instead of stdout.")
@click.option("--sources", metavar="FILE", help="Write where each reading came from as JSON.")
def merge(inputs: tuple[str, ...], output: str | None, sources: str | None) -> None:
    """Rebuild the best text of a cluster of copies by consensus.

    Prefers readings without corruption flags (?, lost numbers, 锟斤拷), then the majority,
    then the first witness; records where each reading came from.

    \b
    Example:
      textmend merge copy1.txt copy2.txt copy3.txt -o merged.txt --sources sources.json
    """
    from textmend.align import merge as consensus

    refuse_overwriting_inputs(discover(inputs), [("--output", output), ("--sources", sources)])
    witnesses = [_read_one(p) for p in inputs]
    if len(witnesses) < 2:
        raise click.UsageError("merge needs at least two witnesses")
    result = consensus(witnesses)
    if output:
        with AtomicOutput(Path(output)) as out:
            out.write(result.text.encode("utf-8"))
    else:
        click.echo(result.text, nl=False)
    if sources:
        with AtomicOutput(Path(sources)) as out:
            out.write(json.dumps(result.sources_json(), ensure_ascii=False, indent=1).encode("utf-8"))


# ---------------------------------------------------------------- lm, spinner


@cli.group()
def lm() -> None:
    """The language model that scores repair candidates."""


@lm.command("build")
@click.argument("corpus", nargs=-1, required=True, metavar="CORPUS...")
@click.option("-o", "--output", metavar="MODEL", required=True, help="Model file to write.")
@input_options
@click.option(
    "--order",
    type=click.IntRange(2, 6),
    default=None,
    help="Character n-gram order [default: the model's own].",
)
@click.option(
    "--min-count",
    type=click.IntRange(1),
    default=None,
    help="Drop n-grams of three characters or more seen fewer times (1 keeps all: the best model; 2 "
    "makes it about 2.7x smaller) [default: 1 up to 8 million n-grams, "
    "about 11 million characters of text; 2 above].",
)
def lm_build(
    corpus: tuple[str, ...], output: str, order: int | None, min_count: int | None, **kw: Any
) -> None:
    """Train a model on your own corpus (in-domain text scores best, and the more the better).

    \b
    Example:
      textmend lm build --jsonl gov-docs.jsonl -o gov.tmlm && textmend repair --lm gov.tmlm x.txt
    """
    from textmend.lm import build_model

    errors: list[InputError] = []
    docs = _documents(corpus, kw, errors, [("--output", output)])
    texts = (d.text for d in docs)
    if order:
        build_model(texts, output, order=order, min_count=min_count)
    else:
        build_model(texts, output, min_count=min_count)
    for err in errors:
        _on_error(err)
    if errors:
        sys.exit(EXIT_FAILED)


@cli.group()
def spinner() -> None:
    """Spun-text ("伪原创") reversal tables."""


@spinner.command("learn")
@click.argument("alignments", metavar="ALIGNMENTS")
@click.option("-o", "--output", metavar="TABLE", required=True, help="Reversal table to write.")
@click.option(
    "--spun",
    type=click.Choice(["auto", "a", "b"]),
    default="auto",
    show_default=True,
    help="Which witness of each pair is the spun copy (auto: the language model decides per pair).",
)
def spinner_learn(alignments: str, output: str, spun: str) -> None:
    """Mine substitution pairs from diff JSON Lines into a reversal table.

    ALIGNMENTS holds one diff object per line, as written by `textmend diff --format json`.
    The table (spun form -> original, with counts) is a prior for `textmend repair --spinner`.

    \b
    Example:
      textmend diff source.txt spun.txt --format json >> pairs.jsonl
      textmend spinner learn pairs.jsonl --spun b -o table.json
    """
    from textmend.spinner.table import learn_file

    table = learn_file(alignments, output, spun=spun)
    click.echo(f"textmend: {len(table)} substitution pairs written to {output}", err=True)


# ---------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Console entry point: one-line errors, documented exit codes, never a traceback."""
    args = sys.argv[1:] if argv is None else argv
    debug = State.debug or "--debug" in args
    _terminate_as_interrupt()
    try:
        cli.main(args=args, prog_name="textmend", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        ctx = exc.ctx
        where = f" {ctx.command_path.removeprefix('textmend').strip()}" if ctx is not None else ""
        hint = f" (see 'textmend{where} --help')"
        _say(f"{exc.format_message()}{hint}")
        return EXIT_USAGE
    except click.ClickException as exc:
        _say(exc.format_message())
        return exc.exit_code
    except click.Abort:
        _say("aborted")
        return 130
    except ConfigError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except TextmendError as exc:
        _say(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    except Exception as exc:
        if debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)")
        return EXIT_FAILED
    finally:
        # Outputs still being written when the run stopped (an interrupt, inside click an
        # Abort, can land between creating a temp file and the code that removes it).
        remove_pending_temps()
    return EXIT_OK


def _terminate_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so partial outputs are removed and the run can be resumed."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a library worker): leave it alone
        pass


def entry() -> None:
    sys.exit(main())


__all__ = ["cli", "entry", "main"]
