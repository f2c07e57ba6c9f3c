"""HTML for the web chat, built by pure functions from records.

Every piece of corpus text, question or file name goes through ``esc`` before it
reaches the page, so an article containing ``<script>`` shows as text. Class
names and ``data-testid`` attributes are stable: the browser test relies on them.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

from corpusqa.i18n import t
from corpusqa.models import Answer, Article, Citation
from corpusqa.ui.session import Turn

CONTEXT_PARAGRAPHS = 2      # paragraphs shown before and after a cited one
RELATED_SNIPPET_CHARS = 160

_Span = tuple[int, int, str]  # start, end, css class


def esc(text: Any) -> str:
    """HTML-escape text for element content and quoted attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def mark(text: str, spans: Sequence[_Span]) -> str:
    """Escape ``text`` and wrap each span in ``<mark class=...>``.

    Spans must be disjoint or nested; an inner span sticking out of its outer
    one is clipped to it. Out-of-range offsets are clipped to the text.
    """
    spans = sorted(((max(0, s), min(len(text), e), c) for s, e, c in spans if e > s),
                   key=lambda x: (x[0], -x[1]))
    out, pos, i = [], 0, 0
    while i < len(spans):
        s, e, cls = spans[i]
        if s < pos or e <= s:
            i += 1
            continue
        inner, j = [], i + 1
        while j < len(spans) and spans[j][0] < e:
            inner.append((spans[j][0] - s, min(spans[j][1], e) - s, spans[j][2]))
            j += 1
        out.append(esc(text[pos:s]))
        out.append(f'<mark class="{esc(cls)}">{mark(text[s:e], inner)}</mark>')
        pos, i = e, j
    out.append(esc(text[pos:]))
    return "".join(out)


# -- one answer ---------------------------------------------------------------

def answer_lines(answer: Answer) -> list[tuple[str, int]]:
    """The answer split into one (text, offset-in-answer) per citation.

    Falls back to the whole answer as one line when the citations' quotes do not
    join to the answer text.
    """
    text = answer.answer or ""
    quotes = [c.quote for c in answer.citations]
    if not quotes or "\n".join(quotes) != text:
        return [(text, 0)]
    lines, offset = [], 0
    for q in quotes:
        lines.append((q, offset))
        offset += len(q) + 1
    return lines


def figure_in_citation(answer: Answer, index: int) -> tuple[int, int] | None:
    """The highlight's offsets inside citation ``index``'s quote, if it lies there."""
    h = answer.highlight
    lines = answer_lines(answer)
    if h is None or len(lines) != len(answer.citations) or index >= len(lines):
        return None
    text, offset = lines[index]
    if offset <= h.start and h.end <= offset + len(text):
        return h.start - offset, h.end - offset
    return None


def render_answer_text(answer: Answer, turn: int) -> str:
    """The verbatim sentence(s), figure highlighted, each with its citation marker."""
    lines = answer_lines(answer)
    h = answer.highlight
    parts = []
    for k, (text, offset) in enumerate(lines):
        spans = []
        if h is not None and offset <= h.start < offset + len(text):
            spans.append((h.start - offset, h.end - offset, "cqa-highlight"))
        if len(lines) == len(answer.citations):
            markers = [k + 1]
        else:
            markers = list(range(1, len(answer.citations) + 1))
        refs = "".join(
            f'<sup class="cqa-marker" data-testid="cqa-marker"><a href="#cqa-t{turn}-c{m}">[{m}]</a></sup>'
            for m in markers)
        parts.append(f'<p class="cqa-answer-line">{mark(text, spans)}{refs}</p>')
    return "".join(parts)


def _paragraph_bounds(article: Article, citation: Citation) -> tuple[int, int, int]:
    """(paragraph index, start, end) of the paragraph holding the citation."""
    for p in article.paragraphs:
        if p.start <= citation.start < p.end or (p.start <= citation.start and citation.end <= p.end):
            return p.index, p.start, p.end
    return -1, citation.start, citation.end


