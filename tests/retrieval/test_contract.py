"""One contract for every retriever: lexical, dense and hybrid pass the same tests,
on every index backend (the embedded index and Milvus; the ``ctx`` fixture)."""

from __future__ import annotations

import pytest

from corpusqa.retrieval.filters import Filters
from corpusqa.retrieval.retrievers import DenseRetriever, HybridRetriever, LexicalRetriever
from tests.retrieval.conftest import BACKENDS, build_context, make_article, make_retriever

KINDS = ["lexical", "dense", "hybrid"]


@pytest.mark.parametrize("kind", KINDS)
def test_k_larger_than_corpus_returns_each_story_once(ctx, kind):
    hits = make_retriever(kind, ctx).retrieve("党群服务中心", k=100)
    assert 1 <= len(hits) <= len(ctx.backend)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.chunk_id for h in hits}) == len(hits)
    # near-duplicates collapsed: a1 and its copy a4 never both appear
    assert not {"a1", "a4"} <= {h.article_id for h in hits}


@pytest.mark.parametrize("kind", KINDS)
def test_punctuation_only_query_returns_nothing_for_lexical_and_no_crash(ctx, kind):
    hits = make_retriever(kind, ctx).retrieve("？！。，", k=5)
    if kind == "lexical":
        assert hits == []
    assert all(h.score == h.score for h in hits)  # no NaN scores


@pytest.mark.parametrize("kind", KINDS)
def test_filters_that_match_nothing(ctx, kind):
    f = Filters(sources=("nope.txt",))
    assert make_retriever(kind, ctx).retrieve("党群服务中心", k=5, filters=f) == []
    f = Filters(date_from="2030-01-01")
    assert make_retriever(kind, ctx).retrieve("党群服务中心", k=5, filters=f) == []


@pytest.mark.parametrize("kind", KINDS)
def test_filters_restrict_results(ctx, kind):
    f = Filters(sources=("p2.txt",))
    hits = make_retriever(kind, ctx).retrieve("供水工程投资", k=5, filters=f)
    assert hits and {h.article_id for h in hits} <= {"a2", "a3"}
    f = Filters(title_contains="那达慕")
    hits = make_retriever(kind, ctx).retrieve("游客", k=5, filters=f)
    assert [h.article_id for h in hits] == ["a3"]


@pytest.mark.parametrize("kind", KINDS)
def test_zero_k(ctx, kind):
    assert make_retriever(kind, ctx).retrieve("党群服务中心", k=0) == []


@pytest.mark.parametrize("kind", KINDS)
def test_deterministic(ctx, kind):
    r = make_retriever(kind, ctx)
    assert r.retrieve("那达慕大会游客", k=3) == r.retrieve("那达慕大会游客", k=3)


@pytest.mark.parametrize("kind", KINDS)
def test_duplicate_copy_is_listed_as_also_in(ctx, kind):
    hits = make_retriever(kind, ctx).retrieve("一站式党群服务中心14542个", k=5)
    top = [h for h in hits if h.article_id in ("a1", "a4")]
    assert len(top) == 1
    assert set(top[0].also_in) == {"a1", "a4"} - {top[0].article_id}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_single_article_index(tmp_path, kind, backend):
    ctx = build_context(tmp_path, [make_article("only", ["包头市举办马拉松比赛。"], "马拉松")], backend=backend)
    hits = make_retriever(kind, ctx).retrieve("马拉松", k=10)
    assert [h.article_id for h in hits] == ["only"]


def test_lexical_finds_exact_figure(ctx):
    hits = make_retriever("lexical", ctx).retrieve("全区建成了多少个一站式党群服务中心", k=3)
    assert hits[0].article_id in ("a1", "a4")
    assert "14542个" in hits[0].text


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", KINDS)
def test_empty_index(tmp_path, kind, backend):
    ctx = build_context(tmp_path, [], backend=backend)
    assert make_retriever(kind, ctx).retrieve("党群服务中心", k=5) == []


def test_hybrid_keeps_a_clear_lexical_first_hit(ctx):
    """With a lexical gate, a dense run that disagrees cannot push a clear BM25 winner down."""
    lexical, dense = LexicalRetriever(ctx), DenseRetriever(ctx)
    q = "那达慕大会吸引了多少游客？"
    lex = lexical.retrieve(q, 10)
    assert lex[0].article_id == "a3"
    # a dense run that ranks the lexical winner last, twice over
    fake = [h for h in dense.retrieve(q, 10) if h.article_id != "a3"]
    fake += [h for h in dense.retrieve(q, 10) if h.article_id == "a3"]
    dense.retrieve = lambda query, k, filters=None: fake[:k]
    plain = HybridRetriever(lexical, dense, rrf_k=1, depth=10, weights=(1.0, 3.0))
    gated = HybridRetriever(lexical, dense, rrf_k=1, depth=10, weights=(1.0, 3.0),
                            lexical_gate=1.2)
    assert len(lex) == 1 or lex[0].score >= 1.2 * lex[1].score
    assert plain.retrieve(q, 3)[0].article_id != "a3"
    top = gated.retrieve(q, 3)
    assert top[0].article_id == "a3" and [h.rank for h in top] == [1, 2, 3]


def test_hybrid_follows_the_dense_run_for_a_question_without_chinese(ctx):
    """An English question over Chinese text: BM25 can match only Latin tokens, so the
    lexical run neither anchors nor votes; the dense order is the hybrid order."""
    lexical, dense = LexicalRetriever(ctx), DenseRetriever(ctx)
    q = "How many visitors did the Naadam fair attract?"
    gated = HybridRetriever(lexical, dense, rrf_k=1, depth=10, weights=(1.0, 0.5),
                            lexical_gate=1.2)
    assert ([h.chunk_id for h in gated.retrieve(q, 5)]
            == [h.chunk_id for h in dense.retrieve(q, 10)][:5])
