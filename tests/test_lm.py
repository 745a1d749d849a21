"""The character language model against a slow dictionary-based Kneser-Ney reference."""

from __future__ import annotations

import functools
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.errors import InputError
from textmend.lm import LanguageModel, build_model, get_model, read_corpus
from textmend.lm.build import BOS
from textmend.lm.fold import fold
from textmend.lm.modelfile import MAGIC, read_model, write_model
from textmend.lm.table import BUCKET, LOAD, SCALE, build_table, lookup, unpack


class ReferenceKN:
    """Interpolated Kneser-Ney written out with dictionaries, straight from the definition."""

    def __init__(self, lines: list[str], order: int) -> None:
        self.n = order
        raw: list[Counter[str]] = [Counter() for _ in range(order + 1)]
        for line in lines:
            s = chr(BOS) + fold(line)
            for k in range(1, order + 1):
                for i in range(len(s) - k + 1):
                    raw[k][s[i : i + k]] += 1
        # Top order keeps raw counts; lower orders count distinct preceding characters.
        self.a: list[Counter[str]] = [Counter() for _ in range(order + 1)]
        self.a[order] = raw[order]
        for k in range(1, order):
            self.a[k] = Counter({g: 0 for g in raw[k]})
            for g in raw[k + 1]:
                self.a[k][g[1:]] += 1
        self.d = [0.0] * (order + 1)
        for k in range(1, order + 1):
            vals = list(self.a[k].values())
            n1, n2 = vals.count(1), vals.count(2)
            self.d[k] = min(max(n1 / (n1 + 2 * n2), 0.05), 0.95) if n1 + 2 * n2 else 0.5
        self.denom: list[dict[str, float]] = [defaultdict(float) for _ in range(order + 1)]
        self.types: list[dict[str, float]] = [defaultdict(float) for _ in range(order + 1)]
        for k in range(2, order + 1):
            for g, c in self.a[k].items():
                self.denom[k][g[:-1]] += c
                self.types[k][g[:-1]] += c > 0
        total = sum(self.a[1].values())
        self.total = total
        self.vocab = len(self.a[1])
        self.gamma0 = self.d[1] * sum(1 for c in self.a[1].values() if c > 0) / total

    def prob(self, h: str, w: str) -> float:
        if not h:
            own = max(self.a[1].get(w, 0) - self.d[1], 0) / self.total
            return own + self.gamma0 / (self.vocab + 1)
        k = len(h) + 1
        lower = self.prob(h[1:], w)
        den = self.denom[k].get(h, 0.0)
        if den == 0:
            return lower
        gamma = self.d[k] * self.types[k][h] / den
        return max(self.a[k].get(h + w, 0) - self.d[k], 0) / den + gamma * lower

    def logprob(self, text: str) -> float:
        s = fold(text)
        return sum(math.log(self.prob(s[max(0, i - self.n + 1) : i], s[i])) for i in range(len(s)))


ALPHABET = "的中国人民共和一二是a,"
lines_st = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=12), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(lines=lines_st, query=st.text(alphabet=ALPHABET + "x", max_size=10), order=st.integers(2, 5))
def test_logprob_matches_reference(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], query: str, order: int
) -> None:
    path = tmp_path_factory.mktemp("lm") / "m.tmlm"
    build_model(["\n".join(lines)], path, order=order, min_count=1)
    model = LanguageModel(path)
    ref = ReferenceKN(lines, order)
    # Each stored value is rounded to 1/SCALE nats; a character uses at most order+1 of them.
    tol = (order + 1) * 0.5 / SCALE * max(1, len(query)) + 1e-9
    assert model.logprob(query) == pytest.approx(ref.logprob(query), abs=tol)


