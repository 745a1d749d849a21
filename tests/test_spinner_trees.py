"""The spinner's tree judge: inference, the shipped ensemble, determinism."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from spinner_fakes import two_candidates

from textmend.repair import spinner as fixer
from textmend.spinner.reverse import (
    FEATURES,
    JUDGE_FEATURES,
    RANK_GAP_CAP,
    Decision,
    option_features,
)
from textmend.spinner.trees import NO_SPLIT, Trees


def _hand_built() -> Trees:
    # Tree 1 (depth 2): root splits on a at 1.0; its left child on b at 0.0, its right child
    # did not split (everything goes left). Tree 2: root on b at 5.0, then a at -1.0 / a at 3.0.
    return Trees.build(
        ("a", "b"),
        depth=2,
        base=0.5,
        trees=[
            ([0, 1, 0], [1.0, 0.0, NO_SPLIT], [1.0, 2.0, 3.0, 4.0]),
            ([1, 0, 0], [5.0, -1.0, 3.0], [10.0, 20.0, 30.0, 40.0]),
        ],
    )


@pytest.mark.parametrize(
    ("row", "want"),
    [
        # a <= 1, b <= 0: leaf 0 (1.0); b <= 5, a > -1: leaf 1 (20.0)
        ((0.0, -1.0), 0.5 + 1.0 + 20.0),
        # a <= 1, b > 0: leaf 1 (2.0); b <= 5, a > -1: 20.0
        ((0.5, 3.0), 0.5 + 2.0 + 20.0),
        # a > 1 and the right child did not split: leaf 2 (3.0); b > 5, a <= 3: leaf 2 (30.0)
        ((2.0, 9.0), 0.5 + 3.0 + 30.0),
        # equal to the threshold goes left: a == 1 -> left, b == 0 -> leaf 0; b <= 5, a > -1: 20.0
        ((1.0, 0.0), 0.5 + 1.0 + 20.0),
        # a <= -1: tree 2's leaf 0 (10.0); tree 1: a <= 1, b <= 0: 1.0
        ((-2.0, 0.0), 0.5 + 1.0 + 10.0),
        # b > 5, a > 3: leaf 3 (40.0); tree 1: a > 1 -> 3.0
        ((4.0, 6.0), 0.5 + 3.0 + 40.0),
    ],
)
def test_trees_score_a_row_by_the_leaves_it_reaches(row: tuple[float, float], want: float) -> None:
    assert _hand_built().predict([row]).tolist() == [want]


def test_trees_score_rows_alone_as_in_a_batch() -> None:
    trees = _hand_built()
    rows = [(0.0, -1.0), (0.5, 3.0), (2.0, 9.0), (4.0, 6.0), (-2.0, 0.0)]
    batch = trees.predict(rows).tolist()
    assert batch == [trees.predict([r]).tolist()[0] for r in rows]


def test_trees_check_their_shape_and_the_rows() -> None:
    with pytest.raises(ValueError, match="inner nodes"):
        Trees.build(("a",), 2, 0.0, [([0], [0.0], [1.0, 2.0, 3.0, 4.0])])
    with pytest.raises(ValueError, match="leaves"):
        Trees.build(("a",), 1, 0.0, [([0], [0.0], [1.0])])
    with pytest.raises(ValueError, match="feature"):
        Trees.build(("a",), 1, 0.0, [([1], [0.0], [1.0, 2.0])])
    with pytest.raises(ValueError, match="2 columns"):
        _hand_built().predict([(1.0, 2.0, 3.0)])


def test_trees_round_trip_through_json(tmp_path: Path) -> None:
    trees = _hand_built()
    path = tmp_path / "t.json"
    trees.save(path)
    back = Trees.load(path)
    rows = np.random.default_rng(0).normal(scale=4.0, size=(50, 2))
    assert back.features == trees.features and back.depth == trees.depth
    assert back.predict(rows).tolist() == trees.predict(rows).tolist()
    with pytest.raises(ValueError, match="ensemble"):
        Trees.from_json({**json.loads(path.read_text()), "format": "other"})


@pytest.mark.parametrize(
    ("decision", "name"),
    [
        (fixer.DECISION, "judge_trees.json"),
        (fixer.DECISION_JUDGED, "judge_trees_judged.json"),
        (fixer.DECISION_WORDLIST, "judge_trees_wordlist.json"),
    ],
)
def test_the_shipped_decisions_judge_with_the_shipped_trees(decision: Decision, name: str) -> None:
    trees = decision.judge_trees
    assert trees is not None and decision.ranks and decision.judge is None
    assert trees.features == JUDGE_FEATURES
    assert len(trees) > 0 and np.isfinite(trees.leaf).all()
    # A split's threshold is a finite value of the training rows; at least one node splits.
    split = trees.threshold != NO_SPLIT
    assert split.any() and np.isfinite(trees.threshold[split]).all()
    # Loadable again by name (the package data the wheel carries).
    again = Trees.shipped(name)
    assert again.leaf.tolist() == trees.leaf.tolist()
    assert again.threshold.tolist() == trees.threshold.tolist()


def test_each_kind_of_model_has_its_own_judge() -> None:
    assert fixer.PARAMS.decision is fixer.DECISION_JUDGED
    # The running-text decision fitted on the hand-weighted passes' sites cleans the context of
    # the judged rounds; the one fitted on the sites those rounds leave judges them.
    assert fixer.PARAMS.refine_decision is fixer.DECISION and fixer.PARAMS.judged_rounds > 0
    assert fixer.DECISION_JUDGED.judge_trees is not None and fixer.DECISION.judge_trees is not None
    assert fixer.DECISION_JUDGED.judge_trees.leaf.tolist() != fixer.DECISION.judge_trees.leaf.tolist()
    assert fixer.PARAMS_WORDLIST.decision is fixer.DECISION_WORDLIST
    assert fixer.DECISION.judge_trees is not None and fixer.DECISION_WORDLIST.judge_trees is not None
    assert fixer.DECISION.judge_trees.leaf.tolist() != fixer.DECISION_WORDLIST.judge_trees.leaf.tolist()


def test_judge_trees_need_a_ranking_decision_without_a_linear_judge() -> None:
    judge = Trees.build(JUDGE_FEATURES, 1, 0.0, [([0], [0.0], [-1.0, 1.0])])
    weights = (0.0,) * len(FEATURES)
    with pytest.raises(ValueError, match="judge trees"):
        Decision(weights, 0.0, ranks=False, judge_trees=judge)
    with pytest.raises(ValueError, match="judge trees"):
        Decision(weights, 0.0, ranks=True, judge=(0.0,) * len(JUDGE_FEATURES), judge_trees=judge)
    wrong = Trees.build(FEATURES, 1, 0.0, [([0], [0.0], [-1.0, 1.0])])
    with pytest.raises(ValueError, match="judge trees"):
        Decision(weights, 0.0, ranks=True, judge_trees=wrong)


def test_the_judge_trees_score_is_the_sites_gain() -> None:
    index, two = two_candidates(runner_from_table=False)
    alone = dataclasses.replace(two, start=4, end=6, options=two.options[:1], parts=two.parts[:1])
    # The ranking weighs the model term only: 戊己 scores 3 and leads 甲乙 by 2; the lone 甲乙
    # scores 1 with the capped lead. Tree 1 splits on the ranking score at 2, tree 2 on the
    # lead at 5.
    ranking = tuple(1.0 if f == "lm" else 0.0 for f in FEATURES)
    rank, gap = JUDGE_FEATURES.index("rank"), JUDGE_FEATURES.index("rank_gap")
    judge = Trees.build(
        JUDGE_FEATURES, 1, 0.25, [([rank], [2.0], [-3.0, 4.0]), ([gap], [5.0], [0.5, -0.125])]
    )
    decision = Decision(ranking, 0.0, ranks=True, judge_trees=judge)
    got = decision.rescore([two, alone], index)
    assert [(r.original, r.gain) for r in got] == [("戊己", 0.25 + 4.0 + 0.5), ("甲乙", 0.25 - 3.0 - 0.125)]
    # judged() (one site) agrees with the document's batch.
    (rows,) = option_features([alone], index)
    assert decision.judged(rows[0][1], 1.0, RANK_GAP_CAP) == got[1].gain


_SCORE_IN_A_NEW_PROCESS = """
import json, sys
import numpy as np
from textmend.repair.spinner import DECISION
rows = np.random.default_rng(7).normal(scale=3.0, size=(200, len(DECISION.judge_trees.features)))
print(json.dumps([x.hex() for x in DECISION.judge_trees.predict(rows).tolist()]))
"""


def test_the_shipped_judge_scores_identically_in_another_process() -> None:
    trees = fixer.DECISION.judge_trees
    assert trees is not None
    rows = np.random.default_rng(7).normal(scale=3.0, size=(200, len(trees.features)))
    here = [x.hex() for x in trees.predict(rows).tolist()]
    out = subprocess.run(
        [sys.executable, "-c", _SCORE_IN_A_NEW_PROCESS], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == here
    # And twice in this one (no state carried between calls).
    assert [x.hex() for x in trees.predict(rows).tolist()] == here
    assert all(math.isfinite(float.fromhex(x)) for x in here)
