"""The verify stage of ``Assistant.ask``: re-rank the best cheap candidates with the verifier.

The cheap ranking (hand features) orders every candidate sentence; the verifier scores
only its top ``AnswerModel.verify_top`` in one batch, and the answer model turns the
verifier logit plus the cheap features into a probability that ranks them and is the
answer's confidence. Candidates the verifier did not score follow, with confidence 0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Collection, Sequence

from corpusqa.answers.answer_model import AnswerModel, add_verifier_features, is_latin_question
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.verifier.inputs import CONTEXT_CHARS, candidate_text

if TYPE_CHECKING:
    import numpy as np


def previous_tail(article_text: str, start: int) -> str:
    """The text just before a sentence (the tail of the previous one), as in training."""
    return article_text[max(0, start - CONTEXT_CHARS - 8):start].rstrip()[-CONTEXT_CHARS:]


def verify(question: str, ranked: Sequence[SentenceCandidate], model: AnswerModel,
           score: Callable[[str, list[str]], Sequence[float] | np.ndarray],
           article: Callable[[str], tuple[str, str]],
           absent: Collection[str] = (),
           fold: Callable[[str], str] | None = None) -> list[SentenceCandidate]:
    """Candidates re-ranked by the answer model (best first).

    Args:
        question: the question as the verifier sees it.
        ranked: candidates in cheap order.
        model: the answer model.
        score: ``verifier.score(question, texts)``: one logit per text.
        article: ``article_id -> (title, text)``.
        absent: features the answer model must leave out (``AnswerModel.absent_features``).
        fold: applied to each candidate text before it is scored (the answer stage folds
            Traditional text to Simplified, the script the verifier was trained on and
            the question is asked in).
    """
    top = list(ranked[: model.verify_top])
    if not top:
        return list(ranked)
    texts = []
    for c in top:
        title, text = article(c.article_id)
        piece = candidate_text(c.text, title, previous_tail(text, c.start))
        texts.append(fold(piece) if fold else piece)
    logits = score(question, texts)
    latin = is_latin_question(question)
    feats = [dict(c.features, cheap_rank=i, latin=latin) for i, c in enumerate(top)]
    add_verifier_features(feats, logits)
    probs = model.probability(feats, absent)
    scored = [replace(c, features=f, score=float(p), confidence=float(p))
              for c, f, p in zip(top, feats, probs)]
    scored.sort(key=lambda c: (-c.score, c.retr_rank, c.article_id, c.start))
    rest = [replace(c, score=-1.0 + c.score * 1e-3, confidence=0.0)
            for c in ranked[model.verify_top:]]
    return scored + rest


def cited_first(hits: Sequence, best: SentenceCandidate | None, threshold: float,
                row_of: Callable[[str], int]) -> list:
    """Hits with the passage that holds the answer sentence ``best`` moved to rank 1, when
    ``best`` is answered (confidence at least ``threshold``); ranks renumbered.

    The verifier as a passage reranker, gated on its own answer (``AskConfig.rerank_passages``).
    """
    if best is None or best.confidence < threshold or "ver" not in best.features:
        return list(hits)
    at = next((i for i, h in enumerate(hits) if row_of(h.chunk_id) == best.chunk_row), None)
    if not at:  # already first, or not among the hits
        return list(hits)
    order = [hits[at], *hits[:at], *hits[at + 1:]]
    return [replace(h, rank=r) for r, h in enumerate(order, start=1)]
