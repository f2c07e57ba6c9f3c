"""Page -> article segmentation on the real sample pages and on tiny inline pages."""

from __future__ import annotations

import pytest

from corpusqa.corpus.segment import ArticleDraft, build_article, segment_page

TITLES = {
    "000_1a2e3e8d63f9a08f.txt": [
        "强基固本 牢记嘱托 根深叶茂 感恩进",
        "发展党员结构情况",
    ],
    "001_c7d8dfeb6aa45dac.txt": [
        "一贯彻到底强“堡垒”",
        "退休不褪色 余热映初心",
        "深学细悟 用“新”更用心",
        "办好强信心暖人心 聚民心的实事",
        "薪火相传",
        "列车上的党史课",
        "参观见学",
        "集思广益解难题 群策群力办实事",
    ],
    "002_1e4098aa4da3de56.txt": [
        "软指标 变 硬任务 大力推动基层党组织书记种好 责任田",
    ],
    "003_9bde60f0b0d24797.txt": [
        "鄂尔多斯市在提升城市品质中增加百姓福祉",
        "我区首家托育综合服务指导中心成立",
        "内蒙古支线供水工程赤峰朝阳线开工",
        "“兴安盟·五角枫”杯世界疏林草原摄影大展在北京举办",
        "自治区科技厅部署开发科研助理岗位工作",
        "研发助康新产品",
        "首府高校毕业生开始申请租购房补贴",
        "党员干部要敬畏历史 敬畏优秀传统文化 增强做中国人的志气骨气底气",
        "风展党旗万象新",
    ],
    "004_97fd27dffeb8dc41.txt": [
        "夯实基层基础 筑牢战斗堡垒",
        "狠抓基层党建 筑牢从严治党根基",
        "从严从实推动基层党建全面加强全面过硬",
        "树立“最大政绩”理念 强化“第一责任”落实",
        "为打造自治区西部区域中心提供坚强组织保证",
        "履职尽责抓党建 强基固本促发展",
        "牢固树立大抓基层导向 切实履行管党治党责任",
        "抓好基层党建 夯实执政基础",
    ],
}
FURNITURE = ["唐璇博 摄", "韩宇 摄", "陈春艳 摄", "王晓博 摄", "执行总策划", "责任编辑", "内蒙古日报",
             "30 特刊", "本版图片", "The 100th", "Communist Party", "■上接", "□", "◎", "蒙组宣",
             "见习记者 郝佳丽", "实习生 孟托", "锡林郭勒盟委书记 罗虎在", "赤峰市委书记 毕力夫"]


@pytest.fixture(scope="module")
def pages(sample_dir) -> dict[str, list[ArticleDraft]]:
    return {name: segment_page((sample_dir / name).read_text(encoding="utf-8"), name)
            for name in TITLES}


def _by_title(drafts: list[ArticleDraft], title: str) -> ArticleDraft:
    return next(d for d in drafts if d.title == title)


@pytest.mark.parametrize("name", sorted(TITLES))
def test_article_count_and_titles(pages, name):
    assert [d.title for d in pages[name]] == TITLES[name]


@pytest.mark.parametrize("name", sorted(TITLES))
def test_every_article_has_a_clean_body(pages, name):
    seen: set[str] = set()
    for d in pages[name]:
        assert d.paragraphs and all(p.strip() for p in d.paragraphs)
        assert len(set(d.paragraphs)) == len(d.paragraphs), d.title
        assert not seen & set(d.paragraphs)  # nor repeated across the page
        seen |= set(d.paragraphs)
        body = "\n".join(d.paragraphs)
        assert "\n" not in "".join(d.paragraphs)
        for junk in FURNITURE:
            assert junk not in body, (d.title, junk)


@pytest.mark.parametrize("name", sorted(TITLES))
def test_paragraph_offsets_slice_the_article_text(pages, name):
    for position, draft in enumerate(pages[name]):
        article = build_article(draft, name, position)
        assert article.text == "\n".join(draft.paragraphs)
        assert [article.text[p.start:p.end] for p in article.paragraphs] == draft.paragraphs
        assert article.paragraph_at(article.paragraphs[-1].start) == len(draft.paragraphs) - 1
        assert article.id == build_article(draft, name, position).id
        assert (article.title, article.byline) == (draft.title, draft.byline)
        assert (article.date, article.continued_from) == (draft.date, draft.continued_from)


