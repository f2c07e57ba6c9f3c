"""FAISS index kinds compared on one corpus's vectors: build time, size, latency, recall.

Recall@10 is measured against exact inner-product search over the same vectors, with
real query vectors (the ``ann`` phase of ``corpusqa bench scale``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from corpusqa.eval.metrics import percentile


#: Search-time settings swept per kind (HNSW efSearch, IVF nprobe).
SWEEP = {"hnsw": (64, 96, 128, 256, 512), "ivf": (16, 32, 64, 128, 256)}


def _set_param(idx, kind: str, value: int) -> None:
    if kind == "hnsw":
        idx.ef_search = value
    elif kind == "ivf":
        idx.nprobe = value


def compare_kinds(vectors_path: Path, queries: np.ndarray, kinds: list[str], k: int = 10,
                  sweep: dict | None = None) -> list[dict]:
    """One row per FAISS kind and search setting (``flat`` is the exact reference)."""
    return _compare(vectors_path, queries, kinds, k, SWEEP if sweep is None else sweep)


def _compare(vectors_path: Path, queries: np.ndarray, kinds: list[str], k: int, sweep: dict) -> list[dict]:
    import faiss

    from corpusqa.index.dense import DenseIndex

    vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
    exact = exact_neighbours(vectors, queries, k)
    rows = []
    for kind in kinds:
        t0 = time.perf_counter()
        idx = DenseIndex.build_from_file(vectors_path, kind)
        build_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            faiss.write_index(idx.index, str(Path(tmp) / "x.faiss"))
            size_mb = (Path(tmp) / "x.faiss").stat().st_size / 1e6
        for value in sweep.get(kind, (None,)):
            if value is not None:
                _set_param(idx, kind, value)
            lat, hits = [], 0
            for qi, q in enumerate(queries):
                t = time.perf_counter()
                found = idx.search(q, k)
                lat.append((time.perf_counter() - t) * 1000)
                hits += len(exact[qi] & {r for r, _ in found})
            rows.append({"kind": kind, "vectors": int(len(vectors)), "build_s": round(build_s, 2),
                         "faiss_mb": round(size_mb, 1), "p50_ms": round(percentile(lat, 50), 3),
                         "p95_ms": round(percentile(lat, 95), 3),
                         "recall10": round(hits / (k * len(queries)), 4), **idx.params()})
        del idx
    return rows


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int, block: int = 200_000) -> list[set[int]]:
    """Rows of the ``k`` largest inner products per query, in one blocked pass over ``vectors``."""
    q = np.ascontiguousarray(queries, dtype=np.float32)
    best_s = np.full((len(q), 0), -np.inf, np.float32)
    best_i = np.zeros((len(q), 0), np.int64)
    for i in range(0, len(vectors), block):
        s = q @ np.asarray(vectors[i:i + block], dtype=np.float32).T
        kk = min(k, s.shape[1])
        top = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        best_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        best_i = np.concatenate([best_i, top + i], 1)
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return [set(map(int, r)) for r in best_i]
