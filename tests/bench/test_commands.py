"""`corpusqa bench ...`: the subcommands that replaced the `python -m` tools, and the shared helpers."""

import json

import pytest
from click.testing import CliRunner

from corpusqa.bench.report import peak_rss_mb
from corpusqa.cli import cli, main
from corpusqa.eval.report import md_table

pytestmark = pytest.mark.usefixtures("shared_jieba")


def test_md_table_is_the_markdown_users_paste():
    assert md_table(["engine", "recall@1"], [("bm25s", 0.95), ["tantivy", "–"]]) == (
        "| engine | recall@1 |\n|---|---|\n| bm25s | 0.95 |\n| tantivy | – |")
    assert md_table(["a"], []) == "| a |\n|---|"


def test_peak_rss_covers_what_the_process_holds_now():
    # The peak can only be compared with the current RSS: a test worker's (or a forked
    # child's, which inherits it) peak may sit far above anything a test allocates.
    import psutil

    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident
    now_mb = psutil.Process().memory_info().rss / 2**20
    assert now_mb > 64 and peak_rss_mb() >= now_mb - 1
    del block


def test_bench_lexical_prints_one_row_per_engine(split):
    res = CliRunner().invoke(cli, ["bench", "lexical", "--split", str(split), "--engines",
                                   "corpusqa-bm25,sqlite-fts5"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("| engine |") and [ln.split(" | ")[0] for ln in lines[2:]] == [
        "| corpusqa-bm25", "| sqlite-fts5"]
    rows = json.loads(CliRunner().invoke(cli, ["bench", "lexical", "--split", str(split), "--engines",
                                               "sqlite-fts5", "--repeat", "2", "--json"]).output)
    assert rows[0]["chunks"] == 6 and rows[0]["recall@1"] == 1.0


def test_bench_lexical_names_an_unknown_engine():
    res = CliRunner().invoke(cli, ["bench", "lexical", "--engines", "lucene"])
    assert res.exit_code == 2 and "unknown engine 'lucene'" in res.output


def test_a_missing_bench_extra_is_one_line_that_says_what_to_install(split, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tantivy" else real(name, *a))
    assert main(["--lang", "en", "bench", "lexical", "--split", str(split), "--engines", "tantivy"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'corpusqa[bench]'" in err


def test_bench_index_sweep_and_build_print_json_lines(split, tmp_path):
    res = CliRunner().invoke(cli, ["bench", "index", "sweep", str(split), "--configs", "100:20,200:0"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [(r["chunk_size"], r["chunk_overlap"]) for r in rows] == [(100, 20), (200, 0)]
    assert all(r["lexical_answer@1"] == 1.0 for r in rows)
    bad = CliRunner().invoke(cli, ["bench", "index", "sweep", str(split), "--configs", "big"])
    assert bad.exit_code == 2 and "SIZE:OVERLAP" in bad.output
    res = CliRunner().invoke(cli, ["bench", "index", "build", f"{split}.passages.jsonl", "--encoder", "hash:16,none"])
    assert res.exit_code == 0, res.output
    assert [(r["encoder"], r["chunks"]) for r in map(json.loads, res.output.splitlines())] == [
        ("hash:16", 3), ("none", 3)]


def test_bench_load_refuses_contradictory_or_empty_runs():
    res = CliRunner().invoke(cli, ["bench", "load", "--url", "http://127.0.0.1:9/", "--home", "/tmp/x"])
    assert res.exit_code == 2 and "exclude each other" in res.output
    assert CliRunner().invoke(cli, ["bench", "load", "--users", "0"]).exit_code == 2
    assert CliRunner().invoke(cli, ["bench", "load", "--seconds", "0"]).exit_code == 2


def test_bench_threads_without_benchmarks_says_where_to_point(tmp_path, monkeypatch):
    monkeypatch.setattr("corpusqa.bench.splits.default_benchmarks", lambda: None)
    res = CliRunner().invoke(cli, ["--lang", "en", "bench", "threads"])
    assert res.exit_code != 0 and "--benchmarks" in str(res.exception)
