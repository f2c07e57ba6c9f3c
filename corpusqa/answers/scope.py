"""Place scope: a question about a named place is not answered from an article that never
names it.

Asked 包头市一共建成了多少个党群服务中心？, the region-wide sentence (全区建成…14542个) matches
every other word, and neither the cheap features nor the verifier weigh the one word that
changes the answer. The rule is deliberately narrow: only places the question names by a
known name (the gazetteer in ``entities``) or with an administrative suffix (市, 旗, 盟,
县, 自治区, …), and the article (title and text, folded to Simplified) must mention the
name or its stem (包头市 -> 包头) anywhere, not near the sentence. Measured on the
answerable questions of CMRC 2018 train and trial and XQuAD zh with their gold passages,
it would wrongly reject 0.1–0.3 % of those that name a place (docs/answer-verifier.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from corpusqa.answers.entities import KNOWN_PLACES, find_places

_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|新区|地区|街道|苏木|嘎查|省|市|县|区|旗|盟|州|镇|乡|村)$")
# a stem with a question word or a scope word is not a name (什么地区, 第几区, 全市, 本县)
_NOT_A_NAME = re.compile(r"什么|哪|几|多少|怎|何|谁|^[全本该各每此这那其我]|[郊内外中东西南北]$|富人|城区|市区")
# suffixes that make a name of an unknown stem (区, 村, 盟 end many common nouns: 分区,
# 农村, 加盟; those count only after a known name)
_TRUSTED = frozenset(["市", "旗", "县", "省", "自治区", "自治州", "自治县", "自治旗"])
# the country is the default scope of a Chinese article, often left unsaid
_NATIONAL = frozenset(["中国", "全国", "我国"])


def _stem(name: str) -> str:
    s = _SUFFIX.sub("", name)
    return s if len(s) >= 2 else name


def question_places(question: str) -> list[str]:
    """Stems of the places a (Simplified) question names: 包头市 -> 包头, 敖汉旗 -> 敖汉."""
    out: list[str] = []
    for span in find_places(question):
        name = span.text
        stem = _stem(name)
        if len(stem) < 2 or _NOT_A_NAME.search(stem) or stem in _NATIONAL:
            continue
        suffix = name[len(stem):]
        known = _known_prefix(stem)
        if known:
            stem = known  # 通辽换届后村 -> 通辽
        elif suffix not in _TRUSTED or len(stem) > 4:
            continue
        if stem not in out:
            out.append(stem)
    # a place inside a longer one (乌兰察布 in 乌兰察布市集宁区) adds nothing
    return [p for p in out if not any(p != o and p in o for o in out)]


def _known_prefix(stem: str) -> str:
    """The longest gazetteer name ``stem`` starts with, or ''."""
    return max((k for k in KNOWN_PLACES if stem.startswith(k)), key=len, default="")


def missing_places(places: list[str], article: str) -> list[str]:
    """The places of ``question_places`` that the (Simplified) article text never names."""
    return [p for p in places if p not in article]


def scope_text(article) -> str:
    """What a place may be named in: title, byline (盟市委书记 lines on report pages) and
    body. Not yet folded to Simplified."""
    return "\n".join(x for x in (article.title, article.byline or "", article.text) if x)


def demote_out_of_scope(places: list[str], ranked: Sequence, article_scope: Callable[[str], str]) -> list:
    """Candidates whose article never names a place of the question move after the others,
    with confidence 0 (so the answer refuses when no candidate is in scope); order is
    otherwise kept. When the first candidate moves, the others lose the answer gate's
    ``gate`` feature (their own confidence then decides). ``article_scope(article_id)`` is the Simplified ``scope_text``."""
    if not places:
        return list(ranked)
    inside: list = []
    outside: list = []
    seen: dict[str, bool] = {}
    for c in ranked:
        ok = seen.get(c.article_id)
        if ok is None:
            ok = seen[c.article_id] = not missing_places(places, article_scope(c.article_id))
        if ok:
            inside.append(c)
        else:
            outside.append(replace(c, score=-2.0 + c.score * 1e-3, confidence=0.0,
                                   features=dict(c.features, scope_miss=1.0)))
    if outside and not seen[ranked[0].article_id]:
        # the best candidate was out of scope: the answer gate judged the question on it,
        # so the candidates left decide by their own confidence (compose.answers)
        inside = [replace(c, features={k: v for k, v in c.features.items() if k != "gate"}) for c in inside]
    return inside + outside

