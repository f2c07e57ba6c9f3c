"""Removing sources and articles (issue 15, item 4): ``Workspace.remove`` and ``ingest --prune``.

A removed article must leave the corpus and the live index together, so that it is never
retrieved or cited again; a removal killed half-way is finished by the next index update.
Uses the deterministic hash encoder (no model).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusqa.answers.assistant import AskConfig
from corpusqa.cli import main
from corpusqa.errors import CorpusError
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace

QUESTION = "全区建成了多少个一站式党群服务中心？"
DOCS = [
    {"pid": "a1", "title": "强基固本", "date": "2021-06-30",
     "text": "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n全区嘎查村、社区一肩挑比例达99%。"},
    {"pid": "a2", "title": "支线供水工程开工", "date": "2022-06-28",
     "text": "内蒙古支线供水工程总投资约110亿元，工期54个月。"},
]
MORE = [
    {"pid": "b1", "title": "那达慕大会", "date": "2022-06-28",
     "text": "呼伦贝尔市举办那达慕大会，吸引游客20万人次。"},
    {"pid": "b2", "title": "草原书屋", "date": "2022-07-01",
     "text": "本报讯 呼伦贝尔市今年新建草原书屋三百二十个。"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    write_jsonl(tmp_path / "feed" / "news.jsonl", DOCS)
    write_jsonl(tmp_path / "feed" / "more.jsonl", MORE)
    return tmp_path / "feed"


@pytest.fixture
def workspace(tmp_path, folder) -> Workspace:
    ws = Workspace(Settings(home=tmp_path / "home", encoder="hash:32", progress=False))
    ws.ingest([folder])
    ws.build_index()
    return ws


def indexed_ids(ws: Workspace) -> set[str]:
    ws.check_index()  # opens with every check the assistant makes
    return set(_rows(ws))


def _rows(ws: Workspace) -> list[str]:
    info = ws.index_info(size=False)
    return json.loads((info.path / "article_rows.json").read_text())["ids"]


def corpus_ids(ws: Workspace) -> set[str]:
    return {a.id for a in ws.articles()}


def test_a_removed_article_is_never_retrieved_or_cited_again(workspace):
    before = workspace.open_assistant(AskConfig(threshold=0.3)).ask(QUESTION)
    assert [c.doc_id for c in before.citations][:1] == ["a1"]
    report = workspace.remove(["a1"])
    assert report.articles == ("a1",) and report.sources == () and report.index is not None
    assert corpus_ids(workspace) == {"a2", "b1", "b2"} == indexed_ids(workspace)
    assistant = workspace.open_assistant(AskConfig(threshold=0.3))  # the index matches the corpus
    assert "a1" not in assistant.index.article_ids
    for question in (QUESTION, "一站式党群服务中心", "14542个", "强基固本"):
        ans = assistant.ask(question)
        assert all(c.doc_id != "a1" for c in ans.citations)
        assert "14542" not in (ans.answer or "")
    assert report.index.embedded_chunks == 0  # the kept articles' vectors are reused


def test_removing_a_source_removes_all_its_articles(workspace):
    report = workspace.remove(["more.jsonl"])
    assert report.sources == ("more.jsonl",) and set(report.articles) == {"b1", "b2"}
    assert corpus_ids(workspace) == {"a1", "a2"} == indexed_ids(workspace)
    assert [s["name"] for s in workspace.stats().sources] == ["news.jsonl"]
    ans = workspace.open_assistant(AskConfig(threshold=0.3)).ask("呼伦贝尔市今年新建了多少个草原书屋？")
    assert all(c.doc_id not in ("b1", "b2") for c in ans.citations)


def test_a_removed_article_stays_removed_when_its_unchanged_file_is_ingested_again(workspace, folder):
    workspace.remove(["a1"])
    again = workspace.ingest([folder])
    assert not again.changed and "a1" not in corpus_ids(workspace)
    assert [s["n_articles"] for s in workspace.stats().sources if s["name"] == "news.jsonl"] == [1]


def test_an_article_id_prefix_and_unknown_targets(workspace):
    with pytest.raises(CorpusError) as exc:
        workspace.remove(["a2", "no-such-thing"])
    assert exc.value.key == "corpus.remove.unknown" and "no-such-thing" in exc.value.message("en")
    assert corpus_ids(workspace) == {"a1", "a2", "b1", "b2"} == indexed_ids(workspace)  # nothing removed


def test_prune_removes_sources_gone_from_the_folder(workspace, folder):
    (folder / "more.jsonl").unlink()
    report = workspace.ingest([folder], prune=True)
    assert report.removed == ("more.jsonl",) and report.changed and report.articles == 2
    assert report.index is not None and report.index["articles"] == 2
    assert corpus_ids(workspace) == {"a1", "a2"} == indexed_ids(workspace)
    again = workspace.ingest([folder], prune=True)
    assert again.removed == () and not again.changed


def test_prune_of_an_emptied_folder_takes_the_index_down(workspace, folder):
    for f in folder.iterdir():
        f.unlink()
    report = workspace.ingest([folder], prune=True)
    assert set(report.removed) == {"news.jsonl", "more.jsonl"} and report.articles == 0
    assert workspace.index_info() is None and corpus_ids(workspace) == set()
    assert workspace.corpus_stats()["articles"] == 0  # the sample corpus is not ingested instead


def test_a_removal_killed_before_the_database_changed_is_finished_by_the_next_update(workspace):
    with workspace.corpus() as store:  # what a SIGKILL during the index update leaves behind
        store.set_pending_removal({"sources": [], "articles": ["a2"]})
    workspace.open_assistant(AskConfig(threshold=0.3))  # the old state still serves
    workspace.update_index()
    assert corpus_ids(workspace) == {"a1", "b1", "b2"} == indexed_ids(workspace)
    with workspace.corpus() as store:
        assert store.pending_removal() is None


def test_a_failed_index_update_forgets_the_removal(workspace, monkeypatch):
    from corpusqa.index.builder import IndexBuilder

    def broken(self, articles):
        raise RuntimeError("disk full")

    monkeypatch.setattr(IndexBuilder, "update", broken)
    with pytest.raises(RuntimeError):
        workspace.remove(["a1"])
    with workspace.corpus() as store:
        assert store.pending_removal() is None
    assert "a1" in corpus_ids(workspace) and "a1" in indexed_ids(workspace)


def test_corpus_remove_command_in_chinese_and_english(workspace, capsys, monkeypatch):
    monkeypatch.delenv("CORPUSQA_LANG", raising=False)
    home = str(workspace.home)
    code = main(["--home", home, "--encoder", "hash:32", "--silent", "corpus", "remove", "more.jsonl"])
    out = capsys.readouterr().out
    assert code == 0
    assert "删除  more.jsonl" in out and "已删除 1 个来源文件、共 2 篇文章。" in out and "索引已更新" in out
    code = main(["--home", home, "--lang", "en", "--silent", "corpus", "remove", "--json", "a2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["articles"] == ["a2"] and data["index"]["articles"] == 1
    code = main(["--home", home, "--lang", "en", "--silent", "corpus", "remove", "zzzz"])
    err = capsys.readouterr().err
    assert code != 0 and "No source file named zzzz" in err and err.count("\n") == 1


@pytest.mark.integration
def test_with_the_real_default_encoder_a_removed_article_is_not_answered(tmp_path, folder):
    from corpusqa.settings import DEFAULT_ENCODER

    ws = Workspace(Settings(home=tmp_path / "real", encoder=DEFAULT_ENCODER, progress=False))
    ws.ingest([folder])
    ws.build_index()
    before = ws.open_assistant().ask(QUESTION)
    assert not before.abstained and before.citations[0].doc_id == "a1"
    report = ws.remove(["a1"])
    assert report.index is not None and report.index.encoder == DEFAULT_ENCODER
    assert report.index.embedded_chunks == 0  # every kept vector reused
    assistant = ws.open_assistant()
    assert "a1" not in assistant.index.article_ids
    after = assistant.ask(QUESTION)
    assert all(c.doc_id != "a1" for c in after.citations) and "14542" not in (after.answer or "")


def test_removal_keeps_a_lexical_only_index_lexical(tmp_path, folder):
    ws = Workspace(Settings(home=tmp_path / "lex", encoder="none", progress=False))
    ws.ingest([folder])
    ws.build_index()
    report = Workspace(Settings(home=tmp_path / "lex", encoder="hash:32", progress=False)).remove(["b2"])
    assert report.index is not None and report.index.encoder == "none"  # not switched by the settings
    assert corpus_ids(ws) == {"a1", "a2", "b1"} == indexed_ids(ws)


def test_ingest_prune_command_says_what_left(workspace, folder, capsys, monkeypatch):
    monkeypatch.delenv("CORPUSQA_LANG", raising=False)
    (folder / "more.jsonl").unlink()
    code = main(["--home", str(workspace.home), "--encoder", "hash:32", "--silent", "ingest", "--prune",
                 str(folder)])
    out = capsys.readouterr().out
    assert code == 0
    assert "删除  more.jsonl（文件已不在文件夹中）" in out and "索引已更新（现有" in out
    assert corpus_ids(workspace) == {"a1", "a2"} == indexed_ids(workspace)
