"""`corpusqa --index-uri PATH.db`: the same commands on milvus-lite, end to end on the bundled corpus.

Lexical-only (``--encoder none``) and the cheap ranker (``--verifier none``) keep it fast;
the retrieval, answer and citation code is the same one the embedded index runs.
A server that is not there gives one clear line in zh and en, without a traceback.
"""

from __future__ import annotations

import json

import pytest

from corpusqa.cli import main

pytest.importorskip("pymilvus", reason="the corpusqa[milvus] extra is not installed")
pytest.importorskip("milvus_lite", reason="the corpusqa[milvus] extra is not installed")

Q = "全区建成了多少个一站式党群服务中心？"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers gRPC there


@pytest.fixture(scope="module")
def lite_home(tmp_path_factory):
    """A home with the sample corpus whose index is a milvus-lite file, built by the CLI."""
    home = tmp_path_factory.mktemp("milvus-home")
    args = ["--home", str(home), "--index-uri", str(home / "milvus.db"), "--encoder", "none",
            "--verifier", "none", "--silent"]
    assert main([*args, "index", "build", "--json"]) == 0
    yield home, args
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(str(home / "milvus.db"))


def test_build_writes_the_collection_not_the_embedded_index(lite_home, capsys):
    home, args = lite_home
    assert (home / "milvus.db").exists() and not (home / "index").exists()
    assert main([*args, "index", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["backend"]["kind"] == "milvus" and stats["counts"]["chunks"] > 100
    assert stats["path"].startswith(str(home / "milvus.db") + "#corpusqa_v")


def test_ask_answers_with_the_figure_and_a_checkable_citation(lite_home, capsys):
    _, args = lite_home
    assert main([*args, "ask", Q, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert not d["abstained"] and "14542个" in d["answer"]
    c = d["citations"][0]
    assert c["quote"] == d["answer"] and c["source"] == "001_c7d8dfeb6aa45dac.txt"


def test_update_with_nothing_changed_embeds_nothing(lite_home, capsys):
    _, args = lite_home
    capsys.readouterr()
    assert main([*args, "index", "update", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["embedded_chunks"] == 0 and report["reused_chunks"] == report["chunks"] > 100


def test_a_collection_built_with_another_encoder_is_one_line(lite_home, capsys):
    home, _ = lite_home
    code = main(["--home", str(home), "--index-uri", str(home / "milvus.db"), "--encoder", "hash:32",
                 "--verifier", "none", "--lang", "en", "ask", Q])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "index update --encoder hash:32" in err


@pytest.mark.parametrize("lang, words", [("zh", "无法连接 Milvus"), ("en", "Cannot reach Milvus")])
@pytest.mark.parametrize("command", [["ask", Q], ["index", "build"], ["index", "stats"]])
def test_an_unreachable_server_is_one_clear_line(tmp_path, capsys, lang, words, command):
    code = main(["--home", str(tmp_path / "home"), "--index-uri", NOWHERE, "--encoder", "none",
                 "--verifier", "none", "--lang", lang, "--silent", *command])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and words in err and NOWHERE in err
    assert not (tmp_path / "home" / "corpus.db").exists()  # nothing ingested before the server answered


def test_the_index_uri_comes_from_the_flag_or_the_environment(tmp_path):
    from corpusqa.settings import Settings

    env = {"CORPUSQA_HOME": str(tmp_path), "CORPUSQA_INDEX_URI": "http://m:19530", "CORPUSQA_INDEX_TOKEN": "u:p"}
    s = Settings.from_env(env)
    assert (s.index_uri, s.index_token) == ("http://m:19530", "u:p")
    assert Settings.from_env(env, index_uri=str(tmp_path / "x.db")).index_uri == str(tmp_path / "x.db")
    assert Settings.from_env({"CORPUSQA_HOME": str(tmp_path)}).index_uri is None  # the embedded default


def test_closing_the_assistant_closes_its_milvus_client_and_a_new_one_still_answers(lite_home):
    from corpusqa.settings import Settings
    from corpusqa.workspace import Workspace

    home, _ = lite_home
    settings = Settings(home=home, encoder="none", verifier="none", progress=False,
                        index_uri=str(home / "milvus.db"))
    first = Workspace(settings).open_assistant()
    second = Workspace(settings).open_assistant()  # live reload: the new one opens first
    assert "14542个" in (first.ask(Q).answer or "")
    index = first.ctx.index
    assert index._client is not None
    first.close()
    assert index._client is None
    assert "14542个" in (second.ask(Q).answer or "")  # the lite server of the process kept running
    second.close()
