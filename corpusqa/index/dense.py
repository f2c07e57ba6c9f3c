"""Inner-product search over L2-normalised vectors with FAISS.

Row ``i`` of the FAISS index is chunk row ``i``. Small corpora use the exact
``IndexFlatIP``; from ``HNSW_THRESHOLD`` vectors on, ``IndexHNSWFlat`` (approximate,
sub-linear). A row filter is answered exactly: by numpy over the allowed rows when there
are few of them, else by FAISS with an ID selector.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from corpusqa.index.ranking import best_rows

logger = logging.getLogger(__name__)

HNSW_THRESHOLD = 100_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
#: Up to this many allowed rows, a filtered search is an exact numpy dot product.
_EXACT_FILTER_MAX = 50_000
KINDS = ("auto", "flat", "hnsw")


def choose_kind(n: int, kind: str = "auto", threshold: int = HNSW_THRESHOLD) -> str:
    """``flat`` or ``hnsw`` for ``n`` vectors (``auto`` picks by size)."""
    if kind not in KINDS:
        raise ValueError(f"unknown FAISS index kind {kind!r}")
    if kind != "auto":
        return kind
    return "hnsw" if n >= threshold else "flat"


class DenseIndex:
    """A FAISS index over the chunk vectors, plus the vectors themselves.

    Args:
        vectors: ``(n, dim)`` float32, L2-normalised (may be a read-only memmap).
        faiss_index: the FAISS index over the same rows.
        kind: ``flat`` or ``hnsw``.
    """

    def __init__(self, vectors: np.ndarray, faiss_index, kind: str):
        self.vectors = vectors
        self.index = faiss_index
        self.kind = kind

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> "DenseIndex":
        """Index ``vectors`` (rows keep their order)."""
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kind = choose_kind(len(vectors), kind)
        dim = vectors.shape[1]
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return cls(vectors, index, kind)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray, kind: str) -> "DenseIndex":
        """Read the FAISS file memory-mapped where this FAISS supports it."""
        import faiss

        index = None
        for flag_name in ("IO_FLAG_MMAP_IFC", "IO_FLAG_MMAP"):
            flag = getattr(faiss, flag_name, None)
            if flag is None:
                continue
            try:
                index = faiss.read_index(str(path), flag | getattr(faiss, "IO_FLAG_READ_ONLY", 0))
                break
            except RuntimeError:
                logger.debug("faiss.read_index with %s failed; trying without", flag_name)
        if index is None:
            index = faiss.read_index(str(path))
        if kind == "hnsw":
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(vectors, index, kind)

    def search(self, query_vec: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` rows by inner product with ``query_vec`` as ``(row, score)``."""
        n = self.size
        if k <= 0 or n == 0:
            return []
        q = np.ascontiguousarray(np.asarray(query_vec, dtype=np.float32).reshape(1, -1))
        if q.shape[1] != self.dim:
            raise ValueError(f"query vector has dimension {q.shape[1]}, index has {self.dim}")
        if rows is not None:
            rows = np.unique(np.asarray(rows, dtype=np.int64))
            rows = rows[(rows >= 0) & (rows < n)]
            if rows.size == 0:
                return []
            if rows.size <= _EXACT_FILTER_MAX:
                scores = np.asarray(self.vectors[rows] @ q[0], dtype=np.float32)
                return best_rows(rows, scores, k)
            return self._faiss_search(q, min(k, rows.size), rows)
        return self._faiss_search(q, min(k, n), None)

    def _faiss_search(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        params = None
        if rows is not None:
            sel = faiss.IDSelectorBatch(rows)
            params = (faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))
                      if self.kind == "hnsw" else faiss.SearchParameters(sel=sel))
        elif self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        scores, ids = self.index.search(q, k, params=params)
        found = ids[0] >= 0
        return best_rows(ids[0][found].astype(np.int64), scores[0][found], k)
