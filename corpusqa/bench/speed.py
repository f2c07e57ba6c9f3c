"""`corpusqa bench`: speed and memory, as a table of absolute figures and ratios.

Machines here are noisy, so every timing is also reported as a ratio to a fixed
baseline workload measured in the same run (pure-Python and NumPy arithmetic,
single thread). Compare ratios across runs and machines, not seconds.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from corpusqa.bench.report import peak_rss_mb
from corpusqa.eval.metrics import percentile
from corpusqa.eval.report import md_table
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace, default_corpus_paths


def baseline_seconds(repeat: int = 3) -> float:
    """Best-of-``repeat`` time of a fixed CPU workload (the unit of the ratios)."""
    best = float("inf")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 300))
    for _ in range(repeat):
        t0 = time.perf_counter()
        total = 0
        for i in range(600_000):
            total += i * i % 7
        for _ in range(20):
            a = np.tanh(a @ a.T / 300.0)
        best = min(best, time.perf_counter() - t0)
    return best


def run_bench(settings: Settings, encoders: Sequence[str], corpus: Sequence[Path],
              n_questions: int, progress: bool = False) -> dict:
    """Ingest, index build per encoder and ask latency per stage; a dict of rows."""
    from corpusqa.eval.gold import load_gold

    base = baseline_seconds()
    rows: list[dict] = [{"task": "baseline workload", "seconds": base, "ratio": 1.0}]
    paths = list(corpus) or default_corpus_paths()
    questions = [i for i in load_gold() if i.answerable][:n_questions] if not corpus else []
    with tempfile.TemporaryDirectory() as tmp:
        for enc in encoders:
            s = replace(settings, home=Path(tmp) / enc.replace(":", "_").replace("/", "_"),
                        encoder=enc, progress=progress)
            workspace = Workspace(s)
            t0 = time.perf_counter()
            report = workspace.ingest(paths, progress=progress)
            t_ing = time.perf_counter() - t0
            rows.append({"task": f"ingest ({report.articles} articles)", "encoder": enc,
                         "seconds": t_ing, "ratio": t_ing / base})
            t0 = time.perf_counter()
            b = workspace.build_index(progress=progress)
            t_idx = time.perf_counter() - t0
            rows.append({"task": f"index build ({b.chunks} chunks, {b.sentences} sentences)",
                         "encoder": enc, "seconds": t_idx, "ratio": t_idx / base,
                         "rate": f"{b.chunks / t_idx:.1f} chunks/s (whole build)",
                         "size_mb": round(b.size_bytes / 1e6, 2)})
            if not questions:
                continue
            t0 = time.perf_counter()
            assistant = Workspace(replace(s, reranker=None)).open_assistant()
            t_load = time.perf_counter() - t0
            rows.append({"task": "assistant load", "encoder": enc, "seconds": t_load,
                         "ratio": t_load / base})
            stages: dict[str, list[float]] = {}
            for item in questions:
                ans = assistant.ask(item.question, None, list(item.history) or None)
                for k, v in ans.timings_ms.items():
                    stages.setdefault(k, []).append(v)
            for stage, vals in stages.items():
                p50, p95 = percentile(vals, 50) / 1000, percentile(vals, 95) / 1000
                rows.append({"task": f"ask {stage[:-3]} p50/p95 ({len(vals)} questions)",
                             "encoder": enc, "seconds": p50, "p95_seconds": p95,
                             "ratio": p50 / base})
    rows.append({"task": "peak memory", "size_mb": round(peak_rss_mb(), 1)})
    return {"baseline_seconds": base, "rows": rows}


def format_table(result: dict) -> str:
    """A Markdown table of the bench rows."""
    rows = []
    for r in result["rows"]:
        secs = ""
        if "p95_seconds" in r:
            secs = f"{r['seconds'] * 1000:.1f} / {r['p95_seconds'] * 1000:.1f} ms"
        elif "seconds" in r:
            secs = f"{r['seconds']:.3f} s"
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else ""
        rows.append((r["task"], r.get("encoder", ""), secs, ratio, r.get("rate", ""), r.get("size_mb", "")))
    return md_table(["task", "encoder", "time", "ratio to baseline", "rate", "MB"], rows)
