"""A tiny real index (BM25 + FAISS) built with the deterministic hash encoder."""

from __future__ import annotations

import pytest

from corpusqa.index.builder import IndexBuilder
from corpusqa.index.store import open_index
from corpusqa.models import Article, Paragraph
from corpusqa.retrieval.retrievers import (DenseRetriever, HybridRetriever, LexicalRetriever,
                                           SearchContext)
from corpusqa.settings import Settings


def make_article(aid, paragraphs, title="", source="a.txt", date=None, section=None):
    spans, pos = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    return Article(id=aid, source=source, position=0, title=title, text="\n".join(paragraphs),
                   paragraphs=tuple(spans), date=date, section=section)


ARTICLES = [
    make_article("a1", ["去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。",
                        "全区嘎查村、社区一肩挑比例达99%。"], "强基固本", "p1.txt", "2021-06-30", "特刊"),
    make_article("a2", ["内蒙古支线供水工程总投资约110亿元，工期54个月。"], "支线供水工程开工",
                 "p2.txt", "2022-06-28", "要闻"),
    make_article("a3", ["呼伦贝尔市举办那达慕大会，吸引游客20万人次。"], "那达慕大会", "p2.txt",
                 "2022-06-28", "文体"),
    # a near-duplicate of a1 in another file
    make_article("a4", ["去年，全区建成一站式党群服务中心14542个，覆盖率达98.9%以上。"], "强基固本（转载）",
                 "p3.txt", "2021-07-01", "转载"),
]
CANONICAL = {"a4": "a1"}


BACKENDS = ["embedded", "milvus"]


def build_context(tmp_path, articles, encoder="hash:32", backend="embedded") -> SearchContext:
    """A search context over ``articles``: the embedded index, or Milvus (lite) with ``backend="milvus"``."""
    settings = Settings(home=tmp_path / "home", encoder=encoder, progress=False)
    meta = {a.id: {"date": a.date, "source": a.source, "title": a.title, "section": a.section}
            for a in articles}
    canonical = {k: v for k, v in CANONICAL.items() if k in meta and v in meta}
    if backend == "milvus":
        pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")
        from corpusqa.index.milvus import MilvusIndex

        index = MilvusIndex(tmp_path / "milvus.db", settings)
        index.build(articles, canonical=canonical)
        return SearchContext(index, meta, canonical)
    IndexBuilder(settings.index_dir, settings).build(articles)
    index = open_index(settings.index_dir, settings)
    return SearchContext(index, meta, canonical)


@pytest.fixture(scope="module", params=BACKENDS)
def ctx(request, tmp_path_factory) -> SearchContext:
    """The contract's tiny index, once per backend."""
    return build_context(tmp_path_factory.mktemp("retr"), ARTICLES, backend=request.param)


def make_retriever(kind: str, ctx: SearchContext):
    lexical = LexicalRetriever(ctx)
    if kind == "lexical":
        return lexical
    dense = DenseRetriever(ctx)
    if kind == "dense":
        return dense
    return HybridRetriever(lexical, dense, rrf_k=60, depth=10)
