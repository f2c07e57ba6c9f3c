"""Figure questions: a how-many or what-share question is not answered by a sentence
without a figure of the asked kind (answers/figures.py)."""

from __future__ import annotations

from dataclasses import replace

from corpusqa.answers.compose import answers, compose, refusal_reason
from corpusqa.answers.extract import SentenceCandidate
from corpusqa.answers.figures import figure_first, needs_figure
from corpusqa.answers.numbers import find_quantities
from corpusqa.answers.qtype import classify
from corpusqa.answers.render import render_answer
from corpusqa.models import Article, Paragraph


def _cand(text: str, conf: float, type_: float | None, gate: float | None = 0.9) -> SentenceCandidate:
    feats: dict = {}
    if type_ is not None:  # verified: the answer model scored it
        feats = {"ver": 1.0, "type": type_}
        if gate is not None:
            feats["gate"] = gate
    return SentenceCandidate("a", 0, 0, len(text), text, 1, feats, score=conf, confidence=conf)


def test_only_single_count_and_share_questions_need_a_figure():
    assert needs_figure(classify("包头市老干部正能量宣讲团有多少名成员？"))
    assert needs_figure(classify("新党员里有大学专科以上文凭的占几成？"))
    assert not needs_figure(classify("达曼的卫星城有哪几座？"))  # a list of names answers it
    assert not needs_figure(classify("赤峰朝阳线具体是哪一天开工的？"))
    assert not needs_figure(classify("呼伦贝尔市委书记是谁？"))
    assert not needs_figure(classify("为什么要建党群服务中心？"))


def test_a_first_sentence_without_a_figure_moves_back_and_the_next_decides_alone():
    qt = classify("全区建成党群服务中心多少个？")
    ranked = [_cand("推行模式，党群服务中心实现全覆盖。", 0.6, 0.0),
              _cand("全区建成党群服务中心14542个。", 0.4, 1.0),
              _cand("未核验的句子。", 0.0, None)]
    out = figure_first(qt, ranked)
    assert [c.text for c in out] == [ranked[1].text, ranked[2].text, ranked[0].text]
    assert out[-1].confidence == 0.0 and out[-1].features["figure_miss"] == 1.0
    assert "gate" not in out[0].features  # the gate judged the question on the moved sentence
    assert answers(out[0], threshold=0.3, gate_threshold=0.5)  # 0.4 >= 0.3: its own confidence
    assert not answers(out[0], threshold=0.5, gate_threshold=0.5)


def test_no_sentence_with_a_figure_means_a_refusal():
    qt = classify("包头市老干部正能量宣讲团有多少名成员？")
    ranked = [_cand("包头市老干部正能量宣讲团成员深入机关、社区。", 0.97, 0.0),
              _cand("宣讲团讲述历史故事。", 0.5, 0.0)]
    out = figure_first(qt, ranked)
    assert all(c.confidence == 0.0 and "gate" not in c.features for c in out)
    assert not answers(out[0], threshold=0.28, gate_threshold=0.7)


def test_nothing_moves_when_the_first_states_a_figure_or_the_question_is_open():
    ranked = [_cand("全区建成党群服务中心14542个。", 0.9, 1.0), _cand("实现全覆盖。", 0.5, 0.0)]
    assert figure_first(classify("全区建成党群服务中心多少个？"), ranked) == ranked
    silent_first = ranked[::-1]
    assert figure_first(classify("党群服务中心有什么作用？"), silent_first) == silent_first
    assert figure_first(classify("全区建成党群服务中心多少个？"), []) == []
    unverified = [_cand("实现全覆盖。", 0.0, None), _cand("14542个。", 0.0, None)]
    assert figure_first(classify("全区建成党群服务中心多少个？"), unverified) == unverified


