"""The lexical re-scoring: proximity and exact-match bonuses on hand-computed cases."""

from __future__ import annotations

import pytest

from corpusqa.retrieval import lexical_boost as lb
from corpusqa.retrieval.filters import Filters
from corpusqa.retrieval.retrievers import LexicalRetriever
from tests.retrieval.conftest import build_context, make_article


def test_question_runs_split_at_question_words_and_punctuation():
    assert lb.question_runs("全区建成了多少个一站式党群服务中心？") == ["全区建成了", "个一站式党群服务中心"]
    assert lb.question_runs("谁？") == []


def test_proximity_counts_trigrams_inside_contiguous_runs():
    runs = ["全区建成了", "个一站式党群服务中心"]  # 3 + 8 = 11 trigrams
    text = lb.normalize("全区建成一站式党群服务中心14542个")
    # "全区建成" covers 2 trigrams, "一站式党群服务中心" 7
    assert lb.proximity(runs, text) == pytest.approx(9 / 11)
    # the same characters scattered: no run of three
    assert lb.proximity(runs, "党群和服务，全区的中心建成") == 0.0
    assert lb.proximity(["一站式党群服务中心"], "一站式党群服务中心") == 1.0
    assert lb.proximity([], "anything") == 0.0


def test_question_numbers_are_normalised_and_matched_whole():
    assert lb.question_numbers("2018年以来全区累计整顿了多少个？") == ["2018年"]
    assert lb.question_numbers("覆盖率为98.9％的14,542个中心在哪？") == ["98.9%", "14542"]
    assert lb.question_numbers("6月28日在哪里开幕？") == ["6月28日"]
    assert lb.has_number("40", "占比40%")
    assert not lb.has_number("40", "共1400人")
    assert not lb.has_number("40", "平均40.5岁")
    assert lb.has_number("14542", lb.normalize("建成14,542个"))


def test_exact_share_finds_places_in_the_article_lede():
    ev = lb.question_evidence("通辽最强党支部比例达到多少？", ["通辽"])
    assert ev.numbers == () and ev.places == ("通辽",)
    assert lb.exact_share(ev, "最强党支部比例达到35.1%") == 0.0
    assert lb.exact_share(ev, "最强党支部比例达到35.1%", "通辽市创新将最强党支部") == 1.0
    ev2 = lb.question_evidence("2016年通辽召开几次会议？", ["通辽"])
    assert lb.exact_share(ev2, "2016年召开5次会议") == 0.5


def test_rescore_moves_the_contiguous_phrase_up_and_keeps_bm25_order_on_ties():
    forms = [lb.question_evidence("一站式党群服务中心覆盖率达到多少？")]
    cands = [(7, 10.0), (3, 9.0), (5, 9.0)]
    texts = ["党群活动中心和服务站一站到底，覆盖城乡", "一站式党群服务中心覆盖率达到98.9%", "无关的文字"]
    out = lb.rescore(cands, texts, ["", "", ""], forms)
    assert [r for r, _ in out] == [3, 7, 5]
    # 9/10 + 0.3 * 1.0 (every trigram of the only run is in the text)
    assert out[0][1] == pytest.approx(0.9 + lb.PROXIMITY_WEIGHT)
    # no bonus at all: the BM25 order, scores divided by the top score
    same = lb.rescore(cands, texts, ["", "", ""], forms, proximity_weight=0, exact_weight=0)
    assert [r for r, _ in same] == [7, 3, 5]
    assert lb.rescore(cands, texts, ["", "", ""], [lb.question_evidence("谁？")]) == cands


def test_place_tagger_knows_the_newsroom_places():
    tagger = lb.bundled_place_tagger()
    assert tagger is lb.bundled_place_tagger()  # built once per process
    assert "通辽" in tagger.places("通辽“最强党支部”比例达到多少？")
    assert "锡林郭勒盟" in tagger.places("锡林郭勒盟年度实绩考核中党建指标赋分权重是多少？")
    assert tagger.places("比例达到多少？") == []


