import numpy as np
import pytest

from corpusqa.index.dense import DenseIndex, choose_kind
from corpusqa.index.encoders import normalize


@pytest.fixture(scope="module")
def vectors():
    return normalize(np.random.default_rng(0).standard_normal((300, 16)))


def test_kind_is_chosen_by_size_unless_forced():
    assert choose_kind(10) == "flat"
    assert choose_kind(10, threshold=5) == "ivf"
    assert choose_kind(19_999) == "flat" and choose_kind(20_000) == "ivf" and choose_kind(499_999) == "ivf"
    assert choose_kind(500_000) == "ivf-sq8" and choose_kind(10**6) == "ivf-sq8"
    assert choose_kind(10**6, "hnsw") == "hnsw"
    assert choose_kind(10**6, "flat") == "flat"
    with pytest.raises(ValueError):
        choose_kind(10, "ivf-pq")


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf", "ivf-sq8"])
def test_search_finds_the_query_vector_itself_first(vectors, kind):
    index = DenseIndex.build(vectors, kind)
    assert index.kind == kind
    for row in (0, 123, 299):
        hits = index.search(vectors[row], 5)
        assert hits[0][0] == row and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_results_match_exact_dot_products(vectors):
    index = DenseIndex.build(vectors, "flat")
    q = vectors[7] + vectors[8]
    expected = np.argsort(-(vectors @ q), kind="stable")[:10]
    assert [r for r, _ in index.search(q, 10)] == list(expected)


def test_ivf_sq8_returns_exact_scores_in_exact_order(vectors):
    """8-bit codes choose the candidates; the float32 vectors score and order them."""
    index = DenseIndex.build(vectors, "ivf-sq8")
    index.nprobe = index.index.nlist  # every list: the candidates then come from all rows
    q = vectors[7] + vectors[8]
    exact = vectors @ q
    hits = index.search(q, 10)
    assert [r for r, _ in hits] == list(np.argsort(-exact, kind="stable")[:10])
    assert all(s == pytest.approx(float(exact[r]), abs=1e-5) for r, s in hits)
    assert index.params()["codes"] == "sq8" and index.search(vectors[0], 400)[0][0] == 0  # k > n


def test_row_filter_is_exact_and_respected(vectors):
    index = DenseIndex.build(vectors, "hnsw")
    rows = np.array([5, 50, 150, 250])
    hits = index.search(vectors[150], 10, rows=rows)
    assert [r for r, _ in hits][0] == 150 and {r for r, _ in hits} == set(rows.tolist())
    assert index.search(vectors[0], 3, rows=np.array([], dtype=np.int64)) == []


def test_k_larger_than_the_index(vectors):
    index = DenseIndex.build(vectors[:4], "flat")
    assert len(index.search(vectors[0], 50)) == 4


def test_empty_index_and_wrong_dimension():
    empty = DenseIndex.build(np.zeros((0, 8), np.float32), "flat")
    assert empty.search(np.ones(8, np.float32), 5) == []
    index = DenseIndex.build(normalize(np.ones((2, 8))), "flat")
    with pytest.raises(ValueError):
        index.search(np.ones(4, np.float32), 1)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf", "ivf-sq8"])
def test_save_and_mmap_load_give_the_same_results(vectors, tmp_path, kind):
    index = DenseIndex.build(vectors, kind)
    index.save(tmp_path / "d.faiss")
    np.save(tmp_path / "v.npy", vectors)
    loaded = DenseIndex.load(tmp_path / "d.faiss", np.load(tmp_path / "v.npy", mmap_mode="r"), kind)
    assert loaded.search(vectors[3], 5) == index.search(vectors[3], 5)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf", "ivf-sq8"])
def test_build_from_file_reads_blocks_and_matches_build(vectors, tmp_path, kind, monkeypatch):
    import corpusqa.index.dense as dense

    monkeypatch.setattr(dense, "_ADD_BATCH", 64)  # several blocks
    path = tmp_path / "v.npy"
    np.save(path, vectors)
    blocks = list(dense.iter_npy_rows(path, 64))
    assert sum(len(b) for b in blocks) == len(vectors) and np.array_equal(np.concatenate(blocks), vectors)
    idx = DenseIndex.build_from_file(path, kind)
    assert idx.kind == kind and idx.size == len(vectors)
    assert idx.search(vectors[42], 1)[0][0] == 42
    assert (idx.params() == {}) == (kind == "flat")  # approximate kinds record their search settings
