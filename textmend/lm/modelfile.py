"""The on-disk model format: one file, memory-mapped on load.

Layout: the magic line ``TEXTMEND-LM\\n``, an 8-byte little-endian header length, a JSON header
(format version, model parameters, where each array lies), then the arrays, each 64-byte aligned,
so :func:`read_model` maps them with ``np.memmap`` instead of reading them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from textmend.errors import InputError

MAGIC = b"TEXTMEND-LM\n"
FORMAT_VERSION = 4
_ALIGN = 64


def _pad(n: int) -> int:
    return (-n) % _ALIGN


def write_model(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write atomically (temp file + rename), so a concurrent reader never sees half a model."""
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, arr in arrays.items():
        layout[name] = [offset, arr.dtype.str, len(arr)]
        offset += arr.nbytes + _pad(arr.nbytes)
    header = json.dumps({"format": FORMAT_VERSION, "meta": meta, "arrays": layout}).encode()
    start = len(MAGIC) + 8 + len(header)
    start += _pad(start)
    # The temp file is registered before it exists, so an interrupted build leaves no stray
    # ``.tmp`` beside the cache (see textmend.io.new_temp).
    from textmend.io import drop_temp, new_temp

    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = new_temp(target)
    except OSError as exc:
        raise InputError(str(target), f"cannot write language model: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, 0o644)  # the temp file is made 0600; a shared cache must be readable
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + len(header).to_bytes(8, "little") + header)
            f.write(b"\0" * (start - f.tell()))
            for arr in arrays.values():
                f.write(np.ascontiguousarray(arr).tobytes())
                f.write(b"\0" * _pad(arr.nbytes))
        os.replace(tmp, target)
        drop_temp(tmp)  # renamed: only forgets the name
    except OSError as exc:
        drop_temp(tmp)
        raise InputError(str(target), f"cannot write language model: {exc.strerror or exc}") from exc
    except BaseException:
        drop_temp(tmp)
        raise


def read_model(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header metadata and memory-mapped arrays; :class:`InputError` if it is not a model file."""
    src = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8 or not head.startswith(MAGIC):
                raise InputError(src, "not a textmend language model (build one with 'textmend lm build')")
            size = int.from_bytes(head[len(MAGIC) :], "little")
            if size > 1 << 24:
                raise InputError(src, "corrupt language model header")
            header = json.loads(f.read(size))
            file_size = os.fstat(f.fileno()).st_size
    except OSError as exc:
        raise InputError(src, f"cannot read language model: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(src, "corrupt language model header") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise InputError(src, f"unsupported language model format (this textmend reads {FORMAT_VERSION})")
    start = len(MAGIC) + 8 + size
    start += _pad(start)
    arrays: dict[str, np.ndarray] = {}
    try:
        for name, (offset, dtype, length) in header["arrays"].items():
            dt = np.dtype(dtype)
            if start + offset + dt.itemsize * length > file_size:
                raise InputError(src, "truncated language model file")
            # A plain ndarray view of the map: memmap's own indexing costs more than the lookups.
            arrays[name] = (
                np.memmap(path, dtype=dt, mode="r", offset=start + offset, shape=(length,)).view(np.ndarray)
                if length
                else np.empty(0, dtype=dt)
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(src, "corrupt language model header") from exc
    meta = header.get("meta")
    if not isinstance(meta, dict):
        raise InputError(src, "corrupt language model header")
    return meta, arrays
