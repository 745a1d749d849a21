"""The same job on the local, processes and dask engines: wall time, peak memory of the
driver and of each worker, and the scaling curve over corpus sizes.

    python -m bench scale [--job dedup|repair] [--sizes 10000,30000,100000] [--workers 2]
                          [--engines local,processes,dask]

Each (size, engine) runs in a fresh child process, so peak RSS figures do not carry over. The job
streams ~2 KB windows of ../shared/corpora (bench_dedup.two_kb_docs) into find_duplicates
(``dedup``, the default) or repair_many (``repair``; default sizes 1000,3000 because default
repair is ~100x slower per document than dedup). The dask engine uses a LocalCluster of
``--workers`` single-threaded worker processes; its start-up is timed apart from the job, and
each worker's peak RSS is read inside the worker (``client.run``). For processes, the worker
peak is RUSAGE_CHILDREN (Linux reports the largest terminated child: the biggest pool worker).
Every engine's output is hashed and must be identical to the local engine's, and times are
printed as ratios to the local engine of the same run.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from bench.bench_dedup import two_kb_docs
from bench.common import need_shared, peak_rss_mb, print_table
from textmend.dedup import DedupConfig, DedupResult, find_duplicates
from textmend.dedup.engines import Engine
from textmend.document import Document
from textmend.repair.parallel import repair_many


def _digest(res: DedupResult) -> str:
    h = hashlib.sha256()
    for r in res.records:
        h.update(f"{r.id}\t{r.cluster}\t{r.keep}\t{r.similarity!r}\n".encode())
    for i, j, s in res.pairs:
        h.update(f"{i}\t{j}\t{s!r}\n".encode())
    return h.hexdigest()[:16]


def _worker_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _repair_digest(docs: Iterable[Document]) -> tuple[str, dict[str, int]]:
    h = hashlib.sha256()
    n = changed = 0
    for d in docs:
        n += 1
        changed += d.metadata["repair"].changed
        h.update(f"{d.id}\t{d.text}\n".encode())
    return h.hexdigest()[:16], {"docs": n, "changed": changed}


def _run(job: str, docs: Iterable[Document], runner: Engine) -> tuple[str, dict[str, int]]:
    if job == "repair":
        return _repair_digest(repair_many(docs, engine=runner))
    res = find_duplicates(docs, DedupConfig(), engine=runner)
    return _digest(res), {k: res.stats[k] for k in ("candidates", "verified", "duplicates")}


def _child(job: str, n: int, engine: str, workers: int) -> None:
    shared = need_shared()
    out: dict[str, Any] = {"n": n, "engine": engine, "job": job, "startup_s": 0.0}
    if engine == "dask":
        from textmend.dedup.engines import DaskEngine

        with DaskEngine(workers=workers) as runner:
            t0 = time.perf_counter()
            client = runner.client
            out["startup_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            digest, stats = _run(job, two_kb_docs(shared, n), runner)
            out["seconds"] = time.perf_counter() - t0
            per_worker = client.run(_worker_peak_rss_mb)
            out["worker_rss_mb"] = max(per_worker.values())
            out["placement"] = runner.placement
    else:
        from textmend.dedup.engines import LocalEngine, ProcessEngine

        local: Engine = LocalEngine() if engine == "local" else ProcessEngine(workers)
        t0 = time.perf_counter()
        digest, stats = _run(job, two_kb_docs(shared, n), local)
        out["seconds"] = time.perf_counter() - t0
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        out["worker_rss_mb"] = children if engine == "processes" else None
    out["driver_rss_mb"] = peak_rss_mb()
    out["digest"] = digest
    out.update(stats)
    print(json.dumps(out))


def _arg(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def main(args: list[str]) -> None:
    if args and args[0] == "child":
        _child(args[1], int(args[2]), args[3], int(args[4]))
        return
    need_shared()
    job = _arg(args, "--job", "dedup")
    default_sizes = "1000,3000" if job == "repair" else "10000,30000,100000"
    sizes = [int(x) for x in _arg(args, "--sizes", default_sizes).split(",")]
    engines = _arg(args, "--engines", "local,processes,dask").split(",")
    workers = int(_arg(args, "--workers", "2"))
    rows = []
    curve: dict[str, list[tuple[int, float]]] = {}
    for n in sizes:
        local_s: float | None = None
        local_digest: str | None = None
        for engine in engines:
            proc = subprocess.run(
                [sys.executable, "-m", "bench", "scale", "child", job, str(n), engine, str(workers)],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"bench scale: {engine} at {n} docs failed")
            d = json.loads(proc.stdout.strip().splitlines()[-1])
            if engine == "local":
                local_s, local_digest = d["seconds"], d["digest"]
            same = "-" if local_digest is None else ("yes" if d["digest"] == local_digest else "NO")
            ratio = d["seconds"] / local_s if local_s else float("nan")
            curve.setdefault(engine, []).append((n, d["seconds"]))
            w = d["worker_rss_mb"]
            rows.append(
                [
                    n,
                    engine,
                    d["seconds"],
                    ratio,
                    d["startup_s"],
                    n / d["seconds"],
                    d["driver_rss_mb"],
                    "-" if w is None else w,
                    d.get("duplicates", d.get("changed")),
                    same,
                ]
            )
            print(json.dumps(d), file=sys.stderr)
    print_table(
        f"Same {job} job per engine ({workers} workers; ratio = seconds / local seconds of the same size)",
        [
            "docs",
            "engine",
            "job s",
            "ratio",
            "cluster start s",
            "docs/s",
            "driver peak MB",
            "worker peak MB",
            "duplicates" if job == "dedup" else "changed",
            "= local",
        ],
        rows,
    )
    scale_rows = []
    for engine, pts in curve.items():
        (n0, t0), (n1, t1) = pts[0], pts[-1]
        scale_rows.append([engine, f"{n0}->{n1}", t1 / t0, n1 / n0])
    print_table("Scaling (time growth vs size growth)", ["engine", "docs", "time x", "size x"], scale_rows)
