"""Articles in SQLite (through sqlite-utils): one row per source file and per article.

A source is identified by its name (the file name, or the path relative to the
folder that was ingested); its path is kept for reference. Replacing a source is
one transaction, so a failed ingest never leaves half a file behind. Near
duplicates are recorded twice: ``articles.canonical_id`` for cheap filtering and
the ``duplicates`` table with the score and method. Both are kept up to date in
the transaction that changes the articles, by the incremental index of
``dup_index.py`` (its own tables live in this database too).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import sqlite_utils

from corpusqa.corpus.dup_index import SCHEMA as DUP_SCHEMA
from corpusqa.corpus.dup_index import DuplicateIndex, write_links
from corpusqa.errors import CorpusError
from corpusqa.models import Article, Paragraph, text_hash

if TYPE_CHECKING:
    from corpusqa.corpus.dedupe import DuplicateLink

SCHEMA_VERSION = 3  # 2: articles.text_sha (the index's stale check compares it); 3: dup_* tables

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY, path TEXT, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    encoding TEXT, format TEXT NOT NULL, ingested_at TEXT NOT NULL, n_articles INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    position INTEGER NOT NULL, title TEXT NOT NULL, byline TEXT, date TEXT, section TEXT,
    page TEXT, continued_from TEXT, text TEXT NOT NULL, n_chars INTEGER NOT NULL,
    canonical_id TEXT REFERENCES articles(id) ON DELETE SET NULL,
    extra TEXT NOT NULL DEFAULT '{}', text_sha TEXT,
    UNIQUE (source, position)
);
CREATE INDEX IF NOT EXISTS articles_canonical ON articles(canonical_id);
CREATE TABLE IF NOT EXISTS paragraphs (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    PRIMARY KEY (article_id, idx)
);
CREATE TABLE IF NOT EXISTS duplicates (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    canonical_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    score REAL NOT NULL, method TEXT NOT NULL
);
""" + DUP_SCHEMA
_ARTICLE_COLUMNS = ("id, source, position, title, byline, date, section, page, continued_from, text, extra")
_STALE = "duplicates_stale"  # meta key left by versions that linked duplicates after the ingest
_PENDING = "pending_removal"  # meta key: articles being removed (the index goes first, see remove.py)
BUSY_TIMEOUT_S = 5.0
CACHE_KB = 64 * 1024  # page cache per connection
MMAP_BYTES = 1 << 30  # pages read through a memory map, up to 1 GiB of the file


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked/busy": another program holds a lock."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


