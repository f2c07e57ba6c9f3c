"""Traditional <-> Simplified conversion through OpenCC."""

from __future__ import annotations

from corpusqa.answers.variants import is_traditional, to_simplified, to_traditional


def test_to_simplified_converts_a_question():
    assert to_simplified("全區建成了多少個一站式黨群服務中心？") == "全区建成了多少个一站式党群服务中心？"


def test_to_traditional_round_trip_keeps_the_simplified_text():
    trad = to_traditional("全区建成了多少个一站式党群服务中心？")
    assert "區" in trad and "個" in trad and "黨" in trad
    assert to_simplified(trad) == "全区建成了多少个一站式党群服务中心？"


def test_simplified_and_non_chinese_text_is_unchanged():
    s = "2021年,全区建成一站式党群服务中心14542个,覆盖率达到98.9%以上。"
    assert to_simplified(s) == s
    assert to_simplified("") == "" and to_traditional("") == ""
    assert to_simplified("How many?") == "How many?"


def test_is_traditional():
    assert is_traditional("全區建成了多少個一站式黨群服務中心？")
    assert is_traditional("誰是書記？")
    assert not is_traditional("全区建成了多少个一站式党群服务中心？")
    assert not is_traditional("是否")  # no script-specific character: treated as Simplified
    assert not is_traditional("How many centres?")


def test_one_stray_traditional_character_in_a_simplified_article_does_not_count():
    # the sample corpus really contains "模範" inside Simplified text
    text = "累计打造“榜样在身边”模範典型先进事迹点1288处,在建设基础设施上不断添砖,实现城区公园广场全覆盖"
    assert not is_traditional(text)
