"""Rewrite elliptical follow-up questions into self-contained ones, by rules (no LLM).

Handled: ``那通辽呢？`` (new entity, same predicate), ``那覆盖率呢？`` / ``工期多长？``
(same topic, new attribute), ``这个工程要建多久？`` (determiner + head noun -> the
noun phrase of the previous turn), ``他/它/其…`` (pronoun -> previous answer or
topic), ``那通辽有多少个？`` (missing counted noun). Anything else is returned
unchanged, so a new full question is never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

from corpusqa.answers.entities import find_orgs, find_persons, find_places
from corpusqa.answers.numbers import UNIT_PATTERN
from corpusqa.answers.qtype import classify, focus_terms

_END = re.compile(r"[？?！!。.\s]+$")
_MARKER = re.compile(r"^(?:那么|那|还有|另外|然后|再问一下|再问)(?![个些里儿样么多])[，,\s]*")
_ELLIPSIS = re.compile(r"^(?P<m>那么|那|还有|另外|然后)?[，,\s]*(?:对于|关于)?(?P<x>.*?)(?:的情况|的)?(?P<end>呢|怎么样|如何)$")
_PRONOUNS = ("他们", "她们", "它们", "他", "她", "它", "其", "这", "这个", "那个", "这些", "那些")
_PRONOUN_RE = re.compile(r"(?<![其尤极与吉])(它们|他们|她们|它|他|她|其)(?![他它中实余次后间])")
_DETERMINER = re.compile(r"(这个|这项|这些|这一|这(?![里样么儿是])|该项|(?<!应)该(?![如怎不是有])|此项|此(?![外前后时])"
                         r"|那个|那项|那些|上述)(?=[\u4e00-\u9fff])")
_QWORD = re.compile(r"多少|几(?!乎)|什么|哪|谁|何时|何处|为什么|为何|怎么|怎样|如何|是否|是不是|有没有|多久|多长|多大|多远|吗")
_COUNTED = re.compile(r"(?:多少|几)[万亿千百]*(?:" + UNIT_PATTERN + r")(?P<noun>[\u4e00-\u9fffA-Za-z0-9]+)")
_SCOPE = re.compile(r"内蒙古自治区|自治区|全区|全市|全盟|全旗|全县|全省|全国|我区|我市|本市|本区")
_TRAILING = re.compile(r"(?:的|了|是|为|有|在|共有|一共|总共|共|约|大约|达到|达|要|将|会|能|已经|已|计划|累计)+$")
_ATTRIBUTE = re.compile(r"^[\u4e00-\u9fff]{0,3}(?:率|比例|占比|比重|数量|人数|总数|规模|金额|投资|经费|面积|长度|工期"
                        r"|期限|周期|时间|日期|地点|位置|地址|标准|补贴|收入|人口|产量|产值|增速|成本|费用)$")
_STOP_NP = re.compile(r"[，,。？?！!、；;：:\s]|什么|多少|几|哪|谁|何时|是否|是|在|有|要|将|会|能|的|了|怎么|如何|为什么|共")


@dataclass(frozen=True)
class Rewrite:
    """A possibly rewritten question; ``reason`` names the rule that fired."""

    text: str
    changed: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rewrite(question: str, history: Sequence[Mapping[str, Any]]) -> Rewrite:
    """Make a follow-up question self-contained using the previous turns.

    Args:
        question: The new question.
        history: Previous turns, oldest first: ``{"question", "rewritten_question"?,
            "answer"?}``.

    Returns:
        The rewritten question (``changed=False`` and the original text when the
        question already stands on its own or there is nothing to resolve it with).
    """
    q = question.strip()
    prev = _previous_question(history)
    if not prev or not q or not re.search(r"[\u4e00-\u9fff]", q):
        return Rewrite(q, False, "no_history" if not prev else "self_contained")
    answer = str((history[-1] or {}).get("answer") or "").strip()
    core = _END.sub("", q)
    mark = "？" if re.search(r"[？?]$", q) or not _END.search(q) else q[-1]

    m = _ELLIPSIS.match(core)
    if m and len(core) <= 16 and (m.group("m") or m.group("end") == "呢") and not _QWORD.search(m.group("x")):
        text, reason = _resolve_ellipsis(m.group("x").strip(" ，,"), prev)
        return Rewrite(text + mark, True, reason)
    for rule in (_resolve_determiner, _resolve_pronoun, _resolve_missing_topic, _resolve_counted_noun,
                 _resolve_missing_subject):
        out = rule(core, prev, answer)
        if out:
            return Rewrite(out[0] + mark, True, out[1])
    return Rewrite(q, False, "self_contained")


def _previous_question(history: Sequence[Mapping[str, Any]], depth: int = 4) -> str:
    """The last turn's self-contained question (rewritten here when the turn lacks one)."""
    turns = [t for t in (history or []) if t and (t.get("rewritten_question") or t.get("question") or "").strip()]
    if not turns:
        return ""
    last = turns[-1]
    text = (last.get("rewritten_question") or "").strip()
    if not text:
        text = last["question"].strip()
        if depth > 0 and len(turns) > 1:
            earlier = _previous_question(turns[:-1], depth - 1)
            if earlier:
                text = rewrite(text, [{"rewritten_question": earlier}]).text
    return _END.sub("", text)


