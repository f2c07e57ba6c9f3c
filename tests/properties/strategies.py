"""Hypothesis strategies for messy newspaper text, as it comes out of OCR and PDF export.

Pages mix Chinese runs with full-width and half-width digits and punctuation, spaces
between Chinese and numbers, hard-wrapped columns (a ``\\n`` every 10-40 characters),
repeated paragraphs, ``■上接第1版`` continuation marks, bylines, photo credits, emoji,
stray control characters and characters that NFKC changes (Kangxi radicals, CJK
compatibility ideographs, full-width letters).
"""

from __future__ import annotations

from hypothesis import strategies as st

# Words of the corpus (no measure words or numerals, so numbers stay where the strategy
# put them); Chinese is drawn word by word, which keeps generation fast.
WORDS = ("党建 工作 基层 组织 群众 服务中心 全区 市县 旗 嘎查 社区 牧民 草原 生态保护 发展 建设"
         " 城市 文明 创建 推进 落实 干部 学习教育 坚持 深化改革 经济 产业项目 投资 资金 农村牧区"
         " 提升 质量 鄂尔多斯 呼伦贝尔 锡林郭勒 赤峰 通辽 包头 乌兰察布 巴彦淖尔 兴安盟 阿拉善"
         " 内蒙古 自治区 书记 主任 委员会 会议 今年 去年 近日 据悉 记者 了解到 我们 要把 好的"
         " 在 和 与 及 对 为 以 于 是 有").split()
RARE = "\u3400\u3401\u4db5\u9fa5\u9fcc\U00020000"  # CJK ext A and B, the end of the URO
KANGXI = "\u2f00\u2f06\u2f08\u2f2f\u2f42\u2fa8"  # ⼀ ⼆ ⼈ ⼯ ⽂ ⾨: NFKC folds them to 一二人工文门
COMPAT = "\uf900\uf91d\ufa0c\ufa11"  # CJK compatibility ideographs (NFKC folds them too)
FULLWIDTH_DIGITS = "０１２３４５６７８９"
CJK_PUNCT = "，。、；：？！“”‘’（）《》【】…—·"
ASCII_PUNCT = ",.;:?!()\"'-/%+"
EMOJI = "😀👍🎉🇨🇳❤️✅"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u200b\u200c\u200d\ufeff\u2060"
SPACES = " \u3000\xa0\t"
NAMES = ["张三", "王玉琢", "王红梅", "白丹", "宋爽", "李四", "郝佳丽", "毕力夫", "欧阳明月"]
ROLES = ["本报记者", "记者", "通讯员", "实习生", "见习记者", "本报通讯员"]
UNITS = ["个", "名", "人", "万人", "亿元", "万元", "元", "%", "个百分点", "户", "公里", "平方米", "年", "项"]
CN_NUMERALS = "零一二三四五六七八九十百千万"

han = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map("".join)
han_any = st.lists(st.sampled_from(WORDS + list(RARE + KANGXI + COMPAT)),
                   min_size=1, max_size=4).map("".join)
_noise = st.text(st.sampled_from(EMOJI + CONTROL + SPACES + ASCII_PUNCT + "ＡＢｃｄ"),
                 min_size=1, max_size=3)
_cn_numeral = st.text(st.sampled_from(CN_NUMERALS), min_size=1, max_size=4)


@st.composite
def arabic_number(draw) -> str:
    """``14542``, ``1,000``, ``98.9``, in half- or full-width digits."""
    n = draw(st.integers(0, 10**7))
    form = draw(st.sampled_from(["plain", "comma", "decimal"]))
    if form == "comma":
        s = f"{n:,}"
    elif form == "decimal":
        s = f"{n % 1000}.{draw(st.integers(0, 99))}"
    else:
        s = str(n)
    if draw(st.booleans()):
        s = s.translate(str.maketrans("0123456789", FULLWIDTH_DIGITS))
    return s


@st.composite
def quantity(draw) -> str:
    """A number with a unit, Arabic or Chinese numerals: ``3.4万名``, ``二十六个``, ``98.9%``."""
    if draw(st.integers(0, 3)) == 0:
        num = draw(_cn_numeral)
    else:
        num = draw(arabic_number())
    pad = draw(st.sampled_from(["", "", " ", "\u3000"]))
    return pad + num + pad + draw(st.sampled_from(UNITS))


@st.composite
def sentence(draw, noise: bool = True) -> str:
    """One sentence: Chinese runs, quantities, punctuation (either width), maybe noise."""
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        choice = draw(st.integers(0, 9))
        if choice <= 4:
            parts.append(draw(han_any if noise else han))
        elif choice <= 6:
            parts.append(draw(quantity()))
        elif choice == 7:
            parts.append(draw(st.sampled_from("，、：“”（）" + ("," if noise else ""))))
        elif noise:
            parts.append(draw(_noise))
        else:
            parts.append(draw(han))
    end = draw(st.sampled_from(["。", "。", "！", "？", "；", "…", "。”", "", "!", "?"]))
    return "".join(parts) + end


