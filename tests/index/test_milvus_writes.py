"""MilvusIndex versions and writes on milvus-lite: alias swap, reopen checks, delete and add."""

from __future__ import annotations

import pytest

from corpusqa.errors import SearchIndexError
from corpusqa.settings import Settings
from tests.retrieval.conftest import ARTICLES, make_article

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

from corpusqa.index.milvus import MilvusIndex  # noqa: E402

EXTRA = make_article("a9", ["包头市举办马拉松比赛，三万名选手参加。"], "马拉松开跑", "p9.txt", "2023-05-01")


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path / "home", encoder="hash:32", progress=False)


def _collections(index):
    return sorted(n for n in index.client().list_collections() if n.startswith(index.alias + "_v"))


def test_reopen_loads_the_alias_and_checks_the_manifest(tmp_path, settings):
    uri = tmp_path / "m.db"
    built = MilvusIndex(uri, settings)
    report = built.build(ARTICLES)
    built.close()
    assert report.articles == 4 and report.chunks == 4 and report.previous is None

    index = MilvusIndex(uri, settings).load()  # lite leaves the collection unloaded after a reopen
    assert index.version == report.collection
    assert index.manifest["counts"]["chunks"] == 4
    assert index.manifest["lexical"]["k1"] == 1.2 and index.manifest["lexical"]["b"] == 0.75
    assert index.lexical_search("那达慕大会", 3)[0].article_id == "a3"
    index.close()

    with pytest.raises(SearchIndexError) as err:
        MilvusIndex(uri, settings.with_(encoder="hash:16")).load()
    assert err.value.key == "index.encoder_mismatch"
    assert "\n" not in err.value.message("zh") and "hash:32" in err.value.message("en")


def test_opening_an_empty_database_says_to_build(tmp_path, settings):
    with pytest.raises(SearchIndexError) as err:
        MilvusIndex(tmp_path / "empty.db", settings).load()
    assert err.value.key == "index.missing"
    assert "corpusqa index build" in err.value.message("en")


def test_rebuild_moves_the_alias_and_keeps_only_the_previous_collection(tmp_path, settings):
    index = MilvusIndex(tmp_path / "m.db", settings)
    first = index.build(ARTICLES[:2]).collection
    second = index.build(ARTICLES[:3])
    assert second.previous == first and index.live_collection() == second.collection
    assert _collections(index) == sorted([first, second.collection])
    third = index.build(ARTICLES)
    assert _collections(index) == sorted([second.collection, third.collection])
    assert index.lexical_search("强基固本", 10)  # a1 is in the newest build only with a4 ...
    assert {h.article_id for h in index.lexical_search("党群服务中心", 10)} == {"a1", "a4"}
    index.close()


def test_delete_by_article_id_then_add_it_back(tmp_path, settings):
    index = MilvusIndex(tmp_path / "m.db", settings)
    index.build(ARTICLES + [EXTRA])
    assert index.lexical_search("马拉松比赛", 3)[0].article_id == "a9"
    assert index.delete(["a9", "never-indexed"]) == 1
    assert "a9" not in {h.article_id for h in index.lexical_search("马拉松比赛", 10)}
    vec = index.encoder.encode_queries(["马拉松比赛"])[0]
    assert "a9" not in {h.article_id for h in index.dense_search(vec, 10)}
    assert index.manifest["counts"]["articles"] == 4 and len(index) == 4
    assert "a9" not in index.article_hashes()

    report = index.add([EXTRA])
    assert report.chunks == 1
    assert index.lexical_search("马拉松比赛", 3)[0].article_id == "a9"
    assert index.manifest["counts"]["articles"] == 5
    # adding a changed article replaces its chunks (they have new ids)
    changed = make_article("a9", ["包头市举办半程马拉松，两万名选手参加。"], "马拉松开跑", "p9.txt", "2023-05-01")
    index.add([changed])
    hits = [h for h in index.lexical_search("马拉松", 10) if h.article_id == "a9"]
    assert len(hits) == 1
    assert "两万名" in index.get_chunks([hits[0].chunk_id])[hits[0].chunk_id].text
    assert index.manifest["counts"]["articles"] == 5 and len(index) == 5
    index.close()


def test_lexical_only_build_has_no_dense_field(tmp_path, settings):
    index = MilvusIndex(tmp_path / "m.db", settings.with_(encoder="none"))
    index.build(ARTICLES)
    assert not index.has_dense and index.encoder is None
    assert index.lexical_search("供水工程", 3)[0].article_id == "a2"
    with pytest.raises(SearchIndexError):
        index.dense_search([0.0] * 32, 3)
    index.close()


