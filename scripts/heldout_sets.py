"""The evaluation sets and the default assistant shared by the answer-stage scripts
(``quote-extent.py``, ``cited-first.py``, ``answer-ceiling.py``).

Indexes are cached under ``bench-output/heldout-eval/cache``, the folder
``scripts/verifier-heldout.sh`` uses, so each corpus is indexed once. The held-out XQuAD
question files are written by ``corpusqa train heldout --out bench-output/heldout-eval/heldout``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
B = REPO.parent / "shared" / "benchmarks"
HO = REPO / "bench-output" / "heldout-eval" / "heldout"
CACHE = REPO / "bench-output" / "heldout-eval" / "cache"
#: (name, gold file or None for the bundled gold set, corpus files or None for the sample pages)
GOLD = ("bundled gold", None, None)
CMRC = ("CMRC trial", B / "cmrc2018" / "trial.questions.jsonl", [B / "cmrc2018" / "trial.passages.jsonl"])
XQUAD_ZH = ("XQuAD zh test", HO / "xquad-zh-test.jsonl", [B / "xquad" / "part1.zh.passages.jsonl"])
XQUAD_EN = ("XQuAD en->zh test", HO / "xquad-en-test.jsonl", [B / "xquad" / "part1.zh.passages.jsonl"])


def default_assistant(corpus: list[Path] | None, verifier: str = "bundled", **config: Any):
    """An Assistant with the calibrated hybrid defaults (``config`` overrides AskConfig
    fields) over ``corpus``, indexed in the shared cache."""
    from corpusqa.answers.assistant import AskConfig, Assistant
    from corpusqa.eval.runner import prepare_home
    from corpusqa.settings import Settings

    base = Settings.from_env(home=CACHE / "scratch", verifier=verifier, progress=False)
    home = prepare_home(base, corpus, base.encoder, None, CACHE, False)
    cfg = replace(AskConfig.calibrated(base.encoder, "hybrid"), **config)
    return Assistant(replace(home, reranker=None), cfg).load()
