"""The named fixers, in the order the pipeline runs them.

Only these names may appear in a replayed plan (see :func:`textmend.edits.apply_plan`).
Each fixer is ``fix(text, config) -> list[Edit]`` in a module of its own, imported lazily so
``import textmend`` stays cheap and a fixer's heavy data loads only when it is enabled.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textmend.edits import Edit
    from textmend.repair.config import RepairConfig

Fixer = Callable[[str, "RepairConfig"], "list[Edit]"]

# (name, module, enabled(config)) -- order matters: byte-level damage first (it needs the
# raw shapes that later fixers would change), then layout, then normalisation, then spinner.
_FIXERS: tuple[tuple[str, str, Callable[[RepairConfig], bool]], ...] = (
    ("encoding", "textmend.repair.mojibake", lambda c: c.encoding),
    ("bytedamage", "textmend.repair.bytedamage", lambda c: c.bytedamage),
    ("ruby", "textmend.repair.ruby", lambda c: c.ruby),
    ("lostchar", "textmend.repair.lostchar", lambda c: c.lostchar),
    ("boilerplate", "textmend.repair.boilerplate", lambda c: c.boilerplate != "off"),
    ("lines", "textmend.repair.lines", lambda c: c.lines),
    ("placeholder", "textmend.repair.placeholder", lambda c: c.placeholders != "off"),
    ("punct", "textmend.repair.punct", lambda c: c.punct != "keep"),
    ("script", "textmend.repair.script", lambda c: c.script != "keep"),
    ("spinner", "textmend.repair.spinner", lambda c: c.spinner != "off"),
)

FIXER_NAMES: frozenset[str] = frozenset(name for name, _, _ in _FIXERS)


def enabled_fixers(config: RepairConfig) -> list[tuple[str, Fixer]]:
    """The (name, fix function) pairs that ``config`` turns on, in pipeline order."""
    out: list[tuple[str, Fixer]] = []
    for name, module, enabled in _FIXERS:
        if enabled(config):
            out.append((name, importlib.import_module(module).fix))
    return out