def test_distribution_sums_to_one(tmp_path: Path) -> None:
    text = "中华人民共和国成立了。人民共和国的人民是国家的主人。国家的一切权力属于人民。"
    path = tmp_path / "m.tmlm"
    build_model([text], path, order=4, min_count=1)
    model = LanguageModel(path)
    vocab = sorted(set(text))
    for left in ["人民", "共和", "的", "xyz", ""]:
        scores = model.compare(left, vocab, "")
        mass = sum(math.exp(s) for s in scores) + math.exp(model.unk_logp)
        # Missing mass: the line-start marker's own unigram share, never stored.
        assert 0.97 < mass <= 1.001


def test_in_context_prefers_seen_text(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["国务院办公厅关于印发通知\n国务院关于加强管理的意见\n办公厅印发意见"], path)
    m = LanguageModel(path)
    good, bad = m.compare("国务院", ["办公厅", "办公听"], "关于")
    assert good > bad
    assert m.score_in_context("国务院", "办公厅", "关于") == good


def test_right_context_beyond_order_changes_nothing_between_candidates(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["甲乙丙丁戊己庚辛壬癸甲乙丙丁"], path, order=3)
    m = LanguageModel(path)
    a = m.compare("甲", ["乙", "丙"], "丙丁戊")
    b = m.compare("甲", ["乙", "丙"], "丙丁戊己庚辛")
    assert a == b


def test_batch_equals_single_calls(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["一二三四五六七八九十\n十九八七六五四三二一"], path)
    m = LanguageModel(path)
    items = [("一二", "三", "四五"), ("", "十九", ""), ("八七六", "", "五"), ("x", "y", "z")]
    single = [m.score_in_context(*it) for it in items]
    assert m.score_batch(items) == pytest.approx(single)
    texts = ["一二三", "", "九八", "四五六七八九"]
    assert m.logprobs(texts) == pytest.approx([m.logprob(t) for t in texts])


def test_traditional_scores_like_simplified(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["中华人民共和国国务院关于发展经济的决定"], path)
    m = LanguageModel(path)
    assert m.logprob("中華人民共和國國務院關於發展經濟") == m.logprob("中华人民共和国国务院关于发展经济")


@settings(max_examples=30, deadline=None)
@given(
    fps=st.sets(st.integers(1, 2**32 - 1), max_size=300),
    low=st.integers(0, 2**32 - 1),
    probes=st.lists(st.integers(1, 2**32 - 1), max_size=50),
)
def test_table_round_trip(fps: set[int], low: int, probes: list[int]) -> None:
    # Distinct fingerprints (high 32 bits), as 64-bit mixed keys have; the low bits pick the
    # bucket, and the shared ``low`` offset makes many keys crowd a few buckets.
    keys = sorted((fp << 32) | ((low + fp % 3) & 0xFFFFFFFF) for fp in fps)
    arr = np.array(keys, dtype=np.uint64)
    # Values as a plain function of the key, so every lookup can be checked.
    lp = -(arr % np.uint64(20000)).astype(np.float64) / SCALE
    bo = (arr % np.uint64(7)).astype(np.float64) / SCALE
    table, overflow = build_table(arr, lp, bo)
    found, got_lp, got_bo = unpack(lookup(table, overflow, arr))
    assert found.all()
    assert np.allclose(got_lp, lp) and np.allclose(got_bo, bo)
    absent = np.array([(p << 32) | low for p in probes if p not in fps], dtype=np.uint64)
    assert not unpack(lookup(table, overflow, absent))[0].any()


def test_table_overflowing_buckets() -> None:
    # Keys with equal low 32 bits all aim at one bucket and must spill onwards.
    n = 199
    buckets = max(16, math.ceil(n / (BUCKET * LOAD)))
    keys = np.array([(i << 32) + 5 for i in range(1, n + 1)], dtype=np.uint64)
    table, overflow = build_table(keys, np.full(n, -1.0), np.zeros(n))
    assert len(table) == buckets * BUCKET
    found, lp, _ = unpack(lookup(table, overflow, keys))
    assert found.all() and np.allclose(lp, -1.0)
    missing = keys + np.uint64(1000 << 32)
    assert not unpack(lookup(table, overflow, missing))[0].any()


