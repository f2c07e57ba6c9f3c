"""Chunk rows read on demand: an index opens in the same time at 1M chunks as at 1k.

A version's ``chunks.jsonl`` holds one JSON row per chunk. Opening used to parse every
row into a ``Chunk`` (32 s and about 2.5 GB at 1M chunks). Now the builder also writes
``chunk_table.npz``, a small table of where each row starts in the file, a 64-bit hash
of each chunk id (sorted, for lookups by id) and each chunk's sentence count. The
reader reads a row (``pread``) and parses it only when a question touches it, keeping a
bounded cache of parsed rows.

Which rows belong to which article comes from ``article_rows.json`` (an article's
chunks are contiguous rows, in the order the chunker made them).

An index written before the table existed is scanned once at open (the old cost).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator, Sequence, overload

import numpy as np

from corpusqa.index.npyfiles import PreadFile, row_index
from corpusqa.models import Chunk

CHUNK_TABLE = "chunk_table.npz"
#: Parsed chunk rows kept in memory by a reader (a few hundred questions' worth).
CACHE_ROWS = 8192


def id_hash(chunk_id: str) -> int:
    """The 64-bit key of a chunk id in the table (collisions are resolved by reading)."""
    return int.from_bytes(hashlib.blake2b(chunk_id.encode("utf-8"), digest_size=8).digest(), "little")


def chunk_from_row(d: dict[str, Any]) -> Chunk:
    return Chunk(id=d["id"], article_id=d["article_id"], ordinal=d["ordinal"], start=d["start"], end=d["end"],
                 text=d["text"], sentences=tuple(tuple(s) for s in d["sentences"]))


class ChunkTableWriter:
    """Encodes chunk rows for ``chunks.jsonl`` and records the table as they are written.

    Args:
        base: the table of rows already in the file (appending), or None for a new file.
    """

    def __init__(self, base: "ChunkTable | None" = None):
        self._offsets: list[int] = [int(base.offsets[-1])] if base is not None else [0]
        self._hashes: list[int] = []
        self._sents: list[int] = []
        self._base = base

    def encode(self, chunk: Chunk) -> bytes:
        """The row's bytes (one JSON line); write them to the file in this order."""
        line = (json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
        self._offsets.append(self._offsets[-1] + len(line))
        self._hashes.append(id_hash(chunk.id))
        self._sents.append(len(chunk.sentences))
        return line

    def table(self) -> "ChunkTable":
        offsets = np.asarray(self._offsets, dtype=np.int64)
        hashes = np.asarray(self._hashes, dtype=np.uint64)
        sents = np.asarray(self._sents, dtype=np.int32)
        if self._base is not None:
            offsets = np.concatenate([self._base.offsets[:-1], offsets])
            hashes = np.concatenate([self._base.id_hashes, hashes])
            sents = np.concatenate([self._base.sentence_counts, sents])
        return ChunkTable(offsets, hashes, sents)

    def save(self, directory: Path) -> "ChunkTable":
        table = self.table()
        table.save(directory)
        return table


class ChunkTable:
    """Row offsets (``n + 1``), id hashes and sentence counts (``n``) of a chunk file."""

    def __init__(self, offsets: np.ndarray, id_hashes: np.ndarray, sentence_counts: np.ndarray,
                 order: np.ndarray | None = None):
        self.offsets = offsets
        self.id_hashes = id_hashes
        self.sentence_counts = sentence_counts
        self.order = np.argsort(id_hashes, kind="stable") if order is None else order
        self.sorted_hashes = id_hashes[self.order]

    def __len__(self) -> int:
        return len(self.id_hashes)

    def save(self, directory: Path) -> None:
        with open(directory / CHUNK_TABLE, "wb") as f:
            np.savez(f, offsets=self.offsets, id_hashes=self.id_hashes, sentence_counts=self.sentence_counts,
                     order=self.order)

    @classmethod
    def load(cls, directory: Path) -> "ChunkTable":
        """The saved table, or one made by scanning ``chunks.jsonl`` (an older index)."""
        path = directory / CHUNK_TABLE
        if not path.exists():
            return cls.scan(directory / "chunks.jsonl")
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["offsets"], z["id_hashes"], z["sentence_counts"], z["order"])
        except (ValueError, KeyError, OSError):
            raise
        except Exception as exc:  # a damaged zip (zipfile.BadZipFile and kin)
            raise ValueError(f"{CHUNK_TABLE} is damaged: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def scan(cls, chunks_path: Path) -> "ChunkTable":
        """Read every row once (streamed) to make the table."""
        offsets, hashes, sents = [0], [], []
        with open(chunks_path, "rb") as f:
            for line in f:
                d = json.loads(line)
                offsets.append(offsets[-1] + len(line))
                hashes.append(id_hash(d["id"]))
                sents.append(len(d["sentences"]))
        return cls(np.asarray(offsets, dtype=np.int64), np.asarray(hashes, dtype=np.uint64),
                   np.asarray(sents, dtype=np.int32))

    def candidates(self, chunk_id: str) -> np.ndarray:
        """Rows whose id hash equals that of ``chunk_id`` (almost always zero or one)."""
        h = np.uint64(id_hash(chunk_id))
        lo = int(np.searchsorted(self.sorted_hashes, h, side="left"))
        hi = int(np.searchsorted(self.sorted_hashes, h, side="right"))
        return self.order[lo:hi]


class ChunkRows(Sequence):
    """The chunks of a version as a read-only sequence, parsed on demand.

    ``rows[i]`` reads row ``i`` from the file with ``pread`` (cached); iterating streams
    the whole file (for maintenance, never on the question path). Thread-safe.
    """

    def __init__(self, path: Path, table: ChunkTable, cache_rows: int = CACHE_ROWS):
        self.path = path
        self.table = table
        self._n = len(table)
        size = path.stat().st_size
        if int(table.offsets[-1]) != size:
            raise ValueError(f"{path.name} holds {size} bytes, its table says {int(table.offsets[-1])}")
        # rows are read with pread: a memory map would count the kernel's read-around of
        # every touched row in this process's resident memory (see npyfiles.RowFile)
        self._file = PreadFile(path)
        self._cache: OrderedDict[int, Chunk] = OrderedDict()
        self._cache_rows = cache_rows
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(self._n))]
        row = row_index(row, self._n)
        with self._lock:
            chunk = self._cache.get(row)
            if chunk is not None:
                self._cache.move_to_end(row)
                return chunk
        lo, hi = int(self.table.offsets[row]), int(self.table.offsets[row + 1])
        try:
            chunk = chunk_from_row(json.loads(self._file.read(hi - lo, lo)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"chunk row {row} of {self.path.name} is damaged: {exc}") from exc
        with self._lock:
            self._cache[row] = chunk
            while len(self._cache) > self._cache_rows:
                self._cache.popitem(last=False)
        return chunk

    def __iter__(self) -> Iterator[Chunk]:
        with open(self.path, "rb") as f:
            for line in f:
                yield chunk_from_row(json.loads(line))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking sequence semantics, like list

    def row_of(self, chunk_id: str) -> int:
        """Row of ``chunk_id`` (KeyError when it is not in this version)."""
        for row in self.table.candidates(chunk_id):
            if self[int(row)].id == chunk_id:
                return int(row)
        raise KeyError(chunk_id)

    @property
    def cached(self) -> int:
        """Rows parsed and kept in memory now."""
        return len(self._cache)


class ArticleRows(Sequence):
    """``article_ids[row]`` without a string per row: article ``i`` owns rows
    ``starts[i] .. starts[i] + counts[i]`` (``article_rows.json``)."""

    def __init__(self, ids: list[str], counts: Sequence[int]):
        self.ids = ids
        self.counts = np.asarray(counts, dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return int(self.starts[-1])

    @overload
    def __getitem__(self, row: int) -> str: ...

    @overload
    def __getitem__(self, row: slice) -> list[str]: ...

    def __getitem__(self, row):
        n = len(self)
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(n))]
        row = row_index(row, n)
        return self.ids[int(np.searchsorted(self.starts, row, side="right")) - 1]

    def __iter__(self) -> Iterator[str]:
        for aid, c in zip(self.ids, self.counts):
            for _ in range(int(c)):
                yield aid

    def _positions(self) -> dict[str, int]:
        if self._index is None:
            self._index = {a: i for i, a in enumerate(self.ids)}
        return self._index

    def rows(self, article_ids) -> np.ndarray:
        """All rows of the given articles, ascending (for filters)."""
        pos = self._positions()
        found = sorted(pos[a] for a in set(article_ids) if a in pos)
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(self.starts[i], self.starts[i + 1], dtype=np.int64) for i in found])

    def first_rows(self) -> dict[str, int]:
        """Article id -> its first row (its first chunk), for articles with chunks."""
        return {a: int(self.starts[i]) for i, a in enumerate(self.ids) if self.counts[i] > 0}
