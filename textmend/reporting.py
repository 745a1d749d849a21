"""``textmend dedup --report DIR``: an index of clusters linking to one diff page per pair.

Each pair report aligns a cluster member with the cluster's representative; pages are rendered
from the canonical diff model only (the model is written beside each page as JSON).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textmend.document import Document
from textmend.io import atomic_write


def _safe(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return keep[-60:] or "doc"


def write_dedup_report(docs: Sequence[Document], result: Any, out_dir: Path) -> Path:
    """Write ``index.html`` plus ``pair-N.html``/``pair-N.json`` for every cluster with copies."""
    from textmend.align import diff
    from textmend.report.html import render_html, render_index

    by_id = {d.id: d for d in docs}
    clusters: dict[str, list[Any]] = {}
    for rec in result.records:
        clusters.setdefault(rec.cluster, []).append(rec)
    out_dir.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, Any]] = []
    n = 0
    for cluster, recs in clusters.items():
        if len(recs) < 2:
            continue
        rep = next(r for r in recs if r.keep)
        entry: dict[str, Any] = {
            "id": cluster,
            "members": [{"id": r.id, "length": len(by_id[r.id].text)} for r in recs],
            "pairs": [],
        }
        for r in recs:
            if r is rep:
                continue
            n += 1
            model = diff(by_id[rep.id].text, by_id[r.id].text, a_id=rep.id, b_id=r.id)
            stem = f"pair-{n:04d}-{_safe(r.id)}"
            atomic_write(
                out_dir / f"{stem}.json", json.dumps(model, ensure_ascii=False, sort_keys=True).encode()
            )
            atomic_write(out_dir / f"{stem}.html", render_html(model).encode("utf-8"))
            entry["pairs"].append({"a": rep.id, "b": r.id, "href": f"{stem}.html", "stats": model["stats"]})
        index.append(entry)
    page = out_dir / "index.html"
    atomic_write(page, render_index(index).encode("utf-8"))
    return page
