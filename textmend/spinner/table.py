"""A reversal table: spun form -> original, with counts, mined from aligned duplicates.

When the dedup pipeline aligns a spun copy with a clean copy of the same passage, each short
substitution region is a (spun, original) pair the spinner actually used. The scorer uses the
counts as a prior and the pairs as extra candidates (covering swaps no dictionary explains,
like 网络 -> 收集). ``textmend spinner learn ALIGNMENTS -o TABLE`` calls :func:`learn_file`.

File format (UTF-8 TSV, ``#`` lines are comments and carry the provenance)::

    # textmend spinner reversal table v1
    # source: <where the pairs came from>
    效劳器<TAB>服务器<TAB>3
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textmend.cjk import HAN_RE
from textmend.errors import ConfigError, InputError

HEADER = "# textmend spinner reversal table v1"
MAX_PAIR_CHARS = 6  # longer regions are rewrites or insertions, not word swaps


@dataclass
class ReversalTable:
    """Counts of (spun, original) pairs and the provenance of the data they came from."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)
    _by_form: dict[str, list[tuple[str, int]]] | None = field(default=None, repr=False)

    def add(self, spun: str, original: str, count: int = 1) -> None:
        if spun and original and spun != original:
            self.counts[(spun, original)] += count
            self._by_form = None

    def originals(self, form: str) -> list[tuple[str, int]]:
        """``(original, count)`` seen replaced by ``form``, most frequent first."""
        if self._by_form is None:
            by: dict[str, list[tuple[str, int]]] = {}
            for (s, o), c in self.counts.items():
                by.setdefault(s, []).append((o, c))
            for lst in by.values():
                lst.sort(key=lambda oc: (-oc[1], oc[0]))
            self._by_form = by
        return self._by_form.get(form, [])

    def prior(self, spun: str, original: str) -> float:
        """log(1 + count): how strongly the data says ``spun`` stands for ``original``."""
        return math.log1p(self.counts.get((spun, original), 0))

    def __len__(self) -> int:
        return len(self.counts)

    def merge(self, other: ReversalTable) -> None:
        for (s, o), c in other.counts.items():
            self.add(s, o, c)
        self.sources.extend(other.sources)

    def save(self, path: str | Path) -> None:
        lines = [HEADER, *(f"# source: {s}" for s in self.sources)]
        for (s, o), c in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"{s}\t{o}\t{c}")
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ReversalTable:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(str(p), f"cannot read reversal table ({exc})") from None
        table = cls()
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith("# source: "):
                table.sources.append(line[len("# source: ") :])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not parts[2].isdigit():
                raise InputError(str(p), f"line {n}: expected spun<TAB>original<TAB>count")
            table.add(parts[0], parts[1], int(parts[2]))
        return table


def _trim(a: str, b: str) -> tuple[str, str]:
    """Drop the common prefix and suffix of two strings."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    j = 0
    while j < min(len(a), len(b)) and a[-1 - j] == b[-1 - j]:
        j += 1
    return a[: len(a) - j], b[: len(b) - j]


def word_pair(a_text: str, b_text: str) -> tuple[str, str] | None:
    """The swapped words of one substitution region, or None when it is not a word swap.

    >>> word_pair("效劳器", "服务器")
    ('效劳', '服务')
    >>> word_pair("第十条", "第11条") is None
    True
    """
    a, b = _trim(a_text, b_text)
    if not (1 <= len(a) <= MAX_PAIR_CHARS and 1 <= len(b) <= MAX_PAIR_CHARS):
        return None
    if not all(HAN_RE.fullmatch(ch) for ch in a + b):
        return None
    return a, b


def learn_pairs(pairs: Iterable[tuple[str, str]], source: str) -> ReversalTable:
    """A table from ``(spun, original)`` text pairs (regions already oriented)."""
    table = ReversalTable(sources=[source])
    for spun, orig in pairs:
        wp = word_pair(spun, orig)
        if wp is not None:
            table.add(*wp)
    return table


Orienter = Callable[[list[dict[str, Any]]], str]


def _check(obj: object, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(obj, dict) or not isinstance(obj.get("regions"), list):
        raise InputError(str(path), f"{where}: not a diff object with 'regions'")
    return obj


def _read_alignments(path: Path) -> Iterator[dict[str, Any]]:
    """Diff objects from a file holding one JSON object, a JSON array, or JSON lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read alignments ({exc})") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        yield _check(whole, "document", path)
        return
    if isinstance(whole, list):
        for i, obj in enumerate(whole):
            yield _check(obj, f"item {i}", path)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"line {n}: not JSON ({exc.msg})") from None
        yield _check(obj, f"line {n}", path)


def learn_alignments(
    alignments: Iterable[dict[str, Any]], spun: str | Orienter = "a", source: str = "alignments"
) -> ReversalTable:
    """Mine substitution regions of diff-model objects (``docs/reports.md`` JSON shape).

    ``spun`` says which witness is the spun copy: ``"a"``, ``"b"``, or a function that looks at
    a pair's regions and answers ``"a"`` or ``"b"`` (see :func:`lm_orienter`).
    """
    table = ReversalTable(sources=[source])
    for obj in alignments:
        regions = [r for r in obj["regions"] if r.get("kind") == "substitution"]
        if not regions:
            continue
        side = spun(regions) if callable(spun) else spun
        if side not in ("a", "b"):
            raise ValueError(f"spun side must be 'a' or 'b', not {side!r}")
        for r in regions:
            a, b = str(r.get("a_text", "")), str(r.get("b_text", ""))
            wp = word_pair(a, b) if side == "a" else word_pair(b, a)
            if wp is not None:
                table.add(*wp)
    return table


def lm_orienter(model: Any) -> Orienter:
    """Orient a pair by majority vote: in each region the language model prefers the original."""

    def orient(regions: list[dict[str, Any]]) -> str:
        votes = 0
        for r in regions:
            left = str(r.get("context_before", ""))[-8:]
            right = str(r.get("context_after", ""))[:4]
            sa, sb = model.compare(left, [str(r.get("a_text", "")), str(r.get("b_text", ""))], right)
            votes += 1 if sb > sa else -1 if sa > sb else 0
        return "a" if votes >= 0 else "b"

    return orient


def learn_from_alignments(
    alignments: Sequence[str | Path], output: str | Path, spun: str = "auto", model: Any = None
) -> ReversalTable:
    """``textmend spinner learn ALIGNMENTS... -o TABLE``: mine diff JSON files, write the table.

    Each file holds diff objects (``textmend diff --format json``: one object, an array, or
    JSON lines). ``spun`` is ``a``, ``b`` or ``auto``: orient each pair with the language
    model, which prefers the original wording in most regions.
    """
    if spun not in ("a", "b", "auto"):
        raise ConfigError(f"spun must be a, b or auto, not {spun!r}")
    orienter: str | Orienter = spun
    if spun == "auto":
        if model is None:
            import importlib

            model = importlib.import_module("textmend.lm").get_model()
        orienter = lm_orienter(model)
    table = ReversalTable()
    for p in map(Path, alignments):
        table.merge(learn_alignments(_read_alignments(p), orienter, source=f"alignments {p.name}"))
    table.save(output)
    return table


def learn_file(
    alignments: str | Path, output: str | Path, spun: str = "auto", model: Any = None
) -> ReversalTable:
    """One alignments file (see :func:`learn_from_alignments`)."""
    return learn_from_alignments([alignments], output, spun, model)
