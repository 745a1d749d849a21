"""Layout and normalisation repairs on generated cases (``python -m bench layout``).

Cases are built reproducibly (fixed seed) from clean law texts in ../shared/corpora: damage is
applied to a clean excerpt and the repair must give the excerpt back exactly.

* ``ruby_trad`` / ``ruby_simp``: pinyin (pypinyin's reading in context) after ~1/3 of the Han
  characters, with the variants seen in the wild (tone numbers, fullwidth parentheses, spaces).
* ``wrap_W``: paragraphs hard-wrapped at W display columns.
* ``punct``: fullwidth ``，：；？！（）`` folded to ASCII and ASCII digits widened (repaired with
  ``punct="fullwidth"``).
* ``boilerplate``: a preamble, a repeated title, inline watermarks, a pager line inserted.
* ``clean``: untouched documents, which the default repair must leave unchanged.

Throughput is timed against anchors in the same run: ftfy ``fix_text`` (a general text
normaliser) for the default layout pass, OpenCC ``convert`` for script folding/conversion.

Options: ``--docs N`` documents per corpus (default 120), ``--seed N`` (default 7),
``--show N`` print up to N failures per kind, ``--full`` run every default fixer (also the
byte-level, encoding and spinner ones) instead of the layout fixers alone.
"""

from __future__ import annotations

import functools
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import need_shared, pinyin_errors, print_table, timed
from textmend.cjk import fold_script, is_han, opencc_flavour
from textmend.repair import boilerplate, lines, lostchar, placeholder, punct, ruby, script
from textmend.repair.config import RepairConfig
from textmend.repair.pipeline import repair

LAYOUT_ONLY = RepairConfig(encoding=False, bytedamage=False, spinner="off")
"""The fixers this benchmark measures; byte-level and spinner fixers are benchmarked elsewhere."""

WIDTHS = (40, 60, 76)
_FULL_TO_ASCII = {"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")"}
_ASCII_PUNCT_RE = re.compile(r"[,:;?!()０-９Ａ-Ｚａ-ｚ]")


def _load(path: Path, n: int, rng: random.Random) -> list[str]:
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    rng.shuffle(texts)
    return texts[:n]


_END = set("。；：！？」』）")
_INVISIBLE = " \t\u3000\u00a0\u200b\ue5f9"
_DATED_RE = re.compile(r"^\d{4}年")


_NEVER_OPENS = set("。，、；：！？”’」』）》")


def clean_layout(text: str) -> bool:
    """Every line after the title is a whole paragraph: it ends a sentence, or is a markdown
    heading or a dated record, and it does not open with closing punctuation. Documents that
    fail this carry hard wraps of their own. (A line opening with ``”`` closes a quotation begun
    in the paragraph before it: only the blank line between them keeps them apart, and the wrap
    cases drop blank lines, which would make a layout that no fixer may leave alone the truth.)"""
    rest = [ln.strip(_INVISIBLE) for ln in text.split("\n")[1:]]
    return all(
        not ln
        or (ln[0] not in _NEVER_OPENS and (ln[-1] in _END or ln.startswith("#") or _DATED_RE.match(ln)))
        for ln in rest
    )


def _paragraphs(texts: Sequence[str], lo: int = 30, hi: int = 400) -> list[str]:
    out = []
    for t in texts:
        for p in t.split("\n"):
            p = p.strip()
            if lo <= len(p) <= hi and sum(map(is_han, p)) > 0.6 * len(p):
                out.append(p)
    return out


# --- damage generators ------------------------------------------------------------------------


def add_ruby(text: str, rng: random.Random) -> str:
    from pypinyin import Style, pinyin

    marks = pinyin(text, style=Style.TONE, errors=pinyin_errors(None))
    nums = pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=pinyin_errors(None))
    variant = rng.random()
    out = []
    for ch, m, n in zip(text, marks, nums, strict=True):
        out.append(ch)
        if not is_han(ch) or m[0] is None or rng.random() > 0.35:
            continue
        if variant < 0.7:
            out.append(f"({m[0]})")
        elif variant < 0.8:
            out.append(f"({n[0]})")
        elif variant < 0.9:
            out.append(f"（{m[0]}）")
        else:
            out.append(f" ({m[0]})")
    return "".join(out)


def wrap(paragraphs: Sequence[str], width: int) -> str:
    """Hard-wrap each paragraph at ``width`` display columns.

    Whitespace that ends a paragraph hangs past the margin, as wrappers let it, rather than
    making a line of its own: a whitespace-only line reads as a blank separator line, so that
    truth would ask the fixer to merge a blank line into a paragraph."""
    from textmend.repair.lines import display_width

    out = []
    for p in paragraphs:
        line: list[str] = []
        w = 0
        tail = len(p.rstrip())
        for k, ch in enumerate(p):
            cw = display_width(ch)
            if w + cw > width and k < tail:
                out.append("".join(line))
                line, w = [], 0
            line.append(ch)
            w += cw
        out.append("".join(line))
    return "\n".join(out)