def test_latin_measure_words_in_capitals_and_halves_are_figures():
    assert [(q.text, q.unit, q.kind) for q in find_quantities("身高182CM")] == [("182CM", "cm", "length")]
    half = find_quantities("一半以上病人在首个小时内死亡")
    assert [(q.text, q.value, q.approx) for q in half] == [("一半以上", 0.5, True)]
    assert [q.text for q in find_quantities("过半数党员")] == ["过半"]
    assert find_quantities("他的另一半") == []  # a spouse, not a share


def test_a_set_phrase_with_a_measure_word_is_not_a_figure():
    # s220: 杭锦旗检察院一共有多少名干警？ was answered with a sentence whose only "count"
    # was 四位一体 (four-in-one)
    assert find_quantities("实现理论学习、专题研讨四位一体，让党史学习教育走深走实") == []
    assert [q.text for q in find_quantities("三位专家")] == ["三位"]
    assert [q.text for q in find_quantities("4位一体化专家")] == ["4位"]


def test_a_which_year_question_wants_a_sentence_that_can_name_a_year():
    qt = classify("呼和浩特市妇幼保健院哪一年增设了托育业务？")
    assert needs_figure(qt) and not needs_figure(classify("乡里组织什么时候开始瓦解的？"))
    dateline = _cand("本报6月28日讯 6月25日，托育综合服务指导中心举行了揭牌仪式。", 0.6, 1.0)
    year = _cand("2017年创立了儿童早期发展基地，2019年增设了托育业务。", 0.4, 1.0)
    out = figure_first(qt, [dateline, year])
    assert [c.text for c in out] == [year.text, dateline.text] and out[1].confidence == 0.0
    for text in ("雍熙二年（985年）卒于崖州。", "赫顿在 1795 中发表了两卷。", "发生约在前239年。", "尚纯于清顺治十七年出生。"):
        first = _cand(text, 0.6, 0.0)  # the strict date finder sees no year in these
        assert figure_first(qt, [first, year]) == [first, year], text


def test_a_refusal_for_want_of_a_figure_says_so():
    text = "包头市老干部正能量宣讲团成员深入机关、社区。"
    qt = classify("包头市老干部正能量宣讲团有多少名成员？")
    ranked = figure_first(qt, [_cand(text, 0.97, 0.0), _cand("宣讲团讲述历史故事。", 0.5, 0.0)])
    assert refusal_reason(ranked) == "no_figure"
    article = Article("a", "p.txt", 0, "标题", text, (Paragraph(0, 0, len(text)),))
    ans = compose("q", "q", qt, ranked, [], {"a": article}, threshold=0.28, passages_k=5, gate_threshold=0.7)
    assert ans.abstained and ans.refusal == "no_figure" and ans.to_dict()["refusal"] == "no_figure"
    assert "最相关的句子没有给出所问的数字或年份" in render_answer(ans, "zh")
    # an ordinary refusal gives no reason
    low = [_cand("全区建成党群服务中心14542个。", 0.1, 1.0, gate=None)]
    assert refusal_reason(low) is None
    assert compose("q", "q", qt, low, [], {"a": article}, threshold=0.28, passages_k=5).refusal is None
    scoped = [replace(c, features={**c.features, "scope_miss": 1.0}) for c in low]
    assert refusal_reason(scoped) == "other_place"
    both = [replace(c, features={**c.features, "scope_miss": 1.0}) for c in ranked]
    assert refusal_reason(both) == "other_place"  # no article about the place: that is the reason


