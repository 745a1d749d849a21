"""Near-duplicate detection: quality against brute-force exact Jaccard, throughput against
datasketch in the same run, and memory scaling.

    python -m bench dedup [quality|throughput|memory|all] [--docs N] [--bases N] [--sizes N,N,...]
    python -m bench dedup --memory [--sizes 10000,100000,300000]

quality   : labelled set built from ../shared/corpora (near copies at 1-30% character edits,
            partial copies, reordered paragraphs, script-converted copies, same-topic distinct
            laws as hard negatives); pairwise precision/recall against brute-force exact Jaccard
            (scipy sparse product) for us and for datasketch MinHashLSH (fed our signatures,
            which are bit-identical to its own scheme).
throughput: N (20,000) documents of 2 KB UTF-8: the signature steps alone (matching view;
            shingles + MinHash; both) against datasketch update_batch alone (on --ds-sig-docs,
            2,000), then end to end against datasketch update_batch + MinHashLSH insert/query;
            ratios printed, all in the same run.
memory    : peak RSS of a child process clustering 10k and 100k documents (--sizes), the size of
            its on-disk shingle store, and the 1M estimate from the last two points.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np

from bench.common import need_shared, peak_rss_mb, print_table, timed
from textmend.dedup import DedupConfig, find_duplicates
from textmend.dedup.minhash import shingle_batch, signatures
from textmend.dedup.steps import sign_batch
from textmend.dedup.view import view_batch
from textmend.document import Document

DOC_BYTES = 2048
T = TypeVar("T")


def _arg(args: list[str], name: str, default: int) -> int:
    return int(args[args.index(name) + 1]) if name in args else default


def _argstr(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def _laws(shared: Path) -> list[tuple[str, str]]:
    out = []
    for name in ("laws-cn", "laws-tw"):
        with open(shared / "corpora" / f"{name}.jsonl", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                out.append((d["id"], d["text"]))
    return out


def two_kb_docs(shared: Path, n: int, seed: int = 0) -> Iterator[Document]:
    """``n`` windows of ~2 KB UTF-8 (683 Han characters) over both corpora, in corpus order;
    past the end, windows start half a window later (partial overlaps, as crawls have)."""
    chars = DOC_BYTES // 3
    laws = _laws(shared)
    made = 0
    shift = 0
    while made < n:
        for lid, text in laws:
            for s in range(shift, len(text) - chars + 1, chars):
                yield Document(f"{lid}#{s}-{shift}", text[s : s + chars])
                made += 1
                if made >= n:
                    return
        shift = chars // 2 if shift == 0 else shift // 2 + 1


# --- quality ---------------------------------------------------------------------------------


def _edit(text: str, rate: float, rng: random.Random, pool: str) -> str:
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 3:
            continue  # deletion
        if r < 2 * rate / 3:
            out.append(rng.choice(pool))  # substitution
        elif r < rate:
            out.append(ch + rng.choice(pool))  # insertion
        else:
            out.append(ch)
    return "".join(out)


def labelled_set(shared: Path, bases: int, seed: int = 1) -> tuple[list[Document], list[str]]:
    from opencc import OpenCC

    rng = random.Random(seed)
    laws = _laws(shared)
    cn = [x for x in laws if not x[0].startswith("tw") and "/" in x[0]]
    long_laws = [x for x in laws if len(x[1]) > 1500]
    picked = rng.sample(long_laws, bases)
    pool = "".join(t[:2000] for _, t in picked[:20])
    s2t, t2s = OpenCC("s2t"), OpenCC("t2s")
    docs: list[Document] = []
    labels: list[str] = []

    def add(did: str, text: str, label: str) -> None:
        docs.append(Document(did, text))
        labels.append(label)

    for k, (_lid, text) in enumerate(picked):
        start = rng.randrange(0, len(text) - 1200)
        base = text[start : start + 1200]
        add(f"{k}", base, "original")
        for rate in (0.01, 0.03, 0.05, 0.10, 0.20, 0.30):
            add(f"{k}/edit{int(rate * 100)}", _edit(base, rate, rng, pool), f"edit{int(rate * 100)}")
        add(f"{k}/partial", base[: int(len(base) * rng.uniform(0.5, 0.8))], "partial")
        paras = [base[i : i + 200] for i in range(0, len(base), 200)]
        rng.shuffle(paras)
        add(f"{k}/reordered", "".join(paras), "reordered")
        conv = s2t if rng.random() < 0.5 else t2s
        add(f"{k}/script", conv.convert(base), "script")
        # Hard negative: another part of the same law (same topic, same drafting style).
        other = (start + 2400) % max(1, len(text) - 1200)
        if abs(other - start) >= 1200:
            add(f"{k}/same-law-other-part", text[other : other + 1200], "same-topic")
    # Hard negatives across laws: laws whose titles share their subject (after the place name).
    by_subject: dict[str, list[str]] = {}
    for lid, text in cn:
        title = lid.rsplit("/", 1)[-1]
        by_subject.setdefault(title[-8:], []).append(text)
    for subject, texts in sorted(by_subject.items()):
        if len(texts) >= 2 and len(labels) < bases * 13:
            for t in texts[:3]:
                add(f"topic:{subject}:{len(docs)}", t[:1200], "same-topic")
    return docs, labels


def truth_pairs(
    docs: list[Document], threshold: float, cfg: DedupConfig
) -> tuple[set[tuple[int, int]], np.ndarray]:
    """All pairs with exact shingle-set Jaccard >= threshold (scipy sparse product)."""
    import scipy.sparse as sp

    sb = sign_batch(([d.text for d in docs], cfg)).shingles
    rows, cols = [], []
    for k in range(len(docs)):
        u = np.unique(sb.of(k))
        rows.append(np.full(len(u), k))
        cols.append(u)
    allh = np.concatenate(cols)
    uniq, inv = np.unique(allh, return_inverse=True)
    m = sp.csr_matrix(
        (np.ones(len(allh), dtype=np.int32), (np.concatenate(rows), inv)), shape=(len(docs), len(uniq))
    )
    sizes = np.asarray(m.sum(axis=1)).ravel()
    inter = (m @ m.T).tocoo()
    i, j, v = inter.row, inter.col, inter.data
    keep = i < j
    i, j, v = i[keep], j[keep], v[keep]
    jac = v / (sizes[i] + sizes[j] - v)
    ok = jac >= threshold
    return {(int(a), int(b)) for a, b in zip(i[ok], j[ok], strict=True)}, sizes


def _pr(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0), (tp / len(truth) if truth else 1.0)


def quality(args: list[str]) -> None:
    from datasketch import MinHash, MinHashLSH

    shared = need_shared()
    cfg = DedupConfig()
    docs, labels = labelled_set(shared, _arg(args, "--bases", 300))
    truth, _ = truth_pairs(docs, cfg.threshold, cfg)
    t_ours, result = timed(lambda: find_duplicates(docs, cfg), repeat=1)
    ours = {(i, j) for i, j, _ in result.pairs}
    p_ours, r_ours = _pr(ours, truth)

    sig = sign_batch(([d.text for d in docs], cfg)).sig

    def ds_run() -> set[tuple[int, int]]:
        lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
        ms = [MinHash(num_perm=cfg.num_perm, seed=cfg.seed, hashvalues=s, scheme="affine32") for s in sig]
        for k, m in enumerate(ms):
            lsh.insert(k, m)
        found = set()
        for k, m in enumerate(ms):
            for other in lsh.query(m):
                if other != k:
                    found.add((min(k, other), max(k, other)))
        return found

    t_ds, ds_found = timed(ds_run, repeat=1)
    p_ds, r_ds = _pr(ds_found, truth)
    # datasketch + exact verification of its candidates (what a careful user would do).
    sb = sign_batch(([d.text for d in docs], cfg)).shingles
    from textmend.dedup.verify import exact_jaccard

    sets = [np.unique(sb.of(k)) for k in range(len(docs))]
    ds_verified = {(i, j) for i, j in ds_found if exact_jaccard(sets[i], sets[j]) >= cfg.threshold}
    p_dsv, r_dsv = _pr(ds_verified, truth)
    print(f"labelled set: {len(docs)} docs, {len(truth)} true pairs (exact Jaccard >= {cfg.threshold})")
    print_table(
        f"Pairwise quality at threshold {cfg.threshold} vs brute-force exact Jaccard",
        ["method", "precision", "recall", "pairs", "seconds"],
        [
            ["textmend (LSH + exact verify)", p_ours, r_ours, len(ours), t_ours],
            ["datasketch MinHashLSH", p_ds, r_ds, len(ds_found), t_ds],
            ["datasketch MinHashLSH + exact verify", p_dsv, r_dsv, len(ds_verified), t_ds],
        ],
    )
    # Per label: share of variants clustered with their original, and exact Jaccard to it.
    cluster = [r.cluster for r in result.records]
    index_of = {d.id: k for k, d in enumerate(docs)}
    rows = []
    size: dict[str, int] = {}
    for c in cluster:
        size[c] = size.get(c, 0) + 1
    for label in sorted(set(labels) - {"original"}):
        members = [k for k, lab in enumerate(labels) if lab == label]
        same = 0
        sims = []
        for k in members:
            orig = docs[k].id.split("/")[0]
            if docs[k].id.startswith("topic:"):
                # Cross-law hard negative: count it when it joined any cluster at all.
                same += size[cluster[k]] > 1
            elif orig in index_of:
                o = index_of[orig]
                same += cluster[k] == cluster[o]
                sims.append(exact_jaccard(sets[k], sets[o]))
        rows.append([label, len(members), same, float(np.median(sims)) if sims else float("nan")])
    print_table(
        "Variants clustered with their original",
        ["label", "docs", "same cluster (topic: any cluster)", "median Jaccard to original"],
        rows,
    )


# --- throughput --------------------------------------------------------------------------------


def _datasketch_reference(docs: list[Document], cfg: DedupConfig) -> int:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    ms = []
    for k, d in enumerate(docs):
        t = d.text
        m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
        m.update_batch([t[i : i + cfg.ngram].encode("utf-8") for i in range(len(t) - cfg.ngram + 1)])
        lsh.insert(k, m)
        ms.append(m)
    pairs = 0
    for k, m in enumerate(ms):
        pairs += sum(1 for o in lsh.query(m) if o > k)
    return pairs


def _datasketch_signatures(docs: list[Document], cfg: DedupConfig) -> int:
    from datasketch import MinHash

    for d in docs:
        t = d.text
        m = MinHash(num_perm=cfg.num_perm, seed=cfg.seed)
        m.update_batch([t[i : i + cfg.ngram].encode("utf-8") for i in range(len(t) - cfg.ngram + 1)])
    return len(docs)


def _timed_cpu(fn: Callable[[], T], repeat: int = 3) -> tuple[float, float, T]:
    """(median wall seconds, median CPU seconds of this process, last result).

    Why CPU time too: the machine is shared, and a single-threaded step's CPU seconds are its
    cost on one core however many other jobs wait for the cores."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def throughput(args: list[str]) -> None:
    shared = need_shared()
    n = _arg(args, "--docs", 20000)
    cfg = DedupConfig()
    docs = list(two_kb_docs(shared, n))
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    find_duplicates(docs[:200], cfg)  # warm the folding tables
    batches = [[d.text for d in docs[i : i + cfg.batch_size]] for i in range(0, n, cfg.batch_size)]
    w_view, c_view, views = _timed_cpu(lambda: [view_batch(b) for b in batches])
    w_mh, c_mh, _ = _timed_cpu(
        lambda: [signatures(shingle_batch(v, cfg.ngram), cfg.num_perm, cfg.seed) for v in views]
    )
    w_sig, c_sig, _ = _timed_cpu(lambda: [sign_batch((b, cfg)) for b in batches])
    sig_sub = docs[: min(n, _arg(args, "--ds-sig-docs", 2000))]
    w_ds, c_ds, _ = _timed_cpu(lambda: _datasketch_signatures(sig_sub, cfg), repeat=1)
    m = len(sig_sub)
    print_table(
        "Signature throughput, one process (docs/s by wall clock and per CPU second; ratio = ours /"
        " datasketch update_batch per CPU second, same run)",
        ["step", "wall s", "docs/s wall", "docs/CPU-s", "ratio"],
        [
            [f"datasketch MinHash.update_batch ({m} docs)", w_ds, m / w_ds, m / c_ds, 1.0],
            ["textmend matching view", w_view, n / w_view, n / c_view, n / c_view / (m / c_ds)],
            ["textmend shingles + MinHash (from views)", w_mh, n / w_mh, n / c_mh, n / c_mh / (m / c_ds)],
            ["textmend view + shingles + MinHash", w_sig, n / w_sig, n / c_sig, n / c_sig / (m / c_ds)],
        ],
    )
    t_ours, res = timed(lambda: find_duplicates(docs, cfg))
    t_proc, res_p = timed(lambda: find_duplicates(docs, cfg, engine="processes"), repeat=1)
    assert res_p.records == res.records
    sub = docs[: min(n, _arg(args, "--ds-docs", n))]
    t_ds, ds_pairs = timed(lambda: _datasketch_reference(sub, cfg), repeat=1)
    ds_rate = len(sub) / t_ds
    print(f"{n} docs, {mb:.1f} MB UTF-8; ours: {res.stats}; datasketch candidate pairs: {ds_pairs}")
    print_table(
        "Throughput (docs/s; ratio = ours / datasketch update_batch + MinHashLSH, same run)",
        ["method", "seconds", "docs/s", "ratio"],
        [
            [
                "datasketch update_batch + MinHashLSH" + ("" if len(sub) == n else f" ({len(sub)} docs)"),
                t_ds,
                ds_rate,
                1.0,
            ],
            ["textmend signatures only (view+shingle+MinHash)", w_sig, n / w_sig, n / w_sig / ds_rate],
            ["textmend end to end, local engine", t_ours, n / t_ours, n / t_ours / ds_rate],
            ["textmend end to end, processes engine (2 cores)", t_proc, n / t_proc, n / t_proc / ds_rate],
        ],
    )


