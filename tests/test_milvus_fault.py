"""The Milvus server goes away mid-session: the next question gets one clear line, not a traceback.

milvus-lite serves its file from this process; stopping that server while an assistant is
open is what a lost cluster looks like to the client (the port stops answering).
"""

from __future__ import annotations

import time

import pytest

from corpusqa.answers.assistant import Assistant
from corpusqa.errors import SearchIndexError
from corpusqa.settings import Settings
from corpusqa.ui.service import ChatService
from tests.retrieval.conftest import ARTICLES, CANONICAL

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

from corpusqa.index.milvus import MilvusIndex  # noqa: E402

Q = "全区建成了多少个一站式党群服务中心？"


@pytest.fixture
def served(tmp_path):
    uri = str(tmp_path / "milvus.db")
    settings = Settings(home=tmp_path / "home", encoder="hash:32", verifier="none", progress=False,
                        index_uri=uri)
    MilvusIndex.from_settings(settings).build(ARTICLES, canonical=CANONICAL)
    assistant = Assistant(settings).load(index=MilvusIndex.from_settings(settings).load(), articles=ARTICLES,
                                         canonical=CANONICAL)
    yield settings, assistant
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(uri)


def _server_goes_away(settings: Settings) -> None:
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(settings.index_uri)


def test_a_question_after_the_server_left_is_one_clear_line(served):
    settings, assistant = served
    assert "14542个" in assistant.ask(Q).answer
    _server_goes_away(settings)
    t0 = time.perf_counter()
    with pytest.raises(SearchIndexError) as err:
        assistant.ask(Q)
    assert time.perf_counter() - t0 < 60  # no endless retrying
    assert err.value.key == "milvus.unreachable"
    for lang, words in (("zh", "无法连接 Milvus"), ("en", "Cannot reach Milvus")):
        line = err.value.message(lang)
        assert words in line and settings.index_uri in line and "\n" not in line


def test_the_web_chat_shows_the_line_in_the_turn(served):
    settings, assistant = served
    service = ChatService(settings, assistant_factory=lambda s: assistant, index_updater=None,
                          reload_interval=3600)
    turns = service.answer_pending(service.start([], Q))
    assert turns[-1].error is None and "14542个" in turns[-1].answer.answer
    _server_goes_away(settings)
    turns = service.answer_pending(service.start(turns, Q))
    assert turns[-1].answer is None and "无法连接 Milvus" in turns[-1].error


def test_a_serving_process_notices_a_new_collection(served):
    from corpusqa.workspace.live import home_signature

    settings, assistant = served
    before = home_signature(settings)
    assert before[0] == assistant.index.collection
    MilvusIndex.from_settings(settings).build(ARTICLES[:2])  # published by another writer
    after = home_signature(settings)
    assert after[0] != before[0] and after[0].startswith("corpusqa_v")
    assert "14542个" in assistant.ask(Q).answer  # the open version keeps answering meanwhile


def test_an_article_edited_since_the_build_is_a_stale_index_when_a_question_touches_it(tmp_path):
    """A remote index is checked per question (the articles whose chunks it fetched), not by
    scanning every row at open: an edited article's text hash no longer matches."""
    from dataclasses import replace

    uri = str(tmp_path / "milvus.db")
    settings = Settings(home=tmp_path / "home", encoder="hash:32", verifier="none", progress=False,
                        index_uri=uri)
    MilvusIndex.from_settings(settings).build(ARTICLES, canonical=CANONICAL)
    try:
        index = MilvusIndex.from_settings(settings).load()
        fine = Assistant(settings).load(index=index, articles=ARTICLES, canonical=CANONICAL)
        assert "14542个" in fine.ask(Q).answer and index.indexed_hash(fine.ask(Q).citations[0].doc_id)
        edited = [replace(a, text=a.text.replace("14542", "14543")) if "14542" in a.text else a for a in ARTICLES]
        stale = Assistant(settings).load(index=MilvusIndex.from_settings(settings).load(), articles=edited,
                                         canonical=CANONICAL)  # opening scans nothing
        with pytest.raises(SearchIndexError) as err:
            stale.ask(Q)
        assert err.value.key == "answers.index_stale"
    finally:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def test_an_article_gone_since_the_build_is_a_stale_index_before_the_passage_stage_reads_it(tmp_path):
    """The passage rerank stage reads the first hits' articles before the answer stage's
    per-question check: with the article gone from the corpus it is the same clear
    "stale index" error (it was a KeyError), with the stage on or off."""
    uri = str(tmp_path / "milvus.db")
    settings = Settings(home=tmp_path / "home", encoder="hash:32", verifier="none", progress=False,
                        index_uri=uri)
    MilvusIndex.from_settings(settings).build(ARTICLES, canonical=CANONICAL)
    try:
        keep = [a for a in ARTICLES if a.id != "a2"]
        for ranker in ("bundled", "none"):
            s = settings.with_(passage_ranker=ranker)
            assistant = Assistant(s).load(index=MilvusIndex.from_settings(s).load(), articles=keep,
                                          canonical={})
            hits, anchored = assistant._retrieve("游客和投资", None)
            assert anchored is False and "a2" in [h.article_id for h in hits[:5]]  # the stage runs
            with pytest.raises(SearchIndexError) as err:
                assistant.ask("游客和投资")
            assert err.value.key == "answers.index_stale"
    finally:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)
