"""Encoding repair: exact restorations per mojibake kind vs ftfy.fix_text, and clean-text speed.

`python -m bench encoding [N_PER_KIND]` -- cases are generated from ../shared/corpora with seed 3.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import ftfy

from bench.common import need_shared, print_table, timed
from textmend.edits import apply_edits
from textmend.repair._codecs import decode_cp936
from textmend.repair.config import RepairConfig
from textmend.repair.decode import decode_bytes
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


def _decode_table(shared: Path) -> None:
    """Per-line decoding of real legacy pages, alone and concatenated GB+Big5 (a mixed file)."""
    root = shared / "corpora" / "legacy-encoded"
    pages = {
        codec: sorted(p for p in (root / folder).iterdir() if p.is_file())
        for folder, codec in (("GB2312", "gb18030"), ("Big5", "big5"))
    }
    rows = []
    for codec, files in pages.items():
        ok = sum(decode_bytes(p.read_bytes()).text == p.read_bytes().decode(codec) for p in files)
        rows.append((f"{codec} pages", len(files), ok))
    mixed_ok = 0
    for gb, big5 in zip(pages["gb18030"], pages["big5"], strict=False):
        a, b = gb.read_bytes().rstrip(b"\n"), big5.read_bytes()
        mixed_ok += decode_bytes(a + b"\n" + b).text == a.decode("gb18030") + "\n" + b.decode("big5")
    rows.append(("GB page + Big5 page in one file", min(len(v) for v in pages.values()), mixed_ok))
    print_table("decoding legacy pages line by line", ["input", "files", "exact"], rows)


def _changes(docs: list[str]) -> tuple[int, int, int]:
    cfg = RepairConfig()
    n_docs = n_applied = n_suggested = 0
    for doc in docs:
        edits = [e for e in fix(doc, cfg) if e.before != e.after]
        applied = sum(e.confidence >= cfg.min_confidence for e in edits)
        n_docs += applied > 0
        n_applied += applied
        n_suggested += len(edits) - applied
    return n_docs, n_applied, n_suggested


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
    _decode_table(shared)
    # Defaults do no harm: the whole clean corpora (34 MB), document by document.
    docs = texts["cn"] + texts["tw"]
    full_mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    t_full, changed = timed(lambda: _changes(docs), repeat=1)
    print_table(
        "zero-change check on the full clean corpora (laws-cn + laws-tw)",
        ["docs", "MB", "seconds", "MB/s", "docs changed", "edits applied", "suggestions"],
        [(len(docs), round(full_mb, 1), round(t_full, 1), full_mb / t_full, *changed)],
    )
    print_table(
        "clean Chinese throughput",
        ["MB", "ours MB/s", "ftfy.fix_text MB/s", "ratio", "our changes"],
        [(round(mb, 1), mb / t_ours, mb / t_ftfy, t_ftfy / t_ours, sum(e.before != e.after for e in edits))],
    )