def _resolve_ellipsis(x: str, prev: str) -> tuple[str, str]:
    """``那X呢``: X is an entity replacing one in ``prev``, or an attribute of its topic."""
    if not x or x in _PRONOUNS or _DETERMINER.match(x):
        return prev, "ellipsis_repeat"
    if _is_place(x):
        return _replace_scope(prev, x), "ellipsis_entity"
    if _ATTRIBUTE.match(x):
        return _topic_with_scope(prev) + x + _question_for(x), "ellipsis_attribute"
    same = _replace_same_head(prev, x)
    if same:
        return same, "ellipsis_entity"
    counted = _COUNTED.search(prev)
    if counted:
        a, b = counted.span("noun")
        return prev[:a] + x + prev[b:], "ellipsis_entity"
    out = _replace_scope(prev, x)
    return out, "ellipsis_entity" if out != x + prev else "ellipsis_prefix"


def _resolve_determiner(core: str, prev: str, answer: str) -> tuple[str, str] | None:
    """``这个工程要建多久`` -> the noun phrase around 工程 in ``prev``."""
    for m in _DETERMINER.finditer(core):
        rest = core[m.end():]
        for k in range(min(4, len(rest)), 0, -1):
            head = rest[:k]
            i = prev.find(head)
            if i < 0 or (k == 1 and head in "是要有在的了将会能"):
                continue
            np = _noun_phrase(prev, i, i + k)
            return core[:m.start()] + np + rest[k:], "anaphora"
    return None


def _resolve_pronoun(core: str, prev: str, answer: str) -> tuple[str, str] | None:
    """``他/它/其…``: the previous answer (a name), a person in ``prev``, or its topic."""
    m = _PRONOUN_RE.search(core)
    if not m or _MARKER.sub("", core) in _PRONOUNS:
        return None
    personal = m.group(1) in ("他", "她", "他们", "她们")
    antecedent = ""
    if personal:
        if answer and len(answer) <= 8 and classify(prev).kind == "person" and re.fullmatch(r"[\u4e00-\u9fff·]+", answer):
            antecedent = answer
        else:
            persons = find_persons(prev)
            antecedent = persons[0].text if persons else ""
    antecedent = antecedent or (_topic(prev) if personal else _topic_with_scope(prev))
    if not antecedent:
        return None
    return core[:m.start()] + antecedent + core[m.end():], "pronoun"


def _resolve_missing_topic(core: str, prev: str, answer: str) -> tuple[str, str] | None:
    """``工期多长`` / ``覆盖率是多少`` / ``什么时候`` after a question about a topic."""
    body = _MARKER.sub("", core)
    terms = focus_terms(body)
    if terms and not all(_ATTRIBUTE.match(t) for t in terms):
        return None
    if not _QWORD.search(body):
        return None
    if not terms and _COUNTED.search(body):  # 有多少个: handled as a missing counted noun
        return None
    return _topic_with_scope(prev) + body, "missing_topic"


