"""Text normalisation and page cleaning: tiny inline strings plus the real sample pages."""

from __future__ import annotations

import pytest

from corpusqa.corpus.clean import (Block, clean_page, infer_year, is_byline, is_credit,
                                   is_furniture, is_hard_wrapped, normalize_text)

HARD_WRAPPED = "004_97fd27dffeb8dc41.txt"


@pytest.mark.parametrize("raw, expected", [
    ("2016 年在党中央", "2016年在党中央"),
    ("达 440 平方米", "达440平方米"),
    ("消灭集体经济空壳村 24 个", "消灭集体经济空壳村24个"),
    ("占比达 34.4% 以上", "占比达34.4%以上"),
    ("投入1,000万元", "投入1,000万元"),
    ("比例达5:1以上", "比例达5:1以上"),
    ("覆盖率达到98.9%以上,真正", "覆盖率达到98.9%以上，真正"),
    ("战斗堡垒,是党执政大厦的地基", "战斗堡垒，是党执政大厦的地基"),
    ("抓关键:推动落地见效", "抓关键：推动落地见效"),
    ("如何保障?自治区提出", "如何保障？自治区提出"),
    ("更将拥有灿烂的明天!", "更将拥有灿烂的明天！"),
    ("嘎查村(社区)两委", "嘎查村（社区）两委"),
    ("本报6月28日讯(记者 王坤)6月25日", "本报6月28日讯（记者 王坤）6月25日"),
    ("ＡＢ１２３号", "AB123号"),
    ("中\u3000国", "中 国"),
    ("⼀个⼈", "一个人"),  # Kangxi radicals from PDF text
    ("1．5万", "1.5万"),
    ("五化协同 大抓基层⑮", "五化协同 大抓基层⑮"),  # circled numbers are not folded
    ("面积 ㎡", "面积 ㎡"),
    ("“兴安盟·五角枫”……", "“兴安盟·五角枫”……"),
    ("评星晋级 争创双强六好", "评星晋级 争创双强六好"),  # one space between Chinese phrases is kept
    ("胸怀千秋伟业   恰是百年风华", "胸怀千秋伟业 恰是百年风华"),
    ("“两学一做” 学习教育", "“两学一做”学习教育"),
    ("The 100th Anniversary of", "The 100th Anniversary of"),
    ("Hello, world (v2)", "Hello, world (v2)"),
    ("  前后空白\t ", "前后空白"),
])
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected
    assert normalize_text(expected) == expected


def test_normalize_text_is_idempotent_on_the_real_corpus(sample_dir):
    for path in sorted(sample_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            once = normalize_text(line)
            assert normalize_text(once) == once, line


def test_hard_wrapped_layout_is_detected_statistically(sample_dir):
    verdicts = {p.name: is_hard_wrapped(p.read_text(encoding="utf-8").split("\n"))
                for p in sorted(sample_dir.glob("*.txt"))}
    assert verdicts == {name: name == HARD_WRAPPED for name in verdicts}


def test_hard_wrapped_columns_are_rejoined(sample_dir):
    texts = [b.text for b in clean_page((sample_dir / HARD_WRAPPED).read_text(encoding="utf-8"))]
    body = "\n".join(texts)
    assert "消灭集体经济空壳村24个" in body
    assert "二是深入开展“两学一做”学习教育" in body  # "二\n\n是深入开展": a blank line is a column break
    assert "选派78名副处级后备干部" in body
    assert not any(t.startswith("是深入开展") for t in texts)
    assert "夯实基层基础 筑牢战斗堡垒" in texts  # a title line stays on its own


def test_clean_page_reads_markdown_headings_and_line_breaks():
    blocks = clean_page("# 启/航/新/征/程 展/现/新/作/为\n\n## 党旗下的坚强基石\n\n"
                        "软指标 变 硬任务  \n大力推动书记种好 责任田\n\n正文第一段,内容。\n")
    assert [(b.text, b.heading) for b in blocks[:2]] == [("启航新征程 展现新作为", 1),
                                                         ("党旗下的坚强基石", 2)]
    assert blocks[2].text == "软指标 变 硬任务 大力推动书记种好 责任田" and blocks[2].title_like
    assert blocks[3].text == "正文第一段，内容。" and blocks[3].heading == 0


def test_a_long_heading_is_demoted_to_text():
    blocks = clean_page("## ■上接第1版 " + "突出理论武装、党性锤炼和素质提升。" * 4)
    assert blocks[0].heading == 0


@pytest.mark.parametrize("text, expected", [
    ("□本报记者 王玉琢 通讯员 王红梅", True),
    ("□蒙组宣", True),
    ("◎宋爽", True),
    ("本报记者 胡日查 高敏娜 实习生 孟托 李名超", True),
    ("锡林郭勒盟委书记 罗虎在", True),
    ("本报记者", False),
    ("唐璇博 摄", False),
    ("记者从自治区水利厅获悉，近日开工。", False),
])
def test_is_byline(text, expected):
    assert is_byline(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("唐璇博 摄", True), ("本报记者 王晓博 摄", True), ("本报记者 陈春艳 摄", True),
    ("学生参观党史展厅。", False), ("韩宇", False),
])
def test_is_credit(text, expected):
    assert is_credit(text) is expected


@pytest.mark.parametrize("lines, expected", [
    (("执行总策划", "2021年", "戴志宏", "责任编辑", "四制图", "安宁", "及庆玲"), True),
    (("内蒙古日报",), True),
    (("（本版图片、数据均来源于内蒙古自治区党委组织部）",), True),
    (("庆祝中国共产党成立100周年", "The 100th Anniversary of the Founding of"), True),
    (("2022年6月29日 星期三",), True),
    (("学生参观党史展厅。",), False),
    (("自治区党委组织部制定实施，责任编辑部门参与。",), False),
])
def test_is_furniture(lines, expected):
    block = Block(normalize_text(" ".join(lines)), tuple(normalize_text(x) for x in lines))
    assert is_furniture(block) is expected


@pytest.mark.parametrize("furniture, texts, expected", [
    (["2022年6月29日 星期三"], ["截至2021年底，全区党员总数达到172.7万多名。"], 2022),
    (["执行总策划 2021年 戴志宏"], [], 2021),
    ([], ["在喜迎二十大、党的第101个生日即将到来之际"], 2022),
    ([], ["截至2021年底，全区党员总数达到172.7万多名。"], None),  # a year in the body is not the page's
])
def test_infer_year(furniture, texts, expected):
    assert infer_year(furniture, texts) == expected


def test_full_width_thousands_separators_become_one_number():
    from corpusqa.corpus.clean import normalize_text

    assert normalize_text("建成１４，５４２个") == "建成14,542个"
    assert normalize_text("共1，234，567元") == "共1,234,567元"
    # not thousands groups: a year then a number, a four-digit group, a list
    assert normalize_text("2023，100名学生") == "2023，100名学生"
    assert normalize_text("分别为12，3456人") == "分别为12，3456人"
    assert normalize_text("第1，2名") == "第1，2名"
