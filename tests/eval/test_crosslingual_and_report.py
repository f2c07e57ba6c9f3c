import json

from corpusqa.eval.crosslingual import join_by_qid
from corpusqa.eval.report import diff_runs, markdown_table, write_report
from corpusqa.eval.runner import EvalConfig, summarize


def test_join_takes_question_from_one_language_and_gold_from_the_other():
    en = [{"qid": "1", "question": "How many?", "gold_pids": ["en-0"], "answers": [], "lang": "en"},
          {"qid": "9", "question": "orphan", "gold_pids": [], "answers": []}]
    zh = [{"qid": "1", "question": "多少？", "gold_pids": ["zh-0"], "answers": [{"text": "308"}]}]
    rows = join_by_qid(en, zh)
    assert rows == [{"qid": "1", "question": "How many?", "gold_pids": ["zh-0"],
                     "answers": [{"text": "308"}], "question_lang": "en"}]


def _rec(qid, answerable, contained, abstained, docs, gold):
    return {"qid": qid, "question": qid, "answerable": answerable, "abstained": abstained,
            "contained": contained, "em": contained, "f1": contained, "docs": docs,
            "gold_pids": gold, "r1": float(docs[:1] == gold[:1]) if gold else 0.0,
            "r5": 1.0, "r10": 1.0, "mrr10": 1.0, "ndcg10": 1.0, "citations_valid": True,
            "confidence": 0.5, "timings_ms": {"total_ms": 10.0, "retrieve_ms": 4.0}, "answer": None}


def test_diff_reports_what_got_better_and_worse():
    base = [_rec("a", True, 1.0, False, ["d1"], ["d1"]), _rec("b", True, 0.0, False, ["d2"], ["d1"]),
            _rec("c", False, 0.0, False, ["d3"], [])]
    now = [_rec("a", True, 0.0, False, ["d2"], ["d1"]), _rec("b", True, 1.0, False, ["d1"], ["d1"]),
           _rec("c", False, 0.0, True, ["d3"], [])]
    d = diff_runs(base, now)
    assert [e["qid"] for e in d["worse"]] == ["a"]
    assert [e["qid"] for e in d["better"]] == ["b", "c"]


def test_report_files_and_table(tmp_path):
    rows = [_rec("a", True, 1.0, False, ["d1"], ["d1"]), _rec("c", False, 0.0, True, ["d3"], [])]
    results = {"hybrid": summarize(rows)}
    assert results["hybrid"]["answer_contained@1"] == 1.0
    assert results["hybrid"]["abstention"]["recall"] == 1.0
    table = markdown_table(results)
    assert table.splitlines()[2].startswith("| hybrid | 2 |")
    paths = write_report(tmp_path, results, {"hybrid": rows}, {"hybrid": {1: 1.0, 5: 1.0}},
                         {"hybrid": diff_runs(rows, rows)})
    names = {p.name for p in paths}
    assert {"results.json", "records.jsonl", "report.md", "recall_at_k.png",
            "latency_per_stage.png"} <= names
    assert (tmp_path / "recall_at_k.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "results.json").read_text())["results"]["hybrid"]["questions"] == 2


def test_config_spec_parsing():
    c = EvalConfig.parse("hybrid:m3e-small@300")
    assert (c.mode, c.encoder, c.chunk_size) == ("hybrid", "m3e-small", 300)
    assert EvalConfig.parse("hybrid+rerank").mode == "hybrid+rerank"
    import pytest

    from corpusqa.errors import InputError
    with pytest.raises(InputError):
        EvalConfig.parse("bogus")
