"""Rule-based rewriting of elliptical follow-up questions."""

from __future__ import annotations

import pytest

from corpusqa.answers.followup import Rewrite, rewrite


def turns(*questions: str) -> list[dict]:
    return [{"question": q} for q in questions]


BRANCHES = turns("全区有多少个最强党支部？")
CENTRES = turns("全区建成了多少个一站式党群服务中心？")
WATER = turns("内蒙古支线供水工程赤峰朝阳线什么时候开工？")
ENVOYS = turns("全区选派了多少名第一书记？")


@pytest.mark.parametrize(
    ("question", "history", "expected", "reason"),
    [
        # a new entity in place of the scope, same predicate
        ("那通辽呢？", BRANCHES, "通辽有多少个最强党支部？", "ellipsis_entity"),
        ("那通辽市呢", BRANCHES, "通辽市有多少个最强党支部？", "ellipsis_entity"),
        ("还有包头呢？", BRANCHES, "包头有多少个最强党支部？", "ellipsis_entity"),
        ("那么赤峰市敖汉旗呢？", BRANCHES, "赤峰市敖汉旗有多少个最强党支部？", "ellipsis_entity"),
        # same topic, another attribute
        ("那覆盖率呢？", CENTRES, "全区一站式党群服务中心覆盖率是多少？", "ellipsis_attribute"),
        ("那比例呢？", BRANCHES, "全区最强党支部比例是多少？", "ellipsis_attribute"),
        ("那工期呢？", WATER, "内蒙古支线供水工程赤峰朝阳线工期是多久？", "ellipsis_attribute"),
        ("覆盖率是多少？", CENTRES, "全区一站式党群服务中心覆盖率是多少？", "missing_topic"),
        ("工期多长？", WATER, "内蒙古支线供水工程赤峰朝阳线工期多长？", "missing_topic"),
        # another counted noun / a sibling of the same head noun
        ("那驻村干部呢？", ENVOYS, "全区选派了多少名驻村干部？", "ellipsis_entity"),
        ("那硕士研究生呢？", turns("博士研究生每月租房补贴多少钱？"), "硕士研究生每月租房补贴多少钱？",
         "ellipsis_entity"),
        # determiner + head noun -> the previous noun phrase
        ("这个工程要建多久？", WATER, "内蒙古支线供水工程赤峰朝阳线要建多久？", "anaphora"),
        ("该工程总投资多少？", WATER, "内蒙古支线供水工程赤峰朝阳线总投资多少？", "anaphora"),
        ("这项工程在哪里开工？", WATER, "内蒙古支线供水工程赤峰朝阳线在哪里开工？", "anaphora"),
        # pronouns
        ("它的工期是多久？", WATER, "内蒙古支线供水工程赤峰朝阳线的工期是多久？", "pronoun"),
        ("他们的主要任务是什么？", ENVOYS, "第一书记的主要任务是什么？", "pronoun"),
        ("他们呢？", ENVOYS, "全区选派了多少名第一书记？", "ellipsis_repeat"),
        ("其覆盖率是多少？", CENTRES, "全区一站式党群服务中心覆盖率是多少？", "pronoun"),
        # a question missing the counted noun
        ("那通辽有多少个？", BRANCHES, "通辽有多少个最强党支部？", "missing_noun"),
    ],
)
def test_follow_ups_are_made_self_contained(question, history, expected, reason):
    r = rewrite(question, history)
    assert (r.text, r.changed, r.reason) == (expected, True, reason)


def test_personal_pronoun_takes_the_previous_answer_name():
    history = [{"question": "赤峰市委书记是谁？", "answer": "毕力夫"}]
    assert rewrite("他提到了哪些措施？", history).text == "毕力夫提到了哪些措施？"


def test_long_answer_is_not_used_as_a_pronoun_antecedent():
    history = [{"question": "全区选派了多少名第一书记？", "answer": "自治区选派9640名第一书记、8689名驻村工作队。"}]
    assert rewrite("他们的主要任务是什么？", history).text == "第一书记的主要任务是什么？"


def test_rewritten_question_of_the_previous_turn_is_preferred():
    history = [{"question": "那通辽呢？", "rewritten_question": "通辽有多少个最强党支部？"}]
    assert rewrite("那赤峰呢？", history).text == "赤峰有多少个最强党支部？"


def test_chain_of_follow_ups_without_stored_rewrites():
    history = turns("全区有多少个最强党支部？", "那通辽呢？")
    assert rewrite("那赤峰呢？", history).text == "赤峰有多少个最强党支部？"
    history = turns("全区建成了多少个一站式党群服务中心？", "那通辽呢？")
    assert rewrite("那覆盖率呢？", history).text == "通辽一站式党群服务中心覆盖率是多少？"


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("呼和浩特市高校毕业生租房补贴标准是多少？", BRANCHES),
        ("通辽市共评定多少个最强党支部？", BRANCHES),
        ("鄂尔多斯市注册志愿者有多少人？", WATER),
        ("全区有多少个党支部呢？", BRANCHES),
        ("党史学习教育进展如何？", BRANCHES),
        ("那么全区一共选派了多少名第一书记？", ENVOYS),
        ("其他盟市的党建工作有什么特色？", BRANCHES),
        ("赤峰市委书记毕力夫提出了哪些措施？", turns("赤峰市委书记是谁？")),
        ("What about Tongliao?", BRANCHES),
        ("应该如何推进内蒙古支线供水工程建设？", WATER),
        ("此外还有哪些重点工程开工？", WATER),
        ("其它盟市的最强党支部比例是多少？", BRANCHES),
    ],
)
def test_self_contained_questions_are_not_rewritten(question, history):
    r = rewrite(question, history)
    assert (r.text, r.changed, r.reason) == (question, False, "self_contained")


def test_without_history_nothing_changes():
    assert rewrite("那通辽呢？", []) == Rewrite("那通辽呢？", False, "no_history")
    assert rewrite("那通辽呢？", [{"question": "  "}]).changed is False


def test_rewrite_is_frozen_and_serialisable():
    r = rewrite("那通辽呢？", BRANCHES)
    assert r.to_dict() == {"text": "通辽有多少个最强党支部？", "changed": True, "reason": "ellipsis_entity"}
    with pytest.raises(AttributeError):
        r.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "previous, question, expected",
    [
        ("杭锦旗检察院已经办结了多少项为民服务实事？", "占总计划的多少？", "杭锦旗检察院占总计划的多少？"),
        ("兴安盟有多少在职党员进社区报到？", "认领了多少个服务项目？", "兴安盟认领了多少个服务项目？"),
        ("通辽评选了多少个红旗嘎查村？", "命名了多少面红旗？", "通辽命名了多少面红旗？"),
    ],
)
def test_short_count_question_borrows_the_previous_subject(previous, question, expected):
    r = rewrite(question, [{"question": previous}])
    assert (r.text, r.changed, r.reason) == (expected, True, "missing_subject")
