"""Pair-level metrics of a verifier on held-out pair files (for the model card)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from corpusqa.answers.verifier.data import Pair, read_pairs


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC by ranks (ties averaged)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    allv = np.concatenate([pos, neg])
    for v in np.unique(allv):  # average ranks of ties
        m = allv == v
        if m.sum() > 1:
            ranks[m] = ranks[m].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def pair_metrics(pairs: list[Pair], logits: np.ndarray) -> dict:
    """AUC; top-1: the positive outranks every other candidate of its question;
    near-miss: a rewritten question scores below its original on the same sentence."""
    labels = np.array([p.label for p in pairs])
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_q[p.qid].append(i)
    top1 = []
    for idx in by_q.values():
        if any(pairs[i].label for i in idx) and len(idx) > 1:
            best = max(idx, key=lambda i: logits[i])
            top1.append(pairs[best].label == 1)
    pos_score = {pairs[i].qid: logits[i] for i in range(len(pairs)) if pairs[i].kind == "pos"}
    nm = [logits[i] < pos_score[p.qid[:-3]] for i, p in enumerate(pairs)
          if p.kind == "nearmiss" and p.qid[:-3] in pos_score]
    nm_below0 = [logits[i] < 0 for i, p in enumerate(pairs) if p.kind == "nearmiss"]
    pos_above0 = [logits[i] >= 0 for i, p in enumerate(pairs) if p.kind == "pos"]
    return {"pairs": len(pairs), "auc": round(auc(logits, labels), 4),
            "top1": round(float(np.mean(top1)), 4) if top1 else None,
            "nearmiss_below_original": round(float(np.mean(nm)), 4) if nm else None,
            "nearmiss_rejected": round(float(np.mean(nm_below0)), 4) if nm_below0 else None,
            "positives_accepted": round(float(np.mean(pos_above0)), 4) if pos_above0 else None}


def evaluate(verifier, data_dir: Path, files=("dev.jsonl", "calib.jsonl", "test-xquad.jsonl",
                                               "test-gold.jsonl")) -> dict:
    """Metrics per held-out file, and per source inside each (e.g. xquad-en)."""
    out = {}
    for name in files:
        path = data_dir / name
        if not path.exists():
            continue
        pairs = read_pairs(path)
        logits = np.zeros(len(pairs), dtype=np.float32)
        by_question: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(pairs):
            by_question[p.question].append(i)
        for q, idx in by_question.items():
            logits[idx] = verifier.score(q, [pairs[i].text for i in idx])
        res = {"all": pair_metrics(pairs, logits)}
        for src in sorted({p.source for p in pairs}):
            idx = [i for i, p in enumerate(pairs) if p.source == src]
            if len({p.source for p in pairs}) > 1:
                res[src] = pair_metrics([pairs[i] for i in idx], logits[idx])
        out[name] = res
    return out