def test_unreachable_server_is_one_clear_line(settings):
    with pytest.raises(SearchIndexError) as err:
        MilvusIndex("http://127.0.0.1:9", settings).load()
    assert err.value.key in ("milvus.unreachable", "milvus.auth")
    assert "\n" not in err.value.message("zh") and "127.0.0.1:9" in err.value.message("en")


def test_a_lite_file_open_in_another_process_is_one_clear_line(tmp_path, settings):
    import subprocess
    import sys

    uri = tmp_path / "m.db"
    index = MilvusIndex(uri, settings)
    index.build(ARTICLES[:1])
    code = ("import sys; from pathlib import Path; from corpusqa.errors import SearchIndexError;"
            "from corpusqa.index.milvus import MilvusIndex; from corpusqa.settings import Settings\n"
            "try:\n    MilvusIndex(sys.argv[1], Settings(home=Path(sys.argv[2]), encoder='hash:32')).load()\n"
            "except SearchIndexError as e:\n    print(e.key)")
    out = subprocess.run([sys.executable, "-c", code, str(uri), str(settings.home)], capture_output=True,
                         text=True, timeout=300)
    assert out.stdout.strip() == "milvus.lite_locked"
    index.close()  # releases the file: the other process can open it now
    out = subprocess.run([sys.executable, "-c", code, str(uri), str(settings.home)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == ""


def test_hnsw_cosine_build_finds_a_chunk_from_its_own_text(tmp_path, settings):
    index = MilvusIndex(tmp_path / "m.db", settings, index_type="HNSW", metric="COSINE")
    index.build(ARTICLES)
    assert index.manifest["dense"] == {"engine": "milvus", "index_type": "HNSW", "metric": "COSINE",
                                       "hnsw_m": 16, "hnsw_ef": 200}
    hit = index.lexical_search("那达慕", 1)[0]
    chunk = index.get_chunks([hit.chunk_id])[hit.chunk_id]
    vec = index.encoder.encode_passages(["那达慕大会\n" + chunk.text])[0]
    top = index.dense_search(vec, 2)[0]
    assert top.chunk_id == chunk.id and abs(top.score - 1.0) < 1e-3
    index.close()


def _counting_encoder(spec: str = "hash:32"):
    """A loaded fake encoder that counts the texts it embeds."""
    from corpusqa.index.encoders import load_encoder

    enc = load_encoder(spec)
    enc.load()
    enc.embedded = 0
    encode = enc.encode_passages

    def counted(texts):
        enc.embedded += len(texts)
        return encode(texts)

    enc.encode_passages = counted
    return enc


def test_builds_take_vectors_from_the_homes_vector_cache(tmp_path, settings):
    """A rebuild embeds nothing already embedded; an embedded build's vectors serve a Milvus
    build of the same home; ``CORPUSQA_VECTOR_CACHE=off`` embeds everything."""
    import numpy as np

    from corpusqa.index.builder import IndexBuilder

    enc = _counting_encoder()
    first = MilvusIndex(tmp_path / "m.db", settings, encoder=enc).build(ARTICLES)
    assert enc.embedded == first.chunks == 4 and first.reused == 0

    index = MilvusIndex(tmp_path / "m.db", settings, encoder=enc)
    again = index.build(ARTICLES + [EXTRA])
    assert enc.embedded == 5 and again.reused == 4 and again.embedded == 5  # only EXTRA embedded
    vec = np.asarray(enc.encode_passages(["包头市举办马拉松比赛"]), dtype=np.float32)
    assert index.dense_search(vec[0], 1)[0].article_id == "a9"  # cached vectors are the right ones
    index.close()

    other = settings.with_(home=tmp_path / "other")
    IndexBuilder(other.index_dir, other, encoder=_counting_encoder()).build(ARTICLES)
    enc2 = _counting_encoder()
    shared = MilvusIndex(tmp_path / "m2.db", other, encoder=enc2).build(ARTICLES)
    assert enc2.embedded == 0 and shared.reused == shared.chunks == 4

    enc3 = _counting_encoder()
    off = MilvusIndex(tmp_path / "m3.db", other.with_(vector_cache="off"), encoder=enc3).build(ARTICLES)
    assert enc3.embedded == 4 and off.reused == 0
