"""Fixer 'script': convert traditional <-> simplified with OpenCC phrase conversion.

Off by default (``script="keep"``). The pure-Python OpenCC reimplementation is slow (about
0.5 MB/s), so only lines that hold characters of the other script are converted at all; the
C++ ``opencc`` bindings are used instead when they are the installed ``opencc`` module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from textmend.cjk import Script, detect_script, opencc_flavour, script_counts
from textmend.edits import Edit
from textmend.errors import MissingDependency
from textmend.repair.config import RepairConfig

_CONFIGS = {"simplified": "t2s", "traditional": "s2t"}


@functools.cache
def converter(name: str) -> Callable[[str], str]:
    """An OpenCC ``convert`` function for config ``name`` (``t2s``, ``s2t``, ``t2tw``...)."""
    flavour = opencc_flavour()
    if flavour == "none":
        raise MissingDependency("opencc-python-reimplemented")
    import opencc

    if flavour == "cpp":
        try:
            conv = opencc.OpenCC(f"{name}.json")
        except Exception:  # older/newer bindings disagree on whether the suffix is wanted
            conv = opencc.OpenCC(name)
    else:
        conv = opencc.OpenCC(name)
    convert: Callable[[str], str] = conv.convert
    return convert


def segment_scripts(text: str) -> list[tuple[int, int, Script]]:
    """The script of each line: ``(start, end, script)`` spans in code points, consecutive
    lines of one script merged. Lines without script-specific characters (``none``) join the
    segment before them, so a heading of shared characters does not split a paragraph run.

    >>> segment_scripts("優質服務\\n人大\\n优质服务\\n")
    [(0, 8, 'traditional'), (8, 13, 'simplified')]
    """
    out: list[tuple[int, int, Script]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        script = detect_script(line)
        end = pos + len(line)
        if out and (script == "none" or script == out[-1][2]):
            out[-1] = (out[-1][0], end, out[-1][2])
        else:
            out.append((pos, end, script))
        pos = end
    return out


def fix(text: str, config: RepairConfig) -> list[Edit]:
    target = config.script
    if target not in _CONFIGS:
        return []
    name = _CONFIGS[target]
    convert = converter(name)
    edits: list[Edit] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        t, s = script_counts(line)
        # Why the gate: converting only lines with foreign-script characters keeps the slow
        # converter off the bulk of text that is already in the target script.
        if (t if target == "simplified" else s) > 0:
            edits.extend(_line_edits(line, convert(line), pos, f"script.{name}"))
        pos += len(line)
    return edits


def _line_edits(line: str, converted: str, offset: int, kind: str) -> list[Edit]:
    if converted == line:
        return []
    if len(converted) != len(line):
        return [Edit(offset, offset + len(line), line, converted, kind)]
    # Same length (the usual case): one edit per run of changed characters.
    edits: list[Edit] = []
    i = 0
    n = len(line)
    while i < n:
        if line[i] == converted[i]:
            i += 1
            continue
        j = i
        while j < n and line[j] != converted[j]:
            j += 1
        edits.append(Edit(offset + i, offset + j, line[i:j], converted[i:j], kind))
        i = j
    return edits
