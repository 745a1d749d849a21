"""Documents/second of ``Dataset.map(textmend.hf.repair_batch, batched=True)`` with 1 and 2
processes, next to ftfy's ``fix_text`` through the same ``map`` (the anchor), in one run.

Documents are short: paragraphs of the PRC and Taiwan law corpora (../shared), every fifth one
damaged with pinyin ruby glued after its characters, as in seed 003.

    python -m bench pipeline [--docs 100000] [--batch 256]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any

from bench.common import need_shared, print_table


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
            readings = pinyin(p, style=Style.TONE, errors=lambda s: [""] * len(s))
            p = "".join(
                ch + (f"({r[0]})" if i % 3 == 0 and r and r[0] and r[0] != ch else "")
                for i, (ch, r) in enumerate(zip(p, readings, strict=False))
            )
        docs.append(p)
        k += 1
    return docs


def _ftfy_batch(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    import ftfy

    return {"text": [ftfy.fix_text(t) for t in batch["text"]]}


def main(args: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench pipeline")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=256)
    opts = ap.parse_args(args)

    import datasets

    from textmend.api import warm_up
    from textmend.hf import repair_batch

    datasets.disable_progress_bars()
    docs = _paragraphs(opts.docs)
    chars = sum(map(len, docs))
    ds = datasets.Dataset.from_dict({"text": docs})
    print(f"{len(docs):,} documents, {chars / len(docs):.0f} characters on average, cpus={os.cpu_count()}")
    warm_up()  # models load once here; forked workers inherit them
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, Any, int | None]] = [
            ("ftfy.fix_text (anchor)", _ftfy_batch, None),
            ("textmend repair_batch", repair_batch, None),
            ("textmend repair_batch", repair_batch, 2),
        ]
        base = None
        for k, (label, fn, procs) in enumerate(runs):
            t0 = time.perf_counter()
            out = ds.map(
                fn, batched=True, batch_size=opts.batch, num_proc=procs, cache_file_name=f"{tmp}/m{k}.arrow"
            )
            sec = time.perf_counter() - t0
            changed = sum(out["changed"]) if "changed" in out.column_names else "-"
            rate = len(docs) / sec
            if label.startswith("textmend") and base is None:
                base = rate
            rows.append([label, procs or 1, sec, rate, changed])
    ftfy_rate = rows[0][3]
    table = [
        [*r, r[3] / ftfy_rate, (r[3] / base) if base and r[0].startswith("textmend") else "-"] for r in rows
    ]
    print_table(
        "datasets.map over short documents",
        ["function", "processes", "seconds", "docs/s", "changed", "x ftfy", "x 1 proc"],
        table,
    )
