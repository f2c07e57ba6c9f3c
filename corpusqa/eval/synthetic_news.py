"""Synthetic news questions: a sentence's figure asked back with its context words.

Every figure in an article body (a count with its measure word, a percentage, a sum of
money, a year) becomes one question: the figure's clause, with the figure replaced by a
question word (多少 / 几 / 哪一年) and the clauses before it added until the question
holds enough context words (its subject, place or organisation), e.g.::

    全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。
    -> 全区建成一站式党群服务中心多少个？        answers 14542个, 14542
    -> 全区建成一站式党群服务中心，覆盖率达到多少？  answers 98.9%, 98.9%以上

The question is asked against the whole corpus, so it is kept only when its answer is
unambiguous there. Every other figure of the same kind whose own words (the characters
next to it) and whose sentence both resemble the question is a *match*: a match with
another value makes the question ambiguous and it is skipped; a match with the same value
(a story printed twice) adds its article to ``gold_pids``. Other figures are deleted from
the question (years are kept: they are context a reader would give), so the set tests
retrieval by words, not by quoting a number from the same sentence. Finally a seeded
share of the remaining words is left out (``drop``): users do not recall a sentence word
for word, and a set whose questions quote their sentence is solved by any lexical index.

The output is the gold JSONL format of :mod:`corpusqa.eval.gold`, tagged ``synthetic``::

    corpusqa data news-questions --out bench-output/synthetic-news.jsonl
"""

from __future__ import annotations

import random
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from corpusqa.models import Article, content_id

#: Fewest CJK characters a question holds besides its question word.
MIN_CONTEXT = 10
#: Longest question kept (characters, question mark excluded).
MAX_LENGTH = 80
#: Clauses before the figure's clause that may be added for context.
MAX_CONTEXT_CLAUSES = 2
#: Share of a figure's own bigrams (its neighbouring words) another figure must share ...
MATCH_LOCAL = 0.6
#: ... and share of the question's bigrams that other figure's sentence must hold, to match.
MATCH_SENTENCE = 0.6
#: More matching articles than this (the same boilerplate in many stories): skipped.
MAX_GOLD = 2
#: Share of the question's other words (jieba words of two or more characters) left out,
#: drawn with the seed, so the question does not quote its sentence word for word. The
#: words next to the question word (its noun and verb) are always kept.
DROP = 0.3
#: Characters on each side of a figure that make up its own words.
LOCAL_LEFT, LOCAL_RIGHT = 8, 4

# Longest first: the regex alternation takes the first unit that matches.
_UNITS = sorted(
    "个 名 人 位 家 项 所 座 户 次 场 支 条 件 处 批 期 篇 部 套 台 辆 架 艘 只 头 棵 株 幅 面 起 份 "
    "本 册 种 类 届 轮 栋 间 张 片 块 亩 吨 公斤 千克 公里 千米 米 平方米 平方公里 立方米 小时 "
    "分钟 个月 个多月 批次 道 周岁 岁 倍 人次 户次 万人次 千瓦 千瓦时 天 年".split(),
    key=len, reverse=True)
#: Measure words after which a number below ten is asked with 几 (not for metric units).
_CLASSIFIERS = frozenset("个 名 人 位 家 项 所 座 户 次 场 支 条 件 处 批 期 篇 部 套 台 辆 架 艘 "
                         "只 头 棵 株 幅 面 起 份 本 册 种 类 届 轮 栋 间 张 片 块 个月 天 年".split())