# --- memory ----------------------------------------------------------------------------------


def _child(n: int) -> None:
    from textmend.dedup import DedupIndex

    shared = need_shared()
    t0 = time.perf_counter()
    idx = DedupIndex(DedupConfig())
    res = idx.add(two_kb_docs(shared, n))
    disk = idx.store.file.stat().st_size
    idx.close()
    out = {"n": n, "rss_mb": peak_rss_mb(), "seconds": time.perf_counter() - t0, "disk_mb": disk / 1e6}
    print(json.dumps({**out, **res.stats}))


def memory(args: list[str]) -> None:
    sizes = [int(x) for x in _argstr(args, "--sizes", f"10000,{_arg(args, '--big', 100000)}").split(",")]
    rows = []
    # Baseline: the imports and the corpus the documents are cut from (two_kb_docs loads it).
    base = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import textmend.dedup, numpy, json, resource; from bench.bench_dedup import _laws;"
                " from bench.common import need_shared; _laws(need_shared());"
                " print(json.dumps({'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["rss_mb"]
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "bench", "dedup", "child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        d = json.loads(out.strip().splitlines()[-1])
        rows.append(
            [
                n,
                d["rss_mb"],
                (d["rss_mb"] - base) * 1024 / n,
                d["disk_mb"],
                d["seconds"],
                d["candidates"],
                d["verified"],
            ]
        )
    print_table(
        f"Peak RSS clustering 2 KB documents (baseline: imports + source corpus {base:.0f} MB)",
        [
            "docs",
            "peak RSS MB",
            "KB/doc over baseline",
            "shingle store on disk MB",
            "seconds",
            "candidates",
            "verified",
        ],
        rows,
    )
    if len(rows) >= 2:
        (n0, r0), (n1, r1) = (rows[-2][0], rows[-2][1]), (rows[-1][0], rows[-1][1])
        slope = (r1 - r0) / (n1 - n0)  # MB per doc
        print(
            f"marginal {slope * 1024:.2f} KB/doc between {n0:,} and {n1:,} -> linear estimate for 1M docs:"
            f" {r1 + slope * (1e6 - n1):,.0f} MB"
        )
    if len(rows) >= 3:
        # Past ~100k the generator's windows repeat (shifts of a few characters), so verified
        # pairs grow faster than documents: split the cost into a per-document and a per-pair
        # part (least squares on every size) and estimate 1M documents from those.
        a = np.array([[1.0, r[0], r[6]] for r in rows])
        (base_mb, per_doc, per_pair), *_ = np.linalg.lstsq(a, np.array([r[1] for r in rows]), rcond=None)
        ratio = rows[-1][6] / rows[-1][0]
        print(
            f"fit: {base_mb:,.0f} MB + {per_doc * 1024:.2f} KB/doc + {per_pair * 1e6:.0f} B/verified pair ->"
            f" 1M docs: {base_mb + per_doc * 1e6:,.0f} MB without duplicates,"
            f" {base_mb + (per_doc + per_pair * ratio) * 1e6:,.0f} MB at {ratio:.1f} verified pairs/doc"
            f" (the {rows[-1][0]:,} run's rate)"
        )


def main(args: list[str]) -> None:
    what = args[0] if args and not args[0].startswith("--") else "all"
    if "--memory" in args:
        what = "memory"
    if what == "child":
        _child(int(args[1]))
        return
    if what in ("quality", "all"):
        quality(args)
    if what in ("throughput", "all"):
        throughput(args)
    if what in ("memory", "all"):
        memory(args)
