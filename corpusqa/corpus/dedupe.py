"""Near-duplicate articles: the same story printed twice (a special-issue excerpt and the full piece).

Each body is reduced to its letters and digits (punctuation and spaces differ
between edits: "," versus "，") and cut into character 5-grams, hashed to
uint64. Candidate pairs come from an inverted index over the hashes, skipping
hashes shared by very many articles (stock phrases) so the work stays near
linear for ~10k articles; each candidate is then scored exactly by containment,
``|A ∩ B| / min(|A|, |B|)``, which stays high when an excerpt is much shorter
than the full story (Jaccard would not).

Both copies stay in the database; the duplicate gets ``canonical_id``.

This module holds the batch reference (:func:`find_near_duplicates`, every article at
once) and the pieces the incremental index in ``dup_index.py`` shares with it: the
shingles, the winnowed fingerprints that index keeps, and the canonical assignment
(:func:`assign_canonicals`), so both give the same links for the same pairs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from corpusqa.models import Article

SHINGLE = 5
DEFAULT_THRESHOLD = 0.5
MIN_SHINGLES = 50  # about 55 characters: shorter bodies (captions, slogans) are never linked
MAX_DF = 100  # hashes shared by more articles than this do not propose candidates
METHOD = f"shingle{SHINGLE}-containment"
#: Winnowing window (Schleimer et al., 2003): texts sharing a run of WINDOW + SHINGLE - 1
#: letters and digits share a fingerprint; a text keeps about 2 / (WINDOW + 1) of its shingles.
WINDOW = 24

_NON_WORD = re.compile(r"[\W_]+")
_MULT = np.uint64(0x100000001B3)  # FNV-1a prime: spreads code points over 64 bits


@dataclass(frozen=True)
class DuplicateLink:
    """``article_id`` is a near-duplicate of ``canonical_id`` (containment ``score``)."""

    article_id: str
    canonical_id: str
    score: float
    method: str = METHOD

    def to_dict(self) -> dict:
        return asdict(self)


def shingle_sequence(text: str, k: int = SHINGLE) -> np.ndarray:
    """uint64 hashes of the character k-grams of ``text``'s letters and digits, in text order."""
    s = _NON_WORD.sub("", text).lower()
    n = len(s) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            h = (h ^ cps[i:i + n]) * _MULT
    return h


def shingles(text: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique uint64 hashes of the character k-grams of ``text``'s letters and digits."""
    return np.unique(shingle_sequence(text, k))


def fingerprints(sequence: np.ndarray, window: int = WINDOW) -> np.ndarray:
    """Sorted unique minima of every ``window`` consecutive hashes of a shingle sequence.

    Two texts sharing ``window`` consecutive shingles share that window's minimum. A
    sequence shorter than the window keeps its minimum.
    """
    if len(sequence) == 0:
        return sequence
    if len(sequence) < window:
        return sequence.min(keepdims=True)
    return np.unique(sliding_window_view(sequence, window).min(axis=1))


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the smaller shingle set found in the other (0 when either is empty)."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / min(len(a), len(b))


def candidate_pairs(sets: Sequence[np.ndarray], max_df: int = MAX_DF) -> tuple[np.ndarray, ...]:
    """Pairs of articles sharing shingles: arrays ``(i, j, shared)`` with ``i < j``.

    ``shared`` counts the shared shingles, leaving out those held by more than
    ``max_df`` articles, so it is a lower bound of the true intersection.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(sets) < 2:
        return empty, empty, empty
    hashes = np.concatenate(sets)
    owners = np.concatenate([np.full(len(s), i, dtype=np.int64) for i, s in enumerate(sets)])
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(hashes)) + 1))
    sizes = np.diff(np.concatenate((starts, [len(hashes)])))
    n = np.int64(len(sets))
    keys = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_df)]):
        # All groups of one size at once: a (groups, size) matrix of owners.
        rows = owners[starts[sizes == size][:, None] + np.arange(size)]
        a, b = np.triu_indices(int(size), k=1)
        keys.append((np.minimum(rows[:, a], rows[:, b]) * n + np.maximum(rows[:, a], rows[:, b])).ravel())
    if not keys:
        return empty, empty, empty
    uniq, shared = np.unique(np.concatenate(keys), return_counts=True)
    return uniq // n, uniq % n, shared


def find_near_duplicates(articles: Sequence[Article], threshold: float = DEFAULT_THRESHOLD,
                         min_shingles: int = MIN_SHINGLES, max_df: int = MAX_DF,
                         across_sources_only: bool = True) -> list[DuplicateLink]:
    """Link each near-duplicate article to one canonical copy.

    The canonical copy is the longer text (ties: the smaller id), so the most
    complete version is the one answers cite. Articles are visited longest
    first; one becomes a duplicate of the best-scoring longer *canonical*
    article it overlaps by at least ``threshold`` (never of another duplicate,
    so there are no chains). Deterministic for the same articles in any order.

    Only articles from different source files are compared by default: a page
    repeating its own lead, or one benchmark file of templated encyclopedia
    entries (fish species scored 0.5-0.74 against each other), is not a reprint.

    Returns:
        Links sorted by (canonical_id, article_id).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    sets = [shingles(a.text) for a in articles]
    pairs: dict[tuple[str, str], float] = {}
    first, second, shared = candidate_pairs(sets, max_df)
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    smaller = np.minimum(lengths[first], lengths[second]) if len(first) else first
    keep = (smaller >= min_shingles) & (shared >= 0.5 * threshold * smaller)
    if across_sources_only and len(first):
        source = np.array([a.source for a in articles], dtype=object)
        keep &= source[first] != source[second]
    for i, j in zip(first[keep].tolist(), second[keep].tolist()):
        score = containment(sets[i], sets[j])
        if score >= threshold:
            pairs[articles[i].id, articles[j].id] = score
    return assign_canonicals({a.id: len(a.text) for a in articles}, pairs)


def assign_canonicals(lengths: Mapping[str, int], pairs: Mapping[tuple[str, str], float]) -> list[DuplicateLink]:
    """Links from near-duplicate pairs: each article to its best longer canonical neighbour.

    Args:
        lengths: text length of every article the pairs mention (others are ignored).
        pairs: ``(id, id) -> containment`` for pairs at or above the threshold.

    Articles are visited longest first (ties: smaller id); one becomes a duplicate of
    the best-scoring neighbour visited before it that is itself canonical, so the
    result depends only on the pairs, never on their order, and the links of one
    connected group of pairs do not depend on any other group.

    Returns:
        Links sorted by (canonical_id, article_id).
    """
    neighbours: dict[str, list[tuple[str, float]]] = {}
    for (a, b), score in pairs.items():
        if a in lengths and b in lengths and a != b:
            neighbours.setdefault(a, []).append((b, score))
            neighbours.setdefault(b, []).append((a, score))
    rank = sorted(neighbours, key=lambda i: (-lengths[i], i))
    place = {i: r for r, i in enumerate(rank)}
    canonical_of: dict[str, str] = {}
    links = []
    for i in rank:
        best = None
        for j, score in neighbours[i]:
            if place[j] < place[i] and j not in canonical_of:
                if best is None or (score, -place[j]) > (best[1], -place[best[0]]):
                    best = (j, score)
        if best is not None:
            canonical_of[i] = best[0]
            links.append(DuplicateLink(i, best[0], round(best[1], 4)))
    return sorted(links, key=lambda lk: (lk.canonical_id, lk.article_id))
