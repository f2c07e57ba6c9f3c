"""Abstention threshold calibration: a pure function over a gold run.

Every question has its best candidate's confidence; a threshold ``t`` answers
when confidence >= t. Utility counts +1 for a correct answer (answerable, gold
answer contained), +1 for refusing an unanswerable question, and
``-wrong_penalty`` for every answer that is wrong (an answer to an unanswerable
question, or a sentence without the gold answer): a wrong answer misleads a
reporter, a refusal only sends them to the related passages. We pick the ``t``
maximising utility; ties go to the higher abstention F1, then the lower threshold.
Candidate thresholds are midpoints between consecutive distinct confidences.
"""

from __future__ import annotations

from typing import Sequence

from corpusqa.eval.metrics import abstention_scores


def best_threshold(confidence: Sequence[float], answerable: Sequence[bool],
                   contained: Sequence[bool], wrong_penalty: float = 1.0) -> dict:
    """The utility-maximising threshold with its utility, accuracy and abstention scores."""
    if not (len(confidence) == len(answerable) == len(contained)):
        raise ValueError("inputs differ in length")
    if not confidence:
        raise ValueError("no questions")
    levels = sorted(set(confidence))
    cands = [0.0] + [(a + b) / 2 for a, b in zip(levels, levels[1:])] + [levels[-1] + 1e-6]
    best = None
    for t in cands:
        abstain = [c < t for c in confidence]
        correct = sum(1 for ab, ok, hit in zip(abstain, answerable, contained)
                      if (ok and not ab and hit) or (not ok and ab))
        wrong = sum(1 for ab, ok, hit in zip(abstain, answerable, contained)
                    if not ab and not (ok and hit))
        utility = (correct - wrong_penalty * wrong) / len(confidence)
        ab = abstention_scores(abstain, answerable)
        key = (round(utility, 12), ab["f1"], -t)
        if best is None or key > best[0]:
            best = (key, {"threshold": round(t, 6), "utility": utility,
                          "accuracy": correct / len(confidence), "abstention": ab})
    assert best is not None  # cands is never empty
    return best[1]
