"""Place names in English questions, matched to Chinese articles through their pinyin.

An English question over Chinese articles gives BM25 nothing to match, so hybrid retrieval
follows the dense run (:func:`corpusqa.retrieval.fusion.cross_script`). The dense run
knows the topic but not the place: asked "How many party education bases has Tongliao
built?", it ranked three other 盟市's reports above 通辽's. Mainland place names are
written in English in their toneless pinyin (通辽 Tongliao, 包头 Baotou, 赤峰 Chifeng), so a
capitalised word of the question that equals the pinyin of a place the article names in
its title, byline or lede is strong evidence for that article.

:func:`question_names` takes the capitalised words of the question, :func:`pinyin_forms`
the spellings of a Chinese place (with and without its administrative suffix), and the
hybrid retriever moves the dense hits whose article names a matching place ahead of the
others, keeping their order otherwise (``HybridRetriever``). Names that are not pinyin
(Hohhot, Ordos, Hinggan; Warsaw 华沙) match nothing and change nothing.

Pinyin comes from a table of each character's default reading (``data/pinyin.txt``,
written from pypinyin by ``scripts/pinyin-table.py``). Measured effect: docs/retrieval.md, "Hybrid fusion"
(four more English gold questions first; the English XQuAD questions unchanged).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

#: Administrative suffixes an English name usually leaves out (通辽市 Tongliao).
SUFFIXES = ("自治区", "自治州", "自治县", "嘎查", "苏木", "市", "盟", "旗", "县", "区", "州",
            "省", "镇", "乡", "村")
#: Shortest romanised name compared (shorter ones, "Li", "Wu", match too much).
MIN_LETTERS = 4
#: How many dense hits are re-ordered.
DEPTH = 10

_CAPITALISED = re.compile(r"[A-Z][a-z]+(?:[ '\-][A-Z][a-z]+)*")


def question_names(question: str) -> frozenset[str]:
    """The question's capitalised words and word runs, lower-cased, joined without spaces
    or hyphens ("Inner Mongolia" gives inner, mongolia and innermongolia)."""
    out: set[str] = set()
    for run in _CAPITALISED.findall(question):
        parts = re.split(r"[ '\-]", run)
        out.update(p.lower() for p in parts)
        if len(parts) > 1:
            out.add("".join(parts).lower())
    return frozenset(n for n in out if len(n) >= MIN_LETTERS)


@lru_cache(maxsize=1)
def _readings() -> dict[str, str]:
    """Character -> toneless pinyin, from ``data/pinyin.txt`` (``scripts/pinyin-table.py``).

    The default reading of each character, read on the first English question (memory
    against importing pypinyin: ``scripts/pinyin-table.py --memory``).
    """
    from importlib import resources

    text = resources.files("corpusqa.retrieval").joinpath("data/pinyin.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            reading, _, chars = line.partition("\t")
            out.update(dict.fromkeys(chars, reading))
    return out


def to_pinyin(text: str) -> str:
    """``text`` in toneless pinyin without spaces; characters without a reading are left out."""
    readings = _readings()
    return "".join(readings.get(ch, "") for ch in text)


@lru_cache(maxsize=65536)
def pinyin_forms(place: str) -> frozenset[str]:
    """Toneless pinyin of a Chinese place, whole and without its administrative suffix."""
    names = {place}
    for suffix in SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            names.add(place[: -len(suffix)])
            break
    forms = {to_pinyin(n) for n in names}
    return frozenset(f for f in forms if len(f) >= MIN_LETTERS)


def names_match(names: frozenset[str], places: Iterable[str]) -> bool:
    """Whether one of the question's ``names`` is the pinyin of one of ``places``."""
    return any(names & pinyin_forms(p) for p in places)
