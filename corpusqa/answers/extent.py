"""How much article text an answer quotes: the whole sentence around the chosen candidate.

The candidates the answer stage scores are finer than sentences: ``index.sentences``
also ends a candidate at ；, and the chunker cuts an over-long sentence at a clause, so
a candidate can stop mid-sentence (…由福留仪重率军迂回至). The user is shown a sentence
in the typographic sense, ended by 。！？… or the end of its paragraph:

* **Whole sentence.** The quote grows to the sentence holding the candidate when that
  sentence has at most ``WHOLE_SENTENCE_MAX`` characters; a longer one keeps the
  candidate, which stays readable.
* **A consequence keeps its cause.** For a why-question, a chosen sentence that opens
  with a consequence connective (因此, 所以, 于是, …) states the effect; its cause is the
  sentence before it, which is quoted too (within ``CAUSE_SPAN_MAX`` characters).

Both only ever widen the quote to neighbouring text of the same paragraph, so a quote
is still ``article.text[start:end]``.
"""

from __future__ import annotations

import re

from corpusqa.index.sentences import FULL_STOP, SPACES

#: A sentence end in the typographic sense (not ；, and not the ASCII full stop, which
#: is a decimal point far more often), plus the closing quotes or brackets after it.
SENTENCE_STOP = re.compile(FULL_STOP)
#: The longest whole sentence a candidate grows to (characters).
WHOLE_SENTENCE_MAX = 150
#: The longest cause + consequence quote of a why-question (characters).
CAUSE_SPAN_MAX = 250
_CONSEQUENCE = re.compile(r"(?:因此|所以|因而|故此|故而|于是|由此|从而)")


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    nl = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if nl < 0 else nl


def whole_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of the sentence (ended by 。！？… or the paragraph) around ``[start, end)``."""
    para_start, para_end = _paragraph(text, start, end)
    s = para_start
    for m in SENTENCE_STOP.finditer(text, para_start, start):
        s = m.end()
    ends_sentence = SENTENCE_STOP.search(text, max(start, end - 8), end)
    if ends_sentence is not None and ends_sentence.end() == end:
        e = end
    else:
        stop = SENTENCE_STOP.search(text, end, para_end)
        e = stop.end() if stop else para_end
    while s < start and text[s] in SPACES:
        s += 1
    while e > end and text[e - 1] in SPACES:
        e -= 1
    return s, e


def quote_extent(text: str, start: int, end: int, kind: str | None = None) -> tuple[int, int]:
    """The span of ``text`` to quote for the candidate ``[start, end)`` (see module doc).

    ``kind`` is the question's type (``answers.qtype``); only ``"why"`` uses it.
    """
    s, e = whole_sentence(text, start, end)
    if e - s > WHOLE_SENTENCE_MAX:
        s, e = start, end
    if kind == "why" and _CONSEQUENCE.match(text, s):
        para_start, _ = _paragraph(text, s, s)
        if s > para_start:
            prev, _ = whole_sentence(text, s - 1, s)
            if prev < s and e - prev <= CAUSE_SPAN_MAX:
                s = prev
    return s, e
