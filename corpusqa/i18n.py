"""User-facing strings in Chinese (default) and English.

Each subpackage keeps its own catalog in ``<subpackage>/messages.py`` as a
``MESSAGES = {key: {"zh": ..., "en": ...}}`` dict; they are merged lazily here so
that no module has to import every other one.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

CORE_MESSAGES: dict[str, dict[str, str]] = {
    "error.prefix": {"zh": "错误", "en": "Error"},
    "error.unexpected": {
        "zh": "内部错误：{detail}。请带上此信息报告问题，或加 --verbose 查看详情。",
        "en": "Internal error: {detail}. Please report it, or rerun with --verbose for details.",
    },
}

_CATALOG_MODULES = (
    "corpusqa.corpus.messages",
    "corpusqa.index.messages",
    "corpusqa.index.milvus_messages",
    "corpusqa.retrieval.messages",
    "corpusqa.answers.messages",
    "corpusqa.ui.messages",
    "corpusqa.eval.messages",
    "corpusqa.bench.messages",
)

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All messages, merged; a duplicate key across catalogs is a programming error."""
    merged = dict(CORE_MESSAGES)
    for name in _CATALOG_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for key, texts in getattr(mod, "MESSAGES", {}).items():
            if key in merged:
                raise RuntimeError(f"duplicate message key {key!r} in {name}")
            merged[key] = texts
    return merged


def t(key: str, language: str = "zh", **params) -> str:
    """Translate ``key`` into ``language`` (falls back to Chinese, then the key)."""
    entry = catalog().get(key)
    if entry is None:
        text = key
    else:
        text = entry.get(language) or entry.get("zh") or key
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError):
        return text
