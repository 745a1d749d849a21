"""The edit model: applying edits, overlap resolution, replayable plans."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmend import Edit, PlanError, apply_edits, apply_plan, repair
from textmend.edits import resolve_overlaps
from textmend.repair.pipeline import map_position

ALPHABET = st.sampled_from(list("的是在了中文字優質服務(yōu)（）?。，abc \n"))
texts = st.text(ALPHABET, max_size=40)


@st.composite
def text_and_edits(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(texts)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    prev = 0
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if a < prev or (a == b == prev and edits):
            continue
        edits.append(Edit(a, b, text[a:b], draw(st.text(ALPHABET, max_size=4)), "ruby"))
        prev = b
    return text, edits


def reference_apply(text: str, edits: list[Edit]) -> str:
    """Obviously-correct reference: apply from the right so earlier offsets stay valid."""
    chars = list(text)
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        chars[e.start : e.end] = list(e.after)
    return "".join(chars)


@given(text_and_edits())
def test_apply_edits_matches_reference(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    assert apply_edits(text, edits) == reference_apply(text, edits)


@given(text_and_edits())
def test_map_position_tracks_unedited_characters(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    out = apply_edits(text, edits)
    for pos in range(len(text)):
        if not any(e.start <= pos < e.end for e in edits):
            assert out[map_position(edits, pos)] == text[pos]


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 5), st.floats(0, 1)), max_size=12))
def test_resolve_overlaps_keeps_a_valid_maximal_set(spec: list[tuple[int, int, float]]) -> None:
    text = "字" * 30
    edits = [Edit(s, s + n, text[s : s + n], "x", "ruby", c) for s, n, c in spec]
    kept = resolve_overlaps(edits)
    apply_edits(text, kept)  # raises if overlapping or unsorted
    for e in edits:  # every dropped edit collides with a kept one at least as confident
        if e not in kept:
            assert any(
                k.confidence >= e.confidence
                and (
                    max(k.start, e.start) < min(k.end, e.end)
                    or k.start == e.start
                    or (k.start < e.start < k.end)
                    or (e.start < k.start < e.end)
                )
                for k in kept
            )


def test_edit_validates_its_span() -> None:
    with pytest.raises(ValueError):
        Edit(3, 2, "", "x", "ruby")
    with pytest.raises(ValueError):
        Edit(0, 2, "a", "x", "ruby")
    with pytest.raises(ValueError):
        Edit(0, 1, "a", "x", "ruby", confidence=1.5)
    with pytest.raises(ValueError):
        apply_edits("abc", [Edit(0, 1, "x", "y", "ruby")])


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("優(yōu)質(zhì)服務(wù)的是?。，99 \n")), max_size=60))
def test_repair_plan_replays_to_output(text: str) -> None:
    result = repair(text)
    assert apply_plan(text, result.plan_json()) == result.text
    assert apply_plan(text, json.loads(result.plan_json())) == result.text


def test_plan_only_runs_named_fixers() -> None:
    plan = {"version": 1, "steps": [{"fixer": "os.system", "edits": []}]}
    with pytest.raises(PlanError, match="unknown fixer"):
        apply_plan("abc", plan)
    bad_kind = {
        "version": 1,
        "steps": [{"fixer": "ruby", "edits": [Edit(0, 1, "a", "b", "spinner").to_dict()]}],
    }
    with pytest.raises(PlanError, match="does not belong"):
        apply_plan("abc", bad_kind)
    mismatch = {"version": 1, "steps": [{"fixer": "ruby", "edits": [Edit(0, 1, "z", "b", "ruby").to_dict()]}]}
    with pytest.raises(PlanError, match="does not match"):
        apply_plan("abc", mismatch)
    with pytest.raises(PlanError):
        apply_plan("abc", "{not json")


def test_long_text_is_repaired_in_segments_and_replays(monkeypatch: pytest.MonkeyPatch) -> None:
    from textmend.repair import pipeline

    monkeypatch.setattr(pipeline, "MAX_SEGMENT", 64)
    from textmend import RepairConfig

    # only the ruby fixer, so the test is about segmentation, not about what other fixers do
    only_ruby = RepairConfig(
        encoding=False,
        bytedamage=False,
        lostchar=False,
        lines=False,
        boilerplate="off",
        placeholders="off",
        spinner="off",
    )
    unit = "在全縣計劃生育優(yōu)質(zhì)服務(wù)工作。"
    text = unit * 20 + "\n" + unit * 7
    result = pipeline.repair(text, only_ruby)
    fixed = "在全縣計劃生育優質服務工作。"
    assert result.text == fixed * 20 + "\n" + fixed * 7
    assert any(f.kind == "segmented" for f in result.flags)
    assert apply_plan(text, result.plan_json()) == result.text


@given(st.text(st.sampled_from(list("ab。\n ")), max_size=300), st.integers(4, 40))
def test_segments_cover_text_within_size(text: str, size: int) -> None:
    from textmend.repair.pipeline import segments

    spans = segments(text, size)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a < b or len(text) == 0 for a, b in spans)
    assert all(b1 == a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
    assert all(b - a <= size for a, b in spans)
