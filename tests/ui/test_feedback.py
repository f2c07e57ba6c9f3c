"""Feedback rows in SQLite, their export as gold candidates, and the chat service flow."""

import json
import sqlite3

import pytest

from corpusqa.cli import main
from corpusqa.errors import InputError
from corpusqa.eval.gold import load_gold
from corpusqa.ui.feedback import FeedbackStore, gold_candidates
from corpusqa.ui.service import ChatService
from corpusqa.ui.session import Turn, history_for, parse_filters

from .conftest import ARTICLE, abstention, make_answer

SENTENCE = "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"


def service(settings, fake):
    return ChatService(settings, lambda s: fake, index_updater=None)


def test_record_stores_question_answer_citations_and_vote(tmp_path):
    store = FeedbackStore(tmp_path / "fb.db")
    ans = make_answer("全区建成了多少个一站式党群服务中心？", SENTENCE, "14542个")
    row = store.record(ans, "up", comment=" 很准 ")
    con = sqlite3.connect(tmp_path / "fb.db")
    q, a, vote, comment, cites = con.execute(
        "SELECT question, answer, vote, comment, citations FROM feedback WHERE id = ?", [row]).fetchone()
    assert (q, a, vote, comment) == (ans.question, SENTENCE, "up", "很准")
    assert json.loads(cites)[0]["doc_id"] == "a1" and json.loads(cites)[0]["quote"] == SENTENCE
    with pytest.raises(ValueError):
        store.record(ans, "maybe")


def test_export_writes_gold_candidates_the_eval_loader_reads(tmp_path):
    store = FeedbackStore(tmp_path / "fb.db")
    up = store.record(make_answer("全区建成了多少个一站式党群服务中心？", SENTENCE, "14542个"), "up")
    down = store.record(make_answer("覆盖率多少？", SENTENCE, "14542个"), "down", comment="应是98.9%")
    store.record(abstention("包头市2021年GDP是多少？"), "up")
    store.update(up, comment="对")
    out = tmp_path / "cand.jsonl"
    assert store.export(out) == 3
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert items[0] == {**items[0], "qid": f"fb{up:05d}", "gold_pids": ["a1"], "answers": ["14542个"],
                        "feedback": "up", "comment": "对"}
    assert items[1]["qid"] == f"fb{down:05d}" and items[1]["answers"] == [] and items[1]["gold_pids"] == []
    assert items[1]["comment"] == "应是98.9%" and "needs_review" in items[1]["tags"]
    assert items[2]["answers"] == [] and "unanswerable" in items[2]["tags"]
    gold = load_gold(out)
    assert [g.question for g in gold][0] == "全区建成了多少个一站式党群服务中心？"
    assert gold[0].answers == ("14542个",) and gold[0].gold_pids == ("a1",)


