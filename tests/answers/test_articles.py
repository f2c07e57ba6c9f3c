"""The answer path reads article texts by id, through a bounded cache; the stale check
compares text hashes kept by the index with the corpus's."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from corpusqa.answers.articles import MemoryArticles, StoreArticles
from corpusqa.answers.assistant import AskConfig, Assistant
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import SearchIndexError
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.store import open_index
from corpusqa.models import text_hash
from corpusqa.settings import Settings
from tests.retrieval.conftest import ARTICLES


def _store(settings, articles):
    with CorpusStore(settings.db_path) as store:
        by_source = {}
        for a in articles:
            by_source.setdefault(a.source, []).append(a)
        for name, arts in by_source.items():
            store.replace_source({"name": name, "sha256": name},
                                 [replace(a, position=i) for i, a in enumerate(arts)])


@pytest.fixture()
def home(tmp_path):
    settings = Settings(home=tmp_path, encoder="hash:32", progress=False)
    _store(settings, ARTICLES)
    IndexBuilder(settings.index_dir, settings).build(ARTICLES)
    return settings


def test_store_articles_fetch_by_id_and_keep_only_cache_size(home):
    src = StoreArticles(home.db_path, [a.id for a in ARTICLES], cache_size=2)
    assert src.cached == 0 and len(src) == len(ARTICLES) and ARTICLES[0].id in src
    for a in ARTICLES:
        assert src[a.id].text == a.text
        assert src.cached <= 2
    with pytest.raises(KeyError):
        src["no-such-article"]
    assert src.get("no-such-article") is None
    src.close()


def test_memory_articles_is_a_mapping_with_filter_meta():
    src = MemoryArticles(ARTICLES)
    assert src[ARTICLES[0].id] is ARTICLES[0]
    assert src.meta()[ARTICLES[0].id]["title"] == ARTICLES[0].title


def test_assistant_opens_without_reading_article_texts_and_answers(home):
    a = Assistant(home, AskConfig(threshold=0.3)).load()
    assert isinstance(a.articles, StoreArticles) and a.articles.cached == 0
    ans = a.ask("全区建成了多少个一站式党群服务中心？")
    assert not ans.abstained and "14542" in ans.answer
    c = ans.citations[0]
    assert a.articles[c.doc_id].text[c.start:c.end] == c.quote
    assert 0 < a.articles.cached <= len(ARTICLES)
    a.close()


def test_index_keeps_the_text_hash_of_every_article(home):
    index = open_index(home.index_dir, home)
    assert index.article_hashes() == {a.id: text_hash(a.text) for a in ARTICLES}


def test_text_changed_under_the_same_id_is_a_stale_index(home):
    edited = [replace(a, text=a.text.replace("14542", "14543")) if "14542" in a.text else a
              for a in ARTICLES]
    assert edited != ARTICLES
    with CorpusStore(home.db_path) as store:
        for name in {a.source for a in ARTICLES}:
            store.remove_source(name)
    _store(home, edited)
    with pytest.raises(SearchIndexError) as exc:
        Assistant(home).load()
    assert "corpusqa index update" in exc.value.message("zh")


def test_an_index_without_hashes_falls_back_to_slicing(home):
    index = open_index(home.index_dir, home)
    rows = index.path / "article_rows.json"
    data = json.loads(rows.read_text())
    rows.write_text(json.dumps({"ids": data["ids"], "counts": data["counts"]}))
    manifest = json.loads((index.path / "manifest.json").read_text())
    manifest["files"]["article_rows.json"] = rows.stat().st_size  # as an older build wrote it
    (index.path / "manifest.json").write_text(json.dumps(manifest))
    assert open_index(home.index_dir, home).article_hashes() is None
    assert not Assistant(home, AskConfig(threshold=0.3)).load().ask("全区建成了多少个一站式党群服务中心？").abstained


def test_a_version_1_database_gains_text_hashes(tmp_path):
    db = tmp_path / "corpus.db"
    with CorpusStore(db) as store:
        store.replace_source({"name": ARTICLES[0].source, "sha256": "x"},
                             [replace(a, position=i) for i, a in enumerate(ARTICLES)
                              if a.source == ARTICLES[0].source])
        store.db.execute("UPDATE articles SET text_sha = NULL")
        store.db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        store.db.conn.commit()
    with CorpusStore(db) as store:
        shas = {r[0]: r[5] for r in store.article_rows()}
    assert shas and all(shas[a.id] == text_hash(a.text) for a in ARTICLES if a.id in shas)


def test_article_meta_keeps_columns_and_reads_like_a_mapping(tmp_path):
    from corpusqa.answers.articles import ArticleMeta

    db = tmp_path / "corpus.db"
    _store(Settings(home=tmp_path), ARTICLES)
    with CorpusStore(db) as store:
        meta = ArticleMeta(store.article_rows())
    want = {a.id: a for a in ARTICLES}
    assert len(meta) == len(want) and set(meta) == set(want)
    for aid, a in want.items():
        assert meta[aid] == {"date": a.date, "source": a.source, "title": a.title, "section": a.section}
        assert meta.text_hash(aid) == text_hash(a.text) and aid in meta
    assert meta.text_hash("nope") is None and "nope" not in meta and meta.get("nope") is None
    assert StoreArticles(db, meta)._ids is meta  # the columns serve `in`, no copy of the ids


class _ServerStore:
    """Another ArticleStore (standing in for a server database): plain dicts, and a log of
    what the answer path asked it for."""

    def __init__(self, articles):
        self.by_id = {a.id: a for a in articles}
        self.fetched: list[list[str]] = []
        self.closed = 0

    def get_articles(self, ids):
        ids = list(ids)
        self.fetched.append(ids)
        return {i: self.by_id[i] for i in ids if i in self.by_id}

    def article_rows(self):
        return [(a.id, a.date, a.source, a.title, a.section, text_hash(a.text)) for a in self.by_id.values()]

    def canonical_map(self):
        return {}

    def close(self):
        self.closed += 1


def test_the_assistant_reads_articles_through_any_article_store(home):
    server = _ServerStore(ARTICLES)
    a = Assistant(home, AskConfig(threshold=0.3), article_store=lambda: server).load()
    assert server.fetched == []  # opening reads metadata only
    ans = a.ask("全区建成了多少个一站式党群服务中心？")
    assert not ans.abstained and "14542" in ans.answer
    assert server.fetched and all(len(ids) <= len(ARTICLES) for ids in server.fetched)
    a.close()
    assert server.closed == 2  # the metadata read, then the answer path's connection


def test_article_meta_keeps_bylines_when_given():
    from corpusqa.answers.articles import ArticleMeta

    meta = ArticleMeta([("a", "2022-01-01", "s.txt", "T", None, "sha", "兴安盟委书记 张恩惠"),
                        ("b", "2022-01-01", "s.txt", "U", None, "sha2")])
    assert meta.byline("a") == "兴安盟委书记 张恩惠"
    assert meta.byline("b") is None and meta.byline("zz") is None
    assert meta["a"] == {"date": "2022-01-01", "source": "s.txt", "title": "T", "section": None}
    assert ArticleMeta.from_dicts({"a": {"title": "T", "byline": "记者 甲"}}).byline("a") == "记者 甲"
