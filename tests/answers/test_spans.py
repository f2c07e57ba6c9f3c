"""Typed candidate spans and the best answering span, on sentences from the sample corpus."""

from __future__ import annotations

import pytest

from corpusqa.answers.entities import find_dates, find_orgs, find_persons, find_places
from corpusqa.answers.qtype import classify
from corpusqa.answers.spans import TypedSpan, best_span, candidate_spans

CENTRES = ("去年,各旗县市(区)、街道、社区、居民小区花心血下力气,建成一站式党群服务中心14542个,"
           "覆盖率达到98.9%以上,真正把服务办到家门口")
WATER = "内蒙古支线供水工程总投资约110亿元,赤峰市境内输水管线长170多公里,工期54个月,计划2026年底建设完成并具备输水条件。"
WATER_LEAD = "本报6月28日讯(记者 张慧玲)记者从自治区水利厅获悉,近日,内蒙古支线供水工程赤峰朝阳线在赤峰市敖汉旗开工。"
SUBSIDY = "租房补贴标准博士研究生、硕士研究生、本科生每月分别补贴1000元、800元、500元,补贴期限不超过24个月。"
GRID = "全区嘎查村(社区)划分近10万个网格,配备26万余名专兼职网格员,推动实现网格设置"
ENVOYS = "选派9640名第一书记、8689名驻村工作队、3.2万名驻村干部开展帮扶工作"
WINDOW = "租购房补贴线上申请受理时间为6月24日—7月24日;线下申请可在青城人社微信公众号预约后办理。"
BYLINE = "狠抓基层党建 筑牢从严治党根基\n赤峰市委书记 毕力夫"


def answer(sentence: str, question: str) -> str | None:
    span = best_span(sentence, classify(question), question)
    if span is None:
        return None
    assert sentence[span.start:span.end] == span.text  # always an exact slice
    assert (span[0], span[1]) == (span.start, span.end)  # usable as a (start, end, ...) tuple
    return span.text


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        (CENTRES, "全区建成了多少个一站式党群服务中心？", "14542个"),
        (CENTRES, "一站式党群服务中心覆盖率是多少？", "98.9%以上"),
        (WATER, "内蒙古支线供水工程总投资多少？", "约110亿元"),
        (WATER, "赤峰市境内输水管线有多长？", "170多公里"),
        (WATER, "工期多长？", "54个月"),
        (WATER, "这个工程要建多久？", "54个月"),
        (WATER, "计划什么时候建设完成？", "2026年底"),
        (GRID, "配备了多少名专兼职网格员？", "26万余名"),
        (GRID, "划分了多少个网格？", "近10万个"),
        (ENVOYS, "选派了多少名驻村干部？", "3.2万名"),
        (ENVOYS, "选派了多少名第一书记？", "9640名"),
        (SUBSIDY, "补贴期限不超过多少个月？", "不超过24个月"),
        (WINDOW, "线上申请受理时间是什么时候？", "6月24日—7月24日"),
        (BYLINE, "赤峰市委书记是谁？", "毕力夫"),
        (WATER_LEAD, "赤峰朝阳线在哪里开工？", "赤峰市敖汉旗"),
        (WATER_LEAD, "哪个部门透露了开工消息？", "自治区水利厅"),
    ],
)
def test_best_span_answers_the_question(sentence, question, expected):
    assert answer(sentence, question) == expected


def test_event_date_is_preferred_to_the_dateline():
    assert answer(WATER_LEAD, "内蒙古支线供水工程赤峰朝阳线什么时候开工？") == "近日"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("博士研究生每月租房补贴多少钱？", "1000元"), ("硕士研究生每月补贴多少钱？", "800元"),
     ("本科生每月补贴多少元？", "500元")],
)
def test_respectively_maps_the_named_item_to_its_value(question, expected):
    assert answer(SUBSIDY, question) == expected


def test_question_wanting_several_values_gets_the_whole_enumeration():
    assert answer(SUBSIDY, "博士、硕士和本科生每月分别补贴多少钱？") == "1000元、800元、500元"


def test_span_already_in_the_question_is_not_the_answer():
    s = "2018年以来累计整顿软弱涣散基层党组织2734个"
    assert answer(s, "2018年以来累计整顿了多少个软弱涣散基层党组织？") == "2734个"


def test_no_candidate_gives_none():
    assert answer("基层党组织是党在社会基层组织中的战斗堡垒。", "建成了多少个党群服务中心？") is None
    assert answer(CENTRES, "为什么要建设党群服务中心？") is None  # whole-sentence kinds get no span


def test_candidates_are_typed_for_the_question():
    kinds = {c.text: c.kind for c in candidate_spans(WATER, classify("总投资多少？"))}
    assert kinds == {"约110亿元": "money", "170多公里": "length", "54个月": "duration"}  # no year for 多少
    assert [c.text for c in candidate_spans(WATER, classify("工期多久？"))] == ["54个月"]
    assert [c.text for c in candidate_spans(CENTRES, classify("覆盖率是多少？"))] == ["98.9%以上"]
    assert "2026年底" in [c.text for c in candidate_spans(WATER, classify("什么时候完成？"))]


def test_candidate_is_frozen_and_serialisable():
    c = candidate_spans(CENTRES, classify("建成多少个？"))[0]
    assert isinstance(c, TypedSpan) and c.to_dict()["text"] == "14542个"
    with pytest.raises(AttributeError):
        c.start = 0  # type: ignore[misc]


