"""Properties of ``Chunker``: offsets, coverage, size and overlap bounds, sentence spans."""

from __future__ import annotations

import re
from functools import lru_cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpusqa.index.chunking import Chunker
from corpusqa.index.sentences import split_sentences
from corpusqa.models import Article, Paragraph
from tests.properties import examples
from tests.properties.strategies import article_paragraphs, messy_text

_SPACE = " \t\r\n\u3000\xa0"


def make_article(paragraphs: list[str]) -> Article:
    """An article as the corpus stores it: paragraphs joined by newlines."""
    spans, pos = [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    return Article(id="a", source="t.txt", position=0, title="标题", text="\n".join(paragraphs),
                   paragraphs=tuple(spans))


@lru_cache(maxsize=None)
def chunker(size: int, overlap: int) -> Chunker:
    return Chunker(size, overlap)


@st.composite
def chunk_settings(draw) -> tuple[int, int]:
    size = draw(st.sampled_from([50, 51, 64, 100, 250]))
    overlap = draw(st.sampled_from([0, 1, 10, 20, size // 2 - 1]))
    return size, overlap


# Repetitive text (the same clause again and again, as in tables and lists) is where
# locating a piece of text in its article could pick the wrong occurrence.
_REPEATED = st.lists(st.sampled_from(["一一", "一", "一。", "二，", "一、", "\n", "。", "！”", " "]),
                     min_size=1, max_size=200).map("".join)
articles = st.one_of(
    article_paragraphs().map(make_article),
    article_paragraphs(noise=True).map(make_article),
    _REPEATED.map(lambda t: make_article(t.split("\n"))),
)


def _check(article: Article, size: int, overlap: int) -> None:
    text = article.text
    chunks = chunker(size, overlap).chunk(article)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert text[c.start:c.end] == c.text and c.text
        assert c.text[0] not in _SPACE and c.text[-1] not in _SPACE
        assert len(c.text) <= size, f"chunk of {len(c.text)} > {size}"
        prev_end = c.start
        for s, e in c.sentences:
            assert prev_end <= s < e <= c.end, (c.start, c.end, c.sentences)
            assert text[s:e].strip() and "\n" not in text[s:e]
            prev_end = e
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end, "chunks out of reading order"
        assert a.end - b.start <= overlap, f"overlap {a.end - b.start} > {overlap}"
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    missing = [i for i, ch in enumerate(text) if ch not in _SPACE and i not in covered]
    assert not missing, f"characters in no chunk: {[text[i] for i in missing]}"
    assert sum(len(c.text) for c in chunks) <= len(text) + max(0, len(chunks) - 1) * overlap


@settings(max_examples=examples(200))
@given(articles, chunk_settings())
@example(make_article(["党建党建。", "党建党建党建学习教育党建。党建党建旗。，党建兴安盟。党建党建党建党建在。"
                       "一一个党建党建党建服务中心。", "党建党建。"]), (50, 20))  # was a chunk inside the previous
def test_chunks_slice_cover_and_respect_size_and_overlap(article, size_overlap):
    _check(article, *size_overlap)


@settings(max_examples=examples(100))
@given(st.text(max_size=600), chunk_settings())
def test_chunking_any_text(text, size_overlap):
    """Even text no cleaner produced (control characters, lone surrogates excluded by
    hypothesis, CR, tabs) is chunked with exact offsets."""
    _check(make_article([text]), *size_overlap)


@settings(max_examples=examples(150))
@given(articles, chunk_settings())
def test_sentences_fit_in_one_chunk_unless_too_long(article, size_overlap):
    """A sentence shorter than ``chunk_size`` lies whole inside some chunk; each chunk's
    sentence spans are the article's sentences clipped to the chunk."""
    size, overlap = size_overlap
    text = article.text
    chunks = chunker(size, overlap).chunk(article)
    sentences = split_sentences(text)
    for s, e in sentences:
        if e - s <= size:
            assert any(c.start <= s and e <= c.end for c in chunks), f"sentence cut: {text[s:e]!r}"
    for c in chunks:
        expected = [(max(s, c.start), min(e, c.end)) for s, e in sentences if s < c.end and e > c.start]
        assert list(c.sentences) == expected


@settings(max_examples=examples(200))
@given(st.one_of(messy_text(), articles.map(lambda a: a.text)))
def test_sentence_spans_tile_the_words_of_the_text(text):
    """Sentence spans are in order, disjoint, trimmed, never cross a newline, and every
    letter, digit or Chinese character of the text lies in exactly one of them."""
    spans = split_sentences(text)
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e
        piece = text[s:e]
        assert "\n" not in piece and piece == piece.strip(" \t\r\u3000\xa0") and re.search(r"\w", piece)
        prev_end = e
    inside = set()
    for s, e in spans:
        inside.update(range(s, e))
    assert not [i for i, ch in enumerate(text) if re.match(r"\w", ch) and i not in inside]
