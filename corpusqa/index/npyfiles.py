"""Streamed ``.npy`` writing: a header in front of raw rows, rows appended to a copy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np


def raw_to_npy(raw: Path, out: Path, shape: tuple[int, int]) -> None:
    """Prefix a raw float32 file with a ``.npy`` header (streamed, no full copy in memory)."""
    expected = shape[0] * shape[1] * 4
    if raw.stat().st_size != expected:
        raise ValueError(f"vector scratch file holds {raw.stat().st_size} bytes, expected {expected}")
    with open(out, "wb") as f, open(raw, "rb") as src:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": shape})
        shutil.copyfileobj(src, f, 16 << 20)
    raw.unlink()


def append_rows(src: Path, dst: Path, extra: np.ndarray) -> None:
    """``dst`` = the rows of the ``.npy`` at ``src`` followed by ``extra`` (streamed copy)."""
    old = np.load(src, mmap_mode="r", allow_pickle=False)
    if old.dtype != extra.dtype or old.shape[1:] != extra.shape[1:]:
        raise ValueError(f"cannot append {extra.dtype}{extra.shape[1:]} rows to {src.name}")
    shape = (old.shape[0] + extra.shape[0], *old.shape[1:])
    offset = old.offset
    del old
    with open(dst, "wb") as f, open(src, "rb") as s:
        np.lib.format.write_array_header_1_0(f, {"descr": extra.dtype.str, "fortran_order": False, "shape": shape})
        s.seek(offset)
        shutil.copyfileobj(s, f, 16 << 20)
        f.write(np.ascontiguousarray(extra).tobytes())


def row_index(key, n: int) -> int:
    """``key`` as a row of a sequence of ``n`` (negative counts from the end); IndexError outside."""
    i = int(key)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError(key)
    return i


class PreadFile:
    """A file read by byte ranges with ``os.pread``: no memory map, no file position (so
    threads may share it); closed when the object goes. See :class:`RowFile` for why."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = os.open(path, os.O_RDONLY)

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)
            self._fd = None

    def read(self, size: int, offset: int) -> bytes:
        """Exactly ``size`` bytes from ``offset`` (ValueError when the file is shorter)."""
        assert self._fd is not None
        buf = os.pread(self._fd, size, offset)
        if len(buf) != size:
            raise ValueError(f"{self.path.name}: short read (file changed while open?)")
        return buf


class RowFile:
    """A 2-D (or 1-D) ``.npy`` read with ``os.pread`` instead of a memory map.

    Random rows of a big file through a memory map cost far more memory than they hold:
    every page fault maps the kernel's read-around window (8 MB on this machine's disk) or
    at least 64 KB of neighbours, all of it counted in the process's resident size, and
    after a few hundred questions the whole file is "resident". A ``pread`` copies only the
    bytes asked for into a private buffer that is freed with the result; the kernel still
    caches the file. Supports ``a[i]``, ``a[lo:hi]`` (step 1) and ``a[int array]``.

    Safe to share between threads (``pread`` has no file position).
    """

    def __init__(self, path: Path, offset: int | None = None, shape: tuple[int, ...] | None = None,
                 dtype=None):
        """``path``: a ``.npy`` file, or any file holding a C-ordered array of ``shape`` and
        ``dtype`` from byte ``offset`` (e.g. one tensor of a safetensors file)."""
        if offset is None:
            with open(path, "rb") as f:
                version = np.lib.format.read_magic(f)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = read(f)
                offset = f.tell()
            if fortran:
                raise ValueError(f"{path.name}: expected a C-ordered array")
        assert shape is not None and dtype is not None
        self.offset = int(offset)
        self.path, self.shape, self.dtype = path, tuple(shape), np.dtype(dtype)
        self._row_items = int(np.prod(self.shape[1:], dtype=np.int64)) if len(self.shape) > 1 else 1
        self._row_bytes = self._row_items * self.dtype.itemsize
        expected = self.offset + self.shape[0] * self._row_bytes
        if path.stat().st_size < expected:
            raise ValueError(f"{path.name} holds {path.stat().st_size} bytes, its header says {expected}")
        self._file = PreadFile(path)

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> int:
        return self.shape[0] * self._row_items

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _read(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` (bounds already checked)."""
        n = max(0, hi - lo)
        buf = self._file.read(n * self._row_bytes, self.offset + lo * self._row_bytes)
        return np.frombuffer(buf, dtype=self.dtype).reshape((n, *self.shape[1:]))

    def __getitem__(self, key):
        n = self.shape[0]
        if isinstance(key, slice):
            lo, hi, step = key.indices(n)
            if step != 1:
                raise ValueError("RowFile slices must have step 1")
            return self._read(lo, max(lo, hi))
        if isinstance(key, (int, np.integer)):
            i = row_index(key, n)
            return self._read(i, i + 1)[0]
        rows = np.asarray(key, dtype=np.int64).reshape(-1)
        if rows.size and (rows.min() < -n or rows.max() >= n):
            raise IndexError("row out of range")
        rows = np.where(rows < 0, rows + n, rows)
        out = np.empty((rows.size, *self.shape[1:]), dtype=self.dtype)
        if rows.size == 0:
            return out
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        # one read per run of consecutive rows
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
        start = 0
        for end in [*breaks.tolist(), ordered.size]:
            block = self._read(int(ordered[start]), int(ordered[end - 1]) + 1)
            out[order[start:end]] = block
            start = end
        return out

    def __array__(self, dtype=None, copy=None):
        arr = self._read(0, self.shape[0])
        return arr.astype(dtype) if dtype is not None else arr
