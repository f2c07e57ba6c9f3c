"""Properties of answer extraction: numbers, typed spans, and the cited answers of ``Assistant``."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from corpusqa.answers.numbers import find_quantities, parse_cn_integer, parse_number
from corpusqa.answers.qtype import classify
from corpusqa.answers.spans import best_span, candidate_spans
from corpusqa.errors import InputError
from corpusqa.models import Article, Paragraph
from tests.properties import examples
from tests.properties.strategies import FULLWIDTH_DIGITS, WORDS, han, messy_text, sentence

QUESTIONS = [
    "全区建成了多少个党群服务中心？", "去年投资了多少亿元？", "覆盖率是百分之几？", "比例达到多少？",
    "工程什么时候开工？", "哪一年成立的？", "工期多长时间？", "用了几个月？", "谁担任书记？",
    "大会在哪里举办？", "哪个部门负责？", "有哪些措施？", "为什么要保护草原？", "如何推进改革？",
    "是否已经完成？", "第几批？", "How many service centres were built?", "什么",
]
questions = st.one_of(st.sampled_from(QUESTIONS),
                      st.builds(lambda a, q: a + q, han, st.sampled_from(QUESTIONS)))
_FW = str.maketrans("0123456789", FULLWIDTH_DIGITS)


def to_chinese(n: int) -> str:
    """``n`` (0 <= n < 10**12) written in Chinese numerals: 10005 -> 一万零五."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def four(x: int) -> str:
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // value % 10
            if d:
                out += ("零" if zero and out else "") + digits[d] + unit
                zero = False
            else:
                zero = True
        return out

    out = ""
    for value, unit in ((10**8, "亿"), (10**4, "万"), (1, "")):
        part = n // value % 10**4
        if part:
            if out and part < 1000:
                out += "零"
            out += four(part) + unit
    return out


# --- numbers -------------------------------------------------------------------------

@settings(max_examples=examples(200))
@given(st.integers(0, 10**12 - 1))
def test_chinese_numerals_round_trip(n):
    assert parse_cn_integer(to_chinese(n)) == n


@settings(max_examples=examples(200))
@given(st.integers(0, 10**9), st.booleans(), st.booleans(),
       st.sampled_from([("", 1), ("万", 1e4), ("亿", 1e8), ("%", 0.01)]))
def test_arabic_numbers_parse_in_any_width_and_grouping(n, grouped, full_width, magnitude):
    suffix, factor = magnitude
    text = (f"{n:,}" if grouped else str(n)) + suffix
    if full_width:
        text = text.translate(_FW)
    assert parse_number(text) == pytest.approx(n * factor)


@settings(max_examples=examples(300))
@given(messy_text())
def test_quantities_are_exact_slices_in_order(text):
    found = find_quantities(text)
    for q in found:
        assert q.text and text[q.start:q.end] == q.text
        assert math.isfinite(q.value)
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start, "overlapping quantities"


@settings(max_examples=examples(200))
@given(st.one_of(sentence(), messy_text()))
def test_full_width_digits_are_read_like_ascii_digits_at_the_same_offsets(text):
    """``１４５４２个`` is found where ``14542个`` would be, with the same value."""
    half = text.translate(str.maketrans("０１２３４５６７８９．％", "0123456789.%"))
    full = half.translate(str.maketrans("0123456789.%", "０１２３４５６７８９．％"))

    def key(q):
        return q.start, q.end, q.value, q.unit.translate(str.maketrans("％", "%")), q.kind

    assert [key(q) for q in find_quantities(full)] == [key(q) for q in find_quantities(half)]


UNITS = [("个", "个", 1), ("名", "名", 1), ("万人", "人", 1e4), ("亿元", "元", 1e8),
         ("%", "%", 0.01), ("个百分点", "个百分点", 1), ("公里", "公里", 1), ("户", "户", 1)]


@st.composite
def number_in_sentence(draw):
    """(sentence, start, end, value, unit): one number with a unit inside Chinese words."""
    form = draw(st.sampled_from(["int", "grouped", "decimal", "chinese"]))
    n = draw(st.integers(1, 10**6))
    if form == "int":
        num, value = str(n), n
    elif form == "grouped":
        num, value = f"{n:,}", n
    elif form == "decimal":
        frac = draw(st.integers(1, 9))
        num, value = f"{n % 1000}.{frac}", n % 1000 + frac / 10
    written, unit, factor = draw(st.sampled_from(UNITS))
    if form == "chinese":  # 三千万人, not 一万零一万人
        n = n % 9999 + 1 if factor >= 1e4 else n
        num, value = to_chinese(n), n
    if form != "chinese" and draw(st.booleans()):
        num = num.translate(_FW)
    before = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join))
    after = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=3).map("".join))
    end_mark = draw(st.sampled_from(["。", "，", "", "！"]))
    s = before + num + written + end_mark + after
    return s, len(before), len(before) + len(num) + len(written), value * factor, unit


@settings(max_examples=examples(300))
@given(number_in_sentence())
@example(("四万万人民", 0, 4, 4e8, "人"))  # an older way to write 4亿
@example(("党建一万万人。", 2, 6, 1e8, "人"))
def test_a_number_in_a_sentence_is_found_with_its_value(case):
    """``建成１４，５４２个`` -> the quantity ``１４，５４２个`` sliced verbatim, value 14542."""
    s, start, end, value, unit = case
    q = next((q for q in find_quantities(s) if q.start == start), None)
    assert q is not None, f"no quantity at {start} in {s!r}: {find_quantities(s)}"
    assert (q.end, q.text, q.unit) == (end, s[start:end], unit)
    assert q.value == pytest.approx(value)


