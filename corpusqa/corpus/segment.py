"""Split one newspaper page into articles (``ArticleDraft``) and build ``Article`` records.

Rules (text normalisation itself is in ``clean.py``):

1. Furniture leaves the body for ``draft.furniture``: photo credits, editor lists, masthead,
   page marker (``30 特刊`` -> ``page``), ``(本版…)`` notes, English banners, ``■上接/下转`` marks.
   Bylines (``□本报记者 …``, ``◎宋爽``, ``XX市委书记 姓名``) -> ``byline``; ``■栏目`` markers
   and a heading printed right after the byline -> ``section``.
2. Exact repeated paragraphs (>= 8 chars) on a page are dropped, the first kept.
3. A paragraph that stops mid-sentence continues in the next prose paragraph; a short
   headline fragment printed inside that cut joins the article TITLE (``群策群力办实事``).
   Bare infographic figures (``836名``) join the label before them.
4. A new article starts at a ``■`` section marker, a ``■上接`` continuation, a title line
   followed by a byline or by caption + photo credit (photo news), or a heading that is
   followed by a byline/dateline or comes after >= 200 body chars. A heading deeper than
   the article's own, or a ``抓关键：…`` label, followed by prose is a SUBHEADING: it stays
   in the body as a paragraph. Short slogan headings before 200 body chars extend a
   slogan headline (page 000: ``强基固本 牢记嘱托 根深叶茂 感恩进``).
5. Title = the last run of same-level headings/title lines before the body (+ fragments);
   the item before it becomes the section when none is set, earlier ones ``extra["kickers"]``.
   Untitled articles (continuations) get their first clause.
6. Title-after-body pages (body first; every later article and a trailing body-less header
   have a title + byline) attach each body to the title that FOLLOWS it.
7. Datelines (``本报北京6月28日电（记者 …）``) stay in the body; month/day, place and
   reporters go to ``extra``. Year: ``year_hint``, else a year printed in the furniture,
   else ``党的第N个生日`` (1921+N); without one ``date`` stays None.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from corpusqa.corpus.clean import (DATELINE, HAN, ROLE, Block, clean_page, ends_sentence,
                                   han_count, infer_year, is_byline, is_credit, is_furniture)
from corpusqa.models import Article, Paragraph, content_id

log = logging.getLogger(__name__)
_SECTION = re.compile(r"^■\s*(?!上接|下转|接上|转下|接第)(\S.{0,20})$")
_CONT = re.compile(r"^[（(]?[■□]?\s*(?:上接|接上)(第\s*\d+\s*版)[）)]?\s*")
_CONT_TO = re.compile(r"[（(]?■?\s*(?:下转|转)(第\s*\d+\s*版)[）)]?$")
_OPENER = re.compile(rf"^(?:[■□◎]|本报|新华社|\d{{1,2}}月\d{{1,2}}日)|{_CONT.pattern}")
_QUANTITY = re.compile(rf"^\d[\d.,]*\s*(?:[%‰]|[{HAN}]{{1,3}})(?:左右|以上|以下|多)?$")
_SUBHEAD_LABEL = re.compile(rf"^[{HAN}]{{2,5}}[：:]")


@dataclass
class ArticleDraft:
    """One article recovered from a page, before it gets an id.

    ``paragraphs`` are cleaned, normalised and never repeated on the page; ``date`` is ISO
    (only with a dateline and a known year); ``continued_from`` is e.g. ``"第1版"``;
    ``furniture`` keeps what was removed from the body; ``extra`` may hold ``dateline``,
    ``place``, ``reporters``, ``kickers`` and ``continued_on``.
    """

    title: str
    paragraphs: list[str]
    byline: str | None = None
    date: str | None = None
    section: str | None = None
    page: str | None = None
    continued_from: str | None = None
    furniture: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Unit:
    kind: str  # heading | title | text | byline | credit | section | furniture | page
    text: str
    level: int = 0
    title_like: bool = False
    gap: int = 1
    cont: str | None = None
    frags: list[str] = field(default_factory=list)
    cont_to: str | None = None


@dataclass
class _Open:
    header: list[_Unit] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    frags: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    byline: str | None = None
    section: str | None = None
    cont: str | None = None
    cont_to: str | None = None


def segment_page(text: str, source: str, year_hint: int | None = None) -> list[ArticleDraft]:
    """Split a raw page (uncleaned) into articles in page order; every one has a body."""
    blocks = clean_page(text)
    latin = han_count(text) >= len(re.findall("[A-Za-z]", text))  # English lines are banners
    units = _join_cuts(_dedupe(_attach_marks(_classify(blocks, latin))))
    opens, orphan = _group(units)
    if opens and orphan.header and orphan.byline and not opens[0].header and not opens[0].cont \
            and all(o.header and o.byline for o in opens[1:]):  # title-after-body layout
        heads = [(o.header, o.byline) for o in opens[1:]] + [(orphan.header, orphan.byline)]
        for o, (header, byline) in zip(opens, heads):
            o.header, o.byline = header, byline
    if not opens and orphan.header:  # a page that is only a title or a single line
        opens = [_Open(body=list(dict.fromkeys(u.text for u in orphan.header)))]  # rule 2
    if opens:
        opens[-1].furniture += orphan.furniture
    log.debug("%s: %d blocks, %d articles", source, len(blocks), len(opens))
    page = next((u.text for u in units if u.kind == "page"), None)
    year = year_hint or infer_year([u.text for u in units if u.kind in ("furniture", "page")],
                                   [u.text for u in units])
    return [_finish(o, page, year) for o in opens]


def build_article(draft: ArticleDraft, source: str, position: int) -> Article:
    """Article record: body = paragraphs joined by newlines, with paragraph offsets."""
    text = "\n".join(draft.paragraphs)
    paragraphs, pos = [], 0
    for i, p in enumerate(draft.paragraphs):
        paragraphs.append(Paragraph(i, pos, pos + len(p)))
        pos += len(p) + 1
    extra = dict(draft.extra)
    if draft.furniture:
        extra["furniture"] = list(draft.furniture)
    return Article(id=content_id(source, draft.title, text), source=source, position=position,
                   title=draft.title, text=text, paragraphs=tuple(paragraphs),
                   byline=draft.byline, date=draft.date, section=draft.section, page=draft.page,
                   continued_from=draft.continued_from, extra=extra)


def _title_shaped(t: str) -> bool:
    return (2 <= han_count(t) <= 32 and not re.search("[，,。；;]", t) and not ends_sentence(t)
            and not _QUANTITY.match(t))


def _classify(blocks: list[Block], latin: bool) -> list[_Unit]:
    units: list[_Unit] = []
    for b in blocks:
        spaced = " ".join(b.lines)
        if b.heading:
            units.append(_Unit("heading", b.text, b.heading, gap=b.gap))
        elif re.match(rf"^\d{{1,3}}\s+(?![万亿千百名个人次元件项岁年月日天户家])[{HAN}]{{2,6}}$"
                      r"|^第\d{1,3}版$", b.raw):
            units.append(_Unit("page", b.raw))
        elif is_furniture(b, latin):
            units.append(_Unit("furniture", spaced))
        elif is_credit(spaced):
            units.append(_Unit("credit", spaced))
        elif is_byline(spaced):
            units.append(_Unit("byline", spaced.lstrip("□◎○ ")))
        elif (section := _SECTION.match(b.text)) and not ends_sentence(b.text):
            units.append(_Unit("section", section.group(1)))
        elif len(b.lines) > 1 and is_credit(b.lines[-1]):
            caption = (" " if b.title_like else "").join(b.lines[:-1])
            units += [_text_unit(Block(caption, b.lines[:-1], gap=b.gap)), _Unit("credit", b.lines[-1])]
        else:
            units.append(_text_unit(b))
    out: list[_Unit] = []
    for u in units:  # "本报记者" + a lone name, printed apart: a photo credit
        if out and out[-1].kind == "title" and re.fullmatch(ROLE, out[-1].text) \
                and re.fullmatch(f"[{HAN}·]{{2,4}}", u.text):
            u = _Unit("credit", f"{out[-1].text} {u.text}")
            out.pop()
        n = 0
        while u.kind == "credit" and n < len(out) and out[-1 - n].kind == "title" \
                and not out[-1 - n].title_like:
            n += 1
        if n >= 2:  # a caption printed on several short lines above its credit
            out[-n:] = [_Unit("text", "".join(c.text for c in out[-n:]), gap=out[-n].gap)]
        out.append(u)
    return out


def _text_unit(b: Block) -> _Unit:
    m, end = _CONT.match(b.text), _CONT_TO.search(b.text)
    text = b.text[m.end() if m else 0: end.start() if end else len(b.text)].strip()
    kind = "title" if _title_shaped(text) or (b.title_like and han_count(text) <= 40) else "text"
    unit = _Unit(kind, text, 0, b.title_like, b.gap, m.group(1).replace(" ", "") if m else None)
    unit.cont_to = end.group(1).replace(" ", "") if end else None
    return unit


def _attach_marks(units: list[_Unit]) -> list[_Unit]:
    """A continuation mark printed on its own line (``■上接第1版``, ``（下转第2版）``) leaves an
    empty unit: it belongs to the text after (上接) or before (下转) it, as if printed on the
    same line; with no such text it is furniture."""
    out: list[_Unit] = []
    pending: _Unit | None = None
    for u in units:
        if u.kind in ("text", "title") and not u.text:
            prev = out[-1] if out and out[-1].kind in ("text", "title") else None
            if u.cont_to and prev is not None and not prev.cont_to:
                prev.cont_to = u.cont_to
            elif u.cont_to:
                out.append(_Unit("furniture", f"■下转{u.cont_to}"))
            if u.cont:
                if pending is not None:
                    out.append(_Unit("furniture", f"■上接{pending.cont}"))
                pending = u
            continue
        if pending is not None and u.kind in ("text", "title"):
            u.cont = u.cont or pending.cont
            u.gap, pending = pending.gap, None
        out.append(u)
    if pending is not None:
        out.append(_Unit("furniture", f"■上接{pending.cont}"))
    return out


def _dedupe(units: list[_Unit]) -> list[_Unit]:
    seen: set[str] = set()
    out = []
    for u in units:
        if u.kind in ("text", "title") and len(u.text) >= 8:
            if u.text in seen:
                continue
            seen.add(u.text)
        out.append(u)
    return out


def _prose(u: _Unit | None) -> TypeGuard[_Unit]:
    return u is not None and u.kind == "text" and bool(re.search("[。！？!?]", u.text)) \
        and not u.cont and not _OPENER.match(u.text)


def _cut_start(units: list[_Unit], i: int) -> bool:
    """Does units[i] stop mid-sentence like body text cut by a column/page break?"""
    u = units[i]
    if u.kind not in ("text", "title") or u.title_like or ends_sentence(u.text):
        return False
    if u.text[-1] in "：:":  # a lead-in to a list, not a cut
        return False
    after_prose = i > 0 and units[i - 1].kind == "text" and u.gap <= 1
    return bool(re.search("[，、；：]", u.text)) or (han_count(u.text) >= 16 and after_prose)


def _join_cuts(units: list[_Unit]) -> list[_Unit]:
    out: list[_Unit] = []
    i = 0
    while i < len(units):
        u = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else None
        prev = out[-1] if out else None
        if prev and prev.kind in ("text", "title") and not ends_sentence(prev.text) \
                and u.kind in ("text", "title") and _QUANTITY.match(u.text):
            sep = " " if re.search(r"[\d%‰]$", prev.text) else ""
            prev.text, prev.kind = prev.text + sep + u.text, "text"
        elif prev and _cut_start(out, len(out) - 1) and _prose(u):
            prev.text, prev.kind, prev.frags = prev.text + u.text, "text", prev.frags + u.frags
        elif prev and _cut_start(out, len(out) - 1) and u.kind in ("title", "heading") \
                and not u.title_like and han_count(u.text) <= 16 and _prose(nxt) \
                and not (i + 2 < len(units) and units[i + 2].kind == "credit"):
            prev.text, prev.kind = prev.text + nxt.text, "text"
            prev.frags = prev.frags + [u.text] + nxt.frags
            i += 1
        else:
            out.append(u)
        i += 1
    return out


def _group(units: list[_Unit]) -> tuple[list[_Open], _Open]:
    """Walk the units and open/close articles (rules 6-7 of the module docstring)."""
    done: list[_Open] = []
    cur = _Open()

    def peek(k: int, n: int = 0) -> _Unit | None:  # the n-th non-furniture unit after units[k]
        rest = [u for u in units[k + 1:] if u.kind not in ("furniture", "page")]
        return rest[n] if len(rest) > n else None

    for k, u in enumerate(units):
        if cur.body and _starts_article(u, peek(k), peek(k, 1), cur):
            done.append(cur)
            cur = _Open()
        if u.kind in ("furniture", "page", "credit"):
            cur.furniture.append(u.text)
        elif u.kind == "section":
            cur.section = u.text
        elif u.kind == "byline" and cur.byline and cur.body:
            cur.furniture.append(u.text)
        elif u.kind == "byline":
            cur.byline = f"{cur.byline} {u.text}" if cur.byline else u.text
        elif u.kind == "heading" and not cur.body:
            if cur.byline and cur.header and cur.section is None:
                cur.section = u.text
            else:
                cur.header.append(u)
        elif u.kind == "heading" and _is_subheading(u, peek(k), cur):
            cur.body.append(u.text)
        elif u.kind == "heading":
            cur.frags.append(u.text)
        elif u.kind == "title" and not cur.body and not cur.cont:
            cur.header.append(u)
        else:
            if u.cont:
                cur.cont = u.cont
                cur.furniture.append(f"■上接{u.cont}")
            if u.cont_to:
                cur.cont_to = u.cont_to
                cur.furniture.append(f"■下转{u.cont_to}")
            cur.body.append(u.text)
            cur.frags += u.frags
    if cur.body:
        done.append(cur)
        cur = _Open()
    return done, cur


def _starts_article(u: _Unit, nxt: _Unit | None, nxt2: _Unit | None, cur: _Open) -> bool:
    photo = nxt is not None and nxt.kind == "text" and nxt2 is not None and nxt2.kind == "credit"
    by_next = nxt is not None and nxt.kind == "byline"
    if u.kind == "section" or (u.kind == "text" and u.cont):
        return True
    if u.kind == "title":  # a headline: byline, photo caption or prose text follows
        return by_next or photo or _prose(nxt) or (
            nxt is not None and nxt.kind == "title" and nxt2 is not None and nxt2.kind == "byline")
    if u.kind != "heading" or _is_subheading(u, nxt, cur):
        return False
    opener = by_next or photo or (nxt is not None and bool(_OPENER.match(nxt.text)))
    run = _title_run(cur.header)  # a headline printed as slogans around the photos
    slogan = han_count(u.text) <= 6 and len(run) >= 2 and all(han_count(h.text) <= 6 for h in run)
    return opener or sum(map(len, cur.body)) >= 200 or not slogan


def _is_subheading(u: _Unit, nxt: _Unit | None, cur: _Open) -> bool:
    levels = [h.level for h in cur.header if h.kind == "heading"]
    deeper = bool(levels) and u.level > max(levels)
    return bool(cur.body) and _prose(nxt) and (deeper or bool(_SUBHEAD_LABEL.match(u.text)))


def _title_run(header: list[_Unit]) -> list[_Unit]:
    """The last run of same-kind, same-level header items: the headline."""
    run: list[_Unit] = []
    for h in reversed(header):
        if run and (h.kind, h.level) != (run[0].kind, run[0].level):
            break
        run.insert(0, h)
    return run


def _finish(o: _Open, page: str | None, year: int | None) -> ArticleDraft:
    run = _title_run(o.header)
    rest = o.header[: len(o.header) - len(run)]
    title = " ".join([h.text for h in run] + o.frags) or _first_clause(o.body[0])
    section = o.section or (rest[-1].text if rest else None)
    draft = ArticleDraft(title, o.body, o.byline, None, section, page, o.cont, o.furniture)
    kickers = [h.text for h in (rest if o.section else rest[:-1])]
    if kickers:
        draft.extra["kickers"] = kickers
    if o.cont_to:
        draft.extra["continued_on"] = o.cont_to
    m = DATELINE.match(o.body[0])
    if m:
        place, month, day, who = m.groups()
        draft.extra["dateline"] = f"{month}月{day}日"
        if place:
            draft.extra["place"] = place
        if who:
            draft.extra["reporters"] = who
            draft.byline = draft.byline or who
        if year:
            draft.date = f"{year:04d}-{int(month):02d}-{int(day):02d}"
    return draft


def _first_clause(text: str) -> str:
    m = DATELINE.match(text)
    body = text[m.end():] if m else text
    return re.split(r"[，。！？；：]|[.!?](?=\s)", body, maxsplit=1)[0][:30] or text[:30]
