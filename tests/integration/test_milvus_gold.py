"""Milvus BM25 over our own tokens reproduces our BM25 top-10 on the bundled gold set.

Lexical only (no encoder): the sample corpus is indexed by the embedded builder and by
MilvusIndex (milvus-lite) from the same articles; every gold question's top 10 must be
the same chunks in the same order with the same scores. The figure is printed (``-s``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpusqa.corpus.ingest import ensure_corpus
from corpusqa.corpus.store import CorpusStore
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.store import open_index
from corpusqa.settings import Settings

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

from corpusqa.index.milvus import MilvusIndex  # noqa: E402

GOLD = Path(__file__).resolve().parents[2] / "corpusqa" / "eval" / "data" / "gold.jsonl"
K = 10


def _canonical_top(hits: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """Top ``k`` with ties (equal to 1e-4) broken by chunk id, the same rule for both engines."""
    return sorted(hits, key=lambda h: (-round(h[1], 4), h[0]))[:k]


def test_milvus_bm25_top10_equals_ours_on_the_gold_set(tmp_path):
    settings = Settings(home=tmp_path / "home", encoder="none", progress=False)
    ensure_corpus(settings)
    with CorpusStore(settings.db_path) as store:
        articles = list(store.iter_articles(canonical_only=False))
        canonical = store.canonical_map()
    IndexBuilder(settings.index_dir, settings).build(articles)
    ours = open_index(settings.index_dir, settings)
    milvus = MilvusIndex(tmp_path / "milvus.db", settings, tokenizer=ours._tokenizer)
    report = milvus.build(articles, canonical=canonical)
    assert report.chunks == len(ours)

    questions = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    exact = tied = 0
    worst = 0.0
    for q in questions:
        a = [(ours.chunks[r].id, s) for r, s in ours.lexical_search(q, K)]
        b = [(h.chunk_id, h.score) for h in milvus.lexical_search(q, K)]
        exact += [c for c, _ in a] == [c for c, _ in b]
        a2 = _canonical_top([(ours.chunks[r].id, s) for r, s in ours.lexical_search(q, 2 * K)], K)
        b2 = _canonical_top([(h.chunk_id, h.score) for h in milvus.lexical_search(q, 2 * K)], K)
        same = [c for c, _ in a2] == [c for c, _ in b2]
        tied += same
        if same and a2:
            worst = max(worst, float(np.max(np.abs(np.array([s for _, s in a2]) - [s for _, s in b2])
                                            / np.array([s for _, s in a2]))))
    n = len(questions)
    print(f"\nBM25 top-{K} equality on {n} gold questions: exact order {exact}/{n} = {exact / n:.3f}; "
          f"ties broken alike {tied}/{n} = {tied / n:.3f}; worst relative score difference {worst:.2e}")
    milvus.close()
    assert tied == n
    assert exact / n >= 0.97  # only the order among exactly tied scores may differ
    assert worst < 1e-4
