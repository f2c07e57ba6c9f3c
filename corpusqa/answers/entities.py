"""Typed candidate spans in a sentence: quantities, dates, person names, places, organisations.

Heuristics only (no model): title words and speech verbs for names, administrative
suffixes and a short gazetteer for places. Every span is an exact slice of the
sentence it came from.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from corpusqa.answers.numbers import Quantity, find_quantities


class TypedSpan(NamedTuple):
    """A typed span: ``sentence[start:end] == text``; a tuple, so ``c[0], c[1]`` work too.

    ``kind`` is a quantity kind (count, percent, money, duration, ...) or one of
    date, person, place, org. ``value``/``unit``/``approx`` come from the quantity
    when there is one.
    """

    start: int
    end: int
    text: str
    kind: str
    value: float | None = None
    unit: str | None = None
    approx: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self._asdict())


def from_quantity(q: Quantity) -> TypedSpan:
    """A candidate for a quantity (dates and years become kind ``date``)."""
    kind = "date" if q.kind in ("date", "year") else q.kind
    return TypedSpan(q.start, q.end, q.text, kind, q.value, q.unit or None, q.approx)


def _cand(s: str, start: int, end: int, kind: str) -> TypedSpan:
    return TypedSpan(start, end, s[start:end], kind)


def _merge(s: str, cands: list[TypedSpan], joiner: str, kind: str) -> list[TypedSpan]:
    """Add spans covering runs of candidates separated by ``joiner`` (regex, may be empty)."""
    cands = sorted(cands, key=lambda c: (c.start, -c.end))
    out = list(cands)
    i = 0
    while i < len(cands):
        j = i
        while j + 1 < len(cands) and re.fullmatch(joiner, s[cands[j].end:cands[j + 1].start]):
            j += 1
        if j > i:
            out.append(_cand(s, cands[i].start, cands[j].end, kind))
        i = j + 1
    return out


# --- dates -------------------------------------------------------------------------

_RELATIVE_DATES = re.compile(
    r"今年以来|近年来|近几年|近年|今年|去年|前年|明年|今天|昨天|前天|明天|当天|当日|近日|日前|近期"
    r"|前不久|不久前|年底前|年内|上半年|下半年|本月|上月|下月|本周|上周|下周|目前|如今|当前|此前"
    r"|七一前夕|春节前后?|国庆期间"
)
_MONTH_ONLY = re.compile(r"(?<![\d.])(?:1[0-2]|0?[1-9])\s*月(?:份|初|底|中旬|上旬|下旬)?(?![\d日号])")
_DAY_TAIL = re.compile(r"\s*(?:—|–|－|-|~|至|到)+\s*(?:3[01]|[12]\d|0?[1-9])\s*[日号]")


def find_dates(s: str) -> list[TypedSpan]:
    """Dates in ``s``: 2021年, 6月28日, 2018年以来, 6月24日—7月24日, 6月24日至26日, 今年, 近日."""
    found = [from_quantity(q) for q in find_quantities(s) if q.kind in ("date", "year")]
    taken = {(c.start, c.end) for c in found}
    for rx in (_RELATIVE_DATES, _MONTH_ONLY):
        for m in rx.finditer(s):
            if not any(a <= m.start() < b for a, b in taken):
                found.append(_cand(s, m.start(), m.end(), "date"))
    extended = []
    for c in found:  # 6月24日至26日
        tail = _DAY_TAIL.match(s, c.end)
        if tail and c.value is not None and c.value % 100:
            extended.append(_cand(s, c.start, tail.end(), "date"))
    found += extended
    # 6月24日—7月24日, 2018年至2020年, 今年6月28日
    return _dedupe(_merge(s, found, r"\s*(?:—|–|－|-|~|～|至|到)*\s*", "date"))


# --- person names ------------------------------------------------------------------

SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞"
    "敖巩佘池查麻苑迟邝"
    # frequent first characters of Mongolian names written in Chinese
    "巴乌阿其那额斯图宝达格哈扎赛萨满伊奥铁照道塔纳"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "司徒", "夏侯", "令狐")
_NAME_STOP = frozenset("说在是的了和与及等为被把对向从到以将曾正便则却才也还就都又已认介指告称着过得地"
                       "于个名位之其这那我你他她它们党员干部书记主任委会市县区旗盟镇村乡省")
# Common words that start with a surname character and are not names.
_NOT_NAMES = frozenset("党性 党建 党史 党员 党委 党组 党的 高标 高质 高校 高度 文明 文化 安全 万元 石油 金融 黄河 "
                       "方面 方式 江南 包联 包括 白色 华北 全面 时间 时代 关于 于是 向着 常态 常委 康复 成立 成为 "
                       "管理 管党 司法 应用 车辆 程序 宁夏 吉林 乌兰 巴彦 阿拉 鄂尔 通讯 通辽 达到 达标 满意 满足 "
                       "齐心 易地 乔迁 伊和 图书 宝贵 格局 塔拉 纳入 道德 照顾 奥运 铁路 师傅 师生 农民 农村 "
                       "农牧 农技 古今 米粮 边疆 边境 景区 商业 沙地 和谐 其他 其中 那么 那些".split())
_TITLES = ("书记|副书记|主任|副主任|主席|副主席|委员|记者|通讯员|实习生|党员|村民|居民|牧民|农民|市民|干警|民警"
           "|教授|老师|医生|专家|经理|志愿者|工人|支书|队长|部长|局长|厅长|市长|县长|旗长|盟长|镇长|乡长|校长"
           "|院长|所长|处长|科长|站长|社长|理事长|董事长|会长|组长|班长|街巷长|主持人|负责人|摄影师|作者|总指挥"
           "|网格员|指导员|辅导员|讲解员|技术员|大学生|学生|同志|先生|女士|老人|大爷|大妈|阿姨|师傅")
_AFTER_TITLE = re.compile(r"(?:" + _TITLES + r")[ \u3000]?(?=[\u4e00-\u9fff])")
_SPEECH = re.compile(r"(?:高兴地|激动地|笑着|自豪地|感慨地)?(?:说|认为|介绍|表示|指出|强调|告诉记者|坦言|感慨|说道|回忆)")
_TRANSLITERATED = re.compile(r"[\u4e00-\u9fff]{1,6}(?:[·•][\u4e00-\u9fff]{1,8})+")  # 赫尔曼·施陶丁格
_CREDIT = re.compile(r"(?:^|(?<=[\s(（]))([\u4e00-\u9fff]{2,4})[ \u3000]*(?:摄|报道)(?![\u4e00-\u9fff])")


def _name_at(s: str, i: int) -> int | None:
    """End of a plausible name starting at ``s[i]`` (surname + 1-2 characters), or None."""
    if s.startswith(_COMPOUND_SURNAMES, i):
        first, maxlen = 2, 4
    elif i < len(s) and s[i] in SURNAMES:
        first, maxlen = 1, 3
    else:
        return None
    end = i + first
    while end < min(len(s), i + maxlen) and "\u4e00" <= s[end] <= "\u9fff" and s[end] not in _NAME_STOP:
        end += 1
    if end - i < first + 1 or s[i:i + 2] in _NOT_NAMES:
        return None
    return end


def find_persons(s: str) -> list[TypedSpan]:
    """Person names: after a title (书记 毕力夫, 村民刘国良), before 说/认为/介绍, photo credits,
    and transliterated names joined by a middle dot."""
    spans: set[tuple[int, int]] = set()
    for m in _AFTER_TITLE.finditer(s):
        i = m.end()
        while (end := _name_at(s, i)) is not None:
            spans.add((i, end))
            nxt = re.match(r"[ \u3000、]+", s[end:])  # 记者 胡日查 高敏娜
            if not nxt:
                break
            i = end + nxt.end()
    for m in _SPEECH.finditer(s):
        for length in (3, 2, 4):
            i = m.start() - length
            if i < 0 or not _boundary_before(s, i):
                continue
            end = _name_at(s, i)
            if end == m.start():
                spans.add((i, end))
                break
    for m in _TRANSLITERATED.finditer(s):
        first = m.group().split("·")[0].split("•")[0]
        cut = max(first.rfind(ch) for ch in "的是为被由和与及在了把对向从给将等说称叫即") + 1
        if cut < len(first):
            spans.add((m.start() + cut, m.end()))
    for m in _CREDIT.finditer(s):
        end = _name_at(s, m.start(1))
        if end == m.end(1):
            spans.add((m.start(1), end))
    return [_cand(s, a, b, "person") for a, b in sorted(spans)]


def _boundary_before(s: str, i: int) -> bool:
    if i == 0 or not "\u4e00" <= s[i - 1] <= "\u9fff":
        return True
    if s[i - 1] in "、和与及":
        return True
    return re.search(r"(?:" + _TITLES + r")$", s[max(0, i - 4):i]) is not None


# --- places and organisations ------------------------------------------------------

KNOWN_PLACES = (
    "内蒙古 呼和浩特 包头 呼伦贝尔 兴安 通辽 赤峰 锡林郭勒 乌兰察布 鄂尔多斯 巴彦淖尔 乌海 阿拉善 满洲里 二连浩特 "
    "霍林郭勒 扎兰屯 牙克石 根河 额尔古纳 阿尔山 乌兰浩特 丰镇 锡林浩特 集宁 东胜 康巴什 "
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 广西 西藏 宁夏 新疆 香港 澳门 台湾 嘉兴 南宁 沈阳 大连 哈尔滨 长春 石家庄 太原 "
    "西安 兰州 银川 广州 深圳 杭州 南京 武汉 成都 朝阳 中国 蒙古国 俄罗斯"
).split()
_ADMIN = r"特别行政区|自治区|自治州|自治旗|自治县|苏木|嘎查(?!村)|街道|社区|小区|省|市|盟|旗|县|区|镇|乡|村"
# Suffixes trusted for a name that merely starts a clause (市/区/村 there are mostly common nouns).
_STRONG = frozenset(["自治区", "自治州", "自治旗", "自治县", "苏木", "嘎查", "街道", "社区", "小区", "盟", "旗", "县", "镇"])
_KNOWN_RE = re.compile(r"(?:" + "|".join(sorted(KNOWN_PLACES, key=len, reverse=True)) + r")(?:" + _ADMIN + r")?")
_ADMIN_RE = re.compile(_ADMIN)
_LOCATIVE = re.compile(r"(?:位于|来自|前往|走进|在|于|到|赴|至|从|的|和|与|及|、)$")
_FUNCTION_CHARS = frozenset("在于到赴至从的和与及等为是向往经对把被由将了、以有个着")
_ADMIN_CHARS = frozenset("区市县旗盟镇乡村省城")
_LEADING_VERBS = re.compile(
    r"(?:或|并|超过|形成|健全|完善|推行|推动|提升|实施|坚持|认真|履行|打造|作为|随着|实现|招聘|严肃|抓好|加强|培育|大力|创新"
    r"|督促|成功|承办|超过|不断|壮大|主持|召开|带动|结合|聘任|用于|建成|采取|利用|突出|全力|支持|制定|扎实|开展"
    r"|探索|切实|解决|选取|统筹|改造|推进|细化|按照|目前|通过|进入|参观|成立|组建|设立|依托|联合|举办|走进|来到"
    r"|贯彻|落实|记者|项目|建设|发展|服务|管理|引领|助力|激活|选好|配套|建立|引导|深入|实行|考录|荣获|抽查|说起)+"
)
_BAD_STEM = re.compile(r"^[全各本我该每此这那哪其一二三四五六七八九十两几多]|重点|示范|先进|贫困|包联|幸福|文明"
                       r"|美丽|和谐|智慧|样板|红|党|试点|特色|明星|标准|规范|居民|城乡|农村|牧区|乡村|基层|所在"
                       r"|周边|附近|驻|进|整|网格|专业|嘎查|苏木|街道|社区|住宅|地区|精细")
_ORG_SUFFIX = (r"委员会|组织部|宣传部|统战部|政法委|纪委|党委|政府|人大|政协|法院|检察院|公安局|公安处|办公厅|办公室"
               r"|厅|局|中心|公司|集团|协会|学会|大学|学院|学校|中学|小学|医院|保健院|银行|研究所|研究院"
               r"|工作室|服务队|党支部|支队|总队|大队|博物馆|展览馆|图书馆")
_ORG_RE = re.compile(r"(?:" + _ORG_SUFFIX + r")(?!工作|户|任务|城市|环节|思想|血站)")
_ORG_LEAD = re.compile(r"(?:[每各全本该此这那其][个级地]?|[\d万千百亿]+个)+")
_ORG_VERBS = re.compile(r"(?:建成|打造|推动|采取|利用|突出抓好|全力支持|制定|扎实开展|探索推行|切实解决|选取|统筹"
                        r"|改造提升|推进|细化|按照|目前|通过|进入|支持|参观|成立|组建|设立|依托|联合|开展|举办"
                        r"|召开|走进|来到|各级|各地|各)+")


def _cjk_run_start(s: str, end: int, limit: int = 24) -> int:
    i = end
    while i > 0 and "\u4e00" <= s[i - 1] <= "\u9fff" and end - i < limit:
        i -= 1
    return i


def _place_stem(s: str, m: re.Match, ends: set[int]) -> int | None:
    """Start of a place name ending with the administrative suffix ``m``, or None."""
    suffix_at = m.start()
    for length in (2, 3, 4, 5):  # chained after a place already found: 赤峰市|敖汉旗
        start = suffix_at - length
        if start in ends and all("\u4e00" <= ch <= "\u9fff" and ch not in _FUNCTION_CHARS
                                 for ch in s[start:suffix_at]):
            return start
    run = _cjk_run_start(s, suffix_at)
    for length in (2, 3, 4, 5):  # after a locative word: 在赤峰, 的科尔沁区
        start = suffix_at - length
        if start >= run and _LOCATIVE.search(s[max(run, start - 2):start]) and start - 1 >= run:
            if not any(ch in _FUNCTION_CHARS for ch in s[start:suffix_at]):
                return start
    if m.group() in _STRONG:  # a clause that starts with a name (after a leading verb)
        verbs = _LEADING_VERBS.match(s, run, suffix_at)
        start = verbs.end() if verbs else run
        if 2 <= suffix_at - start <= 5 and not any(ch in _FUNCTION_CHARS for ch in s[start:suffix_at]):
            return start
    return None


def find_places(s: str) -> list[TypedSpan]:
    """Places: known names (通辽, 赤峰市) and names with an administrative suffix.

    Chains such as 乌兰察布市集宁区泉山街道 are returned whole and in parts.
    """
    spans = {(m.start(), m.end()) for m in _KNOWN_RE.finditer(s)}
    for m in _ADMIN_RE.finditer(s):
        if any(a <= m.start() < b for a, b in spans):
            continue
        start = _place_stem(s, m, {b for _, b in spans})
        stem = s[start:m.start()] if start is not None else ""
        if start is not None and stem and not _BAD_STEM.search(stem) and not _ADMIN_CHARS.intersection(stem):
            spans.add((start, m.end()))
    cands = [_cand(s, a, b, "place") for a, b in sorted(spans)]
    return _dedupe(_merge(s, cands, "", "place"))


def find_orgs(s: str) -> list[TypedSpan]:
    """Organisations ending in 党委/检察院/水利厅/中心/公司/协会... (自治区水利厅)."""
    known = [(m.start(), m.end()) for m in _KNOWN_RE.finditer(s)]
    out = []
    for m in _ORG_RE.finditer(s):
        run = _cjk_run_start(s, m.start())
        start = run
        for i in range(m.start() - 2, run - 1, -1):  # cut after the last function character
            if s[i] in _FUNCTION_CHARS and not any(a <= i < b for a, b in known):
                start = i + 1
                break
        for rx in (_ORG_VERBS, _ORG_LEAD, _LEADING_VERBS):
            lead = rx.match(s, start, m.start())
            start = lead.end() if lead else start
        stem = s[start:m.start()]
        if 2 <= len(stem) <= 14 and not re.search(r"(?:工作|格|布|新|大|全|结|当|开)$", stem):
            out.append(_cand(s, start, m.end(), "org"))
    return _dedupe(out)


def _dedupe(cands: list[TypedSpan]) -> list[TypedSpan]:
    seen: dict[tuple[int, int], TypedSpan] = {}
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        seen.setdefault((c.start, c.end), c)
    return list(seen.values())