@pytest.mark.parametrize("name, title, byline", [
    ("001_c7d8dfeb6aa45dac.txt", "一贯彻到底强“堡垒”", "蒙组宣"),
    ("001_c7d8dfeb6aa45dac.txt", "退休不褪色 余热映初心", "见习记者 郝佳丽"),
    ("001_c7d8dfeb6aa45dac.txt", "办好强信心暖人心 聚民心的实事", "宋爽"),
    ("001_c7d8dfeb6aa45dac.txt", "集思广益解难题 群策群力办实事", "本报记者 胡日查 高敏娜 实习生 孟托 李名超"),
    ("003_9bde60f0b0d24797.txt", "鄂尔多斯市在提升城市品质中增加百姓福祉", "本报记者 王玉琢 通讯员 王红梅"),
    ("003_9bde60f0b0d24797.txt", "我区首家托育综合服务指导中心成立", "记者 王坤"),
    ("004_97fd27dffeb8dc41.txt", "夯实基层基础 筑牢战斗堡垒", "锡林郭勒盟委书记 罗虎在"),
    ("004_97fd27dffeb8dc41.txt", "抓好基层党建 夯实执政基础", "阿拉善盟委书记 包钢"),
])
def test_bylines(pages, name, title, byline):
    assert _by_title(pages[name], title).byline == byline


@pytest.mark.parametrize("name, title, section", [
    ("001_c7d8dfeb6aa45dac.txt", "一贯彻到底强“堡垒”", "五化协同 大抓基层⑮"),
    ("001_c7d8dfeb6aa45dac.txt", "退休不褪色 余热映初心", "知行合一"),
    ("001_c7d8dfeb6aa45dac.txt", "办好强信心暖人心 聚民心的实事", "观潮"),
    ("003_9bde60f0b0d24797.txt", "鄂尔多斯市在提升城市品质中增加百姓福祉", "奋进新征程 建功新时代"),
    ("002_1e4098aa4da3de56.txt", "软指标 变 硬任务 大力推动基层党组织书记种好 责任田", "党旗下的坚强基石"),
])
def test_sections(pages, name, title, section):
    assert _by_title(pages[name], title).section == section


def test_hard_wrapped_body_attaches_to_the_title_that_follows_it(pages):
    drafts = pages["004_97fd27dffeb8dc41.txt"]
    xingan = _by_title(drafts, "牢固树立大抓基层导向 切实履行管党治党责任")
    assert "消灭集体经济空壳村24个" in "".join(xingan.paragraphs)
    assert "兴安盟被命名为全国民族团结进步示范盟" in "".join(xingan.paragraphs)
    assert "锡林郭勒盟各级党组织" in _by_title(drafts, "夯实基层基础 筑牢战斗堡垒").paragraphs[0]
    assert "阿拉善先锋行动" in "".join(_by_title(drafts, "抓好基层党建 夯实执政基础").paragraphs)
    assert all(p[0] != "是" for d in drafts for p in d.paragraphs)  # no "二\n\n是…" split
    ordos = _by_title(drafts, "从严从实推动基层党建全面加强全面过硬").paragraphs
    assert ordos[1].startswith("围绕7项任务，切实解决基层党建突出问题。")  # short line = paragraph end


@pytest.mark.parametrize("name, fragment", [
    ("000_1a2e3e8d63f9a08f.txt", "做到人民群众心坎上。"),
    ("001_c7d8dfeb6aa45dac.txt", "维护稳定、反对分裂、促进团结"),
    ("001_c7d8dfeb6aa45dac.txt", "补齐“断点”的民生实事清单。"),
    ("001_c7d8dfeb6aa45dac.txt", "兴安盟委围绕老年人、妇女儿童、青少年等各类人群，"),
    ("002_1e4098aa4da3de56.txt", "其他班子成员党建工作责任，"),
    ("002_1e4098aa4da3de56.txt", "大力实施“融合党建”工作模式"),
    ("002_1e4098aa4da3de56.txt", "我们收寄快递、交保险、水电费"),
    ("002_1e4098aa4da3de56.txt", "“百日攻坚”专项行动"),
    ("003_9bde60f0b0d24797.txt", "“心连心”“一家亲”等活动，通过基层宣讲"),
])
def test_paragraphs_cut_by_a_column_break_are_rejoined(pages, name, fragment):
    assert any(fragment in p for d in pages[name] for p in d.paragraphs)


def test_headline_fragment_printed_inside_an_article_goes_to_its_title(pages):
    drafts = pages["001_c7d8dfeb6aa45dac.txt"]
    assert not any("群策群力办实事" in p for d in drafts for p in d.paragraphs)
    assert not any("风展党旗万象新" in p for d in pages["003_9bde60f0b0d24797.txt"] for p in d.paragraphs)


def test_repeated_paragraphs_are_kept_once(pages):
    page3 = [p for d in pages["003_9bde60f0b0d24797.txt"] for p in d.paragraphs]
    assert sum(p.startswith("突出理论武装、党性锤炼和素质提升") for p in page3) == 1
    page0 = [p for d in pages["000_1a2e3e8d63f9a08f.txt"] for p in d.paragraphs]
    assert sum(p.startswith("基层党组织是党在社会基层组织中的战斗堡垒") for p in page0) == 1


