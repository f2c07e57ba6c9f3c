"""The index side of a home whose index lives in Milvus (``settings.index_uri``).

``Workspace`` calls these instead of the embedded ``IndexBuilder`` when an index URI is
set; the corpus database stays in the home. Reports have the embedded index's shapes
(``BuildReport``, ``IndexInfo``) so the commands print them alike. Every call opens the
index and closes its connection before returning, without stopping a milvus-lite server
that an assistant of the same process is still searching (``MilvusIndex.close``).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from corpusqa.errors import SearchIndexError
from corpusqa.index.builder import BuildReport
from corpusqa.index.milvus import MilvusIndex, MilvusReport, is_lite
from corpusqa.index.versions import dir_size
from corpusqa.models import Article
from corpusqa.settings import Settings

log = logging.getLogger(__name__)


@contextlib.contextmanager
def opened(settings: Settings, **kwargs) -> Iterator[MilvusIndex]:
    """The Milvus index of ``settings``, closed afterwards (a lite server keeps running)."""
    index = MilvusIndex.from_settings(settings, **kwargs)
    try:
        yield index
    finally:
        index.close(release=False)


def _report(index: MilvusIndex, r: MilvusReport, total_articles: int, total_chunks: int) -> BuildReport:
    # chunks kept in the collection and chunks whose vector came from the vector cache both
    # count as reused: only ``embedded_chunks`` went through the encoder
    embedded = max(r.embedded - r.reused, 0)
    return BuildReport(
        path=f"{index.uri}#{r.collection}", version=r.collection, articles=total_articles, chunks=total_chunks,
        sentences=0, encoder=r.encoder, faiss=None, sentence_vectors=False, embedded_chunks=embedded,
        reused_chunks=max(total_chunks - embedded, 0), embedded_sentences=0, reused_sentences=0,
        seconds=r.seconds, size_bytes=_size(index.uri), timings={})


def _size(uri: str) -> int:
    """Bytes of a milvus-lite file (0 for a server: its storage is not ours to measure)."""
    if not is_lite(uri):
        return 0
    path = Path(uri)
    return dir_size(path) if path.is_dir() else (path.stat().st_size if path.exists() else 0)


def build(settings: Settings, articles: Sequence[Article], canonical: Mapping[str, str],
          chunk_size: int | None, chunk_overlap: int | None, faiss_kind: str = "auto") -> BuildReport:
    """A fresh collection from every article, published by moving the alias."""
    index_type = "HNSW" if faiss_kind == "hnsw" else "FLAT"
    with opened(settings, chunk_size=chunk_size, chunk_overlap=chunk_overlap, index_type=index_type) as index:
        r = index.build(articles, canonical=canonical)
        return _report(index, r, r.articles, r.chunks)


def update(settings: Settings, articles: Sequence[Article], canonical: Mapping[str, str],
           chunk_size: int | None, chunk_overlap: int | None) -> BuildReport:
    """Bring the collection up to date: only new or changed articles are embedded.

    A fresh build instead when there is no collection yet, when it was built with another
    encoder or tokenizer (``settings.encoder`` asks for a switch), or with other chunk
    settings than the ones asked for.
    """
    with opened(settings) as index:
        try:
            index.load(check_encoder=True)
        except SearchIndexError as exc:
            if exc.key.startswith("milvus."):
                raise  # unreachable, refused: nothing to rebuild
            log.info("rebuilding the Milvus index: %s", exc.message("en"))
            return build(settings, articles, canonical, chunk_size, chunk_overlap)
        chunker = index.manifest.get("chunker") or {}
        if ((chunk_size is not None and chunk_size != chunker.get("chunk_size"))
                or (chunk_overlap is not None and chunk_overlap != chunker.get("chunk_overlap"))):
            return build(settings, articles, canonical, chunk_size, chunk_overlap)
        r = index.sync(articles, canonical=canonical)
        return _report(index, r, r.articles, r.chunks)


def remove(settings: Settings, removed: set[str]) -> BuildReport | None:
    """Delete the ``removed`` articles' chunks from the live collection (None without one)."""
    with opened(settings) as index:
        if index.live_collection() is None:
            return None
        index.load(check_encoder=False)
        r = index.delete(sorted(removed))
        counts = index.manifest.get("counts") or {}
        spec = (index.manifest.get("encoder") or {}).get("name") or "none"
        report = MilvusReport(index.uri, index.collection or "", index.alias, None, 0, 0, spec, 0.0, deleted=r)
        return _report(index, report, int(counts.get("articles", 0)), int(counts.get("chunks", 0)))


def check(settings: Settings) -> tuple[str, dict[str, Any], int]:
    """(collection, manifest, chunks) after every check the assistant makes (encoder, tokenizer)."""
    with opened(settings) as index:
        index.load(check_encoder=True)
        return index.collection or "", index.manifest, len(index)


def info(settings: Settings, size: bool) -> tuple[str, dict[str, Any], int, int | None] | None:
    """(collection, manifest, chunks, size) of the live collection, unchecked; None if none."""
    with opened(settings) as index:
        found = index.describe()
        if found is None:
            return None
        name, manifest = found
        chunks = int((manifest.get("counts") or {}).get("chunks", 0))
        return name, manifest, chunks, _size(index.uri) if size else None


def ensure_reachable(settings: Settings) -> None:
    """Raise the one-line error now when the server is away or refuses the credentials
    (before a write reads the corpus or ingests the sample corpus)."""
    with opened(settings) as index:
        index.live_collection()


def live_collection(settings: Settings) -> str | None:
    """The collection the alias points at now; None when there is none or the server is away."""
    try:
        with opened(settings) as index:
            return index.live_collection()
    except SearchIndexError:
        return None
