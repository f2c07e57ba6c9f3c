"""Compare BM25 engines on the same Chinese tokens: ours, bm25s, SQLite FTS5, tantivy.

Every engine indexes the same chunks (our chunker and tokenizer; the title indexed with
each chunk) of a ``*.passages.jsonl`` split and answers its ``*.questions.jsonl``.
Reported: index time (tokenizing excluded: it is shared), query latency p50/p95
(tokenizing included), and passage Recall@1/@10 (chunks collapsed to their passage).

Run: ``corpusqa bench lexical [--split PATH_PREFIX]``. bm25s and tantivy come with the
``bench`` extra (``pip install 'corpusqa[bench]'``).
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from corpusqa.bench.splits import load_questions, passages_as_articles
from corpusqa.errors import InputError
from corpusqa.eval.metrics import percentile
from corpusqa.eval.report import md_table
from corpusqa.index.chunking import Chunker
from corpusqa.index.lexical import LexicalIndex
from corpusqa.index.tokenizer import ChineseTokenizer

_POOL = 50  # chunks fetched per query before collapsing to passages


def _ours(docs: list[list[str]], tok: ChineseTokenizer) -> Callable[[str, int], list[int]]:
    idx = LexicalIndex(tok).build_tokens(docs)
    return lambda q, k: [r for r, _ in idx.search(q, k)]


def _bm25s(docs: list[list[str]], tok: ChineseTokenizer) -> Callable[[str, int], list[int]]:
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    bm = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    bm.index(docs, show_progress=False)
    vocab = bm.vocab_dict

    def search(q: str, k: int) -> list[int]:
        toks = [t for t in tok.tokenize(q) if t in vocab]
        if not toks:
            return []
        scores = bm.get_scores(toks)
        top = np.argsort(-scores, kind="stable")[:k]
        return [int(r) for r in top if scores[r] > 0]
    return search


def _fts5(docs: list[list[str]], tok: ChineseTokenizer) -> Callable[[str, int], list[int]]:
    # Tokens become opaque ids so FTS5's own tokenizer cannot re-split "98.9%" or "1.1万".
    vocab: dict[str, str] = {}
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(body, tokenize='ascii')")
    rows = [(i + 1, " ".join(vocab.setdefault(t, f"t{len(vocab)}") for t in d)) for i, d in enumerate(docs)]
    db.executemany("INSERT INTO d(rowid, body) VALUES (?, ?)", rows)
    db.commit()

    def search(q: str, k: int) -> list[int]:
        ids = [vocab[t] for t in tok.tokenize(q) if t in vocab]
        if not ids:
            return []
        cur = db.execute("SELECT rowid FROM d WHERE d MATCH ? ORDER BY bm25(d), rowid LIMIT ?", (" OR ".join(ids), k))
        return [r - 1 for (r,) in cur]
    return search


def _tantivy(docs: list[list[str]], tok: ChineseTokenizer) -> Callable[[str, int], list[int]]:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("row", stored=True, fast=True)
    sb.add_text_field("body", tokenizer_name="ws", index_option="freq")
    schema = sb.build()
    index = tantivy.Index(schema)
    index.register_tokenizer("ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for i, d in enumerate(docs):
        writer.add_document(tantivy.Document(row=i, body=" ".join(d)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(q: str, k: int) -> list[int]:
        toks = tok.tokenize(q)
        if not toks:
            return []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in toks])
        hits = searcher.search(query, k).hits
        return [searcher.doc(addr)["row"][0] for _, addr in hits]
    return search


ENGINES = {"corpusqa-bm25": _ours, "bm25s": _bm25s, "sqlite-fts5": _fts5, "tantivy": _tantivy}
_PACKAGES = {"bm25s": "bm25s", "tantivy": "tantivy"}  # engines that need the ``bench`` extra


def check_engines(engines: tuple[str, ...]) -> None:
    """Refuse, before any work, an unknown engine or one whose package is not installed."""
    for name in engines:
        if name not in ENGINES:
            raise ValueError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
        package = _PACKAGES.get(name)
        if package and importlib.util.find_spec(package) is None:
            raise InputError("bench.engine_missing", engine=name, package=package)


def run_lexbench(split: Path, chunk_size: int | None = None, chunk_overlap: int | None = None,
                 bigrams: bool = True, engines: tuple[str, ...] = tuple(ENGINES), repeat: int = 1) -> list[dict]:
    """Measure each engine on ``split`` (path prefix of ``.passages.jsonl``/``.questions.jsonl``).

    ``repeat`` > 1 indexes the chunks that many times (a bigger corpus with the same
    answers) to compare how index time and build memory grow; ``build_peak_mb`` is the
    peak of memory allocated while indexing (tracemalloc; numpy allocations included).
    """
    check_engines(engines)
    split = Path(split)
    tok = ChineseTokenizer(bigrams=bigrams).load()
    sizes: dict[str, Any] = {k: v for k, v in (("chunk_size", chunk_size), ("chunk_overlap", chunk_overlap)) if v}
    chunker = Chunker(**sizes)
    pids, texts = [], []
    for art in passages_as_articles(split.with_name(split.name + ".passages.jsonl")):
        for c in chunker.chunk(art):
            pids.append(art.id)
            texts.append(f"{art.title}\n{c.text}")
    questions = load_questions(split.with_name(split.name + ".questions.jsonl"))
    t0 = time.perf_counter()
    docs = [tok.tokenize(t) for t in texts]
    tok_s = time.perf_counter() - t0
    docs, pids = docs * repeat, pids * repeat
    results = []
    for name in engines:
        import tracemalloc

        tracemalloc.start()
        t0 = time.perf_counter()
        search = ENGINES[name](docs, tok)
        index_s = time.perf_counter() - t0
        build_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        lat, r1, r10 = [], 0, 0
        for q in questions:
            t1 = time.perf_counter()
            rows = search(q["question"], _POOL)
            lat.append(time.perf_counter() - t1)
            ranked = list(dict.fromkeys(pids[r] for r in rows))
            gold = set(q["gold_pids"])
            r1 += bool(gold & set(ranked[:1]))
            r10 += bool(gold & set(ranked[:10]))
        lat_ms = [x * 1000 for x in lat]
        results.append({"engine": name, "chunks": len(docs), "questions": len(questions),
                        "tokenize_s": round(tok_s, 2), "index_s": round(index_s, 3),
                        "build_peak_mb": round(build_peak, 1),
                        "query_p50_ms": round(percentile(lat_ms, 50), 2),
                        "query_p95_ms": round(percentile(lat_ms, 95), 2),
                        "recall@1": round(r1 / len(questions), 4), "recall@10": round(r10 / len(questions), 4)})
    return results


def format_table(results: list[dict]) -> str:
    """A Markdown table of :func:`run_lexbench` results."""
    cols = ["engine", "chunks", "questions", "tokenize_s", "index_s", "build_peak_mb", "query_p50_ms",
            "query_p95_ms", "recall@1", "recall@10"]
    return md_table(cols, [[r[c] for c in cols] for r in results])
