"""Crash-safe layout of an index directory.

::

    index/
      CURRENT            name of the live version, replaced atomically (os.replace)
      v-<time>-<rand>/   a complete index: manifest.json + plain files
      .tmp-<time>-<pid>/ a build in progress (or left by a killed build)
      .lock              held (flock) by the one running build

A build writes a ``.tmp-*`` directory, renames it to ``v-*`` and only then points
``CURRENT`` at it. A reader follows ``CURRENT`` and never sees a half-written version;
a killed build leaves a ``.tmp-*`` (or an unreferenced ``v-*``) that the next build
removes. After a successful swap, versions other than the live one and its predecessor
are deleted (the predecessor stays for readers that resolved ``CURRENT`` just before).
Version names sort by creation time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
import time
from datetime import datetime
from pathlib import Path

from corpusqa.errors import SearchIndexError

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = ".lock"
_TMP_PREFIX = ".tmp-"
_VERSION_PREFIX = "v-"


def current_dir(index_dir: Path) -> Path | None:
    """The live version directory, or None when there is none."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None  # a damaged pointer means no live version; a build writes a new one
    if not name or "/" in name or not name.startswith(_VERSION_PREFIX):
        return None
    path = index_dir / name
    return path if path.is_dir() else None


def versions(index_dir: Path) -> list[Path]:
    """All version directories, oldest first."""
    if not index_dir.is_dir():
        return []
    return sorted(p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(_VERSION_PREFIX))


class BuildLock:
    """An exclusive, non-blocking lock on the index directory (released if the process dies)."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._fd: int | None = None

    def __enter__(self) -> "BuildLock":
        self.index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SearchIndexError("index.busy", path=str(self.index_dir))
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def clean_leftovers(index_dir: Path) -> list[str]:
    """Remove ``.tmp-*`` dirs of killed builds (call with the build lock held)."""
    removed = []
    if index_dir.is_dir():
        for p in index_dir.iterdir():
            if p.name.startswith(_TMP_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
    if removed:
        logger.info("removed leftovers of interrupted builds: %s", ", ".join(removed))
    return removed


def new_tmp_dir(index_dir: Path) -> Path:
    """A fresh private directory for a build in progress."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"{_TMP_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def publish(index_dir: Path, tmp: Path) -> Path:
    """Make ``tmp`` the live version atomically, then garbage-collect old versions."""
    _fsync_tree(tmp)
    previous = current_dir(index_dir)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S.%f")
    final = index_dir / f"{_VERSION_PREFIX}{stamp}-{secrets.token_hex(2)}"
    os.rename(tmp, final)
    pointer = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(final.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    gc(index_dir, keep=(final, previous))
    return final


def retire(index_dir: Path) -> None:
    """Take the live version down (its corpus is empty): ``CURRENT`` goes first, then the versions.

    Readers that already resolved ``CURRENT`` keep their memory-mapped files; new ones
    find no index.
    """
    with BuildLock(index_dir):
        (index_dir / CURRENT).unlink(missing_ok=True)
        _fsync_dir(index_dir)
        for p in versions(index_dir):
            shutil.rmtree(p, ignore_errors=True)


def gc(index_dir: Path, keep: tuple[Path | None, ...] = ()) -> list[str]:
    """Delete every version except the live one and those in ``keep``."""
    live = current_dir(index_dir)
    if live is None:
        return []
    kept = {live, *(p for p in keep if p is not None)}
    doomed = [p for p in versions(index_dir) if p not in kept]
    for p in doomed:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in doomed]


def dir_size(path: Path) -> int:
    """Bytes used by the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for d in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(d)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
