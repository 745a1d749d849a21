"""resolve_overlaps' fast path (added for fixers that propose thousands of disjoint edits)
agrees with the straightforward quadratic rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from textmend.edits import Edit, _collide, resolve_overlaps

TEXT = "x" * 30


def reference(edits: list[Edit]) -> list[Edit]:
    ranked = sorted(edits, key=lambda e: (-e.confidence, e.start, -(e.end - e.start), e.after))
    kept: list[Edit] = []
    for e in ranked:
        if not any(_collide(e, k) for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: (e.start, e.end))


_EDIT = st.builds(
    lambda a, n, c, after: Edit(a, min(30, a + n), TEXT[a : min(30, a + n)], after, "ruby", c),
    st.integers(0, 30),
    st.integers(0, 3),
    st.sampled_from([0.5, 0.9, 1.0]),
    st.sampled_from(["", "y", "zz"]),
)


@given(st.lists(_EDIT, max_size=8))
def test_matches_reference(edits: list[Edit]) -> None:
    assert resolve_overlaps(edits) == reference(edits)
