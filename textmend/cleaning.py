"""``textmend clean``: repair, then deduplicate, then write the kept corpus, exclusions and report."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textmend.document import Document
from textmend.edits import Edit
from textmend.io import AtomicOutput, dump_jsonl
from textmend.repair.config import RepairConfig

# metadata keys the pipeline adds for itself; not copied into the cleaned records
_INTERNAL = {"repair", "encodings", "edits"}


@dataclass(frozen=True)
class CleanOptions:
    output: Path
    excluded: Path | None = None
    report_dir: Path | None = None
    merge: bool = False
    engine: str = "local"
    scheduler: str | None = None

    @property
    def excluded_path(self) -> Path:
        """Where removed duplicates go: ``excluded``, or ``OUTPUT.excluded.jsonl``."""
        return self.excluded or self.output.with_name(self.output.name + ".excluded.jsonl")


def run_clean(docs: Iterable[Document], rconfig: RepairConfig, dconfig: Any, opts: CleanOptions) -> list[str]:
    """Run the whole job; returns the summary lines."""
    from textmend.dedup import find_duplicates
    from textmend.dedup.engines import close_engine, get_engine
    from textmend.dedup.pipeline import unique_ids
    from textmend.repair.parallel import repair_many
    from textmend.repair.pipeline import FIXER_ERROR

    t0 = time.perf_counter()
    repaired: list[Document] = []
    originals: dict[str, str] = {}
    flags: dict[str, Sequence[Edit]] = {}
    kinds: Counter[str] = Counter()
    runner = get_engine(opts.engine, scheduler=opts.scheduler)  # one cluster for both steps
    try:

        def keep_original(stream: Iterable[Document]) -> Iterable[Document]:
            for doc in stream:
                originals[doc.id] = doc.text
                yield doc

        # Ids are checked as the documents are read, so a repeated id stops the job before the
        # documents after it are repaired (dedup would refuse them only after all the repairs).
        for doc in repair_many(keep_original(unique_ids(docs)), rconfig, engine=runner):
            result = doc.metadata.pop("repair")
            # Spans the repair could only mark (placeholders, lost numbers, U+FFFD runs), in the
            # repaired text's coordinates: the merge prefers another copy's reading there, even
            # where a normalized mask (□) no longer looks like damage.
            flags[doc.id] = tuple(f for f in result.flags if f.kind != FIXER_ERROR)
            doc.metadata["edits"] = len(result.edits)
            kinds.update(e.kind for e in result.edits)
            repaired.append(doc)
        dup = find_duplicates(repaired, dconfig, engine=runner)
    finally:
        close_engine(runner)
    by_id = {d.id: d for d in repaired}
    members: dict[str, list[str]] = {}
    for rec in dup.records:
        members.setdefault(rec.cluster, []).append(rec.id)
    rep_of = {rec.cluster: rec.id for rec in dup.records if rec.keep}

    merged_text: dict[str, str] = {}
    if opts.merge:
        from textmend.align import merge

        for cluster, ids in members.items():
            if len(ids) > 1:
                rep = rep_of[cluster]
                order = [rep] + [i for i in ids if i != rep]
                merged_text[cluster] = merge([(i, by_id[i].text) for i in order], flags).text

    excluded_path = opts.excluded_path
    n_kept = n_excluded = 0
    with AtomicOutput(opts.output) as out, AtomicOutput(excluded_path) as exc:
        for rec in dup.records:
            doc = by_id[rec.id]
            meta = {k: v for k, v in doc.metadata.items() if k not in _INTERNAL and k != "source"}
            if rec.keep:
                n_kept += 1
                obj = {
                    "id": rec.id,
                    "text": merged_text.get(rec.cluster, doc.text),
                    "cluster": rec.cluster,
                    "members": members[rec.cluster],
                    "edits": doc.metadata["edits"],
                    **meta,
                }
                out.write(dump_jsonl(obj))
            else:
                n_excluded += 1
                rep = rep_of[rec.cluster]
                reason = f"near-duplicate of {rep} (similarity {rec.similarity:.3f})"
                # the original (unrepaired) text too, so nothing is lost
                obj = {"id": rec.id, "cluster": rec.cluster, "kept": rep, "similarity": rec.similarity,
                       "reason": reason, "text": doc.text, "original_text": originals[rec.id], **meta}  # fmt: skip
                exc.write(dump_jsonl(obj))
    lines = [
        f"documents: {len(repaired)}  kept: {n_kept}  excluded as duplicates: {n_excluded}  "
        f"clusters with copies: {sum(1 for v in members.values() if len(v) > 1)}  time: {time.perf_counter() - t0:.2f}s",
        f"output: {opts.output}  excluded: {excluded_path}",
    ]
    if kinds:
        lines.append("edits: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    if opts.report_dir:
        from textmend.reporting import write_dedup_report

        write_dedup_report(repaired, dup, opts.report_dir)
        lines.append(f"report: {opts.report_dir / 'index.html'}")
    return lines
