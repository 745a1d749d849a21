"""One loaded model per path per process, and the default model built on first use."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from textmend.errors import InputError, TextmendError
from textmend.lm.build import build_from_lines
from textmend.lm.model import LanguageModel
from textmend.lm.sources import DEFAULT_NAME, cache_dir, default_lines

DEFAULT_ORDER = 5
# Recorded in the model file; LanguageModel.running_text tells word-list models by it.
DEFAULT_SOURCE = "jieba dict.txt (MIT)"


def _build_default(path: Path) -> None:
    build_from_lines(default_lines(), path, order=DEFAULT_ORDER, source=DEFAULT_SOURCE)


def default_model_path() -> Path:
    """The default model file, building it first if the cache does not hold it yet.

    Concurrent first uses may each build it; every build writes a temp file and renames it into
    place, so readers only ever see a complete model (the last rename wins; all are identical).
    """
    path = cache_dir() / DEFAULT_NAME
    if not path.is_file():
        try:
            # Fail before the build, not after it, when the cache cannot be written.
            path.parent.mkdir(parents=True, exist_ok=True)
            _build_default(path)
        except (OSError, InputError) as exc:
            problem = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise TextmendError(
                f"{path}: cannot write the default language model ({problem}); "
                "set TEXTMEND_CACHE to a writable directory"
            ) from exc
    return path


@functools.cache
def _load(path: str) -> LanguageModel:
    return LanguageModel(path)


def get_model(path: str | os.PathLike[str] | None = None) -> LanguageModel:
    """The model at ``path`` (None: the default offline model), loaded once per process."""
    if path is not None:
        return _load(str(Path(path).resolve()))
    target = default_model_path()
    try:
        return _load(str(target.resolve()))
    except InputError:
        # A damaged cache file (e.g. a disk filled up mid-write elsewhere): rebuild it once.
        _build_default(target)
        _load.cache_clear()
        return _load(str(target.resolve()))