ARTICLES = [
    # more of the question's words, scattered: BM25 ranks it first
    make_article("b1", ["党群服务中心覆盖率持续提高，一站式办理事项覆盖城乡，服务中心建成率达到九成，"
                        "党群服务一站式办理，覆盖率高。"], "综合新闻", "p1.txt"),
    make_article("b2", ["去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"],
                 "强基固本", "p2.txt"),
    make_article("b3", ["市县乡三级举办培训班503期，培训党员41931名。"], "通辽：抓党建促发展", "p3.txt"),
    make_article("b4", ["全市举办培训班533期，培训党员5754名。"], "锡林郭勒盟：强基固本", "p4.txt"),
]


@pytest.fixture(scope="module")
def boost_ctx(tmp_path_factory):
    return build_context(tmp_path_factory.mktemp("boost"), ARTICLES, encoder="none")


def test_boost_is_on_by_default_and_puts_the_printed_phrase_first(boost_ctx):
    q = "一站式党群服务中心覆盖率达到多少？"
    plain = LexicalRetriever(boost_ctx, boost=False).retrieve(q, k=2)
    boosted = LexicalRetriever(boost_ctx).retrieve(q, k=2)
    assert plain[0].article_id == "b1"  # the case the bonus is for
    assert boosted[0].article_id == "b2"
    assert {h.article_id for h in boosted} == {h.article_id for h in plain}
    assert [h.rank for h in boosted] == [1, 2]


def test_boost_finds_the_place_named_only_in_the_lede(tmp_path):
    # the answer sits in the last paragraph; only the first names the city
    filler = "坚持把抓好党建作为最大政绩，压实各级党组织书记第一责任人职责，推动基层党建工作全面进步。" * 8
    ctx = build_context(tmp_path, [
        make_article("c1", ["通辽市委高度重视基层党建工作。" + filler, "市县乡三级举办培训班503期，提升干部能力。"],
                     "抓党建促发展", "p1.txt"),
        make_article("c2", ["全市举办培训班533期，培训班覆盖各级干部。"], "强基固本", "p2.txt"),
    ], encoder="none")
    q = "通辽举办培训班多少期？"
    assert LexicalRetriever(ctx, boost=False).retrieve(q, k=1)[0].article_id == "c2"
    top = LexicalRetriever(ctx).load().retrieve(q, k=1)[0]
    assert top.article_id == "c1" and "503期" in top.text


def test_boosted_retriever_keeps_the_contract(boost_ctx):
    r = LexicalRetriever(boost_ctx, boost=True, depth=2)
    assert r.retrieve("？！。", k=5) == []
    assert r.retrieve("培训班", k=0) == []
    assert r.retrieve("培训班", k=5, filters=Filters(sources=("nope.txt",))) == []
    hits = r.retrieve("培训班 培训党员", k=10)  # k beyond depth: the tail follows, in order
    assert {h.article_id for h in hits} == {"b3", "b4"}
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert r.retrieve("培训班", k=5) == r.retrieve("培训班", k=5)
    with pytest.raises(ValueError):
        LexicalRetriever(boost_ctx, boost=True, depth=0)


@pytest.mark.integration
def test_places_from_rjieba_tags_equal_jieba_posseg_on_the_gold_questions():
    """The tagger moved from jieba.posseg (160 MB) to rjieba's tags: same places."""
    import io
    import json
    import logging
    from importlib import resources

    import jieba
    import jieba.posseg

    from corpusqa.chinese_script import to_simplified
    from corpusqa.index.tokenizer import _dict_lines, bundled_user_dict

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(io.BytesIO("\n".join(_dict_lines(bundled_user_dict())).encode("utf-8")))
    pos = jieba.posseg.POSTokenizer(tk)
    gold = resources.files("corpusqa.eval").joinpath("data/gold.jsonl").read_text(encoding="utf-8")
    questions = [to_simplified(json.loads(ln)["question"]) for ln in gold.splitlines() if ln.strip()]
    tagger = lb.bundled_place_tagger()
    found = 0
    for q in questions:
        want = list(dict.fromkeys(w for w, f in pos.cut(q, HMM=False) if f.startswith("ns") and len(w) >= 2))
        assert tagger.places(q) == want, q
        found += len(want)
    assert found > 50