def test_lookup_stops_where_the_overflow_chain_ends() -> None:
    def homed(fp: int, bucket: int, buckets: int) -> int:
        """A key with fingerprint ``fp`` whose home (fastrange of the low half) is ``bucket``."""
        return (fp << 32) | -(-(bucket << 32) // buckets)

    buckets = 16  # build_table's minimum, for the 10 keys below
    crowd = [homed(fp, 3, buckets) for fp in range(1, 10)]  # 9 keys for 8 slots: one moves on
    beyond = homed(100, 5, buckets)  # same fingerprint as the probes, past the chain's end
    keys = np.array([*crowd, beyond], dtype=np.uint64)
    table, overflow = build_table(keys, np.arange(10) / -10.0, np.zeros(10))
    assert len(overflow) == buckets and overflow[3] and not overflow[4]
    found, lp, _ = unpack(lookup(table, overflow, keys))
    assert found.all() and np.allclose(lp, np.arange(10) / -10.0)
    # Probes homed at bucket 3 walk on to bucket 4 only; many at once and a single one take
    # different code paths (vectorised chase, plain Python).
    for count in (12, 1):
        probes = np.full(count, homed(100, 3, buckets), dtype=np.uint64)
        assert not lookup(table, overflow, probes).any()


def test_bad_model_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tmlm"
    junk.write_bytes(b"hello world, not a model")
    with pytest.raises(InputError, match="not a textmend language model"):
        LanguageModel(junk)
    with pytest.raises(InputError, match="cannot read"):
        LanguageModel(tmp_path / "missing.tmlm")
    good = tmp_path / "good.tmlm"
    build_model(["一二三四五六"], good)
    data = good.read_bytes()
    (tmp_path / "cut.tmlm").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        LanguageModel(tmp_path / "cut.tmlm")
    (tmp_path / "hdr.tmlm").write_bytes(MAGIC + (5).to_bytes(8, "little") + b"{bad}")
    with pytest.raises(InputError, match="corrupt"):
        LanguageModel(tmp_path / "hdr.tmlm")


def test_write_is_atomic_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "m.bin"
    write_model(target, {"x": np.arange(5, dtype=np.uint64)}, {"a": 1})
    meta, arrays = read_model(target)
    assert meta == {"a": 1} and arrays["x"].tolist() == [0, 1, 2, 3, 4]
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.bin"]


def test_an_interrupted_model_write_leaves_its_temp_for_cleanup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt (SIGTERM is raised as KeyboardInterrupt) right after the temp file exists:
    its name was registered before, so the CLI's final cleanup removes it."""
    from textmend import io
    from textmend.lm import modelfile

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    made: list[str] = []
    real_new_temp = io.new_temp

    def new_temp_then_interrupt(path: Path) -> tuple[int, str]:
        fd, name = real_new_temp(path)
        os.close(fd)
        made.append(name)
        assert name in io._PENDING  # registered before anything can interrupt
        raise KeyboardInterrupt

    monkeypatch.setattr(io, "new_temp", new_temp_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        modelfile.write_model(tmp_path / "m.bin", {"x": np.arange(3, dtype=np.uint64)}, {})
    assert [Path(m).exists() for m in made] == [True]
    io.remove_pending_temps()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setattr(modelfile.os, "chmod", interrupted)
    with pytest.raises(KeyboardInterrupt):
        modelfile.write_model(tmp_path / "m.bin", {"x": np.arange(3, dtype=np.uint64)}, {})
    assert list(tmp_path.iterdir()) == []  # the writer's own handler removed it


def test_read_corpus(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"text": "第一"}\n\n{"text": "第二"}\n', encoding="utf-8")
    (tmp_path / "b.txt").write_text("第三", encoding="utf-8")
    assert list(read_corpus(tmp_path)) == ["第一", "第二", "第三"]
    (tmp_path / "c.jsonl").write_text('{"text": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="no string field"):
        list(read_corpus(tmp_path / "c.jsonl"))
    (tmp_path / "d.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match="bad JSON"):
        list(read_corpus(tmp_path / "d.jsonl"))
    with pytest.raises(InputError):
        list(read_corpus(tmp_path / "nope"))


def test_get_model_caches_per_path(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["一二三"], path)
    assert get_model(path) is get_model(str(path))


def test_default_model_is_built_once_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTMEND_CACHE", str(tmp_path))
    m = get_model()
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].stat().st_size < 100e6
    assert oct(files[0].stat().st_mode & 0o777) == "0o644"
    mtime = files[0].stat().st_mtime_ns
    assert get_model() is m
    assert files[0].stat().st_mtime_ns == mtime
    # Common words beat same-pinyin misspellings, in both scripts.
    assert m.logprob("中华人民共和国") > m.logprob("中华人民公和国")
    assert m.logprob("經濟發展") > m.logprob("經濟法展")
    best = m.compare("我们要加强", ["管理", "管里", "官理"], "工作")
    assert best[0] == max(best)
    # Marks are known characters (a word list has none; see sources.default_lines).
    for mark in "，。、":
        assert m.logprob(mark) > m.unk_logp + 1
    fullstop, rare = m.compare("工作", ["。現", "劊現"], "在")
    assert fullstop > rare
    assert os.environ["TEXTMEND_CACHE"] == str(tmp_path)


@pytest.mark.shared
def test_trained_model_prefers_real_text(shared_dir: Path, tmp_path: Path) -> None:
    import json

    texts = []
    with (shared_dir / "corpora" / "laws-cn.jsonl").open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 150:
                break
            texts.append(json.loads(line)["text"])
    path = tmp_path / "laws.tmlm"
    build_model(texts[:120], path, min_count=2)
    m = LanguageModel(path)
    # Swap adjacent characters at many positions of unseen documents: real order must win.
    rng = np.random.default_rng(0)
    wins = trials = 0
    for text in texts[120:]:
        for i in rng.integers(10, max(11, len(text) - 10), size=10):
            a, b = text[i], text[i + 1]
            if a == b or a == "\n" or b == "\n":
                continue
            good, bad = m.compare(text[:i], [a + b, b + a], text[i + 2 :])
            wins += good > bad
            trials += 1
    assert trials > 200 and wins / trials > 0.9, (wins, trials)


def test_damaged_default_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.lm.registry import _load
    from textmend.lm.sources import DEFAULT_NAME

    monkeypatch.setenv("TEXTMEND_CACHE", str(tmp_path))
    (tmp_path / DEFAULT_NAME).write_bytes(b"garbage")
    _load.cache_clear()
    m = get_model()
    assert m.logprob("中华人民共和国") > m.logprob("中华人民公和国")


@functools.cache
def _jieba_freq() -> tuple[dict[str, int], float]:
    from textmend.lm.words import _tokenizer

    tok = _tokenizer()
    return tok.FREQ, math.log(tok.total)


def _best_segmentation_reference(text: str) -> float:
    """Max over every split into dictionary words (or single characters) of the summed log-frequencies."""
    freq, logtotal = _jieba_freq()
    best = [0.0] + [-math.inf] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(end):
            piece = text[start:end]
            f = freq.get(piece, 0)
            if f > 0 or end - start == 1:
                best[end] = max(best[end], best[start] + math.log(f or 1) - logtotal)
    return best[-1]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="中华人民共和国发展经济管理工作的了是在加强", min_size=1, max_size=9))
def test_word_logprob_is_the_best_segmentation(text: str) -> None:
    from textmend.lm.words import word_logprob

    assert word_logprob(text) == pytest.approx(_best_segmentation_reference(text))


def test_compare_words_prefers_the_real_word(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["一二三"], path)  # a model that knows nothing: the word component decides
    m = LanguageModel(path)
    real, fake = m.compare_words("我们要", ["发展", "法展"], "经济")
    assert real > fake
    assert m.compare_words("我们要", ["发展"], "经济", weight=0.0) == m.compare("我们要", ["发展"], "经济")


def test_unwritable_destinations_raise_domain_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.errors import TextmendError
    from textmend.lm.registry import _load

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write language model"):
        build_model(["一二三"], blocker / "m.tmlm")
    monkeypatch.setenv("TEXTMEND_CACHE", str(blocker / "cache"))
    _load.cache_clear()
    with pytest.raises(TextmendError, match="TEXTMEND_CACHE"):
        get_model()


def _backoff_reference(model: LanguageModel, text: str, first: int = 0) -> float:
    """Backoff scoring one character at a time, every order looked up: what the vectorised,
    early-stopping scorers must equal on any model, pruned or not. Characters before ``first``
    are context only."""
    from textmend.lm.hashing import codes_of, ngram_keys

    codes = codes_of(fold(text))
    keys = ngram_keys(codes, model.order)

    def entry(k: int, end: int) -> tuple[bool, float, float]:
        """(found, logp, backoff) of the k-gram ending at ``end``."""
        f, lp, bo = unpack(lookup(model._table, model._overflow, keys[k - 1][end - k + 1 : end - k + 2]))
        return bool(f[0]), float(lp[0]), float(bo[0])

    total = 0.0
    for t in range(first, len(codes)):
        top = min(model.order, t + 1)
        logp = None
        backoff = 0.0
        for k in range(top, 0, -1):
            found, lp, _ = entry(k, t)
            if found:
                logp = lp
                break
            if k >= 2:
                ctx_found, _, ctx_bo = entry(k - 1, t - 1)
                backoff += ctx_bo if ctx_found else 0.0
        total += backoff + (logp if logp is not None else model.unk_logp)
    return total


def _compare_reference(model: LanguageModel, left: str, candidates: list[str], right: str) -> list[float]:
    """compare() from its definition: each candidate in its own context, scored from the span on."""
    c = model.order - 1
    lctx, rctx = left[-c:], right[:c]
    return [_backoff_reference(model, lctx + cand + rctx, len(lctx)) for cand in candidates]


def _assert_compare_paths_match_reference(
    model: LanguageModel, left: str, candidates: list[str], right: str
) -> None:
    want = _compare_reference(model, left, candidates, right)
    assert model.compare(left, candidates, right) == pytest.approx(want, abs=1e-9)
    # Each path on its own, whatever size compare() would pick it for.
    c = model.order - 1
    lctx, rctx = left[-c:], right[:c]
    unique = list(dict.fromkeys(candidates))
    expect = dict(zip(candidates, want, strict=True))
    grid = model._compare_grid(lctx, unique, rctx, [len(u) for u in unique]).tolist()
    assert grid == pytest.approx([expect[u] for u in unique], abs=1e-9)
    scalar = model._scalar.score([lctx + u + rctx for u in unique], [len(lctx)] * len(unique))
    assert scalar == pytest.approx([expect[u] for u in unique], abs=1e-9)


# Seen and unseen characters, a traditional one (folded), a fullwidth mark and an astral one.
CAND_ALPHABET = "甲乙丙丁戊己庚乙們，😀"
cand_st = st.lists(st.text(alphabet=CAND_ALPHABET, max_size=6), min_size=1, max_size=14)


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="甲乙丙丁戊己们,", min_size=2, max_size=15), min_size=1, max_size=15),
    order=st.integers(2, 5),
    min_count=st.sampled_from([1.0, 2.0]),
    left=st.text(alphabet=CAND_ALPHABET, max_size=6),
    candidates=cand_st,
    right=st.text(alphabet=CAND_ALPHABET, max_size=6),
)
def test_compare_matches_reference_on_trained_models(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    order: int,
    min_count: float,
    left: str,
    candidates: list[str],
    right: str,
) -> None:
    path = tmp_path_factory.mktemp("lm") / "m.tmlm"
    build_model(["\n".join(lines)], path, order=order, min_count=min_count)
    _assert_compare_paths_match_reference(LanguageModel(path), left, candidates, right)


