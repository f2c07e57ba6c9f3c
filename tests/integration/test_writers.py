"""Concurrent writers on one home, as real processes (issue 16, item 2).

Two ``ingest`` + ``index update`` runs at once, two ``index update`` runs at once, and a
web upload during a CLI writer: each waits for the home's write lock, nothing is lost and
the index opens afterwards. A writer kept waiting too long gets one "busy, try again" line.
The hash encoder keeps the processes free of models.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpusqa.answers.assistant import AskConfig
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FEEDS = {
    "a.jsonl": [{"pid": "a1", "title": "草原书屋", "text": "本报讯 呼伦贝尔市今年新建草原书屋三百二十个。"},
                {"pid": "a2", "title": "供水工程", "text": "内蒙古支线供水工程总投资约110亿元，工期54个月。"}],
    "b.jsonl": [{"pid": "b1", "title": "党群服务中心",
                 "text": "去年，全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。"},
                {"pid": "b2", "title": "那达慕", "text": "锡林郭勒盟举办那达慕大会，吸引游客20万人次。"}],
}


def env_for(home: Path, lang: str = "en") -> dict[str, str]:
    return {**os.environ, "CORPUSQA_HOME": str(home), "CORPUSQA_ENCODER": "hash:32", "CORPUSQA_VERIFIER": "none",
            "CORPUSQA_LANG": lang, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}


def cli(home: Path, *args: str, lang: str = "en") -> subprocess.Popen:
    """``corpusqa --silent ARGS`` as its own process."""
    return subprocess.Popen([sys.executable, "-m", "corpusqa.cli", "--silent", *args], env=env_for(home, lang),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def hold_lock(home: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the home's write lock for ``seconds`` (prints ``locked``)."""
    code = ("import sys, time; from corpusqa.settings import Settings; from corpusqa.workspace import Workspace; "
            "lock = Workspace(Settings(home=__import__('pathlib').Path(sys.argv[1]))).writing().__enter__(); "
            "print('locked', flush=True); time.sleep(float(sys.argv[2]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(home), str(seconds)], env=env_for(home),
                            stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def feeds(tmp_path) -> dict[str, Path]:
    paths = {}
    for name, rows in FEEDS.items():
        paths[name] = tmp_path / "feeds" / name
        paths[name].parent.mkdir(exist_ok=True)
        paths[name].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return paths


def workspace(home: Path) -> Workspace:
    return Workspace(Settings(home=home, encoder="hash:32", progress=False))


def assert_home_whole(home: Path, ids: set[str]) -> None:
    """The corpus holds ``ids``, the index opens with every check, and it indexes them all."""
    ws = workspace(home)
    assert {a.id for a in ws.articles()} == ids
    info = ws.check_index()
    assert json.loads((info.path / "article_rows.json").read_text())["ids"] and info.manifest["counts"][
        "articles"] == len(ids)
    ws.open_assistant(AskConfig(threshold=0.3)).close()  # the index matches the corpus
    assert not [p for p in (home / "index").iterdir() if p.name.startswith(".tmp-")]


def test_two_ingest_and_update_runs_at_once_both_finish_and_lose_nothing(tmp_path, feeds):
    home = tmp_path / "home"
    shell = [f"{sys.executable} -m corpusqa.cli --silent ingest {feeds[n]} && "
             f"{sys.executable} -m corpusqa.cli --silent index update" for n in FEEDS]
    procs = [subprocess.Popen(["bash", "-c", s], env=env_for(home), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=REPO) for s in shell]
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert all("Traceback" not in r[2] for r in results)
    assert_home_whole(home, {"a1", "a2", "b1", "b2"})


def test_two_index_updates_at_once_both_succeed(tmp_path, feeds):
    home = tmp_path / "home"
    ws = workspace(home)
    ws.ingest([feeds["a.jsonl"]])
    ws.build_index()
    ws.ingest([feeds["b.jsonl"]])
    results = [finish(p) for p in [cli(home, "index", "update"), cli(home, "index", "update")]]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert_home_whole(home, {"a1", "a2", "b1", "b2"})


def test_a_writer_waits_for_another_process_then_proceeds(tmp_path, feeds):
    home = tmp_path / "home"
    holder = hold_lock(home, 2.0)
    started = time.monotonic()
    code, out, err = finish(cli(home, "ingest", str(feeds["a.jsonl"])))
    holder.wait(timeout=30)
    assert code == 0, err
    assert time.monotonic() - started >= 1.0  # it waited for the holder
    assert {a.id for a in workspace(home).articles()} == {"a1", "a2"}


def test_a_writer_kept_waiting_gets_one_busy_line_and_changes_nothing(tmp_path, feeds):
    from corpusqa.workspace.lock import WRITE_WAIT_S

    home = tmp_path / "home"
    holder = hold_lock(home, WRITE_WAIT_S + 20)
    try:
        en = cli(home, "ingest", str(feeds["a.jsonl"]))
        zh = cli(home, "index", "update", lang="zh")
        (code_en, _, err_en), (code_zh, _, err_zh) = finish(en), finish(zh)
    finally:
        holder.kill()
        holder.wait()
    assert code_en == 1 and err_en.startswith("Error: Another job is writing to") and err_en.count("\n") == 1
    assert "Try again" in err_en
    assert code_zh == 1 and "正在被另一个任务写入" in err_zh and err_zh.count("\n") == 1
    assert not (home / "corpus.db").exists() or workspace(home).corpus_stats()["articles"] == 0
    assert workspace(home).index_info() is None


def test_a_web_upload_during_a_cli_writer_waits_and_is_indexed(tmp_path, feeds):
    from corpusqa.ui.service import default_index_updater
    from corpusqa.ui.uploads import process_uploads

    home = tmp_path / "home"
    ws = workspace(home)
    ws.ingest([feeds["a.jsonl"]])
    ws.build_index()
    holder = hold_lock(home, 1.5)  # e.g. a nightly `corpusqa index update`
    try:
        outcome = process_uploads([(feeds["b.jsonl"], "b.jsonl")], ws.settings, default_index_updater)
    finally:
        holder.wait(timeout=30)
    assert outcome.index_updated and outcome.index_error is None
    assert [f.status for f in outcome.files] == ["added"]
    assert_home_whole(home, {"a1", "a2", "b1", "b2"})


@pytest.mark.parametrize("delay", [0.0, 2.0, 4.0])
def test_a_removal_killed_at_any_point_serves_the_old_or_the_new_state(tmp_path, feeds, delay):
    import signal

    home = tmp_path / "home"
    ws = workspace(home)
    ws.ingest(list(feeds.values()))
    ws.build_index()
    proc = cli(home, "corpus", "remove", "a.jsonl")
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    corpus = {a.id for a in ws.articles()}
    assistant = ws.open_assistant(AskConfig(threshold=0.3))  # never "index stale": no mix is served
    indexed = set(assistant.index.article_ids)
    assistant.close()
    assert indexed <= corpus
    assert indexed in ({"a1", "a2", "b1", "b2"}, {"b1", "b2"})  # old or new, never half
    ws.update_index()  # finishes a removal that had begun
    with ws.corpus() as store:
        pending = store.pending_removal()
    assert pending is None
    after = {a.id for a in ws.articles()}
    assert after in ({"a1", "a2", "b1", "b2"}, {"b1", "b2"})
    assert set(ws.open_assistant(AskConfig(threshold=0.3)).index.article_ids) == after
