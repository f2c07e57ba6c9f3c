"""The ingest pipeline: inline documents in memory, then the real sample corpus on disk."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from corpusqa.corpus.ingest import Ingestor, default_corpus_paths, ensure_corpus, iso_date
from corpusqa.corpus.segment import segment_page
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import InputError
from corpusqa.settings import Settings

MAIN_001 = "一贯彻到底强“堡垒”"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", progress=False)


@pytest.fixture
def store():
    s = CorpusStore(":memory:")
    yield s
    s.close()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


# -- inline unit tests ---------------------------------------------------------

def test_jsonl_documents_become_articles_with_their_own_ids(tmp_path, settings, store):
    path = write_jsonl(tmp_path / "docs.jsonl", [
        {"pid": "p1", "title": "草原新闻", "text": "第一段, 说明情况。\n\n全区 2016 年建成14542个。",
         "date": "2021/6/30", "source": "内蒙古日报"},
        {"id": "p2", "text": "另一篇。"},
    ])
    (tmp_path / "docs.jsonl").write_text(path.read_text(encoding="utf-8") + "{bad\n", encoding="utf-8")
    report = Ingestor(settings, store).ingest([path])
    [result] = report.files
    assert (result.status, result.articles) == ("added", 2)
    assert [(w.key, w.params["line"]) for w in result.warnings] == [("corpus.jsonl.bad_json", 3)]
    a = store.get_article("p1")
    assert a.title == "草原新闻" and a.date == "2021-06-30" and a.extra["source"] == "内蒙古日报"
    assert a.text == "第一段，说明情况。\n全区2016年建成14542个。"  # cleaned, one paragraph per line
    assert [a.text[p.start:p.end] for p in a.paragraphs] == a.text.split("\n")
    assert store.get_article("p2").position == 1


def test_a_document_id_owned_by_another_file_is_skipped_with_a_warning(tmp_path, settings, store):
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "x1", "text": "甲文。"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"id": "x1", "text": "乙文。"}, {"id": "x2", "text": "丙文。"}])
    report = Ingestor(settings, store).ingest([first, second])
    b = report.files[1]
    assert (b.name, b.status, b.articles) == ("b.jsonl", "added", 1)
    assert b.warnings[0].key == "corpus.ingest.id_clash" and "a.jsonl" in b.warnings[0].text("zh")
    assert store.get_article("x1").text == "甲文。"


def test_bad_paths_are_reported_and_the_rest_is_ingested(tmp_path, settings, store):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    good = write_jsonl(tmp_path / "one" / "news.jsonl", [{"id": "n1", "text": "新闻。"}])
    clash = write_jsonl(tmp_path / "two" / "news.jsonl", [{"id": "n2", "text": "同名。"}])
    report = Ingestor(settings, store).ingest([tmp_path / "missing.txt", good, clash])
    statuses = [(f.name, f.status, f.error.key if f.error else None) for f in report.files]
    assert statuses == [("missing.txt", "error", "corpus.load.not_found"),
                        ("news.jsonl", "added", None),
                        ("news.jsonl", "error", "corpus.ingest.name_clash")]
    assert not report.ok and report.counts() == {"added": 1, "updated": 0, "unchanged": 0, "error": 2}
    assert store.count() == 1


def test_an_empty_folder_is_an_input_error(tmp_path, settings, store):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as err:
        Ingestor(settings, store).ingest([tmp_path / "empty"])
    assert err.value.key == "corpus.ingest.nothing"


def test_a_file_that_fails_in_segmentation_does_not_stop_the_others(tmp_path, settings, store, monkeypatch):
    import corpusqa.corpus.segment as segment

    real = segment.segment_page

    def flaky(text, source, year_hint=None):
        if source == "bad.txt":
            raise RuntimeError("boom")
        return real(text, source, year_hint)

    monkeypatch.setattr(segment, "segment_page", flaky)
    (tmp_path / "bad.txt").write_text("# 标题\n\n正文。", encoding="utf-8")
    (tmp_path / "good.txt").write_text("# 标题\n\n正文一段。", encoding="utf-8")
    report = Ingestor(settings, store).ingest([tmp_path])
    assert [(f.name, f.status) for f in report.files] == [("bad.txt", "error"), ("good.txt", "added")]
    assert "boom" in report.files[0].error.text("en") and store.sources()[0]["name"] == "good.txt"


@pytest.mark.parametrize("value, expected", [
    ("2021-06-30", "2021-06-30"), ("2021/6/3", "2021-06-03"), ("2021年6月30日", "2021-06-30"),
    ("20210630", "2021-06-30"), ("2021-13-01", None), ("六月", None), (None, None)])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


# -- the real sample corpus ---------------------------------------------------------

def by_file(store: CorpusStore) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in store.iter_articles():
        out.setdefault(a.source, []).append(a)
    return out


def test_sample_corpus_ingests_with_the_segmenter_counts_and_links_000_to_001(sample_dir, settings, store):
    report = Ingestor(settings, store).ingest([sample_dir])
    expected = {p.name: len(segment_page(p.read_text(encoding="utf-8"), p.name))
                for p in sorted(sample_dir.glob("*.txt"))}
    assert {f.name: (f.status, f.articles) for f in report.files} == {k: ("added", n) for k, n in expected.items()}
    assert report.articles == sum(expected.values()) == store.count()

    files = by_file(store)
    main_001 = next(a for a in files["001_c7d8dfeb6aa45dac.txt"] if a.title == MAIN_001)
    main_000 = files["000_1a2e3e8d63f9a08f.txt"][0]
    assert store.canonical_map().get(main_000.id) == main_001.id  # the fuller edit is canonical
    assert store.also_in(main_001.id) == [main_000.id] and store.also_in(main_000.id) == [main_001.id]
    assert store.get_article(main_000.id) is not None  # neither copy is lost
    assert report.duplicates == 1 and report.canonical_articles == report.articles - 1


def test_reingesting_an_unchanged_corpus_changes_nothing(sample_dir, settings, store, monkeypatch):
    import corpusqa.corpus.ingest as ingest_module

    Ingestor(settings, store).ingest([sample_dir])
    before = (store.sources(), list(store.iter_articles()), store.canonical_map())
    monkeypatch.setattr(ingest_module, "load_file", None)  # unchanged files are not even parsed
    report = Ingestor(settings, store).ingest([sample_dir])
    assert {f.status for f in report.files} == {"unchanged"} and not report.changed
    assert [f.articles for f in report.files] == [s["n_articles"] for s in before[0]]
    assert (store.sources(), list(store.iter_articles()), store.canonical_map()) == before


def test_a_changed_file_replaces_only_its_own_articles(sample_dir, tmp_path, settings, store):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    Ingestor(settings, store).ingest([corpus])
    before = by_file(store)
    changed = corpus / "003_9bde60f0b0d24797.txt"
    added = "本报呼和浩特6月29日讯 新增的一段话用来检验重新入库，只替换本文件的文章。"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\n" + added + "\n", encoding="utf-8")
    report = Ingestor(settings, store).ingest([corpus])
    statuses = {f.name: f.status for f in report.files}
    assert statuses.pop(changed.name) == "updated" and set(statuses.values()) == {"unchanged"}
    after = by_file(store)
    assert all(after[name] == before[name] for name in statuses)
    assert added in after[changed.name][-1].text
    assert len(after[changed.name]) == report.files[3].articles
    assert store.source_hash(changed.name) == hashlib.sha256(changed.read_bytes()).hexdigest()


def test_a_gbk_copy_gives_the_same_articles_as_the_utf8_original(sample_dir, tmp_path, settings):
    name = "003_9bde60f0b0d24797.txt"
    (tmp_path / "gbk").mkdir()
    (tmp_path / "gbk" / name).write_bytes((sample_dir / name).read_text(encoding="utf-8").encode("gbk"))
    with CorpusStore(":memory:") as utf8, CorpusStore(":memory:") as gbk:
        Ingestor(settings, utf8).ingest([sample_dir / name])
        report = Ingestor(settings, gbk).ingest([tmp_path / "gbk" / name])
        assert gbk.sources()[0]["encoding"] == "gb18030" and report.files[0].status == "added"
        assert list(gbk.iter_articles()) == list(utf8.iter_articles())


def test_binary_files_in_the_folder_are_reported_and_skipped(sample_dir, tmp_path, settings, store):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (corpus / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))  # unsupported: skipped silently
    report = Ingestor(settings, store).ingest([corpus])
    errors = [f for f in report.files if f.status == "error"]
    assert [f.name for f in errors] == ["photo.txt"]
    assert "photo.txt" in errors[0].error.text("zh") and "UTF-8" in errors[0].error.text("zh")
    assert report.counts()["added"] == 5 and len(store.sources()) == 5


def test_ensure_corpus_ingests_the_bundled_sample_once(settings, sample_dir):
    assert [p.name for p in default_corpus_paths()] == sorted(p.name for p in sample_dir.glob("*.txt"))
    report = ensure_corpus(settings)
    assert report is not None and report.counts()["added"] == 5
    assert settings.db_path.exists()
    assert ensure_corpus(settings) is None


def test_year_in_the_file_name_is_used_as_year_hint(tmp_path, settings, store, monkeypatch):
    import corpusqa.corpus.segment as segment

    seen, original = [], segment.segment_page
    monkeypatch.setattr(segment, "segment_page", lambda t, s, y=None: seen.append(y) or original(t, s, y))
    (tmp_path / "内蒙古日报2021-06-30.txt").write_text("本报6月29日讯 正文。", encoding="utf-8")
    (tmp_path / "1a2e3e8d2021.txt").write_text("本报6月29日讯 正文。", encoding="utf-8")  # hex, not a year
    Ingestor(settings, store).ingest([tmp_path])
    assert seen == [None, 2021]
    assert [a.date for a in store.iter_articles()][1] == "2021-06-29"
