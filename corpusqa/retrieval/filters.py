"""Metadata filters: date range, source file, title/section substring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to matching articles; every field is optional.

    Dates are ISO ``yyyy-mm-dd`` strings compared lexically; an article without a
    date never matches a date filter.
    """

    date_from: str | None = None
    date_to: str | None = None
    sources: tuple[str, ...] = ()
    title_contains: str | None = None
    section_contains: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any] | None) -> "Filters | None":
        """Build from a plain dict (CLI/JSON/UI); empty values are ignored."""
        if not m:
            return None
        sources = m.get("sources") or m.get("source") or ()
        if isinstance(sources, str):
            sources = tuple(s.strip() for s in sources.split(",") if s.strip())
        f = cls(
            date_from=m.get("date_from") or None,
            date_to=m.get("date_to") or None,
            sources=tuple(sources),
            title_contains=m.get("title_contains") or m.get("title") or None,
            section_contains=m.get("section_contains") or m.get("section") or None,
        )
        return None if f.is_empty() else f

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.sources
                    or self.title_contains or self.section_contains)

    def matches(self, meta: Mapping[str, Any]) -> bool:
        """Whether an article's metadata (date, source, title, section) passes."""
        date = meta.get("date")
        if self.date_from and (not date or date < self.date_from):
            return False
        if self.date_to and (not date or date > self.date_to):
            return False
        if self.sources and meta.get("source") not in self.sources:
            return False
        if self.title_contains and self.title_contains not in (meta.get("title") or ""):
            return False
        if self.section_contains and self.section_contains not in (meta.get("section") or ""):
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "sources": list(self.sources),
            "title_contains": self.title_contains,
            "section_contains": self.section_contains,
        }


def allowed_rows(
    row_article_ids: Iterable[str],
    article_meta: Mapping[str, Mapping[str, Any]],
    filters: Filters | None,
) -> np.ndarray | None:
    """Chunk rows whose article passes ``filters`` (None = no restriction)."""
    if filters is None or filters.is_empty():
        return None
    ok = {aid: filters.matches(meta) for aid, meta in article_meta.items()}
    rows = [i for i, aid in enumerate(row_article_ids) if ok.get(aid, False)]
    return np.asarray(rows, dtype=np.int64)
