"""BM25 over pre-tokenized chunks: term-major postings in plain ``.npy`` files.

Scores are exactly those of bm25s' "lucene" variant (k1=1.2, b=0.75; a test checks it),
but the index is built by streaming (:class:`~corpusqa.index.postings.PostingsWriter`):
memory stays flat in the number of documents, which bm25s' in-memory build does not
(measured by ``corpusqa bench scale``). A query adds one precomputed score column per
query token into a dense score vector, and a row filter is a plain numpy mask.

Files of a saved index (all read memory-mapped):

* ``terms.npy``   uint64, sorted 64-bit hashes of the vocabulary (column ``j`` is term ``j``);
* ``col_ptr.npy`` int64, column ``j`` is ``[col_ptr[j], col_ptr[j+1])`` in the next three;
* ``col_docs.npy`` int32 rows, ascending within a column; ``col_tf.npy`` uint16 term counts;
  ``col_scores.npy`` float32 BM25 weights;
* ``doc_len.npy`` int32 tokens per row; ``lexical.json`` the parameters and counts.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from corpusqa.index.npyfiles import RowFile
from corpusqa.index.postings import FILES, PostingsWriter, term_hashes
from corpusqa.index.ranking import best_rows
from corpusqa.index.tokenizer import ChineseTokenizer

#: Posting arrays, read per term with pread (see ``load``).
_POSTINGS = ("col_docs", "col_tf", "col_scores")

logger = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
ENGINE = "corpusqa-bm25"
ENGINE_VERSION = 1
_META = "lexical.json"


def top_k(scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The ``k`` best positive scores as ``(row, score)``, ties broken by lower row.

    Args:
        scores: one score per row.
        k: how many to return (may exceed the number of rows).
        rows: only these rows are eligible (None: all).
    """
    if k <= 0 or scores.size == 0:
        return []
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < scores.size)]
        cand, vals = rows, scores[rows]
        keep = vals > 0
        return best_rows(cand[keep], vals[keep], k)
    cand = np.flatnonzero(scores > 0)
    return best_rows(cand, scores[cand], k)


class LexicalIndex:
    """BM25 (Lucene variant) over chunk texts.

    Args:
        tokenizer: the tokenizer for documents *and* queries.
        k1, b: the BM25 parameters.
    """

    engine = ENGINE

    def __init__(self, tokenizer: ChineseTokenizer, k1: float = K1, b: float = B):
        self.tokenizer = tokenizer
        self.k1 = float(k1)
        self.b = float(b)
        self.size = 0
        self.avgdl = 0.0
        self.arrays: dict[str, np.ndarray] = {}

    def settings(self) -> dict:
        """Saved with the index; a different value means another engine or parameters."""
        return {"engine": self.engine, "engine_version": ENGINE_VERSION, "k1": self.k1, "b": self.b,
                "method": "lucene", "tokenizer": self.tokenizer.settings()}

    # -- building ----------------------------------------------------------------------
    def writer(self, directory: Path, workers: int = 1) -> PostingsWriter:
        """A streaming writer into ``directory`` (call ``add``..., then ``finish``)."""
        return PostingsWriter(directory, self.tokenizer, k1=self.k1, b=self.b, workers=workers,
                              meta={"name": _META, **self.settings()})

    def build(self, texts: Iterable[str]) -> "LexicalIndex":
        """Index ``texts`` in memory; row ``i`` of the index is the ``i``-th text."""
        return self.build_tokens(self.tokenizer.tokenize(t) for t in texts)

    def build_tokens(self, tokens: Iterable[Sequence[str]]) -> "LexicalIndex":
        """Index already-tokenized documents (they must come from ``self.tokenizer``)."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="corpusqa-lex-") as tmp:
            w = self.writer(Path(tmp))
            w.add_tokens(tokens)
            w.finish()
            loaded = LexicalIndex.load(Path(tmp), self.tokenizer, mmap=False)
        self.size, self.avgdl, self.arrays = loaded.size, loaded.avgdl, loaded.arrays
        return self

    def save(self, directory: Path) -> None:
        """Write the arrays and ``lexical.json`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            np.save(directory / f"{name}.npy", self.arrays[name], allow_pickle=False)
        meta = {"size": self.size, "avgdl": self.avgdl, "vocab": int(self.arrays["terms"].size),
                "nnz": int(self.arrays["col_docs"].size), **self.settings()}
        (directory / _META).write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path, tokenizer: ChineseTokenizer, mmap: bool = True) -> "LexicalIndex":
        """Load a saved index (plain ``.npy`` files, never pickle).

        ``mmap``: the posting arrays (``col_*``, the big ones) are read per term with
        ``pread`` (``npyfiles.RowFile``), the term table, column pointers and document
        lengths held in memory (a few MB at 1M chunks); False reads everything into memory.
        """
        meta = json.loads((directory / _META).read_text())
        if meta.get("engine") != ENGINE:
            raise ValueError(f"lexical engine {meta.get('engine')!r} is not {ENGINE!r}")
        idx = cls(tokenizer, k1=meta["k1"], b=meta["b"])
        idx.size = int(meta["size"])
        idx.avgdl = float(meta["avgdl"])
        idx.arrays = {n: (RowFile(directory / f"{n}.npy") if mmap and n in _POSTINGS  # type: ignore[misc]
                          else np.load(directory / f"{n}.npy", allow_pickle=False)) for n in FILES}
        if idx.arrays["doc_len"].shape[0] != idx.size or idx.arrays["col_ptr"].shape[0] != \
                idx.arrays["terms"].shape[0] + 1:
            raise ValueError("lexical index arrays disagree with lexical.json")
        return idx

    # -- querying ----------------------------------------------------------------------
    def columns(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Known columns of ``tokens`` and how often each occurs in them."""
        terms = self.arrays.get("terms")
        if terms is None or not len(tokens) or terms.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        h = term_hashes(tokens)
        pos = np.searchsorted(terms, h)
        pos = np.minimum(pos, terms.size - 1)
        found = terms[pos] == h
        cols, counts = np.unique(pos[found], return_counts=True)
        return cols.astype(np.int64), counts

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is known).

        A token repeated in the query counts as often as it occurs (as in bm25s).
        """
        out = np.zeros(self.size, dtype=np.float32)
        if self.size == 0:
            return out
        cols, counts = self.columns(self.tokenizer.tokenize(query))
        ptr, docs, vals = self.arrays["col_ptr"], self.arrays["col_docs"], self.arrays["col_scores"]
        for c, n in zip(cols.tolist(), counts.tolist()):
            lo, hi = int(ptr[c]), int(ptr[c + 1])
            d = docs[lo:hi]
            v = vals[lo:hi]
            # rows are unique within a column, so a fancy-index add is exact here
            out[d] += v if n == 1 else v * np.float32(n)
        return out

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` rows for ``query`` as ``(row, score)``; [] for an empty or stopword-only query."""
        return top_k(self.scores(query), k, rows)
