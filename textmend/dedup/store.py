"""Shingle hashes of every indexed text, on disk, so memory does not grow with the corpus.

Exact verification needs the shingle hashes of the two texts of a candidate pair, never all of
them at once, and a corpus of 1M 2 KB documents holds ~5.4 GB of them. The store appends each
batch's hashes (little-endian uint64, texts one after another, in view order) to one file and
keeps only the offsets in memory: text ``k`` owns hashes ``starts[k]:starts[k+1]`` (8 bytes per
text). Verification reads a text with one ``pread``, and :class:`~textmend.dedup.verify.ShingleStore`'s
bounded cache keeps the sorted sets of the texts in recent pairs.

Why ``pread`` and not ``np.memmap``: mapped pages count as the process's resident memory until
the kernel reclaims them, so a run over a large index would look (and, to a cgroup limit, be) as
big as the file; a read copies just the bytes of one text out of the page cache.

The file lives in the index directory (``--index DIR``: ``shingles.u64`` next to ``meta.json``,
offsets in ``shingle_starts.npy``), or else in a temporary directory removed when the store is
closed or garbage-collected.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textmend.dedup.minhash import ShingleBatch
from textmend.dedup.verify import SET_CACHE_SIZE, ShingleStore
from textmend.errors import InputError

SHINGLE_FILE = "shingles.u64"
_ITEM = 8  # bytes per shingle hash


def _release(
    state: dict[str, object], keys: tuple[str, ...] = ("fd", "tmpdir", "sets_fd", "sets_tmpdir")
) -> None:
    """Close the files and remove owned temporary directories (also run by the finalizer)."""
    for key in keys:
        value = state.get(key)
        if key.endswith("fd") and isinstance(value, int):
            os.close(value)
        elif isinstance(value, str):
            shutil.rmtree(value, ignore_errors=True)
        state[key] = None


def _write_all(fd: int, data: memoryview) -> None:
    while len(data):
        data = data[os.write(fd, data) :]


class DiskShingleStore(ShingleStore):
    """A :class:`ShingleStore` whose hashes live in a file (``directory/shingles.u64``).

    ``directory=None`` makes a temporary directory. ``starts`` (with ``batch_ends``, the text
    count after each earlier :meth:`add`) reopens a store saved by an index; bytes past
    ``starts[-1]`` (an add that never reached the index's metadata) are cut off.

    ``add(batch, keep=True)`` also keeps the batch object in memory until :meth:`release`, for
    an engine that tracks batches by identity (Dask keeps them on its workers anyway).

    >>> import numpy as np
    >>> s = DiskShingleStore()
    >>> s.add(ShingleBatch(np.array([5, 3, 5], dtype=np.uint64), np.array([0, 2, 3])))
    >>> s.hashes(0).tolist(), s.set_of(1).tolist(), len(s)
    ([5, 3], [5], 2)
    >>> s.close()
    """

    def __init__(
        self,
        directory: str | Path | None = None,
        starts: np.ndarray | None = None,
        batch_ends: Sequence[int] = (),
        max_sets: int = SET_CACHE_SIZE,
    ) -> None:
        super().__init__(max_sets=max_sets)
        self._state: dict[str, object] = {"fd": None, "tmpdir": None}
        if directory is None:
            directory = tempfile.mkdtemp(prefix="textmend-dedup-")
            self._state["tmpdir"] = directory
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._finalizer = weakref.finalize(self, _release, self._state)
        path = self.directory / SHINGLE_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self._state["fd"] = fd
        # Offsets grow by doubling: appending a batch must not copy all earlier offsets.
        self._starts = np.zeros(1024, dtype=np.int64)
        self._n = 0
        self._ends: list[int] = []
        self._kept: dict[int, ShingleBatch] = {}
        self._set_off = np.zeros(0, dtype=np.int64)
        self._set_len = np.zeros(0, dtype=np.int64)
        self._sets_size = 0
        if starts is not None and len(starts) > 1:
            starts = np.asarray(starts, dtype=np.int64)
            need = int(starts[-1]) * _ITEM
            have = os.fstat(fd).st_size
            if have < need:
                self._finalizer()
                raise InputError(str(path), f"shingle file has {have} bytes, the index needs {need}")
            self._grow(len(starts))
            self._starts[: len(starts)] = starts
            self._n = len(starts) - 1
            self._ends = [int(e) for e in batch_ends] or [self._n]
        os.ftruncate(fd, int(self._starts[self._n]) * _ITEM)

    # --- the ShingleStore interface -------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    @property
    def _fd(self) -> int:
        fd = self._state["fd"]
        if not isinstance(fd, int):
            raise ValueError("the shingle store is closed")
        return fd

    def _grow(self, size: int) -> None:
        if size > len(self._starts):
            bigger = np.zeros(max(size, 2 * len(self._starts)), dtype=np.int64)
            bigger[: self._n + 1] = self._starts[: self._n + 1]
            self._starts = bigger

    def add(self, batch: ShingleBatch, keep: bool = False) -> None:
        k = len(batch.starts) - 1
        lo, hi = int(batch.starts[0]), int(batch.starts[-1])
        hashes = np.ascontiguousarray(batch.hashes[lo:hi], dtype="<u8")
        _write_all(self._fd, memoryview(hashes.tobytes()))
        self._grow(self._n + k + 1)
        base = self._starts[self._n]
        self._starts[self._n + 1 : self._n + k + 1] = base + (
            np.asarray(batch.starts[1:], dtype=np.int64) - batch.starts[0]
        )
        if keep:
            self._kept[len(self._ends)] = batch
        self._n += k
        self._ends.append(self._n)

    def hashes(self, k: int) -> np.ndarray:
        if not 0 <= k < self._n:
            raise IndexError(k)
        a, b = int(self._starts[k]), int(self._starts[k + 1])
        if a == b:
            return np.zeros(0, dtype=np.uint64)
        data = os.pread(self._fd, (b - a) * _ITEM, a * _ITEM)
        return np.frombuffer(data, dtype="<u8").astype(np.uint64, copy=False)

    @property
    def batches(self) -> Sequence[ShingleBatch]:
        """One batch per :meth:`add` (kept ones as added, the others memory-mapped on access)."""
        out: list[ShingleBatch] = []
        first = 0
        for b, end in enumerate(self._ends):
            kept = self._kept.get(b)
            if kept is not None:
                out.append(kept)
            else:
                starts = self._starts[first : end + 1]
                lo, hi = int(starts[0]), int(starts[-1])
                hashes: np.ndarray
                if hi > lo:
                    hashes = np.memmap(
                        self.directory / SHINGLE_FILE,
                        dtype="<u8",
                        mode="r",
                        offset=lo * _ITEM,
                        shape=(hi - lo,),
                    )
                else:
                    hashes = np.zeros(0, dtype=np.uint64)
                out.append(ShingleBatch(hashes=hashes, starts=starts - lo))
            first = end
        return out

    def set_of(self, k: int) -> np.ndarray:
        """Sorted unique shingle hashes of text ``k``.

        Why a second file: a text's set is needed again whenever it meets another candidate,
        often after the bounded in-memory cache dropped it; reading the sorted set back costs
        a fifth of reading and sorting the hashes again. The file lives until
        :meth:`forget_sets`, in a temporary directory of its own.
        """
        s = self._cache.get(k)
        if s is not None:
            self._cache.move_to_end(k)
            return s
        if k < len(self._set_off) and self._set_off[k] >= 0:
            off, size = int(self._set_off[k]), int(self._set_len[k])
            s = np.frombuffer(os.pread(self._sets_fd(), size * _ITEM, off * _ITEM), dtype="<u8").astype(
                np.uint64, copy=False
            )
        else:
            s = self._compute_set(k)
            if len(self._set_off) < self._n:
                size = max(self._n, 2 * len(self._set_off))
                grown_off = np.full(size, -1, dtype=np.int64)
                grown_len = np.zeros(size, dtype=np.int64)
                grown_off[: len(self._set_off)] = self._set_off
                grown_len[: len(self._set_len)] = self._set_len
                self._set_off, self._set_len = grown_off, grown_len
            self._set_off[k] = self._sets_size
            self._set_len[k] = len(s)
            _write_all(self._sets_fd(), memoryview(np.ascontiguousarray(s, dtype="<u8").tobytes()))
            self._sets_size += len(s)
        self._remember(k, s)
        return s

    def _sets_fd(self) -> int:
        fd = self._state.get("sets_fd")
        if not isinstance(fd, int):
            tmp = tempfile.mkdtemp(prefix="textmend-sets-")
            self._state["sets_tmpdir"] = tmp
            fd = os.open(os.path.join(tmp, "sets.u64"), os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            self._state["sets_fd"] = fd
        return fd

    def forget_sets(self) -> None:
        super().forget_sets()
        self._set_off = np.zeros(0, dtype=np.int64)
        self._set_len = np.zeros(0, dtype=np.int64)
        self._sets_size = 0
        fd = self._state.get("sets_fd")
        if isinstance(fd, int):
            os.ftruncate(fd, 0)

    # --- disk-specific --------------------------------------------------------------------------

    @property
    def starts(self) -> np.ndarray:
        """Offsets of every text (``len(self) + 1``), in hashes."""
        return self._starts[: self._n + 1]

    @property
    def batch_ends(self) -> list[int]:
        return list(self._ends)

    @property
    def file(self) -> Path:
        return self.directory / SHINGLE_FILE

    def release(self) -> None:
        """Drop the batches kept in memory by ``add(..., keep=True)``."""
        self._kept.clear()

    def relocate(self, directory: str | Path) -> None:
        """Move the store's file to ``directory`` (an index saved somewhere new)."""
        directory = Path(directory)
        if directory.resolve() == self.directory.resolve():
            return
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / SHINGLE_FILE
        tmp = directory / (SHINGLE_FILE + ".tmp")
        with open(tmp, "wb") as out:
            size = int(self.starts[-1]) * _ITEM
            pos = 0
            while pos < size:
                chunk = os.pread(self._fd, min(1 << 24, size - pos), pos)
                out.write(chunk)
                pos += len(chunk)
        tmp.replace(target)
        _release(self._state, ("fd", "tmpdir"))
        self._state["fd"] = os.open(target, os.O_RDWR | os.O_APPEND)
        self.directory = directory

    def close(self) -> None:
        self.release()
        self._finalizer()
