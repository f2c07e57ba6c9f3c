"""Chunk rows parsed on demand: the table written by the builder, lookups, old indexes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corpusqa.errors import SearchIndexError
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.chunk_rows import CHUNK_TABLE, ArticleRows, ChunkRows, ChunkTable, ChunkTableWriter, chunk_from_row
from corpusqa.index.encoders import HashEncoder
from corpusqa.index.manifest import MANIFEST
from corpusqa.index.store import CHUNKS, open_index
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.versions import current_dir
from corpusqa.models import Chunk
from tests.index.conftest import make_article

pytestmark = pytest.mark.usefixtures("shared_jieba")

TOK = ChineseTokenizer()


def _chunk(i: int, article: str = "a") -> Chunk:
    return Chunk(id=f"c{i}", article_id=article, ordinal=i, start=10 * i, end=10 * i + 9, text=f"第{i}块，含“引号”",
                 sentences=((10 * i, 10 * i + 4),) * (i % 3))


def _write(tmp_path, chunks, base=None, mode="wb"):
    writer = ChunkTableWriter(base)
    with open(tmp_path / CHUNKS, mode) as f:
        for c in chunks:
            f.write(writer.encode(c))
    return writer.save(tmp_path)


def test_rows_are_read_on_demand_and_found_by_id(tmp_path):
    chunks = [_chunk(i) for i in range(50)]
    table = _write(tmp_path, chunks)
    rows = ChunkRows(tmp_path / CHUNKS, ChunkTable.load(tmp_path), cache_rows=4)
    assert len(rows) == 50 and rows.cached == 0
    assert rows[7] == chunks[7] and rows[-1] == chunks[-1] and rows[2:4] == chunks[2:4]
    assert rows.cached == 4  # bounded
    assert [rows.row_of(c.id) for c in chunks] == list(range(50))
    with pytest.raises(KeyError):
        rows.row_of("nope")
    with pytest.raises(IndexError):
        rows[50]
    parsed = [chunk_from_row(json.loads(line)) for line in (tmp_path / CHUNKS).read_bytes().splitlines()]
    assert list(rows) == chunks == parsed and rows == chunks
    scanned = ChunkTable.scan(tmp_path / CHUNKS)
    for name in ("offsets", "id_hashes", "sentence_counts"):
        assert np.array_equal(getattr(scanned, name), getattr(table, name))


def test_appended_rows_extend_the_table(tmp_path):
    base = _write(tmp_path, [_chunk(i) for i in range(5)])
    _write(tmp_path, [_chunk(i) for i in range(5, 9)], base=base, mode="ab")
    rows = ChunkRows(tmp_path / CHUNKS, ChunkTable.load(tmp_path))
    assert [c.ordinal for c in rows] == list(range(9)) and rows.row_of("c8") == 8
    assert rows.table.sentence_counts.tolist() == [i % 3 for i in range(9)]


def test_a_file_that_does_not_match_its_table_is_refused(tmp_path):
    _write(tmp_path, [_chunk(i) for i in range(3)])
    with open(tmp_path / CHUNKS, "ab") as f:
        f.write(b'{"half": ')
    with pytest.raises(ValueError, match="bytes"):
        ChunkRows(tmp_path / CHUNKS, ChunkTable.load(tmp_path))


def test_article_rows_map_rows_to_articles_without_a_string_per_row():
    rows = ArticleRows(["a", "b", "c"], [2, 0, 3])
    assert len(rows) == 5 and list(rows) == ["a", "a", "c", "c", "c"] and rows[-1] == "c" and rows[1] == "a"
    assert rows.rows(["c", "zzz"]).tolist() == [2, 3, 4] and rows.rows([]).size == 0
    assert rows.first_rows() == {"a": 0, "c": 2}


def _built(settings, n=4):
    arts = [make_article(f"a{i}", ["党群服务中心" * (40 + i) + f"第{i}篇。"]) for i in range(n)]
    IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK).build(arts)
    return arts


def test_an_index_without_the_table_still_opens(settings):
    arts = _built(settings)
    live = current_dir(settings.index_dir)
    assert (live / CHUNK_TABLE).exists()
    want = list(open_index(settings.index_dir, settings, tokenizer=TOK).chunks)
    (live / CHUNK_TABLE).unlink()  # an index written before the table existed
    manifest = json.loads((live / MANIFEST).read_text())
    del manifest["files"][CHUNK_TABLE]
    (live / MANIFEST).write_text(json.dumps(manifest))
    idx = open_index(settings.index_dir, settings, tokenizer=TOK)
    assert list(idx.chunks) == want and set(idx.article_ids) == {a.id for a in arts}
    assert idx.chunk_row(want[-1].id) == len(want) - 1


def test_a_damaged_chunk_table_is_one_clear_error(settings):
    _built(settings)
    table = current_dir(settings.index_dir) / CHUNK_TABLE
    size = table.stat().st_size
    table.write_bytes((b"PK\x03\x04" + b"\0" * size)[:size])  # a zip header, then nothing
    with pytest.raises(SearchIndexError) as err:
        open_index(settings.index_dir, settings, tokenizer=TOK)
    assert err.value.key == "index.corrupt"


def test_a_truncated_chunk_file_is_one_clear_error(settings):
    _built(settings)
    live = current_dir(settings.index_dir)
    data = (live / CHUNKS).read_bytes()
    (live / CHUNKS).write_bytes(data[: len(data) // 2])
    with pytest.raises(SearchIndexError) as err:
        open_index(settings.index_dir, settings, tokenizer=TOK)
    assert err.value.key == "index.corrupt"
