"""Documents/second of ``Dataset.map(textmend.hf.repair_batch, batched=True)`` with 1 and 2
processes, next to ftfy's ``fix_text`` through the same ``map`` (the anchor), in one run.

Documents are short: paragraphs of the PRC and Taiwan law corpora (../shared), every fifth one
damaged with pinyin ruby glued after its characters, as in seed 003, and one in fifty each read
through a wrong codec (UTF-8 as latin-1, GBK as latin-1: the commonest web mojibake).

Every textmend batch also reports its worker's pid and how often that process has loaded each
model or table, to check that models load once per worker (forked workers inherit what
``warm_up`` loaded in the parent; with ``--no-warm-up`` each worker loads its own, once).

    python -m bench pipeline [--docs 100000] [--batch 256] [--procs 1,2] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from typing import Any

from bench.common import need_shared, pinyin_errors, print_table


def _paragraphs(n: int) -> list[str]:
    from pypinyin import Style, pinyin

    shared = need_shared()
    paras: list[str] = []
    for name in ("laws-cn.jsonl", "laws-tw.jsonl"):
        with (shared / "corpora" / name).open(encoding="utf-8") as f:
            for line in f:
                for p in json.loads(line)["text"].split("\n"):
                    p = p.strip()
                    if 10 <= len(p) <= 400:
                        paras.append(p)
    docs: list[str] = []
    k = 0
    while len(docs) < n:
        p = paras[k % len(paras)]
        if k % 5 == 0:  # ruby damage on one character in three, as in seed 003
            readings = pinyin(p, style=Style.TONE, errors=pinyin_errors(""))
            p = "".join(
                ch + (f"({r[0]})" if i % 3 == 0 and r and r[0] and r[0] != ch else "")
                for i, (ch, r) in enumerate(zip(p, readings, strict=False))
            )
        elif k % 50 == 1:
            p = p.encode("utf-8").decode("latin-1")
        elif k % 50 == 2:
            try:
                p = p.encode("gbk").decode("latin-1")
            except UnicodeEncodeError:
                pass  # a character GBK lacks (Taiwan text): left clean
        docs.append(p)
        k += 1
    return docs


def _ftfy_batch(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    import ftfy

    return {"text": [ftfy.fix_text(t) for t in batch["text"]]}


def _load_counts() -> str:
    """How many times this process has loaded each model/table (cache misses of their loaders)."""
    from textmend.lm.registry import _load
    from textmend.repair import spinner
    from textmend.spinner import lexicon, wordfreq

    counts = {
        "lm": _load.cache_info().misses,
        "cedict": lexicon.cedict.cache_info().misses,
        "cilin": lexicon.cilin.cache_info().misses,
        "wordfreq": wordfreq._table.cache_info().misses,
        "index": spinner._index.cache_info().misses,
    }
    return ",".join(f"{k}={v}" for k, v in counts.items())


def _textmend_batch(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    from textmend.hf import repair_batch

    out = repair_batch(batch)
    n = len(batch["text"])
    out["_pid"] = [os.getpid()] * n
    out["_loads"] = [_load_counts()] * n
    return out


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main(args: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench pipeline")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--procs", default="1,2", help="process counts to run, comma-separated")
    ap.add_argument("--no-warm-up", action="store_true", help="let each worker load its own models")
    opts = ap.parse_args(args)
    procs_list = [int(p) for p in opts.procs.split(",")]

    import datasets

    from textmend.api import warm_up

    datasets.disable_progress_bars()
    docs = _paragraphs(opts.docs)
    chars = sum(map(len, docs))
    ds = datasets.Dataset.from_dict({"text": docs})
    print(f"{len(docs):,} documents, {chars / len(docs):.0f} characters on average, cpus={os.cpu_count()}")
    if not opts.no_warm_up:
        t0 = time.perf_counter()
        warm_up()  # models load once here; forked workers inherit them
        print(f"warm_up: {time.perf_counter() - t0:.1f} s; loads in the parent: {_load_counts()}")
    rows: list[list[Any]] = []
    workers: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, Any, int]] = []
        for procs in procs_list:
            runs.append(("ftfy.fix_text (anchor)", _ftfy_batch, procs))
            runs.append(("textmend repair_batch", _textmend_batch, procs))
        for k, (label, fn, procs) in enumerate(runs):
            load_before = _load()
            t0 = time.perf_counter()
            out = ds.map(
                fn,
                batched=True,
                batch_size=opts.batch,
                num_proc=procs if procs > 1 else None,
                cache_file_name=f"{tmp}/m{k}.arrow",
            )
            sec = time.perf_counter() - t0
            changed = sum(out["changed"]) if "changed" in out.column_names else "-"
            rows.append([label, procs, sec, len(docs) / sec, changed, load_before, _load()])
            if "_pid" in out.column_names:
                per: dict[int, list[str]] = defaultdict(list)
                for pid, loads in zip(out["_pid"], out["_loads"], strict=True):
                    per[pid].append(loads)
                for pid, seen in sorted(per.items()):
                    # Rows of one batch share a value; the last batch's counts are the process's total.
                    workers.append([procs, pid, -(-len(seen) // opts.batch), seen[-1]])
    rate = {(r[0].split()[0], r[1]): r[3] for r in rows}
    table = [[*r[:5], r[3] / rate[("ftfy.fix_text", r[1])], *r[5:]] for r in rows]
    print_table(
        "datasets.map over short documents (load average = 1/5/15 min, before and after)",
        ["function", "processes", "seconds", "docs/s", "changed", "x ftfy", "load before", "load after"],
        table,
    )
    print_table(
        "model loads per worker process (cache misses of each loader, inherited ones included)",
        ["processes", "pid", "batches", "loads"],
        workers,
    )
