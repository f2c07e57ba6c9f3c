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
