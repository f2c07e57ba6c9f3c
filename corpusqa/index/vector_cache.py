"""A crash-safe cache of embedded vectors, keyed by (encoder fingerprint, text key).

Embedding is the whole cost of a build on CPU. Every batch the builder embeds is
committed here before the next one starts (SQLite in WAL mode: a commit survives
SIGKILL), so a build killed at any point resumes from the finished batches, and a
switch back to an earlier encoder finds its vectors again. The key is the embedded
text's ``content_id`` (the same key the index versions store next to their vectors), the
fingerprint names the encoder's weights, so a vector is never reused for another model
or another text.

The cache lives next to the versions (``index/vector-cache.sqlite``); it roughly doubles
the disk taken by vectors (float32, 1.5 KB a vector for e5-small). ``corpusqa index
cache prune`` drops every vector the live version does not use, ``CORPUSQA_VECTOR_CACHE=off``
builds without it, and ``CORPUSQA_VECTOR_CACHE=PATH`` shares one cache between homes.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

logger = logging.getLogger(__name__)

FILE = "vector-cache.sqlite"
#: Keys per SELECT (SQLite's default limit on bound parameters is 32,766).
_CHUNK = 500


class VectorCache:
    """Vectors by (fingerprint, key). Every method is safe to call on a broken cache: a
    cache that cannot be read or written only means more embedding (logged once)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._broken = False

    # -- connection --------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (fingerprint TEXT NOT NULL, key TEXT NOT NULL, "
                       "dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (fingerprint, key)) WITHOUT ROWID")
            self._db = db
        except sqlite3.Error as exc:
            self._fail(exc)
        return self._db

    def _fail(self, exc: Exception) -> None:
        if not self._broken:
            logger.warning("vector cache %s unusable, building without it: %s", self.path, exc)
        self._broken = True
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None

    def _abort(self, db: sqlite3.Connection, exc: Exception) -> None:
        """Roll back the open transaction (if any) and stop using the cache."""
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        self._fail(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "VectorCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reads and writes --------------------------------------------------------------

    def get(self, fingerprint: str, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """The cached vectors of ``keys`` (those present, with dimension ``dim``)."""
        db = self._conn()
        out: dict[str, np.ndarray] = {}
        if db is None or not keys:
            return out
        try:
            uniq = list(dict.fromkeys(keys))
            for b in range(0, len(uniq), _CHUNK):
                part = uniq[b:b + _CHUNK]
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE fingerprint = ? AND dim = ? "
                                  f"AND key IN ({marks})", (fingerprint, dim, *part))
                for key, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape == (dim,):
                        out[key] = vec
        except sqlite3.Error as exc:
            self._fail(exc)
        return out

    def put(self, fingerprint: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store one embedded batch and commit it (it survives a kill from then on)."""
        db = self._conn()
        if db is None or not len(keys):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR IGNORE INTO vectors (fingerprint, key, dim, vec) VALUES (?, ?, ?, ?)",
                           [(fingerprint, k, int(v.shape[0]), v.tobytes()) for k, v in zip(keys, vectors)])
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abort(db, exc)

    def stats(self) -> dict:
        """Vectors and bytes per encoder fingerprint, and the file size."""
        db = self._conn() if self.path.exists() else None
        per = {}
        if db is not None:
            try:
                for fp, n, size in db.execute("SELECT fingerprint, COUNT(*), SUM(LENGTH(vec)) FROM vectors "
                                              "GROUP BY fingerprint ORDER BY fingerprint"):
                    per[fp] = {"vectors": int(n), "bytes": int(size or 0)}
            except sqlite3.Error as exc:
                self._fail(exc)
        return {"path": str(self.path), "file_bytes": _file_bytes(self.path), "encoders": per}

    def prune(self, keep: Mapping[str, Iterable[str]]) -> int:
        """Delete every vector except ``keep[fingerprint]``'s keys; returns how many went.

        The file shrinks afterwards (VACUUM), which needs as much free disk as it keeps.
        """
        db = self._conn() if self.path.exists() else None
        if db is None:
            return 0
        try:
            db.execute("BEGIN")
            db.execute("CREATE TEMP TABLE IF NOT EXISTS keep_keys (fingerprint TEXT, key TEXT, "
                       "PRIMARY KEY (fingerprint, key)) WITHOUT ROWID")
            db.execute("DELETE FROM keep_keys")
            for fp, keys in keep.items():
                db.executemany("INSERT OR IGNORE INTO keep_keys VALUES (?, ?)", ((fp, k) for k in keys))
            gone = db.execute("DELETE FROM vectors WHERE NOT EXISTS (SELECT 1 FROM keep_keys k WHERE "
                              "k.fingerprint = vectors.fingerprint AND k.key = vectors.key)").rowcount
            db.execute("COMMIT")
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            self._abort(db, exc)
            return 0
        return int(gone)


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def cache_path(settings, index_dir: Path) -> Path | None:
    """Where the cache of ``index_dir`` lives: ``index_dir/vector-cache.sqlite`` for ``on``
    (the default), None for off/0/no/false, else the path ``settings.vector_cache``
    names (``CORPUSQA_VECTOR_CACHE=/data/vectors.sqlite``: one cache shared by several
    homes, e.g. an evaluation's indexes or the test suite's)."""
    value = str(getattr(settings, "vector_cache", "on") or "on").strip()
    if value.lower() in ("off", "0", "no", "false", "none"):
        return None
    if value.lower() in ("on", "1", "yes", "true"):
        return Path(index_dir) / FILE
    return Path(value).expanduser()
