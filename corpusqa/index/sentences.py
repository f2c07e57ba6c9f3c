"""Chinese sentence boundaries as character offsets.

A sentence ends after a run of 。！？；… (or their ASCII forms ! ? ;) plus any closing
quotes or brackets that follow (``他说：“好。”`` is one sentence). A newline always ends a
sentence: article text is paragraphs joined by ``"\\n"``. The ASCII full stop is *not* a
boundary: it is the decimal point in ``98.9%`` far more often than a sentence end.
"""

from __future__ import annotations

import bisect
import re

_CLOSERS = r"[”’」』）)》】]*"
#: Regex for a sentence end; shared with the chunker so chunk and sentence edges agree.
SENTENCE_END = r"[。！？；!?;…]+" + _CLOSERS
#: Regex for a full stop: a sentence end in the typographic sense, without the semicolons
#: SENTENCE_END also ends a (scoring) sentence at; ``answers.extent`` quotes up to it.
FULL_STOP = r"[。！？!?…]+" + _CLOSERS
#: Regex for a clause end: where an over-long sentence may be cut.
CLAUSE_END = r"[，,、：:]"

_END_RE = re.compile(SENTENCE_END)
_WORDY_RE = re.compile(r"\w")
#: Spaces trimmed from the edges of a sentence.
SPACES = " \t\r\u3000\xa0"


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, as absolute offsets into ``text``.

    Spans are trimmed of surrounding spaces, never contain a newline, and keep their
    end punctuation. Pieces with no letter, digit or CJK character (a stray ``”``) are
    dropped. ``text[s:e]`` is always exactly the sentence.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    line_start = start
    while line_start <= end:
        nl = text.find("\n", line_start, end)
        line_end = end if nl < 0 else nl
        pos = line_start
        for m in _END_RE.finditer(text, line_start, line_end):
            _add(text, pos, m.end(), spans)
            pos = m.end()
        _add(text, pos, line_end, spans)
        if nl < 0:
            break
        line_start = nl + 1
    return spans


def _add(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s] in SPACES:
        s += 1
    while e > s and text[e - 1] in SPACES:
        e -= 1
    if e > s and _WORDY_RE.search(text, s, e):
        spans.append((s, e))


def clip_spans(spans: list[tuple[int, int]], start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The parts of ``spans`` (sorted, non-overlapping) that fall inside ``[start, end)``."""
    out = []
    i = bisect.bisect_right(spans, (start, start))
    if i > 0 and spans[i - 1][1] > start:
        i -= 1
    for s, e in spans[i:]:
        if s >= end:
            break
        if e > start:
            out.append((max(s, start), min(e, end)))
    return tuple(out)
