"""Read corpus files (.txt .md .html .docx .pdf .jsonl) into raw page text or documents.

Loading never raises for a bad file: the problem is recorded on the
``LoadedFile`` (a message key and its parameters) so that one unreadable file
does not stop the others. Text is decoded by ``decode_bytes``: BOMs first, then
strict UTF-8, UTF-16 without a BOM, strict GB18030 (a superset of GBK/GB2312) or
Big5/CP950, whichever reads as common Chinese characters (``_chinese_score``), and
charset-normalizer only as a last resort.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpusqa.errors import InputError
from corpusqa.i18n import t

log = logging.getLogger(__name__)

TEXT_FORMATS = {".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html"}
BINARY_FORMATS = {".docx": "docx", ".pdf": "pdf"}
FORMATS = {**TEXT_FORMATS, **BINARY_FORMATS, ".jsonl": "jsonl"}
SUPPORTED = " ".join(sorted(FORMATS))

_SIGNATURES = (  # magic bytes of common non-text files -> format name shown to the user
    (b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP"), (b"\x1f\x8b", "GZIP"),
    (b"\xd0\xcf\x11\xe0", "DOC/XLS"), (b"Rar!", "RAR"), (b"7z\xbc\xaf", "7z"), (b"\x7fELF", "ELF"),
)
_PLAUSIBLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u206f\x20-\x7e\s]")
_BIG5_CODECS = ("big5", "cp950", "big5hkscs")  # strict first; CP950 and HKSCS add characters
_SCORE_SAMPLE = 20_000  # characters of each decoding compared (a large file needs no more)
_BIG5_MARGIN = 0.15  # Big5 must read clearly better: GBK stays the default for mainland files
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass(frozen=True)
class Problem:
    """A user-facing problem: a message key from ``corpus/messages.py`` and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "zh") -> str:
        return t(self.key, language, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params), "message": self.text("zh")}


@dataclass(frozen=True)
class LoadedFile:
    """One input file after loading.

    Exactly one of ``pages`` (raw page text, to be segmented), ``documents``
    (ready-made JSONL documents) or ``error`` is meaningful. ``warnings`` lists
    skipped JSONL lines.
    """

    path: Path
    name: str
    sha256: str
    size: int
    encoding: str | None
    format: str
    pages: tuple[str, ...] = ()
    documents: tuple[dict[str, Any], ...] = ()
    error: Problem | None = None
    warnings: tuple[Problem, ...] = ()

    def info(self) -> dict[str, Any]:
        """The fields the store keeps about a source file."""
        return {"name": self.name, "path": str(self.path), "sha256": self.sha256, "size": self.size,
                "encoding": self.encoding, "format": self.format}


def discover(path: Path | str) -> list[tuple[Path, str]]:
    """Files to load under ``path`` as ``(path, name)``; the name is relative to a folder argument.

    Hidden files and folders are skipped; unsupported extensions inside a folder
    are skipped with a logged note. A single file is returned as given (even if
    unsupported, so that loading can report it).
    """
    path = Path(path)
    if not path.is_dir():
        return [(path, path.name)]
    found = []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.suffix.lower() not in FORMATS:
            log.info(t("corpus.load.skipped", "en", name=rel.as_posix()))
            continue
        found.append((p, rel.as_posix()))
    return found


def load_path(path: Path | str) -> list[LoadedFile]:
    """Load a file, or every supported file under a folder (recursive, sorted)."""
    return [load_file(p, name) for p, name in discover(path)]


