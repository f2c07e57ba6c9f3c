"""Run the scale bench over several sizes and report a table, JSON and a plot."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from corpusqa.bench.scale import run_child
from corpusqa.eval.report import md_table

QUICK_SIZES = (1_000, 4_000)
QUICK_INGEST = (1_000,)


def run_scale(sizes: Sequence[int], encoder: str, bench_root: Path | None, out_dir: Path, sample: int = 256,
              questions: int = 100, ann_kinds: Sequence[str] = ("flat", "hnsw", "ivf"),
              ann_max: int = 200_000, add_max: int = 200_000, work_dir: Path | None = None,
              echo=print, ingest_sizes: Sequence[int] = (), lite_max: int = 0) -> dict:
    """Ingest archives of ``ingest_sizes`` articles, then build, ask and compare FAISS kinds
    at each size in chunks; children run one phase each. Up to ``lite_max`` chunks the same
    corpus and vectors are also built and asked in milvus-lite (``scale.lite_phase``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    env = {"OMP_NUM_THREADS": "1"}  # the baseline (one query embedding) runs on one thread
    ingests = []
    for n in ingest_sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"corpusqa-ingest-{n}-", dir=work_dir))
        try:
            echo(f"[scale] ingest {n} articles")
            args = ["--home", str(tmp), "--size", str(n), *(["--bench-root", str(bench_root)] if bench_root else [])]
            ingests.append(run_child("ingest", args, env))
            (out_dir / "ingest.json").write_text(json.dumps(ingests, ensure_ascii=False, indent=2))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for size in sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"corpusqa-scale-{size}-", dir=work_dir))
        try:
            common = ["--home", str(tmp), "--encoder", encoder, *(["--bench-root", str(bench_root)] if bench_root else [])]
            echo(f"[scale] {size} chunks: build")
            extra = ["--measure-add"] if size <= add_max else []
            row = {"size": size, "build": run_child("build", [*common, "--size", str(size), "--sample", str(sample),
                                                              *extra], env)}
            echo(f"[scale] {size} chunks: ask")
            row["ask"] = run_child("ask", [*common, "--questions", str(questions)], env)
            if ann_kinds and size <= ann_max:
                echo(f"[scale] {size} chunks: FAISS kinds")
                row["ann"] = run_child("ann", [*common, "--questions", str(min(questions, 100)),
                                               "--kinds", ",".join(ann_kinds)], env)
            if size <= lite_max:
                echo(f"[scale] {size} chunks: milvus-lite")
                row["lite"] = run_child("lite", [*common, "--questions", str(questions)], env)
            results.append(row)
            (out_dir / "scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    plot(results, out_dir / "scale.png")
    return {"encoder": encoder, "rows": results, "ingest": ingests}


def load_results(paths: list[Path]) -> dict:
    """Rows of earlier runs, merged and sorted by size: ``scale.json`` files (with the
    ``ingest.json`` next to each) or ``ingest.json`` files of ingest-only runs."""
    rows, ingest = [], []
    for path in map(Path, paths):
        found = json.loads(path.read_text())
        if found and "articles_target" in found[0]:
            ingest += found
            continue
        rows += found
        if (path.parent / "ingest.json").is_file():
            ingest += json.loads((path.parent / "ingest.json").read_text())
    return {"rows": sorted(rows, key=lambda r: r["size"]), "ingest": sorted(ingest, key=lambda r: r["articles"])}


def format_ingest(rows: list[dict]) -> list[str]:
    """Markdown lines of the ingest table (none without ingest rows)."""
    if not rows:
        return []
    table = [(f"{r['articles']:,}", f"{r['files']:,}", f"{r['ingest_s']:.1f}", f"{r['files_per_s']:.1f}",
              f"{r['articles_per_s']:,.0f}", f"{r['peak_rss_mb']:,.0f}", f"{r['db_mb']:,.0f}",
              f"{r['duplicates']:,}", f"{r['add_file_s']:.3f}", f"{r['batch_dedupe_s']:.2f}",
              f"{r['add_vs_batch']:.4f}", _links_cell(r)) for r in rows]
    return ["Ingest (JSONL files of 100 articles; add = one more file of 10 articles, near-duplicate links "
            "included; batch = the full near-duplicate run every ingest used to do)", "",
            md_table(["articles", "files", "ingest s", "files/s", "articles/s", "peak RSS MB", "DB MB",
                      "duplicates", "add 1 file s", "batch dedupe s", "add / batch",
                      "links = batch (else: +only incremental / -only batch)"], table), ""]


def _links_cell(r: dict) -> str:
    if r["batch_matches"]:
        return "yes"
    if "links_only_incremental" not in r:
        return "no"
    return (f"+{r['links_only_incremental']} ({r['only_incremental_true']} true) / "
            f"-{r['links_only_batch']}")


def format_tables(result: dict) -> str:
    """Markdown: ingest, build, ask and FAISS tables."""
    if not result["rows"]:
        return "\n".join(format_ingest(result.get("ingest") or []))
    build = []
    for r in result["rows"]:
        b = r["build"]
        rate = b["chunks"] / b["overhead_s"] if b["overhead_s"] else 0
        build.append((f"{b['chunks']:,}", f"{b['cleaning_s']:.1f}", f"{b['sqlite_s']:.1f}", f"{b['chunking_s']:.1f}",
                      f"{b['lexical_s']:.1f}", f"{b['faiss_s']:.1f} ({b['faiss']})",
                      f"{b['embed_s']:,.0f} ({b['embed_chunk_rate']:.1f} chunks/s)", f"{b['overhead_ratio']:.3f}",
                      f"{rate:,.0f}", f"{b['peak_rss_mb']:,.0f}", f"{b['index_mb'] + b['db_mb']:,.0f}",
                      _add_cell(b)))
    lines = [*format_ingest(result.get("ingest") or []),
             "Build (seconds; ratio = stage / extrapolated pure embedding time)", "",
             md_table(["chunks", "cleaning", "SQLite", "chunking", "BM25", "FAISS", "embedding (extrap.)",
                       "overhead / embedding", "chunks/s w/o embedding", "peak RSS MB", "index MB",
                       "add 1 article s"], build)]
    ask = []
    for r in result["rows"]:
        a, ms = r["ask"], r["ask"]["ms"]

        def f(k):
            return f"{ms[k]['p50']:.1f} / {ms[k]['p95']:.1f}" if k in ms else "–"
        rec = "exact" if a.get("ann_recall10") is None else f"{a['ann_recall10']:.3f} ({a['faiss']})"
        ask.append((f"{r['build']['chunks']:,}", f("query_embedding"), f("lexical_search"), f("dense_search"),
                    f("ask_retrieve"), f("ask_extract"), f("ask_total"), f"{a['ask_ratio_p50']:.2f}", rec,
                    f"{a['load_s']:.1f}", f"{a['peak_rss_mb']:,.0f}"))
    lines += ["", "Ask (ms, p50 / p95; ratio = ask p50 / one query embedding p50)", "",
              md_table(["chunks", "query embedding", "BM25", "FAISS", "retrieve", "extract", "ask total", "ratio",
                        "ANN recall@10", "load s", "RSS MB"], ask)]
    lines += format_lite(result["rows"])
    ann = [(r["build"]["chunks"], x) for r in result["rows"] for x in (r.get("ann") or {}).get("rows", [])]
    if ann:
        rows = []
        for n, x in ann:
            setting = (f"efSearch {x['ef_search']}" if "ef_search" in x
                       else f"nlist {x['nlist']}, nprobe {x['nprobe']}" if "nprobe" in x else "exact")
            rows.append((f"{n:,}", x["kind"], setting, f"{x['build_s']:.2f}", f"{x['faiss_mb']:.0f}",
                         f"{x['p50_ms']:.2f} / {x['p95_ms']:.2f}", f"{x['recall10']:.3f}"))
        lines += ["", "FAISS kinds on the same vectors (recall@10 against exact search)", "",
                  md_table(["vectors", "kind", "setting", "build s", "MB", "p50 / p95 ms", "recall@10"], rows)]
    return "\n".join(lines)


def format_lite(rows: list[dict]) -> list[str]:
    """Markdown lines comparing milvus-lite with the embedded index (none without lite rows)."""
    table = []
    for r in rows:
        lite, emb = r.get("lite"), r["ask"]
        if not lite:
            continue

        def cell(key: str, stat: str = "p50") -> str:
            a, b = lite["ms"].get(key, {}).get(stat), emb["ms"].get(key, {}).get(stat)
            return f"{a:.1f} vs {b:.1f} ({a / b:.2f}x)" if a is not None and b else "–"
        table.append((f"{r['build']['chunks']:,}", f"{lite['build_s']:.0f} ({lite['build_rows_per_s']:,.0f} rows/s)",
                      cell("lexical_search"), cell("dense_search"), cell("ask_retrieve"), cell("ask_total"),
                      cell("ask_total", "p95"),
                      f"{lite['load_s']:.1f} vs {emb['load_s']:.1f} ({lite['load_s'] / emb['load_s']:.2f}x)",
                      f"{lite['peak_rss_mb']:,.0f} vs {emb['peak_rss_mb']:,.0f} "
                      f"({lite['peak_rss_mb'] / emb['peak_rss_mb']:.2f}x)"))
    if not table:
        return []
    return ["", "milvus-lite against the embedded index (same corpus and vectors; ms p50 unless marked; "
                "lite is a test double inside the process, not a Milvus server)", "",
            md_table(["chunks", "lite build s", "BM25 top 50", "dense top 10", "retrieve", "ask", "ask p95",
                      "load s", "peak RSS MB"], table)]


def _add_cell(b: dict) -> str:
    if "add_article_index_s" not in b:
        return "–"
    tm = b.get("add_article_timings") or {}
    embed = tm.get("embed_chunks_s", 0) + tm.get("embed_sentences_s", 0)
    total = b["add_article_sqlite_s"] + b["add_article_index_s"]
    return f"{total:.2f} ({total - embed:.2f} without embedding)"


def plot(results: list[dict], path: Path) -> None:
    """Ask latency and peak memory against corpus size (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not results:
        return
    n = [r["build"]["chunks"] for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("ask_total", "ask"), ("query_embedding", "one query embedding"),
                       ("lexical_search", "BM25"), ("dense_search", "FAISS")):
        ys = [r["ask"]["ms"].get(key, {}).get("p50") for r in results]
        if all(y is not None for y in ys):
            ax1.plot(n, ys, marker="o", label=label)
    ax1.set(xscale="log", yscale="log", xlabel="chunks", ylabel="p50 ms", title="latency")
    ax1.legend()
    ax2.plot(n, [r["build"]["peak_rss_mb"] for r in results], marker="o", label="build peak RSS")
    ax2.plot(n, [r["ask"]["peak_rss_mb"] for r in results], marker="o", label="ask peak RSS")
    ax2.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="memory")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