_NUM = r"\d+(?:\.\d+)?"
_FIGURE = re.compile(
    r"(?<![0-9A-Za-z０-９.．+:：/／-])(?P<pre>近|约|逾)?"
    r"(?:(?P<year>(?:19|20)\d{2})年(?!\d{1,2}月|\d)"
    r"|(?P<num>" + _NUM + r")(?P<a1>余|多)?(?P<mag>万亿|万|亿)?(?P<a2>余|多)?"
    r"(?P<unit>%|％|‰|个百分点|元|" + "|".join(map(re.escape, _UNITS)) + r")(?![\d+:：])"
    r"(?P<post>以上|以下|左右|多)?)"
)
_SENTENCE = re.compile(r"[^。！？!?\n…]+[。！？!?…]*")
_CLAUSE_SEP = re.compile(r"[，,；;：:]")
_LOCAL_STOP = re.compile(r"[，,；;：:、。！？!?…\n]")
_DANGLING = frozenset("，,；;：:。！？!?…、和及与的）)\n")
_VERB_END = frozenset("达到为至过占比是有计共约近降升高低长增减于超逾")
_LISTED_BEFORE = re.compile(r"[\d%％][余多]?[^\d\W]{0,4}[和与及至到~～—-]$")
_LISTED_AFTER = re.compile(r"[和与及至到~～—-][近约]?\d")
_OPEN, _CLOSE = "“《「『", "”》」』"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LEAD = re.compile(r"^(?:[一二三四五六七八九十]是|此外|同时|与此同时|其中|另外|另一方面|据了解|据悉|"
                   r"据统计|并且|而且)+")
#: A particle a deleted figure or dropped word leaves at the start (的社区办公用房 ...).
_ORPHAN = re.compile(r"^[了的和与及]+")
_STRAY = re.compile(r"[、，,；;：:\s]+$|^[、，,；;：:\s]+")


@dataclass(frozen=True)
class Figure:
    """One figure found in an article: where it is and what it says."""

    article: int        # index into the articles
    start: int          # offsets of the whole match in article.text
    end: int
    kind: str           # count, percent, money, year
    value: str          # comparable value: number (+ 万/亿), unit left out
    core: str           # the figure without qualifiers: "14542个", "98.9%"
    full: str           # with qualifiers as printed: "近10万个", "98.9%以上"
    ask: str            # what replaces it in the question: "多少个", "哪一年"
    sentence: tuple[int, int]


def _kind(m: re.Match) -> str:
    if m["year"]:
        return "year"
    unit = m["unit"]
    if unit in ("%", "％", "‰", "个百分点"):
        return "percent"
    return "money" if unit == "元" else "count"


def _ask(m: re.Match, kind: str) -> str:
    if kind == "year":
        return "哪一年"
    mag, unit = m["mag"] or "", m["unit"]
    if kind == "percent":
        if unit == "个百分点":
            return "多少个百分点"
        return "百分之多少" if m.string[m.end():m.end() + 1] == "的" else "多少"
    small = "." not in m["num"] and int(m["num"]) < 10 and not mag
    word = "几" if small and unit in _CLASSIFIERS else "多少"
    return word + mag + unit


def _quoted(text: str, start: int, pos: int) -> bool:
    """Whether ``pos`` lies inside quotes or a title opened after ``start``."""
    seg = text[start:pos]
    return sum(seg.count(c) for c in _OPEN) > sum(seg.count(c) for c in _CLOSE)


def find_figures(articles: Sequence[Article]) -> list[Figure]:
    """Every askable figure of every article body, in corpus order.

    Figures inside quotes or titles (names such as “10分钟消费圈”), ordinals (第18位),
    dates (2021年5月) and parts of codes (1+3, 5:1) are left out.
    """
    out = []
    for ai, a in enumerate(articles):
        for s in _SENTENCE.finditer(a.text):
            for m in _FIGURE.finditer(a.text, s.start(), s.end()):
                if a.text[max(0, m.start() - 1):m.start()] == "第" or _quoted(a.text, s.start(), m.start()):
                    continue
                kind = _kind(m)
                if kind == "year":
                    value = core = m["year"] + "年"
                    full = (m["pre"] or "") + core
                else:
                    value = m["num"] + (m["mag"] or "")
                    core = value + m["unit"]
                    full = m.group()
                out.append(Figure(ai, m.start(), m.end(), kind, value, core, full,
                                  _ask(m, kind), (s.start(), s.end())))
    return out


