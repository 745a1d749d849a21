"""The default repair's fast paths change no output: the spinner gate's cheap pre-check, the
candidate index's shortcut for non-words, the memoised per-form facts; and ``spun_score``.

Each fast path is checked against the slow computation it replaces (RapidFuzz style: an
obviously correct reference next to the optimised code), on generated texts and, when
../shared is present, on real law paragraphs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spinner_fakes import SPUN, WordModel, install_fake, make_lexicon

from textmend.edits import RepairResult
from textmend.repair import pipeline
from textmend.repair import spinner as fixer
from textmend.repair.config import RepairConfig
from textmend.spinner import wordfreq
from textmend.spinner.candidates import CandidateIndex
from textmend.spinner.lexicon import is_word
from textmend.spinner.reverse import common_originals
from textmend.spinner.table import ReversalTable

# Rare words with common synonyms (jieba counts: 为了/保护/服务/网络 are common, the others rare),
# and a learned table whose forms are longer than any lexicon word.
GROUPS = ({"保护", "庇祐"}, {"为了", "以求"}, {"服务", "效劳"}, {"网络", "收集"}, {"保护", "维护"})
TABLE_PAIRS = (("野生智能", "人工智能"), ("机械进修方法", "机器学习方法"))


def _index() -> CandidateIndex:
    table = ReversalTable()
    for spun, orig in TABLE_PAIRS:
        table.add(spun, orig, 3)
    return CandidateIndex([make_lexicon(*GROUPS)], table=table)


def _reference_originals(index: CandidateIndex, form: str) -> tuple[str, ...]:
    """CandidateIndex.originals as it was written before the shortcut (no cache, no pre-check)."""
    ordered: dict[str, None] = {}
    if index.table is not None:
        for orig, _ in index.table.originals(form):
            ordered[orig] = None
    if is_word(form):
        for lex in index.lexicons:
            for orig in sorted(lex.synonyms(form, index.script)):
                ordered[orig] = None
    ordered.pop(form, None)
    return tuple(ordered)[: index.max_candidates]


_WORDS = ["保护", "庇祐", "为了", "以求", "服务", "效劳", "网络", "收集", "维护", "野生智能", "机械进修方法"]
_PIECES = st.sampled_from([*_WORDS, "环境", "我们", "森林", "，", "。", "的", "和", "A", "\n", "护", "祐"])
TEXTS = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_rare_rate_bound_is_an_upper_bound(text: str) -> None:
    index = _index()
    assert wordfreq.rare_rate_bound(text, index) >= wordfreq.rare_synonym_rate(text, index)


def test_rare_rate_bound_can_prune_and_is_tight_on_rare_runs() -> None:
    index = _index()
    assert wordfreq.rare_rate_bound("为了保护环境，我们要保护森林。", index) == 0.0
    spun = "以求庇祐环境，我们要庇祐森林。"  # three rare words in 13 Han characters
    assert wordfreq.rare_rate_bound(spun, index) == pytest.approx(100 * 3 / 13)
    # overlapping occurrences count once: 庇祐 and 祐以 cannot both be words of one segmentation
    assert wordfreq.rare_rate_bound("庇祐以求", index) == pytest.approx(100 * 2 / 4)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_originals_shortcut_matches_the_full_lookup(text: str) -> None:
    index = _index()
    for i in range(len(text)):
        for j in range(i + 1, min(len(text), i + 7) + 1):
            assert index.originals(text[i:j]) == _reference_originals(index, text[i:j])


def test_the_originals_cache_holds_only_forms_with_originals() -> None:
    index = _index()
    list(index.sites("为了保护环境，我们要保护森林。" * 50 + "甲乙丙丁戊己庚辛壬癸" * 50))
    assert set(index._cache) <= {"保护", "为了", "庇祐", "以求", "维护"}
    assert all(index._cache.values())


def test_common_originals_is_the_frequency_filter() -> None:
    index = _index()
    for form in ("效劳", "服务", "庇祐", "保护", "野生智能"):
        for limit in (0.0, 1.5):
            want = tuple(o for o in index.originals(form) if wordfreq.log_ratio(o, form) >= limit)
            assert common_originals(index, form, limit) == want
            assert common_originals(index, form, limit) == want  # memoised answer


# --- the gate's pre-check changes no output ----------------------------------------------------


def _no_precheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate as it was: an infinite bound never stops a document before jieba runs."""
    monkeypatch.setattr(fixer.wordfreq, "rare_rate_bound", lambda text, index: math.inf)


def _law_paragraphs(shared_dir: Path, n: int) -> list[str]:
    out: list[str] = []
    for name in ("laws-cn.jsonl", "laws-tw.jsonl"):
        with (shared_dir / "corpora" / name).open(encoding="utf-8") as f:
            for k, line in enumerate(f):
                if k % 7:  # spread over the corpus
                    continue
                out.extend(p.strip() for p in json.loads(line)["text"].split("\n") if len(p.strip()) >= 40)
                if len(out) >= n * (2 if name.endswith("tw.jsonl") else 1):
                    break
    return out


def _gate_answers(texts: Sequence[str]) -> list[tuple[Any, ...]]:
    out = []
    for t in texts:
        edits, score = fixer.fix_scored(t, RepairConfig())
        out.append((tuple(edits), score))
    return out


