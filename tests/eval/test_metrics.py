import math

import pytest

from corpusqa.eval.metrics import (abstention_scores, answer_contained, em_score, f1_score,
                                   hit_at_k, mrr_at_k, ndcg_at_k, normalize, percentile,
                                   recall_at_k)


def test_recall_hit_mrr_hand_computed():
    ranked = ["d3", "d1", "d3", "d7", "d2"]  # the repeated d3 counts once
    assert recall_at_k(ranked, ["d1", "d2"], 1) == 0.0
    assert recall_at_k(ranked, ["d1", "d2"], 2) == 0.5
    assert recall_at_k(ranked, ["d1", "d2"], 4) == 1.0
    assert hit_at_k(ranked, ["d2"], 3) == 0.0
    assert hit_at_k(ranked, ["d2"], 4) == 1.0
    assert mrr_at_k(ranked, ["d1"]) == 0.5
    assert mrr_at_k(ranked, ["d9"]) == 0.0
    assert mrr_at_k(ranked, ["d2"], k=3) == 0.0


def test_ndcg_hand_computed():
    # gold at ranks 2 and 3 of distinct ids; ideal at 1 and 2
    got = ndcg_at_k(["a", "g1", "g2"], ["g1", "g2"], 10)
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3)
    assert got == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["g1"], ["g1"]) == 1.0
    assert ndcg_at_k([], ["g1"]) == 0.0


def test_em_f1_cmrc_style():
    assert em_score("14542个。", ["14542个"]) == 1.0      # punctuation removed
    assert em_score("14542", ["14542个"]) == 0.0
    # "14542" is one word token, "个" a char: pred {14542}, gold {14542, 个} -> P=1, R=.5
    assert f1_score("14542", ["14542个"]) == pytest.approx(2 / 3)
    assert f1_score("毕力夫", ["赤峰市委书记毕力夫", "毕力夫"]) == 1.0
    assert f1_score(None, ["x"]) == 0.0
    assert f1_score("abc", []) == 0.0
    # "98.9" stays one token and "%" is a token: pred 4 tokens, gold 2 -> P=.5, R=1
    assert f1_score("98.9%以上", ["98.9%"]) == pytest.approx(2 / 3)


def test_answer_contained_normalises():
    sentence = "建成一站式党群服务中心 14542 个，覆盖率达到98.9%以上"
    assert answer_contained(sentence, ["14542个"]) == 1.0
    assert answer_contained(sentence, ["１４５４２个"]) == 1.0  # NFKC full-width digits
    assert answer_contained(sentence, ["2734个"]) == 0.0
    assert answer_contained(None, ["14542个"]) == 0.0
    assert normalize(" ABC ｄ ") == "abcd"


def test_abstention_scores_hand_computed():
    abstained = [True, True, False, False, True]
    answerable = [False, True, False, True, False]
    s = abstention_scores(abstained, answerable)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)
    assert s["false_refusal_rate"] == pytest.approx(1 / 2)
    with pytest.raises(ValueError):
        abstention_scores([True], [])


def test_percentile_nearest_rank():
    assert percentile([], 50) == 0.0
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95


def test_near_duplicate_copies_share_a_rank():
    """A passage whose story has a gold copy is a hit at its rank (the product shows one
    copy and lists the others), and the next passage keeps the next rank."""
    from types import SimpleNamespace as NS

    from corpusqa.eval.metrics import hit_at_k
    from corpusqa.eval.runner import ranked_doc_ids

    ans = NS(passages=[NS(doc_id="copyB", also_in=("copyA",)), NS(doc_id="other", also_in=())])
    assert ranked_doc_ids(ans) == ["copyB", "copyA", "other"]
    assert ranked_doc_ids(ans, {"copyA"}) == ["copyA", "other"]
    assert ranked_doc_ids(ans, {"other"}) == ["copyB", "other"]
    assert hit_at_k(ranked_doc_ids(ans, {"copyA"}), {"copyA"}, 1) == 1.0
    assert hit_at_k(ranked_doc_ids(ans, {"other"}), {"other"}, 2) == 1.0
