"""Encoding repair: exact restorations per mojibake kind vs ftfy.fix_text, and clean-text speed.

`python -m bench encoding [N_PER_KIND [KIND ...]] [--kinds-only | --seeds-only | --pages | --ceiling | --merge] [--in-domain [--min-count=N]] [--min-confidence=X]`
-- cases are generated from ../shared/corpora with seed 3; ``--kinds-only`` skips the seed table, the
legacy pages, the clean-corpus check and the speed table; ``--seeds-only`` prints the seed table
alone; ``--pages`` prints only the byte-damage table on whole pages (N_PER_KIND pages, default 60,
of 800 characters of laws-tw, default model: the snippets are too short for page evidence to speak);
``--min-confidence=X`` applies the repairs at that threshold instead of the default 0.8;
``--in-domain`` scores with a model trained on half of the corpora (cached in the temp folder) and
draws the cases from the other half (``--min-count=N``: the model keeps n-grams seen N times; by default as ``textmend lm build``). The per-kind table also gives the speed on the damaged
snippets (characters per CPU second of this process, ours and ftfy's). ``--ceiling`` prints what
one copy allows for the lossy CJK kinds (N_PER_KIND snippets, default 30, UTF-8 read as Big5 and
Big5 read as GBK unless KINDs are named): the share of characters that another character would
damage to the same text, and how often the model picks the right one among them when every other
character is given: what the model allows, since a repair reads the lost characters with their
neighbours lost too (the default word-list model's repair adds its word component and does better).
``--merge`` prints what a second copy gives: N_PER_KIND texts (default 10) of 600 characters of
laws-cn, each damaged twice with two lossy kinds (or a lossy and a lossless one), both copies
repaired by ``textmend.repair`` (every fixer, every pass) and merged by ``textmend.align.merge``:
character accuracy of each copy and of the merge, exact merges, and merges further from the
truth than the better copy.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ftfy

from bench.common import need_shared, print_table, timed
from textmend.edits import apply_edits
from textmend.errors import ConfigError
from textmend.repair._codecs import decode_cp936
from textmend.repair._codecs_gbkdamage import _FOLD as FOLD_MATCH
from textmend.repair._codecs_gbkdamage import redamage
from textmend.repair.bytedamage import fix as bytedamage_fix
from textmend.repair.config import RepairConfig
from textmend.repair.decode import decode_bytes
from textmend.repair.mojibake import fix


def _sloppy1252(data: bytes) -> str:
    import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

    return data.decode("sloppy-windows-1252")


def _fold_damage(s: str) -> str:
    """The seed damage (docs/seed-damage.md): fullwidth forms folded on raw GBK bytes, straddles
    included, decoded with orphaned lead bytes shown as '?'. Whole-form folds are the punct
    fixer's business, so the truth keeps them folded too (see _truth)."""
    return redamage(s.encode("gbk"))


# kind: (corpus, damage, lossy). Lossy kinds are judged by character accuracy.
KINDS: dict[str, tuple[str, Callable[[str], str], bool]] = {
    "gbk_as_latin1": ("cn", lambda s: s.encode("gbk").decode("latin-1"), False),
    "gbk_as_cp1252": ("cn", lambda s: _sloppy1252(s.encode("gbk")), False),
    "gb18030_as_latin1": ("cn", lambda s: s.encode("gb18030").decode("latin-1"), False),
    "utf8_as_latin1": ("cn", lambda s: s.encode("utf-8").decode("latin-1"), False),
    "utf8_as_cp1252": ("cn", lambda s: _sloppy1252(s.encode("utf-8")), False),
    "big5_as_latin1": ("tw", lambda s: s.encode("big5").decode("latin-1"), False),
    "big5_as_cp1252": ("tw", lambda s: _sloppy1252(s.encode("big5")), False),
    "utf8_as_gb18030": ("cn", lambda s: s.encode("utf-8").decode("gb18030"), False),
    "double_gbk_latin1_utf8": (
        "cn",
        lambda s: s.encode("gbk").decode("latin-1").encode("utf-8").decode("latin-1"),
        False,
    ),
    "double_utf8_latin1_twice": (
        "cn",
        lambda s: s.encode("utf-8").decode("latin-1").encode("utf-8").decode("latin-1"),
        False,
    ),
    "utf8_as_gbk": ("cn", lambda s: decode_cp936(s.encode("utf-8")), True),
    "utf8_as_big5": ("cn", lambda s: s.encode("utf-8").decode("big5", errors="replace"), True),
    "big5_as_gbk": ("tw", lambda s: decode_cp936(s.encode("big5")), True),
    "gbk_as_big5": ("cn", lambda s: s.encode("gbk").decode("big5", errors="replace"), True),
    "gbk_byte_damage": ("tw", _fold_damage, True),
    "clean": ("cn", lambda s: s, False),
}


