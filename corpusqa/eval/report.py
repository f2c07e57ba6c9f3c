"""Evaluation reports: JSON, a Markdown table, PNG plots, and a per-question diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

COLUMNS = (
    ("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"), ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"), ("answer_contained@1", "AC@1"), ("highlight_em", "EM"),
    ("highlight_f1", "F1"), ("citation_validity", "cite ok"),
)


def md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table: ``header`` cells, then one line per row (cells as ``str``).

    The one table formatter of the package: the evaluation reports and every bench use it.
    """
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def markdown_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per configuration: retrieval, answer, abstention and latency figures."""
    head = ["config", "n"] + [label for _, label in COLUMNS] + [
        "abst P", "abst R", "abst F1", "false refusal", "p50 ms", "p95 ms"]
    rows = []
    for name, s in results.items():
        lat = s.get("latency_ms", {}).get("total_ms", {"p50": 0.0, "p95": 0.0})
        ab = s["abstention"]
        row = [name, str(s["questions"])] + [f"{s[key]:.3f}" for key, _ in COLUMNS] + [
            f"{ab['precision']:.3f}", f"{ab['recall']:.3f}", f"{ab['f1']:.3f}",
            f"{ab['false_refusal_rate']:.3f}", f"{lat['p50']:.0f}", f"{lat['p95']:.0f}"]
        rows.append(row)
    return md_table(head, rows)


def latency_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """p50/p95 per stage and configuration."""
    return md_table(["config", "stage", "p50 ms", "p95 ms"],
                    [(name, stage, f"{v['p50']:.1f}", f"{v['p95']:.1f}")
                     for name, s in results.items() for stage, v in s.get("latency_ms", {}).items()])


def diff_runs(baseline: Sequence[dict], current: Sequence[dict]) -> dict[str, list[dict]]:
    """What got worse and what got better, per question, against a saved run.

    A question is *better* when it moved to correct (answerable: gold answer
    contained; unanswerable: abstained) or its first gold rank improved; *worse*
    for the opposite.
    """
    def correct(r: dict) -> bool:
        return bool(r.get("contained")) if r["answerable"] else bool(r["abstained"])

    def rank(r: dict) -> int:
        docs, gold = r.get("docs", []), set(r.get("gold_pids", []))
        return next((i for i, d in enumerate(docs, 1) if d in gold), 99)

    base = {r["qid"]: r for r in baseline}
    better, worse = [], []
    for r in current:
        b = base.get(r["qid"])
        if b is None:
            continue
        entry = {"qid": r["qid"], "question": r["question"],
                 "before": {"correct": correct(b), "rank": rank(b), "answer": b.get("answer")},
                 "after": {"correct": correct(r), "rank": rank(r), "answer": r.get("answer")}}
        if correct(r) and not correct(b) or (correct(r) == correct(b) and rank(r) < rank(b)):
            better.append(entry)
        elif correct(b) and not correct(r) or (correct(r) == correct(b) and rank(r) > rank(b)):
            worse.append(entry)
    return {"better": better, "worse": worse}


def write_report(out_dir: Path, results: Mapping[str, Mapping[str, Any]],
                 records: Mapping[str, Sequence[dict]], curves: Mapping[str, Mapping[int, float]],
                 diff: Mapping[str, Any] | None = None, mixed: Mapping[str, Any] | None = None,
                 mixed_line: str | None = None) -> list[Path]:
    """Write results.json, records.jsonl, report.md and PNG plots into ``out_dir``.

    ``mixed`` (what ``--mixed`` removed) goes into results.json, ``mixed_line`` (the
    same in words) above the table of report.md.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    p = out_dir / "results.json"
    data: dict[str, Any] = {"results": results, "diff": diff}
    if mixed:
        data["mixed"] = dict(mixed)
    p.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(p)
    p = out_dir / "records.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for name, rows in records.items():
            for r in rows:
                fh.write(json.dumps({"config": name, **r}, ensure_ascii=False) + "\n")
    written.append(p)
    md = ["# corpusqa evaluation", ""] + ([mixed_line, ""] if mixed_line else []) + [
        markdown_table(results), "", "## Latency per stage", "", latency_table(results)]
    if diff:
        for name, d in diff.items():
            md += ["", f"## Against the baseline: {name}", "",
                   f"better: {len(d['better'])}, worse: {len(d['worse'])}", ""]
            for kind in ("worse", "better"):
                for e in d[kind]:
                    md.append(f"- {kind}: {e['qid']} {e['question']} "
                              f"(rank {e['before']['rank']}→{e['after']['rank']}, "
                              f"correct {e['before']['correct']}→{e['after']['correct']})")
    p = out_dir / "report.md"
    p.write_text("\n".join(md) + "\n", encoding="utf-8")
    written.append(p)
    written += _plots(out_dir, results, curves)
    return written


def _plots(out_dir: Path, results, curves) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        ks = sorted(curve)
        ax.plot(ks, [curve[k] for k in ks], marker="o", label=name)
    ax.set_xlabel("k")
    ax.set_ylabel("Recall@k (document)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    p = out_dir / "recall_at_k.png"
    fig.savefig(p, dpi=120)
    plt.close(fig)
    paths.append(p)

    stages = sorted({s for r in results.values() for s in r.get("latency_ms", {})
                     if s not in ("total_ms", "wall_ms")})
    if stages:
        fig, ax = plt.subplots(figsize=(7, 4))
        width = 0.8 / max(1, len(results))
        for i, (name, r) in enumerate(results.items()):
            vals = [r["latency_ms"].get(s, {}).get("p50", 0.0) for s in stages]
            ax.bar([j + i * width for j in range(len(stages))], vals, width, label=name)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(stages))])
        ax.set_xticklabels([s.replace("_ms", "") for s in stages])
        ax.set_ylabel("p50 latency (ms)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = out_dir / "latency_per_stage.png"
        fig.savefig(p, dpi=120)
        plt.close(fig)
        paths.append(p)
    return paths
