"""Distinct sentences of the chunks being built, kept only while sentence vectors are possible."""

from __future__ import annotations

from corpusqa.models import Article, Chunk, content_id


class SentenceCollector:
    """Distinct sentence texts and each chunk's sentence references, while they may be needed.

    In ``auto`` mode, collecting stops (and memory is freed) once there are more than
    ``limit`` distinct sentences: sentence vectors are then off.
    """

    def __init__(self, mode: str, limit: int):
        self.mode, self.limit = mode, limit
        self.keys: dict[str, int] = {}
        self.texts: list[str] = []
        self.refs: list[int] = []
        self.refs_total = 0
        self.collecting = mode != "off"
        self._seen_over = False
        self._over_count = 0

    @property
    def distinct(self) -> int:
        """Distinct sentences (counted exactly while collecting; a lower bound after)."""
        return len(self.keys) if not self._seen_over else self._over_count

    def add(self, article: Article, chunk: Chunk) -> None:
        self.refs_total += len(chunk.sentences)
        if not self.collecting:
            return
        for s, e in chunk.sentences:
            text = article.text[s:e]
            key = content_id(text)
            row = self.keys.get(key)
            if row is None:
                row = self.keys[key] = len(self.texts)
                self.texts.append(text)
            self.refs.append(row)
        if self.mode == "auto" and len(self.keys) > self.limit:
            self._over_count = len(self.keys)
            self._seen_over = True
            self.collecting = False
            self.keys, self.texts, self.refs = {}, [], []

    def info(self) -> dict:
        enabled = self.collecting and self.mode != "off"
        n = self.distinct
        if self.mode in ("on", "off"):
            reason = {"on": "forced on", "off": "off: the answer stage embeds the sentences it verifies"}[self.mode]
        elif enabled:
            reason = f"{n} <= {self.limit} sentences"
        else:
            reason = f"> {self.limit} sentences"
        return {"enabled": enabled, "mode": self.mode, "limit": self.limit, "reason": reason, "distinct": n}