def _whole_folds(text: str) -> str:
    """``text`` with the fullwidth forms the damage folded whole turned to ASCII.

    The folder scans the raw bytes left to right; a match that starts on a character's first
    byte folds that whole form (the punct fixer's business, so the truth keeps it folded), while
    a form whose A3 was taken by a straddle is broken and must come back as it was (``校（`` =
    D0 A3 | A3 A8: the straddle takes the first A3). Forms outside row A3 (``～`` is A1 AB) are
    never folded.
    """
    data = text.encode("gbk")
    starts: dict[int, int] = {}
    pos = 0
    for i, ch in enumerate(text):
        starts[pos] = i
        pos += len(ch.encode("gbk"))
    chars = list(text)
    for m in FOLD_MATCH.finditer(data):  # the forward model's own pattern
        at = starts.get(m.start())
        if at is not None and len(chars[at].encode("gbk")) == 2:
            chars[at] = chr(m.group()[1] - 0x80)
    return "".join(chars)


def _truth(kind: str, text: str) -> str:
    # The byte-damage fixer restores straddles; whole fullwidth forms folded to ASCII stay ASCII
    # (turning them back is the punct fixer's job, with its own benchmark).
    return _whole_folds(text) if kind == "gbk_byte_damage" else text


_CFG = RepairConfig()


def _ours(text: str, kind: str = "") -> str:
    cfg = _CFG
    fixer = bytedamage_fix if kind == "gbk_byte_damage" else fix
    return apply_edits(
        text, [e for e in fixer(text, cfg) if e.before != e.after and e.confidence >= cfg.min_confidence]
    )


# The 15 incidents of seeds 000 and 003 (offset in the file -> original), from the byte-level
# analysis in docs/seed-damage.md; 劃 is that document's reading, although re-damaging 計劃
# does not reproduce the observed ``媱?、`` (84 9D A1 A2 reads as 潯), while 計劑 does.
SEED_TRUTH = {
    ("000", 609): "。客觀",
    ("000", 996): "。客觀",
    ("003", 3742): "專款專用,",
    ("003", 5300): "常化,",
    ("003", 10264): "。縣",
    ("003", 14369): "為按計劃、分類型、循環",
    ("003", 14703): "沖",
    ("003", 20380): "區",
    ("003", 20401): "區",
    ("003", 21026): "區",
    ("003", 23255): "區",
    ("003", 21579): "。現",
    ("003", 23142): "。現",
    ("003", 28865): "。可繁母豬",
    ("003", 41959): "地的信用部門",
}


