"""Hostile questions through ``corpusqa ask``: one line, exit 1, zh or en; the data stays intact."""

from __future__ import annotations

import json

import pytest

from tests.hostile.conftest import ANSWER, QUESTION, assert_answers, assert_one_error_line, assert_sample_intact

BAD = {
    "empty": ("", "问题为空", "question is empty"),
    "whitespace": (" \t\u3000 ", "问题为空", "question is empty"),
    "emoji": ("😀🎉👍", "没有文字", "has no words"),
    "punctuation": ("？？？", "没有文字", "has no words"),
    "nul": ("\x00", "问题为空", "question is empty"),
    "huge": ("全" * 100_000, "问题太长（100000 个字符，上限 500）", "too long (100000 characters, limit 500)"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_unusable_question_is_one_line_in_chinese(cli, indexed_home, case):
    question, zh, _ = BAD[case]
    assert_one_error_line(cli(indexed_home, "ask", question), zh)


@pytest.mark.parametrize("case", ["empty", "emoji", "huge"])
def test_unusable_question_is_one_line_in_english_by_flag_or_environment(cli, indexed_home, monkeypatch, case):
    question, _, en = BAD[case]
    assert_one_error_line(cli(indexed_home, "ask", question, lang="en"), en, lang="en")
    monkeypatch.setenv("CORPUSQA_LANG", "en")
    assert_one_error_line(cli(indexed_home, "ask", question), en, lang="en")


def test_question_errors_come_before_loading_anything(cli, tmp_path):
    """A bad question is reported as such even where no index exists yet."""
    assert_one_error_line(cli(tmp_path / "nothing", "ask", "全" * 100_000), "问题太长")
    assert not (tmp_path / "nothing").exists()


@pytest.mark.parametrize("noisy", [
    "\x1b[31m" + QUESTION + "\x1b[0m",
    "\u202e" + QUESTION,
    "\x00" + QUESTION + "\x07",
])
def test_control_characters_never_reach_the_terminal(cli, indexed_home, noisy):
    res = cli(indexed_home, "ask", noisy)
    assert res.code == 0 and f"【{ANSWER}】" in res.out
    assert not any(c in res.out + res.err for c in "\x1b\x00\x07\u202e")


def test_json_output_carries_the_cleaned_question(cli, indexed_home):
    res = cli(indexed_home, "ask", "\x1b[31m" + QUESTION + "\u202e", "--json")
    assert res.code == 0
    data = json.loads(res.out)
    assert data["question"] == QUESTION and data["highlight"]["text"] == ANSWER


@pytest.mark.parametrize("question", ["<script>alert(1)</script>", "'; DROP TABLE articles; --",
                                      "全区建成了多少个一站式党群服务中心？'); DROP TABLE sources; --"])
def test_markup_and_sql_looking_questions_leave_the_database_intact(cli, home_copy, question):
    res = cli(home_copy, "ask", question, "--json")
    assert res.code == 0 and "Traceback" not in res.err
    assert json.loads(res.out)["question"] == question
    assert_sample_intact(home_copy)
    assert_answers(cli, home_copy)


def test_traditional_question_answers(cli, indexed_home):
    res = cli(indexed_home, "ask", "全區建成了多少個一站式黨群服務中心？")
    assert res.code == 0 and f"【{ANSWER}】" in res.out


def test_english_question_answers_or_abstains_with_english_labels(cli, indexed_home):
    res = cli(indexed_home, "ask", "How many party service centres were built?", lang="en")
    assert res.code == 0 and not res.err
    assert "does not contain an answer" in res.out or "Sources:" in res.out
