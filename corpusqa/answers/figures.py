"""A how-many or what-share question is answered by a sentence that states a figure.

The product quotes one sentence and highlights the figure in it. For 多少名干警 or 占比多少,
a sentence without any number of the asked kind cannot be that answer, however well it
matches the topic: on the newspaper gold set such sentences were the verifier's first
pick for unanswerable near-misses (包头市老干部正能量宣讲团有多少名成员？ answered with a
sentence naming the group but no count) and for answerable questions whose figure sat in
another sentence (推行“五个三”模式后，全区建成党群服务中心多少个？).

``figure_first`` reorders the verified candidates of such a question: those with a span
of the asked kind (the cheap feature ``type`` above 0, ``extract._type_score``) first, in
their order, then the others with confidence 0. When none has one, the question is refused
(the related passages are still shown). Questions that ask for several things (哪几个,
哪些) are left alone: their answer is often a list of names, not a count. A which-year
question (哪一年) is treated the same way, with a lenient test: the sentence must hold
something that can name a year (``_YEARISH``). Other date questions (什么时候) are not:
encyclopedia answers to them are often events (在唐末藩镇混战中), not dates. A
count asked with a word the quantity finder does not know as a measure word (几连冠,
几星级) is stated by a numeral followed by that word (四连冠, 五星级; ``counter_word``).
A count asked with a measure word (多少个党支部) is not stated by a share alone (全区33.4%
以上的党支部), and a how-long question (几天, 多长时间, 多久) wants a sentence that holds a
numeral with a unit of time (``_DURATIONISH``, lenient: also 半年, 数年, 十余载 and
四个多世纪, which the strict duration finder misses).

Measured before it went in: docs/answer-verifier.md "Figure questions".
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from corpusqa.answers.spans import candidate_spans
from corpusqa.answers.variants import to_simplified

#: Question kinds (``qtype.classify``) whose answer is a figure.
FIGURE_KINDS = frozenset({"number", "percent", "time_span"})
#: Span kinds that state a share, not a count (``spans.candidate_spans``).
_SHARE_KINDS = frozenset({"percent", "ratio", "points"})
#: A numeral with a unit of time, read leniently (the strict duration finder misses some):
#: a how-long question is only refused a sentence that has none.
_DURATIONISH = re.compile(r"(?:\d+(?:\.\d+)?\s*[万亿萬億]?|[〇零一二两兩三四五六七八九十百千万萬亿億半数數几幾]+)"
                          r"\s*(?:多|余|餘|来|來)?\s*[个個]?\s*(?:多|余|餘)?\s*半?\s*(?:年|月|周|週|星期|礼拜|禮拜|天|(?:工作|交易|营业|營業)?日|小时|小時"
                          r"|钟头|鐘頭|分钟|分鐘|秒|季度|世纪|世紀|载|載|旬)")
#: Anything that can name a year, read leniently (the strict date finder misses 985年,
#: 前239年, 顺治十七年 and a bare 1795): a 哪一年 question is only refused a sentence
#: that has none of these.
_YEARISH = re.compile(r"\d{1,4}\s*年|[〇零一二两兩三四五六七八九十百千]+年|(?<![\d.])(?:1\d|20)\d{2}(?![\d.])")
#: The word a count question asks with, after 几/多少 (几连冠 -> 连冠): two CJK characters
#: at most, read when the question's measure word is not one the quantity finder knows.
_COUNTER = re.compile(r"(?:几|多少)([\u4e00-\u9fff]{1,2})")
_NUMERAL = r"(?:\d+|[〇零一二两兩三四五六七八九十百千万萬亿億]+)"


def needs_figure(qtype) -> bool:
    """Whether the answer sentence must state a figure of the asked kind (a number, a
    share or a span of time), or name a year (哪一年, which year)."""
    if qtype.kind == "date":
        return qtype.unit == "年"
    return qtype.kind in FIGURE_KINDS and not qtype.wants_multiple


def counter_word(question: str, qtype) -> re.Pattern | None:
    """A pattern for ``<numeral><word>`` where ``word`` is what a count question asks with
    and the quantity finder knows no measure word there (鄂尔多斯是全国文明城市“几连冠”？
    -> 四连冠), or None (another kind of question, or a known measure word: its figures are
    typed spans already)."""
    if qtype.kind != "number" or qtype.unit is not None or not question:
        return None
    m = _COUNTER.search(question)
    return re.compile(_NUMERAL + re.escape(m.group(1))) if m else None


def _states(qtype, c, counter: re.Pattern | None = None) -> bool:
    if qtype.kind == "date":
        return bool(_YEARISH.search(c.text))
    if qtype.kind == "time_span":
        return float(c.features.get("type", 0.0)) > 0.0 or bool(_DURATIONISH.search(c.text))
    if counter is not None and counter.search(c.text):
        return True
    if float(c.features.get("type", 0.0)) <= 0.0:
        return False
    if qtype.kind == "number" and qtype.unit and qtype.unit_kind == "count":
        # 多少个党支部 is not answered by 33.4%以上的党支部 (spans of the Simplified copy,
        # as the features were read)
        return any(sp.kind not in _SHARE_KINDS for sp in candidate_spans(to_simplified(c.text), qtype))
    return True


def _with_counter_span(c, counter: re.Pattern):
    if c.span is not None:
        return c
    m = counter.search(c.text)
    return replace(c, span=(m.start(), m.end())) if m else c


def figure_first(qtype, ranked: Sequence, question: str = "", verified: bool = True) -> list:
    """``ranked`` with the verified candidates that state no figure of the asked kind moved
    after the others, with confidence 0 and ``figure_miss`` set, when the first candidate
    is one of them (so the question is refused when none states one); order otherwise
    kept. The others then lose the answer gate's ``gate`` feature: the gate judged the
    question on a sentence that cannot answer it, so their own confidence decides
    (``compose.answers``). Candidates the verifier did not score (no ``ver`` feature,
    confidence 0) follow the verified ones that state a figure. ``question`` (the question
    as matched, Simplified) lets a numeral before the question's own counter word count as
    a figure (``counter_word``). ``verified=False``: the cheap ranker's candidates (no
    verifier, no gate), every one of which is judged the same way."""
    counter = counter_word(question, qtype)
    if counter is not None:  # 四连冠 is the figure to highlight when nothing else was found
        ranked = [_with_counter_span(c, counter) for c in ranked]
    if not ranked or not needs_figure(qtype) or (verified and "ver" not in ranked[0].features) \
            or _states(qtype, ranked[0], counter):
        return list(ranked)
    stating, rest, silent = [], [], []
    for c in ranked:
        if verified and "ver" not in c.features:
            rest.append(c)
            continue
        ungated = {k: v for k, v in c.features.items() if k != "gate"}
        if _states(qtype, c, counter):
            stating.append(replace(c, features=ungated))
        else:
            silent.append(replace(c, score=-2.0 + c.score * 1e-3, confidence=0.0,
                                  features={**ungated, "figure_miss": 1.0}))
    return stating + rest + silent