@st.composite
def paragraph(draw, noise: bool = True) -> str:
    """1-5 sentences, never empty after cleaning (it always holds a Chinese character)."""
    return draw(han) + "".join(draw(st.lists(sentence(noise), min_size=1, max_size=5)))


def byline() -> st.SearchStrategy[str]:
    """``本报记者 张三``, ``□本报记者 王玉琢 通讯员 王红梅``, ``◎宋爽``."""
    one = st.builds(lambda r, n: f"{r} {n}", st.sampled_from(ROLES), st.sampled_from(NAMES))
    return st.one_of(
        one,
        st.builds(lambda a, b: f"□{a} {b}", one, one),
        st.builds(lambda n: f"◎{n}", st.sampled_from(NAMES)),
    )


def furniture() -> st.SearchStrategy[str]:
    """Page furniture and markers: continuation marks, photo credits, editor lines, masthead."""
    return st.one_of(
        st.builds(lambda n: f"■上接第{n}版", st.integers(1, 12)),
        st.builds(lambda n: f"（下转第{n}版）", st.integers(1, 12)),
        st.builds(lambda n: f"{n} 摄", st.sampled_from(NAMES)),
        st.builds(lambda n: f"责任编辑：{n}", st.sampled_from(NAMES)),
        st.builds(lambda s: f"■{s}", han),
        st.just("内蒙古日报"),
        st.just("（本版图片由记者提供）"),
    )


def title() -> st.SearchStrategy[str]:
    """A headline: short Chinese runs, maybe two halves separated by a space, maybe Markdown."""
    return st.builds(lambda h, a, b: f"{h}{a}{(' ' + b) if b else ''}",
                     st.sampled_from(["", "", "## ", "# "]), han, st.one_of(st.just(""), han))


@st.composite
def page_items(draw) -> list[tuple[str, str]]:
    """The printed items of a page in order, as (kind, text): paragraph, title, byline,
    furniture, or repeat (a paragraph printed again, as on sample page 003)."""
    items: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            items.append(("paragraph", draw(paragraph())))
        elif kind == 5:
            items.append(("title", draw(title())))
        elif kind == 6:
            items.append(("byline", draw(byline())))
        elif kind == 7:
            items.append(("furniture", draw(furniture())))
        elif items:
            items.append(("repeat", draw(st.sampled_from(items))[1]))
    return items


def wrap(text: str, widths: list[int]) -> list[str]:
    """Cut ``text`` into printed lines of the given widths (cycled)."""
    lines, pos, i = [], 0, 0
    while pos < len(text):
        w = widths[i % len(widths)]
        lines.append(text[pos:pos + w])
        pos += w
        i += 1
    return lines


@st.composite
def page_with_items(draw) -> tuple[str, list[tuple[str, list[str]]]]:
    """A raw page and its items as (kind, printed lines). Layouts: items separated by blank
    lines, one item per line, or hard-wrapped narrow columns with the odd column break."""
    items = draw(page_items())
    layout = draw(st.sampled_from(["paragraphs", "wrapped", "lines"]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    widths = draw(st.lists(st.integers(10, 40), min_size=1, max_size=4))
    printed = [(kind, wrap(text, widths) if layout == "wrapped" and len(text) > 40 else [text])
               for kind, text in items]
    if layout == "paragraphs":
        return (newline * 2).join(text for _, text in items), printed
    if layout == "lines":
        return newline.join(text for _, text in items), printed
    lines: list[str] = []
    for _, item_lines in printed:
        lines += item_lines
        if draw(st.integers(0, 4)) == 0:
            lines.append("")  # a column break
    return newline.join(lines), printed


def page() -> st.SearchStrategy[str]:
    """A raw page (see ``page_with_items``)."""
    return page_with_items().map(lambda p: p[0])


@st.composite
def article_paragraphs(draw, noise: bool = False) -> list[str]:
    """Body paragraphs as the cleaner stores them (no newline inside, no edge spaces)."""
    from corpusqa.corpus.clean import normalize_text

    paras = [normalize_text(p) for p in draw(st.lists(paragraph(noise), min_size=1, max_size=6))]
    if draw(st.integers(0, 3)) == 0 and len(paras) > 1:  # repetitive text: a paragraph twice
        paras.append(paras[0])
    return [p for p in paras if p]


def messy_text() -> st.SearchStrategy[str]:
    """Any text, weighted towards the characters that matter to the cleaner."""
    alphabet = st.sampled_from("".join(WORDS) + RARE + KANGXI + COMPAT + FULLWIDTH_DIGITS + "0123456789"
                               + CJK_PUNCT + ASCII_PUNCT + EMOJI + CONTROL + SPACES + "\n\r"
                               + "ａＺ%％．年月日个万亿abcXYZ")
    return st.one_of(st.text(alphabet, max_size=80), st.text(max_size=40), paragraph())
