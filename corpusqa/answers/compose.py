"""Compose an ``Answer`` from ranked candidate sentences: quotes, citations, passages.

Pure functions over the ranked candidates, the retrieved hits and the articles they
point into. Every quote is sliced from the stored article text, so
``citation.quote == article.text[start:end]`` holds by construction.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from corpusqa.answers.extract import SentenceCandidate
from corpusqa.models import Answer, Article, Citation, Passage, Span


def citation(c: SentenceCandidate, articles: Mapping[str, Article]) -> Citation:
    """The citation of one candidate sentence."""
    a = articles[c.article_id]
    return Citation(a.id, a.title, a.date, a.source, a.paragraph_at(c.start), c.start, c.end,
                    a.text[c.start:c.end], round(c.score, 4))


def passage(h, rank: int, articles: Mapping[str, Article]) -> Passage:
    """A retrieved chunk as shown under the answer ("related" when it abstains)."""
    a = articles[h.article_id]
    return Passage(h.article_id, h.chunk_id, h.text, round(float(h.score), 6), rank, a.title,
                   h.start, h.end, h.also_in)


def compose(question: str, rewritten: str, qtype, ranked: Sequence[SentenceCandidate], hits: Sequence,
            articles: Mapping[str, Article], threshold: float, passages_k: int) -> Answer:
    """The answer (best candidate, plus a second sentence of the same article for a
    question that asks for several things), or an abstention below ``threshold``."""
    passages = tuple(passage(h, r, articles) for r, h in enumerate(hits[:passages_k], 1))
    best = ranked[0] if ranked else None
    if best is None or best.confidence < threshold:
        return Answer(question, rewritten, None, True, best.confidence if best else 0.0,
                      None, (), passages, question_type=qtype.kind)
    chosen = [best]
    if qtype.wants_multiple:
        second = next((c for c in ranked[1:] if c.article_id == best.article_id
                       and c.confidence >= threshold
                       and (c.end <= best.start or c.start >= best.end)), None)
        if second is not None:
            chosen = sorted([best, second], key=lambda c: c.start)
    citations = tuple(citation(c, articles) for c in chosen)
    answer_text = "\n".join(c.quote for c in citations)
    highlight = None
    offset = 0
    for c, cand in zip(citations, chosen):
        if cand is best and cand.span is not None:
            s, e = cand.span
            highlight = Span(cand.text[s:e], offset + s, offset + e)
        offset += len(c.quote) + 1
    return Answer(question, rewritten, answer_text, False, best.confidence, highlight,
                  citations, passages, question_type=qtype.kind)