def test_find_dates_absolute_relative_and_ranges():
    texts = [c.text for c in find_dates("近年来,2018年以来累计整顿2734个;今年6月24日至26日举办;去年建成")]
    for expected in ("近年来", "2018年以来", "今年", "6月24日至26日", "去年"):
        assert expected in texts
    assert "6月24日—7月24日" in [c.text for c in find_dates(WINDOW)]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("□本报记者 王玉琢 通讯员 王红梅", ["王玉琢", "王红梅"]),
        ("本报北京6月28日电(记者 高敏娜 通讯员 武国)", ["高敏娜", "武国"]),
        ("2019年获得称号的科尔沁区木里图镇公司村党支部书记、主任陈仕宇说。", ["陈仕宇"]),
        ("奈曼旗八仙筒镇四林筒村村民刘国良高兴地说。", ["刘国良"]),
        ("嘎查的党支部书记杨光已是一名老书记了。", ["杨光"]),
        ("王莉霞说,强化文化自觉,必须始终保持忠诚干净担当的政治本色。", ["王莉霞"]),
        ("自治区党委常委、自治区常务副主席黄志强主持。", ["黄志强"]),
        ("杭锦旗检察院青年干警伊日贵认为,听音乐学党史更能引起共鸣。", ["伊日贵"]),
        ("唐璇博 摄", ["唐璇博"]),
        ("在烯酮研究方面作了很大贡献的是赫尔曼·施陶丁格。", ["赫尔曼·施陶丁格"]),
    ],
)
def test_find_persons(sentence, names):
    assert [c.text for c in find_persons(sentence)] == names


@pytest.mark.parametrize(
    "sentence",
    ["学生参观党史展厅。", "推动党员党性教育常态化。", "基层党建工作要有清晰的思路。", "党员干部要敬畏历史。"],
)
def test_find_persons_ignores_ordinary_text(sentence):
    assert find_persons(sentence) == []


def test_find_places_known_chained_and_suffixed():
    texts = [c.text for c in find_places(WATER_LEAD)]
    assert "赤峰市敖汉旗" in texts and "敖汉旗" in texts and "内蒙古" in texts
    texts = [c.text for c in find_places("近日,乌兰察布市集宁区泉山街道察哈尔社区,88岁高龄的老党员为小学生上课")]
    assert "乌兰察布市集宁区泉山街道察哈尔社区" in texts
    assert {"集宁区", "泉山街道", "察哈尔社区"} <= set(texts)
    texts = [c.text for c in find_places("2019年获得称号的科尔沁区木里图镇公司村党支部书记")]
    assert "科尔沁区木里图镇公司村" in texts


@pytest.mark.parametrize(
    "sentence",
    ["全区嘎查村、社区一肩挑比例达99%", "推动城市现代文明向农村牧区辐射", "健全完善自治区、盟市抓基层党建责任体系",
     "高举五面红旗,创建最强党支部"],
)
def test_find_places_ignores_scope_words_and_common_nouns(sentence):
    assert find_places(sentence) == []


def test_find_orgs():
    assert [c.text for c in find_orgs(WATER_LEAD)] == ["自治区水利厅"]
    texts = [c.text for c in find_orgs("6月25日,呼和浩特市托育综合服务指导中心在呼和浩特市妇幼保健院举行了揭牌仪式")]
    assert texts == ["呼和浩特市托育综合服务指导中心", "呼和浩特市妇幼保健院"]


def test_ranges_and_ordinals():
    assert answer("黄独生长于海拔300米至2,000米的地区", "黄独生长的地区海拔约是多少米？") == "300米至2,000米"
    assert answer("姬猪体长约55－71cm,尾长约2.5cm", "姬猪体长有多长？") == "约55－71cm"
    assert answer("《奥托卡王的权杖》是《丁丁历险记》系列的第八部,出版于1939年", "它是系列的第几部？") == "第八部"


@pytest.mark.parametrize("sentence,piece,inside", [
    ("认真落实“五个一”要求，推动资源下沉", "五个", True),
    ("推行“五个三”模式，党群服务中心实现全覆盖。", "五个", True),
    ("从严落实“1+3”制度体系", "1", True),
    ("全区建成一站式党群服务中心14542个。", "14542个", False),
    ("他说：“今年全区建成服务中心14542个，覆盖率很高。”", "14542个", False),  # a long quote is speech
    ("“两学一做”之后，又建成5个中心。", "5个", False),
])
def test_numbers_in_a_short_quoted_slogan_are_names(sentence, piece, inside):
    from corpusqa.answers.spans import in_short_quote

    start = sentence.index(piece)
    assert in_short_quote(sentence, start, start + len(piece)) is inside


def test_a_slogan_is_no_answer_to_how_many():
    """Gold s060: 通辽's 2466 sentence lost to one about the “五个一” requirements, whose
    “五个” was read as a count."""
    qtype = classify("通辽改造提升了多少个党群服务中心？")
    assert candidate_spans("认真落实“五个一”要求，推动资源下沉。", qtype) == []
    assert best_span("改造提升党群服务中心2466个，落实“五个一”要求。", qtype,
                     "通辽改造提升了多少个党群服务中心？").text == "2466个"


def test_a_year_question_wants_a_date_that_names_the_year():
    """Gold s102 (哪一年增设了托育业务？) was answered with a sentence dated only 6月25日."""
    qtype = classify("呼和浩特市妇幼保健院哪一年增设了托育业务？")
    assert qtype.kind == "date" and qtype.unit == "年"
    assert candidate_spans("6月25日，托育综合服务指导中心成立。", qtype) == []
    assert [c.text for c in candidate_spans("2019年7月，增设托育业务。", qtype)] == ["2019年7月"]
    assert classify("When did the centre open?").unit is None
    assert classify("In which year was Wang Xiaodong sent to Yihebei village?").unit == "年"
