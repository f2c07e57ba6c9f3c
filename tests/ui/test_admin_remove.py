"""Removals from the admin tab (issue 15, item 4): a read-only preview, then a confirmed
removal through the workspace, after which the web chat never retrieves the articles again.

A real home (SQLite corpus, FAISS + lexical index) with the deterministic hash encoder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusqa.errors import CorpusError, InputError
from corpusqa.settings import Settings
from corpusqa.ui.panels import render_removal_preview, render_removal_result
from corpusqa.ui.service import ChatService, removal_summary
from corpusqa.workspace import Workspace

NEWS = [
    {"pid": "jianshe-2021", "title": "强基固本", "date": "2021-06-30",
     "text": "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n全区嘎查村、社区一肩挑比例达99%。"},
    {"pid": "gongshui-2022", "title": "支线供水工程开工", "date": "2022-06-28",
     "text": "内蒙古支线供水工程总投资约110亿元，工期54个月。"},
]
MORE = [
    {"pid": "caoyuan-nadamu", "title": "那达慕大会", "date": "2022-06-28",
     "text": "呼伦贝尔市举办那达慕大会，吸引游客20万人次。"},
    {"pid": "caoyuan-shuwu", "title": "草原书屋", "date": "2022-07-01",
     "text": "本报讯 呼伦贝尔市今年新建草原书屋三百二十个。"},
]
MORE_IDS = {"caoyuan-nadamu", "caoyuan-shuwu"}
QUESTIONS = ("呼伦贝尔市今年新建了多少个草原书屋？", "那达慕大会吸引了多少游客？", "草原书屋")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def home_settings(tmp_path) -> Settings:
    write_jsonl(tmp_path / "feed" / "news.jsonl", NEWS)
    write_jsonl(tmp_path / "feed" / "more.jsonl", MORE)
    settings = Settings(home=tmp_path / "home", encoder="hash:32", progress=False)
    ws = Workspace(settings)
    ws.ingest([tmp_path / "feed"])
    ws.build_index()
    return settings


@pytest.fixture
def svc(home_settings):
    # a long reload interval: only the service's own reload can swap the assistant
    service = ChatService(home_settings, reload_interval=3600)
    yield service
    service.close()


def corpus_ids(settings: Settings) -> set[str]:
    return {a.id for a in Workspace(settings).articles()}


def retrieved(svc: ChatService, question: str) -> set[str]:
    """Every article the assistant cites or shows as a related passage for ``question``."""
    answer = svc.ask(question)
    return {c.doc_id for c in answer.citations} | {p.doc_id for p in answer.passages}


def test_the_preview_names_what_would_go_and_removes_nothing(svc, home_settings):
    version = Workspace(home_settings).index_info(size=False).version
    preview = svc.preview_removal(["more.jsonl"])
    assert preview.targets == ("more.jsonl",)
    assert preview.sources == (("more.jsonl", 2),) and preview.articles == 2 and preview.singles == ()
    assert corpus_ids(home_settings) == {"jianshe-2021", "gongshui-2022", *MORE_IDS}
    assert Workspace(home_settings).index_info(size=False).version == version
    assert svc.source_names() == ["more.jsonl", "news.jsonl"]
    html = render_removal_preview(preview.to_dict(), "zh")
    assert "删除 1 个来源文件、共 2 篇文章" in html and 'data-source="more.jsonl"' in html


def test_a_unique_id_prefix_names_one_article_and_a_chosen_source_includes_it(svc):
    one = svc.preview_removal([], "caoyuan-s")
    assert one.targets == ("caoyuan-shuwu",) and one.articles == 1 and one.sources == ()
    assert one.singles == (("caoyuan-shuwu", "草原书屋", "more.jsonl"),)
    assert "文章 caoyuan-shuwu：草原书屋（more.jsonl）" in render_removal_preview(one.to_dict(), "zh")
    both = svc.preview_removal(["more.jsonl"], "caoyuan-shuwu")
    assert both.targets == ("more.jsonl",) and both.articles == 2 and both.singles == ()
    typed_source = svc.preview_removal(None, " more.jsonl ")
    assert typed_source.targets == ("more.jsonl",) and typed_source.articles == 2


def test_after_confirming_the_articles_are_gone_and_never_retrieved(svc, home_settings):
    before = set().union(*(retrieved(svc, q) for q in QUESTIONS))
    assert before & MORE_IDS, "the test questions must find the articles before the removal"
    old = svc.assistant()

    report = svc.remove(svc.preview_removal(["more.jsonl"]).targets)

    assert report.sources == ("more.jsonl",) and set(report.articles) == MORE_IDS
    assert corpus_ids(home_settings) == {"jianshe-2021", "gongshui-2022"}
    assert svc.assistant() is not old  # reloaded at once, not at the next check of the home
    assert MORE_IDS.isdisjoint(svc.assistant().index.article_ids)
    for question in QUESTIONS:
        assert MORE_IDS.isdisjoint(retrieved(svc, question)), question
    assert svc.source_names() == ["news.jsonl"]
    line = removal_summary(report, "zh")
    assert line.startswith("已删除 1 个来源文件、共 2 篇文章。") and "索引已更新" in line
    assert removal_summary(report, "en").startswith("Removed 1 source file(s), 2 article(s) in all.")
    # confirming the same preview again: it is gone, and the admin is told so
    with pytest.raises(InputError) as exc:
        svc.remove(["more.jsonl"])
    assert exc.value.key == "ui.remove.unknown" and "more.jsonl" in exc.value.message("zh")


def test_removing_one_article_by_prefix_keeps_the_rest_of_its_source(svc, home_settings):
    svc.remove(svc.preview_removal([], "caoyuan-s").targets)
    assert corpus_ids(home_settings) == {"jianshe-2021", "gongshui-2022", "caoyuan-nadamu"}
    assert "caoyuan-shuwu" not in retrieved(svc, "草原书屋")
    assert "caoyuan-shuwu" not in svc.assistant().index.article_ids


@pytest.mark.parametrize(("sources", "article_id", "key", "zh", "en"), [
    ([], "  ", "ui.remove.none", "请先选择来源文件", "Choose a source file"),
    (None, "no-such-thing", "ui.remove.unknown", "没有名为 no-such-thing 的来源文件", "No source file named"),
    (["gone.jsonl"], "", "ui.remove.unknown", "gone.jsonl", "gone.jsonl"),
    (None, "caoyuan", "corpus.show.ambiguous_id", "对应多篇文章", "matches several articles"),
    (["news.jsonl", "more.jsonl"], "", "ui.remove.everything", "不能在网页上删除全部文章", "cannot remove every"),
])
def test_a_bad_choice_is_one_clear_message_and_removes_nothing(svc, home_settings, sources, article_id, key, zh, en):
    with pytest.raises(InputError) as exc:
        svc.preview_removal(sources, article_id)
    assert exc.value.key == key
    assert zh in exc.value.message("zh") and en in exc.value.message("en")
    with pytest.raises(InputError) as exc:
        svc.remove([*(sources or []), article_id.strip()])
    assert exc.value.key == key
    assert len(corpus_ids(home_settings)) == 4


def test_a_busy_home_is_reported_and_nothing_is_removed(svc, home_settings):
    version = Workspace(home_settings).index_info(size=False).version
    svc.workspace.lock_timeout = 0.2
    with Workspace(home_settings).writing():  # another writer (an ingest, an index update)
        with pytest.raises(CorpusError) as exc:
            svc.remove(["more.jsonl"])
    assert exc.value.key == "corpus.home.busy"
    assert "正在被另一个任务写入" in exc.value.message("zh") and "Another job" in exc.value.message("en")
    assert MORE_IDS <= corpus_ids(home_settings)
    assert Workspace(home_settings).index_info(size=False).version == version


def test_preview_and_result_html_escape_article_text():
    html = render_removal_preview({"articles": 1, "sources": [],
                                   "singles": [{"id": "x<1>", "title": "<script>alert(1)</script>",
                                                "source": "a&b.txt"}]}, "en")
    assert "<script>" not in html and "&lt;script&gt;" in html and 'data-doc-id="x&lt;1&gt;"' in html
    assert "removes 0 source file(s), 1 article(s)" in html
    bad = render_removal_result("<b>busy</b>", ok=False)
    assert 'data-status="error"' in bad and "<b>" not in bad
