import pytest

from corpusqa.retrieval.fusion import rrf


def test_rrf_hand_computed():
    # a: 1/(60+1) + 1/(60+2); b: 1/(60+2) + 1/(60+1); c: 1/(60+3)
    fused = rrf([["a", "b", "c"], ["b", "a"]], k=60)
    assert [x for x, _ in fused] == ["a", "b", "c"]  # a and b tie with best rank 1: by id
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[2][1] == pytest.approx(1 / 63)


def test_rrf_k_changes_the_balance():
    # x is first in one list only; y is second in both lists.
    runs = [["x", "y"], ["z", "w", "y"]]
    small_k = dict(rrf(runs, k=0))
    big_k = dict(rrf(runs, k=1000))
    assert small_k["x"] > small_k["y"]  # 1/1 > 1/2 + 1/3
    assert big_k["y"] > big_k["x"]      # 1/1002 + 1/1003 > 1/1001


def test_rrf_weights_and_duplicates_in_a_list():
    fused = dict(rrf([["a", "a", "b"], ["b"]], k=1, weights=[2.0, 1.0]))
    assert fused["a"] == pytest.approx(2.0 / 2)          # duplicate 'a' counted once
    assert fused["b"] == pytest.approx(2.0 / 3 + 1.0 / 2)  # rank 2 among distinct ids


def test_rrf_deterministic_tie_break_by_id():
    fused = rrf([["b"], ["a"]], k=60)
    assert [x for x, _ in fused] == ["a", "b"]


def test_rrf_rejects_bad_arguments():
    with pytest.raises(ValueError):
        rrf([["a"]], k=-1)
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], weights=[1.0])


def test_rrf_empty():
    assert rrf([]) == []
    assert rrf([[], []]) == []



def test_lexical_anchor_needs_a_clear_first_hit():
    from corpusqa.retrieval.fusion import lexical_anchor

    assert lexical_anchor([12.0, 9.0], 1.2)          # 1.33x
    assert not lexical_anchor([10.0, 9.0], 1.2)      # 1.11x: too close, fuse
    assert lexical_anchor([3.0], 1.2)                # the only lexical hit
    assert not lexical_anchor([], 1.2)
    assert not lexical_anchor([12.0, 9.0], None)     # off
    assert not lexical_anchor([12.0, 9.0], 1.0)
    assert not lexical_anchor([0.0, 0.0], 1.2)
    assert lexical_anchor([2.0, 0.0], 1.2)


def test_copy_votes_give_a_story_one_vote_whichever_copy_each_run_showed():
    """BM25 ranked copy A's chunk 2nd, the dense run copy B's chunk 1st: each copy's best
    chunk gets the other run's vote, so the story is not split between two half votes."""
    from corpusqa.retrieval.fusion import copy_votes, rrf

    lexical = [("x1", "x"), ("a1", "A"), ("a2", "A"), ("y1", "y")]
    dense = [("b1", "B"), ("y1", "y"), ("x1", "x")]
    story = {"B": "A"}  # B is a near-duplicate of A
    extra = copy_votes([lexical, dense], story, k=60, weights=[1.0, 0.5])
    assert extra == {"a1": pytest.approx(0.5 / 61), "b1": pytest.approx(1.0 / 62)}
    fused = dict(rrf([[c for c, _ in lexical], [c for c, _ in dense]], weights=[1.0, 0.5]))
    assert fused["a1"] + extra["a1"] > fused["y1"]  # the story now beats a half-way chunk
    assert fused["a1"] < fused["y1"]                # it did not before
    # no duplicates, or the same copy in both runs: nothing changes
    assert copy_votes([lexical, dense], {}, weights=[1.0, 0.5]) == {}
    assert copy_votes([[("a1", "A")], [("a2", "A")]], {"B": "A"}) == {}
