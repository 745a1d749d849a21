"""Pairwise alignment of two texts into typed, readable regions (the canonical diff model).

Pipeline: fold both texts into matching views (:mod:`textmend.align.view`); align the views
with rapidfuzz's bit-parallel ``Indel.opcodes`` (optimal, but 的 matches 的 everywhere, so on
Chinese it is unreadable: 421 regions on seed 003); merge the result with diff-match-patch's
semantic cleanup (reports.md §3); map the matched characters back to original offsets and
report every original difference, also the ones a fold hid from the aligner. difflib is not
used: it mis-aligns texts with internal near-duplicates and is several times slower
(``python -m bench align`` measures both in one run).

By default the views are first chained on rare n-grams that occur once in each text (passim's
anchors) and aligned only between anchors. That keeps a shared paragraph whole when each copy
lacks a different passage beside it (an optimal character alignment may instead scatter it
over the other copy's passage), locates a passage inside a longer document, and bounds the bit
matrix rapidfuzz needs (``len(a) * len(b) / 8`` bytes for a direct alignment).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diff_match_patch import diff_match_patch
from rapidfuzz.distance import Indel

from textmend.align.view import Folds, View, build_view
from textmend.cjk import RUBY_RE, fold_script, fold_width, is_han
from textmend.diffmodel import SCHEMA, Model, Region, kind_counts

BLOCK_MIN = 50
"""Insertions/deletions of at least this many characters are blocks (reports.md §3)."""
MOVED_MIN_RATIO = 90.0
"""A deleted block that matches an inserted block at this rapidfuzz ratio or more has moved."""
DIRECT_LIMIT = 2 * 10**8
"""Above this ``len(a) * len(b)`` (view characters) ``anchor=False`` is overridden: the bit
matrix of a direct alignment would need more than 25 MB."""
SEGMENT_LIMIT = 4 * 10**8
"""A gap between anchors bigger than this is reported as one replacement (a recorded fallback)."""
ANCHOR_N = 10
PROTECT = 40
"""Semantic cleanup never eliminates an equality this long (view characters)."""
CONTEXT = 24
SPIN_MAX = 6
"""Substitutions of at most this many characters per side count as word swaps (cleanup can
join two swaps separated by one character: 网络和服务 -> 收集和效劳)."""
SPIN_MIN_COUNT = 5
SPIN_MIN_RATE = 4.0
"""Word swaps per 100 characters above which one side looks spun (spun text: 10-16)."""

# Mojibake signatures: the 锟斤拷 family, U+FFFD, UTF-8 read as latin-1/cp1252, GBK read as
# latin-1. Their characters essentially never occur in genuine Chinese prose.
MOJIBAKE_CHARS = frozenset("锟斤拷\ufffdÃÂåæçèéäã¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß")


@dataclass(frozen=True, slots=True)
class _Span:
    a0: int
    a1: int
    b0: int
    b1: int


def _view_blocks(va: str, vb: str, fallbacks: list[str], anchor: bool) -> list[tuple[int, int, int]]:
    """Matched blocks ``(a_start, b_start, length)`` of the views after semantic cleanup."""
    if not anchor and len(va) * len(vb) > DIRECT_LIMIT:
        fallbacks.append(f"anchor=False but {len(va)} x {len(vb)} characters is too big to align directly")
        anchor = True
    if anchor:
        diffs = _anchored_diffs(va, vb, fallbacks)
    else:
        diffs = _opcode_diffs(va, 0, len(va), vb, 0, len(vb))
    diffs = semantic_cleanup(diffs)
    blocks: list[tuple[int, int, int]] = []
    ia = ib = 0
    for op, chunk in diffs:
        n = len(chunk)
        if op == 0:
            blocks.append((ia, ib, n))
            ia += n
            ib += n
        elif op == -1:
            ia += n
        else:
            ib += n
    return blocks


def semantic_cleanup(diffs: list[tuple[int, str]], protect: int = PROTECT) -> list[tuple[int, str]]:
    """diff-match-patch's semantic cleanup, but never across an equality of ``protect`` or more
    characters.

    Why: the algorithm drops any equality no longer than the edits on both sides of it. When
    each copy lacks a different long passage next to a shared paragraph (seed 003: A lacks
    2,700 characters before it, B lacks 600 after it), that shared paragraph would vanish into
    one unreadable 3,000-character replacement. Cleaning each stretch between long equalities
    on its own keeps it.
    """
    dmp = diff_match_patch()
    out: list[tuple[int, str]] = []
    chunk: list[tuple[int, str]] = []

    def flush() -> None:
        if chunk:
            dmp.diff_cleanupSemantic(chunk)
            out.extend(chunk)
            chunk.clear()

    for d in diffs:
        if d[0] == 0 and len(d[1]) >= protect:
            flush()
            out.append(d)
        else:
            chunk.append(d)
    flush()
    dmp.diff_cleanupMerge(out)
    return out


def _opcode_diffs(va: str, a0: int, a1: int, vb: str, b0: int, b1: int) -> list[tuple[int, str]]:
    """diff-match-patch style ``(op, text)`` tuples for ``va[a0:a1]`` against ``vb[b0:b1]``."""
    out: list[tuple[int, str]] = []
    for op in Indel.opcodes(va[a0:a1], vb[b0:b1]):
        i1, i2, j1, j2 = op.src_start, op.src_end, op.dest_start, op.dest_end
        if op.tag == "equal":
            out.append((0, va[a0 + i1 : a0 + i2]))
        else:
            if i2 > i1:
                out.append((-1, va[a0 + i1 : a0 + i2]))
            if j2 > j1:
                out.append((1, vb[b0 + j1 : b0 + j2]))
    return out


def _grams(text: str, n: int) -> list[str]:
    # map/slice keeps the loop in C: about three times faster than a comprehension.
    count = max(0, len(text) - n + 1)
    return list(map(text.__getitem__, map(slice, range(count), range(n, count + n))))


@functools.lru_cache(maxsize=16)
def _gram_index(text: str, n: int) -> tuple[dict[str, int], Counter[str]]:
    """(gram -> a position, gram -> count) for ``text``; a gram is unique when its count is 1.
    Cached (do not mutate): a witness table aligns one base text against every other witness."""
    grams = _grams(text, n)
    return dict(zip(grams, range(len(grams)), strict=True)), Counter(grams)


def _common_prefix(a: str, i: int, b: str, j: int) -> int:
    """Length of the longest common prefix of ``a[i:]`` and ``b[j:]`` (galloping slice compares)."""
    n, step = 0, 16
    while (
        a[i + n : i + n + step] == b[j + n : j + n + step]
        and i + n + step <= len(a)
        and j + n + step <= len(b)
    ):
        n += step
        step *= 2
    while step > 1:
        step //= 2
        if (
            i + n + step <= len(a)
            and j + n + step <= len(b)
            and a[i + n : i + n + step] == b[j + n : j + n + step]
        ):
            n += step
    while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
        n += 1
    return n


def anchor_chain(va: str, vb: str, n: int = ANCHOR_N) -> list[tuple[int, int, int]]:
    """Rare-n-gram anchors chained in order: ``(a_start, b_start, length)``, increasing in both.

    An n-gram that occurs exactly once in each text is an anchor candidate; candidates on one
    diagonal form runs, the heaviest chain of runs increasing in both texts is kept, and
    anchors overlapping the previous one are trimmed.
    """
    if len(vb) < len(va):
        # Walk the shorter text (a passage inside a long document): same chain, fewer steps.
        return [(pa, pb, ln) for pb, pa, ln in anchor_chain(vb, va, n)]
    count_a = _gram_index(va, n)[1]
    pos_b, count_b = _gram_index(vb, n)
    # Walk A; at a gram unique in both texts, extend the match as far as the texts agree and
    # jump past it: a run stands for all its grams without visiting them one by one.
    runs: list[tuple[int, int, int]] = []  # (a start, b start, weight in grams)
    pa, last = 0, len(va) - n
    while pa <= last:
        g = va[pa : pa + n]
        pb = pos_b.get(g)
        if pb is None or count_b[g] != 1 or count_a[g] != 1:
            pa += 1
            continue
        ln = _common_prefix(va, pa, vb, pb)
        runs.append((pa, pb, ln - n + 1))
        pa += ln - n + 1
    # Heaviest chain increasing in both texts (runs are sorted by A position; a run weighs its
    # number of grams, so one long shared paragraph beats a stray 10-gram elsewhere). A Fenwick
    # tree over B ranks gives the best chain ending below each B position in O(log k).
    ranks = {pb: r + 1 for r, pb in enumerate(sorted(pb for _, pb, _ in runs))}
    size = len(ranks)
    tree_w = [0] * (size + 1)
    tree_k = [-1] * (size + 1)
    best_w = [0] * len(runs)
    prev = [-1] * len(runs)
    for k, (_, pb, count) in enumerate(runs):
        i, w, arg = ranks[pb] - 1, 0, -1
        while i > 0:  # prefix max over ranks below this run's
            if tree_w[i] > w:
                w, arg = tree_w[i], tree_k[i]
            i -= i & -i
        best_w[k], prev[k] = w + count, arg
        i = ranks[pb]
        while i <= size:
            if best_w[k] > tree_w[i]:
                tree_w[i], tree_k[i] = best_w[k], k
            i += i & -i
    chain: list[tuple[int, int, int]] = []
    k = max(range(len(runs)), key=best_w.__getitem__) if runs else -1
    while k >= 0:
        chain.append(runs[k])
        k = prev[k]
    chain.reverse()
    merged: list[tuple[int, int, int]] = []
    for pa, pb, count in chain:
        ln = count + n - 1
        if merged:
            ma, mb, ml = merged[-1]
            if pa - ma == pb - mb and pa <= ma + ml:
                merged[-1] = (ma, mb, max(ml, pa + ln - ma))
                continue
            if pa < ma + ml or pb < mb + ml:
                # Overlaps the previous anchor off its diagonal: keep the part after it.
                cut = max(ma + ml - pa, mb + ml - pb)
                if ln - cut < n:  # what is left is too short to trust
                    continue
                pa, pb, ln = pa + cut, pb + cut, ln - cut
        merged.append((pa, pb, ln))
    return merged


def _anchored_diffs(va: str, vb: str, fallbacks: list[str]) -> list[tuple[int, str]]:
    anchors = anchor_chain(va, vb)
    diffs: list[tuple[int, str]] = []
    ia = ib = 0
    for pa, pb, ln in [*anchors, (len(va), len(vb), 0)]:
        if (pa - ia) * (pb - ib) > SEGMENT_LIMIT:
            fallbacks.append(
                f"gap of {pa - ia} x {pb - ib} characters between anchors reported as one replacement"
            )
            if pa > ia:
                diffs.append((-1, va[ia:pa]))
            if pb > ib:
                diffs.append((1, vb[ib:pb]))
        else:
            diffs.extend(_opcode_diffs(va, ia, pa, vb, ib, pb))
        if ln:
            diffs.append((0, va[pa : pa + ln]))
        ia, ib = pa + ln, pb + ln
    return diffs


@functools.lru_cache(maxsize=16)
def _cached_view(text: str, folds: Folds) -> View:
    return build_view(text, folds)


def _raw_spans(a: str, b: str, vA: View, vB: View, blocks: Sequence[tuple[int, int, int]]) -> list[_Span]:
    """Original-coordinate difference spans: everything but identical matched characters
    whose preceding gaps (characters the view dropped) are identical too. Touching spans merge."""
    spans: list[_Span] = []
    pa = pb = 0  # original positions just after the last identical matched pair
    offa, offb = vA.offsets, vB.offsets

    def emit(a0: int, a1: int, b0: int, b1: int) -> None:
        if spans and spans[-1].a1 == a0 and spans[-1].b1 == b0:
            last = spans[-1]
            spans[-1] = _Span(last.a0, a1, last.b0, b1)
        else:
            spans.append(_Span(a0, a1, b0, b1))

    for sa, sb, ln in blocks:
        # Cut the block where either view skipped original characters; each piece then maps
        # onto one contiguous slice of each original, compared in one step.
        cuts = {0, ln}
        for brk, start in ((vA.breaks, sa), (vB.breaks, sb)):
            i = bisect.bisect_right(brk, start)
            while i < len(brk) and brk[i] < start + ln:
                cuts.add(brk[i] - start)
                i += 1
        edges = sorted(cuts)
        for c0, c1 in zip(edges, edges[1:], strict=False):  # noqa: RUF007 - edges is short
            oa0, ob0, n = offa[sa + c0], offb[sb + c0], c1 - c0
            if a[oa0 : oa0 + n] == b[ob0 : ob0 + n]:
                if oa0 - pa != ob0 - pb or a[pa:oa0] != b[pb:ob0]:
                    emit(pa, oa0, pb, ob0)
                pa, pb = oa0 + n, ob0 + n
                continue
            for k in range(sa + c0, sa + c1):
                oa = offa[k]
                ob = offb[sb - sa + k]
                if a[oa] == b[ob]:
                    if oa - pa != ob - pb or a[pa:oa] != b[pb:ob]:
                        emit(pa, oa, pb, ob)
                else:
                    emit(pa, oa + 1, pb, ob + 1)
                pa, pb = oa + 1, ob + 1
    if a[pa:] != b[pb:]:
        emit(pa, len(a), pb, len(b))
    return spans


_STRIP_RES = {
    "w": re.compile(r"\s+"),
    "wd": re.compile(r"[\s\d]+"),
    # \W is everything but letters, digits and '_': punctuation, symbols and whitespace.
    "wdp": re.compile(r"[\W\d_]+"),
}


def _strip(text: str, drop: str) -> str:
    return _STRIP_RES[drop].sub("", text)


def is_corrupt(text: str) -> bool:
    """True when ``text`` carries a corruption signature: ``?``, pinyin ruby, mojibake."""
    return "?" in text or any(ch in MOJIBAKE_CHARS for ch in text) or RUBY_RE.search(text) is not None


def classify(a_text: str, b_text: str) -> str:
    """The region kind, by the precedence of reports.md §3."""
    if _strip(a_text, "w") == _strip(b_text, "w"):
        return "whitespace"
    if _strip(a_text, "wd") == _strip(b_text, "wd"):
        return "digits"
    if not a_text or not b_text:
        return _classify_one_sided(a_text, b_text)
    wa, wb = fold_width(a_text), fold_width(b_text)
    # An ASCII '?' is the mark of a lost character (seed 004: 99?5), not punctuation.
    if "?" not in a_text + b_text and _strip(wa, "wdp") == _strip(wb, "wdp"):
        return "punctuation"
    if fold_script(_strip(wa, "w")) == fold_script(_strip(wb, "w")) or unicodedata.normalize(
        "NFC", a_text
    ) == unicodedata.normalize("NFC", b_text):
        return "variant_char"
    core_a, core_b = _strip(a_text, "w"), _strip(b_text, "w")
    short = max(len(core_a), len(core_b)) < BLOCK_MIN
    # Corruption only names short regions: a missing paragraph that happens to hold a '?'
    # is still a missing paragraph.
    if short and (is_corrupt(a_text) or is_corrupt(b_text)):
        return "corruption"
    if not core_a:
        return "insertion" if short else "block_insertion"
    if not core_b:
        return "deletion" if short else "block_deletion"
    if a_text.casefold() == b_text.casefold():
        return "case"
    return "substitution"


def _classify_one_sided(a_text: str, b_text: str) -> str:
    """An insertion or deletion (whitespace and digits were ruled out by the caller)."""
    text = a_text or b_text
    if "?" not in text and not _strip(text, "wdp"):
        return "punctuation"
    core = _strip(text, "w")
    if len(core) < BLOCK_MIN and is_corrupt(text):
        return "corruption"
    if not a_text:
        return "insertion" if len(core) < BLOCK_MIN else "block_insertion"
    return "deletion" if len(core) < BLOCK_MIN else "block_deletion"


def _mark_moved(regions: list[Region]) -> None:
    from rapidfuzz import fuzz

    dels = [r for r in regions if r["kind"] == "block_deletion"]
    ins = [r for r in regions if r["kind"] == "block_insertion"]
    used: set[int] = set()
    for d in dels:
        best, best_score = None, MOVED_MIN_RATIO
        for i in ins:
            if i["id"] in used:
                continue
            score = fuzz.ratio(d["a_text"], i["b_text"], score_cutoff=best_score)
            if score >= best_score:
                best, best_score = i, score
        if best is not None:
            used.add(best["id"])
            d["kind"] = best["kind"] = "moved"
            d["moved_to"] = best["id"]
            best["moved_from"] = d["id"]
            d["note"] = best["note"] = f"moved block, {best_score:.0f}% similar"


def _mark_spinner(regions: list[Region], view_len: int) -> dict[str, Any]:
    """Note short word swaps as spinner substitutions when they are dense enough that one side
    looks spun (a spun text swaps a word every 6-10 characters; honest copies almost never do)."""
    short = [
        r
        for r in regions
        if r["kind"] == "substitution"
        and 0 < len(r["a_text"]) <= SPIN_MAX
        and 0 < len(r["b_text"]) <= SPIN_MAX
        and any(is_han(c) for c in r["a_text"])
        and any(is_han(c) for c in r["b_text"])
    ]
    rate = 100.0 * len(short) / view_len if view_len else 0.0
    spun = len(short) >= SPIN_MIN_COUNT and rate >= SPIN_MIN_RATE
    if spun:
        for r in short:
            r["note"] = "spinner substitution (one side looks spun)"
    return {"short_substitutions": len(short), "per_100_chars": round(rate, 2), "spun": spun}


def _same_after_normalisation(a: str, b: str, va: View, vb: View, f: Folds) -> bool:
    """Equal views, except that corruption masks do not count: they help alignment, but a
    ``?`` or a ruby is a real difference, not a way of writing the same text."""
    if va.text != vb.text:
        return False
    if not f.corruption or a == b:
        return True
    plain = dataclasses.replace(f, corruption=False)
    return _cached_view(a, plain).text == _cached_view(b, plain).text


def _witness(wid: str, text: str, source: str | None, include_text: bool) -> dict[str, object]:
    w: dict[str, object] = {
        "id": wid,
        "length": len(text),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    if source is not None:
        w["source"] = source
    if include_text:
        w["text"] = text
    return w


@functools.lru_cache(maxsize=16)
def _gram_set(text: str, n: int) -> frozenset[str]:
    return frozenset(_grams(text, n))


def _jaccard(a: str, b: str, n: int = 5) -> float:
    ga, gb = _gram_set(a, n), _gram_set(b, n)
    if not ga and not gb:
        return 1.0
    return len(ga & gb) / len(ga | gb)


def diff(
    a: str,
    b: str,
    a_id: str = "A",
    b_id: str = "B",
    *,
    a_source: str | None = None,
    b_source: str | None = None,
    context: int = CONTEXT,
    anchor: bool = True,
    include_text: bool = True,
    **folds: bool,
) -> Model:
    """Align ``a`` with ``b`` and return the canonical diff model (see :mod:`textmend.diffmodel`).

    ``folds`` switch the matching view (:class:`~textmend.align.view.Folds`: whitespace, width,
    script, digits, corruption, nfc). ``anchor`` (default) aligns only between rare n-gram
    anchors, which keeps shared paragraphs whole when each copy lacks a different passage;
    ``anchor=False`` aligns directly (unless the texts are too long for that: a fallback).
    ``stats["identical"]`` is True when the texts are the same after normalisation: equal under
    the folds, where corruption masks do not count (a ``?`` or a ruby is a difference).

    >>> m = diff("今天 天气很好", "今天天氣很好。", script=True)
    >>> [(r["kind"], r["a_text"], r["b_text"]) for r in m["regions"]]
    [('whitespace', ' ', ''), ('variant_char', '气', '氣'), ('punctuation', '', '。')]
    """
    f = Folds.from_options(**folds)
    va, vb = _cached_view(a, f), _cached_view(b, f)
    fallbacks: list[str] = []
    blocks = _view_blocks(va.text, vb.text, fallbacks, anchor)
    spans = _raw_spans(a, b, va, vb, blocks)
    regions: list[Region] = []
    for k, sp in enumerate(spans, 1):
        at, bt = a[sp.a0 : sp.a1], b[sp.b0 : sp.b1]
        regions.append(
            {
                "id": k,
                "kind": classify(at, bt),
                "a": [sp.a0, sp.a1],
                "b": [sp.b0, sp.b1],
                "a_text": at,
                "b_text": bt,
                "context_before": a[max(0, sp.a0 - context) : sp.a0],
                "context_after": a[sp.a1 : sp.a1 + context],
            }
        )
    _mark_moved(regions)
    spinner = _mark_spinner(regions, len(va.text))
    matched = sum(ln for _, _, ln in blocks)
    lv = len(va.text) + len(vb.text)
    model: Model = {
        "schema": SCHEMA,
        "witnesses": [_witness(a_id, a, a_source, include_text), _witness(b_id, b, b_source, include_text)],
        "params": {
            "folds": f.to_dict(),
            "aligner": "rapidfuzz.Indel.opcodes+dmp.cleanupSemantic",
            "anchor": anchor,
            "anchor_n": ANCHOR_N,
            "block_min": BLOCK_MIN,
            "moved_min_ratio": MOVED_MIN_RATIO,
            "context": context,
        },
        "regions": regions,
    }
    model["stats"] = {
        "identical": _same_after_normalisation(a, b, va, vb, f),
        "equal_original": a == b,
        "regions": len(regions),
        "kinds": {k: v for k, v in kind_counts(model).items() if v},
        "view_length": [len(va.text), len(vb.text)],
        "similarity": {
            "jaccard_5gram": round(_jaccard(va.text, vb.text), 4),
            "indel_normalized": round(2 * matched / lv, 4) if lv else 1.0,
            "coverage_a_by_b": round(matched / len(va.text), 4) if va.text else 1.0,
            "coverage_b_by_a": round(matched / len(vb.text), 4) if vb.text else 1.0,
        },
        "spinner": spinner,
        "fallbacks": fallbacks,
    }
    return model


def clear_caches() -> None:
    """Forget cached views and n-gram tables (benchmarks time cold alignments with this)."""
    _cached_view.cache_clear()
    _gram_index.cache_clear()
    _gram_set.cache_clear()
