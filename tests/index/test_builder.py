import json

import numpy as np
import pytest

from corpusqa.errors import SearchIndexError
from corpusqa.index.builder import IndexBuilder
from corpusqa.index.chunking import Chunker
from corpusqa.index.encoders import HashEncoder
from corpusqa.index.manifest import SCHEMA_VERSION
from corpusqa.index.store import open_index
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.versions import current_dir
from tests.index.conftest import ANSWER, QUESTION, make_article

pytestmark = pytest.mark.usefixtures("shared_jieba")


TOK = ChineseTokenizer()  # loaded once for the module (jieba takes about a second)


def load(settings):
    return open_index(settings.index_dir, settings, tokenizer=TOK)


def build(settings, articles, encoder=None, update=False, **options):
    """A build with sentence vectors on (the mechanism under test here; the default is off)."""
    options.setdefault("sentence_vectors", "on")
    builder = IndexBuilder(settings.index_dir, settings, encoder=encoder or HashEncoder(32),
                           tokenizer=TOK, **options)
    return builder.update(articles) if update else builder.build(articles)


def embedded_texts(articles, size=250, overlap=50):
    """What the builder embeds: title-prefixed chunks and distinct sentences."""
    ch = Chunker(size, overlap)
    chunks = {ch.embed_text(a.title, c) for a in articles for c in ch.chunk(a)}
    sents = {a.text[s:e] for a in articles for c in ch.chunk(a) for s, e in c.sentences}
    return chunks, sents


def test_build_then_search_lexically_and_densely(settings, articles):
    report = build(settings, articles)
    assert report.articles == 3 and report.chunks >= 3 and report.faiss == "flat"
    idx = load(settings)
    by_id = {a.id: a for a in articles}
    for row, c in enumerate(idx.chunks):
        assert by_id[c.article_id].text[c.start:c.end] == c.text
        assert idx.chunk_row(c.id) == row and idx.article_ids[row] == c.article_id
    (row, score), *_ = idx.lexical_search(QUESTION, 3)
    assert ANSWER in idx.chunks[row].text and score > 0
    dense = idx.dense_search(idx.encode_query("一站式党群服务中心14542个"), 3)
    assert ANSWER in idx.chunks[dense[0][0]].text
    assert idx.tokenize("党群服务中心") == idx.lexical.tokenizer.tokenize("党群服务中心")


def test_manifest_records_how_the_index_was_built(settings, articles):
    build(settings, articles, chunk_size=120, chunk_overlap=20)
    m = load(settings).manifest
    assert m["schema_version"] == SCHEMA_VERSION and m["corpusqa_version"]
    assert m["encoder"] == {"spec": "hash:32", "name": "hash:32", "dim": 32, "fingerprint": "hash-v1:32"}
    assert m["chunker"]["chunk_size"] == 120 and m["chunker"]["chunk_overlap"] == 20
    assert m["tokenizer"]["bigrams"] is True and m["tokenizer"]["dict_hash"]
    assert m["lexical"]["engine"] == "corpusqa-bm25" and m["dense"]["faiss"] == "flat"
    assert m["counts"]["articles"] == 3 and m["built_at"] and m["build_seconds"] >= 0
    assert m["sentence_vectors"]["enabled"] is True


def test_sentence_vectors_align_with_chunk_sentences(settings, articles):
    build(settings, articles)
    idx = load(settings)
    by_id = {a.id: a for a in articles}
    for row, c in enumerate(idx.chunks):
        vecs = idx.sentence_vectors(row)
        texts = [by_id[c.article_id].text[s:e] for s, e in c.sentences]
        np.testing.assert_allclose(vecs, HashEncoder(32).encode_passages(texts), atol=1e-6)


