"""Compose an ``Answer`` from ranked candidate sentences: quotes, citations, passages.

Pure functions over the ranked candidates, the retrieved hits and the articles they
point into. Every quote is sliced from the stored article text, so
``citation.quote == article.text[start:end]`` holds by construction.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from corpusqa.answers.extent import quote_extent
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.models import Answer, Article, Citation, Passage, Span


def citation(c: SentenceCandidate, articles: Mapping[str, Article],
             extent: tuple[int, int] | None = None) -> Citation:
    """The citation of one candidate sentence, quoting ``extent`` (default: the candidate)."""
    a = articles[c.article_id]
    start, end = extent or (c.start, c.end)
    return Citation(a.id, a.title, a.date, a.source, a.paragraph_at(start), start, end,
                    a.text[start:end], round(c.score, 4))


def passage(h, rank: int, articles: Mapping[str, Article]) -> Passage:
    """A retrieved chunk as shown under the answer ("related" when it abstains)."""
    a = articles[h.article_id]
    return Passage(h.article_id, h.chunk_id, h.text, round(float(h.score), 6), rank, a.title,
                   h.start, h.end, h.also_in)


def answers(best: SentenceCandidate | None, threshold: float, gate_threshold: float | None = None) -> bool:
    """Whether ``best`` (the first ranked candidate) is given as the answer.

    With an answer gate (``gate_threshold`` set and the candidate carrying the question's
    ``gate`` probability), the gate decides: the corpus holds an answer or not. Otherwise,
    and for a candidate moved out of the question's place scope, its own confidence must
    reach ``threshold``."""
    if best is None:
        return False
    gate = best.features.get("gate")
    if gate_threshold is not None and gate is not None and not best.features.get("scope_miss"):
        return float(gate) >= gate_threshold
    return best.confidence >= threshold


def refusal_reason(ranked: Sequence[SentenceCandidate]) -> str | None:
    """Why a refusal happened, when a rule decided it (``models.REFUSALS``): every
    candidate's article misses the question's place (``scope.demote_out_of_scope``), or
    the best-matching sentence lacked the figure or year asked for and none of the others
    was sure enough (``figures.figure_first`` moved it back). The place comes first: when
    no article found is about the place, the figure is beside the point."""
    if ranked and all(c.features.get("scope_miss") for c in ranked):
        return "other_place"
    if any(c.features.get("figure_miss") for c in ranked):
        return "no_figure"
    return None


def compose(question: str, rewritten: str, qtype, ranked: Sequence[SentenceCandidate], hits: Sequence,
            articles: Mapping[str, Article], threshold: float, passages_k: int,
            gate_threshold: float | None = None) -> Answer:
    """The answer (best candidate, plus a second sentence of the same article for a
    question that asks for several things), or an abstention (``answers``). An answer
    whose sentence is below ``threshold`` (let through by the gate) is marked ``unsure``.

    Each quote is the whole sentence around its candidate (``answers.extent``)."""
    passages = tuple(passage(h, r, articles) for r, h in enumerate(hits[:passages_k], 1))
    best = ranked[0] if ranked else None
    gate = best.features.get("gate") if best is not None and gate_threshold is not None else None
    if best is None or not answers(best, threshold, gate_threshold):
        return Answer(question, rewritten, None, True, best.confidence if best else 0.0,
                      None, (), passages, question_type=qtype.kind, answerable=gate,
                      refusal=refusal_reason(ranked))

    def extent(c: SentenceCandidate) -> tuple[int, int]:
        return quote_extent(articles[c.article_id].text, c.start, c.end, qtype.kind)

    best_extent = extent(best)
    chosen = [(best, best_extent)]
    if qtype.wants_multiple:
        for other in ranked[1:]:
            if other.article_id != best.article_id or other.confidence < threshold:
                continue
            s, e = extent(other)
            if e <= best_extent[0] or s >= best_extent[1]:  # not already quoted
                chosen = sorted([*chosen, (other, (s, e))], key=lambda x: x[1][0])
                break
    citations = tuple(citation(c, articles, ext) for c, ext in chosen)
    answer_text = "\n".join(c.quote for c in citations)
    highlight = None
    offset = 0
    for cited, (cand, (start, _)) in zip(citations, chosen):
        if cand is best and cand.span is not None:
            s, e = (x + cand.start - start for x in cand.span)
            highlight = Span(cited.quote[s:e], offset + s, offset + e)
        offset += len(cited.quote) + 1
    return Answer(question, rewritten, answer_text, False, best.confidence, highlight,
                  citations, passages, question_type=qtype.kind, answerable=gate,
                  unsure=best.confidence < threshold)
