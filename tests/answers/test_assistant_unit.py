"""Assistant.ask on a tiny real index built with the hash encoder (no model)."""

from __future__ import annotations

import pytest

from corpusqa.answers.assistant import AskConfig, Assistant
from corpusqa.answers.invariants import InvariantError, check_answer
from corpusqa.errors import InputError
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.store import open_index
from corpusqa.models import Answer, Citation, Span
from corpusqa.settings import Settings
from tests.retrieval.conftest import ARTICLES, CANONICAL


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("asst"), encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(ARTICLES)
    index = open_index(settings.index_dir, settings)
    return Assistant(settings, AskConfig(threshold=0.3)).load(index, ARTICLES, CANONICAL)


def test_answer_is_a_verbatim_slice_with_highlight(assistant):
    ans = assistant.ask("全区建成了多少个一站式党群服务中心？")
    assert not ans.abstained
    c = ans.citations[0]
    assert assistant.articles[c.doc_id].text[c.start:c.end] == c.quote == ans.answer
    assert ans.highlight.text == "14542个"
    assert ans.answer[ans.highlight.start:ans.highlight.end] == "14542个"
    assert ans.question_type == "number"
    assert set(ans.timings_ms) >= {"retrieve_ms", "extract_ms", "total_ms"}


def test_unrelated_question_abstains_and_lists_related(assistant):
    ans = assistant.ask("包头市2021年GDP是多少？")
    assert ans.abstained and ans.answer is None and ans.citations == ()
    assert ans.confidence < assistant.config.threshold


@pytest.mark.parametrize("bad", ["", "   ", "？？！", "问" * 501])
def test_bad_questions_raise_one_clear_error(assistant, bad):
    with pytest.raises(InputError) as exc:
        assistant.ask(bad)
    assert exc.value.message("zh")  # a Chinese message exists


def test_filters_are_applied(assistant):
    ans = assistant.ask("全区建成了多少个一站式党群服务中心？", filters={"sources": ["p2.txt"]})
    assert all(p.doc_id in ("a2", "a3") for p in ans.passages)


def test_follow_up_is_rewritten_and_shown(assistant):
    history = [{"question": "内蒙古支线供水工程总投资多少？"}]
    ans = assistant.ask("这个工程要建多久？", history=history)
    assert ans.rewritten_question != ans.question
    assert "供水工程" in ans.rewritten_question
    assert not ans.abstained and ans.highlight.text == "54个月"


def test_traditional_question_matches_simplified_text(assistant):
    ans = assistant.ask("全區建成了多少個一站式黨群服務中心？")
    assert not ans.abstained and ans.highlight.text == "14542个"
    assert ans.citations[0].quote in assistant.articles[ans.citations[0].doc_id].text


def test_json_shape(assistant):
    d = assistant.ask("全区建成了多少个一站式党群服务中心？").to_dict()
    assert set(d) >= {"question", "rewritten_question", "answer", "abstained", "confidence",
                      "highlight", "citations", "passages", "timings_ms"}
    assert set(d["citations"][0]) >= {"doc_id", "title", "date", "source", "start", "end",
                                      "quote", "score"}
    assert set(d["passages"][0]) >= {"doc_id", "chunk_id", "text", "score", "rank"}


def test_invariants_reject_a_tampered_answer(assistant):
    ans = assistant.ask("全区建成了多少个一站式党群服务中心？")
    c = ans.citations[0]
    forged = Citation(c.doc_id, c.title, c.date, c.source, c.paragraph, c.start, c.end,
                      c.quote.replace("14542", "14543"), c.score)
    bad = Answer(ans.question, ans.rewritten_question, forged.quote, False, 0.9,
                 Span("14543个", ans.highlight.start, ans.highlight.end), (forged,), ans.passages)
    with pytest.raises(InvariantError):
        check_answer(bad, assistant.articles)
    composed = Answer(ans.question, ans.rewritten_question, ans.answer + "共计15000个", False, 0.9,
                      None, ans.citations, ans.passages)
    with pytest.raises(InvariantError):
        check_answer(composed, assistant.articles)


def test_an_index_built_from_other_article_texts_is_refused(tmp_path):
    from dataclasses import replace

    from corpusqa.errors import SearchIndexError

    settings = Settings(home=tmp_path, encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(ARTICLES)
    index = open_index(settings.index_dir, settings)
    edited = [replace(a, text=a.text.replace("14542", "14543")) if a.id == "a1" else a
              for a in ARTICLES]
    with pytest.raises(SearchIndexError) as exc:
        Assistant(settings).load(index, edited, CANONICAL)
    assert "corpusqa index update" in exc.value.message("zh")


def test_pieces_of_one_over_long_sentence_never_both_become_candidates(tmp_path):
    from tests.retrieval.conftest import make_article

    long_sentence = "自治区" + "，".join(f"第{i}项工作稳步推进取得实效" for i in range(40)) + "。"
    arts = [make_article("L", [long_sentence, "全区共有党支部7.4万个。"], "长句")]
    settings = Settings(home=tmp_path, encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(arts)
    a = Assistant(settings, AskConfig(threshold=0.0)).load(open_index(settings.index_dir, settings),
                                                           arts, {})
    _, cands = a.explain("第10项工作和第30项工作推进得怎么样？")
    spans = sorted((c.start, c.end) for c in cands)
    assert all(e1 <= s2 for (s1, e1), (s2, e2) in zip(spans, spans[1:])), spans


def test_the_newsrooms_exonym_file_reaches_the_hybrid_retriever(tmp_path):
    """``Settings.exonyms`` (CORPUSQA_EXONYMS) is added to the bundled table the hybrid
    retriever matches English questions' place names with; a bad file fails the load."""
    from dataclasses import replace

    settings = Settings(home=tmp_path, encoder="hash:32", progress=False)
    IndexBuilder(settings.index_dir, settings).build(ARTICLES)
    index = open_index(settings.index_dir, settings)
    assert "hohhot" in Assistant(settings).load(index, ARTICLES, CANONICAL).hybrid.exonyms["呼和浩特"]
    extra = tmp_path / "places.txt"
    extra.write_text("华沙\tWarsaw\n", encoding="utf-8")
    ours = Assistant(replace(settings, exonyms=extra)).load(index, ARTICLES, CANONICAL)
    assert ours.hybrid.exonyms["华沙"] == {"warsaw"} and "hohhot" in ours.hybrid.exonyms["呼和浩特"]
    extra.write_text("华沙 Warsaw\n", encoding="utf-8")
    with pytest.raises(InputError):
        Assistant(replace(settings, exonyms=extra)).load(index, ARTICLES, CANONICAL)
