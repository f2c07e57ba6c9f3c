"""`corpusqa eval`: score retrieval, answers and abstention on a gold set."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from corpusqa.errors import InputError


def _progress(items, enabled: bool, label: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, file=sys.stderr, leave=False)


def run_configs(settings, gold_items, corpus, configs, cache_dir: Path, progress: bool,
                threshold: float | None = None):
    """Evaluate every configuration over the same questions; (results, records, curves)."""
    from corpusqa.answers.assistant import AskConfig, Assistant
    from corpusqa.eval.runner import evaluate_item, prepare_home, recall_curve, summarize

    results, records, curves = {}, {}, {}
    for cfg in configs:
        encoder = cfg.encoder or settings.encoder
        home = prepare_home(settings, corpus, encoder, cfg.chunk_size, cache_dir, progress)
        mode = "hybrid" if cfg.mode == "hybrid+rerank" else cfg.mode
        if cfg.mode == "hybrid+rerank" and not settings.reranker:
            raise InputError("eval.no_reranker")
        run_settings = home if cfg.mode == "hybrid+rerank" else replace(home, reranker=None)
        ask_cfg = replace(AskConfig.calibrated(encoder, mode), passages_k=10)
        if threshold is not None:
            ask_cfg = replace(ask_cfg, threshold=threshold, threshold_override=threshold)
        assistant = Assistant(run_settings, ask_cfg).load()
        rows = [evaluate_item(item, assistant.ask, assistant.articles)
                for item in _progress(gold_items, progress, cfg.name)]
        records[cfg.name] = rows
        results[cfg.name] = summarize(rows)
        curves[cfg.name] = recall_curve(rows)
    return results, records, curves


@click.command("eval")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Gold JSONL (default: the bundled gold set of the sample corpus).")
@click.option("--corpus", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Corpus file or folder (repeatable; default: the bundled sample corpus).")
@click.option("--config", "configs", multiple=True,
              help="MODE[:ENCODER][@CHUNK] with MODE lexical|dense|hybrid|hybrid+rerank (repeatable).")
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write results.json, records.jsonl, report.md and PNG plots here.")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A records.jsonl of an earlier run: report what got better or worse.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where evaluation indexes are kept (default: HOME/eval-cache).")
@click.option("--calibrate", is_flag=True,
              help="Fit ranking weights, confidence model and abstention threshold on the gold "
                   "set first (writes calibration JSON), then evaluate.")
@click.option("--calibration-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --calibrate writes (default: the package's answers/data/calibration.json).")
@click.option("--threshold", type=float,
              help="Override the calibrated abstention threshold (0: never abstain); the answer gate is "
                   "then off and the sentence's confidence alone decides.")
@click.option("--mixed", type=click.FloatRange(0.0, 1.0, max_open=True), metavar="FRACTION",
              help="Remove this seeded share of the corpus's articles (JSONL passages or the "
                   "articles ingest splits pages into, by id) before indexing; a question whose "
                   "gold ids were all removed becomes unanswerable, so one run measures AC@1 on "
                   "the answerable questions and abstention on the rest.")
@click.option("--mixed-seed", type=int, metavar="N",
              help="Seed of the --mixed removal (default 0); same seed, same articles removed.")
@click.option("--index-uri", help="Evaluate on a Milvus index: PATH.db (milvus-lite) or http://host:19530 (as the "
                                  "global --index-uri). The collection there is brought to the evaluated corpus: "
                                  "use one for evaluation only.")
@click.option("--min-contained", type=float, help="Fail (exit 1) if answer-contained@1 is below.")
@click.option("--min-abstention-f1", type=float, help="Fail (exit 1) if abstention F1 is below.")
@click.pass_obj
def eval_command(obj, gold_path, corpus, configs, limit, as_json, report_dir, baseline, cache_dir,
                 calibrate, calibration_out, threshold, mixed, mixed_seed, index_uri, min_contained,
                 min_abstention_f1):
    """Evaluate configurations side by side on a gold question set.

    With --mixed, both --calibrate and the evaluation run on the reduced corpus and the
    relabelled questions.
    """
    from corpusqa.eval.gold import load_gold
    from corpusqa.eval.report import diff_runs, markdown_table, write_report
    from corpusqa.eval.runner import EvalConfig

    settings = obj.settings.with_(index_uri=index_uri)
    if mixed_seed is not None and mixed is None:
        raise InputError("eval.mixed_seed_alone")
    items = load_gold(gold_path, limit)
    cfgs = [EvalConfig.parse(c) for c in (configs or ("hybrid",))]
    cache = cache_dir or settings.home / "eval-cache"
    corpus_paths = list(corpus)
    mixed_info = None
    if mixed is not None:
        from corpusqa.eval.mixed import describe, relabel
        from corpusqa.eval.runner import mixed_corpus

        seed = mixed_seed or 0
        corpus_paths, removed, n_articles = mixed_corpus(settings, corpus_paths, mixed, seed,
                                                         cache, settings.progress)
        relabelled = relabel(items, removed)
        mixed_info = describe(mixed, seed, n_articles, len(removed), items, relabelled)
        items = relabelled
    if calibrate:
        run_calibration(settings, items, corpus_paths, cfgs, cache, settings.progress,
                        calibration_out)
    results, records, curves = run_configs(settings, items, corpus_paths, cfgs, cache,
                                           settings.progress, threshold)
    diff = None
    if baseline:
        base_rows: dict[str, list] = {}
        for line in baseline.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                base_rows.setdefault(r.get("config", ""), []).append(r)
        # compare like with like: a configuration absent from the baseline is skipped
        diff = {name: diff_runs(base_rows[name], rows) for name, rows in records.items()
                if name in base_rows}
    summary = obj.msg("eval.mixed_summary", **mixed_info) if mixed_info else None
    if report_dir:
        paths = write_report(report_dir, results, records, curves, diff, mixed_info, summary)
        for p in paths:
            click.echo(str(p), err=True)
    if as_json:
        out = {"results": results, "diff": diff}
        if mixed_info:
            out["mixed"] = mixed_info
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        if summary:
            click.echo(summary + "\n")
        click.echo(markdown_table(results))
    failed = []
    for name, s in results.items():
        if min_contained is not None and s["answer_contained@1"] < min_contained:
            failed.append(f"{name}: answer-contained@1 {s['answer_contained@1']:.3f} < {min_contained}")
        if min_abstention_f1 is not None and s["abstention"]["f1"] < min_abstention_f1:
            failed.append(f"{name}: abstention F1 {s['abstention']['f1']:.3f} < {min_abstention_f1}")
    if failed:
        for f in failed:
            click.echo(obj.msg("eval.gate_failed", detail=f), err=True)
        raise SystemExit(1)


def run_calibration(settings, items, corpus, cfgs, cache_dir: Path, progress: bool,
              out: Path | None) -> Path:
    """Fit weights, confidence and threshold per configuration; write calibration JSON."""
    from corpusqa.answers.assistant import AskConfig, Assistant
    from corpusqa.eval.runner import prepare_home
    from corpusqa.eval.tune import tune

    target = out or Path(__file__).resolve().parent.parent / "answers" / "data" / "calibration.json"
    data = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    for cfg in cfgs:
        encoder = cfg.encoder or settings.encoder
        home = prepare_home(settings, corpus, encoder, cfg.chunk_size, cache_dir, progress)
        mode = "hybrid" if cfg.mode == "hybrid+rerank" else cfg.mode

        def factory(dense_weight, home=home, mode=mode):
            return Assistant(replace(home, reranker=None),
                             AskConfig(mode=mode, dense_weight=dense_weight)).load()

        dense_weights = (0.25, 0.5, 0.75, 1.0) if mode == "hybrid" else (1.0,)
        entry = tune(factory, items, dense_weights)
        data[f"{encoder}|{mode}"] = entry
        click.echo(f"{encoder}|{mode}: dense weight {entry['dense_weight']}, threshold "
                   f"{entry['threshold']:.4f}, utility {entry['utility']:.3f}, accuracy "
                   f"{entry['accuracy']:.3f}, abstention F1 {entry['abstention_f1']:.3f}", err=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                      encoding="utf-8")
    return target


def register(group: click.Group) -> None:
    group.add_command(eval_command)
