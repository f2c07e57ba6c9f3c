"""Chinese numerals and quantities: parse them, find them in a sentence, compare them.

Everything here is pure and deterministic. Offsets returned by :func:`find_quantities`
are character offsets into the exact string given (full-width digits are read
through a length-preserving translation, never NFKC, so slicing always works).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

# Length-preserving translation of full-width digits and signs (NFKC may change lengths).
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％：～－", "0123456789.%:~-")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4,
              "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_MAGNITUDES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7,
               "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3, "百": 1e2}

# (measure word, kind); longest alternatives are tried first.
_UNITS: dict[str, str] = {
    **dict.fromkeys(["%", "‰"], "percent"),
    **dict.fromkeys(["个百分点", "百分点"], "points"),
    **dict.fromkeys(["元", "美元", "欧元", "港元", "日元", "英镑", "卢布", "韩元", "块钱"], "money"),
    **dict.fromkeys(["个工作日", "工作日", "个月", "个小时", "小时", "分钟", "秒钟", "周年",
                     "个星期", "星期", "周", "天", "年"], "duration"),
    **dict.fromkeys(["平方公里", "平方千米", "平方米", "亩", "公顷"], "area"),
    **dict.fromkeys(["公里", "千米", "厘米", "毫米", "米", "英里", "英尺", "英寸", "海里", "km", "cm", "mm"], "length"),
    **dict.fromkeys(["立方米", "吨", "公斤", "千克", "千瓦时", "千瓦", "兆瓦", "马力", "kg"], "measure"),
    **dict.fromkeys(["周岁", "岁"], "age"),
    **dict.fromkeys(["倍", "成"], "ratio"),
    **dict.fromkeys(["人次", "人", "名", "个", "位", "户", "家", "所", "支", "项", "次", "件",
                     "起", "面", "期", "幅", "处", "条", "座", "台", "辆", "架", "艘", "只",
                     "头", "株", "棵", "本", "册", "篇", "部", "场", "批", "届", "种", "类",
                     "套", "间", "张", "份", "枚", "组", "队", "岗", "级", "层", "栋",
                     "道", "版", "章", "例", "笔", "盏", "把", "块", "匹", "集", "季"], "count"),
}
# Measure words that are also common word parts: after a bare "一" they are ignored
# (一起, 一面, 一级, 一道, 一成不变, 一把手, 一块).
_WEAK_UNITS = frozenset("起面期级岗处条道部场批届种类套间张份组队层版章把块成本只头台所家位支")
_PEOPLE = frozenset(["人", "名", "位"])

_NUM_AR = r"\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM_CN = r"[零〇一二两三四五六七八九十百千万亿]+"
_PRE = r"(?P<pre>不超过|不少于|不低于|不高于|不到|不足|超过|高于|低于|至少|多达|逾|大约|约|将近|接近|近)?"
_POST = r"(?P<post>左右|以上|以下|上下|之多|有余)?"
# 千米/千瓦/千克 and 百分点 are units, not magnitudes.
_MAG = "|".join(sorted(_MAGNITUDES, key=len, reverse=True)).replace("千", "千(?![米瓦克])").replace("百", "百(?!分)")
_UNIT_RE = "|".join(
    [r"个(?:多|半)?月", r"个(?:多|半)?小时"]
    + [re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)]
)
UNIT_PATTERN = _UNIT_RE
"""Regex alternation of the measure words :func:`find_quantities` knows."""

_YEAR_SUFFIX = r"(?P<ysuf>(?:底|初|末|中)?(?:以来|以后|之后|之前|以前|至今|起)?)"
_MD = r"(?P<mo>1[0-2]|0?[1-9])\s*月\s*(?P<dd>3[01]|[12]\d|0?[1-9])\s*[日号]"

_MASTER = re.compile(
    "|".join([
        # 5:1 (ratio) and 9:30 (clock time)
        r"(?<![\d.:])(?P<ra>\d+(?:\.\d+)?)\s*[:∶]\s*(?P<rb>\d+(?:\.\d+)?)(?![\d:])" + _POST.replace("post", "rpost"),
        # 2021年6月28日, 6月28日
        r"(?:(?P<dy>(?:1\d|20)\d{2})\s*年\s*)?" + _MD,
        # 2021年6月
        r"(?P<ymy>(?:1\d|20)\d{2})\s*年\s*(?P<ymm>1[0-2]|0?[1-9])\s*月(?!\d)",
        # 2021年, 2026年底, 2018年以来
        r"(?<![\d.])(?P<y>(?:1\d|20)\d{2})\s*年(?![代度多余])" + _YEAR_SUFFIX,
        # 百分之七, 百分之三十五, 百分之7.5
        _PRE.replace("pre", "ppre") + r"百分之(?P<pct>" + _NUM_AR + "|" + _NUM_CN + ")" + _POST.replace("post", "ppost"),
        # 三分之一
        r"(?P<fb>" + _NUM_CN + r"|\d+)分之(?P<fa>" + _NUM_CN + r"|\d+)",
        # 一半以上, 半数, 过半 (a half: 一半以上病人 answers 有多少病人; not 另一半, a spouse)
        r"(?<!另)(?P<half>一半|半数|过半)" + _POST.replace("post", "hpost"),
        # 第18位, 第一批
        r"第\s*(?P<ord>" + _NUM_AR + "|" + _NUM_CN + r")\s*(?P<ounit>" + _UNIT_RE + ")?",
        # the general case: 近10万个, 26万余名, 1000多万元, 98.9%以上, 三成, 54个月
        _PRE + r"(?P<num>" + _NUM_AR + "|" + _NUM_CN + r")(?P<a1>余|多|来)?"
        r"(?:\s{0,2}(?P<mag>" + _MAG + r"))?(?P<a2>余|多)?"
        r"(?:\s{0,2}(?P<unit>" + _UNIT_RE + "))?" + _POST,
    ]),
    re.IGNORECASE,  # 182CM, 5KM: the Latin measure words in any case
)


@dataclass(frozen=True)
class Quantity:
    """A number found in text: ``text == source[start:end]``.

    ``value`` has the magnitude folded in (``1.1万个`` -> 11000.0); percentages are
    fractions (``7%`` -> 0.07); ``三成`` -> 0.3; ``5:1`` -> 5.0; dates are encoded
    ``yyyymmdd`` with missing parts 0 (``6月28日`` -> 628.0). ``unit`` is the measure
    word without magnitude (``"名"`` for ``3.2万名``, ``"元"`` for ``110亿元``), or
    ``""``. ``approx`` marks 约/近/余/多/左右/以上... ``kind`` is one of count, percent,
    points (个百分点), money, ratio, year, date, time, duration, length, area, age,
    measure, ordinal, number (no unit).
    """

    start: int
    end: int
    text: str
    value: float
    unit: str
    approx: bool
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_cn_integer(s: str) -> int | None:
    """Parse a Chinese integer numeral (``二十六``, ``两千``, ``三万五千``, ``二〇二一``)."""
    if not s or any(ch not in _CN_DIGITS and ch not in _CN_SMALL and ch not in _CN_BIG for ch in s):
        return None
    if len(s) > 1 and all(ch in _CN_DIGITS for ch in s):  # digit by digit: 二〇二一
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total = section = number = 0
    for ch in s:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (number or 1) * _CN_SMALL[ch]
            number = 0
        elif ch == "万" and total and not section + number:  # 四万万 = 4亿 (older usage)
            total *= 10_000
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = 0
        else:  # 亿
            total = (total + section + number) * 100_000_000
            section = number = 0
    return total + section + number


def _num(s: str) -> float | None:
    s = re.sub(r"\s+", "", s).replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    n = parse_cn_integer(s)
    return None if n is None else float(n)


def _canonical_unit(raw: str) -> tuple[str, bool]:
    """``个多月`` -> (``个月``, approximate)."""
    raw = re.sub(r"\s+", "", raw or "").lower()  # CM -> cm
    if len(raw) >= 3 and raw[0] == "个" and raw[1] in "多半":
        return "个" + raw[2:], raw[1] == "多"
    return raw, False


def _build(m: re.Match, text: str, strict: bool) -> Quantity | None:
    """Turn one match of ``_MASTER`` into a Quantity (None when it is not one)."""
    g = m.groupdict()
    start, end = m.span()

    def q(value: float, unit: str, approx: bool, kind: str) -> Quantity:
        value = float(f"{value:.12g}")  # 98.9 / 100 -> 0.989, not 0.9890000000000001
        return Quantity(start, end, text[start:end], value, unit, approx, kind)

    a: float | None  # the two sides of a ratio (None: a fraction's side did not parse)
    b: float | None
    if g["ra"] is not None:
        a, b = float(g["ra"]), float(g["rb"])
        if g["rpost"] is None and len(g["rb"]) == 2 and a <= 24 and b < 60:
            return q(a * 100 + b, "", False, "time")
        return None if b == 0 else q(a / b, ":", g["rpost"] is not None, "ratio")
    if g["mo"] is not None:
        y = int(g["dy"]) if g["dy"] else 0
        return q(y * 10000 + int(g["mo"]) * 100 + int(g["dd"]), "", False, "date")
    if g["ymy"] is not None:
        return q(int(g["ymy"]) * 10000 + int(g["ymm"]) * 100, "", False, "date")
    if g["y"] is not None:
        return q(int(g["y"]), "年", False, "year")
    if g["pct"] is not None:
        v = _num(g["pct"])
        return None if v is None else q(v / 100, "%", bool(g["ppre"] or g["ppost"]), "percent")
    if g["fb"] is not None:
        a, b = _num(g["fa"]), _num(g["fb"])
        return None if not a or not b else q(a / b, "分之", False, "ratio")
    if g["half"] is not None:
        return q(0.5, "分之", g["half"] == "过半" or g["hpost"] is not None, "ratio")
    if g["ord"] is not None:
        unit, _ = _canonical_unit(g["ounit"] or "")
        v = _num(g["ord"])
        if v is None or (strict and not unit and not g["ord"][0].isdigit()):
            return None
        return q(v, unit, False, "ordinal")
    return _build_general(m, q, text, strict)


def _build_general(m: re.Match, q, text: str, strict: bool) -> Quantity | None:
    g = m.groupdict()
    start = m.start()
    num, mag = g["num"], g["mag"]
    unit, unit_approx = _canonical_unit(g["unit"] or "")
    is_cn = not num[0].isdigit()
    if strict:
        if is_cn and not unit:
            return None  # bare Chinese numerals are too often words (一站式, 十百千)
        if is_cn and num in {"百", "千", "万", "亿"}:
            return None  # 百年, 千家万户
        if is_cn and num == "一" and unit in _WEAK_UNITS:
            return None
        if is_cn and num == "一" and start > 0 and text[start - 1] in "统唯专逐同单万之":
            return None
        if unit == "位" and text.startswith("一体", m.end()) and not text.startswith("一体化", m.end()):
            return None  # 三位一体, 四位一体: a set phrase, not a count of people
        if not is_cn and not unit and not mag:
            before = text[m.start("num") - 1] if m.start("num") > 0 else ""
            after = text[m.end("num")] if m.end("num") < len(text) else ""
            if re.match(r"[A-Za-z+]", before) or re.match(r"[A-Za-z+]", after):
                return None  # 5G, 1+3
    v = _num(num)
    if v is None:
        return None
    v *= _MAGNITUDES.get(mag or "", 1.0)
    approx = bool(g["pre"] or g["a1"] or g["a2"] or g["post"] or unit_approx)
    kind = _UNITS.get(unit, "count") if unit else "number"
    if unit in ("个月", "个小时"):
        kind = "duration"
    if unit in ("%", "‰"):
        v /= 100 if unit == "%" else 1000
    elif unit == "成":
        v /= 10
    if unit == "年" and not mag and not approx and (
            re.fullmatch(r"(?:1\d|20)\d{2}", num) or (is_cn and len(num) == 4 and 1000 <= v <= 2099)):
        kind = "year"
    return q(v, unit, approx, kind)


def _scan(text: str, strict: bool) -> list[Quantity]:
    probe = text.translate(_FULLWIDTH)
    out = []
    for m in _MASTER.finditer(probe):
        if m.end() == m.start():
            continue
        qty = _build(m, text, strict)
        if qty is not None:
            out.append(qty)
    return out


def find_quantities(text: str) -> list[Quantity]:
    """Every number-with-unit (and bare Arabic number) in ``text``, left to right.

    Bare Chinese numerals without a measure word are skipped (一站式, 十百千) and
    so are common words such as 一起/一面/百年.

    Args:
        text: A sentence or passage, any script; offsets index this exact string.

    Returns:
        Non-overlapping quantities with ``text[q.start:q.end] == q.text``.
    """
    return _scan(text, strict=True)


def parse(s: str) -> Quantity | None:
    """Parse a string that is one quantity as a whole (``"26万余名"``, ``"三成"``).

    Offsets in the result index ``s`` itself. Surrounding whitespace is ignored;
    anything else left over makes the result None.
    """
    stripped = s.strip()
    if not stripped:
        return None
    lead = len(s) - len(s.lstrip())
    found = _scan(stripped, strict=False)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(stripped):
        return None
    f = found[0]
    return Quantity(f.start + lead, f.end + lead, f.text, f.value, f.unit, f.approx, f.kind)


def parse_number(s: str) -> float | None:
    """The numeric value of ``s``: ``"1.1万"`` -> 11000.0, ``"三成"`` -> 0.3, ``"7%"`` -> 0.07.

    Approximation markers (余/多/近/约/以上) are accepted; use :func:`parse` to see
    the ``approx`` flag. Returns None when ``s`` is not a single number.
    """
    q = parse(unicodedata.normalize("NFKC", s))
    return None if q is None else q.value


def unit_kind(unit: str) -> str | None:
    """The quantity kind a measure word implies (``"名"`` -> count, ``"公里"`` -> length)."""
    unit, _ = _canonical_unit(unit)
    return _UNITS.get(unit)


def normalize_for_match(text: str | None) -> str:
    """NFKC, all whitespace removed, casefolded: the form used to compare answers (the
    highlight check in ``spans``, answer matching in ``corpusqa.eval.metrics``). None gives ""."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


_UNIT_SYNONYMS = [frozenset(_PEOPLE), frozenset(["个百分点", "百分点"])]