def _cited_paragraph(article: Article, citation: Citation, figure: tuple[int, int] | None) -> str:
    _, ps, pe = _paragraph_bounds(article, citation)
    text = article.text[ps:pe]
    spans = [(citation.start - ps, citation.end - ps, "cqa-cited")]
    if figure is not None:
        spans.append((citation.start - ps + figure[0], citation.start - ps + figure[1], "cqa-highlight"))
    return mark(text, spans)


def render_context(article: Article, citation: Citation, figure: tuple[int, int] | None,
                   language: str, radius: int = CONTEXT_PARAGRAPHS) -> str:
    """A collapsed block with the paragraphs around the cited one."""
    idx, _, _ = _paragraph_bounds(article, citation)
    paras = list(article.paragraphs)
    pos = next((i for i, p in enumerate(paras) if p.index == idx), None)
    if pos is None:
        body = f"<p>{_cited_paragraph(article, citation, figure)}</p>"
    else:
        lo, hi = max(0, pos - radius), min(len(paras), pos + radius + 1)
        rows = ["<p class=\"cqa-more\">…</p>"] if lo > 0 else []
        for p in paras[lo:hi]:
            if p.index == idx:
                rows.append(f'<p class="cqa-context-cited">{_cited_paragraph(article, citation, figure)}</p>')
            else:
                rows.append(f"<p>{esc(article.text[p.start:p.end])}</p>")
        if hi < len(paras):
            rows.append("<p class=\"cqa-more\">…</p>")
        body = "".join(rows)
    return (f'<details class="cqa-context" data-testid="cqa-context"><summary>{esc(t("ui.context", language))}'
            f"</summary>{body}</details>")


def render_citation(citation: Citation, number: int, turn: int, article: Article | None,
                    figure: tuple[int, int] | None, language: str) -> str:
    """One entry of the sources panel: metadata, the passage, expandable context."""
    date = citation.date or t("ui.no_date", language)
    meta = [f'<span class="cqa-date">{esc(date)}</span>',
            f'<span class="cqa-source">{esc(citation.source)}</span>']
    if citation.paragraph is not None:
        meta.append(f'<span class="cqa-paragraph">{esc(t("ui.paragraph", language, n=citation.paragraph + 1))}'
                    "</span>")
    if article is not None:
        passage = _cited_paragraph(article, citation, figure)
        context = render_context(article, citation, figure, language)
    else:
        spans = [(0, len(citation.quote), "cqa-cited")]
        if figure is not None:
            spans.append((figure[0], figure[1], "cqa-highlight"))
        passage, context = mark(citation.quote, spans), ""
    return (f'<div class="cqa-citation" id="cqa-t{turn}-c{number}" data-testid="cqa-citation" '
            f'data-doc-id="{esc(citation.doc_id)}">'
            f'<div class="cqa-citation-head"><span class="cqa-num">[{number}]</span> '
            f'<span class="cqa-title">《{esc(citation.title)}》</span> '
            f'<span class="cqa-meta">{" · ".join(meta)}</span></div>'
            f'<div class="cqa-passage">{passage}</div>{context}</div>')


def render_sources(answer: Answer, turn: int, articles: Mapping[str, Article], language: str) -> str:
    """The sources panel of an answer: one entry per citation, numbered like the markers."""
    items = [render_citation(c, i + 1, turn, articles.get(c.doc_id), figure_in_citation(answer, i), language)
             for i, c in enumerate(answer.citations)]
    return (f'<div class="cqa-sources" data-testid="cqa-sources"><div class="cqa-sources-title">'
            f'{esc(t("ui.sources", language))}</div>{"".join(items)}</div>')


