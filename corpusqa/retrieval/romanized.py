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
others, keeping their order otherwise (``HybridRetriever``).

Many places are not written in their pinyin: Inner Mongolia's leagues, cities and banners
keep Mongolian-derived spellings (呼和浩特 Hohhot, 鄂尔多斯 Ordos, 兴安盟 Hinggan League,
科左后旗 Horqin Left Rear Banner), and some other Chinese places have English names of their
own (西藏 Tibet, 香港 Hong Kong). Those come from a table (``data/exonyms.txt``); a name in
neither (Warsaw 华沙) matches nothing and changes nothing.

Pinyin comes from a table of each character's default reading (``data/pinyin.txt``,
written from pypinyin by ``scripts/pinyin-table.py``). Measured effect: docs/retrieval.md, "Hybrid fusion"
(four more English gold questions first; the English XQuAD questions unchanged).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

#: Administrative suffixes an English name usually leaves out (通辽市 Tongliao).
SUFFIXES = ("自治区", "自治州", "自治县", "自治旗", "嘎查", "苏木", "市", "盟", "旗", "县", "区", "州",
            "省", "镇", "乡", "村")
#: Shortest romanised name compared (shorter ones, "Li", "Wu", match too much).
MIN_LETTERS = 4
#: How many dense hits are re-ordered.
DEPTH = 10

#: Longest run of capitalised words whose every stretch is a name.
MAX_RUN = 6

_CAPITALISED = re.compile(r"[A-Z][a-z]+(?:[ '\-][A-Z][a-z]+)*")
_SEPARATORS = re.compile(r"[ '\-]")


def question_names(question: str) -> frozenset[str]:
    """Every stretch of each run of capitalised words, lower-cased and joined without
    spaces or hyphens ("Inner Mongolia" gives inner, mongolia and innermongolia; "From
    Horqin Left Rear Banner" gives horqinleftrear among others, whatever word the run
    starts or ends with)."""
    out: set[str] = set()
    for run in _CAPITALISED.findall(question):
        parts = [p.lower() for p in _SEPARATORS.split(run)][:MAX_RUN]
        out.update("".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))
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


@lru_cache(maxsize=1)
def _exonyms() -> dict[str, frozenset[str]]:
    """Chinese place (without its suffix) -> its English names as ``question_names``
    writes them, from ``data/exonyms.txt``."""
    from importlib import resources

    text = resources.files("corpusqa.retrieval").joinpath("data/exonyms.txt").read_text("utf-8")
    out: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            place, _, names = line.partition("\t")
            out[place.strip()] = frozenset(_SEPARATORS.sub("", n.strip()).lower()
                                           for n in names.split(",") if n.strip())
    return out


def to_pinyin(text: str) -> str:
    """``text`` in toneless pinyin without spaces; characters without a reading are left out."""
    readings = _readings()
    return "".join(readings.get(ch, "") for ch in text)


@lru_cache(maxsize=65536)
def pinyin_forms(place: str) -> frozenset[str]:
    """Toneless pinyin of a Chinese place, whole and without its administrative suffix,
    and its English names from ``data/exonyms.txt``."""
    names = {place}
    for suffix in SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            names.add(place[: -len(suffix)])
            break
    forms = {to_pinyin(n) for n in names}
    exonyms = _exonyms()
    for n in names:
        forms |= exonyms.get(n, frozenset())
    return frozenset(f for f in forms if len(f) >= MIN_LETTERS)


def names_match(names: frozenset[str], places: Iterable[str]) -> bool:
    """Whether one of the question's ``names`` is the pinyin or English name of one of
    ``places``."""
    return any(names & pinyin_forms(p) for p in places)
