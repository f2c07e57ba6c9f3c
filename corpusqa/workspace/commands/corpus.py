"""``corpusqa ingest`` and ``corpusqa corpus stats|list|show|remove``: thin wrappers over ``Workspace``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from corpusqa.errors import CorpusError, InputError
from corpusqa.models import Article
from corpusqa.workspace.home import IngestReport, RemoveReport, Workspace

MAX_WARNINGS = 3  # per file in human output; --json has them all


def register(group: click.Group) -> None:
    """Add the corpus commands to the ``corpusqa`` group."""
    group.add_command(ingest)
    group.add_command(corpus)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True,
              help="Also remove the sources whose file is gone from the folders, and update the index.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def ingest(obj, paths: tuple[Path, ...], prune: bool, as_json: bool) -> None:
    """Add files or folders (.txt .md .html .docx .pdf .jsonl) to the corpus.

    Unchanged files are skipped, changed files replace their articles, and a
    file that cannot be read is reported and skipped (exit code 1). With --prune,
    files deleted from a folder leave the corpus and the index too.
    """
    settings = obj.settings
    report = Workspace(settings).ingest(paths, progress=settings.progress, prune=prune)
    if as_json:
        _echo_json(report.to_dict())
    else:
        _print_report(obj, report)
    failed = report.counts()["error"]
    if failed:
        key = "corpus.ingest.all_failed" if failed == len(report.files) else "corpus.ingest.some_failed"
        raise InputError(key, failed=failed, total=len(report.files))


def _print_report(obj, report: IngestReport) -> None:
    lang = obj.settings.language
    for f in report.files:
        status = obj.msg(f"corpus.status.{f.status}")
        if f.error is not None:
            click.echo(f"{status}  {f.error.text(lang)}")
        else:
            click.echo(obj.msg("corpus.ingest.file_line", status=status, name=f.name, n=f.articles))
        for w in f.warnings[:MAX_WARNINGS]:
            click.echo(f"    ! {w.text(lang)}")
        if len(f.warnings) > MAX_WARNINGS:
            click.echo(f"    ! {obj.msg('corpus.ingest.more_warnings', n=len(f.warnings) - MAX_WARNINGS)}")
    for name in report.removed:
        click.echo(obj.msg("corpus.ingest.pruned", status=obj.msg("corpus.status.removed"), name=name))
    if report.index is not None:
        click.echo(obj.msg("corpus.remove.index_updated", chunks=report.index["chunks"]))
    counts = report.counts()
    click.echo(obj.msg("corpus.ingest.summary", files=len(report.files), added=counts["added"],
                       updated=counts["updated"], unchanged=counts["unchanged"], errors=counts["error"],
                       articles=report.articles, duplicates=report.duplicates))


@click.group("corpus")
def corpus() -> None:
    """Look at the stored articles (stats, list, show) and remove some."""


@corpus.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stats(obj, as_json: bool) -> None:
    """Counts of articles, near-duplicates, source files and characters."""
    data = Workspace(obj.settings).corpus_stats()
    if as_json:
        _echo_json(data)
        return
    if not data["articles"]:
        click.echo(obj.msg("corpus.empty"))
        return
    click.echo(obj.msg("corpus.stats.text", **{**data, "last_ingested": data["last_ingested"]
                                                 or obj.msg("corpus.never")}))


@corpus.command("list")
@click.option("--source", help="Only articles from this source file.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N articles.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_(obj, source: str | None, limit: int | None, as_json: bool) -> None:
    """Articles in source order, with near-duplicate markers."""
    with Workspace(obj.settings).corpus() as store:
        canonical = store.canonical_map()
        copies: dict[str, list[str]] = {}
        for dup, can in sorted(canonical.items()):
            copies.setdefault(can, []).append(dup)
        rows: list[dict[str, Any]] = []
        for a in store.iter_articles(source=source):
            if limit is not None and len(rows) >= limit:
                break
            head = canonical.get(a.id, a.id)
            group = [head, *copies.get(head, [])]
            also = [i for i in group if i != a.id] if len(group) > 1 else []
            rows.append({"id": a.id, "source": a.source, "position": a.position, "date": a.date,
                         "title": a.title, "n_chars": len(a.text), "canonical_id": canonical.get(a.id),
                         "also_in": also})
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo(obj.msg("corpus.empty") if source is None else "-")
        return
    for r in rows:
        title = r["title"] or obj.msg("corpus.list.untitled")
        title = title if len(title) <= 30 else title[:29] + "…"
        if r["canonical_id"]:
            mark = f"  [{obj.msg('corpus.list.duplicate_of', id=r['canonical_id'])}]"
        elif r["also_in"]:
            mark = f"  [{obj.msg('corpus.list.also_in', ids=', '.join(r['also_in']))}]"
        else:
            mark = ""
        click.echo(f"{r['id']}  {r['source']}#{r['position']}  {r['date'] or '-'}  {title}{mark}")


@corpus.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj, article_id: str, as_json: bool) -> None:
    """One article: metadata, then its paragraphs with index and character offsets."""
    with Workspace(obj.settings).corpus() as store:
        article = _resolve(store, article_id.strip())
        canonical_id = store.canonical_map().get(article.id)
        also_in = store.also_in(article.id)
    if as_json:
        data = article.to_dict()
        for p in data["paragraphs"]:
            p["text"] = article.text[p["start"]:p["end"]]
        _echo_json({**data, "canonical_id": canonical_id, "also_in": also_in})
        return
    _print_article(obj, article, canonical_id, also_in)


def _resolve(store, article_id: str) -> Article:
    """The article with this id, or the only one whose id starts with it (4+ characters)."""
    article = store.get_article(article_id)
    if article is not None:
        return article
    matches = store.find_ids(article_id) if len(article_id) >= 4 else []
    if len(matches) == 1:
        return store.get_article(matches[0])
    if len(matches) > 1:
        raise InputError("corpus.show.ambiguous_id", id=article_id, ids=", ".join(matches[:5]))
    raise CorpusError("corpus.show.unknown_id", id=article_id)


def _print_article(obj, a: Article, canonical_id: str | None, also_in: list[str]) -> None:
    click.echo(f"# {a.title or obj.msg('corpus.list.untitled')}")
    click.echo(f"id: {a.id}")
    fields = [("source", f"{a.source} #{a.position}"), ("date", a.date), ("byline", a.byline),
              ("section", a.section), ("page", a.page), ("continued_from", a.continued_from),
              ("chars", len(a.text)), ("duplicate_of", canonical_id),
              ("also_in", ", ".join(i for i in also_in if i != canonical_id) or None)]
    for key, value in fields:
        if value not in (None, ""):
            click.echo(f"{obj.msg(f'corpus.show.field.{key}')}: {value}")
    click.echo(obj.msg("corpus.show.paragraphs"))
    for p in a.paragraphs:
        click.echo(f"[{p.index}] {p.start}-{p.end}  {a.text[p.start:p.end]}")


@corpus.command("remove")
@click.argument("targets", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def remove(obj, targets: tuple[str, ...], as_json: bool) -> None:
    """Remove source files (by name) or articles (by id) from the corpus and the index.

    The index is updated at once: a removed article is never retrieved or cited again.
    """
    report = Workspace(obj.settings).remove(targets, progress=obj.settings.progress)
    if as_json:
        _echo_json(report.to_dict())
        return
    _print_removal(obj, report)


def _print_removal(obj, report: RemoveReport) -> None:
    for name in report.sources:
        click.echo(f"{obj.msg('corpus.status.removed')}  {name}")
    click.echo(obj.msg("corpus.remove.done", sources=len(report.sources), articles=len(report.articles)))
    key, params = report.index_message()
    click.echo(obj.msg(key, **params))
