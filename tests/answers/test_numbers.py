"""Chinese numerals and quantities in real newspaper sentences (Inner Mongolia Daily)."""

from __future__ import annotations

import pytest

from corpusqa.answers.numbers import (
    Quantity,
    find_quantities,
    normalize_for_match,
    parse,
    parse_cn_integer,
    parse_number,
    unit_kind,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("14542", 14542.0),
        ("1.1万", 11000.0),
        ("3.2万", 32000.0),
        ("110亿", 11_000_000_000.0),
        ("三成", 0.3),
        ("百分之七", 0.07),
        ("7%", 0.07),
        ("７％", 0.07),
        ("98.9%以上", 0.989),
        ("二十六", 26.0),
        ("两千", 2000.0),
        ("十八", 18.0),
        ("一百零五", 105.0),
        ("三万五千", 35000.0),
        ("26万余", 260000.0),
        ("1000多", 1000.0),
        ("近10万", 100000.0),
        ("1,000", 1000.0),
        ("三分之一", 1 / 3),
        ("5:1", 5.0),
        ("１４５４２个", 14542.0),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "覆盖率", "14542个党群服务中心", "一站式"])
def test_parse_number_rejects_non_numbers(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "approx"),
    [("26万余", True), ("1000多", True), ("近10万", True), ("5.2万名左右", True), ("约110亿元", True),
     ("3个多月", True), ("14542", False), ("1.1万个", False)],
)
def test_parse_keeps_approximation_flag(text, approx):
    q = parse(text)
    assert q is not None and q.approx is approx


def test_parse_cn_integer_digit_by_digit_year():
    assert parse_cn_integer("二〇二一") == 2021
    assert find_quantities("二〇二一年七月")[0].kind == "year"
    assert parse_cn_integer("十") == 10
    assert parse_cn_integer("十x") is None


def _found(text: str) -> list[tuple[str, float, str, str]]:
    qs = find_quantities(text)
    for q in qs:
        assert text[q.start:q.end] == q.text  # offsets are exact
    return [(q.text, q.value, q.unit, q.kind) for q in qs]


def test_service_centres_and_coverage():
    found = _found("建成一站式党群服务中心14542个,覆盖率达到98.9%以上")
    assert found == [("14542个", 14542.0, "个", "count"), ("98.9%以上", 0.989, "%", "percent")]
    assert find_quantities("覆盖率达到98.9%以上")[0].approx


def test_grid_staff_with_magnitude_and_approximation():
    (q,) = find_quantities("配备26万余名专兼职网格员")
    assert (q.text, q.value, q.unit, q.approx, q.kind) == ("26万余名", 260000.0, "名", True, "count")


def test_water_project_sentence_has_money_length_duration_and_year():
    s = "内蒙古支线供水工程总投资约110亿元,赤峰市境内输水管线长170多公里,工期54个月,计划2026年底建设完成"
    assert _found(s) == [
        ("约110亿元", 11_000_000_000.0, "元", "money"),
        ("170多公里", 170.0, "公里", "length"),
        ("54个月", 54.0, "个月", "duration"),
        ("2026年底", 2026.0, "年", "year"),
    ]


def test_enumerated_subsidies():
    assert [q.text for q in find_quantities("每月分别补贴1000元、800元、500元")] == ["1000元", "800元", "500元"]


def test_ratio_with_colon():
    (q,) = find_quantities("全区入党积极分子与发展对象比例达5:1以上")
    assert (q.text, q.value, q.kind, q.approx) == ("5:1以上", 5.0, "ratio", True)


def test_chinese_numerals_with_measure_words():
    assert [q.text for q in find_quantities("确定了三岗十八级岗位等级序列")] == ["三岗", "十八级"]
    assert find_quantities("近三年,全区年均发展党员")[0].kind == "duration"


@pytest.mark.parametrize(
    "text",
    ["建成一站式党群服务中心", "一村一策常态化整顿", "十百千创建行动", "千家万户", "百年党史", "和大家一起学习",
     "高举一面旗帜", "实施1+3制度"],
)
def test_words_containing_numerals_are_not_quantities(text):
    assert find_quantities(text) == []


def test_dates_and_clock_times():
    found = _found("本报6月28日讯 6月24日—7月24日 2021年6月 9:30开会 2018年以来")
    assert ("6月28日", 628.0, "", "date") in found
    assert ("6月24日", 624.0, "", "date") in found and ("7月24日", 724.0, "", "date") in found
    assert ("2021年6月", 20210600.0, "", "date") in found
    assert ("9:30", 930.0, "", "time") in found
    assert ("2018年以来", 2018.0, "年", "year") in found


def test_many_units_in_one_sentence():
    s = ("接待服务3054万人次,投入1000多万元,利用3个多月的时间,5.2万名左右,35岁以下占78%,"
         "提高33和26个百分点,第101个生日,面积均达 440 平方米,选派 78\n名干部")
    found = {t: (v, u, k) for t, v, u, k in _found(s)}
    assert found["3054万人次"] == (30_540_000.0, "人次", "count")
    assert found["1000多万元"] == (10_000_000.0, "元", "money")
    assert found["3个多月"] == (3.0, "个月", "duration")
    assert found["35岁以下"] == (35.0, "岁", "age")
    assert found["26个百分点"] == (26.0, "个百分点", "points")
    assert found["第101个"] == (101.0, "个", "ordinal")
    assert found["440 平方米"] == (440.0, "平方米", "area")
    assert found["78\n名"] == (78.0, "名", "count")


def test_units_are_not_read_as_magnitudes():
    assert _found("全长5千米") == [("5千米", 5.0, "千米", "length")]
    assert _found("百分之七") == [("百分之七", 0.07, "%", "percent")]


def test_full_width_digits_keep_offsets():
    s = "建成服务中心１４５４２个"
    (q,) = find_quantities(s)
    assert s[q.start:q.end] == "１４５４２个" and q.value == 14542.0


def test_quantity_is_frozen_and_serialisable():
    q = find_quantities("3.2万名驻村干部")[0]
    assert isinstance(q, Quantity)
    with pytest.raises(AttributeError):
        q.value = 1  # type: ignore[misc]
    assert q.to_dict()["value"] == 32000.0


def test_normalize_for_match():
    assert normalize_for_match(" １４５４２ 个\n") == "14542个"
    assert normalize_for_match("ABC　党群") == "abc党群"


def test_unit_kind():
    assert unit_kind("名") == "count"
    assert unit_kind("公里") == "length"
    assert unit_kind("个多月") == "duration"
    assert unit_kind("不是单位") is None


def test_years_before_1900_and_foreign_units():
    assert _found("该教堂创建于1890年") == [("1890年", 1890.0, "年", "year")]
    assert _found("公路长3.7英里") == [("3.7英里", 3.7, "英里", "length")]
    assert _found("营业额约500万港元") == [("约500万港元", 5_000_000.0, "港元", "money")]
