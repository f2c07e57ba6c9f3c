"""Uploaded files: saved safely into ``settings.uploads_dir``, ingested, then indexed.

A file name from the browser is never trusted: only its last component is kept,
unsafe characters are replaced, and the final path is checked to lie directly in
the uploads directory. Each file is ingested on its own, so one bad file is
reported and skipped while the others are kept.

Saving is this module's job; ingesting and indexing go through the home's
``Workspace``, as ``corpusqa ingest`` and ``corpusqa index update`` do.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from corpusqa.errors import CorpusQAError, InputError
from corpusqa.i18n import t
from corpusqa.settings import Settings
from corpusqa.workspace import SUPPORTED_SUFFIXES, Workspace

log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 50
MAX_NAME_CHARS = 120
ALLOWED_SUFFIXES = SUPPORTED_SUFFIXES
_UNSAFE = re.compile(r"[^\w.\- ()\[\]（）【】·]", re.UNICODE)

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one uploaded file (status: added/updated/unchanged/error/rejected)."""

    name: str
    status: str
    articles: int = 0
    message: str = ""

    def to_row(self) -> dict:
        return {"name": self.name, "status": self.status, "articles": self.articles, "message": self.message}


@dataclass(frozen=True)
class UploadOutcome:
    """All files of one upload, the corpus size after it, and whether the index changed."""

    files: tuple[FileOutcome, ...]
    articles: int
    index_updated: bool
    index_error: str | None = None

    @property
    def changed(self) -> bool:
        return any(f.status in ("added", "updated") for f in self.files)


def safe_name(name: str) -> str | None:
    """A file name safe to create inside the uploads directory, or None.

    Drops any directory part (``/`` or ``\\``), control and shell-special
    characters and leading dots; keeps Chinese letters; caps the length while
    keeping the extension.
    """
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if not stem.strip("._ "):
        return None
    suffix = suffix.lower()
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(src: Path | str, original_name: str, uploads_dir: Path,
                max_bytes: int = MAX_UPLOAD_MB * 1024 * 1024) -> Path:
    """Copy an uploaded file into ``uploads_dir`` under a sanitized name.

    An existing file of the same name is replaced atomically (re-uploading a file
    updates its articles).

    Raises:
        InputError: a name with a path or control characters (refused, never rewritten),
            a bad name or type, too large, or unreadable.
    """
    shown = str(original_name)[:MAX_NAME_CHARS].replace("\x00", "\\0")
    raw = str(original_name or "")
    if "/" in raw or "\\" in raw or any(unicodedata.category(ch) == "Cc" for ch in raw):
        # a browser sends a bare name: a path here is a crafted request (path traversal)
        raise InputError("ui.upload.path_refused", name=shown)
    name = safe_name(original_name)
    if name is None:
        raise InputError("ui.upload.bad_name", name=shown)
    if Path(name).suffix not in ALLOWED_SUFFIXES:
        raise InputError("ui.upload.bad_type", name=shown, supported=" ".join(ALLOWED_SUFFIXES))
    src = Path(src)
    try:
        size = src.stat().st_size
    except OSError:
        raise InputError("ui.upload.unreadable", name=shown) from None
    if size > max_bytes:
        raise InputError("ui.upload.too_large", name=shown, size_mb=f"{size / 1048576:.1f}",
                         max_mb=f"{max_bytes / 1048576:.0f}")
    uploads_dir.mkdir(parents=True, exist_ok=True)
    root = uploads_dir.resolve()
    dest = root / name
    if dest.parent != root or (dest.exists() and not dest.is_file()):
        raise InputError("ui.upload.bad_name", name=shown)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            while block := f.read(1 << 20):
                out.write(block)
        os.replace(tmp, dest)  # replaces a symlink itself, never its target
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise InputError("ui.upload.unreadable", name=shown) from None
    return dest


def process_uploads(files: Sequence[tuple[Path | str, str]], settings: Settings,
                    update_index: Callable[[Settings], None] | None,
                    progress: Progress | None = None,
                    max_bytes: int = MAX_UPLOAD_MB * 1024 * 1024) -> UploadOutcome:
    """Save, ingest and index uploaded files; never raises for one bad file.

    Args:
        files: (temporary path, name given by the browser) pairs.
        settings: where the corpus, index and uploads live.
        update_index: brings the index up to date with the corpus (None: skip).
        progress: called with (fraction done, what is happening).
        max_bytes: per-file size limit.
    """
    lang = settings.language
    report = progress or (lambda fraction, desc: None)
    steps = len(files) + 1
    outcomes: list[FileOutcome] = []
    workspace = Workspace(settings)
    for i, (src, original) in enumerate(files):
        shown = Path(str(original).replace("\\", "/")).name or str(original)
        report(i / steps, t("ui.upload.ingesting", lang, name=shown))
        try:
            dest = save_upload(src, original, settings.uploads_dir, max_bytes)
        except CorpusQAError as exc:
            outcomes.append(FileOutcome(shown, "rejected", message=exc.message(lang)))
            continue
        outcome = _ingest_one(workspace, dest, lang)
        if dest.name != str(original):  # a path, control or unsafe characters were dropped: say so
            note = t("ui.upload.renamed", lang, name=dest.name)
            outcome = replace(outcome, message="；".join(m for m in (note, outcome.message) if m))
        outcomes.append(outcome)
    index_updated, index_error = False, None
    if update_index is not None and any(o.status in ("added", "updated") for o in outcomes):
        report((steps - 1) / steps, t("ui.upload.indexing", lang))
        try:
            update_index(settings)
            index_updated = True
        except CorpusQAError as exc:
            index_error = t("ui.upload.index_failed", lang, detail=exc.message(lang))
        except Exception as exc:  # the files are kept; tell the admin how to recover
            log.exception("index update after upload failed")
            index_error = t("ui.upload.index_failed", lang, detail=type(exc).__name__)
    report(1.0, t("ui.upload.indexing", lang))
    articles = workspace.corpus_stats()["articles"]
    return UploadOutcome(tuple(outcomes), articles, index_updated, index_error)


def _ingest_one(workspace: Workspace, path: Path, lang: str) -> FileOutcome:
    try:
        report = workspace.ingest([path], progress=False)  # opens and closes its own connection
    except CorpusQAError as exc:
        return FileOutcome(path.name, "error", message=exc.message(lang))
    except Exception as exc:  # one bad file must not stop the others
        log.exception("ingesting upload %s failed", path.name)
        return FileOutcome(path.name, "error", message=t("ui.unexpected", lang, detail=type(exc).__name__))
    result = next((f for f in report.files), None)
    if result is None:
        return FileOutcome(path.name, "error")
    problems = ([result.error] if result.error else []) + list(result.warnings)
    message = "；".join(p.text(lang) for p in problems)
    return FileOutcome(result.name, result.status, result.articles, message)


def summary(outcome: UploadOutcome, language: str) -> str:
    """One line for the admin: how many files worked, how many failed, corpus size."""
    ok = sum(f.status in ("added", "updated", "unchanged") for f in outcome.files)
    failed = len(outcome.files) - ok
    line = t("ui.upload.done", language, ok=ok, failed=failed, articles=outcome.articles)
    return f"{line} {outcome.index_error}" if outcome.index_error else line
