"""Abstention threshold calibration: a pure function over a gold run.

Run the gold set with abstention disabled (threshold 0): every question then gets
its best candidate's confidence. A threshold ``t`` answers when confidence >= t.
A question is handled correctly when it is answerable, answered and the gold
answer is contained, or unanswerable and refused. We pick the ``t`` maximising
that accuracy; ties go to the threshold with the higher abstention F1, then the
lower threshold (refusing less). Candidate thresholds are midpoints between
consecutive distinct confidences, so the choice does not sit on a data point.
"""

from __future__ import annotations

from typing import Sequence

from corpusqa.eval.metrics import abstention_scores


def best_threshold(confidence: Sequence[float], answerable: Sequence[bool],
                   contained: Sequence[bool]) -> dict:
    """The accuracy-maximising threshold with its accuracy and abstention scores."""
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
        acc = correct / len(confidence)
        ab = abstention_scores(abstain, answerable)
        key = (acc, ab["f1"], -t)
        if best is None or key > best[0]:
            best = (key, {"threshold": round(t, 6), "accuracy": acc, "abstention": ab})
    return best[1]
