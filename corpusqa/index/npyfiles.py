"""Streamed ``.npy`` writing: a header in front of raw rows, rows appended to a copy."""

from __future__ import annotations

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
