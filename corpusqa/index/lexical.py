"""BM25 over pre-tokenized chunks with bm25s (sparse matrices saved as JSON + .npy).

bm25s was chosen over SQLite FTS5 and tantivy by measurement (``lexbench.py``): same
recall with the same tokens, the fastest queries, and a row filter is a plain numpy mask.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import numpy as np

from corpusqa.index.ranking import best_rows
from corpusqa.index.tokenizer import ChineseTokenizer

logger = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
_META = "lexical.json"


@contextmanager
def _quiet_bm25s():
    """bm25s sets its logger to DEBUG at import; keep its chatter out of our stderr."""
    log = logging.getLogger("bm25s")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


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
    else:
        cand, vals = np.arange(scores.size), scores
    keep = vals > 0
    return best_rows(cand[keep], vals[keep], k)


class LexicalIndex:
    """BM25 (Lucene variant, k1=1.2, b=0.75) over chunk texts.

    Args:
        tokenizer: the tokenizer for documents *and* queries.
    """

    engine = "bm25s"

    def __init__(self, tokenizer: ChineseTokenizer, k1: float = K1, b: float = B):
        self.tokenizer = tokenizer
        self.k1 = k1
        self.b = b
        self._bm25 = None
        self._vocab: dict[str, int] = {}
        self.size = 0

    def settings(self) -> dict:
        import bm25s

        return {"engine": self.engine, "bm25s": bm25s.__version__, "k1": self.k1, "b": self.b,
                "method": "lucene", "tokenizer": self.tokenizer.settings()}

    def build(self, texts: Iterable[str]) -> "LexicalIndex":
        """Index ``texts``; row ``i`` of the index is the ``i``-th text."""
        tokens = [self.tokenizer.tokenize(t) for t in texts]
        self.build_tokens(tokens)
        return self

    def build_tokens(self, tokens: list[list[str]]) -> "LexicalIndex":
        """Index already-tokenized documents (they must come from ``self.tokenizer``)."""
        import bm25s

        self.size = len(tokens)
        if self.size == 0:
            self._bm25 = None
            return self
        bm = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        with _quiet_bm25s():
            bm.index(tokens, show_progress=False)
        self._bm25 = bm
        self._vocab = bm.vocab_dict
        return self

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(directory), show_progress=False)
        (directory / _META).write_text(json.dumps({"size": self.size, **self.settings()}, ensure_ascii=False))

    @classmethod
    def load(cls, directory: Path, tokenizer: ChineseTokenizer, mmap: bool = True) -> "LexicalIndex":
        """Load a saved index (no pickle: bm25s stores JSON and plain ``.npy``)."""
        import bm25s

        meta = json.loads((directory / _META).read_text())
        idx = cls(tokenizer, k1=meta["k1"], b=meta["b"])
        idx.size = int(meta["size"])
        if idx.size:
            with _quiet_bm25s():
                idx._bm25 = bm25s.BM25.load(str(directory), mmap=mmap, allow_pickle=False, show_progress=False)
            idx._vocab = idx._bm25.vocab_dict
        return idx

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query token is known)."""
        out = np.zeros(self.size, dtype=np.float32)
        if self._bm25 is None:
            return out
        toks = [t for t in self.tokenizer.tokenize(query) if t in self._vocab]
        if not toks:
            return out
        return np.asarray(self._bm25.get_scores(toks), dtype=np.float32)

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` rows for ``query`` as ``(row, score)``; [] for an empty or stopword-only query."""
        return top_k(self.scores(query), k, rows)
