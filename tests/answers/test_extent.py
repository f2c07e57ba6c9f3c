"""The quote around a chosen candidate: its whole sentence, and a consequence's cause."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpusqa.answers.compose import compose
from corpusqa.answers.extent import WHOLE_SENTENCE_MAX, quote_extent, whole_sentence
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.invariants import check_answer
from corpusqa.answers.qtype import classify
from corpusqa.index.sentences import split_sentences
from corpusqa.models import Article, Paragraph


def _span(text: str, piece: str) -> tuple[int, int]:
    s = text.index(piece)
    return s, s + len(piece)


def _quote(text: str, piece: str, kind: str | None = None) -> str:
    s, e = quote_extent(text, *_span(text, piece), kind)
    return text[s:e]


def test_semicolon_clauses_rejoin_their_sentence():
    text = "前文。对毛利人而言，此树的用途广泛；木材可制成矛；心材可作颜料。后文。"
    assert _quote(text, "木材可制成矛；") == "对毛利人而言，此树的用途广泛；木材可制成矛；心材可作颜料。"


def test_a_piece_cut_at_a_chunk_edge_gets_its_end_back():
    text = "一部直接渡河，一部由福留仪重率军迂回至北方，后来一条军溃败。此战后。"
    assert _quote(text, "一部直接渡河，一部由福留仪重率军迂回至") == "一部直接渡河，一部由福留仪重率军迂回至北方，后来一条军溃败。"


def test_closing_quotes_stay_with_their_sentence_and_paragraphs_bound_it():
    text = "他说：“好。”然后走了\n新段落。"
    assert _quote(text, "然后") == "然后走了"
    assert whole_sentence(text, 0, 3) == (0, len("他说：“好。”"))


def test_an_over_long_sentence_keeps_the_candidate():
    clause = "全区建成一站式党群服务中心14542个；"
    text = clause + "其他内容，" * (WHOLE_SENTENCE_MAX // 5) + "完。"
    assert _quote(text, clause) == clause


def test_a_consequence_brings_its_cause_for_why_questions_only():
    text = "开头。钙含量比菠菜高50％以上。因此它有时也被称为笨蛋水果。下一句。"
    assert _quote(text, "因此它有时也被称为笨蛋水果。", "why") == "钙含量比菠菜高50％以上。因此它有时也被称为笨蛋水果。"
    assert _quote(text, "因此它有时也被称为笨蛋水果。", "what") == "因此它有时也被称为笨蛋水果。"
    first_in_paragraph = "上段。\n因此它被称为笨蛋水果。"
    assert _quote(first_in_paragraph, "因此它被称为笨蛋水果。", "why") == "因此它被称为笨蛋水果。"


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("甲乙丙丁12。；，！？\n“”"), min_size=1, max_size=80), st.data())
def test_the_quote_holds_the_candidate_within_one_paragraph(text, data):
    spans = split_sentences(text)
    if not spans:
        return
    start, end = data.draw(st.sampled_from(spans))
    for kind in (None, "why"):
        s, e = quote_extent(text, start, end, kind)
        assert s <= start < end <= e
        assert "\n" not in text[s:e]


def test_compose_quotes_the_whole_sentence_and_moves_the_highlight():
    text = "标题行。全区建成一站式党群服务中心；其中新建14542个，覆盖率98.9%。"
    article = Article("a1", "s.txt", 0, "题", text, (Paragraph(0, 0, len(text)),))
    s, e = _span(text, "其中新建14542个，覆盖率98.9%。")
    span = (4, 10)  # 14542个, relative to the candidate
    cand = SentenceCandidate("a1", 0, s, e, text[s:e], 1, score=0.9, confidence=0.9, span=span)
    answer = compose("新建了多少个？", "新建了多少个？", classify("新建了多少个？"), [cand], [],
                     {"a1": article}, 0.5, 5)
    assert answer.answer == "全区建成一站式党群服务中心；其中新建14542个，覆盖率98.9%。"
    assert answer.highlight is not None and answer.highlight.text == "14542个"
    assert answer.citations[0].start == text.index("全区")
    check_answer(answer, {"a1": article})