def test_a_count_asked_with_an_unknown_word_is_stated_by_a_numeral_before_that_word():
    # s097: its answer “四连冠” is no quantity the finder knows (连冠 is no measure word), so
    # the rule moved the right sentence back and refused the question
    q = "鄂尔多斯是全国文明城市“几连冠”？"
    qt = classify(q)
    assert needs_figure(qt) and qt.unit is None and find_quantities("这座“四连冠”全国文明城市") == []
    slogan = _cand("而在鄂尔多斯，这座“四连冠”全国文明城市，应有尽有。", 0.7, 0.0)
    other = _cand("鄂尔多斯市从一座小镇到一个旗。", 0.2, 1.0)
    out = figure_first(qt, [slogan, other], q)
    assert [c.text for c in out] == [slogan.text, other.text] and out[0].confidence == 0.7
    s, e = out[0].span
    assert slogan.text[s:e] == "四连冠"  # highlighted
    assert figure_first(qt, [slogan, other])[0].text == other.text  # without the question: moved
    # a known measure word is the quantity finder's business: 几个 questions are not widened
    assert figure_first(classify("全区建成党群服务中心多少个？"), [_cand("建成三个中心。", 0.7, 0.0)],
                        "全区建成党群服务中心多少个？")[0].confidence == 0.0


def test_a_share_alone_does_not_state_a_count_asked_with_a_measure_word():
    # s010 全区一共有多少个党支部？ was answered with 全区33.4%以上的党支部达到“五强”标准
    qt = classify("全区一共有多少个党支部？")
    share = _cand("目前，全区33.4%以上的党支部达到“五强”标准。", 0.56, 0.6)
    count = _cand("全区共有党支部7.4万个。", 0.46, 1.0)
    out = figure_first(qt, [share, count], "全区一共有多少个党支部？")
    assert [c.text for c in out] == [count.text, share.text] and out[1].features["figure_miss"] == 1.0
    # a share and a count in one sentence still state it
    both = _cand("全区7.4万个党支部中33.4%达到标准。", 0.56, 1.0)
    assert figure_first(qt, [both, count], "全区一共有多少个党支部？")[0] is both
    # without a measure word a share may be the answer (亚马逊雨林占地球雨林的多少？ 一半以上)
    open_q = classify("世界上有多少碳储存在亚马逊森林里？")
    ten = _cand("约有10%的碳储存在亚马逊森林里。", 0.6, 0.6)
    assert figure_first(open_q, [ten, count], "世界上有多少碳储存在亚马逊森林里？")[0] is ten


def test_a_how_long_question_wants_a_sentence_with_a_span_of_time():
    qt = classify("五角枫摄影展会展出多长时间？")
    assert qt.kind == "time_span" and needs_figure(qt)
    opening = _cand("我们以五角枫为主题举办摄影展，希望首都各界领略兴安盟的风光。", 0.6, 0.0)
    month = _cand("据悉，此次展览将持续一个月。", 0.3, 0.0)  # the strict finder's type may miss it
    out = figure_first(qt, [opening, month], "五角枫摄影展会展出多长时间？")
    assert [c.text for c in out] == [month.text, opening.text] and out[1].confidence == 0.0
    for text in ("化石有5.15亿年历史。", "历时一个多月。", "工期两年半。", "三个半小时后抵达。", "10余天后完成。",
                 "公示期为5个工作日。", "历时半年。", "前后十余载。", "持续数年。", "历时四个多世纪。"):
        first = _cand(text, 0.6, 0.0)
        assert figure_first(qt, [first, opening], "多长时间？")[0] is first, text
    assert not needs_figure(classify("这些工程分别用了多长时间？"))  # several things


def test_the_cheap_rankers_candidates_follow_the_same_rule():
    # --verifier none: no candidate has the verifier's ``ver``; each is judged by its text
    qt = classify("包头市老干部正能量宣讲团有多少名成员？")
    cheap = [_cand("包头市老干部正能量宣讲团成员深入机关、社区。", 0.8, None),
             _cand("宣讲团有成员35名。", 0.5, None)]
    cheap = [replace(c, features={"type": t}) for c, t in zip(cheap, (0.0, 1.0))]
    assert figure_first(qt, cheap) == cheap  # verified candidates only, by default
    out = figure_first(qt, cheap, "包头市老干部正能量宣讲团有多少名成员？", verified=False)
    assert [c.text for c in out] == [cheap[1].text, cheap[0].text]
    assert out[1].confidence == 0.0 and out[1].features["figure_miss"] == 1.0 and out[0].confidence == 0.5
