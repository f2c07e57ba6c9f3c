"""Hostile questions through ``Assistant.ask``: one clear error or a clean answer, never a crash."""

from __future__ import annotations

import unicodedata

import pytest

from corpusqa.answers.assistant import MAX_QUESTION_CHARS, Assistant, check_question, clean_question
from corpusqa.answers.invariants import check_answer
from corpusqa.errors import InputError
from corpusqa.settings import Settings
from tests.hostile.conftest import ANSWER, ENCODER, QUESTION, assert_sample_intact


@pytest.fixture(scope="module")
def assistant(indexed_home) -> Assistant:
    return Assistant(Settings(home=indexed_home, encoder=ENCODER, progress=False)).load()


def _no_controls(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text)


@pytest.mark.parametrize("question, key", [
    ("", "answers.empty_question"),
    ("   \t\n\u3000", "answers.empty_question"),
    ("\x00\x1b[31m\u202e\u200b", "answers.empty_question"),   # only controls: nothing left
    (None, "answers.empty_question"),
    (b"bytes", "answers.empty_question"),
    ("😀🎉👍", "answers.no_words"),
    ("？？！……", "answers.no_words"),
    ("a" * 100_000, "answers.question_too_long"),
    ("问" * (MAX_QUESTION_CHARS + 1), "answers.question_too_long"),
])
def test_unusable_questions_raise_one_clear_error_in_both_languages(assistant, question, key):
    with pytest.raises(InputError) as exc:
        assistant.ask(question)
    assert exc.value.key == key
    zh, en = exc.value.message("zh"), exc.value.message("en")
    assert zh != en and "问题" in zh and "question" in en.lower()
    if key == "answers.question_too_long":
        assert str(len(question)) in zh and str(MAX_QUESTION_CHARS) in en


def test_a_question_at_the_limit_is_answered(assistant):
    question = QUESTION + " " * 3 + "全" * (MAX_QUESTION_CHARS - len(QUESTION) - 3)
    ans = assistant.ask(question)  # long but legal: answers or abstains, no error
    check_answer(ans, assistant.articles)


@pytest.mark.parametrize("noisy", [
    "\x00" + QUESTION,
    "\x1b[31m" + QUESTION + "\x1b[0m",
    "\u202e" + QUESTION + "\u202c",
    QUESTION[:4] + "\u200b\ufeff" + QUESTION[4:],
    QUESTION[:4] + "\udcff" + QUESTION[4:],  # a lone surrogate (undecodable byte in argv)
    "\t" + QUESTION + "\r\n",
])
def test_control_characters_are_dropped_and_the_question_still_answers(assistant, noisy):
    ans = assistant.ask(noisy)
    assert not ans.abstained and ans.highlight.text == ANSWER
    assert _no_controls(ans.question) and _no_controls(ans.rewritten_question)
    assert ans.question == QUESTION
    check_answer(ans, assistant.articles)


def test_clean_question_keeps_the_words():
    assert clean_question("\x1b[1;31m全区\x1b[0m建成\x00了\u202e多少") == "全区建成 了多少"
    assert clean_question("  GDP 2021 年  ") == "GDP 2021 年"
    assert check_question("😀 多少？") == "😀 多少？"  # an emoji next to words is harmless


@pytest.mark.parametrize("question", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>全区建成了多少个党群服务中心？",
    "'; DROP TABLE articles; --",
    "全区建成了多少个一站式党群服务中心？' OR 1=1; DELETE FROM sources; --",
    "%' UNION SELECT text FROM articles --",
])
def test_markup_and_sql_looking_questions_are_plain_text(assistant, indexed_home, question):
    ans = assistant.ask(question)
    check_answer(ans, assistant.articles)
    assert ans.question == question  # echoed as given (the UI escapes it), never executed
    assert_sample_intact(indexed_home)


def test_traditional_chinese_question_over_simplified_articles_answers(assistant):
    ans = assistant.ask("全區建成了多少個一站式黨群服務中心？")
    assert not ans.abstained and ans.highlight.text == ANSWER
    assert "党群服务中心" in ans.answer  # the quote stays the stored (Simplified) text
    check_answer(ans, assistant.articles)


@pytest.mark.parametrize("question", [
    "How many one-stop party and public service centers were built across the region?",
    "What is the GDP of Baotou in 2021?",
])
def test_english_questions_answer_or_abstain_cleanly(assistant, question):
    ans = assistant.ask(question)
    check_answer(ans, assistant.articles)
    assert ans.abstained or ans.citations
    assert ans.passages  # the related passages are still offered


def test_hostile_history_is_tolerated(assistant):
    history = [{"question": "\x1b[31m<script>内蒙古支线供水工程总投资多少？\u202e", "answer": "\x00"}]
    ans = assistant.ask("这个工程要建多久？", history=history)
    check_answer(ans, assistant.articles)
    assert _no_controls(ans.rewritten_question)