COMMON = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感見們發這經"
common_st = st.text(alphabet=COMMON + "，。a1", max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    left=common_st,
    candidates=st.lists(st.text(alphabet=COMMON, max_size=5), min_size=1, max_size=40),
    right=common_st,
)
def test_compare_matches_reference_on_the_default_model(left: str, candidates: list[str], right: str) -> None:
    _assert_compare_paths_match_reference(get_model(), left, candidates, right)


def test_compare_keeps_order_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["甲乙丙丁戊己庚辛壬癸" * 3], path, min_count=1)
    m = LanguageModel(path)
    many = ["乙", "丙", "乙", "", "乙丙丁", "丙"] * 30  # large enough for the vectorised path
    scores = m.compare("甲", many, "丁戊")
    single = {cand: m.compare("甲", [cand], "丁戊")[0] for cand in set(many)}
    assert scores == pytest.approx([single[c] for c in many], abs=1e-9)
    assert m.compare("甲", [], "丁") == []
    # One very long candidate among short ones: scored without padding every row to its width.
    odd = [*"乙丙丁戊己庚辛壬癸", "乙丙丁戊己庚辛壬癸" * 20]
    assert m.compare("甲", odd, "丁") == pytest.approx(_compare_reference(m, "甲", odd, "丁"), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(codes=st.lists(st.integers(0, 0x10FFFF), max_size=30), order=st.integers(2, 8))
def test_end_keys_are_ngram_keys_by_end(codes: list[int], order: int) -> None:
    from textmend.lm.hashing import end_keys, ngram_keys

    arr = np.array(codes, dtype=np.uint32)
    by_end = end_keys(arr, order)
    by_start = ngram_keys(arr, order)
    assert not by_end[0].any()
    for k in range(1, order + 1):
        assert by_end[k, k - 1 :].tolist() == by_start[k - 1].tolist()


@settings(max_examples=25, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="甲乙丙丁戊己", min_size=2, max_size=15), min_size=1, max_size=15),
    query=st.text(alphabet="甲乙丙丁戊己庚", max_size=12),
    min_count=st.sampled_from([1.0, 2.0, 3.0]),
)
def test_vectorised_scoring_matches_backoff_reference(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], query: str, min_count: float
) -> None:
    path = tmp_path_factory.mktemp("lm") / "m.tmlm"
    build_model(["\n".join(lines)], path, order=4, min_count=min_count)
    model = LanguageModel(path)
    assert model.logprob(query) == pytest.approx(_backoff_reference(model, query), abs=1e-9)


