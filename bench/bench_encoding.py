"""Encoding repair: exact restorations per mojibake kind vs ftfy.fix_text, and clean-text speed.

`python -m bench encoding [N_PER_KIND]` -- cases are generated from ../shared/corpora with seed 3.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import ftfy

from bench.common import need_shared, print_table, timed
from textmend.edits import apply_edits
from textmend.repair._codecs import decode_cp936
from textmend.repair.config import RepairConfig
from textmend.repair.mojibake import fix

KINDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "gbk_as_latin1": ("cn", lambda s: s.encode("gbk").decode("latin-1")),
    "utf8_as_latin1": ("cn", lambda s: s.encode("utf-8").decode("latin-1")),
    "big5_as_latin1": ("tw", lambda s: s.encode("big5").decode("latin-1")),
    "utf8_as_gbk": ("cn", lambda s: decode_cp936(s.encode("utf-8"))),
    "double_gbk_latin1_utf8": (
        "cn",
        lambda s: s.encode("gbk").decode("latin-1").encode("utf-8").decode("latin-1"),
    ),
    "clean": ("cn", lambda s: s),
}


def _ours(text: str) -> str:
    cfg = RepairConfig()
    return apply_edits(
        text, [e for e in fix(text, cfg) if e.before != e.after and e.confidence >= cfg.min_confidence]
    )


def _acc(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def main(args: list[str]) -> None:
    shared = need_shared()
    n = int(args[0]) if args else 50
    rng = random.Random(3)
    texts: dict[str, list[str]] = {}
    for key, name in (("cn", "laws-cn.jsonl"), ("tw", "laws-tw.jsonl")):
        lines = (shared / "corpora" / name).read_text(encoding="utf-8").splitlines()
        texts[key] = [json.loads(x)["text"] for x in lines]
    rows = []
    for kind, (src, damage) in KINDS.items():
        ok = ok_f = 0
        acc = acc_f = 0.0
        done = 0
        while done < n:
            doc = rng.choice(texts[src])
            if len(doc) < 60:
                continue
            start = rng.randrange(0, len(doc) - 40)
            truth = doc[start : start + rng.randint(20, 40)].replace("\n", "")
            try:
                bad = damage(truth)
            except UnicodeError:
                continue
            done += 1
            ours, theirs = _ours(bad), ftfy.fix_text(bad)
            ok += ours == truth
            ok_f += theirs == truth
            acc += _acc(ours, truth)
            acc_f += _acc(theirs, truth)
        rows.append((kind, n, f"{ok / n:.1%}", f"{acc / n:.3f}", f"{ok_f / n:.1%}", f"{acc_f / n:.3f}"))
    print_table(
        "exact restorations (ours vs ftfy.fix_text)",
        ["kind", "cases", "ours exact", "ours char acc", "ftfy exact", "ftfy char acc"],
        rows,
    )
    clean = "\n".join(texts["cn"])[:3_500_000]  # ~10 MB of UTF-8
    mb = len(clean.encode("utf-8")) / 1e6
    t_ours, edits = timed(lambda: fix(clean, RepairConfig()), repeat=3)
    t_ftfy, _ = timed(lambda: ftfy.fix_text(clean), repeat=1)
    print_table(
        "clean Chinese throughput",
        ["MB", "ours MB/s", "ftfy.fix_text MB/s", "ratio", "our changes"],
        [(round(mb, 1), mb / t_ours, mb / t_ftfy, t_ftfy / t_ours, sum(e.before != e.after for e in edits))],
    )
