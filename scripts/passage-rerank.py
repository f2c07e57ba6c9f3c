#!/usr/bin/env python
"""A passage reranker over the fused hits, replayed offline: document R@1 for each rule.

Phase 1 (cached in ``bench-output/passage-rerank/SET.json``): every answerable question
with a gold article is retrieved once with the default hybrid (no verifier: retrieval
only); the first ``DEPTH`` fused chunks are kept with their titles, and whether the
lexical anchor fired (a clear BM25 first hit) and whether the question has no Chinese.
Phase 2: the passage model scores ``title ｜ chunk`` for each kept hit (cached per model).
Phase 3: the rules below are replayed on the same hits; the lexical and the dense run
alone are listed first (their first hit), so one table holds lexical, dense, hybrid and
hybrid + rerank. Document R@1 counts
near-duplicate copies as one story, as ``corpusqa eval`` does. Follow-up questions are
retrieved as typed.

    .venv/bin/python scripts/passage-rerank.py --model bench-output/passage-run1/final

The bundled gold set's train and calibration splits are in the passage model's training
data; its test split (``gold test``) is not, nor is any other set here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from heldout_sets import CMRC, GOLD, HO, REPO, XQUAD_EN, XQUAD_ZH, default_assistant

OUT = REPO / "bench-output" / "passage-rerank"
TRAD = REPO / "bench-output" / "heldout-eval" / "cmrc-trial-trad"
SETS = (GOLD, ("gold test", HO / "gold-test.jsonl", None), CMRC,
        ("CMRC trial, Traditional", TRAD / "trial.questions.jsonl", [TRAD / "trial.passages.jsonl"]),
        XQUAD_ZH, XQUAD_EN,
        ("synthetic news", REPO / "bench-output" / "synthetic-news.jsonl", None))
DEPTH = 8


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def add_best(name, corpus, rows) -> list[dict]:
    """Each hit's best chunk of its article (``best``), and the first hit of the lexical
    and the dense run alone (``lexical``, ``dense``: their stories), added to a cached dump."""
    if all("best" in h for r in rows for h in r["hits"]) and all("dense" in r for r in rows):
        return rows
    from corpusqa.answers.verifier.passages import best_chunk
    from corpusqa.chinese_script import to_simplified

    assistant = default_assistant(corpus, verifier="none")
    retriever = assistant._retriever()
    for r in rows:
        for h in r["hits"]:
            h["best"] = best_chunk(r["question"], assistant.articles[h["story"][0]].text, to_simplified)
        for run in ("lexical", "dense"):
            top = getattr(retriever, run).retrieve(r["question"], 1)
            r[run] = [top[0].article_id, *top[0].also_in] if top else []
    (OUT / f"{slug(name)}.json").write_text(json.dumps(rows, ensure_ascii=False))
    return rows


def dump(name, gold, corpus) -> list[dict]:
    path = OUT / f"{slug(name)}.json"
    if path.exists():
        return add_best(name, corpus, json.loads(path.read_text()))
    from corpusqa.chinese_script import to_simplified
    from corpusqa.eval.gold import load_gold
    from corpusqa.retrieval.fusion import cross_script

    assistant = default_assistant(corpus, verifier="none")
    retriever = assistant._retriever()
    rows = []
    for item in load_gold(gold):
        if not item.answerable or not item.gold_pids:
            continue
        q = to_simplified(item.question)
        hits, anchored = retriever.retrieve_anchored(q, DEPTH)  # as the answer path does
        rows.append({
            "qid": item.qid, "question": q, "gold": sorted(item.gold_pids),
            "latin": cross_script(q), "anchored": anchored,
            "hits": [{"story": [h.article_id, *h.also_in], "text": h.text,
                      "title": assistant.articles[h.article_id].title} for h in hits]})
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False))
    return add_best(name, corpus, rows)


def scores(name: str, rows: list[dict], model: Path, field: str = "text") -> list[list[float]]:
    key = hashlib.sha1(f"{model.resolve()}:{field}".encode()).hexdigest()[:8]
    path = OUT / f"{slug(name)}.scores-{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    from corpusqa.answers.verifier.inputs import passage_text
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.chinese_script import to_simplified

    v = Verifier(str(model)).load()
    out = [[float(s) for s in v.score(r["question"], [to_simplified(passage_text(h[field], h["title"]))
                                                      for h in r["hits"]])] if r["hits"] else []
           for r in rows]
    path.write_text(json.dumps(out))
    return out


def r1(rows, orders) -> float:
    hit = 0
    for r, order in zip(rows, orders):
        if order:
            hit += bool(set(r["hits"][order[0]]["story"]) & set(r["gold"]))
    return hit / max(1, len(rows))


def rules(depths=(3, 5, 8), margins=(1.0, 2.0), priors=(1.0, 2.0)):
    from corpusqa.answers.verifier.passages import rerank_order

    """name -> f(row, scores) -> order of hit indices.

    Every rule but the first two leaves alone the questions whose BM25 first hit stood
    out (anchored) and those without Chinese (retrieved by the dense run alone, where the
    model measured worse), as the answer path does."""
    def fused(r, s):
        return list(range(len(r["hits"])))

    def pure(r, s, k):
        head = sorted(range(min(k, len(s))), key=lambda i: -s[i])
        return head + list(range(len(head), len(r["hits"])))

    out = {"fused (hybrid, the order before this stage)": fused,
           "rerank top 5, every question": lambda r, s: pure(r, s, 5)}
    for k in depths:
        def gated(f):
            return lambda r, s: fused(r, s) if r["anchored"] or r["latin"] or not s else f(r, s)
        out[f"top {k} by passage score"] = gated(lambda r, s, k=k: pure(r, s, k))
        for m in margins:
            def margin(r, s, k=k, m=m):
                order = fused(r, s)
                best = max(range(min(k, len(s))), key=lambda i: s[i])
                if best and s[best] - s[0] >= m:
                    order.insert(0, order.pop(best))
                return order
            out[f"top {k}: the best moves first if {m:g} over the first"] = gated(margin)
        for w in priors:
            def prior(r, s, k=k, w=w):  # the answer path's rule (answers/verifier/passages.py)
                return rerank_order(s, k, w) + list(range(len(s), len(r["hits"])))
            out[f"top {k}: score - {w:g} log(rank)"] = gated(prior)
    return out


def split_line(name: str, rows: list[dict]) -> str:
    """Fused R@1 and R@5 where the lexical anchor fired and where it did not."""
    def at(r, i):
        return i < len(r["hits"]) and bool(set(r["hits"][i]["story"]) & set(r["gold"]))

    parts = []
    for label, part in (("anchored", [r for r in rows if r["anchored"]]),
                        ("not anchored", [r for r in rows if not r["anchored"]])):
        if part:
            r1 = sum(at(r, 0) for r in part) / len(part)
            r5 = sum(any(at(r, i) for i in range(5)) for r in part) / len(part)
            parts.append(f"{label} {len(part)}: R@1 {r1:.3f}, R@5 {r5:.3f}")
    return f"{name}: n={len(rows)}; " + "; ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, help="a trained passage scorer folder")
    ap.add_argument("--dump-only", action="store_true", help="phase 1 only (no model)")
    ap.add_argument("--text", choices=["text", "best"], default="text",
                    help="score the shown chunk (text) or the article's best-matching chunk (best)")
    ap.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    ap.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = ap.parse_args()
    want = {s.strip() for s in args.sets.split(",") if s.strip()}
    table: dict[str, dict[str, float]] = {}
    ns = {}
    for name, gold, corpus in SETS:
        if want and name not in want:
            continue
        rows = dump(name, gold, corpus)
        if args.dump_only or args.model is None:
            print(split_line(name, rows), flush=True)
            continue
        s = scores(name, rows, args.model, args.text)
        ns[name] = len(rows)
        for run in ("lexical", "dense"):
            table.setdefault(f"{run} alone", {})[name] = (
                sum(bool(set(r[run]) & set(r["gold"])) for r in rows) / max(1, len(rows)))
        for rule, f in rules().items():
            table.setdefault(rule, {})[name] = r1(rows, [f(r, x) for r, x in zip(rows, s)])
        print(split_line(name, rows), flush=True)
    names = list(ns)
    if not names:
        return
    print("| rule | " + " | ".join(f"{n} ({ns[n]})" for n in names) + " | worst vs fused |")
    print("|---|" + "---|" * (len(names) + 1))
    base = table[next(iter(rules()))]
    for rule, vals in table.items():
        worst = min(vals[n] - base[n] for n in names)
        print(f"| {rule} | " + " | ".join(f"{vals[n]:.3f}" for n in names) + f" | {worst:+.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"n": ns, "r@1": table}, indent=1))


if __name__ == "__main__":
    main()
