"""Pick the verbatim answer sentence(s) among the sentences of retrieved chunks.

Each candidate sentence gets these features, all in [0, 1]:

* ``sem``  — cosine of the question and sentence embeddings (precomputed at index
  time), rescaled within the candidate set; ``sem_abs`` is the raw cosine;
* ``cov``  — share of the question's content (words and CJK bigrams) the sentence
  covers; ``ctx`` — the same over title + chunk + sentence;
* ``near`` — coverage inside a window around the typed span that would answer
  (the figure next to the question's words beats a figure far from them);
* ``type`` — whether the sentence holds a span of the asked type (a number with
  the asked unit, a date, a name, a place); 0.5 for open questions;
* ``retr`` — 1/sqrt(rank) of the chunk the sentence comes from;
* ``kw_sent`` / ``kw_art`` — share of the question's key words (jieba words minus
  question and generic words) found in the sentence + title / in the whole article:
  a question about 通辽 answered from an article that never names 通辽 is suspect.

Ranking is a weighted sum (``Weights``); confidence, used for abstention, is a
logistic model over the same features (``Confidence``). Both were fitted on the
bundled gold set by ``corpusqa eval --calibrate`` (see ``corpusqa.eval.tune``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from corpusqa.answers.qtype import QuestionType
from corpusqa.answers.spans import best_span
from corpusqa.answers.variants import to_simplified

FEATURES = ("sem", "sem_abs", "cov", "ctx", "near", "type", "retr", "kw_sent", "kw_art")
OPEN_KINDS = ("what", "how", "why", "other", "yes_no")
NEAR_WINDOW = 24

_QUESTION_WORDS = re.compile(
    r"多少|几|哪些|哪个|哪位|哪里|哪儿|哪年|哪天|哪一|什么|何时|何地|谁|怎么|怎样|如何|为什么|是否|"
    r"吗|呢|吧|请问|多大|多长|多久|多远|多高|比例|占比|时候|情况|有关|关于|一下|"
    r"how|many|much|what|when|where|who|which|why")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_STOP_CHARS = set("的了是在和与及或也都就而把被让将对从向为以于这那个有")
_GENERIC_WORDS = re.compile(
    r"多少|几|哪|哪里|哪儿|哪个|哪些|哪位|哪年|哪天|哪一|哪一年|哪一天|哪几|什么|什么样|什么时候|"
    r"何时|何地|何处|何人|为何|如何|谁|怎么|怎么样|怎样|为什么|是否|请问|多大|多长|多久|多远|多高|时候|名字|"
    r"一共|总共|共有|分别|具体|目前|今年|去年|现在|已经|能够|可以|需要|进行|开展|达到|大约|"
    r"这个|那个|这次|那次|这项|该项|情况|有关|关于|一下|主要|相关|以及")


@dataclass(frozen=True)
class Weights:
    """Ranking weights over ``FEATURES`` (a missing feature weighs 0)."""

    sem: float = 0.30
    cov: float = 0.25
    ctx: float = 0.10
    near: float = 0.15
    type: float = 0.15
    retr: float = 0.05
    kw_sent: float = 0.0
    kw_art: float = 0.0

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f, 0.0) for f in FEATURES])


@dataclass(frozen=True)
class Confidence:
    """Logistic confidence: sigmoid(bias + sum coef[f] * feature[f])."""

    bias: float = -5.0
    coef: dict = field(default_factory=lambda: {"cov": 2.0, "near": 1.5, "sem_abs": 1.0,
                                                "type": 1.0, "ctx": 1.0, "kw_art": 2.0})

    def __call__(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.coef.get(f, 0.0) * feats.get(f, 0.0) for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class SentenceCandidate:
    """One scored sentence; ``start``/``end`` are offsets into its article text."""

    article_id: str
    chunk_row: int
    start: int
    end: int
    text: str
    retr_rank: int
    features: dict = field(default_factory=dict, compare=False)
    score: float = 0.0
    confidence: float = 0.0
    span: tuple[int, int] | None = None  # relative to ``text``


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
        if len(tok) >= 2 and not _QUESTION_WORDS.search(tok) and not _PUNCT.fullmatch(tok):
            units.add(tok)
    for piece in _PUNCT.split(simp):
        if _is_cjk(piece):
            piece = "".join(ch for ch in piece if ch not in _STOP_CHARS)
            units.update(piece[i:i + 2] for i in range(len(piece) - 1))
        elif len(piece) >= 2:
            units.add(piece)
    return {u for u in units if u.strip()}


def key_words(words: list[str]) -> list[str]:
    """Question words that must be found in an answer's article (deduplicated).

    ``words`` are jieba words of the simplified question; one-character words,
    question words and generic words (今年, 具体, …) are dropped.
    """
    out = []
    for w in words:
        w = w.lower()
        if len(w) >= 2 and not _GENERIC_WORDS.fullmatch(w) and not _PUNCT.fullmatch(w) \
                and w not in out:
            out.append(w)
    return out


def _share(words: Sequence[str], hay: str) -> float:
    return sum(1 for w in words if w in hay) / len(words) if words else 1.0


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def coverage(units: set[str], text: str, simplified: bool = False) -> float:
    """Share of content units found in ``text``, weighting each by its length.

    ``simplified``: the text is already Simplified Chinese and lower-cased.
    """
    if not units:
        return 0.0
    hay = text if simplified else to_simplified(text).lower()
    total = sum(len(u) for u in units)
    return sum(len(u) for u in units if u in hay) / total


def _rescale(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        return [0.5] * len(values)
    return [(v - lo) / (hi - lo) for v in values]


def sentence_features(question: str, qtype: QuestionType, units: set[str],
                      sentences: list[dict], query_vec: np.ndarray | None,
                      keywords: Sequence[str] = ()) -> list[SentenceCandidate]:
    """Candidates with their features (unscored), in input order.

    Args:
        question: the (rewritten, simplified) question.
        qtype: its classified type.
        units: ``content_units`` of the question.
        sentences: dicts with article_id, chunk_row, start, end, text, retr_rank,
            ``simp`` (the sentence, simplified and lower-cased), ``simp_title``,
            ``simp_ctx`` (title + chunk) and ``simp_article`` (title + article text),
            likewise, and optionally ``vec`` (sentence embedding).
        query_vec: the question embedding, or None in lexical-only mode.
        keywords: ``key_words`` of the question.
    """
    if not sentences:
        return []
    sem_abs = [float(np.dot(s["vec"], query_vec)) if s.get("vec") is not None
               and query_vec is not None else 0.0 for s in sentences]
    sem_rel = _rescale(sem_abs) if query_vec is not None else [0.0] * len(sentences)
    out = []
    for s, sa, sr in zip(sentences, sem_abs, sem_rel):
        text, simp = s["text"], s["simp"]
        # spans are read on the Simplified copy when folding kept every offset (a
        # Traditional sentence: 3個, 5萬人 are figures only to the Simplified patterns)
        folded = simp if len(simp) == len(text) and simp != text.lower() else text
        span = best_span(folded, qtype, question)
        cov = coverage(units, simp, simplified=True)
        if span is not None and len(simp) == len(text):
            window = simp[max(0, span[0] - NEAR_WINDOW): span[1] + NEAR_WINDOW]
            near = coverage(units, window, simplified=True)
        else:
            near = 0.5 * cov
        feats = {"sem": sr, "sem_abs": sa, "cov": cov,
                 "ctx": coverage(units, s["simp_ctx"] + simp, simplified=True), "near": near,
                 "type": _type_score(qtype, span), "retr": 1.0 / math.sqrt(s["retr_rank"]),
                 "kw_sent": _share(keywords, s["simp_title"] + simp),
                 "kw_art": _share(keywords, s["simp_article"])}
        out.append(SentenceCandidate(s["article_id"], s["chunk_row"], s["start"], s["end"], text,
                             s["retr_rank"], feats,
                             span=(span[0], span[1]) if span is not None else None))
    return out


def _type_score(qtype: QuestionType, span) -> float:
    """1 for a span of the asked kind and unit, 0.6 for the kind with another unit,
    0 for none; 0.5 for open questions that no span type can answer."""
    if qtype.kind in OPEN_KINDS:
        return 0.5
    if span is None:
        return 0.0
    unit = getattr(span, "unit", None)
    if qtype.unit and unit and qtype.unit not in unit and unit not in qtype.unit:
        return 0.6
    return 1.0


def rank_candidates(cands: list[SentenceCandidate], weights: Weights = Weights(),
                    confidence: Confidence = Confidence()) -> list[SentenceCandidate]:
    """Score, attach confidence, and sort best first (deterministic tie-break)."""
    w = weights.vector()
    scored = []
    for c in cands:
        x = np.array([c.features.get(f, 0.0) for f in FEATURES])
        scored.append(SentenceCandidate(c.article_id, c.chunk_row, c.start, c.end, c.text, c.retr_rank,
                                c.features, float(w @ x), confidence(c.features), c.span))
    scored.sort(key=lambda c: (-c.score, c.retr_rank, c.article_id, c.start))
    return scored