def _bigrams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(unicodedata.normalize("NFKC", text)))
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def _local_words(text: str, fig: Figure, others: Sequence[Figure]) -> set[str]:
    """Bigrams of the words next to ``fig``, up to punctuation or another figure."""
    lo = max(fig.sentence[0], fig.start - LOCAL_LEFT)
    hi = min(fig.sentence[1], fig.end + LOCAL_RIGHT)
    for o in others:
        if o.end <= fig.start:
            lo = max(lo, o.end)
        elif o.start >= fig.end:
            hi = min(hi, o.start)
    left, right = text[lo:fig.start], text[fig.end:hi]
    left = _LOCAL_STOP.split(left)[-1]
    right = _LOCAL_STOP.split(right)[0]
    return _bigrams(left) | _bigrams(right)


def _clause_text(text: str, lo: int, hi: int, figures: Sequence[Figure], target: Figure | None,
                 ask: str) -> str:
    """``text[lo:hi]`` with ``target`` replaced by ``ask`` and other non-year figures deleted."""
    parts, pos = [], lo
    for f in figures:
        if f.start < lo or f.end > hi:
            continue
        if f is not target and f.kind == "year":
            continue
        parts.append(text[pos:f.start])
        parts.append(ask if f is target else "")
        pos = f.end
    parts.append(text[pos:hi])
    clause = re.sub(r"([、，])\s*(?=[、，])", "", "".join(parts))
    clause = _STRAY.sub("", _LEAD.sub("", _STRAY.sub("", clause.strip())))
    return _ORPHAN.sub("", clause)


def _dirty(text: str, fig: Figure) -> bool:
    """Whether deleting ``fig`` would leave a dangling verb (占比40%, 超过5万元、...).

    A figure is deleted cleanly where it qualifies the noun after it (选派9640名第一书记)
    or follows a noun (建成党群服务中心14542个); a verb such as 达到 or 占 before a figure
    that ends its phrase would be left with no object.
    """
    after = text[fig.end:fig.end + 1]
    if after and after not in _DANGLING and _CJK.match(after):
        return False
    return text[fig.start - 1:fig.start] in _VERB_END if fig.start else True


def make_question(text: str, fig: Figure, figures: Sequence[Figure],
                  min_context: int = MIN_CONTEXT, max_length: int = MAX_LENGTH,
                  max_context_clauses: int = MAX_CONTEXT_CLAUSES) -> tuple[str, str] | None:
    """``(question, evidence clause)`` for ``fig``, or None when it cannot be asked well.

    ``figures`` are the figures of the same sentence. Not asked: a clause reading 分别 or
    a figure listed next to another (52.7%和49.9%): their values are matched to their
    subjects by position. Another figure that cannot be deleted cleanly cuts the clause at
    the list separator (、) between the two, or the question is not asked; a context
    clause with such a figure is left out.
    """
    s0, s1 = fig.sentence
    if text[s0:s1].lstrip().startswith("本报"):  # dateline: 本报6月28日讯（记者 ...）
        return None
    cuts = [s0] + [m.end() for m in _CLAUSE_SEP.finditer(text, s0, s1)] + [s1]
    spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    i = next(k for k, (a, b) in enumerate(spans) if a <= fig.start < b)
    lo, hi = spans[i][0], max(spans[i][1], fig.end)
    if "分别" in text[lo:hi] or _LISTED_BEFORE.search(text[lo:fig.start]) \
            or _LISTED_AFTER.match(text, fig.end):
        return None
    for other in figures:
        if other is fig or other.kind == "year" or not lo <= other.start < hi \
                or not _dirty(text, other):
            continue
        if other.start > fig.start:
            cut = text.find("、", fig.end, other.start)
            if cut < 0:
                return None
            hi = min(hi, cut)
        else:
            cut = text.rfind("、", other.end, fig.start)
            if cut < 0:
                return None
            lo = max(lo, cut + 1)
    clauses = [_clause_text(text, lo, hi, figures, fig, fig.ask)]
    if fig.ask not in clauses[0]:
        return None

    def context_len() -> int:
        return len(_CJK.findall("".join(clauses).replace(fig.ask, "", 1)))

    for j in range(i - 1, max(-1, i - 1 - max_context_clauses), -1):
        if context_len() >= min_context:
            break
        a, b = spans[j]
        if "分别" in text[a:b] or any(a <= f.start < b and f.kind != "year" and _dirty(text, f)
                                      for f in figures):
            continue
        extra = _clause_text(text, a, b, figures, None, "")
        if extra:
            clauses.insert(0, extra)
    question = _STRAY.sub("", _LEAD.sub("", "，".join(clauses)))
    if context_len() < min_context or len(question) > max_length:
        return None
    return question.rstrip("。！？!?…") + "？", text[lo:hi].strip("，,；;：: 、")