def test_update_embeds_only_new_or_changed_text(settings, articles):
    first = HashEncoder(32)
    report = build(settings, articles, encoder=first)
    chunks0, sents0 = embedded_texts(articles)
    assert first.calls == len(chunks0) + len(sents0) == report.embedded_chunks + report.embedded_sentences

    again = HashEncoder(32)
    report = build(settings, articles, encoder=again, update=True)
    assert again.calls == 0 and report.embedded_chunks == 0 and report.reused_chunks == report.chunks

    a1, a2, _ = articles
    changed = make_article("a2", [a2.text.split("\n")[0], "锡林郭勒盟禁牧面积今年扩大到1.5亿亩。"], title=a2.title)
    added = make_article("a4", ["包头市新建产业园区3个。"], title="包头新闻")
    new_articles = [a1, changed, added]  # a3 deleted
    chunks1, sents1 = embedded_texts(new_articles)
    third = HashEncoder(32)
    report = build(settings, new_articles, encoder=third, update=True)
    assert third.calls == len(chunks1 - chunks0) + len(sents1 - sents0)
    assert 0 < third.calls < len(chunks1) + len(sents1)
    idx = load(settings)
    assert set(idx.article_ids) == {"a1", "a2", "a4"}
    assert idx.lexical_search("那达慕", 5) == []
    assert ANSWER in idx.chunks[idx.lexical_search(QUESTION, 1)[0][0]].text


def test_switching_encoder_re_embeds_everything_but_keeps_chunks(settings, articles):
    build(settings, articles)
    ids = [c.id for c in load(settings).chunks]
    other = HashEncoder(48)
    report = build(settings.with_(encoder="hash:48"), articles, encoder=other, update=True)
    assert report.reused_chunks == 0 and other.calls == report.embedded_chunks + report.embedded_sentences
    idx = load(settings.with_(encoder="hash:48"))
    assert [c.id for c in idx.chunks] == ids and idx.manifest["encoder"]["dim"] == 48


def test_lexical_only_index_has_no_faiss_and_says_so(settings, articles):
    report = build(settings.with_(encoder="none"), articles, encoder="none")
    assert report.encoder == "none" and report.faiss is None
    live = current_dir(settings.index_dir)
    assert not (live / "dense.faiss").exists()
    idx = load(settings.with_(encoder="none"))
    assert idx.manifest["encoder"] is None and not idx.has_dense and idx.encoder is None
    assert idx.lexical_search(QUESTION, 1)
    assert idx.sentence_vectors(0) is None
    with pytest.raises(SearchIndexError) as exc:
        idx.dense_search(np.ones(32, np.float32), 3)
    assert exc.value.key == "index.dense_unavailable" and "--encoder" in exc.value.message("zh")


def test_by_default_only_chunks_are_embedded(settings, articles):
    enc = HashEncoder(32)
    report = IndexBuilder(settings.index_dir, settings, encoder=enc, tokenizer=TOK).build(articles)
    chunks, _ = embedded_texts(articles)
    assert enc.calls == report.embedded_chunks == len(chunks) and report.embedded_sentences == 0
    idx = load(settings)
    assert idx.manifest["sentence_vectors"]["enabled"] is False and idx.sentence_vectors(0) is None
    assert idx.manifest["sentence_vectors"]["mode"] == "off"


def test_sentence_vectors_are_skipped_above_the_limit(settings, articles):
    build(settings, articles, sentence_vectors="auto", sentence_limit=3)
    idx = load(settings)
    sv = idx.manifest["sentence_vectors"]
    assert sv["enabled"] is False and "> 3" in sv["reason"]
    assert idx.sentence_vectors(0) is None


def test_hnsw_can_be_forced(settings, articles):
    build(settings, articles, faiss_kind="hnsw")
    idx = load(settings)
    assert idx.manifest["dense"]["faiss"] == "hnsw"
    assert idx.dense_search(idx.encode_query(QUESTION), 2)


def test_empty_corpus_gives_an_empty_but_valid_index(settings):
    build(settings, [])
    idx = load(settings)
    assert len(idx) == 0
    assert idx.lexical_search(QUESTION, 5) == []
    assert idx.dense_search(idx.encode_query(QUESTION), 5) == []


