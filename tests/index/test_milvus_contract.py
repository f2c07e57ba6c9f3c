"""One index contract, two backends: the embedded index (FAISS + postings) and Milvus (lite).

The same tiny corpus (hash encoder) is indexed by both; every test runs against each.
"""

from __future__ import annotations

import numpy as np
import pytest

from corpusqa.index.backend import EmbeddedBackend, IndexBackend
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.store import open_index
from corpusqa.retrieval.filters import Filters
from corpusqa.settings import Settings
from tests.retrieval.conftest import ARTICLES, CANONICAL, make_article

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

from corpusqa.index.milvus import MilvusIndex, filter_expr  # noqa: E402

CORPUS = ARTICLES + [
    # undated: must never pass a date filter
    make_article("a5", ["包头市举办马拉松比赛，三万名选手参加。"], "马拉松开跑", "p4.txt", None, "体育"),
    # quotes, a LIKE wildcard and a backslash in the title
    make_article("a6", ["赤峰市新建口袋公园36个。"], '他说"好" 100%_满意\\', "p4.txt", "2023-01-05", "城市"),
]
BACKENDS = ["embedded", "milvus"]


def _meta():
    return {a.id: {"date": a.date, "source": a.source, "title": a.title, "section": a.section} for a in CORPUS}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contract")
    settings = Settings(home=tmp / "home", encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(CORPUS)
    embedded = EmbeddedBackend(open_index(settings.index_dir, settings), _meta())
    milvus = MilvusIndex(tmp / "milvus.db", settings)
    milvus.build(CORPUS, canonical=CANONICAL)
    yield {"embedded": embedded, "milvus": milvus, "settings": settings, "uri": tmp / "milvus.db"}
    milvus.close()


@pytest.fixture(params=BACKENDS)
def backend(request, built):
    return built[request.param]


def test_satisfies_the_protocol(backend):
    assert isinstance(backend, IndexBackend)
    assert len(backend) == len(CORPUS)  # one chunk per article: the texts are short
    assert backend.get_chunks([]) == {}
    assert backend.has_dense and backend.encoder.name == "hash:32"


def test_k_larger_than_corpus_gives_each_chunk_once_best_first(backend):
    hits = backend.lexical_search("党群服务中心", k=1000)
    assert 1 <= len(hits) <= len(backend)
    assert len({h.chunk_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].article_id in ("a1", "a4")
    vec = backend.encoder.encode_queries(["党群服务中心"])[0]
    dense = backend.dense_search(vec, k=1000)
    assert len(dense) == len(backend) and len({h.chunk_id for h in dense}) == len(dense)


def test_punctuation_only_query_finds_nothing(backend):
    assert backend.lexical_search("？！。，", k=5) == []
    assert backend.lexical_search("党群服务中心", k=0) == []


def test_filters_that_match_nothing(backend):
    vec = backend.encoder.encode_queries(["党群服务中心"])[0]
    for f in (Filters(sources=("nope.txt",)), Filters(date_from="2030-01-01"), Filters(title_contains="无此标题")):
        assert backend.lexical_search("党群服务中心", 5, f) == []
        assert backend.dense_search(vec, 5, f) == []


def test_filters_restrict_results(backend):
    hits = backend.lexical_search("供水工程投资", 5, Filters(sources=("p2.txt",)))
    assert hits and {h.article_id for h in hits} <= {"a2", "a3"}
    hits = backend.lexical_search("游客", 5, Filters(title_contains="那达慕"))
    assert [h.article_id for h in hits] == ["a3"]
    hits = backend.lexical_search("党群服务中心", 5, Filters(section_contains="转载"))
    assert {h.article_id for h in hits} == {"a4"}


def test_undated_article_never_passes_a_date_filter(backend):
    vec = backend.encoder.encode_queries(["马拉松比赛"])[0]
    assert backend.lexical_search("马拉松比赛", 5)[0].article_id == "a5"
    for f in (Filters(date_from="1900-01-01"), Filters(date_to="2999-12-31"),
              Filters(date_from="1900-01-01", date_to="2999-12-31")):
        assert "a5" not in {h.article_id for h in backend.lexical_search("马拉松比赛", 10, f)}
        assert "a5" not in {h.article_id for h in backend.dense_search(vec, 50, f)}
    hits = backend.lexical_search("党群服务中心", 10, Filters(date_from="2021-06-30", date_to="2021-06-30"))
    assert {h.article_id for h in hits} == {"a1"}


@pytest.mark.parametrize("needle", ['"好"', "100%_", "%", "_", "\\", '他说"好" 100%_满意\\'])
def test_quotes_and_wildcards_in_title_filters_are_escaped(backend, needle):
    hits = backend.lexical_search("口袋公园", 5, Filters(title_contains=needle))
    assert [h.article_id for h in hits] == ["a6"]
    # a wildcard must not act as one: "1_0%" is no substring of any title
    assert backend.lexical_search("口袋公园", 5, Filters(title_contains="1_0%")) == []


def test_source_names_with_quotes_are_escaped(backend):
    assert backend.lexical_search("口袋公园", 5, Filters(sources=('p4.txt" or source != "',))) == []


def test_chunk_lookup_by_id_slices_the_article(backend):
    hits = backend.lexical_search("一站式党群服务中心14542个", 3)
    chunks = backend.get_chunks([h.chunk_id for h in hits] + ["no-such-chunk"])
    assert set(chunks) == {h.chunk_id for h in hits}
    texts = {a.id: a.text for a in CORPUS}
    for c in chunks.values():
        assert texts[c.article_id][c.start:c.end] == c.text
        assert all(c.start <= s < e <= c.end for s, e in c.sentences)


def test_dense_finds_a_chunk_from_its_own_text(backend):
    chunk = next(iter(backend.get_chunks([backend.lexical_search("那达慕", 1)[0].chunk_id]).values()))
    vec = backend.encoder.encode_passages(["那达慕大会\n" + chunk.text])[0]
    assert backend.dense_search(vec, 1)[0].chunk_id == chunk.id


def test_both_backends_rank_and_score_alike(built):
    e, m = built["embedded"], built["milvus"]
    for q in ("党群服务中心覆盖率", "供水工程总投资", "那达慕大会游客", "马拉松", "口袋公园"):
        he, hm = e.lexical_search(q, 10), m.lexical_search(q, 10)
        assert [h.chunk_id for h in he] == [h.chunk_id for h in hm], q
        np.testing.assert_allclose([h.score for h in he], [h.score for h in hm], rtol=1e-4)
        vec = e.encoder.encode_queries([q])[0]
        de, dm = e.dense_search(vec, 5), m.dense_search(vec, 5)
        assert [h.chunk_id for h in de] == [h.chunk_id for h in dm], q


def test_filter_expression_is_plain_and_escaped():
    assert filter_expr(None) == "" and filter_expr(Filters()) == ""
    expr = filter_expr(Filters(date_from="2022-01-01", sources=('a"b',), title_contains="x%"))
    assert expr == 'date != "" and date >= "2022-01-01" and source in ["a\\"b"] and title like "%x\\\\%%"'


def test_lede_chunks_are_each_articles_first_chunk(backend):
    ledes = backend.lede_chunks(["a1", "a3", "nope"])
    assert set(ledes) == {"a1", "a3"}
    assert all(c.article_id == a and c.start == 0 and c.ordinal == 0 for a, c in ledes.items())


def test_neither_backend_stores_sentence_vectors_by_default(built):
    """The answer stage embeds the few sentences it verifies (``Assistant._embed_top_sentences``),
    so both backends answer alike without them."""
    embedded, milvus = built["embedded"], built["milvus"]
    for chunk in embedded.get_chunks([c.id for c in embedded.index.chunks]).values():
        assert embedded.sentence_vectors(chunk.id) is None and milvus.sentence_vectors(chunk.id) is None
