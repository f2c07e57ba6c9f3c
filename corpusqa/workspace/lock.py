"""One writer per home at a time: an inter-process lock taken by every write.

Ingest, index build/update and removals of any process (the CLI, the web chat's
uploads, the evaluation) take ``HomeLock`` on ``<home>/.write.lock``. A second
writer waits up to ``timeout`` seconds, then gets one "busy, try again" error; it has
changed nothing by then. The lock is ``flock``-based, so the kernel releases it when
its holder dies (even on SIGKILL): a crashed writer never blocks the home.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from corpusqa.errors import CorpusError

LOCK_FILE = ".write.lock"
WRITE_WAIT_S = 10.0  # how long a second writer waits before it is told to try again
_POLL_S = 0.05


class HomeLock:
    """An exclusive lock on a home, waited for up to ``timeout`` seconds.

    ``flock`` locks belong to an open file, so two threads of one process that each
    take a ``HomeLock`` exclude each other too (the web chat's uploads).

    Raises (on enter):
        CorpusError: another writer kept the lock for ``timeout`` seconds (``corpus.home.busy``).
    """

    def __init__(self, home: Path, timeout: float = WRITE_WAIT_S):
        if timeout < 0:
            raise ValueError("timeout must be >= 0")
        self.home = Path(home)
        self.timeout = float(timeout)
        self._fd: int | None = None

    def __enter__(self) -> "HomeLock":
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise CorpusError("corpus.home.busy", home=str(self.home),
                                      seconds=round(self.timeout)) from None
                time.sleep(_POLL_S)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
