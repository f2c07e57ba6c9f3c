"""Open a built index: chunks, lexical and dense search, sentence vectors.

``open_index`` refuses an index that is missing, damaged, of another schema, built
with another encoder or tokenized with other settings, with one line that names the
command to run. Arrays are memory-mapped; the encoder loads on first use.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from corpusqa.errors import SearchIndexError
from corpusqa.index import manifest as mf
from corpusqa.index.chunk_rows import ArticleRows, ChunkRows, ChunkTable
from corpusqa.index.dense import DenseIndex
from corpusqa.index.encoders import Encoder, load_encoder
from corpusqa.index.lexical import LexicalIndex
from corpusqa.index.npyfiles import RowFile
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.versions import current_dir

logger = logging.getLogger(__name__)

CHUNKS = "chunks.jsonl"
CHUNK_KEYS = "chunk_keys.npy"
CHUNK_VECTORS = "chunk_vectors.npy"
FAISS_FILE = "dense.faiss"
SENTENCE_KEYS = "sentence_keys.npy"
SENTENCE_VECTORS = "sentence_vectors.npy"
CHUNK_SENTENCES = "chunk_sentences.npy"
LEXICAL_DIR = "lexical"
ARTICLE_ROWS = "article_rows.json"  # written by the builder and append.py


def read_article_rows(directory: Path) -> dict[str, Any] | None:
    """``article_rows.json``: article ids in row order, their chunk counts and text hashes."""
    try:
        return json.loads((directory / ARTICLE_ROWS).read_text())
    except (OSError, ValueError):
        return None


def load_array(path: Path) -> np.ndarray:
    """A read-only memory-mapped ``.npy`` (never with pickle)."""
    return np.load(path, mmap_mode="r", allow_pickle=False)


def open_index(index_dir: Path, settings: Any, *, check_encoder: bool = True,
               tokenizer: ChineseTokenizer | None = None) -> "LoadedIndex":
    """Load the live version under ``index_dir`` for querying with ``settings``.

    Args:
        index_dir: the index directory (``settings.index_dir`` normally).
        settings: run-time settings (encoder spec, device, user dictionary).
        check_encoder: refuse an index built with another encoder than ``settings.encoder``.
        tokenizer: a (loaded) tokenizer to reuse; it must match the saved settings.

    Raises:
        SearchIndexError: missing, corrupt, or incompatible index (the message names the fix).
    """
    index_dir = Path(index_dir)
    live = current_dir(index_dir)
    if live is None:
        raise SearchIndexError("index.missing", path=str(index_dir), command=mf.BUILD_COMMAND)
    manifest = mf.read_manifest(live)
    if check_encoder:
        wanted = load_encoder(settings.encoder, device=getattr(settings, "device", None))
        mf.check_encoder(manifest, wanted.name if wanted else "none")
    tok_settings = manifest.get("tokenizer") or {}
    if tokenizer is None:
        tokenizer = ChineseTokenizer.from_settings(settings, bigrams=bool(tok_settings.get("bigrams", True)))
    mf.check_tokenizer(manifest, tokenizer.settings())
    try:
        return LoadedIndex(live, manifest, tokenizer, device=getattr(settings, "device", None))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise SearchIndexError("index.corrupt", detail=f"{type(exc).__name__}: {exc}"[:200], command=mf.BUILD_COMMAND)


def _check_vectors(dense: DenseIndex, probes: int = 8) -> None:
    """Cheap sanity checks of the vector files (same-size garbage passes a size check).

    A few stored vectors must be unit length, and FAISS must find each of them with an
    inner product of about 1 (itself or an identical copy).
    """
    n = dense.size
    if n == 0:
        return
    rows = np.unique(np.linspace(0, n - 1, min(n, probes)).astype(np.int64))
    vecs = np.asarray(dense.vectors[rows], dtype=np.float32)
    with np.errstate(all="ignore"):
        norms = np.sqrt(np.sum(vecs.astype(np.float64) ** 2, axis=1))
    ok = np.isfinite(norms) & ((np.abs(norms - 1) <= 1e-2) | (norms == 0))
    if not np.all(ok):
        raise ValueError("chunk vectors are not unit length (damaged vector file)")
    for v in vecs[norms > 0][:3]:
        found = dense.search(v, 1)
        if not found or abs(found[0][1] - 1.0) > 1e-2:
            raise ValueError("the FAISS index does not find stored vectors (damaged FAISS file)")


class LoadedIndex:
    """One version of the index, ready to search.

    Rows are chunk positions: ``chunks[row]``, ``article_ids[row]``, FAISS id ``row``
    and lexical document ``row`` all refer to the same chunk.
    """

    def __init__(self, path: Path, manifest: dict[str, Any], tokenizer: ChineseTokenizer,
                 device: str | None = None):
        self.path = path
        self.version = path.name
        self.manifest = manifest
        # chunk rows are parsed on demand (chunk_rows.py): opening costs the same at 1M chunks
        self.chunks = ChunkRows(path / CHUNKS, ChunkTable.load(path))
        n = len(self.chunks)
        rows = read_article_rows(path)
        if rows is None or sum(rows.get("counts") or []) != n:
            raise ValueError(f"{ARTICLE_ROWS} is missing or does not match the chunk rows")
        self.article_ids = ArticleRows(list(rows["ids"]), rows["counts"])
        hashes = rows.get("hashes") or []
        self._article_hashes: list[str] | None = hashes if len(hashes) == len(rows["ids"]) else None
        del rows
        self._first: dict[str, int] | None = None
        self._tokenizer = tokenizer
        self.lexical = LexicalIndex.load(path / LEXICAL_DIR, tokenizer)
        self.dense: DenseIndex | None = None
        enc = manifest.get("encoder")
        if enc and manifest.get("dense"):
            # rows read with pread, not memory-mapped (see npyfiles.RowFile)
            vectors = RowFile(path / CHUNK_VECTORS)
            self.dense = DenseIndex.load(path / FAISS_FILE, vectors, manifest["dense"]["faiss"])
        self._sent_vecs = self._sent_rows = self._sent_ptr = None
        if (manifest.get("sentence_vectors") or {}).get("enabled"):
            self._sent_vecs = load_array(path / SENTENCE_VECTORS)
            self._sent_rows = load_array(path / CHUNK_SENTENCES)
            counts = self.chunks.table.sentence_counts
            self._sent_ptr = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        if n != manifest["counts"]["chunks"] or self.lexical.size != n:
            raise ValueError("row counts of chunks and lexical index disagree")
        if self.dense is not None and self.dense.size != n:
            raise ValueError("row counts of chunks and vectors disagree")
        if self.dense is not None:
            _check_vectors(self.dense)
        self._device = device
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def has_dense(self) -> bool:
        """False for a lexical-only index (built with ``--encoder none``)."""
        return self.dense is not None

    def chunk_row(self, chunk_id: str) -> int:
        """Row of ``chunk_id`` (KeyError when it is not in this index)."""
        return self.chunks.row_of(chunk_id)

    def rows_for_articles(self, article_ids) -> np.ndarray:
        """Rows of all chunks of the given articles, ascending (for filters)."""
        return self.article_ids.rows(article_ids)

    def first_rows(self) -> dict[str, int]:
        """Article id -> the row of its first chunk (the lede)."""
        if self._first is None:
            self._first = self.article_ids.first_rows()
        return self._first

    def article_hashes(self) -> dict[str, str] | None:
        """Article id -> hash of the text it was indexed from (``models.text_hash``), or
        None for an index written before the hashes were kept."""
        if self._article_hashes is None:
            return None
        return dict(zip(self.article_ids.ids, self._article_hashes))

    def tokenize(self, text: str) -> list[str]:
        """The lexical index's own tokenizer."""
        return self._tokenizer.tokenize(text)

    def lexical_search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """BM25 top ``k`` as ``(row, score)``; [] for an empty or punctuation-only query."""
        return self.lexical.search(query, k, rows)

    def dense_search(self, query_vec: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Cosine top ``k`` as ``(row, score)`` for a query vector from :attr:`encoder`."""
        if self.dense is None:
            raise SearchIndexError("index.dense_unavailable")
        return self.dense.search(query_vec, k, rows)

    @property
    def encoder(self) -> Encoder | None:
        """The encoder the index was built with, loaded on first use (None if lexical-only).

        Raises SearchIndexError when its weights differ from those recorded in the manifest.
        """
        spec = self.manifest.get("encoder")
        if not spec:
            return None
        with self._lock:
            if self._encoder is None:
                from corpusqa.shared_models import shared

                def build() -> Encoder:
                    enc = load_encoder(spec["spec"], device=self._device)
                    assert enc is not None  # the manifest records a real encoder
                    enc.load()
                    return enc

                # one loaded model for every index version of the process (live reload)
                key = ("encoder", spec["spec"], self._device, spec.get("fingerprint"))
                enc = shared(key, build)
                mf.check_fingerprint(self.manifest, enc.fingerprint)
                self._encoder = enc
        return self._encoder

    def attach_encoder(self, encoder: Encoder) -> None:
        """Use an already loaded encoder (it must have the manifest's fingerprint)."""
        mf.check_fingerprint(self.manifest, encoder.fingerprint)
        with self._lock:
            self._encoder = encoder

    def encode_query(self, text: str) -> np.ndarray:
        """The query vector ``(dim,)`` for :meth:`dense_search`."""
        enc = self.encoder
        if enc is None:
            raise SearchIndexError("index.dense_unavailable")
        return enc.encode_queries([text])[0]

    def sentence_vectors(self, chunk_row: int) -> np.ndarray | None:
        """``(n_sentences, dim)`` passage vectors aligned with ``chunks[row].sentences``.

        None when sentence vectors were not precomputed (see the manifest).
        """
        if self._sent_vecs is None:
            return None
        assert self._sent_ptr is not None and self._sent_rows is not None  # loaded with _sent_vecs
        lo, hi = int(self._sent_ptr[chunk_row]), int(self._sent_ptr[chunk_row + 1])
        return np.asarray(self._sent_vecs[np.asarray(self._sent_rows[lo:hi])])
