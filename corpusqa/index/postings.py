"""Streaming construction of term-major BM25 postings with bounded memory.

Documents arrive in order. Every ``block_docs`` documents, their (document, term) counts
are appended to two scratch files (doc-major). ``finish`` turns the scratch files into
term-major columns in a few passes, one range of columns at a time, so the largest
buffer holds at most ``part_entries`` postings whatever the corpus size. Terms are
stored as 64-bit BLAKE2b hashes (sorted), so loading needs no vocabulary dictionary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

logger = logging.getLogger(__name__)

FILES = ("terms", "col_ptr", "col_docs", "col_tf", "col_scores", "doc_len")
_TF_MAX = np.iinfo(np.uint16).max
_SEP_TOK, _SEP_DOC = "\x1f", "\x1e"


def term_hashes(tokens: Sequence[str]) -> np.ndarray:
    """64-bit hashes of ``tokens`` (uint64, stable across runs and machines)."""
    digests = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in tokens)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def bm25_weights(tf: np.ndarray, docs: np.ndarray, doc_len: np.ndarray, idf: np.ndarray, k1: float, b: float,
                 avgdl: float) -> np.ndarray:
    """Lucene BM25 weight of each posting (``idf`` already per posting, ``docs`` its rows)."""
    norm_doc = (np.float32(k1) * (np.float32(1 - b) + np.float32(b) * doc_len.astype(np.float32)
                                  / np.float32(avgdl or 1))).astype(np.float32)
    w = tf.astype(np.float32)
    den = norm_doc[docs]
    den += w
    np.divide(w, den, out=w)
    w *= idf
    return w


def lucene_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """``log(1 + (N - df + 0.5) / (df + 0.5))`` per term."""
    df = df.astype(np.float64)
    return np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)


_worker_tokenizer: Any = None  # set in each worker process by _init_worker, never in the parent


def _init_worker(tokenizer) -> None:
    global _worker_tokenizer
    _worker_tokenizer = tokenizer


def _tokenize_chunk(texts: list[str]) -> str:  # runs in a worker process
    return _SEP_DOC.join(_SEP_TOK.join(_worker_tokenizer.tokenize(t)) for t in texts)


class PostingsWriter:
    """Write a lexical index into ``directory`` document by document.

    Args:
        directory: created if needed; gets the ``FILES`` arrays plus ``meta["name"]``.
        tokenizer: used by :meth:`add` (not by :meth:`add_tokens`).
        k1, b: BM25 parameters.
        workers: processes that tokenize in parallel in :meth:`add` (1: in this process).
        meta: written as JSON (``name`` is the file name) with the counts added.
        block_docs: documents per scratch block.
        part_entries: most postings held in memory at once by :meth:`finish`.
    """

    def __init__(self, directory: Path, tokenizer, k1: float, b: float, workers: int = 1,
                 meta: dict | None = None, block_docs: int = 20_000, part_entries: int = 16_000_000):
        self.directory = Path(directory)
        self.tokenizer = tokenizer
        self.k1, self.b = float(k1), float(b)
        self.workers = max(1, int(workers))
        self.meta = dict(meta or {"name": "lexical.json"})
        self.block_docs = int(block_docs)
        self.part_entries = int(part_entries)
        self.vocab: dict[str, int] = {}
        self._flat: list[int] = []
        self._lens: list[int] = []
        self._doc_len: list[np.ndarray] = []
        self._doc_nnz: list[np.ndarray] = []
        self._df = np.zeros(0, np.int64)
        self._n = 0
        self.directory.mkdir(parents=True, exist_ok=True)
        self._terms_f = open(self.directory / "scratch.terms", "wb")
        self._tf_f = open(self.directory / "scratch.tf", "wb")
        self._pool: Pool | None = None

    # -- adding --------------------------------------------------------------------------
    def add(self, texts: Sequence[str]) -> None:
        """Tokenize and add ``texts`` (in order)."""
        if self.workers > 1 and len(texts) >= 2000:
            self.add_tokens(self._parallel_tokens(list(texts)))
        else:
            self.add_tokens(self.tokenizer.tokenize(t) for t in texts)

    def add_tokens(self, docs: Iterable[Sequence[str]]) -> None:
        """Add tokenized documents (in order)."""
        setdefault = self.vocab.setdefault
        for toks in docs:
            self._flat.extend([setdefault(t, len(self.vocab)) for t in toks])
            self._lens.append(len(toks))
            if len(self._lens) >= self.block_docs:
                self._flush()

    def _parallel_tokens(self, texts: list[str]) -> Iterator[list[str]]:
        import multiprocessing as mp

        if self._pool is None:
            self.tokenizer.load()  # loaded once here; forked workers inherit it without pickling
            self._pool = mp.get_context("fork").Pool(self.workers, initializer=_init_worker,
                                                     initargs=(self.tokenizer,))
        step = 500
        parts = [texts[i:i + step] for i in range(0, len(texts), step)]
        for joined in self._pool.imap(_tokenize_chunk, parts):
            for doc in joined.split(_SEP_DOC):
                yield doc.split(_SEP_TOK) if doc else []

    def _flush(self) -> None:
        if not self._lens:
            return
        lens = np.asarray(self._lens, dtype=np.int64)
        ids = np.asarray(self._flat, dtype=np.int64)
        doc = np.repeat(np.arange(lens.size, dtype=np.int64), lens)
        keys, tf = np.unique((doc << 32) | ids, return_counts=True)  # sorted by (doc, term)
        terms = (keys & 0xFFFFFFFF).astype(np.int32)
        self._terms_f.write(terms.tobytes())
        self._tf_f.write(np.minimum(tf, _TF_MAX).astype(np.uint16).tobytes())
        self._doc_nnz.append(np.bincount((keys >> 32).astype(np.int64), minlength=lens.size).astype(np.int32))
        self._doc_len.append(lens.astype(np.int32))
        if self._df.size < len(self.vocab):
            self._df = np.concatenate([self._df, np.zeros(len(self.vocab) - self._df.size, np.int64)])
        self._df += np.bincount(terms, minlength=self._df.size)
        self._n += lens.size
        self._flat, self._lens = [], []

    def abort(self) -> None:
        """Stop the worker processes and close the scratch files (the directory is discarded)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        self._terms_f.close()
        self._tf_f.close()

    # -- finishing -----------------------------------------------------------------------
    def finish(self) -> dict:
        """Write the term-major arrays and the metadata; returns the metadata."""
        self._flush()
        self._terms_f.close()
        self._tf_f.close()
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
        n_docs = self._n
        doc_len = np.concatenate(self._doc_len) if self._doc_len else np.zeros(0, np.int32)
        doc_nnz = np.concatenate(self._doc_nnz) if self._doc_nnz else np.zeros(0, np.int32)
        avgdl = float(doc_len.mean()) if n_docs else 0.0
        hashes = term_hashes(list(self.vocab))  # dict order == term id order
        self.vocab = {}  # the hashes replace it; free the strings before the column passes
        order = np.argsort(hashes, kind="stable")
        if hashes.size and np.any(np.diff(hashes[order]) == 0):
            raise ValueError("two vocabulary terms share a 64-bit hash")
        remap = np.empty(hashes.size, np.int32)
        remap[order] = np.arange(hashes.size, dtype=np.int32)
        df = self._df[order] if self._df.size else np.zeros(0, np.int64)
        col_ptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        idf = lucene_idf(df, n_docs)
        self._write_columns(col_ptr, remap, idf, doc_len, doc_nnz, avgdl)
        np.save(self.directory / "terms.npy", hashes[order], allow_pickle=False)
        np.save(self.directory / "col_ptr.npy", col_ptr, allow_pickle=False)
        np.save(self.directory / "doc_len.npy", doc_len, allow_pickle=False)
        for name in ("scratch.terms", "scratch.tf"):
            os.remove(self.directory / name)
        name = self.meta.pop("name", "lexical.json")
        meta = {"size": n_docs, "avgdl": avgdl, "vocab": int(hashes.size), "nnz": int(col_ptr[-1]), **self.meta}
        (self.directory / name).write_text(json.dumps(meta, ensure_ascii=False))
        return meta

    def _write_columns(self, col_ptr, remap, idf, doc_len, doc_nnz, avgdl) -> None:
        nnz = int(col_ptr[-1])
        outs = {}
        for name, dtype in (("col_docs", np.int32), ("col_tf", np.uint16), ("col_scores", np.float32)):
            f = open(self.directory / f"{name}.npy", "wb")
            np.lib.format.write_array_header_1_0(
                f, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (nnz,)})
            outs[name] = f
        doc_start = np.concatenate([[0], np.cumsum(doc_nnz, dtype=np.int64)])
        n_cols = col_ptr.size - 1
        lo = 0
        while lo < n_cols:
            # the widest column range whose postings fit in one buffer (at least one column)
            hi = int(np.searchsorted(col_ptr, col_ptr[lo] + self.part_entries, side="right")) - 1
            hi = min(max(hi, lo + 1), n_cols)
            self._write_part(lo, hi, col_ptr, remap, idf, doc_len, doc_start, avgdl, outs)
            lo = hi
        for f in outs.values():
            f.close()

    def _write_part(self, lo, hi, col_ptr, remap, idf, doc_len, doc_start, avgdl, outs) -> None:
        base = int(col_ptr[lo])
        size = int(col_ptr[hi]) - base
        docs = np.empty(size, np.int32)
        tfs = np.empty(size, np.uint16)
        cursor = col_ptr[lo:hi] - base
        cursor = cursor.copy()
        for d0, d1, terms, tf in self._scratch_blocks(doc_start):
            cols = remap[terms]
            sel = (cols >= lo) & (cols < hi)
            if not sel.any():
                continue
            rows = np.repeat(np.arange(d0, d1, dtype=np.int32), np.diff(doc_start[d0:d1 + 1]))[sel]
            cols, tf = cols[sel], tf[sel]
            order = np.argsort(cols, kind="stable")  # rows stay ascending within a column
            cols, rows, tf = cols[order], rows[order], tf[order]
            uc, first, cnt = np.unique(cols, return_index=True, return_counts=True)
            rank = np.arange(cols.size) - np.repeat(first, cnt)
            pos = np.repeat(cursor[uc - lo], cnt) + rank
            docs[pos] = rows
            tfs[pos] = tf
            cursor[uc - lo] += cnt
        per_post_idf = np.repeat(idf[lo:hi], np.diff(col_ptr[lo:hi + 1]))
        scores = bm25_weights(tfs, docs, doc_len, per_post_idf, self.k1, self.b, avgdl)
        outs["col_docs"].write(docs.tobytes())
        outs["col_tf"].write(tfs.tobytes())
        outs["col_scores"].write(scores.tobytes())

    def _scratch_blocks(self, doc_start: np.ndarray, docs_per_block: int = 25_000):
        """``(first_doc, end_doc, terms, tf)`` blocks read back from the scratch files."""
        n = doc_start.size - 1
        with open(self.directory / "scratch.terms", "rb") as ft, open(self.directory / "scratch.tf", "rb") as ff:
            for d0 in range(0, n, docs_per_block):
                d1 = min(n, d0 + docs_per_block)
                count = int(doc_start[d1] - doc_start[d0])
                terms = np.fromfile(ft, dtype=np.int32, count=count)
                tf = np.fromfile(ff, dtype=np.uint16, count=count)
                yield d0, d1, terms, tf


