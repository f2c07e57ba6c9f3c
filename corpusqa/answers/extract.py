"""Pick the verbatim answer sentence(s) among the sentences of retrieved chunks.

Each candidate sentence is scored on four features, all in [0, 1]:

* ``sem``  — cosine of the question and sentence embeddings (precomputed at index
  time), rescaled within the candidate set;
* ``lex``  — how much of the question's content (words and character bigrams)
  the sentence covers, with the article title and chunk as weaker context;
* ``type`` — whether the sentence holds a span of the asked type (a number with
  the asked unit, a date, a name, a place);
* ``retr`` — the retrieval rank of the chunk it comes from.

The weights live in ``Weights`` and were tuned on the bundled gold set
(``corpusqa eval``). Confidence, used for abstention, combines the *absolute*
evidence: content coverage, raw semantic similarity and the type match.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from corpusqa.answers.qtype import QuestionType
from corpusqa.answers.spans import best_span
from corpusqa.answers.variants import to_simplified

_QUESTION_WORDS = re.compile(
    r"多少|几|哪些|哪个|哪位|哪里|哪儿|哪年|哪天|哪一|什么|何时|何地|谁|怎么|怎样|如何|为什么|是否|"
    r"吗|呢|吧|请问|多大|多长|多久|多远|多高|比例|占比|时候|情况|有关|关于|一下|"
    r"how|many|much|what|when|where|who|which|why")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_STOP_CHARS = set("的了是在和与及或也都就而把被让将对从向为以于这那个有")


@dataclass(frozen=True)
class Weights:
    """Feature weights for ranking and the confidence model (see module doc)."""

    sem: float = 0.35
    lex: float = 0.40
    type: float = 0.15
    retr: float = 0.10
    # confidence = sigmoid(c_bias + c_cov * coverage + c_sem * sem_abs + c_type * type)
    c_bias: float = -6.0
    c_cov: float = 6.0
    c_sem: float = 3.0
    c_type: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """One scored sentence; ``start``/``end`` are offsets into its article text."""

    article_id: str
    chunk_row: int
    start: int
    end: int
    text: str
    retr_rank: int
    sem_abs: float = 0.0
    sem: float = 0.0
    lex: float = 0.0
    coverage: float = 0.0
    type: float = 0.0
    retr: float = 0.0
    score: float = 0.0
    confidence: float = 0.0
    span: tuple[int, int] | None = None  # relative to ``text``
    features: dict = field(default_factory=dict, compare=False)


def content_units(text: str, tokens: list[str]) -> set[str]:
    """Question content as a set of words and CJK character bigrams.

    Question words (多少, 什么, …) and one-character function words are removed
    so that coverage measures the *topic* of the question, not its form.
    """
    simp = to_simplified(text).lower()
    simp = _QUESTION_WORDS.sub(" ", simp)
    units: set[str] = set()
    for tok in tokens:
        tok = to_simplified(tok).lower()
        if len(tok) >= 2 and not _QUESTION_WORDS.fullmatch(tok) and not _PUNCT.fullmatch(tok):
            units.add(tok)
    for piece in _PUNCT.split(simp):
        piece = "".join(ch for ch in piece if ch not in _STOP_CHARS) if _is_cjk(piece) else piece
        if _is_cjk(piece):
            units.update(piece[i:i + 2] for i in range(len(piece) - 1))
        elif len(piece) >= 2:
            units.add(piece)
    return {u for u in units if u.strip()}


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def coverage(units: set[str], text: str) -> float:
    """Share of content units found in ``text``, weighting each by its length."""
    if not units:
        return 0.0
    hay = to_simplified(text).lower()
    total = sum(len(u) for u in units)
    found = sum(len(u) for u in units if u in hay)
    return found / total


def _rescale(values: list[float]) -> list[float]:
    if not values:
        return []
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        return [0.5] * len(values)
    return [(v - lo) / (hi - lo) for v in values]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def score_candidates(
    question: str,
    qtype: QuestionType,
    units: set[str],
    sentences: list[dict],
    query_vec: np.ndarray | None,
    weights: Weights = Weights(),
) -> list[Candidate]:
    """Score candidate sentences; returns them best first.

    Args:
        question: the (rewritten, simplified) question.
        qtype: its classified type.
        units: ``content_units`` of the question.
        sentences: dicts with article_id, chunk_row, start, end, text, retr_rank,
            context (title + chunk text) and optionally ``vec`` (sentence embedding).
        query_vec: the question embedding, or None in lexical-only mode.
        weights: feature weights.
    """
    if not sentences:
        return []
    sem_abs = []
    for s in sentences:
        vec = s.get("vec")
        sem_abs.append(float(np.dot(vec, query_vec)) if vec is not None and query_vec is not None
                       else 0.0)
    sem_rel = _rescale(sem_abs) if query_vec is not None else [0.0] * len(sentences)
    out: list[Candidate] = []
    for s, sa, sr in zip(sentences, sem_abs, sem_rel):
        cov_sent = coverage(units, s["text"])
        cov_ctx = coverage(units, s.get("context", "") + s["text"])
        lex = 0.7 * cov_sent + 0.3 * cov_ctx
        span = best_span(s["text"], qtype, question)
        if qtype.kind in ("what", "how", "why", "other", "yes_no"):
            type_score = 0.5
        else:
            type_score = 1.0 if span is not None else 0.0
        retr = 1.0 / math.sqrt(s["retr_rank"])
        score = (weights.sem * sr + weights.lex * lex + weights.type * type_score
                 + weights.retr * retr)
        conf = _sigmoid(weights.c_bias + weights.c_cov * lex + weights.c_sem * sa
                        + weights.c_type * type_score)
        out.append(Candidate(
            s["article_id"], s["chunk_row"], s["start"], s["end"], s["text"], s["retr_rank"],
            sem_abs=sa, sem=sr, lex=lex, coverage=cov_sent, type=type_score, retr=retr,
            score=score, confidence=conf,
            span=(span[0], span[1]) if span is not None else None,
        ))
    out.sort(key=lambda c: (-c.score, c.retr_rank, c.article_id, c.start))
    return out