def load_file(path: Path | str, name: str | None = None, data: bytes | None = None) -> LoadedFile:
    """Load one file; ``data`` may be passed when the bytes were already read."""
    path = Path(path)
    name = name or path.name
    fmt = FORMATS.get(path.suffix.lower(), "unknown")
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return _failed(path, name, fmt, b"", Problem("corpus.load.not_found", {"name": name}))
        except OSError as exc:
            return _failed(path, name, fmt, b"", Problem("corpus.load.unreadable",
                                                         {"name": name, "detail": exc.strerror or exc}))
    if fmt == "unknown":
        return _failed(path, name, fmt, data, Problem("corpus.load.unsupported", {
            "name": name, "ext": path.suffix or "(none)", "supported": SUPPORTED}))
    if not data.strip():
        return _failed(path, name, fmt, data, Problem("corpus.load.empty", {"name": name}))
    base: dict[str, Any] = {"path": path, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "format": fmt}
    try:
        if fmt == "docx":
            return LoadedFile(**base, encoding=None, pages=(_docx_text(data, name),))
        if fmt == "pdf":
            return LoadedFile(**base, encoding=None, pages=_pdf_pages(data, name))
        text, encoding = decode_bytes(data, name)
        if fmt == "jsonl":
            docs, warnings = parse_jsonl(text, name)
            if not docs:
                return LoadedFile(**base, encoding=encoding, warnings=warnings,
                                  error=Problem("corpus.jsonl.no_documents", {"name": name}))
            return LoadedFile(**base, encoding=encoding, documents=docs, warnings=warnings)
        if fmt == "html":
            text = html_text(text)
        pages = tuple(p for p in text.split("\f") if p.strip())
        if not pages:
            return LoadedFile(**base, encoding=encoding, error=Problem("corpus.load.empty", {"name": name}))
        return LoadedFile(**base, encoding=encoding, pages=pages)
    except InputError as exc:
        return LoadedFile(**base, encoding=None, error=Problem(exc.key, exc.params))


def _failed(path: Path, name: str, fmt: str, data: bytes, problem: Problem) -> LoadedFile:
    return LoadedFile(path=path, name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      encoding=None, format=fmt, error=problem)


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode file bytes to text with ``\\n`` line ends; returns ``(text, encoding)``.

    Raises:
        InputError: binary data (NUL bytes, known file signatures) or no
            plausible encoding; the message names the file and says what to do.
    """
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                     (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return _newlines(data.decode(enc)), enc
            except UnicodeDecodeError:
                raise InputError("corpus.load.undecodable", name=name) from None
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            raise InputError("corpus.load.binary", name=name, kind=kind)
    if b"\x00" in data:
        # UTF-16 without a BOM: newlines and ASCII give NUL bytes. GBK or binary
        # data read as UTF-16 lands in Hangul, surrogates and private use instead.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _plausibility(text) > 0.9:
                return _newlines(text), enc
        raise InputError("corpus.load.binary_nul", name=name)
    try:
        return _newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    found = _decode_chinese(data)
    if found is not None:
        return _newlines(found[0]), found[1]
    return _guess(data, name)


def _decode_chinese(data: bytes) -> tuple[str, str] | None:
    """GB18030 or Big5, whichever reads as Chinese; None when neither decodes strictly.

    Almost any Big5 byte pair is also a valid GBK/GB18030 pair, so a Big5 file always
    "decodes" as GB18030, into rare characters, kana and private-use garbage
    (``臺灣的報紙`` becomes ``籓芖厨さ祇``). Both decodings are therefore scored by the
    share of common Chinese characters, and Big5 wins only by a clear margin.
    """
    candidates = []
    try:
        candidates.append((data.decode("gb18030"), "gb18030"))
    except UnicodeDecodeError:
        pass
    for enc in _BIG5_CODECS:
        try:
            candidates.append((data.decode(enc), enc))
            break
        except UnicodeDecodeError:
            continue
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    (gb, gb_enc), (big5, big5_enc) = candidates
    if _chinese_score(big5[:_SCORE_SAMPLE]) > _chinese_score(gb[:_SCORE_SAMPLE]) + _BIG5_MARGIN:
        log.info("decoded as %s rather than GB18030 (reads as Traditional Chinese)", big5_enc)
        return big5, big5_enc
    return gb, gb_enc


def _chinese_score(text: str) -> float:
    """Share of the non-ASCII characters that are common Chinese characters or CJK punctuation.

    A character is common when it, or its Simplified form, is a level-1 GB2312 hanzi (the
    3,755 most frequent). Real text, Simplified or Traditional, scores above 0.9; text
    decoded with the wrong one of GBK and Big5 scores about 0.3-0.5.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    if not wide:
        return 0.0
    return sum(_is_common(ch) for ch in wide) / len(wide)


@lru_cache(maxsize=65536)
def _is_common(ch: str) -> bool:
    if "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or "\u2010" <= ch <= "\u206f":
        return True  # CJK and fullwidth punctuation, quotes, dashes
    if not "\u4e00" <= ch <= "\u9fff":
        return False
    if _gb2312_level1(ch):
        return True
    from corpusqa.chinese_script import to_simplified

    simple = to_simplified(ch)
    return simple != ch and len(simple) == 1 and _gb2312_level1(simple)


