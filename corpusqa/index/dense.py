"""Inner-product search over L2-normalised vectors with FAISS.

Row ``i`` of the FAISS index is chunk row ``i``. Small corpora use the exact
``IndexFlatIP``; from ``ANN_THRESHOLD`` vectors on, ``IndexIVFFlat`` (approximate). The
choice comes from ``corpusqa bench scale`` (docs/speed-and-scale.md "Scale", FAISS kinds table): at 100k
vectors exact search took 9-26 ms a query; IVF with 64 probes kept recall@10 at 0.987 of
exact search in 1.4 ms (p50) and built in 1.9 s, while HNSW (M 32) needed efSearch 512
for 0.953 and took 22 s to build. HNSW stays available (``--faiss hnsw``). A row filter
is answered exactly: by numpy over the allowed rows when there are few of them, else by
FAISS with an ID selector.

From ``SQ8_THRESHOLD`` vectors on, ``auto`` picks ``ivf-sq8``: the same IVF lists holding
8-bit scalar-quantised codes (a quarter of IVF-Flat's 1.5 GB at 1M chunks, which a
running server pages into memory as questions touch the lists), with the top
``SQ8_REFINE`` x k candidates re-scored exactly from the memory-mapped float32 vectors,
so the scores and order returned are exact inner products.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from corpusqa.index.ranking import best_rows

logger = logging.getLogger(__name__)

ANN_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96
#: Up to this many allowed rows, a filtered search is an exact numpy dot product.
_EXACT_FILTER_MAX = 50_000
IVF_NPROBE = 64
IVF_TRAIN_PER_LIST = 40
IVF_TRAIN_ITER = 20
#: From this many vectors on, ``auto`` stores 8-bit codes in the IVF lists (``ivf-sq8``).
SQ8_THRESHOLD = 500_000
#: ``ivf-sq8`` re-scores this many times k candidates with the float32 vectors.
SQ8_REFINE = 4
KINDS = ("auto", "flat", "hnsw", "ivf", "ivf-sq8")
_IVF = ("ivf", "ivf-sq8")
_ADD_BATCH = 65_536


def ivf_nlist(n: int) -> int:
    """Number of IVF lists for ``n`` vectors: about 2 sqrt(n), a power of two, 16..65536."""
    target = 2 * max(n, 1) ** 0.5
    return int(min(65536, max(16, 2 ** round(np.log2(target)))))


def iter_npy_rows(path: Path, batch: int = _ADD_BATCH):
    """Row blocks of a 2-D ``.npy`` read with plain file reads (no memory map kept)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
        if fortran or len(shape) != 2:
            raise ValueError(f"{path.name}: expected a C-ordered 2-D array")
        n, dim = shape
        for i in range(0, n, batch):
            m = min(batch, n - i)
            yield np.fromfile(f, dtype=dtype, count=m * dim).reshape(m, dim).astype(np.float32, copy=False)


def choose_kind(n: int, kind: str = "auto", threshold: int = ANN_THRESHOLD) -> str:
    """``flat``, ``ivf``, ``ivf-sq8`` or ``hnsw`` for ``n`` vectors (``auto``: flat below
    ``threshold``, ivf up to ``SQ8_THRESHOLD``, ivf-sq8 from there)."""
    if kind not in KINDS:
        raise ValueError(f"unknown FAISS index kind {kind!r}")
    if kind != "auto":
        return kind
    return "flat" if n < threshold else "ivf" if n < SQ8_THRESHOLD else "ivf-sq8"


