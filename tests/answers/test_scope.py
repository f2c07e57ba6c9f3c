"""Place scope: a question about a named place is not answered from an article that never names it."""

from __future__ import annotations

from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.scope import demote_out_of_scope, missing_places, question_places, scope_text
from corpusqa.models import Article


def test_named_places_of_a_question_are_found_by_their_stems():
    assert question_places("包头市一共建成了多少个党群服务中心？") == ["包头"]
    assert question_places("赤峰培育了多少个自治区级示范嘎查村？") == ["赤峰"]
    assert question_places("杭锦旗检察院一共有多少名干警？") == ["杭锦"]
    assert question_places("通辽换届后村干部平均多大岁数？") == ["通辽"]


def test_question_words_scope_words_and_common_nouns_are_not_places():
    for q in ("全区建成了多少个一站式党群服务中心？", "大果西番莲分布在什么地区？", "香港在DVD分区属于第几区？",
              "舒尔茨加盟星巴克咖啡公司是什么时候？", "中国女子曲棍球队是第几次参加奥运会？",
              "在墨尔本郊区工人阶级中哪个政党最强大？", "全市有多少个社区？"):
        assert "什么" not in question_places(q) and question_places(q) in ([], ["香港"]), q


def test_missing_places_checks_the_whole_article_text():
    assert missing_places(["包头"], "全区建成一站式党群服务中心14542个") == ["包头"]
    assert missing_places(["包头"], "包头市老干部正能量宣讲团") == []


def _cand(aid: str, conf: float) -> SentenceCandidate:
    return SentenceCandidate(aid, 0, 0, 4, "一句话。", 1, {}, score=conf, confidence=conf)


def test_out_of_scope_candidates_follow_the_others_with_confidence_zero():
    texts = {"a": "全区建成一站式党群服务中心14542个", "b": "包头市建成党群服务中心500个"}
    ranked = [_cand("a", 0.9), _cand("b", 0.6)]
    out = demote_out_of_scope(["包头"], ranked, texts.__getitem__)
    assert [c.article_id for c in out] == ["b", "a"]
    assert out[0].confidence == 0.6 and out[1].confidence == 0.0 and out[1].features["scope_miss"] == 1.0
    assert demote_out_of_scope([], ranked, texts.__getitem__) == ranked


def test_the_byline_counts_as_the_article_naming_a_place():
    art = Article("x", "004.txt", 0, "狠抓基层党建", "培育自治区级示范嘎查村28个", (), byline="赤峰市委书记 毕力夫")
    assert missing_places(["赤峰"], scope_text(art)) == []