def test_precheck_changes_no_spinner_output_on_law_paragraphs(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _law_paragraphs(shared_dir, 300)
    for t in texts:  # the real lexicons and word counts: the bound bounds
        index = fixer._index(fixer._script_of(t))
        assert fixer._rare_rate(t, index, wordfreq.rare_rate_bound) >= fixer._rare_rate(t, index)
    fast = _gate_answers(texts)
    pruned = sum(score is None for _, score in fast)
    assert pruned > len(texts) // 4, "the pre-check stops a good share of clean documents early"
    _no_precheck(monkeypatch)
    slow = _gate_answers(texts)
    for (f_edits, f_score), (s_edits, s_score) in zip(fast, slow, strict=True):
        assert f_edits == s_edits
        if f_score is not None or s_score is None:  # scored by both, or by neither (too short)
            assert f_score == s_score
        else:  # stopped by the bound: the gate would have stopped it too, and reversed nothing
            assert s_score < fixer.THRESHOLD and not s_edits


def test_precheck_lets_spun_text_through(shared_dir: Path) -> None:
    from textmend.spinner import lexicon
    from textmend.spinner.synth import Spinner

    spinner = Spinner.from_lexicon(lexicon.cilin(), "s", seed=1)
    checked = 0
    # Paragraphs joined into documents long enough for auto (MIN_HAN_AUTO Han characters).
    docs, cur = [], ""
    for p in _law_paragraphs(shared_dir, 200):
        cur += p
        if fixer.han_count(cur) >= fixer.MIN_HAN_AUTO + 50:
            docs.append(cur)
            cur = ""
    for k, text in enumerate(docs[:30]):
        spun, subs = spinner.spin(text, rate=1.0, seed=k)
        if len(subs) * 6 < len(spun) or fixer.han_count(spun) < fixer.MIN_HAN_AUTO:
            continue  # too few swaps to call it spun, or too short to be scored at all
        checked += 1
        assert fixer.fix_scored(spun, RepairConfig())[1] is not None
    assert checked >= 5


# --- spun_score ------------------------------------------------------------------------------------

SPUN_RATE = 100 * 39 / 208  # SPUN: 39 swaps in 208 Han characters


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(monkeypatch)


@pytest.mark.usefixtures("fake")
def test_pipeline_fills_spun_score_with_the_gate_score() -> None:
    result = pipeline.repair(SPUN)
    assert result.text == "本单位提供服务器和网络安全的服务。" * 13
    assert result.spun_score == pytest.approx(SPUN_RATE)
    assert result.spun_score == fixer.score(SPUN, RepairConfig())
    detect = pipeline.repair(SPUN, spinner="detect")
    assert not detect.changed and detect.spun_score == result.spun_score
    assert pipeline.repair(SPUN, spinner="off").spun_score is None


@pytest.mark.usefixtures("fake")
def test_spun_score_is_none_when_not_scored() -> None:
    assert pipeline.repair("本单位提供效劳器。").spun_score is None  # under MIN_HAN Han characters
    clean = "本单位提供服务器和网络安全的服务。" * 13  # no rare word: the pre-check stops it
    assert pipeline.repair(clean).spun_score is None
    # the same document is scored (0) when asked to detect
    assert pipeline.repair(clean, spinner="detect").spun_score == 0.0


@pytest.mark.usefixtures("fake")
def test_spun_score_of_a_segmented_text_is_its_highest(monkeypatch: pytest.MonkeyPatch) -> None:
    clean = "本单位提供服务器和网络安全的服务。" * 4
    monkeypatch.setattr(pipeline, "MAX_SEGMENT", len(SPUN) + 5)
    result = pipeline.repair(clean + "\n\n" + SPUN, spinner="detect")
    assert any(f.kind == "segmented" for f in result.flags)
    assert result.spun_score == pytest.approx(SPUN_RATE)


@pytest.mark.usefixtures("fake")
def test_repair_batch_reports_the_score() -> None:
    from textmend.hf import repair_batch

    out = repair_batch({"text": [SPUN, "今天天气很好。"]})
    assert out["spun_score"][0] == pytest.approx(SPUN_RATE)
    assert math.isnan(out["spun_score"][1])


def test_spun_score_default_is_none() -> None:
    assert RepairResult(text="x").spun_score is None


def test_memo_scorer_answers_like_its_model_and_asks_once() -> None:
    from textmend.spinner.reverse import MemoScorer, memo_scorer

    calls: list[tuple[str, tuple[str, ...], str]] = []

    class Counting(WordModel):
        def compare(self, left: str, candidates: Sequence[str], right: str) -> list[float]:
            calls.append((left, tuple(candidates), right))
            return super().compare(left, candidates, right)

    model = Counting(["服务器"])
    memo = memo_scorer(model)
    assert memo_scorer(memo) is memo and isinstance(memo, MemoScorer)
    for _ in range(3):
        assert memo.compare("提供", ["效劳", "服务"], "器和") == WordModel(["服务器"]).compare(
            "提供", ["效劳", "服务"], "器和"
        )
    memo.compare("提供", ["服务", "效劳"], "器和")
    assert len(calls) == 2, "one call per distinct question"
