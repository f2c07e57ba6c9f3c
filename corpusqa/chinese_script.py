"""Traditional <-> Simplified Chinese through OpenCC, shared by every layer.

The lexical tokenizer (``index/``) folds documents and queries to Simplified, and the
answer layer (``answers/variants.py``) converts questions; both go through these
converters so that they fold alike. This module sits below the layers because the
tokenizer cannot import from ``answers/``.

Works with either distribution of the ``opencc`` module: ``opencc`` (the C++ library,
fast) or ``opencc-python-reimplemented`` (pure Python). Converters are created on first
use and cached per process; conversion is pure and deterministic for one dictionary
version (:func:`converter_version` says which).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def _converter(config: str):
    from opencc import OpenCC  # imported lazily: loading the dictionaries reads files

    return OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified (``全區`` -> ``全区``); other text is kept."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese to Traditional (``全区`` -> ``全區``)."""
    return _converter("s2t").convert(text) if text else text


@lru_cache(maxsize=1)
def converter_version() -> str:
    """The OpenCC implementation and version that converts, e.g. ``opencc 1.4.2``.

    Saved with the lexical index: another dictionary version folds a few rare
    characters differently (``舖`` -> ``铺``), so documents and queries must use the same.
    """
    import opencc

    version = getattr(opencc, "__version__", None)  # only the C++ binding has one
    if version:
        return f"opencc {version}"
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return f"opencc-python-reimplemented {dist_version('opencc-python-reimplemented')}"
    except PackageNotFoundError:
        return "opencc unknown"


def has_han(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph (Extension A, the basic block, compatibility).

    A question without one (English over Chinese articles) can match the Chinese text
    only through the dense run, and needs its own answer-model inputs.
    """
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)

