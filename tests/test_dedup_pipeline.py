"""Banding, verification, clusters, keep policies, index persistence, engines."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.dedup import DedupConfig, DedupIndex, find_duplicates, find_passages
from textmend.dedup.bands import candidate_pairs, choose_bands, collision_probability
from textmend.dedup.steps import sign_batch
from textmend.dedup.verify import exact_jaccard
from textmend.document import Document
from textmend.errors import ConfigError

ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你说年"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=1, max_size=30))
def test_candidate_pairs_equal_brute_force(rows: list[list[int]]) -> None:
    keys = np.array(rows, dtype=np.uint64) + np.uint64(1)  # 0 means "empty text"
    keys[::7, :] = 0
    got = {tuple(p) for p in candidate_pairs(keys).tolist()}
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(rows)), 2)
        if any(keys[i, b] == keys[j, b] and keys[i, b] != 0 for b in range(keys.shape[1]))
    }
    assert got == expected


def test_candidate_pairs_new_from_only_involves_new() -> None:
    keys = np.array([[5], [5], [5], [9]], dtype=np.uint64)
    assert candidate_pairs(keys, new_from=2).tolist() == [[0, 2], [1, 2]]


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8])
def test_banding_is_biased_to_recall(threshold: float) -> None:
    b, r = choose_bands(threshold, 128)
    assert b * r <= 128
    # Pairs at the threshold collide with probability >= 0.96; random-ish pairs rarely.
    assert collision_probability(threshold, b, r) >= 0.96
    assert collision_probability(threshold / 3, b, r) < 0.6


def _mutate(text: str, rate: float, rng: random.Random) -> str:
    chars = list(text)
    for i in range(len(chars)):
        if rng.random() < rate:
            chars[i] = rng.choice(ALPHABET)
    return "".join(chars)


def _corpus(seed: int = 3) -> list[Document]:
    rng = random.Random(seed)
    bases = ["".join(rng.choice(ALPHABET) for _ in range(300)) for _ in range(8)]
    docs = []
    for k, b in enumerate(bases):
        docs.append(Document(f"b{k}", b))
        for m, rate in enumerate((0.005, 0.02, 0.05, 0.12)):
            docs.append(Document(f"b{k}m{m}", _mutate(b, rate, rng)))
    rng.shuffle(docs)
    return docs


def _truth_components(docs: list[Document], threshold: float) -> list[set[int]]:
    sb = sign_batch(([d.text for d in docs], DedupConfig())).shingles
    sets = [np.unique(sb.of(k)) for k in range(len(docs))]
    parent = list(range(len(docs)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in itertools.combinations(range(len(docs)), 2):
        if exact_jaccard(sets[i], sets[j]) >= threshold:
            parent[max(find(i), find(j))] = min(find(i), find(j))
    groups: dict[int, set[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(find(i), set()).add(i)
    return sorted(groups.values(), key=min)


def _clusters(records: list) -> list[set[int]]:
    groups: dict[str, set[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(r.cluster, set()).add(i)
    return sorted(groups.values(), key=min)


def test_clusters_match_brute_force_exact_jaccard() -> None:
    docs = _corpus()
    cfg = DedupConfig()
    result = find_duplicates(docs, cfg)
    assert _clusters(result.records) == _truth_components(docs, cfg.threshold)
    sb = sign_batch(([d.text for d in docs], cfg)).shingles
    for i, j, s in result.pairs:
        # Every reported pair really is above the threshold, and its similarity is exact.
        assert s >= cfg.threshold
        assert s == exact_jaccard(np.unique(sb.of(i)), np.unique(sb.of(j)))


def test_records_contract() -> None:
    docs = _corpus()
    result = find_duplicates(docs, DedupConfig(keep="first"))
    assert [r.id for r in result.records] == [d.id for d in docs]
    by_cluster: dict[str, list[int]] = {}
    for i, r in enumerate(result.records):
        by_cluster.setdefault(r.cluster, []).append(i)
    for cid, members in by_cluster.items():
        assert docs[members[0]].id == cid  # cluster id = its first document in input order
        kept = [i for i in members if result.records[i].keep]
        assert kept == [members[0]]
        assert result.records[members[0]].similarity == 1.0
        assert all(0.0 < result.records[i].similarity <= 1.0 for i in members)
    assert result.stats["docs"] == len(docs)
    assert result.stats["clusters"] == len(by_cluster)


def test_keep_policies() -> None:
    rng = random.Random(1)
    base = "".join(rng.choice(ALPHABET) for _ in range(200))
    docs = [
        Document("short", base[:190], {"edits": 0}),
        Document("long", base + "的一是", {"edits": 5}),
        Document("mid", base, {"edits": 1}),
    ]

    def kept(keep: str) -> str:
        recs = find_duplicates(docs, DedupConfig(keep=keep)).records
        assert len({r.cluster for r in recs}) == 1
        return next(r.id for r in recs if r.keep)

    assert kept("first") == "short"
    assert kept("longest") == "long"
    assert kept("cleanest") == "short"


def test_script_and_punctuation_variants_match() -> None:
    a = "同志們：今天這次會議，是縣委、縣政府研究確定召開的。會議的目的，就是要求各級在計劃生育優質服務這個問題上抓強化"
    b = "同志们,今天这次会议,是县委县政府研究确定召开的  会议的目的就是要求各级在计(jì)划生育优质服务这个问题上抓强化"
    recs = find_duplicates([Document("a", a), Document("b", b)]).records
    assert recs[0].cluster == recs[1].cluster
    assert recs[1].similarity == 1.0


def test_empty_and_short_documents_are_not_duplicates_of_everything() -> None:
    docs = [Document("e1", ""), Document("e2", "。，"), Document("x", "中华"), Document("y", "中华")]
    recs = find_duplicates(docs).records
    assert recs[0].cluster == "e1" and recs[1].cluster == "e2"
    assert recs[3].cluster == "x"  # identical short texts still match


def test_index_add_later_equals_one_shot(tmp_path: Path) -> None:
    docs = _corpus(seed=5)
    cfg = DedupConfig()
    one_shot = find_duplicates(docs, cfg)
    idx = DedupIndex.open(tmp_path / "idx", cfg)
    idx.add(docs[:17])
    reopened = DedupIndex.open(tmp_path / "idx", cfg)
    assert len(reopened) == 17
    later = find_duplicates(docs[17:], cfg, index=reopened)
    assert later.records == one_shot.records
    assert DedupIndex.open(tmp_path / "idx", cfg).result().records == one_shot.records
    with pytest.raises(ConfigError):
        DedupIndex.open(tmp_path / "idx", DedupConfig(ngram=4))


def test_process_engine_gives_the_same_result() -> None:
    docs = _corpus(seed=7)
    cfg = DedupConfig(batch_size=9)
    assert find_duplicates(docs, cfg, engine="processes").records == find_duplicates(docs, cfg).records
    with pytest.raises(ConfigError):
        find_duplicates(docs, cfg, engine="nope")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0},
        {"ngram": 0},
        {"keep": "best"},
        {"level": "para"},
        {"bands": 4},
        {"bands": 64, "rows": 4},
    ],
)
def test_config_rejects_bad_values(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        DedupConfig(**kwargs)


def test_passage_offsets_cover_the_shared_passage() -> None:
    rng = random.Random(11)

    def rand(n: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(n))

    shared_simp = "会议的目的就是要求各级在计划生育优质服务这个问题上抓强化抓规范真抓实干抓出成效同时省市考核很快就要开始"
    shared_trad = "會議的目的，就是要求各級在計劃生育優質服務這個問題上，抓強化，抓規範，真抓實干，抓出成效。同時，省市考核很快就要開始"
    pre_a, pre_b = rand(150), rand(90)
    a = pre_a + shared_simp + rand(120)
    b = pre_b + shared_trad + rand(60)
    passages = find_passages([Document("a", a), Document("b", b)], DedupConfig(level="passage"))
    assert len(passages) == 1
    p = passages[0]
    assert (p.a_id, p.b_id) == ("a", "b")
    # Anchors may start a few characters late or end early when random text happens to extend
    # the match; the span must sit on the shared passage.
    assert abs(p.a_start - len(pre_a)) <= 5 and abs(p.a_end - (len(pre_a) + len(shared_simp))) <= 5
    assert abs(p.b_start - len(pre_b)) <= 5 and abs(p.b_end - (len(pre_b) + len(shared_trad))) <= 5
    assert p.similarity >= 0.9


def test_spinner_table_lets_spun_copies_match(tmp_path: Path) -> None:
    from textmend.spinner.table import ReversalTable

    table = ReversalTable()
    for spun, original in (
        ("效劳器", "服务器"),
        ("收集", "网络"),
        ("野生智能", "人工智能"),
        ("进修", "学习"),
    ):
        table.add(spun, original, 3)
    path = tmp_path / "spin.tsv"
    table.save(path)
    clean = "人工智能和机器学习需要网络和服务器支持人工智能的网络学习在服务器上进行网络服务器人工智能学习"
    spun = "野生智能和机器进修需要收集和效劳器支持野生智能的收集进修在效劳器上进行收集效劳器野生智能进修"
    docs = [Document("clean", clean), Document("spun", spun)]
    assert find_duplicates(docs, DedupConfig()).records[1].cluster == "spun"
    recs = find_duplicates(docs, DedupConfig(spinner_table=str(path))).records
    assert recs[1].cluster == "clean" and recs[1].similarity == 1.0