def test_any_code_point_scores(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["中文\udcff😀文本"], path, min_count=1)
    m = LanguageModel(path)
    # Lone surrogates (surrogateescape bytes) and astral characters are characters like any other.
    assert m.logprob("中文\udcff😀") > m.logprob("中文\udcfe😀")
    assert len(m.compare("\udcff", ["😀", "\ud800"], "文")) == 2


def test_readers_never_see_a_half_written_model(tmp_path: Path) -> None:
    import subprocess
    import sys

    a, b, target = tmp_path / "a.tmlm", tmp_path / "b.tmlm", tmp_path / "m.tmlm"
    build_model(["甲乙丙丁" * 50], a, min_count=1)
    build_model(["丁丙乙甲" * 50], b, min_count=1)
    expect = {LanguageModel(a).logprob("甲乙丙"), LanguageModel(b).logprob("甲乙丙")}
    assert len(expect) == 2
    target.write_bytes(a.read_bytes())
    # Another process keeps replacing the model the way a concurrent first use would.
    code = (
        "import sys; from textmend.lm.modelfile import read_model, write_model\n"
        "srcs = [read_model(p) for p in sys.argv[1:3]]\n"
        "for i in range(60):\n"
        "    meta, arrays = srcs[i % 2]\n"
        "    write_model(sys.argv[3], {k: v.copy() for k, v in arrays.items()}, meta)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(a), str(b), str(target)])
    seen = 0
    while writer.poll() is None:
        assert LanguageModel(target).logprob("甲乙丙") in expect
        seen += 1
    assert writer.returncode == 0 and seen > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tmlm", "b.tmlm", "m.tmlm"]


def test_model_from_another_scheme_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.tmlm"
    build_model(["一二三"], path)
    meta, arrays = read_model(path)
    other = tmp_path / "other.tmlm"
    write_model(other, {k: v.copy() for k, v in arrays.items()}, {**meta, "scheme": "something-else"})
    with pytest.raises(InputError, match="incompatible"):
        LanguageModel(other)


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="甲乙丙丁戊己", min_size=2, max_size=15), min_size=1, max_size=15),
    texts=st.lists(st.text(alphabet="甲乙丙丁戊己庚", max_size=12), min_size=1, max_size=6),
    skips=st.lists(st.integers(0, 5), min_size=6, max_size=6),
    min_count=st.sampled_from([1.0, 2.0]),
)
def test_scalar_path_equals_vectorised_path(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[str],
    texts: list[str],
    skips: list[int],
    min_count: float,
) -> None:
    path = tmp_path_factory.mktemp("lm") / "m.tmlm"
    build_model(["\n".join(lines)], path, order=4, min_count=min_count)
    model = LanguageModel(path)
    skip = [min(s, len(t)) for s, t in zip(skips, texts, strict=False)]
    scalar = model._scalar.score(texts, skip)
    assert scalar == pytest.approx(model._score_vectorised(texts, skip).tolist(), abs=1e-9)
    assert model._scalar.score(texts, skip) == scalar  # the memo gives the same answers


