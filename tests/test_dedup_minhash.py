"""MinHash signatures: bit-identical to datasketch, and usable by datasketch's LSH."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.dedup.minhash import (
    EMPTY,
    ShingleBatch,
    shingle_batch,
    shingle_hash32,
    shingle_hash64,
    signatures,
)
from textmend.dedup.view import matching_view, view_batch

CJK = st.text(
    alphabet=st.sampled_from("中华人民共和国法律第一条规定为了保护權利義務abc123，。 （）"), max_size=60
)


def _ds_minhash(view: str, n: int, num_perm: int = 128, seed: int = 1) -> MinHash:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32)
    shingles = (
        [view[i : i + n] for i in range(len(view) - n + 1)] if len(view) >= n else ([view] if view else [])
    )
    m.update_batch(shingles)
    return m


@settings(max_examples=60, deadline=None)
@given(
    st.lists(CJK, min_size=1, max_size=6), st.integers(1, 6), st.sampled_from([16, 128]), st.integers(0, 5)
)
def test_signatures_bit_identical_to_datasketch(texts: list[str], n: int, num_perm: int, seed: int) -> None:
    views = view_batch(texts)
    sig = signatures(shingle_batch(views, n), num_perm, seed)
    for k in range(len(texts)):
        ds = _ds_minhash(views.text(k), n, num_perm, seed)
        assert ds.hashvalues.dtype == sig.dtype
        assert np.array_equal(ds.hashvalues, sig[k])


@settings(max_examples=60, deadline=None)
@given(st.lists(CJK, min_size=1, max_size=5), st.integers(1, 7))
def test_batch_shingles_match_reference_hash(texts: list[str], n: int) -> None:
    views = view_batch(texts)
    sb = shingle_batch(views, n)
    for k in range(len(texts)):
        v = views.text(k)
        expected = [v[i : i + n] for i in range(len(v) - n + 1)] if len(v) >= n else ([v] if v else [])
        assert sb.of(k).tolist() == [shingle_hash64(s) for s in expected]


def test_empty_text_has_empty_signature() -> None:
    sig = signatures(
        ShingleBatch(hashes=np.zeros(0, dtype=np.uint64), starts=np.zeros(2, dtype=np.int64)), 8, 1
    )
    assert (sig == EMPTY).all()


def test_signatures_round_trip_through_datasketch_lsh() -> None:
    base = "第一条为了规范不动产登记行为保护不动产权利人的合法权益根据有关法律法规结合本市实际制定本规定"
    near = base.replace("保护", "维护")
    other = "第三条市规划资源部门是本市不动产登记的主管部门负责指导监督全市不动产登记工作"
    views = view_batch([base, near, other])
    sig = signatures(shingle_batch(views, 5), 128, 1)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for k, key in enumerate(["base", "near", "other"]):
        # Our signature loads as a datasketch MinHash and equals one datasketch computes itself.
        m = MinHash(num_perm=128, seed=1, hashvalues=sig[k], scheme="affine32")
        assert m == _ds_minhash(views.text(k), 5)
        lsh.insert(key, m)
    q = MinHash(num_perm=128, seed=1, hashvalues=sig[0], scheme="affine32")
    assert set(lsh.query(q)) >= {"base", "near"}
    assert "other" not in lsh.query(q)
    # The estimate agrees with datasketch's own jaccard() on the same sketches.
    near_m = MinHash(num_perm=128, seed=1, hashvalues=sig[1], scheme="affine32")
    assert q.jaccard(near_m) == float((sig[0] == sig[1]).mean())


def test_view_offsets_point_at_source_characters() -> None:
    text = "當?shù)氐男(市)ＡＢ１，２優(yōu)質"
    v = matching_view(text)
    assert v.text == "当氐男市ab12优质"
    for ch, off in zip(v.text, v.offsets.tolist(), strict=True):
        src = text[off]
        assert matching_view(src).text == ch


# Pieces of ruby, damaged ruby and their look-alikes, so generated texts hit the edge cases.
RUBYISH = st.lists(
    st.sampled_from(
        [*"優質服務中a1 \t\u3000()（）?？^，ǘ", "(yōu)", "（zhi4）", "?shù)", "( lǜ )", "(WTO)", "(a)", "?ab"]
    ),
    max_size=12,
).map("".join)


def _ruby_spans_reference(text: str) -> list[tuple[int, int]]:
    """Every parenthesis and ``?`` tried with the regexes (no numpy pre-filter)."""
    from textmend.cjk import RUBY_RE, is_han
    from textmend.dedup.view import _DAMAGED_RUBY_RE

    spans = [
        m.span()
        for pos, ch in enumerate(text)
        if ch in "(（" and pos > 0 and is_han(text[pos - 1]) and (m := RUBY_RE.match(text, pos))
    ]
    spans += [
        m.span() for pos, ch in enumerate(text) if ch == "?" and (m := _DAMAGED_RUBY_RE.match(text, pos + 1))
    ]
    return spans


@settings(max_examples=200, deadline=None)
@given(st.lists(RUBYISH, min_size=1, max_size=4))
def test_ruby_prefilter_finds_what_the_regexes_find(parts: list[str]) -> None:
    from textmend.dedup.view import _ruby_spans

    text = "".join(parts)
    assert _ruby_spans(text) == _ruby_spans_reference(text)


@settings(max_examples=60, deadline=None)
@given(st.lists(CJK, min_size=1, max_size=5))
def test_batch_offsets_equal_per_text_offsets(texts: list[str]) -> None:
    views = view_batch(texts)
    per_text = [views.doc_offsets(k) for k in range(len(texts))]
    assert views.offsets.tolist() == [int(x) for o in per_text for x in o]
    for k, t in enumerate(texts):
        v = matching_view(t)
        assert v.text == views.text(k)
        assert v.offsets.tolist() == per_text[k].tolist()