def test_export_command(tmp_path, capsys):
    home = tmp_path / "h"
    FeedbackStore(home / "feedback.db").record(make_answer("q？", SENTENCE, "14542个"), "up")
    out = tmp_path / "out.jsonl"
    assert main(["--home", str(home), "feedback", "export", "--output", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["answers"] == ["14542个"]
    assert main(["--home", str(home), "feedback", "export"]) == 0
    assert "14542个" in capsys.readouterr().out  # Chinese stays readable (ensure_ascii=False)


def test_follow_up_passes_the_conversation_and_shows_rewrite(settings, fake_assistant):
    svc = service(settings, fake_assistant)
    turns = svc.answer_pending(svc.start([], "全区有多少个最强党支部？"))
    turns = svc.answer_pending(svc.start(turns, "那通辽呢？"))
    assert fake_assistant.calls[0]["history"] is None
    assert fake_assistant.calls[1]["history"] == [
        {"question": "全区有多少个最强党支部？", "rewritten_question": "全区有多少个最强党支部？", "answer": SENTENCE}]
    assert turns[1].answer.rewritten_question == "通辽市有多少个最强党支部？"
    edited = svc.answer_pending(svc.start(turns, "通辽市有几个最强党支部？"), standalone=True)
    assert fake_assistant.calls[2]["history"] is None and len(edited) == 3


def test_answers_carry_the_cited_articles_for_context(settings, fake_assistant):
    from corpusqa.corpus.store import CorpusStore

    with CorpusStore(settings.db_path) as store:
        store.replace_source({"name": ARTICLE.source, "sha256": "x", "size": 1}, [ARTICLE])
    svc = service(settings, fake_assistant)
    turns = svc.answer_pending(svc.start([], "全区建成了多少个一站式党群服务中心？"))
    assert turns[0].articles["a1"].text == ARTICLE.text
    assert turns[0].elapsed_ms is not None and turns[0].elapsed_ms >= 0


def test_a_second_question_sent_before_the_first_answer_leaves_none_pending(settings, fake_assistant):
    svc = service(settings, fake_assistant)
    turns = svc.start(svc.start([], "全区有多少个最强党支部？"), "那通辽呢？")
    turns = svc.answer_pending(turns)
    assert [t.pending for t in turns] == [False, False]
    assert turns[1].answer.rewritten_question == "通辽市有多少个最强党支部？"  # saw the first turn
    assert svc.answer_pending(turns) == turns and len(fake_assistant.calls) == 2


def test_errors_become_one_line_messages_without_internals(settings, fake_assistant):
    svc = service(settings, fake_assistant)
    turns = svc.answer_pending(svc.start([], "   "))
    assert turns[0].error.startswith("问题为空")
    turns = svc.answer_pending(svc.start(turns, "崩溃吧"))
    assert "RuntimeError" in turns[1].error and "secret" not in turns[1].error
    turns = svc.answer_pending(svc.start(turns, "问题"), date_from="2022-13-01")
    assert "2022-13-01" in turns[2].error and len(fake_assistant.calls) == 2


def test_vote_once_per_answer_then_change_and_comment(settings, fake_assistant):
    svc = service(settings, fake_assistant)
    turns = svc.answer_pending(svc.start([], "全区建成了多少个一站式党群服务中心？"))
    turns = svc.vote(turns, 0, "up")
    turns = svc.vote(turns, 0, "down")
    assert svc.comment(turns, 0, "数字对，但要更多背景")
    rows = svc.feedback.rows()
    assert len(rows) == 1 and rows[0]["vote"] == "down" and rows[0]["comment"] == "数字对，但要更多背景"
    assert turns[0].vote == "down"
    assert svc.vote(turns, 7, "up") == turns          # no such answer: nothing stored
    assert not svc.comment([Turn("q")], 0, "x")        # not rated yet


def test_sessions_do_not_share_history(settings, fake_assistant):
    svc = service(settings, fake_assistant)
    alice = svc.answer_pending(svc.start([], "全区有多少个最强党支部？"))
    bob = svc.answer_pending(svc.start([], "那通辽呢？"))
    assert fake_assistant.calls[1]["history"] is None  # Bob's follow-up does not see Alice's question
    assert len(alice) == 1 and len(bob) == 1


def test_parse_filters():
    assert parse_filters("", " ", []) is None
    assert parse_filters("2022-06-01", "2022-06-30", ["a.txt"]) == {
        "date_from": "2022-06-01", "date_to": "2022-06-30", "sources": ["a.txt"]}
    with pytest.raises(InputError) as e:
        parse_filters("2022-07-01", "2022-06-30", None)
    assert "晚于" in e.value.message("zh")
    with pytest.raises(InputError):
        parse_filters("June", None, None)


def test_history_skips_unanswered_turns():
    ok = Turn("a", answer=make_answer("a", SENTENCE, None))
    assert [h["question"] for h in history_for([ok, Turn("b", error="x"), Turn("c")])] == ["a"]


def test_gold_candidates_deduplicate_pids():
    rows = [{"id": 1, "vote": "up", "abstained": False, "answer": "x", "highlight": None, "question": "q",
             "citations": [{"doc_id": "d"}, {"doc_id": "d"}], "comment": None, "history": [],
             "rewritten_question": "q", "created_at": "t"}]
    (item,) = gold_candidates(rows)
    assert item["gold_pids"] == ["d"] and item["answers"] == ["x"]