def test_filters_restrict_both_searches(settings, articles):
    build(settings, articles)
    idx = load(settings)
    rows = idx.rows_for_articles(["a2"])
    assert rows.size and all(idx.article_ids[r] == "a2" for r in rows)
    assert all(idx.article_ids[r] == "a2" for r, _ in idx.lexical_search("草原 服务中心", 5, rows))
    assert all(idx.article_ids[r] == "a2" for r, _ in idx.dense_search(idx.encode_query(QUESTION), 5, rows))
    assert idx.lexical_search(QUESTION, 5, rows=idx.rows_for_articles(["nope"])) == []


# -- refusing incompatible indexes -------------------------------------------------------


def test_missing_index_names_the_build_command(settings):
    with pytest.raises(SearchIndexError) as exc:
        load(settings)
    assert exc.value.key == "index.missing" and "corpusqa index build" in exc.value.message("zh")


def test_other_encoder_is_refused_with_the_update_command(settings, articles):
    build(settings, articles)
    with pytest.raises(SearchIndexError) as exc:
        load(settings.with_(encoder="hash:48"))
    assert exc.value.key == "index.encoder_mismatch"
    assert "corpusqa index update --encoder hash:48" in exc.value.message("en")


def test_other_tokenizer_settings_are_refused(settings, articles, tmp_path):
    build(settings, articles)
    extra = tmp_path / "extra.txt"
    extra.write_text("乌拉盖管理区 100 ns\n", encoding="utf-8")
    with pytest.raises(SearchIndexError) as exc:
        open_index(settings.index_dir, settings.with_(user_dict=extra))
    assert exc.value.key == "index.tokenizer_mismatch" and "dict_hash" in exc.value.message("en")


def _edit_manifest(settings, **changes):
    path = current_dir(settings.index_dir) / "manifest.json"
    m = json.loads(path.read_text())
    for key, value in changes.items():
        if isinstance(value, dict):
            m[key].update(value)
        else:
            m[key] = value
    path.write_text(json.dumps(m))


def test_other_schema_is_refused_with_the_build_command(settings, articles):
    build(settings, articles)
    _edit_manifest(settings, schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(SearchIndexError) as exc:
        load(settings)
    assert exc.value.key == "index.schema_mismatch" and "corpusqa index build" in exc.value.message("zh")


def test_changed_model_weights_are_refused_when_the_encoder_loads(settings, articles):
    build(settings, articles)
    _edit_manifest(settings, encoder={"fingerprint": "hash-v1:other"})
    idx = load(settings)
    assert idx.lexical_search(QUESTION, 1)  # lexical search needs no model
    with pytest.raises(SearchIndexError) as exc:
        idx.encode_query(QUESTION)
    assert exc.value.key == "index.fingerprint_mismatch" and "corpusqa index update" in exc.value.message("zh")


def test_truncated_file_is_reported_as_corrupt(settings, articles):
    build(settings, articles)
    vectors = current_dir(settings.index_dir) / "chunk_vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:100])
    with pytest.raises(SearchIndexError) as exc:
        load(settings)
    assert exc.value.key == "index.corrupt" and "chunk_vectors.npy" in exc.value.message("en")


def test_an_added_article_is_appended_and_searches_like_a_full_build(settings, articles, tmp_path):
    """Only the new article is chunked, embedded and tokenized; results equal a rebuild."""
    from dataclasses import replace as dc_replace

    build(settings, articles)
    added = make_article("a4", ["包头市新建产业园区3个，吸引投资12亿元。", "园区内企业达到58家。"], title="包头新闻")
    enc = HashEncoder(32)
    report = build(settings, [*articles, added], encoder=enc, update=True)
    idx = load(settings)
    m = idx.manifest
    assert m["timings"]["appended_articles"] == 1 and report.articles == 4
    chunks_new, sents_new = embedded_texts([added])
    assert enc.calls == len(chunks_new) + len(sents_new)  # nothing old is embedded again
    assert idx.article_ids[-1] == "a4" and report.chunks == len(idx.chunks)

    other = dc_replace(settings, home=tmp_path / "full")
    build(other, [*articles, added])
    full = load(other)
    for q in (QUESTION, "包头市产业园区", "园区企业多少家", "那达慕"):
        ours = sorted((idx.chunks[r].id, round(s, 4)) for r, s in idx.lexical_search(q, 10))
        theirs = sorted((full.chunks[r].id, round(s, 4)) for r, s in full.lexical_search(q, 10))
        assert ours == theirs
    qv = idx.encode_query("包头市新建产业园区")
    assert idx.chunks[idx.dense_search(qv, 1)[0][0]].article_id == "a4"
    row = idx.chunk_row(idx.chunks[-1].id)
    assert idx.sentence_vectors(row) is not None and len(idx.sentence_vectors(row)) == len(idx.chunks[-1].sentences)


def test_a_changed_article_falls_back_to_a_full_update(settings, articles):
    build(settings, articles)
    a1, a2, a3 = articles
    changed = make_article("a2x", [a2.text + "新增一句。"], title=a2.title)
    build(settings, [a1, changed, a3], update=True)
    m = load(settings).manifest
    assert "appended_articles" not in m["timings"] and m["counts"]["articles"] == 3


def test_add_appends_and_refuses_without_a_compatible_index(settings, articles):
    with pytest.raises(SearchIndexError) as exc:
        IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK).add(articles[:1])
    assert "corpusqa index update" in exc.value.message("en")
    build(settings, articles[:2])
    report = IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK,
                          sentence_vectors="on").add(articles[2:])
    assert report.articles == 3 and load(settings).article_ids[-1] == articles[2].id
    with pytest.raises(SearchIndexError):
        IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(16), tokenizer=TOK,
                     sentence_vectors="on").add(articles[:1])