def test_continuations_are_marked(pages):
    drafts = pages["003_9bde60f0b0d24797.txt"]
    assert [d.continued_from for d in drafts[-2:]] == ["第1版", "第1版"]
    assert all(d.continued_from is None for d in drafts[:-2])
    assert drafts[-1].paragraphs[0].startswith("突出理论武装")
    assert "抓关键：推动基层党建重点任务落地见效" in drafts[-1].paragraphs  # a subheading, in the body


def test_datelines_give_dates_and_reporters(pages):
    drafts = pages["003_9bde60f0b0d24797.txt"]
    dated = {d.title: d.date for d in drafts if d.date}
    assert dated == {t: "2022-06-28" for t in TITLES["003_9bde60f0b0d24797.txt"][1:5] + [
        "首府高校毕业生开始申请租购房补贴"]}
    beijing = _by_title(drafts, TITLES["003_9bde60f0b0d24797.txt"][3])
    assert beijing.extra["place"] == "北京" and beijing.extra["reporters"] == "记者 高敏娜 通讯员 武国"
    assert beijing.paragraphs[0].startswith("本报北京6月28日电（记者 高敏娜 通讯员 武国）")  # stays in the body


def test_year_hint_wins_and_no_year_means_no_date():
    page = "## 新闻标题在这里\n\n本报6月28日讯(记者 王坤)某中心成立。\n"
    assert segment_page(page, "x", year_hint=2021)[0].date == "2021-06-28"
    undated = segment_page(page, "x")[0]
    assert undated.date is None and undated.extra["dateline"] == "6月28日"
    dated = segment_page("2023年6月29日 星期四\n\n" + page, "x")[0]
    assert dated.date == "2023-06-28" and "2023年6月29日 星期四" in dated.furniture


def test_inline_continuation_marks_leave_the_body():
    page = "## 党建引领基层治理见成效\n\n（上接第1版）全区各地持续推进，成效明显。\n\n后续工作还将继续（下转第3版）\n"
    (draft,) = segment_page(page, "x")
    assert draft.continued_from == "第1版" and draft.extra["continued_on"] == "第3版"
    assert draft.paragraphs == ["全区各地持续推进，成效明显。", "后续工作还将继续"]


def test_page_marker_photo_credits_and_infographic(pages):
    main, infographic = pages["000_1a2e3e8d63f9a08f.txt"]
    assert main.page == infographic.page == "30 特刊"
    assert any("执行总策划" in f for f in main.furniture)
    assert "唐璇博 摄" in _by_title(pages["001_c7d8dfeb6aa45dac.txt"], "薪火相传").furniture
    figures = "\n".join(infographic.paragraphs)
    for figure in ["全区年均发展党员5.2万名左右", "疫情一线中发展党员836名", "35岁以下占78%",
                   "发展对象比例达5:1以上", "所占比例分别为76.8% 66.9%"]:
        assert figure in figures


@pytest.mark.parametrize("page, expected", [
    ("标题在这里\n\n第一段内容，很长。\n\n第二段。", [("标题在这里", ["第一段内容，很长。", "第二段。"])]),
    ("今天天气很好，我们去公园散步。\n\n第二段文字。",
     [("今天天气很好", ["今天天气很好，我们去公园散步。", "第二段文字。"])]),
    ("# 第一篇文章标题\n\n正文一。\n\n# 第二篇文章标题\n\n正文二。",
     [("第一篇文章标题", ["正文一。"]), ("第二篇文章标题", ["正文二。"])]),
    ("# 短一\n\n正文一。\n\n# 短二\n\n正文二。", [("短一", ["正文一。"]), ("短二", ["正文二。"])]),
    ("标题一在这里\n\n正文一，内容。\n\n标题二在这里\n\n正文二，内容。",
     [("标题一在这里", ["正文一，内容。"]), ("标题二在这里", ["正文二，内容。"])]),
    ("# 标题\n\n正文很长，内容。\n\n## 小标题\n\n更多正文。", [("标题", ["正文很长，内容。", "小标题", "更多正文。"])]),
    ("本报6月28日讯（记者 王坤）内容很多，还有。", [("内容很多", ["本报6月28日讯（记者 王坤）内容很多，还有。"])]),
    ("只有一段话。", [("只有一段话", ["只有一段话。"])]),
    ("只有标题", [("只有标题", ["只有标题"])]),
    ("", []),
    ("\n\n  \n", []),
])
def test_generic_inputs(page, expected):
    assert [(d.title, d.paragraphs) for d in segment_page(page, "x.txt")] == expected


def test_title_after_body_layout_is_detected_without_the_file_name(sample_dir):
    text = (sample_dir / "004_97fd27dffeb8dc41.txt").read_text(encoding="utf-8")
    assert [d.title for d in segment_page(text, "renamed.md")] == TITLES["004_97fd27dffeb8dc41.txt"]
