"""Small frozen records passed between the pipeline stages.

Every record that points into an article carries character offsets into the
*stored* article text (``Article.text``), so any quote can be checked by slicing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def content_id(*parts: str, length: int = 16) -> str:
    """Deterministic id: a hex SHA-1 prefix of the parts joined by NUL."""
    h = hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()
    return h[:length]


def text_hash(text: str) -> str:
    """The fingerprint of an article's stored text (kept by the corpus and by the index,
    so a stale index is found by comparing hashes, not by slicing every chunk)."""
    return content_id(text)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of an article: ``article.text[start:end]``."""

    index: int
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Article:
    """One article after cleaning and segmentation.

    ``text`` is the body: paragraphs joined with ``"\\n"``; ``paragraphs`` holds
    their offsets. The title is kept apart from the body so that body offsets do
    not depend on how a title was recovered.
    """

    id: str
    source: str
    position: int
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    byline: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd when known
    section: str | None = None
    page: str | None = None
    continued_from: str | None = None  # e.g. "第1版" for "■上接第1版"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def paragraph_at(self, offset: int) -> int | None:
        """Index of the paragraph containing ``offset`` (None when outside)."""
        for p in self.paragraphs:
            if p.start <= offset < p.end:
                return p.index
        return None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        return d


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: ``article.text[start:end]`` with sentence offsets (absolute)."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        return d


@dataclass(frozen=True)
class Hit:
    """A scored chunk returned by a retriever."""

    chunk_id: str
    article_id: str
    score: float
    rank: int
    retriever: str
    start: int = 0
    end: int = 0
    text: str = ""
    also_in: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["also_in"] = list(self.also_in)
        return d


@dataclass(frozen=True)
class Span:
    """A half-open character span ``[start, end)`` with its text."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """Where a quote comes from: ``quote == article.text[start:end]``."""

    doc_id: str
    title: str
    date: str | None
    source: str
    paragraph: int | None
    start: int
    end: int
    quote: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """A retrieved passage shown to the user (answering or merely related)."""

    doc_id: str
    chunk_id: str
    text: str
    score: float
    rank: int
    title: str = ""
    start: int = 0
    end: int = 0
    also_in: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["also_in"] = list(self.also_in)
        return d


#: ``Answer.refusal`` values: the rules that can decide a refusal on their own.
REFUSALS = ("no_figure", "other_place")


@dataclass(frozen=True)
class Answer:
    """The result of ``Assistant.ask``; ``answer`` is verbatim article text or None."""

    question: str
    rewritten_question: str
    answer: str | None
    abstained: bool
    confidence: float
    highlight: Span | None
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    question_type: str | None = None
    #: the answer gate's probability that the corpus holds an answer (None: no gate)
    answerable: float | None = None
    #: answered although the sentence's own confidence is below the refusal point of the
    #: answer model (the gate judged the corpus to hold the answer): shown as "check the source"
    unsure: bool = False
    #: why it refused, when a rule decided it (``REFUSALS``): "no_figure" (the best-matching
    #: sentence does not give the figure or year asked for, and no other was sure enough),
    #: "other_place" (no candidate's article names the question's place); None for any
    #: other refusal, and for answers
    refusal: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "rewritten_question": self.rewritten_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(float(self.confidence), 4),
            "answerable": None if self.answerable is None else round(float(self.answerable), 4),
            "unsure": self.unsure,
            "refusal": self.refusal,
            "highlight": self.highlight.to_dict() if self.highlight else None,
            "question_type": self.question_type,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
