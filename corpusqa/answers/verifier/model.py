"""Score (question, candidate sentence) pairs with the verifier cross-encoder.

The bundled model (``verifier.safetensors`` + card) is assembled over the e5 base into a
mean-pooling scorer folder (``scorer.py``), run by ``runtime.LightScorer``; ``st:NAME_OR_PATH`` loads such a folder or any
sentence-transformers ``CrossEncoder`` (``CORPUSQA_VERIFIER``). ``none`` turns it off.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Sequence

import numpy as np

from corpusqa.errors import EncoderError

log = logging.getLogger(__name__)

DEFAULT = "bundled"


class Verifier:
    """A cross-encoder that returns one logit per pair (higher: holds the answer).

    Args:
        spec: ``bundled`` (default), ``st:NAME_OR_PATH`` or a folder.
        device: torch device or None (CPU).
        max_length: tokens per pair (question + candidate), as in training.
        part: of the shipped file: ``verifier`` or ``passage`` (the passage reranker).
        precision: ``runtime.PRECISIONS``, for our own scorer folders (``LightScorer``).
    """

    def __init__(self, spec: str = DEFAULT, device: str | None = None, max_length: int = 80,
                 batch_size: int = 16, part: str = "verifier", precision: str = "auto"):
        if not spec or not spec.strip():
            raise ValueError("empty verifier spec")
        self.spec = spec.strip()
        self.part = part  # of the shipped file: "verifier" or "passage" (the passage reranker)
        self.device = device or "cpu"
        self.max_length = max_length
        self.batch_size = batch_size
        self.precision = precision
        self._model: Any = None  # a CrossEncoder or a LightScorer once loaded
        self.card: dict = {}

    @property
    def name(self) -> str:
        return self.card.get("name", self.spec)

    def load(self) -> "Verifier":
        if self._model is not None:
            return self
        try:
            if self.spec == DEFAULT:
                from corpusqa.answers.verifier.ship import assemble, read_card

                card = read_card()
                self.card = card if self.part == "verifier" else card.get(self.part, {})
                self.max_length = int(self.card.get("hyperparameters", {}).get(
                    "max_length", self.max_length))
                path = str(assemble(part=self.part))
            else:
                path = self.folder
                if not self.spec.startswith("st:") and not os.path.isdir(path):
                    raise FileNotFoundError(f"no such folder: {path}")
                self.max_length = _trained_max_length(path, self.max_length)
            from pathlib import Path

            from corpusqa.answers.verifier.scorer import is_scorer_folder

            if is_scorer_folder(Path(path)):
                # our own scorer: plain torch, no transformers import (runtime.py)
                from corpusqa.answers.verifier.runtime import LightScorer

                self._model = LightScorer(Path(path), self.device, self.max_length, self.batch_size,
                                          self.precision)
            else:
                from sentence_transformers import CrossEncoder
                from transformers.utils import logging as hf_logging

                hf_logging.set_verbosity_error()
                hf_logging.disable_progress_bar()
                self._model = CrossEncoder(path, device=self.device, max_length=self.max_length,
                                           local_files_only=True)
        except Exception as exc:  # altered file, missing model, bad path
            key = "answers.verifier_unavailable" if self.part == "verifier" else "answers.passage_ranker_unavailable"
            raise EncoderError(key, name=self.spec,
                               detail=str(exc).splitlines()[0][:200]) from exc
        return self

    @property
    def folder(self) -> str:
        """The model path or name of an ``st:``/folder spec (not for ``bundled``)."""
        return self.spec[3:] if self.spec.startswith("st:") else self.spec

    def own_answer_model(self):
        """The ``answer_model.json`` beside a trained folder's weights, or None.

        ``corpusqa train calibrate --out RUN/final/answer_model.json`` writes it, so a
        candidate verifier is evaluated with an answer model fitted to its own logits.
        The shipped verifier's answer model is the package's (``bundled_answer_model``).
        """
        if self.spec == DEFAULT:
            return None
        from pathlib import Path

        from corpusqa.answers.answer_model import FILE, AnswerModel

        path = Path(self.folder) / FILE
        if not path.is_file():
            return None
        import json

        return AnswerModel.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text (float32), in input order."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        self.load()
        from corpusqa.answers.verifier.runtime import LightScorer

        if isinstance(self._model, LightScorer):
            return np.asarray(self._model.predict(question, list(texts)), dtype=np.float32)
        import torch

        out = self._model.predict([(question, t) for t in texts], batch_size=self.batch_size,
                                  show_progress_bar=False, activation_fn=torch.nn.Identity(),
                                  convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(-1)


def _trained_max_length(path: str, default: int) -> int:
    """The pair length a folder of ``corpusqa train answer-model`` was trained with."""
    import json
    from pathlib import Path

    try:
        return int(json.loads((Path(path) / "train_config.json").read_text())["max_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return default


def load_verifier(spec: str | None, device: str | None = None,
                  part: str = "verifier", precision: str = "auto") -> Verifier | None:
    """A verifier for ``spec``, or None for None, empty, ``none`` or ``off``.

    ``part="passage"`` gives the passage reranker (``bundled``: the shipped file's second
    part) with the same specs."""
    spec = (spec or "none").strip()
    if spec.lower() in ("none", "off", "0"):
        return None
    return Verifier(spec, device=device, part=part, precision=precision)
