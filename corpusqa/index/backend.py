"""The index-backend contract: what retrieval and answers need from an index.

Two backends implement it: the embedded index (FAISS + our BM25 postings in one
directory, :class:`EmbeddedBackend` over :class:`~corpusqa.index.store.LoadedIndex`) and
:class:`~corpusqa.index.milvus.MilvusIndex` (milvus-lite or a Milvus server). Results
are keyed by chunk id, never by a backend's row number, so a remote index never has to
ship its row order to the client. Filters are applied inside the backend (a remote
index cannot receive a list of millions of allowed rows); fusion and duplicate collapse
stay with the caller, so calibrated weights mean the same on every backend.

The index layer may not import ``corpusqa.retrieval``, so filters are typed
structurally (:class:`FilterSpec`); ``retrieval.filters.Filters`` satisfies it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from corpusqa.models import Article, Chunk


@dataclass(frozen=True)
class ChunkHit:
    """One search result: a chunk of an article and its score (higher is better)."""

    chunk_id: str
    article_id: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FilterSpec(Protocol):
    """Metadata restriction (``corpusqa.retrieval.filters.Filters`` has this shape).

    Dates are ISO ``yyyy-mm-dd`` compared lexically; an undated article never passes a
    date bound. ``sources`` is exact membership; ``*_contains`` are substrings.
    """

    date_from: str | None
    date_to: str | None
    sources: tuple[str, ...]
    title_contains: str | None
    section_contains: str | None

    def is_empty(self) -> bool: ...


@runtime_checkable
class IndexBackend(Protocol):
    """A searchable index, whatever stores it.

    Guarantees shared by every implementation (``tests/index/test_milvus_contract.py``):
    results are best first, at most ``k``, each chunk once; a query without any known
    token (punctuation only) gives no lexical hits; filters that match nothing give [];
    an undated article never passes a date filter; ``get_chunks`` returns the exact
    chunk (offsets slice the stored article text); ``lede_chunks`` gives each article's
    first chunk (the lexical re-scoring looks for places there); ``sentence_vectors`` are
    aligned with ``chunk.sentences`` (None when the index has no encoder, or the embedded
    index did not precompute them).
    """

    manifest: dict[str, Any]
    version: str

    def __len__(self) -> int: ...

    @property
    def has_dense(self) -> bool: ...

    @property
    def encoder(self) -> Any: ...

    def tokenize(self, text: str) -> list[str]: ...

    def lexical_search(self, query: str, k: int, filters: FilterSpec | None = None) -> list[ChunkHit]: ...

    def dense_search(self, query_vec: np.ndarray, k: int,
                     filters: FilterSpec | None = None) -> list[ChunkHit]: ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]: ...

    def lede_chunks(self, article_ids: Sequence[str]) -> dict[str, Chunk]: ...

    def sentence_vectors(self, chunk_id: str) -> np.ndarray | None: ...

    def article_hashes(self) -> dict[str, str] | None: ...


@runtime_checkable
class IndexWriter(Protocol):
    """The write side: a fresh build, appending new articles, removing articles.

    ``build`` publishes atomically: readers see the old index or the new one, and a
    build killed mid-way leaves the old one serving.
    """

    def build(self, articles: Iterable[Article]) -> Any: ...

    def add(self, articles: Iterable[Article]) -> Any: ...

    def delete(self, article_ids: Iterable[str]) -> int: ...


def passes(filters: FilterSpec | None, meta: Mapping[str, Any] | None) -> bool:
    """Whether an article's metadata passes ``filters`` (the rule every backend follows)."""
    if filters is None or filters.is_empty():
        return True
    meta = meta or {}
    date = meta.get("date") or ""
    if filters.date_from and (not date or date < filters.date_from):
        return False
    if filters.date_to and (not date or date > filters.date_to):
        return False
    if filters.sources and meta.get("source") not in filters.sources:
        return False
    if filters.title_contains and filters.title_contains not in (meta.get("title") or ""):
        return False
    if filters.section_contains and filters.section_contains not in (meta.get("section") or ""):
        return False
    return True


class EmbeddedBackend:
    """The embedded index (``LoadedIndex``) seen through :class:`IndexBackend`.

    Args:
        index: a loaded version (``store.open_index``).
        article_meta: article id -> {"date", "source", "title", "section"}: the embedded
            index keeps no metadata, so filters are evaluated on it (as ``SearchContext``
            does today).
    """

    def __init__(self, index: Any, article_meta: Mapping[str, Mapping[str, Any]] | None = None):
        self.index = index
        self.article_meta = article_meta or {}
        self.manifest = index.manifest
        self.version = index.version

    def __len__(self) -> int:
        return len(self.index)

    @property
    def has_dense(self) -> bool:
        return self.index.has_dense

    @property
    def encoder(self) -> Any:
        return self.index.encoder

    def tokenize(self, text: str) -> list[str]:
        return self.index.tokenize(text)

    def _rows(self, filters: FilterSpec | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        return self.index.rows_for_articles([a for a, m in self.article_meta.items() if passes(filters, m)])

    def _hits(self, raw: list[tuple[int, float]]) -> list[ChunkHit]:
        chunks = self.index.chunks
        return [ChunkHit(chunks[r].id, chunks[r].article_id, float(s)) for r, s in raw]

    def lexical_search(self, query: str, k: int, filters: FilterSpec | None = None) -> list[ChunkHit]:
        rows = self._rows(filters)
        if k <= 0 or (rows is not None and rows.size == 0):
            return []
        return self._hits(self.index.lexical_search(query, k, rows))

    def dense_search(self, query_vec: np.ndarray, k: int, filters: FilterSpec | None = None) -> list[ChunkHit]:
        rows = self._rows(filters)
        if k <= 0 or (rows is not None and rows.size == 0):
            return []
        return self._hits(self.index.dense_search(query_vec, k, rows))

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        out = {}
        for cid in chunk_ids:
            try:
                out[cid] = self.index.chunks[self.index.chunk_row(cid)]
            except KeyError:
                continue
        return out

    def lede_chunks(self, article_ids: Sequence[str]) -> dict[str, Chunk]:
        """Each article's first chunk (the one starting earliest); missing articles left out."""
        chunks, first = self.index.chunks, self.index.first_rows()
        return {a: chunks[first[a]] for a in article_ids if a in first}

    def sentence_vectors(self, chunk_id: str) -> np.ndarray | None:
        return self.index.sentence_vectors(self.index.chunk_row(chunk_id))

    def article_hashes(self) -> dict[str, str] | None:
        return self.index.article_hashes()