def _gb2312_level1(ch: str) -> bool:
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0 <= code[0] <= 0xD7


def _guess(data: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise InputError("corpus.load.undecodable", name=name)
    text = str(best)
    if _plausibility(text) < 0.9:
        raise InputError("corpus.load.undecodable", name=name)
    log.info("%s: guessed encoding %s (chaos %.2f)", name, best.encoding, best.chaos)
    return _newlines(text), best.encoding


def _plausibility(text: str) -> float:
    """Share of characters that are CJK, CJK punctuation, ASCII or whitespace."""
    if not text:
        return 0.0
    return len(_PLAUSIBLE.findall(text)) / len(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_jsonl(text: str, name: str) -> tuple[tuple[dict[str, Any], ...], tuple[Problem, ...]]:
    """Parse JSON Lines documents; bad lines become warnings with their line number."""
    docs, warnings, seen = [], [], set()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            warnings.append(Problem("corpus.jsonl.bad_json", {"name": name, "line": number}))
            continue
        body = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(body, str) or not body.strip():
            warnings.append(Problem("corpus.jsonl.no_text", {"name": name, "line": number}))
            continue
        doc_id = obj.get("pid", obj.get("id"))
        doc = {"id": None if doc_id is None else str(doc_id), "title": str(obj.get("title") or ""),
               "text": body, "line": number}
        for key in ("date", "source", "byline", "section", "page"):
            if obj.get(key) not in (None, ""):
                doc[key] = str(obj[key])
        if doc["id"] is not None:
            if doc["id"] in seen:
                warnings.append(Problem("corpus.jsonl.duplicate_id", {"name": name, "line": number,
                                                                      "id": doc["id"]}))
                continue
            seen.add(doc["id"])
        docs.append(doc)
    return tuple(docs), tuple(warnings)


def html_text(html: str) -> str:
    """Readable text of an HTML page: h1-h3 become ``# `` headings, blocks become paragraphs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template", "svg", "iframe", "head"]):
        tag.decompose()
    for tag in soup.find_all(["h1", "h2", "h3"]):
        for br in tag.find_all("br"):  # a broken headline keeps its halves apart, as on paper
            br.replace_with(" ")
        tag.replace_with(f"\x02# {_collapse(tag.get_text())}\x02")
    for tag in soup.find_all("br"):
        tag.replace_with("\x02")
    for tag in soup.find_all(["p", "div", "li", "h4", "h5", "h6", "tr", "section", "article",
                              "blockquote", "pre", "header", "footer", "figcaption", "dd", "dt"]):
        tag.insert_before("\x02")
        tag.insert_after("\x02")
    parts = (_collapse(p) for p in soup.get_text().split("\x02"))
    return "\n\n".join(p for p in parts if p)


def _collapse(text: str) -> str:
    # A line break between Chinese characters in HTML source is layout, not a space;
    # a plain space there is kept (it often separates the halves of a headline).
    return re.sub(r"\s+", " ", _CJK_BREAK.sub("", text)).strip()


def _docx_text(data: bytes, name: str) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for bad zips
        raise InputError("corpus.load.bad_docx", name=name, detail=type(exc).__name__) from None
    blocks = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            text = para.text.strip()
            style = (para.style.name if para.style is not None else "") or ""
            if text and (style.startswith(("Heading", "Title")) or style.startswith("标题")):
                text = "# " + " ".join(text.split())
            blocks.append(text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                blocks.append(" ".join(cells))
    text = "\n\n".join(b for b in blocks if b)
    if not text.strip():
        raise InputError("corpus.load.empty", name=name)
    return text


def _pdf_pages(data: bytes, name: str) -> tuple[str, ...]:
    from pypdf import PdfReader

    # pypdf logs warnings ("EOF marker not found") on damaged files; the user gets
    # one message about the file instead.
    pdf_log = logging.getLogger("pypdf")
    level = pdf_log.level
    pdf_log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = tuple(_newlines(page.extract_text() or "") for page in reader.pages)
    except Exception as exc:  # pypdf raises many error types on damaged files
        raise InputError("corpus.load.bad_pdf", name=name, detail=type(exc).__name__) from None
    finally:
        pdf_log.setLevel(level)
    pages = tuple(p for p in pages if p.strip())
    if not pages:
        raise InputError("corpus.load.pdf_no_text", name=name)
    return pages
