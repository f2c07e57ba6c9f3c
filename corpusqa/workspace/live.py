"""A loaded assistant that follows its home: index versions and corpus changes made elsewhere.

A long-running server (``corpusqa serve``) opens an ``Assistant`` once, but the newsroom's
nightly script ingests and runs ``corpusqa index update`` in another process. ``LiveAssistant``
notices that from a cheap signature of the home (the index's ``CURRENT`` pointer and the
corpus database's files, stat'ed, never opened) and swaps in a freshly loaded assistant:

* the new assistant is loaded (and warmed) while the old one keeps answering;
* the swap is one reference assignment under a lock, so a question sees either version whole;
* a question holds a lease on the version it started with (``with live.use() as assistant``)
  and finishes on it; the old version is closed when its last lease ends, and nothing keeps a
  reference to it afterwards, so memory stays flat over many swaps;
* a new index version is loaded at once; a corpus-only change (an ingest not yet indexed)
  once it has been quiet for a while, since the index update that follows is what answers;
* a change that cannot be loaded yet (a corpus ingested but not indexed: ``index_stale``)
  keeps the old version serving; the next change of the signature is tried again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from corpusqa.index.versions import CURRENT
from corpusqa.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 2.0  # how often the home is stat'ed, at most (per question and by the watcher)
CORPUS_SETTLE_S = 30.0    # a corpus written without a new index version: loaded once quiet this long

Signature = tuple
Factory = Callable[[Settings], Any]
Warm = Callable[[Any], None]


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def live_version(settings: Settings) -> str | None:
    """Name of the live index version (what ``CURRENT`` points at, or the collection the
    Milvus alias points at), or None."""
    if settings.index_uri:
        from corpusqa.workspace.milvus_home import live_collection

        return live_collection(settings)
    try:
        return (settings.index_dir / CURRENT).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def home_signature(settings: Settings) -> Signature:
    """What changes when another process publishes an index version or writes the corpus.

    ``CURRENT`` is replaced atomically (a new inode) by every build, update and append; a
    write to the corpus database lands in its WAL file (or the file itself after a
    checkpoint). A few ``stat`` calls and one tiny read: cheap enough for every question.
    With a Milvus index the version is the collection its alias points at (one request;
    None while the server is away, which keeps the loaded version serving).
    """
    db = settings.db_path
    return (live_version(settings), _stat(settings.index_dir / CURRENT),
            _stat(db), _stat(db.with_name(db.name + "-wal")))


@dataclass
class _Loaded:
    """One loaded version and the questions answering on it."""

    assistant: Any
    signature: Signature
    version: str | None
    loaded_at: float
    users: int = 0
    retired: bool = False


class LiveAssistant:
    """The current assistant of a home, swapped when the home changes.

    Args:
        settings: the home.
        factory: builds a loaded assistant (``Workspace(settings).open_assistant()`` normally).
        interval: seconds between two checks of the home, at most; 0 checks on every question.
        warm: called with a freshly loaded assistant before it is swapped in (one question,
            so the first user of the new version does not pay for lazy loading); its errors
            are logged and ignored.
        signature: the home's signature function (tests inject a counter).
        settle: seconds a corpus-only change (no new index version) must stay unchanged
            before it is loaded.
    """

    def __init__(self, settings: Settings, factory: Factory, interval: float = DEFAULT_INTERVAL_S,
                 warm: Warm | None = None, signature: Callable[[Settings], Signature] = home_signature,
                 settle: float = CORPUS_SETTLE_S):
        if interval < 0 or settle < 0:
            raise ValueError("interval and settle must be >= 0")
        self.settings = settings
        self.interval = float(interval)
        self.settle = float(settle)
        self._pending: Signature | None = None  # a corpus-only change waiting to settle
        self._pending_since = 0.0
        self._factory = factory
        self._warm = warm
        self._signature = signature
        self._current: _Loaded | None = None
        self._lock = threading.Lock()          # guards _current and the lease counts
        self._load_lock = threading.Lock()     # one load at a time
        self._checked_at = 0.0
        self._failed: Signature | None = None  # a signature whose load failed: not retried
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.swaps = 0

    # -- reading -------------------------------------------------------------------
    def get(self) -> Any:
        """The current assistant, loaded on first use (loading errors reach the caller).

        Prefer ``use()`` for answering: it keeps the version open until the question ends.
        """
        with self.use() as assistant:
            return assistant

    @contextlib.contextmanager
    def use(self) -> Iterator[Any]:
        """Lease the current assistant for one question; a swap meanwhile does not close it."""
        self.maybe_refresh()
        entry = self._acquire()
        try:
            yield entry.assistant
        finally:
            self._release(entry)

    @property
    def version(self) -> str | None:
        """The index version being served (None before the first load)."""
        current = self._current
        return current.version if current else None

    @property
    def loaded(self) -> bool:
        return self._current is not None

    # -- refreshing ----------------------------------------------------------------
    def maybe_refresh(self) -> bool:
        """Check the home if ``interval`` has passed since the last check; swap on change.

        While the watcher runs (``start``) it does the checking and loading in the
        background, so a question never waits for a new version to load.
        """
        if self._current is None or self.watching or time.monotonic() - self._checked_at < self.interval:
            return False
        return self.refresh()

    @property
    def watching(self) -> bool:
        return self._watcher is not None and self._watcher.is_alive()

    def _due(self, sig: Signature) -> bool:
        """Whether ``sig`` should be loaded now."""
        current = self._current.signature if self._current else None
        if sig == current or sig == self._failed:
            return False
        if current is None or sig[:2] != current[:2]:
            return True  # a new index version: at once
        # Only the corpus changed: an ingest is normally followed by an index update, and
        # the index is what answers; load once the corpus has been quiet for ``settle`` s.
        now = time.monotonic()
        if sig != self._pending:
            self._pending, self._pending_since = sig, now
        return now - self._pending_since >= self.settle

    def refresh(self, force: bool = False) -> bool:
        """Load and swap in a new assistant when the home changed (always when ``force``).

        Never raises while an older version can keep serving: a failed load is logged and
        the same signature is not retried. Returns whether a new version was swapped in.
        """
        self._checked_at = time.monotonic()
        if self._current is None:
            self._acquire_first()
            return True
        if not force and not self._due(self._signature(self.settings)):
            return False
        with self._load_lock:
            sig = self._signature(self.settings)
            if not force and not self._due(sig):
                return False  # another thread loaded it while this one waited
            try:
                fresh = self._load(sig)
            except Exception as exc:
                self._failed = sig
                message = getattr(exc, "message", None)
                log.warning("the home %s changed but cannot be loaded yet; still serving %s: %s",
                            self.settings.home, self.version, message("en") if callable(message) else exc,
                            exc_info=not callable(message))
                return False
            self._swap(fresh)
            return True

    def _load(self, sig: Signature, warm: bool = True) -> _Loaded:
        started = time.perf_counter()
        assistant = self._factory(self.settings)
        if warm and self._warm is not None:
            try:
                self._warm(assistant)
            except Exception:  # a failed warm-up only costs time later
                log.warning("warm-up of the new assistant failed", exc_info=True)
        version = sig[0] if sig and isinstance(sig[0], (str, type(None))) else None
        log.info("loaded index version %s of %s in %.1f s", version, self.settings.home,
                 time.perf_counter() - started)
        return _Loaded(assistant, sig, version, time.time())

    def _acquire_first(self) -> None:
        with self._load_lock:
            if self._current is None:
                # not warmed: the caller decides (``ChatService.warm_up``)
                entry = self._load(self._signature(self.settings), warm=False)
                with self._lock:
                    self._current = entry
                self._checked_at = time.monotonic()

    def _swap(self, fresh: _Loaded) -> None:
        with self._lock:
            old, self._current = self._current, fresh
            self._failed = self._pending = None
            self.swaps += 1
            if old is not None:
                old.retired = True
                close_now = old.users == 0
        log.info("serving index version %s (was %s)", fresh.version, old.version if old else None)
        if old is not None and close_now:
            _close(old)

    def _acquire(self) -> _Loaded:
        if self._current is None:
            self._acquire_first()
        with self._lock:
            entry = self._current
            assert entry is not None
            entry.users += 1
            return entry

    def _release(self, entry: _Loaded) -> None:
        with self._lock:
            entry.users -= 1
            close_now = entry.retired and entry.users == 0
        if close_now:
            _close(entry)

    # -- watching ------------------------------------------------------------------
    def start(self) -> None:
        """Check the home every ``interval`` seconds in a daemon thread (idempotent)."""
        if self._watcher is not None and self._watcher.is_alive():
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, name="corpusqa-live-reload", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop the watcher thread (the current assistant keeps serving)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None

    def _watch(self) -> None:
        while not self._stop.wait(max(self.interval, 0.2)):
            if self._current is None:
                continue  # nothing loaded yet: the first question loads it
            try:
                self.refresh()
            except Exception:  # the watcher must survive anything
                log.exception("checking the home for changes failed")


def _close(entry: _Loaded) -> None:
    """Release what the retired version holds open; drop the reference."""
    close = getattr(entry.assistant, "close", None)
    entry.assistant = None
    if callable(close):
        try:
            close()
        except Exception:
            log.debug("closing a retired assistant failed", exc_info=True)
