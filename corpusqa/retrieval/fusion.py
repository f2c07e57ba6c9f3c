"""Rank fusion: pure functions with their constants in the signature.

Ties are broken deterministically: by score (descending), then by the best rank
the item had in any input list, then by its id.
"""

from __future__ import annotations

from typing import Hashable, Mapping, Sequence, TypeVar

from corpusqa.chinese_script import has_han

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


def copy_votes(
    runs: Sequence[Sequence[tuple[str, str]]],
    story: Mapping[str, str],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> dict[str, float]:
    """RRF votes that a run gave to another copy of a story, credited to this copy.

    Each run shows one copy of a near-duplicate story (the first it ranked), and the
    runs need not pick the same one: BM25 matched copy A's wording, the dense run copy
    B's. Chunk-level RRF then splits the story's votes between two chunks, and a story
    both runs found can fall below chunks that each found only half-way (measured: the
    gold question s012 fell from lexical rank 2 out of the hybrid top 10).

    For each run ``r`` and each story's best chunk in ``r``: when another run ranked the
    story only through other copies (none of this chunk's article), that run's vote for
    the story's best rank there is added to this chunk.

    Args:
        runs: per run, (chunk id, article id) best first.
        story: article id -> its story (canonical copy); absent: its own story.
        k, weights: as in :func:`rrf`.

    Returns:
        chunk id -> extra score (only chunks that get one).
    """
    if weights is None:
        weights = [1.0] * len(runs)
    best: list[dict[str, int]] = []      # per run: story -> best rank
    articles: list[set[str]] = []        # per run: articles it ranked
    firsts: list[list[tuple[str, str]]] = []  # per run: (chunk, story) of each story's best chunk
    for run in runs:
        b: dict[str, int] = {}
        f: list[tuple[str, str]] = []
        seen: set[str] = set()
        for cid, art in run:
            if cid in seen:
                continue
            seen.add(cid)
            st = story.get(art, art)
            if st not in b:
                b[st] = len(seen)
                f.append((cid, art))
        best.append(b)
        articles.append({art for _, art in run})
        firsts.append(f)
    extra: dict[str, float] = {}
    for i, f in enumerate(firsts):
        for cid, art in f:
            st = story.get(art, art)
            for j, other in enumerate(best):
                if j != i and st in other and art not in articles[j]:
                    extra[cid] = extra.get(cid, 0.0) + weights[j] / (k + other[st])
    return extra


def rrf_by_story(
    runs: Sequence[Sequence[tuple[str, str]]],
    story: Mapping[str, str],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """:func:`rrf` over chunk ids plus :func:`copy_votes`: one vote per near-duplicate story.

    ``runs``: per run, (chunk id, article id) best first; ``story`` as in :func:`copy_votes`
    (empty: plain RRF). Ties keep :func:`rrf`'s order.
    """
    fused = rrf([[c for c, _ in run] for run in runs], k=k, weights=weights)
    extra = copy_votes(runs, story, k=k, weights=weights) if story and len(runs) > 1 else {}
    if not extra:
        return fused
    return sorted(((c, sc + extra.get(c, 0.0)) for c, sc in fused), key=lambda kv: -kv[1])


#: A lexical top hit scoring at least this many times the second one keeps rank 1 in
#: hybrid retrieval (see :func:`lexical_anchor`).
LEXICAL_GATE = 1.2


def lexical_anchor(scores: Sequence[float], gate: float | None = LEXICAL_GATE) -> bool:
    """Whether the lexical run is sure enough of its first hit to keep it first.

    BM25 scores are not comparable across questions, but their ratio within one run is:
    a first hit scoring ``gate`` times the second stands out from the rest, and a dense
    vote (weaker on news: Recall@1 0.78 against 0.88 for BM25 on the bundled gold set)
    should not displace it. Measured on the dumped lexical and dense runs of the bundled
    gold set, XQuAD zh, CMRC trial and its Traditional copy (docs/retrieval.md, "Hybrid fusion").

    Args:
        scores: the lexical run's scores, best first.
        gate: the ratio; None or <= 1 never anchors.
    """
    if gate is None or gate <= 1.0 or not scores:
        return False
    if len(scores) == 1:
        return True
    first, second = float(scores[0]), float(scores[1])
    if first <= 0.0:
        return False
    return second <= 0.0 or first >= gate * second


#: Lexical weight, relative to the dense run, for a question written without Chinese
#: characters (e.g. English over Chinese articles; see :func:`cross_script`). BM25 then
#: matches only the odd Latin-script name: on the English XQuAD questions over the
#: Chinese passages it finds the gold passage first for 15% of them, dense for 81%.
CROSS_SCRIPT_LEXICAL = 0.0


def cross_script(query: str) -> bool:
    """Whether ``query`` holds no CJK ideograph, so BM25 over a Chinese corpus can match
    only Latin-script tokens: the hybrid then follows the dense run (the corpus of this
    product is Chinese news; an index of Latin-script text is not its use)."""
    return not has_han(query)

