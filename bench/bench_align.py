"""Alignment speed and readability, against difflib and raw rapidfuzz opcodes in the same run.

    python -m bench align [--repeat N]

1. The two ~10k-character copies of one speech in seed 003: time and number of regions for
   difflib (SequenceMatcher, the stdlib baseline), raw rapidfuzz ``Indel.opcodes`` (optimal,
   unreadable) and ``textmend.align.diff`` (issue target: ≤ 30 ms, ≤ 60 regions).
2. Ten witnesses of 20k characters (a law from laws-cn with random edits): ``align_witnesses``
   (issue target: ≤ 1 s); the per-pair rapidfuzz time is printed beside it for scale.
3. A 2k-character passage inside a 200k-character document (anchored) against raw opcodes.
4. Consensus merge of the seed 003 copies.
"""

from __future__ import annotations

import difflib
import json
import random
import sys

from rapidfuzz.distance import Indel

from bench.common import need_shared, peak_rss_mb, print_table, timed
from textmend.align import align_witnesses, diff, merge
from textmend.align.pairwise import clear_caches


def _raw_regions(a: str, b: str) -> tuple[int, int]:
    """(non-equal opcodes, characters of A inside them) of the optimal alignment."""
    ops = [op for op in Indel.opcodes(a, b) if op.tag != "equal"]
    return len(ops), sum(op.src_end - op.src_start for op in ops)


def _difflib_regions(a: str, b: str) -> tuple[int, int]:
    ops = [op for op in difflib.SequenceMatcher(None, a, b).get_opcodes() if op[0] != "equal"]
    return len(ops), sum(op[2] - op[1] for op in ops)


def _model_regions(model: dict) -> tuple[int, int]:
    return len(model["regions"]), sum(r["a"][1] - r["a"][0] for r in model["regions"])


def _edited(text: str, rng: random.Random, edits: int) -> str:
    s = list(text)
    for _ in range(edits):
        i = rng.randrange(len(s))
        r = rng.random()
        if r < 0.4:
            s[i] = rng.choice("的一是不了人我在有他这中大来上")
        elif r < 0.7:
            del s[i]
        else:
            s.insert(i, rng.choice("，。、的"))
    return "".join(s)


def main(args: list[str]) -> None:
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 5
    shared = need_shared()
    lines = (shared / "seeds" / "003_763c108da857d5d8.txt").read_text(encoding="utf-8").split("\n")
    a, b = "\n".join(lines[0:24]), "\n".join(lines[24:92])
    print(f"seed 003 copies: {len(a)} and {len(b)} characters; median of {repeat} runs")

    t_dl, _ = timed(lambda: difflib.SequenceMatcher(None, a, b).get_opcodes(), repeat)
    t_rf, _ = timed(lambda: Indel.opcodes(a, b), repeat)
    diff(a, b)  # warm imports and lazy tables outside the timing

    def cold_diff(x: str, y: str) -> dict:
        clear_caches()  # views and n-gram tables of these texts must not come from a cache
        return diff(x, y)

    t_tm, model = timed(lambda: cold_diff(a, b), repeat)
    print_table(
        "seed 003: two copies of one speech (regions = non-equal opcodes / our regions)",
        ["aligner", "ms", "regions", "A chars marked changed", "time / textmend"],
        [
            ["difflib SequenceMatcher", t_dl * 1000, *_difflib_regions(a, b), t_dl / t_tm],
            ["rapidfuzz Indel.opcodes (raw)", t_rf * 1000, *_raw_regions(a, b), t_rf / t_tm],
            ["textmend.align.diff", t_tm * 1000, *_model_regions(model), 1.0],
        ],
    )

    docs = [
        json.loads(line)["text"] for line in (shared / "corpora" / "laws-cn.jsonl").open(encoding="utf-8")
    ]
    long_docs = sorted((d for d in docs if len(d) >= 20000), key=len)
    base = long_docs[0][:20000]
    rng = random.Random(7)
    wits = [(f"w{k}", _edited(base, rng, 200)) for k in range(10)]
    align_witnesses(wits[:2])
    t_pair, _ = timed(lambda: Indel.opcodes(wits[0][1], wits[1][1]), repeat)

    def cold_table() -> dict:
        clear_caches()
        return align_witnesses(wits)

    t_tab, table = timed(cold_table, max(1, repeat // 2))
    print_table(
        "10 witnesses x 20k characters (law text, 200 random edits each)",
        ["step", "s", "variant columns", "ratio to one raw pair"],
        [
            ["rapidfuzz Indel.opcodes, one pair", t_pair, "-", 1.0],
            [
                "textmend align_witnesses, 10 witnesses",
                t_tab,
                table["stats"]["variant_columns"],
                t_tab / t_pair,
            ],
        ],
    )

    doc = "".join(long_docs[-3:])[:200000]
    passage = _edited(doc[90000:92000], rng, 20)
    t_raw, _ = timed(lambda: Indel.opcodes(doc, passage), max(1, repeat // 2))
    t_anc, pm = timed(lambda: cold_diff(doc, passage), max(1, repeat // 2))
    print_table(
        f"2k passage inside a {len(doc) // 1000}k document",
        ["aligner", "s", "regions", "A chars marked changed", "time / textmend"],
        [
            ["rapidfuzz Indel.opcodes (raw)", t_raw, *_raw_regions(doc, passage), t_raw / t_anc],
            ["textmend.align.diff (anchored)", t_anc, *_model_regions(pm), 1.0],
        ],
    )

    def cold_merge() -> object:
        clear_caches()
        return merge([("speech1", a), ("speech2", b)])

    t_merge, merged = timed(cold_merge, repeat)
    print_table(
        "consensus merge, seed 003",
        ["step", "ms", "merged chars", "sources"],
        [["textmend.align.merge", t_merge * 1000, len(merged.text), len(merged.sources)]],
    )
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")
    sys.stdout.flush()