def append_documents(src: Path, dst: Path, docs: Sequence[Sequence[str]], k1: float, b: float,
                     meta_name: str = "lexical.json") -> dict:
    """A copy of the index in ``src`` with ``docs`` appended as new rows, written to ``dst``.

    Only the new documents are tokenized; the old postings are moved, not recounted, and
    every weight is recomputed (adding documents changes every idf and the average length).
    Memory is proportional to the whole index (fine for an update; a build streams).
    """
    old = {n: np.load(src / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in FILES}
    meta = json.loads((src / meta_name).read_text())
    n_old = int(meta["size"])
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(t, len(vocab)) for d in docs for t in d]
    lens = np.array([len(d) for d in docs], dtype=np.int64)
    doc = np.repeat(np.arange(lens.size, dtype=np.int64), lens)
    keys, tf_new = np.unique((doc << 32) | np.asarray(ids, dtype=np.int64), return_counts=True)
    new_hash = term_hashes(list(vocab))
    old_terms = np.asarray(old["terms"])
    # the old terms are sorted and unique: insert the few unseen ones instead of re-sorting all
    pos = np.minimum(np.searchsorted(old_terms, new_hash), max(old_terms.size - 1, 0))
    unseen = np.unique(new_hash[old_terms[pos] != new_hash]) if old_terms.size else np.unique(new_hash)
    terms = np.insert(old_terms, np.searchsorted(old_terms, unseen), unseen) if unseen.size else old_terms
    old_map = np.searchsorted(terms, old_terms)
    new_cols = np.searchsorted(terms, new_hash)[(keys & 0xFFFFFFFF).astype(np.int64)] if keys.size else \
        np.zeros(0, np.int64)
    new_rows = n_old + (keys >> 32)
    old_ptr = np.asarray(old["col_ptr"])
    old_cnt = np.diff(old_ptr)
    old_cnt_at = np.zeros(terms.size, np.int64)
    old_cnt_at[old_map] = old_cnt
    cnt = old_cnt_at + np.bincount(new_cols, minlength=terms.size)
    ptr = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    nnz = int(ptr[-1])
    docs_all = np.empty(nnz, np.int32)
    tf_all = np.empty(nnz, np.uint16)
    nnz_old = int(old_ptr[-1])
    pos_old = np.repeat(ptr[old_map] - old_ptr[:-1], old_cnt) + np.arange(nnz_old)
    docs_all[pos_old] = old["col_docs"]
    tf_all[pos_old] = old["col_tf"]
    order = np.argsort(new_cols, kind="stable")
    c = new_cols[order]
    if c.size:
        _, first, k = np.unique(c, return_index=True, return_counts=True)
        rank = np.arange(c.size) - np.repeat(first, k)
        pos_new = ptr[c] + old_cnt_at[c] + rank
        docs_all[pos_new] = new_rows[order]
        tf_all[pos_new] = np.minimum(tf_new[order], _TF_MAX)
    doc_len = np.concatenate([np.asarray(old["doc_len"]), lens.astype(np.int32)])
    n_docs = int(doc_len.size)
    avgdl = float(doc_len.mean()) if n_docs else 0.0
    scores = bm25_weights(tf_all, docs_all, doc_len, np.repeat(lucene_idf(cnt, n_docs), cnt), k1, b, avgdl)
    dst.mkdir(parents=True, exist_ok=True)
    for name, arr in (("terms", terms), ("col_ptr", ptr), ("col_docs", docs_all), ("col_tf", tf_all),
                      ("col_scores", scores), ("doc_len", doc_len)):
        np.save(dst / f"{name}.npy", arr, allow_pickle=False)
    meta.update(size=n_docs, avgdl=avgdl, vocab=int(terms.size), nnz=nnz)
    (dst / meta_name).write_text(json.dumps(meta, ensure_ascii=False))
    return meta
