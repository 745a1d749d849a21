"""The Python API: Deduplicator (incremental add, query, clusters, save/load), explain, diff, warm_up."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from textmend import Document, apply_plan, repair
from textmend.api import Deduplicator, Match, diff, explain, warm_up
from textmend.errors import ConfigError, InputError

# Common CJK ideographs; random strings over them share essentially no 5-grams by chance.
ALPHABET = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]


def _text(rng: random.Random, n: int = 300) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def _edited(rng: random.Random, text: str, rate: float) -> str:
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * rate)):
        chars[i] = rng.choice(ALPHABET)
    return "".join(chars)


def _ref_jaccard(a: str, b: str, n: int = 5) -> float:
    """The obviously-correct reference: Jaccard of the two texts' character n-gram sets."""
    sa = {a[i : i + n] for i in range(len(a) - n + 1)}
    sb = {b[i : i + n] for i in range(len(b) - n + 1)}
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    """40 unrelated texts, plus for the first 10 a copy with 2% of characters replaced."""
    rng = random.Random(11)
    base = {f"d{k}": _text(rng) for k in range(40)}
    copies = {f"c{k}": _edited(rng, base[f"d{k}"], 0.02) for k in range(10)}
    return base | copies


def test_add_many_reports_each_copy_against_its_original(corpus: dict[str, str]) -> None:
    dd = Deduplicator(fold_script=False)
    found = dd.add_many(list(corpus.items()))
    assert len(dd) == 50
    for doc_id, matches in found.items():
        if doc_id.startswith("c"):
            original = "d" + doc_id[1:]
            assert [m.id for m in matches] == [original]
            assert matches[0].similarity == pytest.approx(_ref_jaccard(corpus[doc_id], corpus[original]))
        else:  # originals came first: nothing earlier duplicates them
            assert matches == []


def test_query_agrees_with_brute_force_reference(corpus: dict[str, str]) -> None:
    dd = Deduplicator(fold_script=False, threshold=0.5)
    dd.add_many(list(corpus.items()))
    rng = random.Random(5)
    for k in range(10):
        probe = _edited(rng, corpus[f"d{k}"], 0.03)
        expected = sorted(
            (i for i, t in corpus.items() if _ref_jaccard(probe, t) >= 0.5),
            key=lambda i: (-_ref_jaccard(probe, corpus[i]), i),
        )
        got = dd.query(probe)
        assert [m.id for m in got] == expected
        for m in got:
            assert m.similarity == pytest.approx(_ref_jaccard(probe, corpus[m.id]))
    assert len(dd) == 50, "query must not add"


def test_query_threshold_only_filters_more(corpus: dict[str, str]) -> None:
    dd = Deduplicator(fold_script=False)
    dd.add_many(list(corpus.items()))
    probe = corpus["d0"]
    all_hits = dd.query(probe)
    strict = dd.query(probe, threshold=0.99)
    assert [m.id for m in strict] == ["d0"]
    assert {m.id for m in strict} <= {m.id for m in all_hits}
    with pytest.raises(ConfigError):
        dd.query(probe, threshold=0)


def test_empty_index_and_empty_text() -> None:
    dd = Deduplicator()
    assert dd.query("中华人民共和国") == []
    dd.add("中华人民共和国民法典", id="x")
    assert dd.query("") == []


def test_incremental_add_equals_one_batch(corpus: dict[str, str]) -> None:
    items = list(corpus.items())
    one = Deduplicator(fold_script=False)
    one.add_many(items)
    inc = Deduplicator(fold_script=False)
    for doc_id, text in items:
        inc.add(text, id=doc_id)
    assert inc.clusters() == one.clusters()
    assert sorted(one.clusters()) == sorted([f"d{k}", f"c{k}"] for k in range(10))


def test_duplicates_drop_one_per_pair(corpus: dict[str, str]) -> None:
    dd = Deduplicator(fold_script=False)
    dd.add_many(list(corpus.items()))
    dropped = dd.duplicates()
    # Every original and its copy have the same length: 'longest' keeps the first of the two.
    assert sorted(dropped) == sorted(f"c{k}" for k in range(10))


def test_ids_must_be_unique_and_inputs_typed() -> None:
    dd = Deduplicator()
    dd.add("第一条 为了规范不动产登记行为", id="a")
    assert "a" in dd
    with pytest.raises(InputError):
        dd.add("第二条 不动产登记", id="a")
    with pytest.raises(TypeError):
        dd.add_many([42])  # type: ignore[list-item]
    with pytest.raises(ConfigError):
        Deduplicator(no_such_option=1)


def test_add_accepts_documents_texts_and_pairs() -> None:
    dd = Deduplicator()
    found = dd.add_many([Document("doc", "甲乙丙丁戊己庚辛"), "天地玄黄宇宙洪荒", ("p", "日月盈昃辰宿列张")])
    assert list(found) == ["doc", "1", "p"]
    assert dd.ids == ["doc", "1", "p"]


def test_save_load_round_trip(tmp_path: Path, corpus: dict[str, str]) -> None:
    items = list(corpus.items())
    dd = Deduplicator(fold_script=False, threshold=0.6)
    dd.add_many(items[:45])
    dd.save(tmp_path / "idx")
    back = Deduplicator.load(tmp_path / "idx")
    assert back.config == dd.config, "the stored configuration is used"
    assert back.ids == dd.ids
    probe = corpus["d3"]
    assert back.query(probe) == dd.query(probe)
    # Adding after load compares new documents with the stored ones ...
    found = back.add_many(items[45:])
    assert found["c9"] == [Match("d9", pytest.approx(_ref_jaccard(corpus["c9"], corpus["d9"])))]
    # ... and keeps the directory up to date.
    again = Deduplicator.load(tmp_path / "idx")
    assert len(again) == 50
    assert again.clusters() == back.clusters()


def test_load_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        Deduplicator.load(tmp_path / "nothing")


def test_explain_lists_every_applied_edit() -> None:
    text = "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作"
    result = repair(text)
    lines = explain(result)
    assert lines[0].startswith("step 1 ruby: 3 edits")
    for e in result.edits:
        assert any(f"[{e.start}, {e.end})" in line and repr(e.before) in line for line in lines)
    assert explain(repair("今天天气很好。")) == ["no changes"]


def test_diff_regions_turn_a_into_b() -> None:
    from textmend.diffmodel import apply_regions

    a, b = "同志們:今天這次會議是縣委縣政府研究確定召開的", "同志們，今天這次會議是縣政府研究確定召開的。"
    model = diff(a, b, "x", "y")
    assert apply_regions(a, model["regions"]) == b
    assert [w["id"] for w in model["witnesses"]] == ["x", "y"]


def test_warm_up_loads_models_once() -> None:
    import jieba

    from textmend.lm.registry import _load
    from textmend.spinner import lexicon, wordfreq

    loaders = (_load, lexicon.cedict, lexicon.cilin, wordfreq._table)
    warm_up()
    assert jieba.dt.initialized, "the spinner gate's segmenter is ready before any fork"
    before = [f.cache_info().misses for f in loaders]
    long_simplified = (
        "第一条 为了规范不动产登记行为，保护权利人的合法权益，根据有关法律法规，结合本市实际，制定本办法。"
    )
    long_traditional = (
        "第一條 為規範不動產登記行為，保護權利人合法權益，依據有關法律法規，結合本市實際，制定本辦法。"
    )
    for text in ["優(yōu)質(zhì)服務", "增長99?5%", "今天天气很好。", long_simplified, long_traditional]:
        r = repair(text)
        assert apply_plan(text, r.plan_json()) == r.text
    assert [f.cache_info().misses for f in loaders] == before
