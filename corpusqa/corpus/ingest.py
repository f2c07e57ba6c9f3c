"""The ingest pipeline: load -> segment (or take JSONL documents) -> store, with near duplicates linked per file.

Each file is stored in its own transaction, so an unreadable or failing file is
reported by name and skipped while the others are kept. A file whose bytes did
not change (same SHA-256 under the same name) is not parsed again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from corpusqa.corpus.loaders import SUPPORTED, LoadedFile, Problem, discover, load_file
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import CorpusError, InputError
from corpusqa.models import Article, Paragraph, content_id
from corpusqa.settings import Settings

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
STATUSES = ("added", "updated", "unchanged", "error")
REQUESTED = "ingest_requested"  # meta key: someone asked to ingest files into this database
_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)(?!\d)")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$|^\s*(\d{4})(\d{2})(\d{2})\s*$")


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file."""

    name: str
    path: str
    status: str
    articles: int = 0
    error: Problem | None = None
    warnings: tuple[Problem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "status": self.status, "articles": self.articles,
                "error": self.error.to_dict() if self.error else None,
                "warnings": [w.to_dict() for w in self.warnings]}


@dataclass(frozen=True)
class IngestReport:
    """Per-file results plus the state of the corpus afterwards."""

    files: tuple[FileResult, ...]
    articles: int
    canonical_articles: int
    duplicates: int
    elapsed_s: float = field(default=0.0, compare=False)
    removed: tuple[str, ...] = ()  # sources pruned because their file is gone (``ingest --prune``)
    index: dict[str, Any] | None = None  # the index update the pruning ran, if any

    def counts(self) -> dict[str, int]:
        return {s: sum(f.status == s for f in self.files) for s in STATUSES}

    @property
    def changed(self) -> bool:
        """True when a file was added, updated or pruned (the index needs an update)."""
        return bool(self.removed) or any(f.status in ("added", "updated") for f in self.files)

    @property
    def ok(self) -> bool:
        return not any(f.status == "error" for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files], "counts": self.counts(), "changed": self.changed,
                "articles": self.articles, "canonical_articles": self.canonical_articles,
                "duplicates": self.duplicates, "removed": list(self.removed), "index": self.index,
                "elapsed_s": round(self.elapsed_s, 3)}


def default_corpus_paths() -> list[Path]:
    """The bundled sample corpus (Inner Mongolia Daily pages shipped with the package)."""
    return sorted(DATA_DIR.glob("*.txt"))


def ensure_corpus(settings: Settings, progress: bool | None = None) -> IngestReport | None:
    """Ingest the bundled corpus into a database nobody has ingested into; None otherwise.

    A database whose own files all failed (empty, binary, no articles) stays empty, so
    that ``index build`` reports an empty corpus instead of indexing the sample.
    """
    with CorpusStore(settings.db_path) as store:
        if store.sources() or store.get_meta(REQUESTED):
            return None
        return Ingestor(settings, store).ingest(default_corpus_paths(), progress)


