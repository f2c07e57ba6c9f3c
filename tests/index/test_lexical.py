import json

import numpy as np
import pytest

from corpusqa.index.lexical import LexicalIndex, top_k
from corpusqa.index.tokenizer import ChineseTokenizer

DOCS = [
    "去年，各旗县市建成一站式党群服务中心14542个，覆盖率达到98.9%以上。",
    "鄂尔多斯市今年新建口袋公园36个，改造老旧小区1.1万户。",
    "锡林郭勒盟推进草原生态保护，禁牧面积达到1.2亿亩。",
    "呼伦贝尔市举办那达慕大会，乌拉盖管理区的牧民也赶来参加。",
]

pytestmark = pytest.mark.usefixtures("shared_jieba")


@pytest.fixture(scope="module")
def tok():
    return ChineseTokenizer().load()


@pytest.fixture(scope="module")
def index(tok):
    return LexicalIndex(tok).build(DOCS)


def test_the_question_finds_the_number_chunk_first(index):
    hits = index.search("全区建成了多少个一站式党群服务中心？", 3)
    assert hits[0][0] == 0 and hits[0][1] > 0


def test_numbers_and_place_names_match(index):
    assert index.search("14542", 1)[0][0] == 0
    assert index.search("1.1万户", 1)[0][0] == 1
    assert index.search("锡林郭勒", 1)[0][0] == 2
    assert index.search("乌拉盖", 1)[0][0] == 3


def test_k_larger_than_the_corpus_returns_only_matches(index):
    hits = index.search("牧民 草原 公园 服务", 100)
    assert 0 < len(hits) <= len(DOCS)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_punctuation_only_or_unknown_query_returns_nothing(index):
    assert index.search("？！。", 5) == []
    assert index.search("", 5) == []
    assert index.search("量子计算机", 5) == []


def test_row_filter_limits_results(index):
    hits = index.search("牧民 草原 公园 服务中心", 10, rows=np.array([1, 3]))
    assert {r for r, _ in hits} <= {1, 3} and hits
    assert index.search("党群服务中心", 10, rows=np.array([], dtype=np.int64)) == []


def test_empty_index_returns_nothing(tok):
    empty = LexicalIndex(tok).build([])
    assert empty.size == 0 and empty.search("服务中心", 5) == []


def test_save_and_load_without_pickle(index, tok, tmp_path):
    index.save(tmp_path / "lex")
    files = sorted(p.name for p in (tmp_path / "lex").iterdir())
    assert all(f.endswith((".json", ".npy")) for f in files)
    for f in files:
        if f.endswith(".npy"):
            np.load(tmp_path / "lex" / f, allow_pickle=False)
        else:
            json.loads((tmp_path / "lex" / f).read_text())
    loaded = LexicalIndex.load(tmp_path / "lex", tok)
    q = "那达慕大会在哪里举办"
    assert loaded.search(q, 3) == index.search(q, 3)


def test_top_k_breaks_ties_by_lower_row():
    scores = np.array([1.0, 3.0, 3.0, 0.0, 2.0, 3.0], dtype=np.float32)
    assert top_k(scores, 2) == [(1, 3.0), (2, 3.0)]
    assert top_k(scores, 10) == [(1, 3.0), (2, 3.0), (5, 3.0), (4, 2.0), (0, 1.0)]
    assert top_k(scores, 2, rows=np.array([5, 0, 3, 99])) == [(5, 3.0), (0, 1.0)]
    assert top_k(scores, 0) == []


def _sample_texts() -> list[str]:
    from corpusqa.corpus.ingest import default_corpus_paths

    text = "\n".join(p.read_text(encoding="utf-8") for p in default_corpus_paths())
    return [text[i:i + 200] for i in range(0, len(text), 150)]


QUESTIONS = ["全区建成了多少个一站式党群服务中心？", "乌兰察布 草原 那达慕", "基层党组织 堡垒", "1.1万户 口袋公园"]


def test_scores_equal_bm25s_lucene_on_the_sample_corpus(tok):
    """Our streamed postings score exactly like bm25s' Lucene BM25 (the engine it replaced)."""
    import bm25s

    texts = _sample_texts()
    docs = [tok.tokenize(t) for t in texts]
    ours = LexicalIndex(tok).build_tokens(docs)
    ref = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    ref.index(docs, show_progress=False)
    for q in QUESTIONS:
        qt = [t for t in tok.tokenize(q) if t in ref.vocab_dict]
        np.testing.assert_allclose(ours.scores(q), ref.get_scores(qt), rtol=1e-4, atol=1e-4)


def test_small_blocks_and_partitions_give_the_same_index(tok, tmp_path):
    """Scratch blocks and column partitions are an implementation detail of memory bounds."""
    texts = _sample_texts()
    whole = LexicalIndex(tok).build(texts)
    w = LexicalIndex(tok).writer(tmp_path)
    w.block_docs, w.part_entries = 7, 300
    w.add(texts)
    meta = w.finish()
    split = LexicalIndex.load(tmp_path, tok)
    assert meta["size"] == len(texts) and split.size == whole.size
    for q in QUESTIONS:
        assert np.array_equal(split.scores(q), whole.scores(q))
    assert not list(tmp_path.glob("scratch.*"))


def test_parallel_tokenizing_gives_the_same_index(tok, tmp_path):
    texts = _sample_texts() * 10  # over the 2,000 documents that start a worker pool
    assert len(texts) >= 2000
    w = LexicalIndex(tok).writer(tmp_path, workers=2)
    w.add(texts)
    w.finish()
    par = LexicalIndex.load(tmp_path, tok)
    seq = LexicalIndex(tok).build(texts)
    for q in QUESTIONS:
        assert np.array_equal(par.scores(q), seq.scores(q))


def test_appending_documents_equals_building_them_all(tok, tmp_path):
    """An update adds rows without re-tokenizing the old ones; scores equal a full build."""
    from corpusqa.index.postings import append_documents

    texts = _sample_texts()
    head, tail = texts[:-5], texts[-5:] + ["全新的词语：量子纠缠与乌兰牧骑 2099年"]
    w = LexicalIndex(tok).writer(tmp_path / "old")
    w.add(head)
    w.finish()
    meta = append_documents(tmp_path / "old", tmp_path / "new", [tok.tokenize(t) for t in tail], 1.2, 0.75)
    appended = LexicalIndex.load(tmp_path / "new", tok)
    whole = LexicalIndex(tok).build(head + tail)
    assert meta["size"] == len(head) + len(tail) == appended.size
    for q in QUESTIONS + ["量子纠缠", "乌兰牧骑"]:
        np.testing.assert_allclose(appended.scores(q), whole.scores(q), rtol=1e-6, atol=1e-6)
    assert appended.search("量子纠缠", 1)[0][0] == len(head) + len(tail) - 1
