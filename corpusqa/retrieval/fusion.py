"""Rank fusion: pure functions with their constants in the signature.

Ties are broken deterministically: by score (descending), then by the best rank
the item had in any input list, then by its id.
"""

from __future__ import annotations

from typing import Hashable, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60


def rrf(
    rankings: Sequence[Sequence[K]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[K, float]]:
    """Reciprocal rank fusion (Cormack et al. 2009).

    score(d) = sum_i w_i / (k + rank_i(d)), ranks starting at 1.

    Args:
        rankings: each a list of ids, best first; a repeated id within a list is
            ignored after its first occurrence (ranks count distinct ids).
        k: the RRF constant; larger k flattens the contribution of top ranks.
        weights: one weight per ranking (default all 1.0).

    Returns:
        (id, score) pairs, best first.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[K, float] = {}
    best_rank: dict[K, int] = {}
    for ranking, w in zip(rankings, weights):
        seen: set[K] = set()
        for item in ranking:
            if item in seen:
                continue
            seen.add(item)
            rank = len(seen)
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best_rank[kv[0]], str(kv[0])))

