"""Loaded models shared by every assistant of the process while any of them uses one.

Live reload (``workspace/live.py``) loads a new assistant beside the one serving, then
drops the old one. Without sharing, each swap loaded the encoder and the verifier again:
seconds of the swap, and for that time two copies in memory. Here a model is built
once per key (its spec, device and weight fingerprint) and held weakly: the next
assistant gets the same object while the old one still holds it, and it is freed when
the last assistant holding it is gone. Models are only read at inference, so sharing
them between versions is as safe as sharing them between the chat's threads.
"""

from __future__ import annotations

import threading
import weakref
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_live: "weakref.WeakValueDictionary[Hashable, object]" = weakref.WeakValueDictionary()


def shared(key: Hashable, build: Callable[[], T]) -> T:
    """The live object for ``key``, or ``build()``'s result, kept for as long as anyone holds it.

    ``build`` runs under a lock, so two assistants loading at once build a model once.
    """
    with _lock:
        found = _live.get(key)
        if found is None:
            found = build()
            _live[key] = found
        return found  # type: ignore[return-value]


def loaded() -> list[Hashable]:
    """Keys of the models alive now (for tests and diagnostics)."""
    with _lock:
        return list(_live.keys())