def _seed_table(shared: Path) -> None:
    cfg = RepairConfig()
    rows = []
    for name in ("000_e6fafa0d8d12cf2d.txt", "003_763c108da857d5d8.txt"):
        text = (shared / "seeds" / name).read_text(encoding="utf-8")
        for e in bytedamage_fix(text, RepairConfig(min_confidence=0.0)):
            want = SEED_TRUTH.get((name[:3], e.start), "?")
            applied = e.confidence >= cfg.min_confidence
            verdict = (
                "restored" if e.after == want and applied else "wrong, applied" if applied else "not applied"
            )
            rows.append((name[:3], e.start, e.before, e.after, want, round(e.confidence, 2), verdict))
    restored = sum(r[-1] == "restored" for r in rows)
    print_table(
        f"seed byte damage: {restored} of {len(SEED_TRUTH)} incidents restored",
        ["seed", "offset", "observed", "ours", "documented original", "confidence", "verdict"],
        rows,
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
        # Both encoding fixers: the byte-damage one also reads runs that show no '?'.
        edits = [e for e in [*fix(doc, cfg), *bytedamage_fix(doc, cfg)] if e.before != e.after]
        applied = sum(e.confidence >= cfg.min_confidence for e in edits)
        n_docs += applied > 0
        n_applied += applied
        n_suggested += len(edits) - applied
    return n_docs, n_applied, n_suggested


def _stray_texts(docs: list[str], n: int, seed: int = 11) -> tuple[list[str], int]:
    """``n`` clean snippets of 300 characters with their fullwidth forms folded to ASCII and five
    insertions each after a Han character: a lone ASCII byte or ``?``, half of them after a GBK
    symbol (rows A1-A9). Clean text that merely looks like the seeds' damage (a run without ``?`` ends at a
    lone ASCII byte or an orphan ``?``): the byte-damage fixer must leave all of it alone."""
    rng = random.Random(seed)
    symbols = [
        ch
        for ch in (
            bytes((a, b)).decode("gbk", "ignore") for a in range(0xA1, 0xAA) for b in range(0xA1, 0xFF)
        )
        if len(ch) == 1 and not "\u3000" <= ch <= "\u303f" and ch not in "…—‘’“”·"
    ]
    fold = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    tails = list("?@ABCXYZ^_[]{}~?")
    out: list[str] = []
    inserted = 0
    while len(out) < n:
        doc = rng.choice(docs)
        if len(doc) < 400:
            continue
        start = rng.randrange(0, len(doc) - 300)
        chars = list(doc[start : start + 300].translate(fold))
        for _ in range(5):
            i = rng.randrange(1, len(chars) - 2)
            if "\u4e00" <= chars[i - 1] <= "\u9fff":
                chars[i:i] = (
                    [rng.choice(symbols), rng.choice(tails)] if rng.random() < 0.5 else [rng.choice(tails)]
                )
                inserted += 1
        out.append("".join(chars))
    return out, inserted


# Short sentences in the scripts whose letters fill GBK's symbol rows (kana, Greek, Cyrillic,
# pinyin, bopomofo), where Big5's frequent characters land, and in Korean; written for this check.
OTHER_SCRIPTS = (
    "アプリケーションの設定を変更します",
    "データベースに接続できませんでした",
    "このソフトウェアはオープンソースです",
    "コンピューターを再起動してください",
    "日本語の文章を書くのは難しいです",
    "明日は雨が降るでしょう",
    "Привет, как дела у тебя сегодня",
    "Москва является столицей России",
    "Программное обеспечение для компьютера",
    "Пожалуйста, введите пароль еще раз",
    "Καλημέρα σας, τι κάνετε σήμερα",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας",
    "Το πρόγραμμα δεν λειτουργεί σωστά",
    "안녕하세요 반갑습니다",
    "서울은 대한민국의 수도입니다",
    "zhōng huá rén mín gòng hé guó",
    "Běijīng shì Zhōngguó de shǒudū",
    "nǐ hǎo, wǒ shì xué shēng",
    "ㄓㄨㄥ ㄏㄨㄚˊ ㄖㄣˊ ㄇㄧㄣˊ",
    "ㄋㄧˇ ㄏㄠˇ ㄨㄛˇ ㄕˋ ㄒㄩㄝˊ ㄕㄥ",
)


def _other_script_texts(n: int, seed: int = 5) -> list[str]:
    """``n`` of :data:`OTHER_SCRIPTS` with a lost byte (U+FFFD) before an ASCII letter or sign
    inserted, and in half of them a second lost byte: how a lost Big5 lead byte beside its trail
    shows, in text that is no Chinese at all."""
    rng = random.Random(seed)
    tails = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@[]^_`{|}~"
    out = []
    for _ in range(n):
        text = rng.choice(OTHER_SCRIPTS)
        i = rng.randrange(1, len(text))
        text = text[:i] + "\ufffd" + rng.choice(tails) + text[i:]
        if rng.random() < 0.5:
            j = rng.randrange(1, len(text))
            text = text[:j] + "\ufffd" + text[j:]
        out.append(text)
    return out


def _page_table(docs: list[str], n: int, chars: int = 800, seed: int = 3) -> None:
    """Seed-style byte damage on whole pages: exact pages, character accuracy (ours, ftfy's and
    the damaged text's own), the share of the damage's character errors undone, and pages the
    repair left further from the truth than it found them."""
    rng = random.Random(seed)
    long_docs = [d for d in docs if len(d) >= chars]
    done = exact = worse = 0
    acc = acc_f = acc_d = 0.0
    cpu = 0.0
    while done < n:
        doc = rng.choice(long_docs)
        start = rng.randrange(0, len(doc) - chars + 1)
        original = doc[start : start + chars]
        try:
            bad = _fold_damage(original)
        except UnicodeError:
            continue
        truth = _truth("gbk_byte_damage", original)
        done += 1
        t0 = time.process_time()
        ours = _ours(bad, "gbk_byte_damage")
        cpu += time.process_time() - t0
        exact += ours == truth
        a, a_d = _acc(ours, truth), _acc(bad, truth)
        acc += a
        acc_d += a_d
        acc_f += _acc(ftfy.fix_text(bad), truth)
        worse += a < a_d
    print_table(
        f"seed-style byte damage on whole pages ({chars} characters of laws-tw, seed {seed})",
        [
            "pages",
            "exact",
            "ours char acc",
            "ftfy char acc",
            "damaged char acc",
            "errors undone",
            "pages made worse",
            "chars/CPU-s",
        ],
        [
            (
                done,
                f"{exact / done:.1%}",
                f"{acc / done:.4f}",
                f"{acc_f / done:.4f}",
                f"{acc_d / done:.4f}",
                f"{(acc - acc_d) / max(done - acc_d, 1e-9):.1%}",
                worse,
                round(done * chars / max(cpu, 1e-9)),
            )
        ],
    )


MERGE_PAIRS = (
    ("utf8_as_big5", "utf8_as_gbk"),
    ("utf8_as_big5", "gbk_as_big5"),
    ("utf8_as_big5", "gbk_as_latin1"),
    ("utf8_as_gbk", "gbk_as_big5"),
)


def _merge_table(docs: list[str], n: int, chars: int = 600, seed: int = 3) -> None:
    """Two copies of one text with different damage, each repaired, then merged (see module
    docstring): a copy UTF-8 read as Big5 cannot be read from itself alone (see --ceiling)."""
    from textmend import repair
    from textmend.align import merge

    rng = random.Random(seed)
    long_docs = [d for d in docs if len(d) >= chars + 100]
    rows = []
    for ka, kb in MERGE_PAIRS:
        acc_a = acc_b = acc_m = 0.0
        exact = worse = done = 0
        while done < n:
            doc = rng.choice(long_docs)
            start = rng.randrange(0, len(doc) - chars)
            truth = doc[start : start + chars].replace("\n", "")
            try:
                bad_a, bad_b = KINDS[ka][1](truth), KINDS[kb][1](truth)
            except UnicodeError:
                continue
            done += 1
            ra, rb = repair(bad_a, _CFG), repair(bad_b, _CFG)
            a, b = ra.text, rb.text
            # with the repairs' flags, as `textmend clean --merge` does
            merged = merge([("a", a), ("b", b)], [ra.flags, rb.flags]).text
            x, y, m = _acc(a, truth), _acc(b, truth), _acc(merged, truth)
            acc_a, acc_b, acc_m = acc_a + x, acc_b + y, acc_m + m
            exact += merged == truth
            worse += m < max(x, y) - 1e-9
        rows.append(
            (
                f"{ka} + {kb}",
                done,
                f"{acc_a / done:.4f}",
                f"{acc_b / done:.4f}",
                f"{acc_m / done:.4f}",
                exact,
                worse,
            )
        )
    print_table(
        f"two damaged copies, repaired and merged ({chars} characters of laws-cn, seed {seed})",
        [
            "copies",
            "texts",
            "copy A char acc",
            "copy B char acc",
            "merged char acc",
            "merged exact",
            "worse than better copy",
        ],
        rows,
    )


def _acc(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _snippet(rng: random.Random, docs: list[str]) -> str | None:
    """A snippet of 20-40 characters of a random document of ``docs``; None when the document
    drawn is too short (the caller draws again, so the random sequence is the same for every
    table that draws this way)."""
    doc = rng.choice(docs)
    if len(doc) < 60:
        return None
    start = rng.randrange(0, len(doc) - 40)
    return doc[start : start + rng.randint(20, 40)]


def _cases(kind: str, rng: random.Random, texts: dict[str, list[str]], n: int) -> list[tuple[str, str]]:
    """``n`` cases (damaged snippet, truth) of ``kind``, drawn from ``rng``."""
    src, damage, _ = KINDS[kind]
    cases: list[tuple[str, str]] = []
    tries = 0
    while len(cases) < n and tries < 50 * n:
        tries += 1
        drawn = _snippet(rng, texts[src])
        if drawn is None:
            continue
        original = drawn
        if kind != "gbk_byte_damage":
            original = original.replace("\n", "")
        # Byte damage keeps the line breaks: joined lines would fabricate junctions like
        # ``。第 3 條`` that the corpus always breaks (``。⏎第 3 條``), where no straddle can
        # occur and which even an in-domain model has never seen.
        try:
            bad = damage(original)
        except UnicodeError:
            continue
        if kind != "clean" and bad == _truth(kind, original):
            continue  # the damage left this sample intact (no straddle hit): not a case
        cases.append((bad, _truth(kind, original)))
    return cases


def _pool(codec: str) -> list[tuple[str, bytes]]:
    """The characters a lost one may have been, with their bytes in ``codec``: CJK ideographs
    of the BMP's main block and the marks, fullwidth forms and box drawing of running text."""
    ranges = [range(0x4E00, 0x9FA6), range(0x3000, 0x3040), range(0xFF00, 0xFF66), range(0x2500, 0x2580)]
    out = []
    for r in ranges:
        for cp in r:
            try:
                out.append((chr(cp), chr(cp).encode(codec)))
            except UnicodeEncodeError:
                continue
    return out


_CEILING_CODECS = {
    "utf8_as_gbk": ("utf-8", decode_cp936),
    "utf8_as_big5": ("utf-8", lambda b: b.decode("big5", errors="replace")),
    "big5_as_gbk": ("big5", decode_cp936),
    "gbk_as_big5": ("gbk", lambda b: b.decode("big5", errors="replace")),
}


def _ceiling_table(texts: dict[str, list[str]], n: int, kinds: list[str]) -> None:
    """Per lossy kind: over ``n`` snippets, the characters that some other character (of
    :func:`_pool`) in their place would damage to the same text, all else kept true; and how
    often the model (``_CFG``) scores the true one best among those, with the true text around
    it. A repair that follows the model reads the lost characters with their neighbours lost
    too, so its character accuracy stays under the determined characters plus those the model
    picks right ("allowed"); evidence the model lacks can lift it (the word component of the
    default word-list model's repair does)."""
    from textmend.lm.registry import get_model

    model = get_model(_CFG.lm_path)
    rows = []
    for kind in kinds:
        src = KINDS[kind][0]
        codec, decode = _CEILING_CODECS[kind]
        pool = _pool(codec)
        rng = random.Random(9)
        snippets = total = open_ = right = 0
        while snippets < n:
            drawn = _snippet(rng, texts[src])
            if drawn is None:
                continue
            original = drawn.replace("\n", "")
            try:
                data = original.encode(codec)
            except UnicodeEncodeError:
                continue
            bad = decode(data)
            if bad == original:
                continue
            snippets += 1
            for i, ch in enumerate(original):
                before, after = original[:i].encode(codec), original[i + 1 :].encode(codec)
                alts = [c for c, b in pool if c != ch and decode(before + b + after) == bad]
                total += 1
                if not alts:
                    continue
                open_ += 1
                scores = model.compare(original[:i][-12:], [ch, *alts], original[i + 1 :][:12])
                right += max(range(len(scores)), key=scores.__getitem__) == 0
        rows.append(
            (
                kind,
                snippets,
                total,
                open_ / total,
                right / open_ if open_ else 1.0,
                (total - open_ + right) / total,
            )
        )
    print_table(
        "what one copy allows: characters another would damage alike, and the model's pick among them "
        f"with the true text around (model: {_CFG.lm_path or 'default'})",
        ["kind", "snippets", "chars", "share open", "model right on open", "allowed"],
        rows,
    )


def main(args: list[str]) -> None:
    if any(a in {"-h", "--help"} for a in args):
        print(__doc__)
        return
    shared = need_shared()
    if "--seeds-only" in args:
        _seed_table(shared)
        return
    numbers = [a for a in args if not a.startswith("-")]
    if numbers and not numbers[0].isdigit():
        sys.exit(f"bench encoding: the first argument is the number of cases per kind, not {numbers[0]!r}")
    if "--pages" in args:
        tw = (shared / "corpora" / "laws-tw.jsonl").read_text(encoding="utf-8").splitlines()
        _page_table([json.loads(x)["text"] for x in tw], int(numbers[0]) if numbers else 60)
        return
    n = int(numbers[0]) if numbers else 50
    rng = random.Random(3)
    texts: dict[str, list[str]] = {}
    for key, name in (("cn", "laws-cn.jsonl"), ("tw", "laws-tw.jsonl")):
        lines = (shared / "corpora" / name).read_text(encoding="utf-8").splitlines()
        texts[key] = [json.loads(x)["text"] for x in lines]
    global _CFG
    threshold = next((a.split("=", 1)[1] for a in args if a.startswith("--min-confidence=")), None)
    if threshold is not None:
        # Lower thresholds apply guesses too (UTF-8 read as Big5 then writes its unsure
        # characters): what a user who asks for them gets.
        try:
            _CFG = RepairConfig(min_confidence=float(threshold))
        except (ValueError, ConfigError) as exc:
            sys.exit(f"bench encoding: --min-confidence: {exc}")
    if "--in-domain" in args:
        # Train on the even documents of both corpora, test on the odd ones: how the lossy
        # repairs do with a model of the user's own domain (`textmend lm build`).
        from textmend.lm.build import build_model

        given = next((a.split("=", 1)[1] for a in args if a.startswith("--min-count=")), None)
        min_count = None if given is None else float(given)  # None: what `textmend lm build` does
        label = "auto" if min_count is None else f"m{min_count:g}"
        model = Path(tempfile.gettempdir()) / f"textmend-bench-encoding-half-{label}.tmlm"
        if not model.exists():
            build_model([d for k in ("cn", "tw") for d in texts[k][::2]], model, min_count=min_count)
        _CFG = dataclasses.replace(_CFG, lm_path=str(model))
        texts = {k: v[1::2] for k, v in texts.items()}
        print(f"in-domain model: {model} (even documents), cases from the odd documents")
    rows = []
    only = numbers[1:]
    unknown = sorted(set(only) - set(KINDS))
    if unknown:
        sys.exit(f"bench encoding: no kind {', '.join(unknown)} (have: {', '.join(KINDS)})")
    if "--merge" in args:
        _merge_table(texts["cn"], int(numbers[0]) if numbers else 10)
        return
    if "--ceiling" in args:
        kinds = only or ["utf8_as_big5", "big5_as_gbk"]
        bad_kinds = sorted(set(kinds) - set(_CEILING_CODECS))
        if bad_kinds:
            sys.exit(
                f"bench encoding --ceiling: not for {', '.join(bad_kinds)} (have: {', '.join(_CEILING_CODECS)})"
            )
        _ceiling_table(texts, int(numbers[0]) if numbers else 30, kinds)
        return
    for kind, (_, _, lossy) in KINDS.items():
        # Every kind's cases are drawn, named or not, so that a run naming some kinds scores the
        # same cases for them as the full run.
        cases = _cases(kind, rng, texts, n)
        if only and kind not in only:
            continue
        ok = ok_f = 0
        acc = acc_f = 0.0
        done = len(cases)
        n_chars = 0
        cpu_ours = cpu_ftfy = 0.0
        for bad, truth in cases:
            # CPU time of this process: the machine is shared, and wall time would count the others.
            t0 = time.process_time()
            ours = _ours(bad, kind)
            t1 = time.process_time()
            theirs = ftfy.fix_text(bad)
            cpu_ours += t1 - t0
            cpu_ftfy += time.process_time() - t1
            n_chars += len(bad)
            ok += ours == truth
            ok_f += theirs == truth
            acc += _acc(ours, truth)
            acc_f += _acc(theirs, truth)
        rows.append(
            (
                kind,
                "lossy" if lossy else "lossless",
                done,
                f"{ok / done:.1%}",
                f"{acc / done:.3f}",
                f"{ok_f / done:.1%}",
                f"{acc_f / done:.3f}",
                round(n_chars / max(cpu_ours, 1e-9)),
                round(n_chars / max(cpu_ftfy, 1e-9)),
            )
        )
    print_table(
        "exact restorations (ours vs ftfy.fix_text)",
        [
            "kind",
            "family",
            "cases",
            "ours exact",
            "ours char acc",
            "ftfy exact",
            "ftfy char acc",
            "ours chars/CPU-s",
            "ftfy chars/CPU-s",
        ],
        rows,
    )
    if "--kinds-only" in args:
        return
    _seed_table(shared)
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
    stray, inserted = _stray_texts(docs, 150)
    print_table(
        "zero-change check on clean text with stray symbols and ASCII bytes after Han characters",
        ["texts", "insertions", "docs changed", "edits applied", "suggestions"],
        [(len(stray), inserted, *_changes(stray))],
    )
    others = _other_script_texts(300)
    print_table(
        "zero-change check on other scripts with lost bytes (Japanese, Russian, Greek, Korean, pinyin, bopomofo)",
        ["texts", "docs changed", "edits applied", "suggestions"],
        [(len(others), *_changes(others))],
    )
    print_table(
        "clean Chinese throughput",
        ["MB", "ours MB/s", "ftfy.fix_text MB/s", "ratio", "our changes"],
        [(round(mb, 1), mb / t_ours, mb / t_ftfy, t_ftfy / t_ours, sum(e.before != e.after for e in edits))],
    )
