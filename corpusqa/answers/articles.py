"""Article texts for the answer path, fetched by id only when a question needs them.

The assistant never holds the whole corpus: it keeps the small metadata every filter
needs (date, source, title, section) and fetches the texts of the articles a question's
chunks touch, in one query, through a bounded least-recently-used cache. Both sources
behave as a read-only mapping ``article id -> Article``.

Where the texts live is behind :class:`ArticleStore`: the corpus's SQLite database
(``corpus.store.CorpusStore``) by default. A server database for a national archive
implements the same four methods, e.g. PostgreSQL through psycopg with the ``articles`` and
``paragraphs`` tables of ``corpus/store.py`` and ``id = ANY(%s)`` in ``get_articles``
(docs/milvus.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator, Mapping, Protocol

from corpusqa.models import Article


class ArticleStore(Protocol):
    """What the answer path needs from wherever article texts are kept."""

    def get_articles(self, ids: Iterable[str]) -> dict[str, Article]:
        """The articles with these ids, texts included (unknown ids left out)."""
        ...

    def article_rows(self) -> Iterable[tuple]:
        """``(id, date, source, title, section, text_sha[, byline])`` of every article, no
        texts (the byline may be left out)."""
        ...

    def canonical_map(self) -> dict[str, str]:
        """Duplicate article id -> the id of its canonical copy."""
        ...

    def close(self) -> None: ...


def sqlite_store(db_path: Path | str) -> Callable[[], ArticleStore]:
    """A factory of connections to the corpus database (the default store)."""

    def open_store() -> ArticleStore:
        from corpusqa.corpus.store import CorpusStore

        return CorpusStore(db_path, large_cache=False)  # a few articles per question

    return open_store

#: Articles kept in memory by the store-backed source (a few questions' worth of texts).
CACHE_SIZE = 2048


class MemoryArticles(Mapping):
    """Articles given up front (tests, evaluation scratch corpora)."""

    def __init__(self, articles: Iterable[Article]):
        self._by_id = {a.id: a for a in articles}

    def __getitem__(self, article_id: str) -> Article:
        return self._by_id[article_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def prefetch(self, ids: Iterable[str]) -> None:
        """Nothing to do: everything is in memory."""

    def meta(self) -> dict[str, dict]:
        return {a.id: {"date": a.date, "source": a.source, "title": a.title, "section": a.section}
                for a in self._by_id.values()}


class ArticleMeta(Mapping):
    """``article id -> {"date", "source", "title", "section"}`` for every article, kept in
    columns: at 350k articles a dict per article took about 250 MB, the columns take a
    third of that (repeated dates, sources and sections are stored once).

    Also keeps each article's text hash (``text_sha``) for the stale-index check, and its
    byline (:meth:`byline`): a newspaper's page of regional reports names each report's
    place only there ("乌兰察布市委书记 艾丽华").
    """

    FIELDS = ("date", "source", "title", "section")

    def __init__(self, rows: Iterable[tuple]):
        """``rows``: ``(id, date, source, title, section, text_sha[, byline])`` tuples."""
        self._pos: dict[str, int] = {}
        self._cols: list[list] = [[], [], [], []]
        self._sha: list[str | None] = []
        self._byline: list[str | None] = []
        shared: dict = {}
        for aid, date, source, title, section, sha, *rest in rows:
            self._pos[aid] = len(self._sha)
            for col, value in zip(self._cols, (date, source, title, section)):
                col.append(value if col is self._cols[2] else shared.setdefault(value, value))
            self._sha.append(sha)
            byline = rest[0] if rest else None
            self._byline.append(shared.setdefault(byline, byline) if byline else None)

    @classmethod
    def from_dicts(cls, meta: Mapping[str, Mapping]) -> "ArticleMeta":
        return cls((aid, m.get("date"), m.get("source"), m.get("title"), m.get("section"),
                    m.get("text_sha"), m.get("byline")) for aid, m in meta.items())

    def __getitem__(self, article_id: str) -> dict:
        i = self._pos[article_id]
        return {f: col[i] for f, col in zip(self.FIELDS, self._cols)}

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._pos

    def __iter__(self) -> Iterator[str]:
        return iter(self._pos)

    def __len__(self) -> int:
        return len(self._pos)

    def byline(self, article_id: str) -> str | None:
        """The article's byline, None when it has none or is unknown."""
        i = self._pos.get(article_id)
        return None if i is None else self._byline[i]

    def text_hash(self, article_id: str) -> str | None:
        """The hash of the article's stored text, None for an unknown article."""
        i = self._pos.get(article_id)
        return None if i is None else self._sha[i]


class StoreArticles(Mapping):
    """Articles read from the corpus database on demand, with a bounded cache.

    Args:
        store: the corpus database's path, or a factory that opens an
            :class:`ArticleStore` (called once, on first need).
        ids: the ids this source may serve (the corpus at load time); iteration and
            ``len`` go over them, so nothing is read to answer ``in``. A collection
            (an :class:`ArticleMeta`) is used as it is, anything else is copied.
        cache_size: articles kept in memory, least recently used dropped first.

    Safe to use from several threads (the web chat answers concurrently).
    """

    def __init__(self, store: Path | str | Callable[[], ArticleStore], ids: Iterable[str],
                 cache_size: int = CACHE_SIZE):
        if cache_size < 1:
            raise ValueError("cache_size must be >= 1")
        self._open = store if callable(store) else sqlite_store(store)
        self._ids: Collection[str] = ids if isinstance(ids, ArticleMeta) else frozenset(ids)
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Article] = OrderedDict()
        self._lock = threading.Lock()
        self._store: ArticleStore | None = None

    def _db(self) -> ArticleStore:
        if self._store is None:
            self._store = self._open()
        return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def prefetch(self, ids: Iterable[str]) -> None:
        """Read the given articles that are not cached yet, in one query."""
        with self._lock:
            missing = [i for i in dict.fromkeys(ids) if i in self._ids and i not in self._cache]
            if missing:
                for aid, art in self._db().get_articles(missing).items():
                    self._cache[aid] = art
            for i in ids:
                if i in self._cache:
                    self._cache.move_to_end(i)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def __getitem__(self, article_id: str) -> Article:
        with self._lock:
            art = self._cache.get(article_id)
            if art is not None:
                self._cache.move_to_end(article_id)
                return art
        if article_id not in self._ids:
            raise KeyError(article_id)
        self.prefetch([article_id])
        with self._lock:
            art = self._cache.get(article_id)
        if art is None:  # deleted from the database since the assistant was opened
            raise KeyError(article_id)
        return art

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def cached(self) -> int:
        """How many articles are in memory now."""
        return len(self._cache)
