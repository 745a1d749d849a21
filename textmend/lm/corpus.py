"""Read a training corpus: plain text files, JSONL with a ``text`` field, or folders of them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from textmend.errors import InputError

_SUFFIXES = {".txt", ".jsonl", ".md", ""}


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file() and p.suffix.lower() in _SUFFIXES:
                yield p
    elif path.is_file():
        yield path
    else:
        raise InputError(str(path), "no such file or directory")


def _jsonl(path: Path, field: str) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}", f"bad JSON line ({exc.msg})") from exc
            text = obj.get(field) if isinstance(obj, dict) else None
            if not isinstance(text, str):
                raise InputError(f"{path}:{n}", f"no string field {field!r}")
            yield text


def read_corpus(path: str | os.PathLike[str], field: str = "text") -> Iterator[str]:
    """Texts of a corpus path: ``.jsonl`` files give their ``field``, other files their whole text."""
    for p in _files(Path(path)):
        try:
            if p.suffix.lower() == ".jsonl":
                yield from _jsonl(p, field)
            else:
                yield p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(str(p), "not UTF-8 text") from exc
        except OSError as exc:
            raise InputError(str(p), f"cannot read: {exc.strerror or exc}") from exc
