"""Workspace: one home ingested, indexed and asked, with the deterministic hash encoder (no model)."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest

from corpusqa.answers.assistant import AskConfig
from corpusqa.corpus.ingest import Ingestor
from corpusqa.errors import SearchIndexError
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace

QUESTION = "全区建成了多少个一站式党群服务中心？"
DOCS = [
    {"pid": "a1", "title": "强基固本", "date": "2021-06-30",
     "text": "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n全区嘎查村、社区一肩挑比例达99%。"},
    {"pid": "a2", "title": "支线供水工程开工", "date": "2022-06-28",
     "text": "内蒙古支线供水工程总投资约110亿元，工期54个月。"},
    {"pid": "a3", "title": "那达慕大会", "date": "2022-06-28",
     "text": "呼伦贝尔市举办那达慕大会，吸引游客20万人次。"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def open_db_files(home: Path) -> list[str]:
    """Files under ``home`` this process holds open (Linux /proc)."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(home)):
            out.append(target)
    return out


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(Settings(home=tmp_path / "home", encoder="hash:32", progress=False))


@pytest.fixture
def news(tmp_path) -> Path:
    return write_jsonl(tmp_path / "news.jsonl", DOCS)


def test_ingest_build_open_assistant_and_ask(workspace, news):
    report = workspace.ingest([news])
    assert report.changed and report.articles == 3 and report.files[0].status == "added"
    built = workspace.build_index()
    assert built.articles == 3 and built.chunks >= 3 and built.encoder == "hash:32"
    assistant = workspace.open_assistant(AskConfig(threshold=0.3))
    ans = assistant.ask(QUESTION)
    assert not ans.abstained and ans.highlight.text == "14542个"
    c = ans.citations[0]
    assert c.doc_id == "a1"
    assert workspace.get_articles([c.doc_id])["a1"].text[c.start:c.end] == c.quote == ans.answer


def test_stats_describe_the_corpus_and_the_live_index(workspace, news):
    workspace.ingest([news])
    before = workspace.stats()
    assert before.corpus["articles"] == 3 and [s["name"] for s in before.sources] == ["news.jsonl"]
    assert before.index is None and workspace.last_indexed() is None
    built = workspace.build_index()
    after = workspace.stats()
    assert after.index is not None and after.index.chunks == built.chunks
    assert after.index.encoder == "hash:32" and after.index.size_bytes == built.size_bytes
    assert after.index.built_at == workspace.last_indexed() is not None
    assert json.loads(json.dumps(after.to_dict(), ensure_ascii=False))["index"]["counts"]["articles"] == 3


def test_a_second_ingest_of_the_same_file_changes_nothing(workspace, news):
    workspace.ingest([news])
    workspace.build_index()
    corpus = workspace.corpus_stats()
    again = workspace.ingest([news])
    assert not again.changed and [f.status for f in again.files] == ["unchanged"]
    assert workspace.corpus_stats()["articles"] == corpus["articles"] == 3
    assert workspace.index_usable()
    update = workspace.update_index()  # nothing new: every vector is reused
    assert update.embedded_chunks == 0 and update.reused_chunks == update.chunks


def test_a_changed_file_is_re_ingested_and_only_its_new_text_embedded(workspace, news):
    workspace.ingest([news])
    first = workspace.build_index()
    write_jsonl(news, [*DOCS, {"pid": "a4", "title": "新闻", "text": "包头市新建公园十二座，市民休闲更方便。"}])
    report = workspace.ingest([news])
    assert report.changed and report.files[0].status == "updated" and report.articles == 4
    update = workspace.update_index()
    assert update.articles == 4 and 0 < update.embedded_chunks < update.chunks
    assert update.reused_chunks >= first.chunks


def test_check_index_says_how_to_build_a_missing_index(workspace, news):
    workspace.ingest([news])
    with pytest.raises(SearchIndexError) as exc:
        workspace.check_index()
    assert exc.value.key == "index.missing" and "corpusqa index build" in exc.value.message("en")
    assert not workspace.index_usable()
    workspace.build_index()
    assert workspace.check_index().chunks == workspace.index_info().chunks


def test_a_home_whose_files_all_failed_is_not_indexed_with_the_sample(workspace, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    report = workspace.ingest([empty])
    assert report.counts()["error"] == 1
    with pytest.raises(SearchIndexError) as exc:
        workspace.build_index()
    assert exc.value.key == "index.no_articles"
    assert workspace.corpus_stats()["articles"] == 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc to list open files")
def test_ingest_and_web_uploads_leave_no_database_connection_open(workspace, news, tmp_path):
    from corpusqa.ui.uploads import process_uploads

    home = workspace.home
    gc.disable()  # a leaked connection would otherwise be closed by a lucky collection
    try:
        workspace.ingest([news])
        assert open_db_files(home) == []
        other = write_jsonl(tmp_path / "other.jsonl", [{"pid": "b1", "text": "通辽市评选出最强党支部200个。"}])
        outcome = process_uploads([(other, "other.jsonl")], workspace.settings, update_index=None)
        assert outcome.files[0].status == "added" and outcome.articles == 4
        assert open_db_files(home) == []
        with Ingestor(workspace.settings) as ingestor:  # one that opens its own store closes it
            assert ingestor.ingest([other]).files[0].status == "unchanged"
        assert open_db_files(home) == []
    finally:
        gc.enable()


def test_index_update_keeps_the_live_indexs_sentence_vectors_and_appends(workspace, tmp_path):
    """An index built with sentence vectors (before they were off by default) is appended to
    by a plain ``update_index``, not rebuilt without them."""
    from corpusqa.index.manifest import read_manifest
    from corpusqa.index.versions import current_dir

    workspace.ingest([write_jsonl(tmp_path / "a.jsonl", DOCS[:2])])
    assert workspace.build_index(sentence_vectors="on").sentences > 0
    workspace.ingest([write_jsonl(tmp_path / "b.jsonl", DOCS[2:])])
    report = workspace.update_index()
    manifest = read_manifest(current_dir(workspace.settings.index_dir))
    assert manifest["sentence_vectors"]["mode"] == "on" and manifest["timings"].get("appended_articles") == 1
    assert report.embedded_sentences > 0
