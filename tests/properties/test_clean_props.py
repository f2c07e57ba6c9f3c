"""Properties of cleaning (``normalize_text``, ``clean_page``) and page segmentation."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpusqa.corpus.clean import HAN, clean_page, normalize_text
from corpusqa.corpus.segment import build_article, segment_page
from tests.properties import examples
from tests.properties.strategies import messy_text, page, page_with_items, paragraph

# Wider than clean.HAN on purpose: CJK extension B-F characters must survive too.
_HAN_ANY = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_NFKC_FOLDED = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def folded(s: str) -> str:
    """``s`` with the characters the cleaner NFKC-folds already folded."""
    return _NFKC_FOLDED.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s)


def han_sequence(s: str) -> str:
    return "".join(_HAN_ANY.findall(folded(s)))


def page_text(raw: str) -> str:
    """A page after cleaning: its blocks, one per paragraph."""
    return "\n\n".join(b.text for b in clean_page(raw))


# --- normalize_text ------------------------------------------------------------------

@settings(max_examples=examples(200))
@given(messy_text())
@example("::⼀")  # was ":：一", then "：：一" on a second pass
@example("):⼀")  # was ")：一", then "）：一"
def test_normalize_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once


@settings(max_examples=examples(200))
@given(messy_text())
def test_normalize_keeps_every_chinese_character_and_digit_in_order(s):
    out = normalize_text(s)
    assert han_sequence(out) == han_sequence(s)
    digits = str.maketrans("０１２３４５６７８９", "0123456789")
    assert re.sub("[^0-9]", "", out) == re.sub("[^0-9]", "", s.translate(digits))


@settings(max_examples=examples(200))
@given(messy_text())
def test_normalize_applies_its_documented_rules(s):
    out = normalize_text(s)
    assert not re.search("[\n\r\t\u3000\xa0\u200b-\u200d\ufeff\u2060]", out)
    assert "  " not in out and out == out.strip(" ")
    assert not re.search("[０-９Ａ-Ｚａ-ｚ\u2f00-\u2fdf]", out)
    assert not re.search(f"[{HAN}] (?=[0-9])|[0-9%‰] (?=[{HAN}])", out), "space kept next to a number"
    assert not re.search(f"[{HAN}][,:;?!]|[,:;?!][{HAN}]", out), "ASCII punctuation next to Chinese"


# --- clean_page ------------------------------------------------------------------------

@settings(max_examples=examples(150))
@given(page())
def test_clean_page_is_idempotent(raw):
    once = page_text(raw)
    assert page_text(once) == once


@settings(max_examples=examples(150))
@given(page())
def test_clean_page_blocks_are_normalised_and_keep_every_chinese_character(raw):
    blocks = clean_page(raw)
    for b in blocks:
        assert normalize_text(b.text) == b.text
        assert "\n" not in b.text
    assert han_sequence("".join(b.text for b in blocks)) == han_sequence(raw)


@settings(max_examples=examples(100))
@given(st.lists(paragraph(), min_size=1, max_size=6), st.integers(10, 40))
def test_hard_wrapped_paragraph_is_rejoined_without_losing_text(paras, width):
    """A column page (a newline every ``width`` characters) rejoins into its paragraphs'
    text: nothing is lost at the line breaks, nothing is inserted between Chinese lines."""
    text = "".join(normalize_text(p) for p in paras)
    raw = "\n".join(text[i:i + width] for i in range(0, len(text), width))
    joined = "".join(b.text for b in clean_page(raw))
    assert han_sequence(joined) == han_sequence(text)


# --- segmentation -------------------------------------------------------------------

@settings(max_examples=examples(120))
@given(page())
@example("■上接第1版\n\n与⼀。")  # was an article with an empty body, or an IndexError
@example("\u200b\n\n中文，")  # a zero-width-only line: was an IndexError
@example("## 党建党建 党建党建\n\n## 党建党建 党建党建")  # was the title twice as the body
def test_segmented_articles_are_well_formed(raw):
    """Paragraph offsets slice ``article.text`` in order, one newline apart, never empty
    and never overlapping; every article has a body; no paragraph (>= 8 chars) is
    printed twice on a page."""
    seen: set[str] = set()
    for i, d in enumerate(segment_page(raw, "p.txt")):
        a = build_article(d, "p.txt", i)
        assert a.text and a.paragraphs, "an article without a body"
        assert [p.index for p in a.paragraphs] == list(range(len(a.paragraphs)))
        assert a.paragraphs[0].start == 0 and a.paragraphs[-1].end == len(a.text)
        for p, nxt in zip(a.paragraphs, a.paragraphs[1:]):
            assert p.end < nxt.start and a.text[p.end:nxt.start] == "\n"
        for p, expected in zip(a.paragraphs, d.paragraphs, strict=True):
            body = a.text[p.start:p.end]
            assert body == expected and body == body.strip() and "\n" not in body
            assert a.paragraph_at(p.start) == p.index
            if len(body) >= 8:
                assert body not in seen, f"repeated paragraph: {body}"
                seen.add(body)


@settings(max_examples=examples(120))
@given(page_with_items())
def test_segmentation_loses_no_chinese_text_of_a_prose_paragraph(page_items):
    """Every Chinese run of a printed line of a prose paragraph (one with a ， and a 。)
    survives in the articles (body, title, byline, section, page marker, furniture or
    kickers). A repeated paragraph is dropped but its first copy stays. Not checked:
    titles and bylines with no body after them (every article has a body, so they may
    vanish), and comma-less lines glued to an editor line (``党建工作。\n责任编辑：张三``
    is one block, and an editor block is furniture by rule)."""
    raw, items = page_items
    kept = []
    for d in segment_page(raw, "p.txt"):
        kept += [d.title, *d.paragraphs, d.byline or "", d.section or "", d.page or "", *d.furniture]
        kept += [v for v in d.extra.values() if isinstance(v, str)] + d.extra.get("kickers", [])
    kept_text = "\x00".join(kept)
    prose = [normalize_text(line) for kind, lines in items if kind == "paragraph"
             and re.search("，.*。", "".join(lines)) for line in lines]
    lost = [run for line in prose for run in _HAN_ANY.findall(line) if run not in kept_text]
    assert not lost
