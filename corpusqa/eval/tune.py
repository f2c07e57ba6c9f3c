"""Fit the answer stage on a gold set: ranking weights, confidence model, threshold.

Reproducible by ``corpusqa eval --calibrate`` (deterministic grid search and a
deterministic gradient descent). Steps, for each dense RRF weight in a small grid:

1. ask every gold question once and keep all candidate sentences with their
   features, marking those that contain a gold answer;
2. grid-search the ranking ``Weights`` for the share of answerable questions whose
   top sentence contains the answer (ties: the earlier grid point);
3. fit a logistic ``Confidence`` on the top sentence's features, label 1 when the
   question is answerable and the top sentence contains the answer;
4. choose the abstention threshold with ``calibrate.best_threshold`` (utility:
   a wrong answer costs as much as a right one gains).

The dense weight with the highest utility wins.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from corpusqa.answers.extract import FEATURES, Confidence, Weights
from corpusqa.eval.calibrate import best_threshold
from corpusqa.eval.metrics import answer_contained

log = logging.getLogger(__name__)

GRID = {
    "sem": (0.0, 0.15, 0.3),
    "cov": (0.1, 0.25, 0.4),
    "ctx": (0.0, 0.1, 0.2),
    "near": (0.0, 0.15, 0.3),
    "type": (0.0, 0.15, 0.3),
    "retr": (0.0, 0.05, 0.15),
    "kw_sent": (0.0, 0.15),
}
CONF_FEATURES = ("cov", "ctx", "near", "sem_abs", "type", "retr", "kw_sent", "kw_art")


@dataclass
class QuestionData:
    """Candidate features of one gold question (rows of ``X`` follow FEATURES)."""

    qid: str
    answerable: bool
    X: np.ndarray          # (n_candidates, len(FEATURES))
    gold: np.ndarray       # (n_candidates,) bool: the sentence contains a gold answer


def collect(assistant: Any, items: Sequence[Any]) -> list[QuestionData]:
    """Ask each gold question once through ``Assistant.explain``."""
    out = []
    for item in items:
        _, cands = assistant.explain(item.question, None, [dict(h) for h in item.history] or None)
        X = np.array([[c.features.get(f, 0.0) for f in FEATURES] for c in cands]) \
            if cands else np.zeros((0, len(FEATURES)))
        gold = np.array([bool(answer_contained(c.text, item.answers)) for c in cands], dtype=bool)
        out.append(QuestionData(item.qid, item.answerable, X, gold))
    return out


def top_hits(data: Sequence[QuestionData], w: np.ndarray) -> np.ndarray:
    """For each question: does the top-scored candidate contain the answer?"""
    res = np.zeros(len(data), dtype=bool)
    for i, q in enumerate(data):
        if len(q.X):
            res[i] = q.gold[int(np.argmax(q.X @ w))]
    return res


def search_weights(data: Sequence[QuestionData]) -> tuple[Weights, float]:
    """Grid search: the weights maximising top-1 containment on answerable questions."""
    answerable = [q for q in data if q.answerable]
    names = list(GRID)
    best, best_acc = Weights(), -1.0
    for values in itertools.product(*(GRID[n] for n in names)):
        wts = Weights(**dict(zip(names, values)))
        acc = float(top_hits(answerable, wts.vector()).mean()) if answerable else 0.0
        if acc > best_acc + 1e-12:
            best, best_acc = wts, acc
    return best, best_acc


def fit_confidence(data: Sequence[QuestionData], weights: Weights, l2: float = 0.01,
                   steps: int = 3000, lr: float = 0.5) -> Confidence:
    """Logistic regression of 'the top sentence answers' on its features."""
    w = weights.vector()
    idx = [FEATURES.index(f) for f in CONF_FEATURES]
    rows, labels = [], []
    for q in data:
        if not len(q.X):
            continue
        top = int(np.argmax(q.X @ w))
        rows.append(q.X[top, idx])
        labels.append(1.0 if q.answerable and q.gold[top] else 0.0)
    X, y = np.array(rows), np.array(labels)
    coef, bias = np.zeros(len(idx)), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(X @ coef + bias)))
        coef -= lr * (X.T @ (p - y) / len(y) + l2 * coef)
        bias -= lr * float(np.mean(p - y))
    return Confidence(round(bias, 4), {f: round(float(c), 4) for f, c in zip(CONF_FEATURES, coef)})


def tune(assistant_factory, items: Sequence[Any], dense_weights: Sequence[float]) -> dict:
    """Fit everything; returns the calibration entry with its training figures."""
    best: dict[str, Any] | None = None
    for dw in dense_weights:
        assistant = assistant_factory(dw)
        data = collect(assistant, items)
        weights, acc = search_weights(data)
        conf = fit_confidence(data, weights)
        w = weights.vector()
        confidences, contained = [], []
        for q in data:
            if len(q.X):
                top = int(np.argmax(q.X @ w))
                confidences.append(conf(dict(zip(FEATURES, q.X[top]))))
                contained.append(bool(q.gold[top]))
            else:
                confidences.append(0.0)
                contained.append(False)
        thr = best_threshold(confidences, [q.answerable for q in data], contained)
        oracle = float(np.mean([q.gold.any() for q in data if q.answerable]))
        log.info("dense weight %.2f: top-1 %.3f (oracle %.3f), utility %.3f", dw, acc, oracle,
                 thr["utility"])
        entry = {"dense_weight": dw, "weights": weights.__dict__,
                 "confidence": {"bias": conf.bias, "coef": conf.coef},
                 "threshold": thr["threshold"], "train_top1": round(acc, 4),
                 "train_oracle": round(oracle, 4), "accuracy": round(thr["accuracy"], 4),
                 "utility": round(thr["utility"], 4),
                 "abstention_f1": round(thr["abstention"]["f1"], 4), "questions": len(data)}
        if best is None or (entry["utility"], entry["train_top1"]) > (best["utility"],
                                                                       best["train_top1"]):
            best = entry
    assert best is not None  # dense_weights is never empty
    return best