def fold_punct(text: str) -> str:
    text = "".join(_FULL_TO_ASCII.get(c, c) for c in text)
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and c.isascii() else c for c in text)


_SITES = ("文秘之音", "范文网", "公文站", "文库")
_DOMAINS = ("004km.cn", "example.com.cn", "wenmi123.net")


def add_boilerplate(title: str, body: list[str], rng: random.Random, trad: bool) -> tuple[str, str]:
    """(damaged, expected): site debris around a document whose first line is its title."""
    k = rng.randrange(4)
    if k == 0:
        pre = [
            f"本站小编为你精心准备了{title}参考范文,愿这些范文能点燃您思维的火花,激发您的写作灵感。欢迎深入阅读并收藏。"
        ]
        keep: list[str] = []
    elif k == 1:
        stamp = f"20{rng.randrange(10, 24)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)} 0{rng.randrange(0, 9)}:42:00"
        intro = f"導語:{title}一文來源于網友上傳,不代表本站觀點,若需要原創文章可咨詢客服老師,歡迎參考。"
        pre = [title, "", f"時間:{stamp}", "", intro, "", title, ""]
        keep = [title, ""]
    elif k == 2:
        pre = [title] * rng.choice((2, 3))
        keep = [title]
    else:
        heading = f"第{rng.choice('一二三四')}篇:{title}"
        pre = [heading, title]
        keep = [heading]
    paras = list(body)
    wm = f"({'本文權屬' if trad else '本文权属'}{rng.choice(_SITES)}所有,更多文章{'請登陸' if trad else '请登陆'}{rng.choice(_DOMAINS)}查看)"
    i = rng.randrange(len(paras))
    cut = rng.randrange(1, max(2, len(paras[i]) - 1))
    paras[i] = paras[i][:cut] + wm + paras[i][cut:]
    if len(paras) > 2 and rng.random() < 0.5:
        paras.insert(rng.randrange(1, len(paras)), "下一頁" if trad else "下一页")
    if rng.random() < 0.5:
        paras.append(f"(责任编辑:{rng.choice(['王明', '李华', 'admin'])})")
    return "\n".join(pre + paras), "\n".join(keep + list(body))


# --- cases ------------------------------------------------------------------------------------


