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
    steps: list[Step] = []
    suggestions: list[Edit] = []
    flags: list[Edit] = []
    for name, fix in enabled_fixers(cfg):
        proposed = fix(text, cfg)
        if not proposed:
            continue
        changes = [e for e in proposed if e.before != e.after]
        # Flags (before == after) mark spans a fixer could not repair on its own evidence
        # (lost numbers, irrecoverable U+FFFD runs, placeholders): keep them, in final coordinates.
        new_flags = [e for e in proposed if e.before == e.after]
        applied = resolve_overlaps(e for e in changes if e.confidence >= cfg.min_confidence)
        suggestions.extend(e for e in changes if e.confidence < cfg.min_confidence)
        if applied:
            text = apply_edits(text, applied)
            steps.append(Step(name, tuple(applied)))
        flags = [_shift(f, applied, text) for f in (*flags, *new_flags)]
    return RepairResult(text=text, steps=tuple(steps), suggestions=tuple(suggestions), flags=tuple(flags))


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
