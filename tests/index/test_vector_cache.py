"""The vector cache: builds resume after a failure, encoders switch back for free, prune, off."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from corpusqa.index.builder import IndexBuilder
from corpusqa.index.encoders import HashEncoder
from corpusqa.index.store import open_index
from corpusqa.index.tokenizer import ChineseTokenizer
from corpusqa.index.vector_cache import FILE, VectorCache
from tests.index.conftest import ANSWER, QUESTION, make_article

TOK = ChineseTokenizer()

pytestmark = pytest.mark.usefixtures("shared_jieba")


class FailingEncoder(HashEncoder):
    """Embeds ``budget`` texts, then fails: a build that dies partway."""

    def __init__(self, dim, budget):
        super().__init__(dim)
        self.budget = budget

    def encode_passages(self, texts):
        if self.calls + len(texts) > self.budget:
            raise RuntimeError("killed")
        return super().encode_passages(texts)


def many_articles(n=12):
    return [make_article(f"m{i}", [f"第{i}篇报道：全区建成一站式党群服务中心{1000 + i}个。",
                                   f"第{i}篇的第二段，记者走访了{i}个嘎查村。"], title=f"报道{i}")
            for i in range(n)]


def builder(settings, encoder, **kw):
    return IndexBuilder(settings.index_dir, settings, encoder=encoder, tokenizer=TOK, batch_size=2, **kw)


def test_a_failed_build_resumes_from_the_cached_batches(settings):
    arts = many_articles()
    with pytest.raises(RuntimeError, match="killed"):
        builder(settings, FailingEncoder(32, budget=10)).build(arts)
    with VectorCache(settings.index_dir / FILE) as vc:
        cached = vc.stats()["encoders"]["hash-v1:32"]["vectors"]
    assert cached == 10  # every committed batch survived the failure

    enc = HashEncoder(32)
    report = builder(settings, enc).build(arts)
    total = report.chunks + report.sentences
    assert report.embedded_chunks + report.embedded_sentences == enc.calls == total - cached
    assert report.reused_chunks + report.reused_sentences == cached

    again = HashEncoder(32)
    rebuilt = builder(settings, again).build(arts)  # a from-scratch build still finds every vector
    assert again.calls == 0 and rebuilt.embedded_chunks == 0 and rebuilt.reused_chunks == rebuilt.chunks


def test_cached_vectors_equal_freshly_embedded_ones(settings, articles):
    builder(settings, HashEncoder(32)).build(articles)
    warm = open_index(settings.index_dir, settings, tokenizer=TOK)
    cold_settings = settings.with_(home=settings.home.parent / "cold", vector_cache="off")
    builder(cold_settings, HashEncoder(32)).build(articles)
    cold = open_index(cold_settings.index_dir, cold_settings, tokenizer=TOK)
    builder(settings, HashEncoder(32)).build(articles)  # every vector from the cache
    cached = open_index(settings.index_dir, settings, tokenizer=TOK)
    assert np.array_equal(np.asarray(cached.dense.vectors), np.asarray(cold.dense.vectors))
    assert np.array_equal(np.asarray(warm.dense.vectors), np.asarray(cold.dense.vectors))


def test_switching_back_to_an_earlier_encoder_embeds_nothing(settings, articles):
    builder(settings, HashEncoder(32)).build(articles)
    other = HashEncoder(16)
    builder(settings.with_(encoder="hash:16"), other).update(articles)
    assert other.calls > 0
    back = HashEncoder(32)
    report = builder(settings, back).update(articles)
    assert back.calls == 0 and report.embedded_chunks == 0 and report.reused_chunks == report.chunks


def test_appending_new_articles_goes_through_the_cache(settings, articles):
    builder(settings, HashEncoder(32)).build(articles[:2])
    first = HashEncoder(32)
    builder(settings, first).update(articles)  # the corpus gained a3: appended
    assert first.calls > 0
    builder(settings, HashEncoder(32)).build(articles[:2])  # back to two articles
    second = HashEncoder(32)
    report = builder(settings, second).update(articles)
    assert second.calls == 0 and report.embedded_chunks == 0


def test_cache_off_writes_no_file_and_embeds_everything(settings, articles):
    off = settings.with_(vector_cache="off")
    builder(off, HashEncoder(32)).build(articles)
    enc = HashEncoder(32)
    builder(off, enc).build(articles)
    assert enc.calls > 0
    assert not (settings.index_dir / FILE).exists()


def test_a_damaged_cache_file_only_costs_embedding(settings, articles, caplog):
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / FILE).write_bytes(b"this is not a database" * 100)
    enc = HashEncoder(32)
    report = builder(settings, enc).build(articles)
    assert report.embedded_chunks == report.chunks and enc.calls > 0
    assert "vector cache" in caplog.text
    idx = open_index(settings.index_dir, settings, tokenizer=TOK)
    assert ANSWER in idx.chunks[idx.lexical_search(QUESTION, 1)[0][0]].text


def test_prune_keeps_exactly_the_vectors_of_the_versions_on_disk(settings, articles):
    from corpusqa.workspace import Workspace

    edited = [articles[0], make_article("a2", ["鄂尔多斯市今年新建口袋公园40个。"], title="改稿"), articles[2]]
    builder(settings, HashEncoder(32)).build(articles)
    builder(settings, HashEncoder(32)).build(edited)   # predecessor kept on disk
    builder(settings, HashEncoder(32)).build(edited)   # the first version is collected
    builder(settings.with_(encoder="hash:16"), HashEncoder(16)).update(edited)  # live: another encoder
    ws = Workspace(settings)
    before = ws.vector_cache_stats()["encoders"]
    assert set(before) == {"hash-v1:32", "hash-v1:16"}
    removed, after = ws.prune_vector_cache()
    # kept: the hash:32 predecessor's and the live hash:16 version's vectors; gone: the
    # vectors only the original a2 used
    assert removed > 0
    assert after["encoders"]["hash-v1:16"] == before["hash-v1:16"]
    assert after["encoders"]["hash-v1:32"]["vectors"] == before["hash-v1:32"]["vectors"] - removed
    enc = HashEncoder(32)
    assert builder(settings, enc).build(edited).embedded_chunks == 0 and enc.calls == 0


def test_cache_commands(tmp_path, articles):
    from corpusqa.cli import cli
    from corpusqa.settings import Settings

    home = tmp_path / "h"
    settings = Settings(home=home, encoder="hash:32", progress=False)
    builder(settings, HashEncoder(32)).build(articles)
    runner = CliRunner()
    out = runner.invoke(cli, ["--home", str(home), "--encoder", "hash:32", "index", "cache", "stats", "--json"])
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)
    assert info["encoders"]["hash-v1:32"]["vectors"] > 0 and info["file_bytes"] > 0
    out = runner.invoke(cli, ["--home", str(home), "--lang", "en", "index", "cache", "prune"])
    assert out.exit_code == 0, out.output
    assert "Removed 0 vectors" in out.output
    out = runner.invoke(cli, ["--home", str(home), "index", "cache", "stats"])
    assert out.exit_code == 0 and "向量缓存" in out.output


def test_one_cache_file_shared_by_two_homes(tmp_path, articles):
    from corpusqa.errors import SearchIndexError
    from corpusqa.settings import Settings
    from corpusqa.workspace import Workspace

    shared = tmp_path / "shared" / "vectors.sqlite"
    one = Settings(home=tmp_path / "one", encoder="hash:32", progress=False, vector_cache=str(shared))
    two = Settings(home=tmp_path / "two", encoder="hash:32", progress=False, vector_cache=str(shared))
    builder(one, HashEncoder(32)).build(articles)
    enc = HashEncoder(32)
    assert builder(two, enc).build(articles).embedded_chunks == 0 and enc.calls == 0
    assert not (two.index_dir / FILE).exists() and shared.exists()
    assert Workspace(two).vector_cache_stats()["path"] == str(shared)
    with pytest.raises(SearchIndexError) as exc:  # pruning for one home would empty the other's
        Workspace(two).prune_vector_cache()
    assert exc.value.key == "index.cache_shared"
