"""Traditional <-> Simplified Chinese for questions and answers.

The converters live in :mod:`corpusqa.chinese_script` (shared with the lexical
tokenizer, which folds with the same OpenCC) and are re-exported here. Character-for-
character dictionaries are used by OpenCC for these configurations, so converted text
keeps its length in practice, but callers that need offsets should keep the original
text alongside.
"""

from __future__ import annotations

import re

from corpusqa.chinese_script import to_simplified, to_traditional

__all__ = ["is_traditional", "to_simplified", "to_traditional"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
