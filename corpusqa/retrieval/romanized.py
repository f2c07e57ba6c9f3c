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
own (西藏 Tibet, 香港 Hong Kong). Those come from a table (``data/exonyms.txt``), which a
newsroom extends with its own file in the same format (``Settings.exonyms``,
``CORPUSQA_EXONYMS``); a name in neither (Warsaw 华沙) matches nothing and changes nothing.

Pinyin comes from a table of each character's default reading (``data/pinyin.txt``,
written from pypinyin by ``scripts/pinyin-table.py``). Measured effect: docs/retrieval.md, "Hybrid fusion"
(four more English gold questions first; the English XQuAD questions unchanged).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from corpusqa.errors import InputError

#: Chinese place (without its suffix) -> its English names as ``question_names`` writes them.
Exonyms = Mapping[str, frozenset[str]]

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


def parse_exonyms(text: str, source: str = "data/exonyms.txt") -> dict[str, frozenset[str]]:
    """The lines of an exonym table: a Chinese place, a tab, its English names separated
    by commas; ``#`` starts a comment line.

    Raises:
        InputError: a line without a tab, a Chinese name or an English name (its number is
            in the message).
    """
    out: dict[str, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        place, tab, names = line.partition("\t")
        forms = frozenset(_SEPARATORS.sub("", n.strip()).lower() for n in names.split(",") if n.strip())
        if not tab or not place.strip() or not forms:
            raise InputError("retrieval.exonyms_unreadable", path=source, detail=f"line {number}: {line[:40]!r}")
        out[place.strip()] = out.get(place.strip(), frozenset()) | forms
    return out


def load_exonyms(extra: Path | str | None = None) -> Exonyms:
    """The bundled table (``data/exonyms.txt``), with ``extra``'s lines added when given
    (read again when the file changes: a reloaded assistant sees the newsroom's edits).

    Raises:
        InputError: ``extra`` is missing, unreadable or malformed.
    """
    if extra is None:
        return _load_exonyms(None, 0)
    try:
        mtime = Path(extra).stat().st_mtime_ns
    except OSError as exc:
        raise InputError("retrieval.exonyms_unreadable", path=str(extra), detail=type(exc).__name__) from exc
    return _load_exonyms(str(extra), mtime)


@lru_cache(maxsize=8)
def _load_exonyms(extra: str | None, mtime: int) -> Exonyms:
    from importlib import resources

    table = parse_exonyms(resources.files("corpusqa.retrieval").joinpath("data/exonyms.txt").read_text("utf-8"))
    if extra is not None:
        try:
            text = Path(extra).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("retrieval.exonyms_unreadable", path=extra, detail=type(exc).__name__) from exc
        for place, forms in parse_exonyms(text, extra).items():
            table[place] = table.get(place, frozenset()) | forms
    return MappingProxyType(table)  # cached and shared: read-only


def to_pinyin(text: str) -> str:
    """``text`` in toneless pinyin without spaces; characters without a reading are left out."""
    readings = _readings()
    return "".join(readings.get(ch, "") for ch in text)


def _names(place: str) -> tuple[str, ...]:
    """A Chinese place, whole and without its administrative suffix."""
    for suffix in SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place, place[: -len(suffix)]
    return (place,)


@lru_cache(maxsize=65536)
def pinyin_forms(place: str) -> frozenset[str]:
    """Toneless pinyin of a Chinese place, whole and without its administrative suffix."""
    return frozenset(f for f in (to_pinyin(n) for n in _names(place)) if len(f) >= MIN_LETTERS)


def place_forms(place: str, exonyms: Exonyms) -> frozenset[str]:
    """``pinyin_forms`` and the place's English names in ``exonyms``."""
    english = [f for n in _names(place) for f in exonyms.get(n, ()) if len(f) >= MIN_LETTERS]
    return pinyin_forms(place).union(english)


def names_match(names: frozenset[str], places: Iterable[str], exonyms: Exonyms | None = None) -> bool:
    """Whether one of the question's ``names`` is the pinyin or English name (``exonyms``,
    default the bundled table) of one of ``places``."""
    table = load_exonyms() if exonyms is None else exonyms
    return any(names & place_forms(p, table) for p in places)