class _Words:
    """jieba segmentation for word dropout (own dictionary, loaded once, quietly)."""

    def __init__(self):
        self._tk = None

    def cut(self, text: str) -> list[str]:
        if self._tk is None:
            import logging

            import jieba

            jlog = logging.getLogger("jieba")
            level = jlog.level
            jlog.setLevel(logging.WARNING)
            try:
                self._tk = jieba.Tokenizer()
                self._tk.initialize()
            finally:
                jlog.setLevel(level)
        return list(self._tk.cut(text, HMM=False))


def drop_words(question: str, ask: str, rng: random.Random, drop: float, words: _Words) -> str:
    """``question`` with a share ``drop`` of its words of two or more CJK characters left out.

    The question word and the words right before and after it are kept, and so are years.
    """
    if drop <= 0:
        return question
    left, _, right = question.partition(ask)
    lw, rw = words.cut(left), words.cut(right)
    keep = {len(lw) - 1, len(lw) + 1}  # the neighbours of the question word
    tokens = [*lw, ask, *rw]
    out = []
    for k, w in enumerate(tokens):
        droppable = (k != len(lw) and k not in keep and len(_CJK.findall(w)) >= 2
                     and len(_CJK.findall(w)) == len(w))
        if droppable and rng.random() < drop:
            continue
        out.append(w)
    text = re.sub(r"（\s*）|\(\s*\)|“\s*”|《\s*》", "", "".join(out))
    text = re.sub(r"([、，])[、，]+", r"\1", text)
    text = re.sub(r"[、，]+(?=？)", "", text)
    return _ORPHAN.sub("", _STRAY.sub("", text))


def _answers(fig: Figure) -> list[str]:
    out = [fig.core, fig.full.strip()]
    if fig.kind == "count":
        out.append(fig.value)
    elif fig.kind == "year":
        out.append(fig.value[:-1])
    return list(dict.fromkeys(a for a in out if a))


