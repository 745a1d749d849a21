"""Run the enabled fixers in order over one text, recording every edit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from textmend.document import Document
from textmend.edits import Edit, RepairResult, Step, apply_edits, resolve_overlaps
from textmend.repair.config import DEFAULT_CONFIG, RepairConfig
from textmend.repair.registry import enabled_fixers


def _config(config: RepairConfig | None, options: dict[str, Any]) -> RepairConfig:
    base = config or DEFAULT_CONFIG
    return base.with_options(**options) if options else base


def map_position(edits: Sequence[Edit], pos: int) -> int:
    """Where position ``pos`` of a step's input lands in that step's output."""
    delta = 0
    for e in edits:
        if e.end <= pos:
            delta += len(e.after) - len(e.before)
        elif e.start < pos:  # inside a replaced span: snap to the end of its replacement
            return e.start + delta + len(e.after)
        else:
            break
    return pos + delta


# Work is bounded: a text longer than this is repaired in segments cut at paragraph or sentence
# ends (like ftfy's fix_text), so one pathological 200 MB line cannot blow up memory or time.
MAX_SEGMENT = 1 << 20
_CUTS = ("\n\n", "\n", "。", "！", "？", ".", " ")


def segments(text: str, size: int = MAX_SEGMENT) -> list[tuple[int, int]]:
    """Split ``text`` into spans of at most ``size`` code points, at the best boundary available."""
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        end = start + size
        for cut in _CUTS:
            at = text.rfind(cut, start + size // 2, end)
            if at != -1:
                end = at + len(cut)
                break
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans


def repair(text: str, config: RepairConfig | None = None, **options: Any) -> RepairResult:
    """Repair ``text`` and explain how.

    Keyword options override fields of ``config`` (see :class:`RepairConfig`).

    >>> r = repair("在全縣計劃生育優(yōu)質(zhì)服務(wù)工作")
    >>> r.text
    '在全縣計劃生育優質服務工作'
    >>> sorted({e.kind for e in r.edits})
    ['ruby']
    >>> repair("今天天气很好。").changed
    False
    """
    if not isinstance(text, str):
        raise TypeError(f"repair() takes str, not {type(text).__name__}; use repair_bytes() for bytes")
    cfg = _config(config, options)
    if len(text) > MAX_SEGMENT:
        return _repair_segmented(text, cfg)
    return _repair_passes(text, cfg)


def _repair_segmented(text: str, cfg: RepairConfig) -> RepairResult:
    """Repair each segment on its own, then re-base every edit onto the whole text."""
    # MAX_SEGMENT read now, not as segments()' default bound at import: tests lower it.
    spans = segments(text, MAX_SEGMENT)
    parts = [_repair_passes(text[a:b], cfg) for a, b in spans]
    by_fixer: dict[str, list[Edit]] = {}
    suggestions: list[Edit] = []
    flags: list[Edit] = []
    names = [name for name, _ in enabled_fixers(cfg)]
    # Replaying fixer by fixer over the whole text: offsets of segment k are shifted by what the
    # earlier segments occupy *at that step* (their step input lengths).
    seg_inputs = [text[a:b] for a, b in spans]
    for name in names:
        offset = 0
        for k, part in enumerate(parts):
            step = next((s for s in part.steps if s.fixer == name), None)
            edits = step.edits if step else ()
            by_fixer.setdefault(name, []).extend(_moved(e, offset) for e in edits)
            offset += len(seg_inputs[k])
            if edits:
                seg_inputs[k] = apply_edits(seg_inputs[k], list(edits))
    out_offset = 0
    for part in parts:
        suggestions.extend(_moved(e, out_offset, note="segment-relative") for e in part.suggestions)
        flags.extend(_moved(e, out_offset) for e in part.flags)
        out_offset += len(part.text)
    steps = tuple(Step(n, tuple(by_fixer[n])) for n in names if by_fixer.get(n))
    note = Edit(
        0, 0, "", "", "segmented", 1.0, f"text of {len(text):,} code points repaired in {len(parts)} segments"
    )
    scores = [p.spun_score for p in parts if p.spun_score is not None]
    return RepairResult(
        "".join(p.text for p in parts),
        steps,
        tuple(suggestions),
        # Each segment is gated on its own; the document is as spun as its most spun segment.
        spun_score=max(scores) if scores else None,
        flags=(note, *flags),
    )


def _moved(e: Edit, offset: int, note: str = "") -> Edit:
    return Edit(e.start + offset, e.end + offset, e.before, e.after, e.kind, e.confidence, note or e.note)


def _spinner_fix(text: str, cfg: RepairConfig) -> tuple[list[Edit], float | None]:
    from textmend.repair.spinner import fix_scored

    return fix_scored(text, cfg)


MAX_PASSES = 3


def _repair_passes(text: str, cfg: RepairConfig) -> RepairResult:
    """Run the fixers again on their output until nothing changes (at most ``MAX_PASSES``).

    Why: a fixer may act on context a later fixer creates (the lines fixer joins a line that
    opens with '?', which the lost-character fixer, earlier in the order, then reads as a
    paragraph-final '?'), and ``repair(repair(x)) == repair(x)`` must hold. Clean text costs
    one pass; the steps of every pass are kept in order, so the plan still replays.
    """
    result = _repair_one(text, cfg)
    for _ in range(MAX_PASSES - 1):
        if not result.changed:
            break
        again = _repair_one(result.text, cfg)
        if not again.changed:
            break
        # Earlier flags, carried through this pass's steps into its output coordinates.
        flags = list(result.flags)
        current = result.text
        for step in again.steps:
            current = apply_edits(current, list(step.edits))
            flags = [_shift(f, step.edits, current) for f in flags]
        merged = {(f.start, f.end, f.kind): f for f in [*flags, *again.flags]}
        seen = {(e.before, e.after, e.kind) for e in result.suggestions}
        result = RepairResult(
            text=again.text,
            steps=result.steps + again.steps,
            suggestions=result.suggestions
            + tuple(e for e in again.suggestions if (e.before, e.after, e.kind) not in seen),
            spun_score=result.spun_score if result.spun_score is not None else again.spun_score,
            flags=tuple(sorted(merged.values(), key=lambda f: (f.start, f.end))),
        )
    return result


FIXER_ERROR = "fixer_error"
"""Flag kind of a fixer that raised on a text (see :func:`_repair_one`)."""


def _repair_one(text: str, cfg: RepairConfig) -> RepairResult:
    steps: list[Step] = []
    suggestions: list[Edit] = []
    flags: list[Edit] = []
    spun_score: float | None = None
    for name, fix in enabled_fixers(cfg):
        try:
            if name == "spinner":
                # The spinner's gate scores the document on the way: keep the score for the result.
                proposed, spun_score = _spinner_fix(text, cfg)
            else:
                proposed = fix(text, cfg)
            changes = [e for e in proposed if e.before != e.after]
            applied = resolve_overlaps(e for e in changes if e.confidence >= cfg.min_confidence)
            # Applied here, inside the guard: edits that do not fit the text are the fixer's bug.
            new_text = apply_edits(text, applied) if applied else text
        except Exception as exc:
            # Users run textmend unattended over millions of documents: a fixer that fails on
            # one text is skipped for that text (the others still run, nothing is lost) and the
            # failure is flagged so the runner can report it.
            note = f"fixer {name} failed and was skipped: {type(exc).__name__}: {exc}"[:300]
            flags.append(Edit(0, 0, "", "", FIXER_ERROR, 1.0, note))
            continue
        if not proposed:
            continue
        # Flags (before == after) mark spans a fixer could not repair on its own evidence
        # (lost numbers, irrecoverable U+FFFD runs, placeholders): keep them, in final coordinates.
        new_flags = [e for e in proposed if e.before == e.after]
        suggestions.extend(e for e in changes if e.confidence < cfg.min_confidence)
        if applied:
            text = new_text
            steps.append(Step(name, tuple(applied)))
        flags = [_shift(f, applied, text) for f in (*flags, *new_flags)]
    return RepairResult(
        text=text,
        steps=tuple(steps),
        suggestions=tuple(suggestions),
        spun_score=spun_score,
        flags=tuple(flags),
    )


def _shift(flag: Edit, applied: Sequence[Edit], new_text: str) -> Edit:
    """Carry a flag through one step's edits into that step's output coordinates."""
    if not applied:
        return flag
    start = map_position(applied, flag.start)
    end = max(start, map_position(applied, flag.end))
    span = new_text[start:end]
    return Edit(start, end, span, span, flag.kind, flag.confidence, flag.note)


def repair_documents(docs: Iterable[Document], config: RepairConfig | None = None) -> Iterator[Document]:
    """Pipeline step: repair each document's text; the result lands in ``metadata['repair']``."""
    cfg = config or DEFAULT_CONFIG
    for doc in docs:
        result = repair(doc.text, cfg)
        doc.metadata["repair"] = result
        doc.text = result.text
        yield doc