def build_cases(cn: Sequence[str], tw: Sequence[str], rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    cases: dict[str, list[tuple[str, str]]] = {}
    whole_cn = [t for t in cn if clean_layout(t)]
    whole_tw = [t for t in tw if clean_layout(t)]
    for name, texts in (("ruby_simp", cn), ("ruby_trad", tw)):
        paras = _paragraphs(texts)
        rng.shuffle(paras)
        cases[name] = [(add_ruby(p, rng), p) for p in paras[:300]]
    # Wrap a run of consecutive paragraphs of one document (paragraphs as single lines).
    for width in WIDTHS:
        items = []
        for t in list(whole_cn[:60]) + list(whole_tw[:60]):
            paras = [p for p in t.split("\n") if p.strip()]
            if len(paras) < 3:
                continue
            start = rng.randrange(max(1, len(paras) - 8))
            chunk = paras[start : start + 8]
            items.append((wrap(chunk, width), "\n".join(chunk)))
        cases[f"wrap_{width}"] = items
    paras = [p for p in _paragraphs(list(cn) + list(tw)) if not _ASCII_PUNCT_RE.search(p)]
    rng.shuffle(paras)
    cases["punct"] = [(fold_punct(p), p) for p in paras[:300] if fold_punct(p) != p]
    items = []
    for texts, trad in ((whole_cn, False), (whole_tw, True)):
        for t in texts[:100]:
            paras = [p for p in t.split("\n") if p.strip()]
            if len(paras) < 4:
                continue
            title = paras[0].lstrip("# ").strip()
            body = paras[1:8]
            items.append(add_boilerplate(title, body, rng, trad))
    cases["boilerplate"] = items
    cases["clean"] = [(t, t) for t in whole_cn + whole_tw]
    # Informational: every sampled document, including those with hard wraps of their own
    # (joining those is a repair, so this row is not expected to reach 100%).
    cases["all_docs_info"] = [(t, t) for t in list(cn) + list(tw)]
    return cases


_CONFIGS = {"punct": LAYOUT_ONLY.with_options(punct="fullwidth")}


def _break_positions(text: str) -> set[int]:
    """Line breaks as 'after the k-th non-newline character' positions."""
    out, k = set(), 0
    for ch in text:
        if ch == "\n":
            out.add(k)
        else:
            k += 1
    return out


def run_kind(kind: str, items: Sequence[tuple[str, str]], show: int) -> tuple[int, int, str]:
    """(exact cases, cases, extra): for wraps, extra is the share of line breaks judged right."""
    cfg = _CONFIGS.get(kind, LAYOUT_ONLY)
    ok = 0
    shown = 0
    breaks = wrong = 0
    for damaged, want in items:
        got = repair(damaged, cfg).text
        if got == want:
            ok += 1
        elif shown < show:
            shown += 1
            at = next(
                (k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                min(len(got), len(want)),
            )
            lo = max(0, at - 60)
            print(f"--- {kind} failure at {at}\nGOT : {got[lo : at + 80]!r}\nWANT: {want[lo : at + 80]!r}")
        if kind.startswith("wrap_"):
            breaks += damaged.count("\n")
            if got.replace("\n", "") == want.replace("\n", ""):
                wrong += len(_break_positions(got) ^ _break_positions(want))
            else:
                wrong += damaged.count("\n")  # something other than a line break changed
    extra = f"{100.0 * (breaks - wrong) / breaks:.2f}% of {breaks} breaks" if breaks else ""
    return ok, len(items), extra


def _throughput(cn: Sequence[str], tw: Sequence[str]) -> list[list[object]]:
    import ftfy

    text = "\n".join(list(cn[:40]) + list(tw[:40]))
    mb = len(text.encode("utf-8")) / 1e6
    rows: list[list[object]] = []
    fixers: list[tuple[str, Callable[[str, RepairConfig], object]]] = [
        ("ruby", ruby.fix),
        ("lostchar", lostchar.fix),
        ("boilerplate", boilerplate.fix),
        ("lines", lines.fix),
        ("placeholder", placeholder.fix),
    ]
    t_ftfy, _ = timed(lambda: ftfy.fix_text(text), repeat=3)
    t_all, _ = timed(lambda: repair(text, LAYOUT_ONLY), repeat=3)
    rows.append(["default layout pass (repair)", mb / t_all, "ftfy.fix_text", mb / t_ftfy, t_ftfy / t_all])
    for name, fn in fixers:
        t, _ = timed(functools.partial(fn, text, LAYOUT_ONLY), repeat=3)
        rows.append([f"  {name}.fix", mb / t, "ftfy.fix_text", mb / t_ftfy, t_ftfy / t])
    cfg = LAYOUT_ONLY.with_options(punct="fullwidth")
    t, _ = timed(lambda: punct.fix(text, cfg), repeat=3)
    rows.append(["  punct.fix (fullwidth)", mb / t, "ftfy.fix_text", mb / t_ftfy, t_ftfy / t])
    trad = "\n".join(tw[:40])
    mb_t = len(trad.encode("utf-8")) / 1e6
    conv = script.converter("t2s")
    fold_script("預熱")
    t_cc, _ = timed(lambda: conv(trad), repeat=1)
    t_fold, _ = timed(lambda: fold_script(trad), repeat=3)
    rows.append(
        [
            "cjk.fold_script (t->s, 1:1)",
            mb_t / t_fold,
            f"opencc t2s ({opencc_flavour()})",
            mb_t / t_cc,
            t_cc / t_fold,
        ]
    )
    scfg = LAYOUT_ONLY.with_options(script="simplified")
    simp = "\n".join(cn[:40])
    mb_s = len(simp.encode("utf-8")) / 1e6
    t_cs, _ = timed(lambda: conv(simp), repeat=1)
    t_ss, _ = timed(lambda: script.fix(simp, scfg), repeat=1)
    rows.append(
        [
            "script.fix on simplified text",
            mb_s / t_ss,
            f"opencc t2s ({opencc_flavour()})",
            mb_s / t_cs,
            t_cs / t_ss,
        ]
    )
    return rows


def main(args: list[str]) -> None:
    shared = need_shared()
    n_docs, seed, show = 120, 7, 0
    it = iter(args)
    for a in it:
        if a == "--docs":
            n_docs = int(next(it))
        elif a == "--seed":
            seed = int(next(it))
        elif a == "--show":
            show = int(next(it))
        elif a == "--full":
            global LAYOUT_ONLY
            LAYOUT_ONLY = RepairConfig()
            _CONFIGS["punct"] = LAYOUT_ONLY.with_options(punct="fullwidth")
    rng = random.Random(seed)
    cn = _load(shared / "corpora" / "laws-cn.jsonl", n_docs, rng)
    tw = _load(shared / "corpora" / "laws-tw.jsonl", n_docs, rng)
    cases = build_cases(cn, tw, rng)
    rows = []
    t0 = time.perf_counter()
    for kind, items in cases.items():
        ok, n, extra = run_kind(kind, items, show)
        rows.append([kind, n, ok, 100.0 * ok / max(1, n), extra])
    print_table(
        f"exact repairs (seed {seed}, {n_docs} docs per corpus)",
        ["kind", "cases", "exact", "%", "note"],
        rows,
    )
    print(f"(accuracy pass {time.perf_counter() - t0:.1f} s)")
    print_table(
        "throughput (MB/s of UTF-8 input; ratio = anchor time / our time)",
        ["ours", "MB/s", "anchor", "anchor MB/s", "ratio"],
        _throughput(cn, tw),
    )
