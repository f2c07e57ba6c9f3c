"""``Workspace``: one home, and the order its stages run in.

A home is a data directory (``settings.home``)::

    corpus.db     the stored articles (corpus/)
    index/        versions of the search index (index/)
    feedback.db   ratings given in the web chat (ui/)
    uploads/      files added through the web chat (ui/)
    .write.lock   held by the one process writing (``lock.py``)

Ingest files into the corpus, bring the index up to date with the corpus, open an
``Assistant`` over both: this module is the only one that ties those stages together.
Every write (ingest, index build/update, removal) holds the home's write lock, so two
processes (two CLI runs, or a web upload during a CLI update) never interleave.
The CLI, the web chat and the evaluation call it and never reach into the stages'
internals (``[tool.importlinter]`` in pyproject.toml checks that).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from corpusqa.corpus.ingest import IngestReport, Ingestor, default_corpus_paths, ensure_corpus
from corpusqa.corpus.loaders import FORMATS
from corpusqa.corpus.remove import RemovalPlan, apply_removal, gone_sources, resolve_targets
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import CorpusQAError, SearchIndexError
from corpusqa.index.builder import SENTENCE_MODES, BuildOptions, BuildReport, IndexBuilder
from corpusqa.index.dense import KINDS as FAISS_KINDS
from corpusqa.index.manifest import encoder_name, read_manifest
from corpusqa.index.versions import current_dir, dir_size
from corpusqa.models import Article
from corpusqa.settings import Settings
from corpusqa.workspace.lock import WRITE_WAIT_S, HomeLock
from corpusqa.workspace.removal import RemoveReport, reindex_without

if TYPE_CHECKING:
    from corpusqa.answers.assistant import AskConfig, Assistant

__all__ = ["BuildReport", "FAISS_KINDS", "HomeStats", "IndexInfo", "IngestReport", "RemoveReport",
           "SENTENCE_MODES", "SUPPORTED_SUFFIXES", "Workspace", "default_corpus_paths"]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(FORMATS))  # file types ``ingest`` reads


@dataclass(frozen=True)
class IndexInfo:
    """The live index version: where it is, what its manifest says, how big it is.

    Attributes:
        path: the version directory (``index/v-...``).
        manifest: its ``manifest.json``.
        chunks: number of indexed chunks.
        size_bytes: bytes on disk, None when not measured.
        uri: the Milvus URI when the index lives there (``path`` is then the collection name).
    """

    path: Path
    manifest: dict[str, Any]
    chunks: int
    size_bytes: int | None = None
    uri: str | None = None

    @property
    def version(self) -> str:
        return self.path.name

    @property
    def encoder(self) -> str:
        """The encoder the index was built with (``none`` for lexical-only)."""
        return encoder_name(self.manifest)

    @property
    def built_at(self) -> str | None:
        return self.manifest.get("built_at")

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``corpusqa index stats --json``: path, size, then the manifest."""
        path = f"{self.uri}#{self.path.name}" if self.uri else str(self.path)
        return {"path": path, "size_bytes": self.size_bytes, **self.manifest}


@dataclass(frozen=True)
class HomeStats:
    """What a home holds: corpus counts, one row per source file, the live index (or None)."""

    corpus: dict[str, Any]
    sources: list[dict[str, Any]]
    index: IndexInfo | None

    def to_dict(self) -> dict[str, Any]:
        return {"corpus": self.corpus, "sources": self.sources,
                "index": self.index.to_dict() if self.index else None}


