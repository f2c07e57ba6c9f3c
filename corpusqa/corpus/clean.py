"""Text cleaning for OCR/PDF newspaper pages: safe normalisation and paragraph blocks.

``normalize_text`` guarantees (and is idempotent):

* Unicode: full-width ASCII letters, digits and ``% + = @`` become ASCII, the ideographic space and
  NBSP become a space, zero-width characters are dropped, Kangxi radicals (U+2F00-2FDF)
  and CJK compatibility ideographs are NFKC-folded. Nothing else is folded: circled
  numbers (⑮), ``…``, ``·``, ``㎡`` and full-width punctuation are kept as printed.
* Punctuation: ASCII ``, : ; ? ! ( )`` next to a Chinese character or Chinese punctuation
  become ``，：；？！（）``. Between digits they are kept (``1,000``, ``5:1``); ``.`` is never
  touched (``98.9%``).
* Whitespace: runs collapse to one space; spaces between Chinese text and a number are
  removed (``2016 年`` -> ``2016年``, ``村 24 个`` -> ``村24个``) and so are spaces next to
  Chinese punctuation. ONE space between two Chinese characters is KEPT: in this corpus
  it marks a lost quotation mark or a headline half (``评星晋级 争创双强六好``,
  ``胸怀千秋伟业 恰是百年风华``), so removing it would merge two phrases. Spaces between
  Latin words are kept.

``clean_page`` turns a raw page into normalised ``Block``s (paragraph candidates). Pages
printed in hard-wrapped narrow columns are detected statistically (``is_hard_wrapped``)
and their lines rejoined into paragraphs; there blank lines are column breaks.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from typing import Callable

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』…—～·"
_CTX = f"[{HAN}{CJK_PUNCT}]"  # "Chinese context" for punctuation and spacing rules
_SENT_END = re.compile(r"(?:[。！？!?；;…]|[。！？!?…][”’」』）)])$")
_FOLD_NFKC = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_FOLDED = [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B),
           0xFF05, 0xFF0B, 0xFF1D, 0xFF20]  # full-width digits, letters, % + = @
_FULLWIDTH = {c: chr(c - 0xFEE0) for c in _FOLDED}
_FULLWIDTH.update({0x3000: " ", 0x00A0: " ", 0x200B: "", 0x200C: "", 0x200D: "", 0xFEFF: "",
                   0x2060: "", ord("\t"): " ", ord("\n"): " ", ord("\r"): " "})
_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
#: ``(pattern, replacement)`` rules applied in order by ``_normalize_once``.
_Rules = list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]]
_PUNCT_RULES: _Rules = [
    (re.compile(rf"(?<={_CTX}) *([,:;?!]) *"), lambda m: _PUNCT[m.group(1)]),
    (re.compile(rf" *([,:;?!]) *(?={_CTX})"), lambda m: _PUNCT[m.group(1)]),
]
_PAREN_PAIR = re.compile(r"(.?)\(([^()]*)\)(.?)")
#: ``14，542`` (full-width thousands separator): groups of exactly three digits after a
#: first group of one to three; ``2023，100名`` (a year, then a number) is left alone.
_THOUSANDS = re.compile(r"(?<!\d)\d{1,3}(?:，\d{3})+(?![\d.])")
_HAS_CTX = re.compile(_CTX)
_SPACE_RULES: _Rules = [
    (re.compile(rf"(?<={_CTX}) +(?=[0-9])"), ""),
    (re.compile(rf"(?<=[0-9%‰]) +(?={_CTX})"), ""),
    (re.compile(f" *([{CJK_PUNCT}]) *"), r"\1"),
]


def normalize_text(s: str) -> str:
    """Safe normalisation of one paragraph (see module docstring). Idempotent."""
    # One pass can create a new Chinese context for a neighbour (``::中`` -> ``:：中``,
    # ``):中`` -> ``)：中``), so repeat to a fixed point. Every pass only turns ASCII marks
    # full-width or removes characters, so this ends (after two passes almost always).
    out = _normalize_once(s)
    while out != s:
        s, out = out, _normalize_once(out)
    return out


def _normalize_once(s: str) -> str:
    s = _FOLD_NFKC.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s.translate(_FULLWIDTH))
    s = re.sub(r"(?<=\d)．(?=\d)", ".", s)
    s = _THOUSANDS.sub(lambda m: m.group().replace("，", ","), s)
    s = re.sub(r" {2,}", " ", s).strip()
    s = _PAREN_PAIR.sub(_paren_pair, s)
    s = re.sub(rf"(?<={_CTX}) *\(|\( *(?={_CTX})", "（", s)
    s = re.sub(rf"(?<={_CTX}) *\)|\) *(?={_CTX})", "）", s)
    for rx, repl in _PUNCT_RULES:
        s = rx.sub(repl, s)
    for rx, repl in _SPACE_RULES:
        s = rx.sub(repl, s)
    return s


def _paren_pair(m: re.Match) -> str:
    before, inner, after = m.groups()
    if _HAS_CTX.search(inner) or _HAS_CTX.match(before or "x") or _HAS_CTX.match(after or "x"):
        return f"{before}（{inner.strip()}）{after}"
    return m.group()


def ends_sentence(s: str) -> bool:
    """True when ``s`` ends with 。！？；… (optionally followed by a closing quote)."""
    return bool(_SENT_END.search(s.rstrip()))


def han_count(s: str) -> int:
    """Number of Chinese characters in ``s``."""
    return len(re.findall(f"[{HAN}]", s))


def width(s: str) -> float:
    """Printed width in em: Chinese characters and punctuation 1, ASCII and spaces 0.5."""
    return sum(0.5 if ord(c) < 0x2000 else 1.0 for c in s.strip())


def smart_join(parts: list[str], sep: str = "") -> str:
    """Join printed lines: no separator inside Chinese text, a space between Latin words."""
    out = ""
    for p in (p.strip() for p in parts):
        if out and p and (sep or (out[-1].isascii() and out[-1].isalpha() and p[0].isascii())):
            out += " "
        out += p
    return out


@dataclass(frozen=True)
class Block:
    """A paragraph candidate of a page, normalised.

    ``lines`` are the printed lines (normalised); ``heading`` the Markdown level (0 = not a
    heading); ``title_like`` marks a block printed as Markdown line-broken lines (one
    title on several lines) or a standalone line in hard-wrapped columns; ``raw`` is the
    stripped source text (page markers such as ``30 特刊`` are kept verbatim from it).
    """

    text: str
    lines: tuple[str, ...] = ()
    heading: int = 0
    title_like: bool = False
    gap: int = 1
    raw: str = ""


def is_hard_wrapped(lines: list[str]) -> bool:
    """Detect a page printed in narrow hard-wrapped columns.

    True when the page has >= 8 non-blank lines, their median length is <= 60, >= 60 %
    of them do not end a sentence, and >= 50 % are directly followed by another
    non-blank line (elsewhere paragraphs are separated by blank lines).
    """
    idx = [i for i, line in enumerate(lines) if line.strip()]
    if len(idx) < 8:
        return False
    lens = [len(lines[i].strip()) for i in idx]
    open_ = sum(not ends_sentence(lines[i]) for i in idx) / len(idx)
    adjacent = sum(i + 1 < len(lines) and bool(lines[i + 1].strip()) for i in idx) / len(idx)
    return statistics.median(lens) <= 60 and open_ >= 0.6 and adjacent >= 0.5


def clean_page(raw: str) -> list[Block]:
    """Split a raw page into normalised blocks (paragraph candidates), in page order.

    Every block has text: a line that normalises to nothing (only zero-width characters,
    an empty ``##`` heading) makes no block.
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    blocks = _hard_wrapped_blocks(lines) if is_hard_wrapped(lines) else _paragraph_blocks(lines)
    return [b for b in blocks if b.text]


def _heading(line: str) -> Block | None:
    m = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
    if not m:
        return None
    text = m.group(2)
    if text.count("/") >= 3:  # vertical banners printed one character per cell: 启/航/新/征/程
        text = re.sub(f"(?<=[{HAN}])/(?=[{HAN}])", "", text)
    text = normalize_text(text)
    long_or_prose = han_count(text) > 40 or "。" in text[:-1]
    return Block(text, (text,), 0 if long_or_prose else len(m.group(1)), raw=line.strip())


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    group: list[str] = []
    gap = 0

    def flush() -> None:
        nonlocal gap
        md_break = any(g.endswith("  ") for g in group[:-1])
        norm = tuple(normalize_text(g) for g in group)
        text = normalize_text(smart_join(list(norm), " " if md_break else ""))
        blocks.append(Block(text, norm, 0, md_break, gap, "\n".join(g.strip() for g in group)))
        group.clear()
        gap = 0

    for line in lines:
        if not line.strip():
            if group:
                flush()
            gap += 1
            continue
        head = _heading(line)
        if head is None:
            group.append(line.rstrip("\n"))
            continue
        if group:
            flush()
        blocks.append(Block(head.text, head.lines, head.heading, False, gap, head.raw))
        gap = 0
    if group:
        flush()
    return blocks


def _standalone(line: str, nxt: str) -> bool:
    """Never part of a column paragraph: headings, bylines, credits, ``■栏目`` markers, and a
    title line just above a byline."""
    title = 2 <= han_count(line) <= 32 and not re.search("[，,。；;、：:]", line)
    marker = line.startswith("■") and len(line) <= 20 and not ends_sentence(line)
    return bool(_heading(line)) or is_byline(line) or is_credit(line) or marker or (
        title and is_byline(nxt))


def _hard_wrapped_blocks(lines: list[str]) -> list[Block]:
    """Rejoin column lines; a paragraph ends at a short line that ends a sentence."""
    rows = [line.strip() for line in lines if line.strip()]
    alone = [_standalone(r, rows[i + 1] if i + 1 < len(rows) else "") for i, r in enumerate(rows)]
    blocks: list[Block] = []
    start = 0
    while start < len(rows):
        if alone[start]:
            blocks.append(_heading(rows[start]) or _line_block(rows[start], True))
            start += 1
            continue
        end = start
        while end < len(rows) and not alone[end]:
            end += 1
        blocks.extend(_rejoin(rows[start:end]))
        start = end
    return blocks


def _rejoin(rows: list[str]) -> list[Block]:
    typical = statistics.median(width(r) for r in rows)
    out: list[Block] = []
    para: list[str] = []
    for i, row in enumerate(rows):
        short = width(row) <= typical - 1.5
        if para and short and not ends_sentence(row) and ends_sentence(para[-1]):
            out.append(_line_block(smart_join(para)))  # an indented first line opens a paragraph
            para = []
        para.append(row)
        if short and ends_sentence(row):
            out.append(_line_block(smart_join(para)))
            para = []
    if para:
        out.append(_line_block(smart_join(para)))
    return out


def _line_block(text: str, title_like: bool = False) -> Block:
    norm = normalize_text(text)
    return Block(norm, (norm,), 0, title_like, 1, text)


# --- page furniture and bylines ------------------------------------------------------
ROLE = r"(?:(?:本报|新华社)?(?:特约|见习|实习|首席)?(?:记者|通讯员|评论员)|实习生|作者|撰稿)"
_NAME = f"[{HAN}·]{{2,5}}"
_OFFICE = re.compile(rf"^[{HAN}]{{2,12}}(?:书记|市长|盟长|主席|县长|旗长|区长|部长|厅长|局长|主任|院长)"
                     rf"\s+[{HAN}·]{{2,4}}$")
_CREDIT = re.compile(rf"^[（(]?(?:{ROLE}\s*)?{_NAME}(?:\s+{_NAME})*\s*/?\s*摄(?:影)?[）)]?$")
_EDITORS = re.compile(r"责任编辑|执行总策划|总策划|美术编辑|版式设计|校对|组版|制图|图片编辑")
_FURNITURE = re.compile(
    r"^（本版.*）$|^（[^）]{0,40}(?:来源|提供)[^）]{0,20}）$"  # source notes
    rf"|^[{HAN}]{{2,8}}(?:日报|晚报|时报|晨报)$"  # masthead
    r"|^\d{4}年\d{1,2}月\d{1,2}日\s*星期.$|^■?(?:下转|转)第\d+版$")


def is_credit(text: str) -> bool:
    """A photo credit: ``唐璇博 摄``, ``本报记者 王晓博 摄``."""
    return bool(_CREDIT.match(text.strip()))


def is_byline(text: str) -> bool:
    """``□本报记者 王玉琢 通讯员 王红梅``, ``◎宋爽``, ``本报记者 白丹``, ``赤峰市委书记 毕力夫``."""
    t = text.strip()
    if _OFFICE.match(t) or (t[:1] in "□◎○" and 1 < len(t) <= 40 and not re.search("[，。；]", t)):
        return True
    names, roles = 0, 0
    for tok in t.split():
        m = re.fullmatch(rf"({ROLE})[:：]?({_NAME})?", tok)
        if m:
            roles, names = roles + 1, names + bool(m.group(2))
        elif re.fullmatch(f"[{HAN}·]{{2,4}}", tok):
            names += 1
        else:
            return False
    return roles > 0 and names > 0 and not t.endswith("摄")


def is_furniture(block: Block, latin_banners: bool = True) -> bool:
    """Editor lists, masthead, page-date lines, ``(本版…)`` notes, English banner blocks."""
    t = block.text
    latin = latin_banners and any(
        len(line) >= 10 and not re.search(f"[{HAN}]", line)
        and sum(c.isalpha() for c in line) >= 0.6 * len(line) for line in block.lines)
    editors = bool(_EDITORS.search(t)) and not ends_sentence(t) and "，" not in t
    return latin or editors or bool(_FURNITURE.match(t))


# --- datelines and the page year ---------------------------------------------------------
DATELINE = re.compile(rf"^(?:本报|新华社)([{HAN}]{{0,8}}?)(\d{{1,2}})月(\d{{1,2}})日[讯电]"
                      r"(?:[（(]([^）)]{2,40})[）)])?")


def infer_year(furniture: list[str], texts: list[str]) -> int | None:
    """The page's year, conservatively: a full date printed in the page furniture (header),
    else a bare year there (editor block ``2021年``), else ``党的第N个生日`` in the text
    (1921 + N). Years merely mentioned in body text (``截至2021年底``) are NOT used."""
    for rx in (r"((?:19|20)\d{2})年\d{1,2}月\d{1,2}日", r"((?:19|20)\d{2})年"):
        for t in furniture:
            m = re.search(rx, t)
            if m:
                return int(m.group(1))
    for t in texts:
        m = re.search(r"党的第(\d{2,3})个生日", t)
        if m:
            return 1921 + int(m.group(1))
    return None
