"""Traditional <-> Simplified Chinese through OpenCC (opencc-python-reimplemented).

Converters are created on first use and cached per process; conversion itself is
pure and deterministic. Character-for-character dictionaries are used by OpenCC
for these configurations, so converted text keeps its length in practice, but
callers that need offsets should keep the original text alongside.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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


def is_traditional(text: str, threshold: float = 0.1) -> bool:
    """Whether ``text`` looks written in Traditional characters.

    True when converting to Simplified changes at least ``threshold`` of the CJK
    characters. A stray traditional form in a long Simplified article (``模範``)
    stays below the threshold; text with no script-specific character (``是否``)
    counts as Simplified.

    Args:
        text: Any text.
        threshold: Fraction of CJK characters that must change.
    """
    cjk = _CJK.findall(text)
    if not cjk:
        return False
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        changed = sum(1 for a, b in zip(text, simplified) if a != b)
    else:  # a phrase mapping changed the length: compare character multisets instead
        changed = len(set(cjk) - set(_CJK.findall(simplified)))
    return changed >= 1 and changed / len(cjk) >= threshold
