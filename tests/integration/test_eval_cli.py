"""`corpusqa eval` end to end on the bundled gold set (lexical-only index: fast)."""

from __future__ import annotations

import json

import pytest

from corpusqa.cli import main

pytestmark = pytest.mark.integration


def test_eval_writes_report_and_gate_fails_below_threshold(tmp_path, capsys):
    report = tmp_path / "report"
    args = ["--home", str(tmp_path / "home"), "--silent", "eval", "--limit", "12",
            "--config", "lexical:none", "--report", str(report), "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    r = out["results"]["lexical:none"]
    assert r["questions"] == 12 and r["citation_validity"] == 1.0
    assert r["recall@5"] > 0.8  # the first gold questions are about the 000/001 story
    assert {p.name for p in report.iterdir()} >= {"results.json", "records.jsonl", "report.md",
                                                   "recall_at_k.png", "latency_per_stage.png"}
    # a second run reuses the cached index and compares against the first run
    again = args + ["--baseline", str(report / "records.jsonl"), "--min-contained", "1.01"]
    with pytest.raises(SystemExit) as exc:
        main(again)
    assert exc.value.code == 1
    captured = capsys.readouterr()
    assert "评测未达标" in captured.err
    diff = json.loads(captured.out)["diff"]["lexical:none"]
    assert diff == {"better": [], "worse": []}  # same code, same answers