class Ingestor:
    """Adds files to the corpus database. Cheap to build; the store opens on first use.

    An Ingestor that opened the store itself owns that connection: close it (or use the
    Ingestor as a context manager). A store passed in stays open; its owner closes it.
    """

    def __init__(self, settings: Settings, store: CorpusStore | None = None):
        self.settings = settings
        self._store = store
        self._owns_store = False

    @property
    def store(self) -> CorpusStore:
        if self._store is None:
            self._store = CorpusStore(self.settings.db_path)
            self._owns_store = True
        return self._store

    def close(self) -> None:
        """Close the connection this Ingestor opened (a store passed in is left open)."""
        if self._store is not None and self._owns_store:
            self._store.close()
        self._store = None
        self._owns_store = False

    def __enter__(self) -> "Ingestor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def ingest(self, paths: Iterable[Path | str], progress: bool | None = None,
               allow_empty: bool = False) -> IngestReport:
        """Ingest files and folders; never raises for a bad file (see the report).

        ``allow_empty``: an empty folder is no error (``--prune`` of a folder emptied on purpose).

        Raises:
            InputError: no path names a file that could be ingested.
            CorpusError: the database is locked by another program (files stored
                before that are kept; rerun to finish).
        """
        started = time.perf_counter()
        progress = self.settings.progress if progress is None else progress
        todo: list[tuple[Path, str] | FileResult] = []  # in argument order, folders sorted
        seen_names: dict[str, str] = {}
        seen_paths: set[Path] = set()
        for path in map(Path, paths):
            for file, name in discover(path):
                key = file.resolve() if file.exists() else file
                if key in seen_paths:
                    continue
                seen_paths.add(key)
                if name in seen_names:
                    todo.append(FileResult(name, str(file), "error", error=Problem(
                        "corpus.ingest.name_clash", {"name": name, "other": seen_names[name]})))
                    continue
                seen_names[name] = str(file)
                todo.append((file, name))
        self.store.set_meta(REQUESTED, "1")
        if not todo and not allow_empty:
            raise InputError("corpus.ingest.nothing", supported=SUPPORTED)
        results = self._ingest_all(todo, progress)
        # Each stored file updated the near-duplicate links in its own transaction; a
        # database from an older version gets its index here even when nothing changed.
        self.store.ensure_duplicate_index()
        stats = self.store.stats()
        return IngestReport(tuple(results), stats["articles"], stats["canonical_articles"],
                            stats["duplicates"], time.perf_counter() - started)

    def _ingest_all(self, todo: list[tuple[Path, str] | FileResult], progress: bool) -> list[FileResult]:
        from tqdm import tqdm

        from corpusqa.i18n import t

        bar = tqdm(todo, desc=t("corpus.ingest.progress", self.settings.language), unit="file",
                   file=sys.stderr, disable=not progress, leave=False)
        return [item if isinstance(item, FileResult) else self.ingest_file(*item) for item in bar]

    def ingest_file(self, path: Path, name: str) -> FileResult:
        """Load, segment and store one file (its own transaction)."""
        try:
            data = path.read_bytes()
        except OSError:
            data = None  # load_file reports the missing or unreadable file
        old_hash = self.store.source_hash(name)
        if data is not None and old_hash == hashlib.sha256(data).hexdigest():
            n = next((s["n_articles"] for s in self.store.sources() if s["name"] == name), 0)
            return FileResult(name, str(path), "unchanged", n)  # not even parsed again
        loaded = load_file(path, name, data)
        if loaded.error is not None:
            return FileResult(name, str(path), "error", error=loaded.error, warnings=loaded.warnings)
        try:
            articles, warnings = self._articles(loaded)
            self.store.replace_source(loaded.info(), articles)
        except CorpusError:
            raise  # the database itself (locked, broken): every other file would fail too
        except Exception as exc:  # one bad file must not stop the others
            log.debug("ingesting %s failed", name, exc_info=True)  # the traceback with --verbose
            return FileResult(name, str(path), "error", error=Problem(
                "corpus.ingest.failed", {"name": name, "detail": f"{type(exc).__name__}: {exc}"}))
        warnings = loaded.warnings + warnings
        if not articles:
            warnings += (Problem("corpus.ingest.no_articles", {"name": name}),)
        status = "added" if old_hash is None else "updated"
        return FileResult(name, str(path), status, len(articles), warnings=warnings)

    def _articles(self, loaded: LoadedFile) -> tuple[list[Article], tuple[Problem, ...]]:
        name = loaded.name
        empty: list[Problem] = []
        if loaded.documents:
            articles = [article_from_document(d, name, i) for i, d in enumerate(loaded.documents)]
            empty = [Problem("corpus.jsonl.no_text", {"name": name, "line": a.extra.get("line")})
                     for a in articles if not a.text]
            articles = [a for a in articles if a.text]
        else:
            from corpusqa.corpus.segment import build_article, segment_page

            year = _YEAR.search(Path(name).stem)
            year_hint = int(year.group(1)) if year else None
            drafts = [d for page in loaded.pages for d in segment_page(page, name, year_hint)]
            articles = [build_article(d, name, i) for i, d in enumerate(drafts)]
        articles, clashes = self._resolve_ids(articles, name, bool(loaded.documents))
        return articles, tuple(empty) + clashes

    def _resolve_ids(self, articles: list[Article], name: str,
                     given_ids: bool) -> tuple[list[Article], tuple[Problem, ...]]:
        """Keep ids unique: a content-hash id seen elsewhere gets the source mixed in;
        a JSONL document whose given id belongs to another file is skipped with a warning."""
        owners = {k: v for k, v in self.store.owners(a.id for a in articles).items() if v != name}
        kept, taken, warnings = [], set(owners), []
        for a in articles:
            if a.id in taken:
                if given_ids:
                    warnings.append(Problem("corpus.ingest.id_clash", {
                        "name": name, "id": a.id, "other": owners.get(a.id, name)}))
                    continue
                a = replace(a, id=content_id(a.id, name, str(a.position)))
            taken.add(a.id)
            kept.append(a)
        return [replace(a, position=i) if a.position != i else a for i, a in enumerate(kept)], tuple(warnings)


def article_from_document(doc: dict[str, Any], source: str, position: int) -> Article:
    """An Article from a JSONL document: paragraphs are its non-empty cleaned lines."""
    from corpusqa.corpus.clean import normalize_text

    paragraphs = [p for p in (normalize_text(line).strip() for line in doc["text"].split("\n")) if p]
    text, spans, start = "\n".join(paragraphs), [], 0
    for i, p in enumerate(paragraphs):
        spans.append(Paragraph(i, start, start + len(p)))
        start += len(p) + 1
    title = normalize_text(doc.get("title") or "").strip()
    extra = {"line": doc["line"]} if "line" in doc else {}
    if doc.get("source"):
        extra["source"] = doc["source"]
    return Article(
        id=doc.get("id") or content_id(title, text), source=source, position=position, title=title,
        text=text, paragraphs=tuple(spans), byline=doc.get("byline"), date=iso_date(doc.get("date")),
        section=doc.get("section"), page=doc.get("page"), extra=extra,
    )


def iso_date(value: str | None) -> str | None:
    """``yyyy-mm-dd`` from common date spellings (2021-06-30, 2021/6/30, 2021年6月30日, 20210630)."""
    m = _DATE.match(value or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
