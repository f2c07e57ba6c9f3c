"""`corpusqa data`: build and convert evaluation sets.

    corpusqa data resolve-gold
    corpusqa data crosslingual part1.en.questions.jsonl part1.zh.questions.jsonl en-on-zh.jsonl
    corpusqa data script-copy OUT_DIR --to traditional --passages P.jsonl --questions Q.jsonl
    corpusqa data news-questions --out bench-output/synthetic-news.jsonl

Every file written is in the gold JSONL format that ``corpusqa eval --gold`` reads (or the
passages format ``--corpus`` reads).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from corpusqa.errors import InputError
from corpusqa.eval.synthetic_news import DROP

_PATH = click.Path(dir_okay=False, path_type=Path)


@click.group("data")
def data_group():
    """Build evaluation sets: the bundled gold ids, cross-lingual sets, script copies,
    synthetic news questions."""


@data_group.command("resolve-gold")
@click.option("--out", type=_PATH,
              help="Where to write (default: the bundled gold set, corpusqa/eval/data/gold.jsonl).")
@click.option("--raw", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Another raw set about the sample corpus (evidence strings, as gold_raw.jsonl); "
                   "needs --out.")
@click.pass_obj
def resolve_gold_command(obj, out, raw):
    """Resolve the bundled gold set's evidence to article ids of the sample corpus.

    Run it when segmentation changes (a test says so); exit 1 when some evidence is no
    longer found. ``--raw`` resolves another set written the same way (e.g. the fresh
    held-out questions, ``eval/data/fresh_raw.jsonl``).
    """
    from corpusqa.eval.gold import resolve_bundled

    if raw is not None and out is None:
        raise click.UsageError("--raw needs --out")
    path, written, problems, skipped = resolve_bundled(out, raw)
    for line in skipped + problems:
        click.echo(line, err=True)
    click.echo(obj.msg("data.gold_resolved", written=written, path=str(path), skipped=len(skipped),
                       unresolved=len(problems)), err=True)
    if problems:
        raise InputError("data.gold_unresolved", n=len(problems))


@data_group.command("crosslingual")
@click.argument("questions", type=_PATH)
@click.argument("gold", type=_PATH)
@click.argument("out", type=_PATH)
@click.pass_obj
def crosslingual_command(obj, questions, gold, out):
    """Questions of one language with the gold of another, joined by qid (XQuAD).

    QUESTIONS gives each record's question (e.g. part1.en.questions.jsonl), GOLD its
    gold_pids and answers (part1.zh.questions.jsonl); OUT is the joined gold JSONL.
    """
    from corpusqa.eval.crosslingual import join_by_qid
    from corpusqa.eval.gold import read_jsonl, write_jsonl

    rows = join_by_qid(read_jsonl(questions, ("qid", "question")), read_jsonl(gold, ("qid",)))
    n = write_jsonl(out, rows)
    click.echo(obj.msg("data.written", n=n, path=str(out)), err=True)


@data_group.command("script-copy")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--to", type=click.Choice(["traditional", "simplified"]), default="traditional",
              show_default=True, help="The script to convert into (OpenCC).")
@click.option("--passages", type=_PATH, help="A passages JSONL (title and text converted).")
@click.option("--questions", type=_PATH, help="A questions JSONL (question and answers converted).")
def script_copy_command(out_dir, to, passages, questions):
    """Copy a set into the other Chinese script, to check script folding.

    Ids and offsets are kept; writes OUT_DIR/<same file names> and prints the counts
    (with "misplaced": answers no longer at their offset, when both files are given).
    """
    from corpusqa.eval.variants_copy import copy_set

    counts = copy_set(out_dir, to, passages, questions)
    click.echo(json.dumps(counts, ensure_ascii=False))


@data_group.command("news-questions")
@click.option("--out", type=_PATH, required=True, help="The gold JSONL file to write.")
@click.option("--corpus", multiple=True, type=click.Path(path_type=Path),
              help="Corpus file or folder (repeatable; default: the bundled sample corpus).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seeds the word dropout and the --limit sample.")
@click.option("--limit", type=int, help="At most N questions (a seeded sample).")
@click.option("--drop", type=float, default=DROP, show_default=True,
              help="Share of words left out of each question (0: the clause as printed).")
def news_questions_command(out, corpus, seed, limit, drop):
    """Synthetic questions from the corpus's figures, kept only where unambiguous.

    Prints a JSON summary: questions written, by kind, and the output file.
    """
    from corpusqa.eval.gold import write_jsonl
    from corpusqa.eval.synthetic_news import build_questions, corpus_articles

    if not 0 <= drop < 1:
        raise InputError("data.bad_drop", drop=drop)
    if limit is not None and limit < 1:
        raise InputError("data.bad_limit", limit=limit)
    for p in corpus:
        if not p.exists():
            raise InputError("data.corpus_missing", path=str(p))
    records = build_questions(corpus_articles(list(corpus)), seed=seed, limit=limit, drop=drop)
    write_jsonl(out, records)
    kinds = Counter(r["tags"][1] for r in records)
    click.echo(json.dumps({"questions": len(records), "by_kind": dict(sorted(kinds.items())),
                           "out": str(out)}, ensure_ascii=False))


def register(group: click.Group) -> None:
    group.add_command(data_group)
