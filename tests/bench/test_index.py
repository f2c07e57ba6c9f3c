"""The benchmark helpers run end to end on a tiny split (the real numbers are in the report)."""

import pytest

from corpusqa.bench.index import bench_build, sweep_chunking
from corpusqa.bench.lexical import format_table, run_lexbench
from corpusqa.bench.splits import passages_as_articles
from tests.bench.conftest import QUESTIONS

pytestmark = pytest.mark.usefixtures("shared_jieba")


def test_passages_become_articles(split):
    arts = list(passages_as_articles(split.with_name("tiny.passages.jsonl")))
    assert [a.id for a in arts] == ["P1", "P2", "P3"] and arts[0].title == "党群服务中心"
    assert arts[0].text[13:19] == "14542个"


def test_all_three_engines_agree_on_an_easy_split(split):
    rows = run_lexbench(split)
    assert [r["engine"] for r in rows] == ["corpusqa-bm25", "bm25s", "sqlite-fts5", "tantivy"]
    assert all(r["recall@1"] == 1.0 and r["query_p95_ms"] >= r["query_p50_ms"] for r in rows)
    assert format_table(rows).count("\n") == 5


def test_sweep_reports_answer_containment(split):
    (row,) = sweep_chunking(split, "hash:16", configs=[(100, 20)])
    assert row["lexical_answer@1"] == 1.0 and row["dense_passage@5"] == 1.0 and row["chunks"] == 3


def test_bench_build_times_a_build(split, tmp_path):
    arts = passages_as_articles(split.with_name("tiny.passages.jsonl"))
    result = bench_build(arts, "hash:16", work_dir=tmp_path, label="tiny")
    assert result["chunks"] == 3 and result["seconds"] >= 0 and result["size_bytes"] > 1000
    assert set(result["timings"]) >= {"chunking_s", "lexical_s", "embed_chunks_s"}


def test_dense_retrieval_check_scores_a_split(split):
    from corpusqa.bench.embed import retrieval_check

    (row,) = retrieval_check("hash:64", split)  # no sentence-transformers model: no int8 row
    assert row["backend"] == "float" and row["chunks"] >= 3 and row["questions"] == len(QUESTIONS)
    assert row["recall@5"] == 1.0  # three passages: every gold passage is in the top five
    assert 0.0 <= row["recall@1"] <= 1.0 and row["chunks_per_s"] > 0
