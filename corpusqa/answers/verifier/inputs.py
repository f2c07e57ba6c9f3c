"""The verifier's input text for one candidate sentence: the same at training and at run time.

The second segment is the sentence first, then the article title, then the tail of the
previous sentence (context for 该/他 and for the place an article is about). Truncation
cuts from the end, so context goes before the sentence does.
"""

from __future__ import annotations

TITLE_CHARS = 24
CONTEXT_CHARS = 24
SEP = " ｜ "


def passage_text(chunk: str, title: str = "") -> str:
    """The passage reranker's input: ``title ｜ chunk`` (the title first: truncation cuts the
    chunk's tail, never the title)."""
    chunk = chunk.strip()
    if title and title.strip():
        return title.strip()[:TITLE_CHARS] + SEP + chunk
    return chunk


def candidate_text(sentence: str, title: str = "", previous: str = "") -> str:
    """``sentence ｜ title ｜ …previous-tail`` (empty parts are left out)."""
    parts = [sentence.strip()]
    if title and title.strip():
        parts.append(title.strip()[:TITLE_CHARS])
    if previous and previous.strip():
        parts.append(previous.strip()[-CONTEXT_CHARS:])
    return SEP.join(parts)
