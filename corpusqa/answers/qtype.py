"""Question typing by rules: what kind of span answers a question.

Chinese questions (Simplified or Traditional) and, minimally, English ones. The
result tells the span picker which candidates to look at (``kind``), which
measure word to prefer (``unit``/``unit_kind``) and which words locate the answer
in a sentence (``focus``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from corpusqa.answers.numbers import UNIT_PATTERN, unit_kind
from corpusqa.answers.variants import to_simplified

KINDS = ("number", "percent", "date", "time_span", "person", "place", "org", "list",
         "yes_no", "what", "how", "why", "other")

_NUM_WORD = re.compile(r"多少|几(?!乎)|多大|多高|多长|多远|多重|多宽|多深|百分之")
_DATE = re.compile(r"什么时候|什么时间|何时|哪天|哪一天|哪日|哪年|哪一年|哪个月|哪一月|几月|几号|几日"
                   r"|几时|几点|什么日子|何年|何日|哪个年份|什么年份|哪个时候|哪个时间|日期是")
#: A date question that asks for the year: a date without one (6月25日) does not answer it.
_YEAR = re.compile(r"哪一?年(?!级|龄|代)|何年|哪个年份|什么年份")
_SPAN = re.compile(r"多久|多长时间|多少年(?!代)|多少天|多少个?月|多少个?小时|多少周|多少个工作日|多少时间"
                   r"|几年(?!级)|几天|几个月|几个?小时|几周|工期|期限|历时|持续.{0,4}(?:多少|几)")
_PERCENT = re.compile(r"百分之几|百分之多少|百分比|多少%|几成|占比|比例|比重|率.{0,6}?(?:多少|几|多高|多大)"
                      r"|占(?!地).{0,8}?(?:多少|几)(?![个名人位项家次户])")
_UNIT_AFTER = re.compile(r"(?:多少|几)[万亿千百]*(" + UNIT_PATTERN + ")")
_MONEY = re.compile(r"多少钱|资金|投资|经费|金额|费用|补贴|价格|收入|工资|报酬|奖金|花了多少")
_PERSON = re.compile(r"谁|哪位|哪一位|什么人|叫什么名字|名字是什么|姓名|何人|哪个人|哪些人")
_PLACE_NOUN = r"(?:地区|城市|国家|省份|省|市|县|旗|盟|区|镇|乡|村|嘎查|苏木|社区|街道|地方)"
_PLACE = re.compile(r"哪里|哪儿|在哪|什么地方|何处|何地|什么地点|地点|位于"
                    r"|(?:哪个|哪一个|哪座|哪些|哪几个|哪一|什么|哪)" + _PLACE_NOUN)
_ORG = re.compile(r"(?:哪个|哪家|哪所|哪一个|哪些|什么|哪)(?:单位|部门|机构|组织|公司|企业|学校|大学|医院"
                  r"|协会|机关|团体|媒体|银行|集团)|哪家|哪所")
_LIST = re.compile(r"哪些|有哪几|哪几|包括什么|包括哪|都有什么|有什么")
_MULTIPLE = re.compile(r"哪些|哪几|分别|有哪|包括|都有|几种|各是|各自|列举|都是什么")
_YES_NO = re.compile(r"是否|是不是|有没有|能不能|会不会|可不可以|对不对|吗[？?！!。\s]*$")
_WHY = re.compile(r"(?<![称作成名叫之视认选改定列评])为什么|为何|为啥|什么原因|原因是|怎么会|何以|出于什么")
_HOW = re.compile(r"怎么|怎样|如何|什么方式|什么办法|哪种方式|通过什么|采取了?什么|什么措施|什么举措|什么做法")
_WHAT = re.compile(r"什么|啥|哪个|哪一|哪种|何|哪")

# Removed before collecting focus terms: question words and the measure word after them.
_QWORDS = re.compile(
    r"(?:是|有|为|达到?|约|大约|一共|总共|共有|共)?"
    r"(?:多少[万亿千百]*(?:" + UNIT_PATTERN + r")?|几(?!乎)[万亿千百]*(?:" + UNIT_PATTERN + r")?"
    r"|什么时候|什么时间|什么地方|哪一年|哪年|哪一天|哪天|哪个月|几月几日|几月|几号|几日|何年"
    r"|(?:哪|什么)(?:一个|几个|个|座|些|几|一|所|家|位|种)?(?:" + _PLACE_NOUN[3:-1] + r"|单位|部门|机构|组织)"
    r"|什么|哪些|哪个|哪一个|哪一|哪座|哪所|哪家|哪位|哪种|哪几|哪里|哪儿|哪|谁|何时|何处|何地|为什么|为何"
    r"|怎么样|怎么|怎样|如何|是否|是不是|有没有|多大|多长时间|多长|多久|多远|多高|百分之几|啥)"
)
_KEEP = r"重要|主要|需要|要求|只要|应该|现在|存在|所在|正在|实在|有效|有关|有限|所有|拥有|具有|没有|共同|共享|公共|对象|将来|还原|首都"
_STOP = (r"[的了吗呢吧啊呀，,。？?！!、；;：:\s“”\"'‘’《》()（）]|是|在|有|和|与|及|被|把|对于|从|向|将"
         r"|一共|总共|都|也|还|又|请问|请|目前|现在|到底|究竟|已经|分别|大约|那么|那|这个|这项|这些|该项|要")
_SPLIT = re.compile(r"(" + _KEEP + r")|(?:" + _STOP + r")")

_EN_STOP = frozenset("""a an the of in on at to for by from with and or is are was were be been do does did
    what which who whom whose when where why how many much long far old big large percentage percent
    proportion share number amount there their its it this that these those has have had will would can
    could should than as about into per each""".split())


@dataclass(frozen=True)
class QuestionType:
    """What a question asks for.

    Attributes:
        kind: One of :data:`KINDS`.
        wants_multiple: The question asks for several items (哪些, 分别, 有哪几).
        unit: Measure word asked for (``"个"`` for 多少个), or None.
        unit_kind: Expected quantity kind (count, money, percent, duration, length,
            area, age, ...), matching ``Quantity.kind``; None when unknown.
        focus: Content words of the question, question words removed, in order.
        language: ``"zh"`` or ``"en"``.
    """

    kind: str
    wants_multiple: bool = False
    unit: str | None = None
    unit_kind: str | None = None
    focus: tuple[str, ...] = ()
    language: str = "zh"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["focus"] = list(self.focus)
        return d


def focus_terms(question: str) -> tuple[str, ...]:
    """Content words of a Chinese question (question words and particles removed)."""
    q = _QWORDS.sub(" ", to_simplified(question))
    terms: list[str] = []
    pos = 0
    buf = ""
    for m in _SPLIT.finditer(q):
        buf += q[pos:m.start()]
        if m.group(1):  # a protected word containing a stop character
            buf += m.group(1)
        else:
            terms.append(buf)
            buf = ""
        pos = m.end()
    terms.append(buf + q[pos:])
    return tuple(t for t in (t.strip() for t in terms) if len(t) >= 2)


def classify(question: str) -> QuestionType:
    """Classify a question by rules (Simplified, Traditional or English).

    Args:
        question: The user's question.

    Returns:
        The question type; ``kind == "other"`` when no rule applies.
    """
    text = question.strip()
    if not re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]", text):
        return _classify_en(text)
    q = re.sub(r"\s+", "", to_simplified(text))
    multiple = bool(_MULTIPLE.search(q))
    focus = focus_terms(q)

    def qt(kind: str, unit: str | None = None, ukind: str | None = None) -> QuestionType:
        return QuestionType(kind, multiple, unit, ukind, focus)

    if _DATE.search(q):
        return qt("date", "年" if _YEAR.search(q) else None, "date")
    if _SPAN.search(q):
        m = re.search(r"(?:多少|几)(个?月|个?小时|年|天|周|个工作日)", q)
        unit = None if m is None else ("个" + m.group(1).lstrip("个") if "月" in m.group(1) else m.group(1))
        return qt("time_span", unit, "duration")
    if "第几" in q:
        m = re.search(r"第几(" + UNIT_PATTERN + ")", q)
        return qt("number", m.group(1) if m else None, "ordinal")
    if _NUM_WORD.search(q):
        m = _UNIT_AFTER.search(q)
        unit = m.group(1) if m else None
        if unit in ("%", "‰", "成") or (_PERCENT.search(q) and unit is None):
            return qt("percent", "%", "percent")
        return qt("number", unit, unit_kind(unit) if unit else _implied_kind(q))
    if _PERSON.search(q):
        return qt("person")
    if _PLACE.search(q):
        return qt("place")
    if _ORG.search(q):
        return qt("org")
    if _LIST.search(q):
        return QuestionType("list", True, None, None, focus)
    for kind, rx in (("why", _WHY), ("how", _HOW), ("yes_no", _YES_NO), ("what", _WHAT)):
        if rx.search(q):
            return qt(kind)
    return qt("other")


def _implied_kind(q: str) -> str | None:
    """Quantity kind implied by a number question with no measure word."""
    if _MONEY.search(q):
        return "money"
    if re.search(r"多远|距离|多长|长度|多高|多深|多宽", q):
        return "length"
    if re.search(r"面积|多大.{0,2}面积", q):
        return "area"
    if re.search(r"多大年纪|多大岁数|年龄|多少岁", q):
        return "age"
    return "count" if re.search(r"多少|几", q) else None


_EN_RULES: tuple[tuple[str, str, str | None, str | None], ...] = (
    # (pattern, kind, unit, unit_kind); the rule matching earliest in the question wins
    (r"\bwhat (?:percentage|percent|proportion|share|fraction|rate)\b|\bhow much percent", "percent", "%", "percent"),
    (r"\bhow long (?:is|was|are|were) the\b(?=.*\b(?:line|pipeline|road|railway|river|route|bridge)\b)"
     r"|\bhow far\b|\bhow many (?:kilomet|km|miles|meters|metres)", "number", None, "length"),
    (r"\bhow long\b|\bhow many (?:years|months|days|weeks|hours)\b|\bhow much time\b", "time_span", None, "duration"),
    (r"\bhow old\b", "number", "岁", "age"),
    (r"\bhow (?:many|much)\b(?=.*(?:money|fund|invest|cost|yuan|subsid|budget|spen[dt]|price))", "number", "元", "money"),
    (r"\bhow (?:many|much)\b|\bwhat (?:is|was) the (?:number|amount|total)\b|\bhow (?:big|large)\b",
     "number", None, "count"),
    (r"\b(?:what|which|in what) year\b", "date", "年", "date"),
    (r"\bwhen\b|\b(?:what|which|in what) (?:date|day|month|time)\b", "date", None, "date"),
    (r"\b(?:who|whom|whose)\b", "person", None, None),
    (r"\bwhere\b|\b(?:which|what) (?:city|region|province|county|country|place|town|village|league|banner)\b",
     "place", None, None),
    (r"\b(?:which|what) (?:organization|organisation|department|company|agency|institution|school|university)\b",
     "org", None, None),
    (r"\bwhy\b", "why", None, None),
    (r"\bhow\b", "how", None, None),
    (r"^(?:is|are|was|were|do|does|did|can|could|will|has|have|had|should)\b", "yes_no", None, None),
    (r"\b(?:what|which)\b", "what", None, None),
)


def _classify_en(text: str) -> QuestionType:
    """Minimal rules for English questions (cross-lingual evaluation)."""
    q = text.lower()
    words = re.findall(r"[a-z0-9]+", q)
    focus = tuple(w for w in words if w not in _EN_STOP and len(w) > 1)
    multiple = bool(re.search(r"\b(?:what|which) (?:two|three|four|five|several|some)\b|\blist\b|\bname (?:the|all)\b"
                              r"|\brespectively\b|\bwhat are the (?:names|types|kinds|ways|main|different)\b", q))
    best: tuple[int, int] | None = None
    for order, (pattern, *_rest) in enumerate(_EN_RULES):
        m = re.search(pattern, q)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), order)
    if best is None:
        return QuestionType("other", multiple, None, None, focus, "en")
    _, kind, unit, ukind = _EN_RULES[best[1]]
    if kind == "what" and multiple:
        kind = "list"
    return QuestionType(kind, multiple, unit, ukind, focus, "en")