# --- typed spans ---------------------------------------------------------------------

@settings(max_examples=examples(200))
@given(st.one_of(sentence(), messy_text()), questions)
def test_candidate_spans_and_best_span_are_slices_of_the_sentence(s, question):
    qtype = classify(question)
    cands = candidate_spans(s, qtype)
    for c in cands:
        assert c.text and s[c.start:c.end] == c.text
    best = best_span(s, qtype, question)
    if best is not None:
        assert best.text and s[best.start:best.end] == best.text


@settings(max_examples=examples(200))
@given(number_in_sentence())
def test_the_only_number_asked_for_is_highlighted_verbatim(case):
    s, start, end, _, unit = case
    assume(unit not in ("%", "个百分点"))
    question = f"一共有多少{unit}？"
    best = best_span(s, classify(question), question)
    assert best is not None and (best.start, best.end) == (start, end)
    assert s[best.start:best.end] == best.text


# --- the whole answer path -------------------------------------------------------------

def _make_article(aid: str, paragraphs: list[str], title: str) -> Article:
    spans, pos = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    return Article(id=aid, source=f"{aid}.txt", position=0, title=title, text="\n".join(paragraphs),
                   paragraphs=tuple(spans))


def _corpus(seed: int, n_articles: int = 6) -> tuple[list[Article], list[str]]:
    """Deterministic small corpus of fact sentences and filler, and questions about it."""
    rng = random.Random(seed)
    articles, asked = [], []
    for a in range(n_articles):
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sents = []
            for _ in range(rng.randint(1, 5)):
                place, thing = rng.choice(WORDS[:40]), rng.choice(WORDS[:40])
                n = rng.randint(2, 90000)
                num = str(n) if rng.random() < 0.7 else str(n).translate(_FW)
                unit = rng.choice(["个", "名", "万元", "户", "%"])
                sents.append(f"{place}建成{thing}{num}{unit}，{rng.choice(WORDS)}{rng.choice(WORDS)}。")
                asked.append(f"{place}建成了多少{unit.lstrip('万')}{thing}？")
            paragraphs.append("".join(sents))
        articles.append(_make_article(f"art{a}", paragraphs, rng.choice(WORDS) + rng.choice(WORDS)))
    return articles, asked


def _assistant(tmp_path, articles: list[Article]):
    from corpusqa.answers.assistant import AskConfig, Assistant
    from corpusqa.index.builder import IndexBuilder
    from corpusqa.index.store import open_index
    from corpusqa.settings import Settings

    s = Settings(home=tmp_path, encoder="hash:64", progress=False)
    IndexBuilder(s.index_dir, s).build(articles)
    # threshold 0: always answer, so every example exercises citations and highlights
    return Assistant(s, AskConfig(threshold=0.0)).load(open_index(s.index_dir, s), articles, {})


def _check_answer(assistant, question: str) -> None:
    try:
        ans = assistant.ask(question)
    except InputError:
        assert not any(ch.isalnum() for ch in question) or len(question.strip()) > 500
        return
    arts = assistant.articles
    assert 0.0 <= ans.confidence <= 1.0
    for p in ans.passages:
        assert arts[p.doc_id].text[p.start:p.end] == p.text
    if ans.abstained:
        return
    assert ans.answer == "\n".join(c.quote for c in ans.citations)
    for c in ans.citations:
        article = arts[c.doc_id]
        assert article.text[c.start:c.end] == c.quote and c.quote.strip()
        para = article.paragraphs[c.paragraph]
        assert para.start <= c.start and c.end <= para.end, "citation outside its paragraph"
    if ans.highlight is not None:
        h = ans.highlight
        assert ans.answer[h.start:h.end] == h.text
        offset = 0
        for c in ans.citations:  # the highlight lies inside one quote, at the same place
            if offset <= h.start and h.end <= offset + len(c.quote):
                rel = h.start - offset
                assert arts[c.doc_id].text[c.start + rel:c.start + rel + len(h.text)] == h.text
                break
            offset += len(c.quote) + 1
        else:
            pytest.fail(f"highlight {h} spans two quotes")


@pytest.fixture(scope="module")
def corpus_assistant(tmp_path_factory, shared_jieba):
    articles, asked = _corpus(seed=8)
    return _assistant(tmp_path_factory.mktemp("props-asst"), articles), asked


@settings(max_examples=examples(60))
@given(st.data())
def test_answers_cite_verbatim_slices(corpus_assistant, data):
    """Any question, answered from the corpus: citations slice their article, sit in the
    paragraph they name, the highlight slices the answer and its quote, passages slice."""
    assistant, asked = corpus_assistant
    question = data.draw(st.one_of(st.sampled_from(asked), questions, messy_text()))
    _check_answer(assistant, question)


@settings(max_examples=examples(8))
@given(st.lists(st.lists(sentence(), min_size=1, max_size=4).map("".join), min_size=1, max_size=5),
       st.lists(questions, min_size=1, max_size=4))
def test_answers_from_a_generated_corpus_cite_verbatim_slices(tmp_path_factory, shared_jieba,
                                                              paragraphs, qs):
    """The same with a messy generated article (cleaned as ingest cleans it)."""
    from corpusqa.corpus.clean import normalize_text

    paras = [p for p in (normalize_text(p) for p in paragraphs) if p]
    assume(paras)
    assistant = _assistant(tmp_path_factory.mktemp("gen"), [_make_article("g", paras, "标题")])
    for q in qs:
        _check_answer(assistant, q)
