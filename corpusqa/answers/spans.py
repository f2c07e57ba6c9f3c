"""Pick the exact span of a sentence that answers a typed question.

``candidate_spans`` lists typed spans (quantities, dates, names, places);
``best_span`` ranks them by type fit (the measure word asked for) and by closeness
to the question's focus words in the sentence. Spans are always exact slices of
the sentence given, so a citation can be checked by slicing.
"""

from __future__ import annotations

import re

from corpusqa.answers.entities import (
    TypedSpan,
    find_dates,
    find_orgs,
    find_persons,
    find_places,
    from_quantity,
)
from corpusqa.answers.numbers import find_quantities, normalize_for_match
from corpusqa.answers.qtype import QuestionType, focus_terms
from corpusqa.answers.variants import to_simplified

__all__ = ["TypedSpan", "best_span", "candidate_spans"]

_CLAUSE_BREAK = re.compile(r"[，,;；。：:！？!?\n]")
_LIST_JOINER = r"[ \u3000]*(?:、|，|,|和|及|与|以及|[ \u3000])[ \u3000]*"
_PEOPLE_UNITS = frozenset(["人", "名", "位"])


def candidate_spans(sentence: str, qtype: QuestionType) -> list[TypedSpan]:
    """Typed spans in ``sentence`` that could answer a question of type ``qtype``.

    Number, percent and time-span questions get quantities (dates left out for the
    first two, only durations for the last); date questions get dates (absolute,
    ranges and relative ones such as 今年/近日); person/place/org questions get
    names. Other kinds get no candidates (the whole sentence is the answer).

    Returns:
        Candidates sorted by position; ``sentence[c.start:c.end] == c.text``.
    """
    kind = qtype.kind
    if kind in ("number", "percent", "time_span"):
        quantities = _with_ranges(sentence, [from_quantity(q) for q in find_quantities(sentence)
                                             if not in_short_quote(sentence, q.start, q.end)])
        if kind == "number":
            skip = {"date", "time"} if qtype.unit_kind == "ordinal" else {"date", "time", "ordinal"}
            out = [c for c in quantities if c.kind not in skip]
        elif kind == "percent":
            out = [c for c in quantities if c.kind in ("percent", "ratio", "points", "number")]
        else:
            out = [c for c in quantities if c.kind == "duration"]
    elif kind == "date":
        out = find_dates(sentence)
        if qtype.unit == "年":  # 哪一年: only dates that name the year
            out = [c for c in out if "年" in c.text or re.search(r"\d{4}", c.text)]
    elif kind == "person":
        out = find_persons(sentence)
    elif kind == "place":
        out = find_places(sentence)
    elif kind == "org":
        out = find_orgs(sentence)
    else:
        out = []
    return sorted(out, key=lambda c: (c.start, -c.end))


#: Quotation marks, open -> close. A short quoted phrase holding a number is the name of a
#: campaign or slogan (“五个一”要求, “双强六好”党组织, “1+3”制度体系, “三务合一”), not a figure.
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", '"': '"'}
#: The longest quoted phrase (characters between the marks) read as a name.
SLOGAN_MAX = 10