def _resolve_counted_noun(core: str, prev: str, answer: str) -> tuple[str, str] | None:
    """``那通辽有多少个`` -> ``通辽有多少个最强党支部``."""
    body = _MARKER.sub("", core)
    m = re.search(r"(?:多少|几)[万亿千百]*(" + UNIT_PATTERN + r")$", body)
    counted = _COUNTED.search(prev)
    if not m or not counted:
        return None
    out = body + counted.group("noun")
    if not _SCOPE.search(body) and not find_places(body):
        scope = _topic_with_scope(prev)[: -len(counted.group("noun"))]
        out = scope + out
    return out, "missing_noun"


def _resolve_missing_subject(core: str, prev: str, answer: str) -> tuple[str, str] | None:
    """``认领了多少个服务项目`` after ``兴安盟有多少在职党员…``: a short question that names
    no place, organisation or scope borrows the subject the previous question opened with."""
    body = _MARKER.sub("", core)
    if len(body) > 14 or not re.search(r"多少|几", body) or re.search(r"其他|其它|此外|另外", body):
        return None
    if _SCOPE.search(body) or find_places(body) or find_orgs(body):
        return None
    subject = _leading_entity(prev)
    if not subject or subject in body:
        return None
    return subject + body, "missing_subject"


def _leading_entity(prev: str) -> str:
    """The place or organisation a question opens with (``杭锦旗检察院``, ``通辽``), or ''."""
    found = [c for c in (*find_orgs(prev), *find_places(prev)) if c.start <= 1]
    if not found:
        return ""
    best = max(found, key=lambda c: c.end)
    return prev[:best.end]


def _is_place(x: str) -> bool:
    if _SCOPE.fullmatch(x):
        return True
    return any(c.start == 0 and c.end == len(x) for c in find_places(x))


def _replace_scope(prev: str, x: str) -> str:
    """Put entity ``x`` where ``prev`` names its scope (全区, 自治区, a place), or in front."""
    m = _SCOPE.search(prev)
    if m:
        return prev[:m.start()] + x + prev[m.end():]
    places = find_places(prev)
    if places:
        first = max((c for c in places if c.start == places[0].start), key=lambda c: c.end)
        return prev[:first.start] + x + prev[first.end:]
    return x + prev


def _replace_same_head(prev: str, x: str) -> str | None:
    """``硕士研究生`` after ``博士研究生…``: swap the phrase sharing x's head noun."""
    for k in range(len(x) - 1, 1, -1):
        i = prev.find(x[-k:])
        if i >= 0:
            start = max(0, i - (len(x) - k))
            return prev[:start] + x + prev[i + k:]
    return None


def _noun_phrase(prev: str, start: int, end: int) -> str:
    """Extend ``prev[start:end]`` left and right to the enclosing noun phrase."""
    while start > 0 and not _STOP_NP.match(prev, start - 1):
        start -= 1
    while end < len(prev) and not _STOP_NP.match(prev, end):
        end += 1
    return prev[start:end]


def _topic(prev: str) -> str:
    """What ``prev`` is about: the counted noun (多少个X) or the phrase before the question word."""
    counted = _COUNTED.search(prev)
    if counted:
        return counted.group("noun")
    m = _QWORD.search(prev)
    head = _TRAILING.sub("", prev[:m.start()] if m else prev)
    head = re.sub(r"(?:率|比例|占比|比重|工期|时间)$", "", head)
    return _MARKER.sub("", head)


def _topic_with_scope(prev: str) -> str:
    counted = _COUNTED.search(prev)
    if not counted:
        return _topic(prev)
    scope = _SCOPE.search(prev[:counted.start()])
    places = [c for c in find_places(prev[:counted.start()])]
    prefix = scope.group() if scope else (places[0].text if places else "")
    return prefix + counted.group("noun")


def _question_for(attribute: str) -> str:
    if re.search(r"工期|期限|周期", attribute):
        return "是多久"
    if re.search(r"时间|日期", attribute):
        return "是什么时候"
    if re.search(r"地点|位置|地址", attribute):
        return "在哪里"
    return "是多少"
