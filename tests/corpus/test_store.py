"""The SQLite corpus store: exact round trips, per-file replacement, duplicate links, schema guard."""

from __future__ import annotations

import sqlite3

import pytest

from corpusqa.corpus.dedupe import DuplicateLink
from corpusqa.corpus.store import SCHEMA_VERSION, CorpusStore
from corpusqa.errors import CorpusError
from corpusqa.models import Article, Paragraph


def article(aid: str, source: str, position: int, paragraphs: list[str], **fields) -> Article:
    text = "\n".join(paragraphs)
    spans, start = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, start, start + len(p)))
        start += len(p) + 1
    return Article(id=aid, source=source, position=position, title=fields.pop("title", f"标题{aid}"),
                   text=text, paragraphs=tuple(spans), **fields)


def info(name: str, sha: str = "h1") -> dict:
    return {"name": name, "path": f"/data/{name}", "sha256": sha, "size": 10, "encoding": "utf-8",
            "format": "text"}


A1 = article("a1", "a.txt", 0, ["草原上的新闻。", "第二段。"], byline="□本报记者 王玉琢", date="2021-06-30",
             section="要闻", page="第1版", continued_from="第4版", extra={"note": "说明"})
A2 = article("a2", "a.txt", 1, ["只有一段。"], title="")
B1 = article("b1", "b.txt", 0, ["另一份报纸的报道。"])


@pytest.fixture
def store():
    s = CorpusStore(":memory:")
    s.replace_source(info("b.txt"), [B1])
    s.replace_source(info("a.txt"), [A1, A2])
    yield s
    s.close()


def test_articles_round_trip_exactly_in_source_order(store):
    assert list(store.iter_articles()) == [A1, A2, B1]
    got = store.get_article("a1")
    assert got == A1 and got.extra == {"note": "说明"} and got.byline == "□本报记者 王玉琢"
    assert got.text[got.paragraphs[1].start:got.paragraphs[1].end] == "第二段。"
    assert store.get_article("nope") is None
    assert [a.id for a in store.iter_articles(source="b.txt")] == ["b1"]


def test_sources_and_stats(store):
    sources = store.sources()
    assert [(s["name"], s["n_articles"], s["sha256"]) for s in sources] == [("a.txt", 2, "h1"), ("b.txt", 1, "h1")]
    stats = store.stats()
    assert stats["articles"] == 3 and stats["canonical_articles"] == 3 and stats["sources"] == 2
    assert stats["duplicates"] == 0 and stats["chars"] == sum(len(a.text) for a in (A1, A2, B1))
    assert stats["last_ingested"] is not None
    assert store.source_hash("a.txt") == "h1" and store.source_hash("c.txt") is None
    assert store.count() == 3


def test_replacing_a_source_replaces_only_its_articles(store):
    new = article("a3", "a.txt", 0, ["改过的稿子。"])
    store.replace_source(info("a.txt", sha="h2"), [new])
    assert list(store.iter_articles()) == [new, B1]
    assert store.source_hash("a.txt") == "h2"
    assert store.get_article("a1") is None


def test_a_failed_replacement_leaves_the_previous_articles(store):
    clash = article("a9", "a.txt", 0, ["位置重复。"])
    with pytest.raises(sqlite3.IntegrityError):
        store.replace_source(info("a.txt", sha="h2"), [clash, clash])
    assert list(store.iter_articles()) == [A1, A2, B1]
    assert store.source_hash("a.txt") == "h1"


def test_an_article_with_another_source_is_refused(store):
    with pytest.raises(ValueError):
        store.replace_source(info("c.txt"), [B1])


def test_duplicate_links_give_canonical_map_and_also_in(store):
    store.set_duplicates([DuplicateLink("a2", "b1", 0.8), DuplicateLink("a1", "b1", 0.7)])
    assert store.canonical_map() == {"a1": "b1", "a2": "b1"}
    assert store.also_in("b1") == ["a1", "a2"]
    assert store.also_in("a2") == ["a1", "b1"]
    assert store.also_in("missing") == []
    assert [a.id for a in store.iter_articles(canonical_only=True)] == ["b1"]
    assert store.stats()["canonical_articles"] == 1 and store.stats()["duplicates"] == 2
    store.set_duplicates([])  # links are replaced as a whole
    assert store.canonical_map() == {} and store.also_in("b1") == []


def test_removing_a_source_drops_its_paragraphs_and_links(store):
    store.set_duplicates([DuplicateLink("a1", "b1", 0.7)])
    store.remove_source("b.txt")
    assert store.canonical_map() == {}
    assert [a.id for a in store.iter_articles(canonical_only=True)] == ["a1", "a2"]
    left = store.db.execute("SELECT count(*) FROM paragraphs WHERE article_id = 'b1'").fetchone()[0]
    assert left == 0


def test_file_database_uses_wal_and_foreign_keys_and_persists(tmp_path):
    path = tmp_path / "sub" / "corpus.db"
    with CorpusStore(path) as s:
        s.replace_source(info("a.txt"), [A1])
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with CorpusStore(path) as s:
        assert s.get_article("a1") == A1


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "corpus.db"
    CorpusStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    conn.commit()
    conn.close()
    with pytest.raises(CorpusError) as err:
        CorpusStore(path)
    assert err.value.key == "corpus.db.newer_schema"
    assert "升级" in err.value.message("zh")


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "corpus.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CorpusError) as err:
        CorpusStore(path)
    assert err.value.key == "corpus.db.broken" and str(path) in err.value.message("en")