def in_short_quote(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence[start:end]`` lies inside a quoted phrase of at most ``SLOGAN_MAX``
    characters (a slogan such as “五个三”, whose numerals count nothing)."""
    lo = max(0, start - SLOGAN_MAX)
    for i in range(start - 1, lo - 1, -1):
        close = _QUOTES.get(sentence[i])
        if close is None:
            if sentence[i] in _QUOTES.values():
                return False
            continue
        j = sentence.find(close, end, i + 1 + SLOGAN_MAX + 1)
        return j >= end and j - (i + 1) <= SLOGAN_MAX
    return False


def _with_ranges(sentence: str, cands: list[TypedSpan]) -> list[TypedSpan]:
    """Add ranges such as ``300米至2,000米`` and ``55－71cm`` (unit taken from the upper end)."""
    out = list(cands)
    for a, b in zip(cands, cands[1:]):
        if (re.fullmatch(r"\s*(?:-|－|–|—|~|～|至|到)\s*", sentence[a.end:b.start])
                and a.kind in ("number", b.kind) and a.unit in (None, b.unit)):
            out.append(TypedSpan(a.start, b.end, sentence[a.start:b.end], b.kind, None, b.unit, a.approx or b.approx))
    return out


def best_span(sentence: str, qtype: QuestionType, question: str) -> TypedSpan | None:
    """The candidate span that answers ``question`` in ``sentence``, or None.

    Ranking: fit to the asked measure word or kind (多少个 prefers ``…个``), then
    closeness to the question's focus words (same clause counts double); spans the
    question already contains are pushed down. A ``A、B、C分别X、Y、Z`` sentence maps
    the item named in the question to its value. When the question wants several
    items, the enumeration around the best span is returned whole.

    Args:
        sentence: The sentence to search (offsets refer to it).
        qtype: ``classify(question)``.
        question: The question text (Simplified or Traditional).
    """
    cands = candidate_spans(sentence, qtype)
    if not cands:
        return None
    q = to_simplified(question)
    if not qtype.wants_multiple:
        picked = _respectively(sentence, cands, q)
        if picked is not None:
            return picked
    hits = _focus_positions(sentence, qtype.focus or focus_terms(q))
    clauses = _clause_ids(sentence)
    q_norm = normalize_for_match(q)

    def score(c: TypedSpan) -> tuple[float, int, int]:
        s = _type_fit(c, qtype, sentence)
        if normalize_for_match(c.text) in q_norm:
            s -= 3.0
        if hits:
            prox = 0.0
            for p in hits:
                d = 0 if c.start <= p < c.end else (c.start - p if p < c.start else p - c.end + 1)
                prox += (2.0 if clauses[p] == clauses[c.start] else 1.0) / (1.0 + d / 4.0)
            s += 2.0 * prox / (2.0 * len(hits))
        return s, c.end - c.start, -c.start

    best = max(cands, key=score)
    if qtype.wants_multiple:
        best = _enumeration(sentence, cands, best)
    return best


def _type_fit(c: TypedSpan, qtype: QuestionType, sentence: str) -> float:
    """How well a candidate's kind and unit fit what the question asks."""
    if qtype.kind == "date":
        if re.match(r"讯|电", sentence[c.end:c.end + 1]) and "本报" in sentence[max(0, c.start - 8):c.start]:
            return -0.5  # the dateline (本报6月28日讯) dates the report, not the event
        return 0.7 if any(ch.isdigit() for ch in c.text) else 0.5
    if qtype.kind not in ("number", "percent", "time_span"):
        return 0.5
    if qtype.unit and c.unit == qtype.unit:
        return 3.0
    if qtype.unit in _PEOPLE_UNITS and c.unit in _PEOPLE_UNITS:
        return 2.5
    if qtype.unit_kind and c.kind == qtype.unit_kind:
        return 2.0
    if c.kind == "number":
        return 0.5
    if qtype.unit_kind == "count" and c.kind in ("percent", "ratio", "points"):
        return -2.0
    return -1.0 if qtype.unit_kind else 0.0


def _focus_positions(sentence: str, focus: tuple[str, ...]) -> list[int]:
    """Sentence positions covered by a character bigram of a focus term."""
    text = to_simplified(sentence)
    if len(text) != len(sentence):
        text = sentence
    covered: set[int] = set()
    for term in focus:
        for i in range(len(term) - 1):
            bigram = term[i:i + 2]
            start = text.find(bigram)
            while start >= 0:
                covered.update((start, start + 1))
                start = text.find(bigram, start + 1)
    return sorted(covered)


def _clause_ids(sentence: str) -> list[int]:
    ids, n = [], 0
    for ch in sentence:
        ids.append(n)
        if _CLAUSE_BREAK.match(ch):
            n += 1
    return ids


def _run_after(sentence: str, cands: list[TypedSpan], first: TypedSpan) -> list[TypedSpan]:
    """``first`` and the candidates that follow it joined by 、/和/及."""
    run = [first]
    for c in cands:
        if c.start >= run[-1].end and c.kind == first.kind:
            if re.fullmatch(_LIST_JOINER, sentence[run[-1].end:c.start]):
                run.append(c)
            elif c.start > run[-1].end:
                break
    return run


def _enumeration(sentence: str, cands: list[TypedSpan], best: TypedSpan) -> TypedSpan:
    """The whole list ``X、Y、Z`` that ``best`` belongs to (``best`` itself if none)."""
    same = [c for c in cands if c.kind == best.kind]
    for start in same:
        if start.start > best.start:
            break
        run = _run_after(sentence, same, start)
        if len(run) > 1 and any(c == best for c in run):
            a, b = run[0].start, run[-1].end
            return TypedSpan(a, b, sentence[a:b], best.kind, None, best.unit, any(c.approx for c in run))
    return best


def _respectively(sentence: str, cands: list[TypedSpan], question: str) -> TypedSpan | None:
    """For ``A、B、C…分别X、Y、Z``: the value paired with the item the question names."""
    for m in re.finditer(r"分别", sentence):
        after = [c for c in cands if c.start >= m.end()]
        if not after or _CLAUSE_BREAK.search(sentence[m.end():after[0].start]):
            continue
        run = _run_after(sentence, after, after[0])
        if len(run) < 2:
            continue
        breaks = [b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, m.start())]
        segment = sentence[breaks[-1] if breaks else 0:m.start()]
        items = re.split(r"、|和|及|与", segment)
        if len(items) != len(run) or any(not i for i in items):
            continue
        middle = items[1:-1]
        width = max(map(len, middle)) if middle else min(len(items[0]), len(items[-1]), 6)
        keys = [items[0][-width:], *middle, items[-1][:width]]
        scores = [_longest_common(to_simplified(k), question) for k in keys]
        top = max(scores)
        if top >= 2 and scores.count(top) == 1:
            return run[scores.index(top)]
    return None


def _longest_common(a: str, b: str) -> int:
    """Length of the longest common substring of ``a`` and ``b``."""
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best
