"""The canonical diff model: one JSON object per compared pair (reports.md §5).

Renderers (:mod:`textmend.report.terminal`, :mod:`textmend.report.html`) read only this model,
so everything a user sees comes from one aligned, serialisable object; the same input gives a
byte-identical :func:`dumps`, which is what makes golden tests possible.

Shape::

    {"schema": "textmend.diff/1",
     "witnesses": [{"id", "source", "length", "sha256", "text"?}, {...}],
     "params": {...}, "stats": {...},
     "regions": [{"id", "kind", "a": [s, e], "b": [s, e], "a_text", "b_text",
                  "context_before", "context_after", "moved_to"?, "moved_from"?, "note"?}]}

Offsets are half-open code-point spans of the *original* texts. Regions are sorted, do not
overlap, and replacing every ``a`` span by its ``b_text`` turns A into B (:func:`apply_regions`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

SCHEMA = "textmend.diff/1"
TABLE_SCHEMA = "textmend.table/1"

# Kinds in classification precedence (reports.md §3); "moved" is assigned after pairing blocks.
KINDS: tuple[str, ...] = (
    "whitespace",
    "digits",
    "punctuation",
    "variant_char",
    "corruption",
    "case",
    "substitution",
    "insertion",
    "deletion",
    "block_insertion",
    "block_deletion",
    "moved",
)
MINOR_KINDS = frozenset({"whitespace", "digits"})
"""Kinds hidden by default in the HTML report and dimmed in the terminal."""

Region = dict[str, Any]
Model = dict[str, Any]


def dumps(model: Model, indent: int | None = None) -> str:
    """The canonical serialisation: sorted keys, real characters (not ``\\u`` escapes)."""
    return json.dumps(model, ensure_ascii=False, sort_keys=True, indent=indent)


def apply_regions(a: str, regions: Sequence[Region]) -> str:
    """Replace each region's ``a`` span of ``a`` with its ``b_text`` (must give witness B).

    >>> apply_regions("abc", [{"a": [1, 2], "a_text": "b", "b_text": "XY"}])
    'aXYc'
    """
    out: list[str] = []
    pos = 0
    for r in regions:
        s, e = r["a"]
        if s < pos or a[s:e] != r["a_text"]:
            raise ValueError(f"region {r.get('id')} does not match A at [{s}, {e})")
        out.append(a[pos:s])
        out.append(r["b_text"])
        pos = e
    out.append(a[pos:])
    return "".join(out)


def witness_texts(model: Model) -> tuple[str, str] | None:
    """(A, B) when the model embeds the witness texts, else ``None``."""
    ws = model.get("witnesses", [])
    if len(ws) == 2 and "text" in ws[0] and "text" in ws[1]:
        return str(ws[0]["text"]), str(ws[1]["text"])
    return None


def segments(model: Model) -> Iterator[tuple[str, Any]]:
    """Walk A in order: ``("equal", text)`` for unchanged stretches, ``("region", region)``.

    Needs the embedded witness texts; without them only regions are yielded.
    """
    texts = witness_texts(model)
    pos = 0
    for r in model["regions"]:
        s, e = r["a"]
        if texts is not None and s > pos:
            yield "equal", texts[0][pos:s]
        yield "region", r
        pos = e
    if texts is not None and pos < len(texts[0]):
        yield "equal", texts[0][pos:]


def kind_counts(model: Model) -> dict[str, int]:
    counts = {k: 0 for k in KINDS}
    for r in model["regions"]:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return counts


def validate(model: Model) -> None:
    """Raise ``ValueError`` when the model breaks the schema's invariants."""
    if model.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} model")
    prev = 0
    for r in model["regions"]:
        if r["kind"] not in KINDS:
            raise ValueError(f"region {r['id']}: unknown kind {r['kind']!r}")
        s, e = r["a"]
        if s < prev or e < s:
            raise ValueError(f"region {r['id']}: unsorted or overlapping")
        if len(r["a_text"]) != e - s or len(r["b_text"]) != r["b"][1] - r["b"][0]:
            raise ValueError(f"region {r['id']}: span length does not match its text")
        prev = e
    texts = witness_texts(model)
    if texts is not None and apply_regions(texts[0], model["regions"]) != texts[1]:
        raise ValueError("applying the regions to A does not give B")
