"""Per-browser-session chat state: plain records plus pure helpers.

The app keeps a list of ``Turn`` in a ``gr.State`` (one copy per browser
session); nothing here is shared between sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from corpusqa.errors import InputError
from corpusqa.models import Answer, Article


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and what came back.

    Attributes:
        question: what the user typed.
        answer: the Answer, or None while pending or after an error.
        error: a one-line message for the user instead of an answer.
        articles: the cited articles by id (for passages and expanded context).
        vote: "up", "down" or None once feedback was given.
        feedback_id: row id in the feedback database.
        elapsed_ms: time spent answering, as measured by the app.
    """

    question: str
    answer: Answer | None = None
    error: str | None = None
    articles: Mapping[str, Article] = field(default_factory=dict)
    vote: str | None = None
    feedback_id: int | None = None
    elapsed_ms: float | None = None

    @property
    def pending(self) -> bool:
        return self.answer is None and self.error is None


def history_for(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """Previous answered turns, oldest first, in the shape ``Assistant.ask`` expects."""
    out = []
    for t in turns:
        if t.answer is None:
            continue
        out.append({"question": t.question, "rewritten_question": t.answer.rewritten_question,
                    "answer": t.answer.answer})
    return out


def replace_turn(turns: Sequence[Turn], index: int, **changes) -> list[Turn]:
    """A new list with ``turns[index]`` updated (turns are immutable)."""
    out = list(turns)
    out[index] = replace(out[index], **changes)
    return out


def parse_filters(date_from: str | None, date_to: str | None,
                  sources: Sequence[str] | None) -> dict[str, Any] | None:
    """Filters for ``Assistant.ask`` from the form fields; None when all are empty.

    Raises:
        InputError: a date is not YYYY-MM-DD, or the range is reversed.
    """
    date_from = _date(date_from)
    date_to = _date(date_to)
    if date_from and date_to and date_from > date_to:
        raise InputError("ui.bad_range", date_from=date_from, date_to=date_to)
    sources = [s for s in (sources or []) if s]
    if not (date_from or date_to or sources):
        return None
    return {"date_from": date_from, "date_to": date_to, "sources": sources}


def _date(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError("ui.bad_date", value=value) from None
