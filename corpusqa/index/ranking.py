"""Deterministic top-k shared by the lexical and dense indexes."""

from __future__ import annotations

import numpy as np


def best_rows(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(row, score)`` pairs, ties broken by lower row.

    Every row tied with the k-th score is considered before sorting, so the result
    does not depend on the order ``argpartition`` happens to leave ties in.
    """
    if rows.size > k:
        part = np.argpartition(-scores, k - 1)[:k]
        sel = scores >= scores[part].min()
        rows, scores = rows[sel], scores[sel]
    order = np.lexsort((rows, -scores))[:k]
    return [(int(rows[i]), float(scores[i])) for i in order]
