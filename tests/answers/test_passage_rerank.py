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


def test_the_stage_hands_its_scores_on_and_article_scores_score_only_the_rest():
    from corpusqa.answers.verifier.passages import article_scores

    calls: list[list[str]] = []

    def score(q: str, texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.arange(len(texts), dtype=np.float32) + 10 * len(calls)

    cache: dict[str, float] = {}
    rerank_hits("问题", _hits(3), score, lambda aid: ("题", f"{aid}的正文。"), depth=2, scores_out=cache)
    assert cache == {"a0": 10.0, "a1": 11.0}
    got = article_scores("问题", ["a1", "a2", "a2"], score, lambda aid: ("题", f"{aid}的正文。"), cache=cache)
    assert got == {"a1": 11.0, "a2": 20.0} and calls[-1] == ["题 ｜ a2的正文。"]


def _cands():
    from corpusqa.answers.extract import SentenceCandidate

    return [SentenceCandidate("a", 0, 0, 4, "甲文一句", 1, {"cov": 1.0}),
            SentenceCandidate("a", 0, 4, 8, "甲文二句", 1, {"cov": 0.5}),
            SentenceCandidate("b", 1, 0, 4, "乙文一句", 2, {"cov": 0.2})]


def test_the_answer_model_reads_the_passage_logit_of_each_candidates_article():
    from corpusqa.answers.answer_model import AnswerModel
    from corpusqa.answers.verifier.stage import verify

    model = AnswerModel((0.0, 1.0, 1.0), 0.0, (0.0,) * 3, (1.0,) * 3, 0.5, 8, ("ver", "psg", "psg_gap"))
    asked: list[list[str]] = []

    def passage(arts: list[str]) -> dict[str, float]:
        asked.append(arts)
        return {"a": 1.0, "b": 3.0}

    out = verify("问题", _cands(), model, lambda q, t: np.zeros(len(t)), lambda a: ("", "甲文一句甲文二句"),
                 passage=passage)
    assert asked == [["a", "b"]]
    feats = {c.text: c.features for c in out}
    assert (feats["乙文一句"]["psg"], feats["乙文一句"]["psg_gap"]) == (3.0, 2.0)
    assert (feats["甲文一句"]["psg"], feats["甲文一句"]["psg_gap"]) == (1.0, -2.0)
    assert out[0].text == "乙文一句"  # the better article's sentence first


def test_without_the_passage_model_or_for_a_question_without_chinese_psg_is_not_read():
    from corpusqa.answers.answer_model import AnswerModel
    from corpusqa.answers.verifier.stage import verify

    model = AnswerModel((1.0, 5.0), 0.0, (0.0, 0.0), (1.0, 1.0), 0.5, 8, ("ver", "psg"))
    off = verify("问题", _cands(), model, lambda q, t: np.ones(len(t)), lambda a: ("", "甲文一句甲文二句"))
    assert all("psg" not in c.features for c in off)
    assert off[0].confidence == np.float64(1 / (1 + np.exp(-1.0)))  # psg at its mean: no effect

    def passage(arts):
        raise AssertionError("an English question is not given to the passage model")

    en = verify("How many?", _cands(), model, lambda q, t: np.ones(len(t)), lambda a: ("", "x"), passage=passage)
    assert all("psg" not in c.features for c in en)


def test_with_psg_articles_only_the_first_articles_are_scored_and_the_rest_get_their_lowest():
    from dataclasses import replace

    from corpusqa.answers.answer_model import AnswerModel, limit_psg
    from corpusqa.answers.extract import SentenceCandidate
    from corpusqa.answers.verifier.stage import verify

    model = AnswerModel((0.0, 1.0, 1.0), 0.0, (0.0,) * 3, (1.0,) * 3, 0.5, 8, ("ver", "psg", "psg_gap"),
                        psg_articles=2)
    assert AnswerModel.from_dict(model.to_dict()).psg_articles == 2
    cands = _cands() + [SentenceCandidate("c", 2, 0, 4, "丙文一句", 3, {"cov": 0.1})]
    asked: list[list[str]] = []

    def passage(arts: list[str]) -> dict[str, float]:
        asked.append(arts)
        return {"a": 1.0, "b": 3.0, "c": 9.0}  # c's score is never asked for

    out = verify("问题", cands, model, lambda q, t: np.zeros(len(t)), lambda a: ("", "甲文一句甲文二句"),
                 passage=passage)
    assert asked == [["a", "b"]]  # the first two articles in the cheap order
    feats = {c.text: c.features for c in out}
    assert feats["丙文一句"]["psg"] == 1.0  # the lowest scored
    assert (feats["乙文一句"]["psg"], feats["乙文一句"]["psg_gap"]) == (3.0, 2.0)
    # the fit applies the same rule to candidates collected with every article scored
    collected = [{"psg": 1.0, "art": 0.0}, {"psg": 3.0, "art": 1.0}, {"psg": 9.0, "art": 2.0}]
    limit_psg(collected, 2)
    assert [f["psg"] for f in collected] == [1.0, 3.0, 1.0]
    unlimited = [{"psg": 9.0, "art": 2.0}]
    limit_psg(unlimited, 0)
    assert unlimited == [{"psg": 9.0, "art": 2.0}]
    # 0 (the default, and models written before the field): every article
    asked.clear()
    verify("问题", cands, replace(model, psg_articles=0), lambda q, t: np.zeros(len(t)),
           lambda a: ("", "x"), passage=passage)
    assert asked == [["a", "b", "c"]]


def test_calibrate_counts_the_candidate_articles_psg_articles_would_score():
    from corpusqa.eval.answer_fit import CalibQuestion, candidate_articles

    def q(arts):
        return CalibQuestion("x", "q", True, [{"ver": 0.0, "psg": 1.0, "art": float(a)} for a in arts],
                             [False] * len(arts))

    qs = [q([0, 0, 1]), q([0, 1, 2, 3]), q([0]), CalibQuestion("x", "e", True, [{"ver": 0.0}], [False])]
    assert candidate_articles(qs, 8) == {"1": 1, "2": 1, "4": 1}  # the English one has no psg
    assert candidate_articles(qs, 2) == {"1": 2, "2": 1}


def test_the_passage_model_is_not_asked_when_the_answer_model_does_not_read_it():
    from corpusqa.answers.answer_model import AnswerModel
    from corpusqa.answers.verifier.stage import verify

    def passage(arts):
        raise AssertionError("an answer model without psg needs no passage logits")

    model = AnswerModel((1.0,), 0.0, (0.0,), (1.0,), 0.5, 8, ("ver",))
    out = verify("问题", _cands(), model, lambda q, t: np.ones(len(t)), lambda a: ("", "x"), passage=passage)
    assert all("psg" not in c.features for c in out)


def test_the_passage_model_reads_the_byline_after_the_title_and_the_verifier_does_not():
    """A page of regional reports names each report's city only in its byline; the passage
    model reads it after the title (docs/retrieval.md, "News questions written by an
    annotator"), the verifier's candidate text keeps the title alone."""
    from types import SimpleNamespace

    from corpusqa.answers.assistant import Assistant
    from corpusqa.models import Article, Paragraph

    text = "准旗获评全国机关党建典型。"
    report = Article("r", "004.txt", 0, "从严从实推动基层党建", text, (Paragraph(0, 0, len(text)),),
                     byline="鄂尔多斯市委书记 牛俊雁")
    plain = Article("p", "003.txt", 0, "鄂尔多斯市提升城市品质", text, (Paragraph(0, 0, len(text)),))
    me = SimpleNamespace(articles={"r": report, "p": plain})
    assert Assistant._passage_title_text(me, "r") == ("从严从实推动基层党建 鄂尔多斯市委书记 牛俊雁", text)
    assert Assistant._passage_title_text(me, "p") == ("鄂尔多斯市提升城市品质", text)
    assert Assistant._title_text(me, "r") == ("从严从实推动基层党建", text)
