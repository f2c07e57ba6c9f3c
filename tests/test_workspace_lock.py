"""The home's write lock (issue 16, item 2): one writer at a time, the next waits, then "busy"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from corpusqa.errors import CorpusError
from corpusqa.settings import Settings
from corpusqa.workspace import Workspace
from corpusqa.workspace.lock import LOCK_FILE, HomeLock


def test_a_second_writer_gets_one_clear_busy_message_in_both_languages(tmp_path):
    with HomeLock(tmp_path, timeout=0):
        started = time.monotonic()
        with pytest.raises(CorpusError) as exc:
            with HomeLock(tmp_path, timeout=0.3):
                pass
        assert time.monotonic() - started >= 0.3  # it waited first
    assert exc.value.key == "corpus.home.busy"
    assert "Try again" in exc.value.message("en") and "\n" not in exc.value.message("en")
    assert "请稍后再试" in exc.value.message("zh")
    with HomeLock(tmp_path, timeout=0):  # released: free again
        pass


def test_a_writer_waits_for_the_lock_to_be_released(tmp_path):
    holder = HomeLock(tmp_path, timeout=0).__enter__()
    threading.Timer(0.3, holder.__exit__).start()
    started = time.monotonic()
    with HomeLock(tmp_path, timeout=5):
        waited = time.monotonic() - started
    assert 0.2 <= waited < 5


def test_a_busy_home_rejects_every_write_and_changes_nothing(tmp_path):
    news = tmp_path / "news.jsonl"
    news.write_text('{"pid": "a1", "text": "呼伦贝尔市今年新建草原书屋三百二十个。"}\n', encoding="utf-8")
    ws = Workspace(Settings(home=tmp_path / "home", encoder="hash:32", progress=False), lock_timeout=0.1)
    with ws.writing():
        for write in (lambda: ws.ingest([news]), ws.build_index, ws.update_index, lambda: ws.remove(["a1"])):
            with pytest.raises(CorpusError) as exc:
                write()
            assert exc.value.key == "corpus.home.busy"
    assert not (tmp_path / "home" / "corpus.db").exists() or ws.corpus_stats()["articles"] == 0
    assert ws.ingest([news]).articles == 1  # free again


def test_a_killed_writer_never_blocks_the_home(tmp_path):
    code = ("import sys, time; from corpusqa.workspace.lock import HomeLock; "
            "lock = HomeLock(sys.argv[1]).__enter__(); print('locked', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(CorpusError):
            with HomeLock(tmp_path, timeout=0.1):
                pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        with HomeLock(tmp_path, timeout=2):  # the kernel dropped the dead holder's lock
            assert (tmp_path / LOCK_FILE).exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
