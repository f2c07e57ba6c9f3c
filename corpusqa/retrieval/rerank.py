"""Optional cross-encoder rerank stage (``CORPUSQA_RERANKER``); skipped when unset."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from corpusqa.errors import EncoderError
from corpusqa.models import Hit

log = logging.getLogger(__name__)


class CrossEncoderReranker:
    """Re-scores (query, passage) pairs with a sentence-transformers CrossEncoder.

    Args:
        spec: ``st:NAME_OR_PATH`` or a bare name/path.
        device: torch device or None for auto.
        batch_size: pairs per forward pass.
    """

    name = "rerank"

    def __init__(self, spec: str, device: str | None = None, batch_size: int = 16):
        if not spec or not spec.strip():
            raise ValueError("empty reranker spec")
        self.model_name = spec[3:] if spec.startswith("st:") else spec
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None  # a sentence_transformers.CrossEncoder once loaded

    def load(self) -> "CrossEncoderReranker":
        if self._model is None:
            try:
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(self.model_name, device=self.device)
            except Exception as exc:  # hub offline, bad path, bad weights
                raise EncoderError("retrieval.reranker_unavailable", name=self.model_name,
                                   detail=str(exc).splitlines()[0][:200]) from exc
        return self

    def rerank(self, query: str, hits: Sequence[Hit], k: int | None = None) -> list[Hit]:
        """Hits re-ordered by cross-encoder score (ranks renumbered)."""
        if not hits:
            return []
        self.load()
        scores = self._model.predict([(query, h.text) for h in hits], batch_size=self.batch_size,
                                     show_progress_bar=False)
        order = sorted(range(len(hits)), key=lambda i: (-float(scores[i]), hits[i].rank))
        out = [
            Hit(hits[i].chunk_id, hits[i].article_id, float(scores[i]), r, self.name,
                hits[i].start, hits[i].end, hits[i].text, hits[i].also_in)
            for r, i in enumerate(order, start=1)
        ]
        return out[:k] if k else out


def load_reranker(spec: str | None, device: str | None = None) -> CrossEncoderReranker | None:
    """A reranker for ``spec``, or None when no reranker is configured."""
    if not spec or spec.strip().lower() in ("", "none", "off"):
        return None
    return CrossEncoderReranker(spec, device=device)
