"""The verify stage of ``Assistant.ask``: re-rank the best cheap candidates with the verifier.

The cheap ranking (hand features) orders every candidate sentence; the verifier scores
only its top ``AnswerModel.verify_top`` in one batch, and the answer model turns the
verifier logit plus the cheap features into a probability that ranks them and is the
answer's confidence. Candidates the verifier did not score follow, with confidence 0.
With an answer gate (``AnswerModel.gate``) each scored candidate also carries the
question's ``gate`` feature: the probability that the corpus holds an answer, which
decides refusal (``compose.answers``).

When the answer model reads the span reader's features (``READER_FEATURES``), the reader
reads windows of the articles around those candidates, one batch for all of them
(``add_reader_features``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Collection, Sequence

from corpusqa.answers.answer_model import (PASSAGE_FEATURES, READER_FEATURES, AnswerModel,
                                           add_verifier_features, is_latin_question, limit_psg)
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.verifier.inputs import CONTEXT_CHARS, candidate_text

#: A sentence the reader could not see (cut off its window) scores this.
RD_FLOOR = -20.0

if TYPE_CHECKING:
    import numpy as np


def previous_tail(article_text: str, start: int) -> str:
    """The text just before a sentence (the tail of the previous one), as in training."""
    return article_text[max(0, start - CONTEXT_CHARS - 8):start].rstrip()[-CONTEXT_CHARS:]


def verify(question: str, ranked: Sequence[SentenceCandidate], model: AnswerModel,
           score: Callable[[str, list[str]], Sequence[float] | np.ndarray],
           article: Callable[[str], tuple[str, str]],
           absent: Collection[str] = (),
           fold: Callable[[str], str] | None = None,
           read: Callable[[str, list[str]], list] | None = None,
           passage: Callable[[list[str]], dict[str, float]] | None = None) -> list[SentenceCandidate]:
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
        read: the span reader (``Reader.read``), or None: its features are then absent.
            The assistant passes it when the answer model reads its features (or while
            ``corpusqa train calibrate`` collects them).
        passage: article ids -> the passage reranker's logit for each (the assistant's,
            reusing the rerank stage's scores), or None: ``psg``/``psg_gap`` are then absent.
            Called only when the answer model reads them.
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
    if read is not None:
        add_reader_features(question, top, feats, read, article, fold)
    elif READER_FEATURES & set(model.features):
        absent = set(absent) | READER_FEATURES
    reads_psg = bool(PASSAGE_FEATURES & set(model.features))
    if passage is not None and reads_psg and not latin:
        # (not for a question without Chinese: the passage model reads those badly, docs/retrieval.md
        # "Passage rerank"; their psg stays unset, 0, as in the fit)
        arts = list(dict.fromkeys(c.article_id for c in top))
        k = model.psg_articles or len(arts)
        psg = passage(arts[:k])  # the others: the lowest of these (limit_psg)
        for c, f in zip(top, feats):
            f["psg"], f["art"] = float(psg.get(c.article_id, 0.0)), float(arts.index(c.article_id))
        limit_psg(feats, k)
    elif passage is None and reads_psg:
        absent = set(absent) | PASSAGE_FEATURES
    add_verifier_features(feats, logits)
    probs = model.probability(feats, absent)
    gate = model.answerable(feats, probs, absent)
    if gate is not None:  # one value per question, carried by each candidate (compose.answers)
        feats = [dict(f, gate=gate) for f in feats]
    scored = [replace(c, features=f, score=float(p), confidence=float(p))
              for c, f, p in zip(top, feats, probs)]
    scored.sort(key=lambda c: (-c.score, c.retr_rank, c.article_id, c.start))
    rest = [replace(c, score=-1.0 + c.score * 1e-3, confidence=0.0)
            for c in ranked[model.verify_top:]]
    return scored + rest


def add_reader_features(question: str, top: Sequence[SentenceCandidate], feats: list[dict],
                        read: Callable[[str, list[str]], list], article: Callable[[str], tuple[str, str]],
                        fold: Callable[[str], str] | None = None) -> None:
    """Set ``rd`` and ``rd_null`` on ``feats`` (one per candidate of ``top``).

    The candidates of each article are covered by windows of its text
    (``reader.windows_for``); all windows go to the reader in one call. ``fold`` is applied
    piece by piece (cut at the sentence boundaries), so each sentence's place in the
    folded window is known even when folding changes the length.
    """
    from corpusqa.answers.verifier.reader import span_scores, windows_for

    by_article: dict[str, list[int]] = {}
    for i, c in enumerate(top):
        by_article.setdefault(c.article_id, []).append(i)
    texts: list[str] = []
    where: list[list[tuple[int, int, int]]] = []  # per window: (candidate, start, end) in it
    for aid, members in by_article.items():
        text = article(aid)[1]
        spans = [(top[i].start, top[i].end) for i in members]
        for lo, hi, group in windows_for(text, spans):
            cuts = sorted({lo, hi, *(min(max(x, lo), hi) for g in group for x in spans[g])})
            at, pieces, n = {}, [], 0
            for a, b in zip(cuts, cuts[1:]):
                piece = fold(text[a:b]) if fold else text[a:b]
                at[a] = n
                n += len(piece)
                pieces.append(piece)
            at[hi] = n
            texts.append("".join(pieces))
            where.append([(members[g], at[min(max(spans[g][0], lo), hi)], at[min(max(spans[g][1], lo), hi)])
                          for g in group])
    rd = [RD_FLOOR] * len(top)
    null = [0.0] * len(top)
    for (start, end, offsets, seq_ids), inside in zip(read(question, texts), where):
        scores, no_answer = span_scores(start, end, offsets, seq_ids, [(a, b) for _, a, b in inside])
        for (i, _, _), v in zip(inside, scores):
            rd[i], null[i] = max(float(v), RD_FLOOR), no_answer
    for i, f in enumerate(feats):
        f["rd"] = rd[i]
        f["rd_null"] = rd[i] - null[i]  # rd_gap: add_verifier_features


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
