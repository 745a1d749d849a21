"""N-witness tables: no witness loses a character, columns group agreeing witnesses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmend.align import align_witnesses
from textmend.align.witnesses import witness_text
from textmend.errors import ConfigError

ALPHABET = "的是我們今天明開會議 \n0123?,。"
witness_lists = st.lists(st.text(alphabet=ALPHABET, max_size=40), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(witness_lists, st.integers(min_value=0, max_value=4))
def test_every_witness_is_rebuilt_from_the_table(texts: list[str], base: int) -> None:
    wits = [(f"w{k}", t) for k, t in enumerate(texts)]
    base = base % len(wits)
    table = align_witnesses(wits, base=base)
    for wid, text in wits:
        assert witness_text(table, wid) == text
    pos = 0
    for seg in table["segments"]:
        s, e = seg["base"]
        assert s == pos and e >= s
        pos = e
        for wid, text in wits:
            ws, we = seg["at"][wid]
            if seg["type"] == "agree":
                assert text[ws:we] == seg["text"]
            else:
                reading = next(r for r in seg["readings"] if wid in r["witnesses"])
                assert text[ws:we] == reading["text"]
        if seg["type"] == "variant":
            # one reading per witness, every witness present once
            assert sorted(w for r in seg["readings"] for w in r["witnesses"]) == sorted(w for w, _ in wits)
            assert len({r["text"] for r in seg["readings"]}) == len(seg["readings"]) >= 2
    assert pos == len(wits[base][1])


def test_majority_reading_comes_first_and_agreed_text_is_merged() -> None:
    t = align_witnesses(
        [("a", "今天我們開會議"), ("b", "明天我們開會議"), ("c", "明天我們開會議。"), ("d", "明天我們開會議")]
    )
    types = [s["type"] for s in t["segments"]]
    assert types == ["variant", "agree", "variant"]
    first = t["segments"][0]["readings"]
    assert [(r["text"], r["witnesses"]) for r in first] == [("明", ["b", "c", "d"]), ("今", ["a"])]
    assert t["segments"][1]["text"] == "天我們開會議"
    last = t["segments"][2]["readings"]
    assert [(r["text"], r["witnesses"]) for r in last] == [("", ["a", "b", "d"]), ("。", ["c"])]
    assert last[0]["kind"] == "base" and last[1]["kind"] == "punctuation"


def test_bad_input_raises_config_error() -> None:
    with pytest.raises(ConfigError):
        align_witnesses([])
    with pytest.raises(ConfigError):
        align_witnesses([("a", "x"), ("a", "y")])
    with pytest.raises(ConfigError):
        align_witnesses([("a", "x")], base=3)


def test_tei_export_is_well_formed_and_keeps_every_witness() -> None:
    import xml.etree.ElementTree as ET

    from textmend.align.witnesses import to_tei

    wits = [("a", "我們<今天>開會&"), ("b", "我們明天開會&"), ("c", "我們明天開會")]
    root = ET.fromstring(to_tei(align_witnesses(wits)))
    ns = "{http://www.tei-c.org/ns/1.0}"
    p = root.find(f"{ns}text/{ns}body/{ns}p")
    assert p is not None

    def reading(wid: str) -> str:
        out = [p.text or ""]
        for app in p:
            out.extend(r.text or "" for r in app if f"#{wid}" in r.get("wit", "").split())
            out.append(app.tail or "")
        return "".join(out)

    for wid, text in wits:
        assert reading(wid) == text
