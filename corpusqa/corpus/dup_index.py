"""Incremental near-duplicate detection: adding or removing a file costs O(that file).

The batch reference (``dedupe.find_near_duplicates``) shingles the whole corpus on
every ingest, so a one-file upload into a 100k-article archive costs minutes. This
index keeps, inside the corpus database and in the same transaction as the articles:

* ``dup_fingerprints``: the winnowed shingle hashes of every article long enough to be
  linked (about 8% of its 5-grams), keyed by the article's rowid;
* ``dup_pairs``: every pair of articles from different sources whose containment is at
  or above the threshold, with its score.

A new article looks up its fingerprints, ignores those shared by more than ``MAX_DF``
articles (stock phrases), and scores each article found sharing at least
``PREFILTER`` of the smaller one's fingerprints exactly, by containment over the full
shingle sets (recomputed from the stored text). The canonical links are then
recomputed only for the connected groups of pairs the change touched
(``dedupe.assign_canonicals``): the links of one group never depend on another, so
the result equals the batch run over the whole corpus for the same pairs.

Candidates come from shared runs of ``WINDOW + SHINGLE - 1`` = 28 letters, where the
batch run proposes pairs sharing a quarter of their rare shingles; reprints and
excerpts share far longer runs. ``tests/corpus/test_dup_index.py`` checks both give
the same links on the sample corpus and on synthetic reprints.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Sequence

import numpy as np

from corpusqa.corpus.dedupe import (DEFAULT_THRESHOLD, MAX_DF, METHOD, MIN_SHINGLES, WINDOW, DuplicateLink,
                                    assign_canonicals, containment, fingerprints, shingle_sequence)

#: Bump when the fingerprints or the pairs would come out differently: the index is rebuilt.
VERSION = f"2:{METHOD}:w{WINDOW}:t{DEFAULT_THRESHOLD}:m{MIN_SHINGLES}:df{MAX_DF}"
META_KEY = "dup_index"

SCHEMA = """
CREATE TABLE IF NOT EXISTS dup_fingerprints (
    hash INTEGER NOT NULL, article INTEGER NOT NULL, PRIMARY KEY (hash, article)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dup_sizes (article INTEGER PRIMARY KEY, fingerprints INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dup_pairs (
    a TEXT NOT NULL, b TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dup_pairs_b ON dup_pairs(b);
"""
_BATCH = 500  # SQL parameters per IN (...) list
#: Share of the smaller article's fingerprints a candidate must share to be scored. Half
#: the threshold's share of shingles would be a fair estimate; a quarter leaves room for
#: edits that break runs (the tests check the links equal the batch run's).
PREFILTER = 0.25 * DEFAULT_THRESHOLD


class DuplicateIndex:
    """The near-duplicate tables of one corpus database. Every method runs inside the
    caller's transaction and leaves committing to it.

    Args:
        conn: the corpus database's connection.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    # -- state -----------------------------------------------------------------------
    def current(self) -> bool:
        """True when the tables were built by this version of the code."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
        return row is not None and row[0] == VERSION

    def rebuild(self) -> None:
        """Fill the tables and the links from the stored articles, source by source."""
        self.conn.execute("DELETE FROM dup_fingerprints")
        self.conn.execute("DELETE FROM dup_sizes")
        self.conn.execute("DELETE FROM dup_pairs")
        self.conn.execute("DELETE FROM duplicates")
        self.conn.execute("UPDATE articles SET canonical_id = NULL WHERE canonical_id IS NOT NULL")
        seeds: set[str] = set()
        names = [r[0] for r in self.conn.execute("SELECT name FROM sources ORDER BY name")]
        for name in names:
            seeds |= self.add(self.source_rows(name))
        self.relink(seeds)
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [META_KEY, VERSION])

    # -- rows --------------------------------------------------------------------------
    def source_rows(self, name: str) -> list[tuple[int, str, str, str]]:
        """``(rowid, id, source, text)`` of a source's articles."""
        return self.conn.execute("SELECT rowid, id, source, text FROM articles WHERE source = ?",
                                 [name]).fetchall()

    def article_rows(self, ids: Sequence[str]) -> list[tuple[int, str, str, str]]:
        """``(rowid, id, source, text)`` of these articles (missing ids are skipped)."""
        rows = []
        for chunk in _chunks(list(ids)):
            rows += self.conn.execute(
                f"SELECT rowid, id, source, text FROM articles WHERE id IN ({_marks(chunk)})", chunk).fetchall()
        return rows

    # -- changes -----------------------------------------------------------------------
    def forget(self, rows: Iterable[tuple[int, str, str, str]]) -> set[str]:
        """Drop the fingerprints and pairs of articles about to be deleted.

        Returns:
            The ids of their former partners, whose links must be recomputed.
        """
        partners: set[str] = set()
        gone = set()
        for rowid, aid, _source, text in rows:
            gone.add(aid)
            fps = _fingerprints_of(text)
            if fps is not None:
                self.conn.executemany("DELETE FROM dup_fingerprints WHERE hash = ? AND article = ?",
                                      [(h, rowid) for h in fps.tolist()])
                self.conn.execute("DELETE FROM dup_sizes WHERE article = ?", [rowid])
            for a, b in self.conn.execute("SELECT a, b FROM dup_pairs WHERE a = ? OR b = ?", [aid, aid]):
                partners.add(b if a == aid else a)
            self.conn.execute("DELETE FROM dup_pairs WHERE a = ? OR b = ?", [aid, aid])
        return partners - gone

    def add(self, rows: Iterable[tuple[int, str, str, str]]) -> set[str]:
        """Index newly stored articles and record their pairs with earlier articles.

        Returns:
            The ids whose links must be recomputed (the new articles).
        """
        seeds: set[str] = set()
        cache: dict[int, tuple[str, str, np.ndarray] | None] = {}
        for rowid, aid, source, text in rows:
            seeds.add(aid)
            seq = shingle_sequence(text)
            own = np.unique(seq)
            if len(own) < MIN_SHINGLES:
                continue  # too short to ever be linked: not indexed either
            fps = fingerprints(seq).view(np.int64).tolist()
            for other_id, other_source, other in self._candidates(fps, rowid, cache):
                if other_source == source or len(other) < MIN_SHINGLES:
                    continue
                score = containment(own, other)
                if score >= DEFAULT_THRESHOLD:
                    a, b = sorted((aid, other_id))
                    self.conn.execute("INSERT OR REPLACE INTO dup_pairs (a, b, score) VALUES (?, ?, ?)",
                                      [a, b, score])
            self.conn.executemany("INSERT OR IGNORE INTO dup_fingerprints (hash, article) VALUES (?, ?)",
                                  [(h, rowid) for h in fps])
            self.conn.execute("INSERT OR REPLACE INTO dup_sizes (article, fingerprints) VALUES (?, ?)",
                              [rowid, len(fps)])
        return seeds

    def _candidates(self, fps: list[int], rowid: int, cache: dict):
        """``(id, source, shingles)`` of stored articles sharing enough rare fingerprints."""
        shared: dict[int, int] = {}
        for chunk in _chunks(fps):
            marks = _marks(chunk)
            common = {h for (h,) in self.conn.execute(
                f"SELECT hash FROM dup_fingerprints WHERE hash IN ({marks}) GROUP BY hash HAVING count(*) > ?",
                [*chunk, MAX_DF])}
            rare = [h for h in chunk if h not in common]
            if rare:
                for r, n in self.conn.execute(f"SELECT article, count(*) FROM dup_fingerprints "
                                              f"WHERE hash IN ({_marks(rare)}) GROUP BY article", rare):
                    shared[r] = shared.get(r, 0) + n
        shared.pop(rowid, None)
        sizes: dict[int, int] = {}
        for chunk in _chunks(list(shared)):
            sizes.update(self.conn.execute(
                f"SELECT article, fingerprints FROM dup_sizes WHERE article IN ({_marks(chunk)})", chunk))
        found = [r for r, n in shared.items() if n >= PREFILTER * min(len(fps), sizes.get(r, len(fps)))]
        todo = [r for r in found if r not in cache]
        for chunk in _chunks(todo):
            for r, aid, source, text in self.conn.execute(
                    f"SELECT rowid, id, source, text FROM articles WHERE rowid IN ({_marks(chunk)})", chunk):
                cache[r] = (aid, source, np.unique(shingle_sequence(text)))
        for r in found:
            hit = cache.get(r)
            if hit is not None:  # None: a rowid whose article is gone
                yield hit

    def relink(self, seeds: Iterable[str]) -> None:
        """Recompute the canonical links of every group of pairs reaching ``seeds``."""
        group: set[str] = set()
        frontier = set(seeds)
        pairs: dict[tuple[str, str], float] = {}
        while frontier:
            group |= frontier
            nxt: set[str] = set()
            for chunk in _chunks(sorted(frontier)):
                marks = _marks(chunk)
                for a, b, score in self.conn.execute(
                        f"SELECT a, b, score FROM dup_pairs WHERE a IN ({marks}) OR b IN ({marks})",
                        [*chunk, *chunk]):
                    pairs[a, b] = score
                    nxt.update((a, b))
            frontier = nxt - group
        lengths: dict[str, int] = {}
        members = sorted(group)
        for chunk in _chunks(members):
            marks = _marks(chunk)
            lengths.update(self.conn.execute(f"SELECT id, n_chars FROM articles WHERE id IN ({marks})", chunk))
            self.conn.execute(f"DELETE FROM duplicates WHERE article_id IN ({marks})", chunk)
            self.conn.execute(f"UPDATE articles SET canonical_id = NULL WHERE id IN ({marks})", chunk)
        write_links(self.conn, assign_canonicals(lengths, pairs))

    def stats(self) -> dict[str, int]:
        """Rows in the index: fingerprints and pairs."""
        return {"fingerprints": self.conn.execute("SELECT count(*) FROM dup_fingerprints").fetchone()[0],
                "pairs": self.conn.execute("SELECT count(*) FROM dup_pairs").fetchone()[0]}


def write_links(conn: sqlite3.Connection, links: Sequence[DuplicateLink]) -> None:
    """Record ``links`` in ``duplicates`` and ``articles.canonical_id`` (their old links cleared by the caller)."""
    conn.executemany("INSERT INTO duplicates (article_id, canonical_id, score, method) VALUES (?, ?, ?, ?)",
                     [(lk.article_id, lk.canonical_id, float(lk.score), lk.method) for lk in links])
    conn.executemany("UPDATE articles SET canonical_id = ? WHERE id = ?",
                     [(lk.canonical_id, lk.article_id) for lk in links])


def _fingerprints_of(text: str) -> np.ndarray | None:
    """The fingerprints ``add`` stored for ``text`` (None: too short, none stored)."""
    seq = shingle_sequence(text)
    if len(np.unique(seq)) < MIN_SHINGLES:
        return None
    return fingerprints(seq).view(np.int64)


def _chunks(items: list, size: int = _BATCH):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _marks(chunk: Sequence) -> str:
    return ",".join("?" * len(chunk))
