"""The passage rerank stage: a cross-encoder over ``title ｜ chunk`` reorders the fused head.

Trained from the verifier (``corpusqa train data --level passage``, then ``corpusqa train
answer-model --init bundled``): the gold passage's chunk that holds the answer against
the best-matching chunks of other articles. It reorders only what retrieval was unsure
of: when the lexical anchor fixed the first hit (a clear BM25 winner, right for 99% of
the questions of every set measured) the fused order stands; otherwise the first
``depth`` hits are sorted by the passage score less ``prior`` times the log of their
fused rank, so that a near tie keeps the fused order (docs/retrieval.md "Passage rerank").

A hit is one chunk per story, and not always the chunk that answers: the model reads the
hit's article's chunk that shares the most question bigrams (interrogative words left
out), much as its training negatives were chosen (those counted the question words too).
On the bundled gold set the shown chunk gained nothing, the best one a question (docs/retrieval.md).

Reranked hits keep their fused scores (the order, not the score, is the stage's output).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from corpusqa.answers.verifier.data import QUESTION_WORDS, bigrams, passage_chunks
from corpusqa.answers.verifier.inputs import passage_text
from corpusqa.models import Hit

#: Fused hits the stage reorders (chosen by measurement: docs/retrieval.md "Passage rerank").
RERANK_DEPTH = 5
#: Weight of -log(fused rank) added to the passage logit.
RANK_PRIOR = 1.0


def rerank_order(scores: Sequence[float], depth: int = RERANK_DEPTH,
                 prior: float = RANK_PRIOR) -> list[int]:
    """Indices of the hits in their new order: the first ``depth`` by ``score - prior *
    log(rank)`` (stable on ties), the rest as fused."""
    head = max(0, min(depth, len(scores)))
    order = sorted(range(head), key=lambda i: (-(float(scores[i]) - prior * math.log(i + 1)), i))
    return order + list(range(head, len(scores)))


def best_chunk(question: str, text: str, fold: Callable[[str], str] = lambda t: t) -> str:
    """The chunk of ``text`` (the index's chunking) sharing the most bigrams with the
    question less its interrogative words; the first such chunk on a tie."""
    q = bigrams(QUESTION_WORDS.sub(" ", question))
    spans = passage_chunks(text) or [(0, len(text))]
    if len(spans) == 1:
        return text[spans[0][0]:spans[0][1]]
    s, e = max(spans, key=lambda c: (len(q & bigrams(fold(text[c[0]:c[1]]))), -c[0]))
    return text[s:e]


def article_input(question: str, title: str, text: str, fold: Callable[[str], str] = lambda t: t) -> str:
    """The passage model's input for an article: ``title ｜ best chunk``, folded."""
    return fold(passage_text(best_chunk(question, text, fold), title))


def article_scores(question: str, article_ids: Sequence[str], score: Callable[[str, list[str]], np.ndarray],
                   article_of: Callable[[str], tuple[str, str]], fold: Callable[[str], str] = lambda t: t,
                   cache: dict[str, float] | None = None) -> dict[str, float]:
    """The passage logit of each article (those in ``cache`` are not scored again; new
    ones are added to it)."""
    cache = {} if cache is None else cache
    todo = [a for a in dict.fromkeys(article_ids) if a not in cache]
    if todo:
        got = score(question, [article_input(question, *article_of(a), fold) for a in todo])
        cache.update((a, float(s)) for a, s in zip(todo, got))
    return {a: cache[a] for a in article_ids}


def rerank_hits(question: str, hits: Sequence[Hit], score: Callable[[str, list[str]], np.ndarray],
                article_of: Callable[[str], tuple[str, str]],
                fold: Callable[[str], str] = lambda t: t,
                depth: int = RERANK_DEPTH, prior: float = RANK_PRIOR,
                scores_out: dict[str, float] | None = None) -> list[Hit]:
    """``hits`` with the first ``depth`` reordered by the passage model ``score``
    (ranks renumbered; texts and offsets unchanged). ``article_of`` gives an article's
    title and text; ``fold`` maps the model's input (to Simplified: the question is).
    ``scores_out`` receives each scored article's logit (the answer model reuses them)."""
    head = list(hits[:max(0, depth)])
    if len(head) < 2:
        return list(hits)
    texts = [article_input(question, *article_of(h.article_id), fold) for h in head]
    scores = score(question, texts)
    if scores_out is not None:
        scores_out.update((h.article_id, float(s)) for h, s in zip(head, scores))
    order = rerank_order(list(scores), depth, prior) + list(range(len(head), len(hits)))
    return [replace(hits[i], rank=r) for r, i in enumerate(order, start=1)]
