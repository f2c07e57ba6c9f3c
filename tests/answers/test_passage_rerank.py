"""The passage rerank stage: which hits move, and what stays as fused."""

from __future__ import annotations

import numpy as np

from corpusqa.answers.verifier.passages import best_chunk, rerank_hits, rerank_order
from corpusqa.models import Hit


def _hits(n: int) -> list[Hit]:
    return [Hit(f"c{i}", f"a{i}", 1.0 / (i + 1), i + 1, "hybrid", 0, 4, f"正文{i}。") for i in range(n)]


def test_a_clear_passage_winner_moves_first_and_a_near_tie_keeps_the_fused_order():
    # log(3) ~ 1.10: a 2-point lead at rank 3 wins, a 1-point lead does not
    assert rerank_order([0.0, 0.0, 2.0], depth=5, prior=1.0) == [2, 0, 1]
    assert rerank_order([0.0, 0.0, 1.0], depth=5, prior=1.0) == [0, 2, 1]
    assert rerank_order([1.0, 1.0, 1.0], depth=5, prior=0.0) == [0, 1, 2]  # ties: fused order


def test_only_the_head_is_reordered():
    assert rerank_order([0.0, 0.0, 0.0, 9.0], depth=3, prior=0.0) == [0, 1, 2, 3]
    assert rerank_order([0.0, 5.0, 0.0, 9.0], depth=3, prior=0.0) == [1, 0, 2, 3]


def test_rerank_hits_scores_title_and_chunk_and_renumbers_ranks():
    seen: list[tuple[str, list[str]]] = []

    def score(q: str, texts: list[str]) -> np.ndarray:
        seen.append((q, texts))
        return np.array([0.0, 3.0, 0.0])

    hits = _hits(4)
    out = rerank_hits("问题？", hits, score, lambda aid: ("标题" + aid, "正文" + aid[1:] + "。"),
                      depth=3, prior=1.0)
    assert [h.chunk_id for h in out] == ["c1", "c0", "c2", "c3"]
    assert [h.rank for h in out] == [1, 2, 3, 4]
    assert out[0].text == hits[1].text and out[0].score == hits[1].score
    assert seen == [("问题？", ["标题a0 ｜ 正文0。", "标题a1 ｜ 正文1。", "标题a2 ｜ 正文2。"])]
    assert rerank_hits("问题？", hits[:1], score, lambda aid: ("", "")) == hits[:1]  # nothing to order


def test_the_model_reads_the_articles_chunk_that_matches_the_question():
    text = ("第一段讲天气和交通，与问题无关，这里多写一些字凑够长度。" * 6
            + "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。" + "结尾的段落讲别的事情，也与问题无关。" * 6)
    chunk = best_chunk("全区建成了多少个一站式党群服务中心？", text)
    assert "14542个" in chunk and len(chunk) <= 250 and chunk in text
    assert best_chunk("问题？", "短文。") == "短文。"