def build_questions(articles: Sequence[Article], seed: int = 0, limit: int | None = None,
                    match_local: float = MATCH_LOCAL, match_sentence: float = MATCH_SENTENCE,
                    max_gold: int = MAX_GOLD, min_context: int = MIN_CONTEXT,
                    drop: float = DROP) -> list[dict]:
    """Gold records for the figures of ``articles`` that make unambiguous questions.

    Deterministic: the same articles and seed give the same records in corpus order.
    ``limit`` keeps a sample of that many, drawn with ``random.Random(seed)``.

    Args:
        articles: the whole corpus the questions are asked against.
        seed: seeds the word dropout and the sample taken when ``limit`` is given.
        limit: at most this many questions (None: all).
        match_local, match_sentence: when another figure counts as the same fact
            (see the module docstring).
        max_gold: a fact found in more articles than this is boilerplate: skipped.
        min_context: fewest context characters in a question.
        drop: share of words left out of each question (0: the clause as printed).

    Returns:
        dicts with qid, question, answers, gold_pids, type, tags ("synthetic", the kind,
        "duplicated" when the fact is in several articles), evidence and source.
    """
    figures = find_figures(articles)
    by_sentence: dict[tuple[int, tuple[int, int]], list[Figure]] = {}
    for f in figures:
        by_sentence.setdefault((f.article, f.sentence), []).append(f)
    local = {f: _local_words(articles[f.article].text, f, by_sentence[(f.article, f.sentence)])
             for f in figures}
    sentence_words = {key: _bigrams(articles[key[0]].text[key[1][0]:key[1][1]])
                      for key in by_sentence}
    by_kind: dict[str, list[Figure]] = {}
    for f in figures:
        by_kind.setdefault(f.kind, []).append(f)

    records: list[dict] = []
    asked: set[Figure] = set()
    segmenter = _Words()
    for f in figures:
        a = articles[f.article]
        if f in asked or len(local[f]) < 2:
            continue
        made = make_question(a.text, f, by_sentence[(f.article, f.sentence)], min_context=min_context)
        if made is None:
            continue
        question, evidence = made
        full = _bigrams(question.replace(f.ask, ""))
        rng = random.Random(f"{seed}:{a.id}:{f.start}")
        question = drop_words(question, f.ask, rng, drop, segmenter)
        dropped = _bigrams(question.replace(f.ask, ""))
        if not dropped or len(_CJK.findall(question.replace(f.ask, ""))) < min_context // 2:
            continue
        # the fact's other copies are found with the words as printed; the question as
        # asked (fewer words) must be unambiguous too, and any copy it finds is gold
        same, ambiguous = [f], False
        for g in by_kind[f.kind]:
            if g is f or len(local[f] & local[g]) / len(local[f]) < match_local:
                continue
            around = sentence_words[(g.article, g.sentence)]
            if all(len(w & around) / len(w) < match_sentence for w in (full, dropped)):
                continue
            if g.value != f.value:
                ambiguous = True
                break
            same.append(g)
        pids = list(dict.fromkeys(articles[g.article].id for g in sorted(same, key=lambda g: g.article)))
        if ambiguous or len(pids) > max_gold:
            continue
        asked.update(same)
        tags = ["synthetic", f.kind] + (["duplicated"] if len(pids) > 1 else [])
        records.append({
            "qid": "sn-" + content_id(a.id, str(f.start), question, length=10),
            "question": question, "answers": _answers(f), "gold_pids": pids,
            "type": "number" if f.kind == "count" else f.kind, "tags": tags,
            "evidence": evidence, "source": a.source,
        })
    records = _drop_conflicting(records)
    if limit is not None and limit < len(records):
        keep = sorted(random.Random(seed).sample(range(len(records)), limit))
        records = [records[k] for k in keep]
    return records


def _drop_conflicting(records: list[dict]) -> list[dict]:
    """One record per question text; a text asked of different figures is dropped."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(r["question"], []).append(r)
    out = []
    for r in records:
        group = groups[r["question"]]
        if group[0] is not r:
            continue
        if len({tuple(g["answers"]) for g in group}) > 1:
            continue
        r = dict(r)
        r["gold_pids"] = list(dict.fromkeys(p for g in group for p in g["gold_pids"]))
        out.append(r)
    return out


def corpus_articles(paths: Sequence[Path] | None = None) -> list[Article]:
    """The articles of ``paths`` (the bundled sample corpus when None), ingested into a
    temporary home exactly as ``corpusqa eval`` ingests them, so ids match."""
    from corpusqa.settings import Settings
    from corpusqa.workspace import Workspace, default_corpus_paths

    paths = list(paths) if paths else default_corpus_paths()
    with tempfile.TemporaryDirectory(prefix="corpusqa-synthetic-") as home:
        workspace = Workspace(Settings(home=Path(home), encoder="none", progress=False))
        workspace.ingest(paths, progress=False)
        return workspace.articles()