@contextmanager
def busy_as_error(path: str):
    """Turn a lock held by another program into a CorpusError that says to wait and retry."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if is_busy(exc):
            raise CorpusError("corpus.db.busy", path=path) from None
        raise


class CorpusStore:
    """The corpus database; ``":memory:"`` gives a private in-memory store.

    Args:
        path: the database file, or ``":memory:"``.
        timeout: seconds to wait for a lock held by another program.
        large_cache: a 64 MB page cache and a memory map of up to 1 GiB (ingest, builds);
            False keeps SQLite's small defaults (a reader of a few rows at a time).

    Raises:
        CorpusError: the file is not a corpusqa database, it was written by a
            newer version (newer schema), or another program keeps it locked
            (``corpus.db.busy``; writes raise that too).
    """

    def __init__(self, path: Path | str, timeout: float = BUSY_TIMEOUT_S, large_cache: bool = True):
        self.path = str(path)
        conn = None
        try:
            if self.path == ":memory:":
                conn = sqlite3.connect(":memory:", check_same_thread=False)
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys=ON")
            if self.path != ":memory:":
                self.db.enable_wal()
                # The near-duplicate index is looked up and written at random keys: with
                # SQLite's 2 MB default cache, a 100k-article archive re-read its pages for
                # every file. Both settings are upper bounds, used as the file grows. A reader
                # of a few articles a question (the answer path) keeps SQLite's defaults:
                # mapped pages would count the disk's read-around in its resident memory.
                if large_cache:
                    self.db.execute(f"PRAGMA cache_size = -{CACHE_KB}")
                    self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._migrate()
            self.dups = DuplicateIndex(self.db.conn)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if is_busy(exc):  # locked is not broken: never tell the user to delete it
                raise CorpusError("corpus.db.busy", path=self.path) from None
            raise CorpusError("corpus.db.broken", path=self.path, detail=str(exc)) from None

    def _migrate(self) -> None:
        if self.db["meta"].exists():
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            found = int(row[0]) if row else 0
            if found > SCHEMA_VERSION:
                raise CorpusError("corpus.db.newer_schema", path=self.path, found=found,
                                  supported=SCHEMA_VERSION)
            if found == SCHEMA_VERSION:
                return
            if found == 1:  # add and fill the text hashes of an existing database
                cols = {c.name for c in self.db["articles"].columns}
                with self.db.atomic():
                    if "text_sha" not in cols:
                        self.db.execute("ALTER TABLE articles ADD COLUMN text_sha TEXT")
                    rows = self.db.execute("SELECT id, text FROM articles").fetchall()
                    self.db.conn.executemany("UPDATE articles SET text_sha = ? WHERE id = ?",
                                             [(text_hash(t), i) for i, t in rows])
        self.db.executescript(_SCHEMA)
        self.db.table("meta").upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "CorpusStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------

    def replace_source(self, file_info: dict[str, Any], articles: list[Article]) -> None:
        """Store a source file and its articles, replacing whatever it held before.

        Args:
            file_info: ``name`` (required), ``path``, ``sha256``, ``size``,
                ``encoding``, ``format``.
            articles: the file's articles; their ``source`` must equal the name.

        All or nothing: on any error the previous state of the source is kept.
        """
        name = file_info["name"]
        for a in articles:
            if a.source != name:
                raise ValueError(f"article {a.id} has source {a.source!r}, expected {name!r}")
        source = {
            "name": name, "path": file_info.get("path"), "sha256": file_info.get("sha256", ""),
            "size": int(file_info.get("size") or 0), "encoding": file_info.get("encoding"),
            "format": file_info.get("format") or "text",
            "ingested_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "n_articles": len(articles),
        }
        with busy_as_error(self.path), self.db.atomic():
            self._ensure_dups()
            seeds = self.dups.forget(self.dups.source_rows(name))
            self.db.execute("DELETE FROM sources WHERE name = ?", [name])
            self.db.table("sources").insert(source)
            self.db.table("articles").insert_all(_article_row(a) for a in articles)
            self.db.table("paragraphs").insert_all(
                {"article_id": a.id, "idx": p.index, "start": p.start, "end": p.end}
                for a in articles for p in a.paragraphs)
            seeds |= self.dups.add(self.dups.source_rows(name))
            self.dups.relink(seeds)

    def remove_source(self, name: str) -> None:
        """Delete a source with its articles, paragraphs and duplicate links."""
        self.remove([name])

    def remove(self, sources: Iterable[str] = (), article_ids: Iterable[str] = ()) -> None:
        """Delete whole sources and single articles, and clear the pending removal, in one transaction.

        A source that loses some of its articles keeps its row (with its file hash), so
        ingesting the unchanged file again does not bring the removed articles back.
        """
        sources, article_ids = list(dict.fromkeys(sources)), list(dict.fromkeys(article_ids))
        with busy_as_error(self.path), self.db.atomic():
            self._ensure_dups()
            gone = [row for name in sources for row in self.dups.source_rows(name)]
            gone += self.dups.article_rows(article_ids)
            seeds = self.dups.forget(gone)
            self.db.conn.executemany("DELETE FROM sources WHERE name = ?", [(n,) for n in sources])
            self.db.conn.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in article_ids])
            self.db.execute("UPDATE sources SET n_articles = (SELECT count(*) FROM articles "
                            "WHERE articles.source = sources.name)")
            self.db.execute("DELETE FROM meta WHERE key = ?", [_PENDING])
            self.dups.relink(seeds)

    def pending_removal(self) -> dict[str, list[str]] | None:
        """The removal begun and not finished (``{"sources", "articles"}``), or None."""
        raw = self.get_meta(_PENDING)
        if raw is None:
            return None
        data = json.loads(raw)
        return {"sources": list(data.get("sources") or []), "articles": list(data.get("articles") or [])}

    def set_pending_removal(self, plan: dict[str, list[str]] | None) -> None:
        """Record (or, with None, forget) a removal whose index update is running."""
        with busy_as_error(self.path), self.db.atomic():
            if plan is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", [_PENDING])
            else:
                self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                [_PENDING, json.dumps(plan, ensure_ascii=False)])

    def source_articles(self, names: Iterable[str]) -> list[str]:
        """Ids of the articles of these sources, in source order."""
        found = []
        for name in names:
            found += [r[0] for r in self.db.execute(
                "SELECT id FROM articles WHERE source = ? ORDER BY position", [name]).fetchall()]
        return found

    def _dups_outdated(self) -> bool:
        # A database from before the incremental index, or one an older version left with
        # stale links (its ``_STALE`` mark), needs the index built once, in full.
        return not self.dups.current() or self.get_meta(_STALE) is not None

    def _ensure_dups(self) -> None:
        """Inside the caller's transaction: build the near-duplicate index if it is outdated."""
        if self._dups_outdated():
            self.dups.rebuild()
            self.db.execute("DELETE FROM meta WHERE key = ?", [_STALE])

    def ensure_duplicate_index(self) -> None:
        """Build the near-duplicate index now if this database predates it (else a no-op)."""
        if self._dups_outdated():
            with busy_as_error(self.path), self.db.atomic():
                self._ensure_dups()

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with busy_as_error(self.path), self.db.atomic():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def set_duplicates(self, links: Iterable["DuplicateLink"]) -> None:
        """Replace all near-duplicate links with ``links`` (one transaction).

        Only the links: the pairs of the incremental index stay, and the next change
        to a source recomputes the links of the groups it touches from them.
        """
        links = list(links)
        with busy_as_error(self.path), self.db.atomic():
            self.db.execute("DELETE FROM duplicates")
            self.db.execute("UPDATE articles SET canonical_id = NULL WHERE canonical_id IS NOT NULL")
            write_links(self.db.conn, links)

    # -- reading ---------------------------------------------------------

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def source_hash(self, name: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM sources WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def sources(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sources ORDER BY name"))

    def stats(self) -> dict[str, Any]:
        """Counts for ``corpus stats``: articles, canonical articles, sources, duplicates, chars."""
        row = self.db.execute(
            "SELECT count(*), count(*) - count(canonical_id), coalesce(sum(n_chars), 0) FROM articles"
        ).fetchone()
        src = self.db.execute("SELECT count(*), max(ingested_at) FROM sources").fetchone()
        return {"articles": row[0], "canonical_articles": row[1], "sources": src[0],
                "duplicates": row[0] - row[1], "chars": row[2], "last_ingested": src[1]}

    def get_article(self, article_id: str) -> Article | None:
        rows = list(self.db.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", [article_id]))
        if not rows:
            return None
        paras = self.db.execute('SELECT idx, start, "end" FROM paragraphs WHERE article_id = ? ORDER BY idx',
                                [article_id]).fetchall()
        return _article(rows[0], paras)

    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        """The articles with these ids (missing ids are left out), in one query per 500."""
        ids, found = list(dict.fromkeys(ids)), {}
        for i in range(0, len(ids), 500):
            batch = ids[i:i + 500]
            marks = ",".join("?" * len(batch))
            paras: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
            for aid, idx, start, end in self.db.execute(
                    f'SELECT article_id, idx, start, "end" FROM paragraphs WHERE article_id IN ({marks}) '
                    "ORDER BY article_id, idx", batch):
                paras[aid].append((idx, start, end))
            for row in self.db.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", batch):
                found[row["id"]] = _article(row, paras.get(row["id"], ()))
        return found

    def article_rows(self) -> Iterator[tuple]:
        """``(id, date, source, title, section, text_sha, byline)`` of every article, streamed
        (no text)."""
        yield from self.db.execute(
            "SELECT id, date, source, title, section, text_sha, byline FROM articles")

    def find_ids(self, prefix: str, limit: int = 10) -> list[str]:
        """Article ids starting with ``prefix`` (for short ids typed by users)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.db.execute("SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                               [pattern, limit]).fetchall()
        return [r[0] for r in rows]

    def iter_articles(self, canonical_only: bool = False, source: str | None = None) -> Iterator[Article]:
        """Articles ordered by source and position; optionally only canonical ones or one source."""
        where, params = [], []
        if canonical_only:
            where.append("canonical_id IS NULL")
        if source is not None:
            where.append("source = ?")
            params.append(source)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        paras: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        sql = ('SELECT p.article_id, p.idx, p.start, p."end" FROM paragraphs p '
               f'JOIN articles ON articles.id = p.article_id {clause} ORDER BY p.article_id, p.idx')
        for article_id, idx, start, end in self.db.execute(sql, params):
            paras[article_id].append((idx, start, end))
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles {clause} ORDER BY source, position"
        for row in self.db.query(sql, params):
            yield _article(row, paras.get(row["id"], ()))

    def owners(self, ids: Iterable[str]) -> dict[str, str]:
        """Source name of each of ``ids`` already stored (missing ids are left out)."""
        ids = list(ids)
        found: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            batch = ids[i:i + 500]
            marks = ",".join("?" * len(batch))
            found.update(self.db.execute(f"SELECT id, source FROM articles WHERE id IN ({marks})", batch))
        return found

    def canonical_map(self) -> dict[str, str]:
        """Duplicate article id -> canonical article id."""
        return dict(self.db.execute("SELECT article_id, canonical_id FROM duplicates").fetchall())

    def also_in(self, article_id: str) -> list[str]:
        """Ids of the other copies of an article (its canonical and sibling duplicates)."""
        row = self.db.execute("SELECT coalesce(canonical_id, id) FROM articles WHERE id = ?",
                              [article_id]).fetchone()
        if row is None:
            return []
        rows = self.db.execute(
            "SELECT id FROM articles WHERE (id = ? OR canonical_id = ?) AND id != ? ORDER BY source, position",
            [row[0], row[0], article_id]).fetchall()
        return [r[0] for r in rows]


def _article_row(a: Article) -> dict[str, Any]:
    return {"id": a.id, "source": a.source, "position": a.position, "title": a.title, "byline": a.byline,
            "date": a.date, "section": a.section, "page": a.page, "continued_from": a.continued_from,
            "text": a.text, "n_chars": len(a.text), "canonical_id": None,
            "extra": json.dumps(a.extra or {}, ensure_ascii=False, sort_keys=True),
            "text_sha": text_hash(a.text)}


def _article(row: dict[str, Any], paras: Iterable[tuple[int, int, int]]) -> Article:
    return Article(
        id=row["id"], source=row["source"], position=row["position"], title=row["title"], text=row["text"],
        paragraphs=tuple(Paragraph(i, s, e) for i, s, e in paras), byline=row["byline"], date=row["date"],
        section=row["section"], page=row["page"], continued_from=row["continued_from"],
        extra=json.loads(row["extra"] or "{}"),
    )
