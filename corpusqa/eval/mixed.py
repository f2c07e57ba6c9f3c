"""Mixed evaluation: hide a seeded share of the corpus so that some questions lose their evidence.

The public sets (CMRC 2018, XQuAD) have no unanswerable questions, so on them
abstention can only be seen as false refusals. Removing a share of the passages
before indexing makes every question whose gold passages were *all* removed
unanswerable, and one run then measures answer-contained@1 over the answerable
questions and abstention precision/recall over both kinds, on the same index.

Pure functions: which ids go, how the gold set is relabelled, and the JSONL line
that carries a kept article into the evaluation corpus. ``runner.mixed_corpus``
does the file work.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any, Iterable, Sequence

from corpusqa.eval.gold import GoldItem
from corpusqa.models import Article

MIXED_TAG = "mixed:removed"  # tag of a question made unanswerable by the removal


def _rank_key(seed: int, pid: str) -> str:
    return hashlib.sha1(f"{seed}:{pid}".encode("utf-8")).hexdigest()


def removed_ids(ids: Iterable[str], fraction: float, seed: int = 0) -> frozenset[str]:
    """The ids to remove: the ``floor(fraction * n + 0.5)`` with the smallest ``sha1("SEED:ID")``.

    An exact share of the distinct ids (not a coin toss per id, so a small corpus loses
    what the fraction says), independent of input order, and the same on every run for
    the same seed. A larger fraction with the same seed removes a superset.

    Raises:
        ValueError: ``fraction`` outside [0, 1).
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"fraction must be in [0, 1), not {fraction}")
    unique = set(ids)
    count = math.floor(fraction * len(unique) + 0.5)
    ranked = sorted(unique, key=lambda pid: (_rank_key(seed, pid), pid))
    return frozenset(ranked[:count])


def relabel(items: Sequence[GoldItem], removed: Iterable[str]) -> list[GoldItem]:
    """The gold set as seen over the corpus without ``removed``.

    A question whose gold ids were all removed becomes unanswerable: answers and gold
    ids emptied, tagged ``MIXED_TAG``. A question that lost only some of its gold ids
    keeps the others (a removed passage cannot be retrieved, so it no longer counts in
    recall). A question without gold ids is kept as it is: with no evidence named,
    nothing says the removal took its answer away.
    """
    gone = frozenset(removed)
    out = []
    for item in items:
        kept = tuple(p for p in item.gold_pids if p not in gone)
        if not item.gold_pids or len(kept) == len(item.gold_pids):
            out.append(item)
        elif kept:
            out.append(replace(item, gold_pids=kept))
        else:
            out.append(replace(item, gold_pids=(), answers=(), tags=(*item.tags, MIXED_TAG)))
    return out


def describe(fraction: float, seed: int, passages: int, removed: int,
             before: Sequence[GoldItem], after: Sequence[GoldItem]) -> dict[str, Any]:
    """What the removal did, for the report: counts of passages and questions."""
    made = sum(1 for b, a in zip(before, after) if b.answerable and not a.answerable)
    return {"fraction": fraction, "seed": seed, "passages": passages, "removed": removed,
            "questions": len(after), "made_unanswerable": made,
            "unanswerable": sum(1 for a in after if not a.answerable)}


def passage_record(article: Article) -> dict[str, Any]:
    """A JSONL corpus line for a kept article: its id as ``pid``, so gold ids still match.

    ``text`` is the stored body (paragraphs joined with newlines), which the JSONL
    loader splits into the same paragraphs again.
    """
    rec: dict[str, Any] = {"pid": article.id, "title": article.title, "text": article.text}
    for key in ("date", "byline", "section", "page"):
        value = getattr(article, key)
        if value:
            rec[key] = value
    if article.extra.get("source"):
        rec["source"] = article.extra["source"]
    return rec