class Workspace:
    """The stages of one home, run in order. Cheap to build: nothing opens until a call.

    Every method opens what it needs and closes it before returning, so a Workspace
    holds no connection and can be shared (the web chat keeps one per server).

    Args:
        settings: the home, encoder, language and progress switch.
        lock_timeout: seconds a write waits for another writer of the home before it
            fails with ``corpus.home.busy`` (see ``lock.py``).
    """

    def __init__(self, settings: Settings, lock_timeout: float = WRITE_WAIT_S):
        self.settings = settings
        self.lock_timeout = float(lock_timeout)

    def writing(self) -> HomeLock:
        """The home's write lock (``with workspace.writing():``); every write method takes it."""
        return HomeLock(self.home, self.lock_timeout)

    @property
    def home(self) -> Path:
        return self.settings.home

    # -- corpus ----------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path | str], progress: bool | None = None,
               prune: bool = False) -> IngestReport:
        """Add files and folders to the corpus (see ``Ingestor.ingest``).

        Unchanged files (same name, same bytes) are skipped, so ingesting a file twice
        changes nothing; ``report.changed`` says whether the index needs an update.

        Args:
            paths: files and folders.
            progress: progress bar on stderr (None: the settings' switch).
            prune: also remove the sources whose file is gone from a folder in ``paths``,
                and update the index at once (as :meth:`remove` does).

        Raises:
            InputError: no path names a file that could be ingested.
            CorpusError: the database is broken or locked by another program, or another
                writer kept the home busy (``corpus.home.busy``).
        """
        paths = list(paths)
        with self.writing():
            with self.corpus() as store:  # opened first: a broken database is reported before any file
                report = Ingestor(self.settings, store).ingest(paths, progress=progress, allow_empty=prune)
                gone = gone_sources(store, paths) if prune else []
                plan = resolve_targets(store, gone) if gone else None
            if not plan:
                return report
            removed = self._remove(plan, progress)
            with self.corpus() as store:
                stats = store.stats()
        return replace(report, removed=removed.sources, articles=stats["articles"],
                       canonical_articles=stats["canonical_articles"], duplicates=stats["duplicates"],
                       index=removed.index.to_dict() if removed.index else None)

    def remove(self, targets: Iterable[str], progress: bool | None = None) -> RemoveReport:
        """Remove source files (by name) and single articles (by id or a unique id prefix).

        The live index is updated first, then the articles leave the database, so a removed
        article is never retrieved or cited again. Killed at any point, the home serves the
        old state or the new one: the removal is recorded as pending, the next index update
        finishes it.

        Raises:
            CorpusError: a target names no source and no article; the home is busy.
            InputError: an id prefix matches several articles.
        """
        with self.writing():
            with self.corpus() as store:
                plan = resolve_targets(store, targets)
            return self._remove(plan, progress)

    def _remove(self, plan: RemovalPlan, progress: bool | None) -> RemoveReport:
        """Run a removal plan (with the write lock held): pending mark, index, database."""
        with self.corpus() as store:
            store.set_pending_removal(plan.to_dict())
        try:
            index, retired = reindex_without(self, set(plan.articles), progress)
        except Exception:
            with self.corpus() as store:  # nothing was published: forget the removal
                store.set_pending_removal(None)
            raise
        with self.corpus() as store:
            apply_removal(store, plan)
        return RemoveReport(plan.sources, plan.articles, index, retired)

    def _index_articles(self) -> tuple[list[Article], RemovalPlan]:
        """The articles to index (a pending removal's left out) and that pending removal."""
        articles = self.load_articles()
        with self.corpus() as store:
            pending = RemovalPlan.from_dict(store.pending_removal())
        if pending:
            gone = set(pending.articles)
            articles = [a for a in articles if a.id not in gone]
            if not articles:
                raise SearchIndexError("index.no_articles")
        return articles, pending

    def _finish_removal(self, pending: RemovalPlan) -> None:
        if pending:
            with self.corpus() as store:
                apply_removal(store, pending)

    def corpus(self) -> CorpusStore:
        """The corpus database, open: use it as ``with workspace.corpus() as store:``."""
        return CorpusStore(self.settings.db_path)

    def plan_removal(self, targets: Iterable[str]) -> RemovalPlan:
        """What ``remove(targets)`` would delete, resolved with the same rules; changes nothing.

        Raises:
            CorpusError: a target names no source and no article.
            InputError: an id prefix matches several articles.
        """
        with self.corpus() as store:
            return resolve_targets(store, targets)

    def corpus_stats(self) -> dict[str, Any]:
        """Counts of articles, near-duplicates, source files and characters."""
        with self.corpus() as store:
            return store.stats()

    def articles(self) -> list[Article]:
        """Every stored article, near-duplicates included, in source order."""
        with self.corpus() as store:
            return list(store.iter_articles(canonical_only=False))

    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        """Stored articles by id; ids not in the corpus are left out."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        with self.corpus() as store:
            found = {i: store.get_article(i) for i in ids}
        return {i: a for i, a in found.items() if a is not None}

    def load_articles(self) -> list[Article]:
        """The articles to index: all of them, near-duplicates included.

        A home nobody has ingested into gets the bundled sample corpus first.

        Raises:
            SearchIndexError: the corpus holds no article (``index.no_articles``).
        """
        ensure_corpus(self.settings)
        articles = self.articles()
        if not articles:
            raise SearchIndexError("index.no_articles")
        return articles

    # -- index -----------------------------------------------------------------------

    @property
    def remote_index(self) -> bool:
        """Whether the index lives in Milvus (``settings.index_uri``) rather than under ``home/index``."""
        return bool(self.settings.index_uri)

    def _canonical(self) -> dict[str, str]:
        with self.corpus() as store:
            return store.canonical_map()

    def build_index(self, *, chunk_size: int | None = None, chunk_overlap: int | None = None,
                    sentence_vectors: str = "off", faiss_kind: str = "auto",
                    progress: bool | None = None) -> BuildReport:
        """Index every stored article from scratch (vectors come only from the vector cache).

        With an index URI the articles go to a new Milvus collection (``sentence_vectors``
        does not apply there; ``faiss_kind="hnsw"`` asks for an HNSW vector index).
        """
        if self.remote_index:
            from corpusqa.workspace import milvus_home

            milvus_home.ensure_reachable(self.settings)
            with self.writing():
                articles, pending = self._index_articles()
                report = milvus_home.build(self.settings, articles, self._canonical(), chunk_size,
                                           chunk_overlap, faiss_kind)
                self._finish_removal(pending)
            return report
        builder = self._builder(chunk_size, chunk_overlap, sentence_vectors, faiss_kind, progress)
        with self.writing():
            articles, pending = self._index_articles()
            report = builder.build(articles)
            self._finish_removal(pending)
        return report

    def update_index(self, *, chunk_size: int | None = None, chunk_overlap: int | None = None,
                     sentence_vectors: str | None = None, faiss_kind: str | None = None,
                     progress: bool | None = None) -> BuildReport:
        """Bring the index up to date with the corpus: only new or changed text is embedded.

        Options left at None keep the live index's (``BuildOptions.resolved``), so an update
        of an index built with other options still appends. A removal killed
        after it began (``remove``) is finished here: its articles are left out.
        """
        if self.remote_index:
            from corpusqa.workspace import milvus_home

            milvus_home.ensure_reachable(self.settings)
            with self.writing():
                articles, pending = self._index_articles()
                report = milvus_home.update(self.settings, articles, self._canonical(), chunk_size, chunk_overlap)
                self._finish_removal(pending)
            return report
        builder = self._builder(chunk_size, chunk_overlap, sentence_vectors, faiss_kind, progress)
        with self.writing():
            articles, pending = self._index_articles()
            report = builder.update(articles)
            self._finish_removal(pending)
        return report

    def _builder(self, chunk_size, chunk_overlap, sentence_vectors, faiss_kind, progress) -> IndexBuilder:
        # Built before the articles are read: a bad encoder spec fails before the
        # sample corpus is ingested into an empty home.
        options = BuildOptions(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                               sentence_vectors=sentence_vectors, faiss_kind=faiss_kind)
        return IndexBuilder(self.settings.index_dir, self.settings, options=options, progress=progress)

    def check_index(self) -> IndexInfo:
        """Open the live index with every check the assistant makes (encoder, tokenizer, files).

        Raises:
            SearchIndexError: missing (``index.missing``), damaged or built with other settings;
                the message says which command rebuilds it.
        """
        if self.remote_index:
            from corpusqa.workspace import milvus_home

            name, manifest, chunks = milvus_home.check(self.settings)
            return IndexInfo(Path(name), manifest, chunks, uri=self.settings.index_uri)
        from corpusqa.index.store import open_index

        loaded = open_index(self.settings.index_dir, self.settings)
        return IndexInfo(loaded.path, loaded.manifest, len(loaded))

    def index_usable(self) -> bool:
        """Whether ``check_index`` passes (a tokenizer, dictionary or encoder change fails it)."""
        try:
            self.check_index()
        except SearchIndexError:
            return False
        return True

    def index_info(self, size: bool = True) -> IndexInfo | None:
        """The live version's manifest (not opened nor checked against the settings); None if none.

        Raises:
            SearchIndexError: the manifest is missing, damaged or of another schema.
        """
        if self.remote_index:
            from corpusqa.workspace import milvus_home

            found = milvus_home.info(self.settings, size)
            if found is None:
                return None
            name, manifest, chunks, size_bytes = found
            return IndexInfo(Path(name), manifest, chunks, size_bytes, uri=self.settings.index_uri)
        live = current_dir(self.settings.index_dir)
        if live is None:
            return None
        manifest = read_manifest(live)
        chunks = (manifest.get("counts") or {}).get("chunks", 0)
        return IndexInfo(live, manifest, chunks, dir_size(live) if size else None)

    def vector_cache_stats(self) -> dict:
        """What the embedded index's vector cache holds (``index/vector_cache.py``)."""
        from corpusqa.index.vector_cache import VectorCache, cache_path

        where = cache_path(self.settings, self.settings.index_dir)
        if where is None:
            return {"path": None, "file_bytes": 0, "encoders": {}}
        with VectorCache(where) as vc:
            return vc.stats()

    def prune_vector_cache(self) -> tuple[int, dict]:
        """Drop cached vectors that no version on disk (live or kept predecessor) uses.

        Returns (vectors removed, the cache's stats after). Holds the build lock, so it
        never races a build that is filling the cache.
        """
        import numpy as np

        from corpusqa.index import store as st
        from corpusqa.index.vector_cache import VectorCache, cache_path
        from corpusqa.index.versions import BuildLock, versions

        where = cache_path(self.settings, self.settings.index_dir)
        if where is None:
            return 0, {"path": None, "file_bytes": 0, "encoders": {}}
        if where.parent != self.settings.index_dir:
            raise SearchIndexError("index.cache_shared", path=str(where))
        with BuildLock(self.settings.index_dir), VectorCache(where) as vc:
            keep: dict[str, set[str]] = {}
            for version in versions(self.settings.index_dir):
                try:
                    fp = (read_manifest(version).get("encoder") or {}).get("fingerprint")
                except Exception:  # a damaged version protects nothing
                    continue
                if not fp:
                    continue
                for name in (st.CHUNK_KEYS, st.SENTENCE_KEYS):
                    if (version / name).is_file():
                        keep.setdefault(fp, set()).update(
                            k.decode() for k in np.load(version / name, allow_pickle=False))
            removed = vc.prune(keep)
            return removed, vc.stats()

    def last_indexed(self) -> str | None:
        """Build time of the live index; None when there is none or it cannot be read."""
        try:
            info = self.index_info(size=False)
        except (CorpusQAError, OSError):
            return None
        return info.built_at if info else None

    # -- the whole home ---------------------------------------------------------------

    def stats(self) -> HomeStats:
        """Corpus counts and source files, and the live index (None when unreadable).

        Raises:
            CorpusError: the corpus database is broken or locked.
        """
        with self.corpus() as store:
            corpus, sources = store.stats(), store.sources()
        try:
            index = self.index_info()
        except (CorpusQAError, OSError):
            log.debug("cannot read the live index of %s", self.home, exc_info=True)
            index = None
        return HomeStats(corpus, sources, index)

    # -- answers ---------------------------------------------------------------------

    def open_assistant(self, config: AskConfig | None = None) -> Assistant:
        """A loaded ``Assistant`` over this home (models, index and articles loaded now).

        Args:
            config: answer-path knobs; None = the calibrated defaults for the index's encoder.

        Raises:
            SearchIndexError: no usable index, or one built from other article texts.
            CorpusError: the corpus is empty.
        """
        from corpusqa.answers.assistant import Assistant

        return Assistant(self.settings, config).load()
