"""The edit model: every repair is an :class:`Edit`, so output is explainable and replayable.

Positions are code points (Python ``str`` indices) of the text a step received, half-open.
A :class:`RepairResult` holds the final text and the ordered :class:`Step` list; replaying
the steps' edits on the original input (:func:`apply_plan`) gives the output again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

from textmend.errors import PlanError

PLAN_VERSION = 1


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` (which equals ``before``) with ``after``.

    ``kind`` is dotted: its first component names the fixer family that made it
    (``encoding.gbk_as_latin1``, ``ruby``, ``spinner``...). ``confidence`` is in [0, 1].
    """

    start: int
    end: int
    before: str
    after: str
    kind: str
    confidence: float = 1.0
    note: str = ""

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"bad edit span [{self.start}, {self.end})")
        if self.end - self.start != len(self.before):
            raise ValueError("edit span length does not match 'before'")
        if not (0.0 <= self.confidence <= 1.0):
            raise ValueError(f"confidence {self.confidence} outside [0, 1]")

    @property
    def family(self) -> str:
        return self.kind.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not d["note"]:
            del d["note"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Edit:
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            before=str(d["before"]),
            after=str(d["after"]),
            kind=str(d["kind"]),
            confidence=float(d.get("confidence", 1.0)),
            note=str(d.get("note", "")),
        )


def check_edits(text: str, edits: Sequence[Edit]) -> None:
    """Raise ``ValueError`` unless ``edits`` are sorted, non-overlapping and match ``text``."""
    prev_end = -1
    prev_start = -1
    for e in edits:
        if e.start < prev_end or (e.start == prev_start and e.start == e.end):
            raise ValueError(f"overlapping or unsorted edits at {e.start}")
        if e.end > len(text) or text[e.start : e.end] != e.before:
            raise ValueError(f"edit at [{e.start}, {e.end}) does not match the text")
        prev_end = e.end
        prev_start = e.start


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply sorted, non-overlapping edits to ``text`` in one pass."""
    check_edits(text, edits)
    out: list[str] = []
    pos = 0
    for e in edits:
        out.append(text[pos : e.start])
        out.append(e.after)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def resolve_overlaps(edits: Iterable[Edit]) -> list[Edit]:
    """Sort edits and drop any that collide with a kept, more confident one.

    Why: fixers inside one family may propose competing readings of the same span; we keep
    the most confident (ties: the earliest, then the longest) so the result is deterministic.
    """
    edits = list(edits)
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    # Fast path (fixers usually propose disjoint edits, thousands of them for ruby): with edits
    # sorted by start, no adjacent pair colliding means no pair collides.
    if all(not _collide(a, b) for a, b in pairwise(ordered)):
        return ordered
    ranked = sorted(edits, key=lambda e: (-e.confidence, e.start, -(e.end - e.start), e.after))
    kept: list[Edit] = []
    for e in ranked:
        if not any(_collide(e, k) for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: (e.start, e.end))


def _collide(a: Edit, b: Edit) -> bool:
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return max(a.start, b.start) < min(a.end, b.end)


@dataclass(frozen=True, slots=True)
class Step:
    """One fixer's pass: the edits it applied to the text it received."""

    fixer: str
    edits: tuple[Edit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"fixer": self.fixer, "edits": [e.to_dict() for e in self.edits]}


@dataclass(frozen=True, slots=True)
class RepairResult:
    """The repaired ``text``, the ``steps`` that produced it, and edits proposed but not applied.

    ``spun_score`` is the spinner gate's score of the document (model-approved reversals per 100
    Han characters; ``auto`` reverses above 4.5), or that gate's estimate when it stopped the
    document early (see :func:`textmend.repair.spinner.analyse`). It is None when the document
    was not scored: ``spinner="off"``, fewer than 40 Han characters, no language model in
    ``auto``, or in ``auto`` a cheap upper bound of its rare-synonym rate already under the gate
    (most clean documents: the bound costs a quarter of the gate). A text repaired in segments
    gets its highest segment score.
    """

    text: str
    steps: tuple[Step, ...] = ()
    suggestions: tuple[Edit, ...] = ()
    spun_score: float | None = None
    flags: tuple[Edit, ...] = field(default=())

    @property
    def edits(self) -> list[Edit]:
        """All applied edits, in step order (each in the coordinates of its step's input)."""
        return [e for s in self.steps for e in s.edits]

    @property
    def changed(self) -> bool:
        return any(s.edits for s in self.steps)

    def plan(self) -> dict[str, Any]:
        """A JSON-serialisable, replayable plan (see :func:`apply_plan`)."""
        return {"version": PLAN_VERSION, "steps": [s.to_dict() for s in self.steps if s.edits]}

    def plan_json(self) -> str:
        return json.dumps(self.plan(), ensure_ascii=False, sort_keys=True)


def apply_plan(text: str, plan: dict[str, Any] | str) -> str:
    """Replay a plan from :meth:`RepairResult.plan` on ``text``.

    Only steps named after a registered fixer may run, and every edit must match the text it
    is applied to, so a plan cannot be used to inject arbitrary changes into other input.

    >>> from textmend import repair
    >>> r = repair("優(yōu)質(zhì)服務")
    >>> apply_plan("優(yōu)質(zhì)服務", r.plan_json()) == r.text
    True
    """
    from textmend.repair.registry import FIXER_NAMES

    if isinstance(plan, str):
        try:
            plan = json.loads(plan)
        except json.JSONDecodeError as exc:
            raise PlanError(f"plan is not valid JSON: {exc.msg}") from None
    if not isinstance(plan, dict) or plan.get("version") != PLAN_VERSION:
        raise PlanError(f"plan must be an object with version {PLAN_VERSION}")
    steps = plan.get("steps")
    if not isinstance(steps, list):
        raise PlanError("plan has no 'steps' list")
    for i, step in enumerate(steps):
        name = step.get("fixer") if isinstance(step, dict) else None
        if name not in FIXER_NAMES:
            raise PlanError(f"step {i}: unknown fixer {name!r}")
        try:
            edits = [Edit.from_dict(d) for d in step.get("edits", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"step {i}: malformed edit ({exc})") from None
        for e in edits:
            if e.family != name:
                raise PlanError(f"step {i}: edit kind {e.kind!r} does not belong to fixer {name!r}")
        try:
            text = apply_edits(text, edits)
        except ValueError as exc:
            raise PlanError(f"step {i} ({name}): {exc}") from None
    return text
