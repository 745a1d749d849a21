"""Data for the default model: registry packages installed with textmend, never the network.

The default model is built on first use into a cache directory (``$TEXTMEND_CACHE`` or
``~/.cache/textmend``) from jieba's frequency dictionary (MIT): every dictionary word counts as
a line weighted by its frequency, which teaches the model which characters form words.
See SOURCES.md beside this file for licences.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import util as importlib_util
from pathlib import Path

from textmend.errors import MissingDependency
from textmend.lm.modelfile import FORMAT_VERSION

# The name changes with the file format or the recipe, so an old cache is never misread.
DEFAULT_NAME = f"default-jieba-r3-f{FORMAT_VERSION}.tmlm"

# A word list has no punctuation, so without help the default model would treat every mark as
# an unknown character. Frequent words are also counted with a mark after (or an opening mark
# before) them, which makes marks ordinary characters that attach to word boundaries. Kneser-Ney
# counts distinct neighbours, not occurrences, so every mark ends up about equally likely there;
# the small weight only keeps these lines from inflating the words' own counts.
_AFTER = "，。、；：？！）”》"
_BEFORE = "（“《"
_PUNCT_WEIGHT = 0.01
_PUNCT_WORDS = 5000


def cache_dir() -> Path:
    env = os.environ.get("TEXTMEND_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "textmend"


def jieba_dict_path() -> Path:
    spec = importlib_util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency("jieba")
    for base in spec.submodule_search_locations:
        path = Path(base) / "dict.txt"
        if path.is_file():
            return path
    raise MissingDependency("jieba")


def jieba_words() -> Iterator[tuple[str, float]]:
    """(word, frequency) from jieba's dict.txt (``word freq tag`` per line)."""
    with jieba_dict_path().open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) > 0:
                yield parts[0], float(parts[1])


def default_lines() -> Iterator[tuple[str, float]]:
    """Weighted lines the default model is built from: every jieba word, plus the most frequent
    words with a punctuation mark after (or an opening mark before) them."""
    words = list(jieba_words())
    yield from words
    for word, freq in sorted(words, key=lambda wf: -wf[1])[:_PUNCT_WORDS]:
        for mark in _AFTER:
            yield word + mark, freq * _PUNCT_WEIGHT
        for mark in _BEFORE:
            yield mark + word, freq * _PUNCT_WEIGHT
