"""Retrieval, answer and abstention metrics: pure functions.

EM/F1 follow the CMRC 2018 evaluation script: text is split into CJK characters
and Latin/digit words, punctuation is removed, and the best score over the gold
answers is taken. Answer containment uses ``normalize`` (NFKC, whitespace
removed, case folded): the answers layer's ``normalize_for_match``, so the evaluation
matches answers exactly as the product compares them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from corpusqa.answers.numbers import normalize_for_match as normalize

_PUNCT = set("-:_*^/\\~`+=，。：？！“”；’《》……·、「」（）－～『』")


# -- retrieval -----------------------------------------------------------------

def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Share of gold ids found in the top ``k`` (1.0 when any-of semantics apply: see below).

    With a single relevant document this is the usual hit@k.
    """
    gold = set(gold)
    if not gold:
        return 0.0
    top = list(dict.fromkeys(ranked))[:k]
    return len(gold.intersection(top)) / len(gold)


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """1.0 if any gold id is in the top ``k``."""
    gold = set(gold)
    return 1.0 if gold.intersection(list(dict.fromkeys(ranked))[:k]) else 0.0


def mrr_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """Reciprocal rank of the first gold id within the top ``k`` (0 if none)."""
    gold = set(gold)
    for i, doc in enumerate(list(dict.fromkeys(ranked))[:k], start=1):
        if doc in gold:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k over distinct ids."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1)
              for i, doc in enumerate(list(dict.fromkeys(ranked))[:k], start=1) if doc in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


# -- answers (CMRC 2018 style) --------------------------------------------------

def _segment(text: str) -> list[str]:
    """CJK characters one by one; numbers ("98.9"), Latin words and "%" as tokens.

    Punctuation (Unicode category P*) is dropped, as in the CMRC 2018 script.
    """
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]|[^\u4e00-\u9fff\s]+", (text or "").lower()):
        if len(run) == 1 and "\u4e00" <= run <= "\u9fff":
            out.append(run)
            continue
        for tok in re.findall(r"\d+(?:\.\d+)*|[^\W\d_]+|%|\S", run):
            if tok == "%" or not all(unicodedata.category(ch).startswith("P") or ch in _PUNCT
                                     for ch in tok):
                out.append(tok)
    return out


def em_score(prediction: str | None, golds: Sequence[str]) -> float:
    """1.0 if the punctuation-free prediction equals any gold answer."""
    if prediction is None or not golds:
        return 0.0
    p = "".join(_segment(prediction))
    return 1.0 if any(p == "".join(_segment(g)) for g in golds) else 0.0


def f1_score(prediction: str | None, golds: Sequence[str]) -> float:
    """Best character/word-level F1 of the prediction against the gold answers."""
    if prediction is None or not golds:
        return 0.0
    pred = _segment(prediction)
    best = 0.0
    for g in golds:
        gold = _segment(g)
        common = Counter(pred) & Counter(gold)
        same = sum(common.values())
        if same == 0 or not pred or not gold:
            continue
        precision, recall = same / len(pred), same / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def answer_contained(answer_text: str | None, golds: Sequence[str]) -> float:
    """1.0 if a normalised gold answer lies inside the normalised answer sentence."""
    if not answer_text or not golds:
        return 0.0
    a = normalize(answer_text)
    return 1.0 if any(normalize(g) and normalize(g) in a for g in golds) else 0.0


# -- abstention -------------------------------------------------------------------

def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """Precision/recall/F1 of abstaining on unanswerable questions.

    Also the rate of answerable questions that were wrongly refused.
    """
    if len(abstained) != len(answerable):
        raise ValueError("abstained and answerable differ in length")
    tp = sum(1 for a, ok in zip(abstained, answerable) if a and not ok)
    fp = sum(1 for a, ok in zip(abstained, answerable) if a and ok)
    fn = sum(1 for a, ok in zip(abstained, answerable) if not a and not ok)
    n_answerable = sum(1 for ok in answerable if ok)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "false_refusal_rate": fp / n_answerable if n_answerable else 0.0}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]); 0.0 for no values."""
    if not values:
        return 0.0
    s = sorted(values)
    idx = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return float(s[idx])
