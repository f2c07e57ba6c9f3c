"""Invariants every answer must satisfy before it reaches a user.

* every citation's quote is exactly ``article.text[start:end]``;
* the answer text is made only of quoted sentences (joined by newlines);
* the highlight lies inside the answer and equals the slice it claims;
* every number shown in the answer lies inside a quoted span.

A violation is a bug, never user error: ``InvariantError`` is raised instead of
returning a possibly invented answer.
"""

from __future__ import annotations

from typing import Mapping

from corpusqa.models import Answer, Article

class InvariantError(RuntimeError):
    """An answer broke a citation invariant (a bug: report it)."""


def check_answer(answer: Answer, articles: Mapping[str, Article]) -> None:
    """Raise ``InvariantError`` if ``answer`` breaks an invariant (see module doc)."""
    if answer.abstained:
        if answer.answer is not None or answer.citations or answer.highlight is not None:
            raise InvariantError("an abstention carries an answer")
        return
    if not answer.answer or not answer.citations:
        raise InvariantError("an answer without citations")
    for c in answer.citations:
        article = articles.get(c.doc_id)
        if article is None:
            raise InvariantError(f"citation of unknown article {c.doc_id}")
        if not (0 <= c.start < c.end <= len(article.text)):
            raise InvariantError(f"citation offsets out of range in {c.doc_id}")
        if article.text[c.start:c.end] != c.quote:
            raise InvariantError(f"quote differs from article {c.doc_id}[{c.start}:{c.end}]")
    if answer.answer != "\n".join(c.quote for c in answer.citations):
        # this also guarantees that every number shown lies inside a quoted span
        raise InvariantError("answer text is not made of its quotes")
    h = answer.highlight
    if h is not None:
        if not (0 <= h.start < h.end <= len(answer.answer)) or answer.answer[h.start:h.end] != h.text:
            raise InvariantError("highlight is not a slice of the answer")