class DenseIndex:
    """A FAISS index over the chunk vectors, plus the vectors themselves.

    Args:
        vectors: ``(n, dim)`` float32, L2-normalised: an array, a read-only memmap or a
            ``npyfiles.RowFile`` (rows read on demand).
        faiss_index: the FAISS index over the same rows.
        kind: ``flat`` or ``hnsw``.
    """

    def __init__(self, vectors: Any, faiss_index, kind: str):
        self.vectors = vectors
        self.index = faiss_index
        self.kind = kind
        self.ef_search = HNSW_EF_SEARCH  # search-time accuracy knobs (see ``corpusqa bench scale``)
        self.nprobe = IVF_NPROBE

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> "DenseIndex":
        """Index ``vectors`` (rows keep their order)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kind = choose_kind(len(vectors), kind)
        index = _new_index(kind, vectors.shape[1], vectors, len(vectors))
        for i in range(0, len(vectors), _ADD_BATCH):
            index.add(vectors[i:i + _ADD_BATCH])
        return cls(vectors, index, kind)

    @classmethod
    def build_from_file(cls, path: Path, kind: str = "auto") -> "DenseIndex":
        """Index the vectors of a ``.npy`` file, reading it in blocks (bounded memory)."""
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        kind = choose_kind(len(vectors), kind)
        sample = None
        if kind in _IVF:
            rng = np.random.default_rng(0)
            m = min(len(vectors), IVF_TRAIN_PER_LIST * ivf_nlist(len(vectors)))
            sample = np.asarray(vectors[np.sort(rng.choice(len(vectors), m, replace=False))], dtype=np.float32)
        index = _new_index(kind, vectors.shape[1], sample, len(vectors))
        for block in iter_npy_rows(path):
            index.add(np.ascontiguousarray(block))
        return cls(vectors, index, kind)

    def params(self) -> dict:
        """The FAISS parameters worth recording in the manifest."""
        if self.kind == "hnsw":
            return {"ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": self.ef_search}
        if self.kind == "ivf":
            return {"nlist": int(self.index.nlist), "nprobe": self.nprobe}
        if self.kind == "ivf-sq8":
            return {"nlist": int(self.index.nlist), "nprobe": self.nprobe, "codes": "sq8", "refine": SQ8_REFINE}
        return {}

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: Any, kind: str) -> "DenseIndex":
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
        return cls(vectors, index, kind)  # efSearch / nprobe are passed with every search

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
            return self._search(q, min(k, rows.size), rows)
        return self._search(q, min(k, n), None)

    def _search(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> list[tuple[int, float]]:
        if self.kind != "ivf-sq8":
            return self._faiss_search(q, k, rows)
        wide = min(SQ8_REFINE * k, self.size if rows is None else int(rows.size))
        found = np.asarray([r for r, _ in self._faiss_search(q, wide, rows)], dtype=np.int64)
        if found.size == 0:
            return []
        order = np.argsort(found)  # read the memory-mapped rows in file order
        exact = np.asarray(self.vectors[found[order]] @ q[0], dtype=np.float32)
        return best_rows(found[order], exact, k)

    def _faiss_search(self, q: np.ndarray, k: int, rows: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        # faiss's bundled stubs lack SearchParametersHNSW and the keyword constructors (SWIG)
        params = None
        if rows is not None:
            sel = faiss.IDSelectorBatch(rows)
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                    sel=sel, efSearch=max(self.ef_search, k))
            elif self.kind in _IVF:
                params = faiss.SearchParametersIVF(sel=sel, nprobe=self.nprobe)  # type: ignore[call-arg]
            else:
                params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        elif self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))  # type: ignore[attr-defined]
        elif self.kind in _IVF:
            params = faiss.SearchParametersIVF(nprobe=self.nprobe)  # type: ignore[call-arg]
        scores, ids = self.index.search(q, k, params=params)
        found = ids[0] >= 0
        return best_rows(ids[0][found].astype(np.int64), scores[0][found], k)


def _new_index(kind: str, dim: int, train: np.ndarray | None, n_total: int):
    """An empty (trained, for IVF) FAISS index of ``kind`` over inner products."""
    import faiss

    index: Any  # one of several FAISS classes (whose stubs lack IndexIVFFlat.cp and .nprobe)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index
    if kind in _IVF:
        n = 0 if train is None else len(train)
        nlist = min(ivf_nlist(n_total), max(1, n // 39)) if n else 1
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
        if n:
            index.cp.niter = IVF_TRAIN_ITER
            index.train(np.ascontiguousarray(train, dtype=np.float32))
        index.nprobe = IVF_NPROBE
        return index
    return faiss.IndexFlatIP(dim)