def test_build_options_are_recorded_and_decide_appending(settings, articles):
    """The manifest keeps the resolved BuildOptions; an update leaving them at None keeps
    the live version's (and appends), an update asking for other ones rebuilds."""
    from corpusqa.index.builder import BuildOptions
    from corpusqa.index.manifest import read_manifest, write_manifest

    build(settings, articles[:2], chunk_size=120, chunk_overlap=20, sentence_vectors="off")
    live = read_manifest(current_dir(settings.index_dir))
    opts = BuildOptions.from_manifest(live)
    assert opts == BuildOptions(chunk_size=120, chunk_overlap=20, sentence_vectors="off", faiss_kind="auto")
    assert live["build"] == opts.to_dict() and opts.resolved(None) == opts

    plain = IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK)
    assert plain.options == BuildOptions()  # every field None or a default
    report = plain.update(articles)
    m = read_manifest(current_dir(settings.index_dir))
    assert m["timings"]["appended_articles"] == 1 and m["build"] == live["build"] and report.articles == 3

    hnsw = IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK, faiss_kind="hnsw")
    hnsw.update(articles)
    m = read_manifest(current_dir(settings.index_dir))
    assert "appended_articles" not in m["timings"] and m["build"]["faiss_kind"] == "hnsw"
    assert m["dense"]["faiss"] == "hnsw" and m["chunker"]["chunk_size"] == 120  # chunking kept

    # a version written before the record: its options are derived from the manifest's sections
    live_dir = current_dir(settings.index_dir)
    old = dict(m)
    old.pop("build")
    write_manifest(live_dir, old)
    assert BuildOptions.from_manifest(old).resolved(None).chunk_size == 120
    added = make_article("a4", ["包头市新建产业园区3个。"], title="包头新闻")
    IndexBuilder(settings.index_dir, settings, encoder=HashEncoder(32), tokenizer=TOK).update([*articles, added])
    assert read_manifest(current_dir(settings.index_dir))["timings"]["appended_articles"] == 1

    with pytest.raises(TypeError):
        IndexBuilder(settings.index_dir, settings, options=BuildOptions(), chunk_size=100)
    with pytest.raises(ValueError):
        BuildOptions(sentence_vectors="sometimes")