# --- build_model's default min_count: keep every n-gram while the model stays small ---------------

_PRUNE_TEXT = [
    "中华人民共和国成立了。人民代表大会召开。",
    "国务院办公厅发布通知。",
    "人民代表大会常务委员会。",
]


def _ngrams(path: Path) -> tuple[float, float]:
    meta = LanguageModel(path).meta
    return float(meta["min_count"]), float(meta["ngrams"])


def test_default_min_count_keeps_rare_ngrams_of_a_small_corpus(tmp_path: Path) -> None:
    built = {}
    for name, kw in (("default", {}), ("1", {"min_count": 1}), ("2", {"min_count": 2})):
        build_model(_PRUNE_TEXT, tmp_path / f"{name}.tmlm", **kw)  # type: ignore[arg-type]
        built[name] = _ngrams(tmp_path / f"{name}.tmlm")
    assert built["default"] == built["1"]
    assert built["default"][0] == 1.0
    assert built["2"][0] == 2.0 and built["2"][1] < built["1"][1]


def test_default_min_count_prunes_a_large_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.lm import build as build_module

    build_model(_PRUNE_TEXT, tmp_path / "2.tmlm", min_count=2)
    monkeypatch.setattr(build_module, "KEEP_ALL_NGRAMS", 10)
    build_model(_PRUNE_TEXT, tmp_path / "auto.tmlm")
    assert _ngrams(tmp_path / "auto.tmlm") == _ngrams(tmp_path / "2.tmlm")


def test_min_count_below_one_is_refused(tmp_path: Path) -> None:
    from textmend.errors import ConfigError

    with pytest.raises(ConfigError, match="min_count"):
        build_model(_PRUNE_TEXT, tmp_path / "m.tmlm", min_count=0.5)
    assert not (tmp_path / "m.tmlm").exists()