def render_abstention(answer: Answer, language: str) -> str:
    """A plain 'not in the corpus' plus related passages, labelled as not answering."""
    items = []
    for p in answer.passages:
        snippet = " ".join(p.text.split())
        if len(snippet) > RELATED_SNIPPET_CHARS:
            snippet = snippet[:RELATED_SNIPPET_CHARS] + "…"
        items.append(f'<li class="cqa-related-item" data-doc-id="{esc(p.doc_id)}">'
                     f'<span class="cqa-title">《{esc(p.title)}》</span> {esc(snippet)}</li>')
    related = ""
    if items:
        related = (f'<div class="cqa-related" data-testid="cqa-related"><div class="cqa-related-title">'
                   f'{esc(t("ui.related", language))}</div><ul>{"".join(items)}</ul></div>')
    why = ""
    if answer.refusal:
        why = (f'<div class="cqa-refusal" data-testid="cqa-refusal">'
               f'{esc(t(f"answers.refusal.{answer.refusal}", language))}</div>')
    return f'<div class="cqa-abstain" data-testid="cqa-abstain">{esc(t("ui.abstain", language))}</div>{why}{related}'


def render_feedback(turn: int, vote: str | None, language: str) -> str:
    """👍/👎 buttons; the chosen one is marked pressed (the page script marks it at once)."""
    buttons = []
    for value, icon in (("up", "👍"), ("down", "👎")):
        pressed = "true" if vote == value else "false"
        label = esc(t(f"ui.feedback.{value}", language))
        buttons.append(f'<button type="button" class="cqa-vote" data-testid="cqa-vote-{value}" '
                       f'data-vote="{value}" data-turn="{turn}" aria-pressed="{pressed}" title="{label}" '
                       f'aria-label="{label}">{icon} <span class="cqa-vote-label">{label}</span></button>')
    hidden = "" if vote else " hidden"
    thanks = f'<span class="cqa-thanks"{hidden}>{esc(t("ui.feedback.thanks", language))}</span>'
    return f'<div class="cqa-feedback">{"".join(buttons)}{thanks}</div>'


def render_turn(turn: Turn, index: int, language: str) -> str:
    """One question with its answer, abstention, error or pending state."""
    q = (f'<div class="cqa-question" data-testid="cqa-question"><span class="cqa-q-label">'
         f'{esc(t("ui.you", language))}</span> {esc(turn.question)}</div>')
    if turn.pending:
        body, state = f'<div class="cqa-pending">{esc(t("ui.thinking", language))}</div>', "pending"
    elif turn.error is not None:
        body = (f'<div class="cqa-error" data-testid="cqa-error">{esc(t("ui.error", language))}: '
                f"{esc(turn.error)}</div>")
        state = "error"
    else:
        a = turn.answer
        assert a is not None  # not pending and no error: answered
        body = ""
        if a.rewritten_question and a.rewritten_question != a.question:
            body += (f'<div class="cqa-rewritten" data-testid="cqa-rewritten">{esc(t("ui.rewritten", language))}'
                     f'：<span class="cqa-rewritten-text">{esc(a.rewritten_question)}</span></div>')
        if a.abstained or not a.answer:
            body += render_abstention(a, language)
            state = "abstained"
        else:
            body += (f'<div class="cqa-answer" data-testid="cqa-answer">{render_answer_text(a, index)}</div>'
                     + render_sources(a, index, turn.articles, language))
            state = "answered"
        meta = [f'{esc(t("ui.confidence", language))} {a.confidence:.2f}']
        if a.unsure and not a.abstained:
            meta.append(f'<span class="cqa-unsure" data-testid="cqa-unsure">{esc(t("answers.unsure", language))}</span>')
        if turn.elapsed_ms is not None:
            meta.append(esc(t("ui.elapsed", language, ms=f"{turn.elapsed_ms:.0f}")))
        body += f'<div class="cqa-info">{" · ".join(meta)}</div>' + render_feedback(index, turn.vote, language)
    return (f'<div class="cqa-turn" data-testid="cqa-turn" data-turn="{index}" data-state="{state}">'
            f"{q}{body}</div>")


def render_transcript(turns: Sequence[Turn], language: str) -> str:
    """The whole conversation of one session (newest last)."""
    if not turns:
        inner = f'<div class="cqa-empty">{esc(t("ui.empty_chat", language))}</div>'
    else:
        inner = "".join(render_turn(turn, i, language) for i, turn in enumerate(turns))
    return f'<div class="cqa-transcript" data-testid="cqa-transcript" data-turns="{len(turns)}">{inner}</div>'
