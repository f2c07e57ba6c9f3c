"""The running chat follows its home: index versions published by other processes are swapped in.

Unit tests drive ``LiveAssistant`` with a counter as the home's signature; the end-to-end
test serves a real home (chat + API), runs `corpusqa ingest` and `corpusqa index update` in
another process, and asks the chat and the API the new question until both answer it.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import httpx
import pytest

from corpusqa.errors import CorpusQAError
from corpusqa.settings import Settings
from corpusqa.ui.service import ChatService
from corpusqa.workspace.live import LiveAssistant, home_signature

NEW_ARTICLE = "本报讯 呼伦贝尔市今年新建草原书屋三百二十个。\n"
NEW_QUESTION = "呼伦贝尔市今年新建了多少个草原书屋？"
NEW_FIGURE = "三百二十个"
REPO = Path(__file__).resolve().parents[2]


class Versioned:
    """A fake assistant that says which version answered; ``gate`` holds a question open."""

    def __init__(self, version: int, gate: threading.Event | None = None):
        self.version = version
        self.gate = gate
        self.closed = False

    def ask(self, question, filters=None, history=None):
        if self.gate is not None:
            self.gate.wait(10)
        return self.version

    def close(self):
        self.closed = True


class Home:
    """A home whose signature is a counter; the factory builds the version it shows."""

    def __init__(self):
        self.version = 1
        self.built: list[Versioned] = []
        self.fail = False
        self.gate: threading.Event | None = None

    def signature(self, settings):
        return (f"v{self.version}",)

    def factory(self, settings):
        if self.fail:
            raise CorpusQAError("answers.index_stale")
        assistant = Versioned(self.version, self.gate)
        self.built.append(assistant)
        return assistant


@pytest.fixture
def home_fake(settings):
    home = Home()
    return home, LiveAssistant(settings, home.factory, interval=0, signature=home.signature)


def test_the_next_question_gets_a_new_version(home_fake):
    home, live = home_fake
    assert live.get().ask("q") == 1 and live.version == "v1"
    assert live.get().ask("q") == 1 and len(home.built) == 1  # unchanged home: not reloaded
    home.version = 2
    with live.use() as assistant:
        assert assistant.ask("q") == 2
    assert live.version == "v2" and live.swaps == 1 and home.built[0].closed


def test_a_question_in_flight_finishes_on_its_version(home_fake):
    home, live = home_fake
    home.gate = threading.Event()
    answers: list[int] = []

    def ask():
        with live.use() as assistant:
            answers.append(assistant.ask("q"))

    slow = threading.Thread(target=ask)
    slow.start()
    time.sleep(0.2)  # the question holds version 1
    home.version, home.gate = 2, None
    assert live.get().ask("q") == 2  # the next question: version 2, while 1 is still answering
    old = home.built[0]
    assert not old.closed  # not closed under the question
    old.gate.set()
    slow.join(10)
    assert answers == [1] and old.closed  # released when its last question ended


def test_old_versions_are_released_over_many_swaps(home_fake):
    home, live = home_fake
    live.get()
    refs = []
    for v in range(2, 12):
        refs.append(weakref.ref(home.built[-1]))
        home.version = v
        live.refresh()
    home.built.clear()
    gc.collect()
    assert live.swaps == 10 and live.get().version == 11
    assert all(r() is None for r in refs)  # nothing keeps a retired assistant


def test_a_home_that_cannot_load_yet_keeps_the_old_version(home_fake):
    home, live = home_fake
    live.get()
    home.version, home.fail = 2, True  # e.g. ingested but not indexed: index_stale
    assert live.get().ask("q") == 1
    assert live.get().ask("q") == 1
    home.fail = False  # same signature: not retried on every question
    assert live.get().ask("q") == 1
    home.version = 3   # the index update changes the signature: loaded
    assert live.get().ask("q") == 3


def test_a_corpus_only_change_is_loaded_once_it_has_settled(settings):
    home = Home()
    state = {"current": "v-1", "db": 1}
    live = LiveAssistant(settings, home.factory, interval=0, settle=0.5,
                         signature=lambda s: (state["current"], None, state["db"], None))
    live.get()
    home.version, state["db"] = 2, 2  # an ingest, no index update (yet)
    assert live.get().ask("q") == 1   # not reloaded in the middle of a nightly script
    time.sleep(0.6)
    assert live.get().ask("q") == 2   # quiet long enough: the corpus is reloaded
    home.version, state["db"], state["current"] = 3, 3, "v-2"
    assert live.get().ask("q") == 3   # a new index version: at once
    assert live.version == "v-2"


def test_checks_are_spaced_by_the_interval(settings):
    home = Home()
    calls = []
    live = LiveAssistant(settings, home.factory, interval=60,
                         signature=lambda s: calls.append(1) or home.signature(s))
    live.get()
    home.version = 2
    for _ in range(5):
        assert live.get().ask("q") == 1
    assert len(calls) == 1  # only the first load looked at the home
    live.refresh()
    assert live.get().ask("q") == 2


def test_the_watcher_swaps_without_a_question(settings):
    home = Home()
    live = LiveAssistant(settings, home.factory, interval=0.2, signature=home.signature)
    live.get()
    live.start()
    try:
        home.version = 2
        deadline = time.monotonic() + 5
        while live.version != "v2" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.version == "v2"
    finally:
        live.stop()


def test_signature_follows_current_and_the_corpus_files(tmp_path):
    settings = Settings(home=tmp_path, progress=False)
    empty = home_signature(settings)
    index = tmp_path / "index"
    index.mkdir()
    (index / "CURRENT").write_text("v-1\n", encoding="utf-8")
    one = home_signature(settings)
    assert one != empty and one[0] == "v-1"
    tmp = index / "CURRENT.tmp"
    tmp.write_text("v-2\n", encoding="utf-8")
    os.replace(tmp, index / "CURRENT")
    assert home_signature(settings)[0] == "v-2"
    before = home_signature(settings)
    (tmp_path / "corpus.db-wal").write_bytes(b"x")
    assert home_signature(settings) != before


# -- end to end: serve, a CLI update in another process, then the chat and the API ----------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def corpusqa(home: Path, *args: str) -> None:
    env = {**os.environ, "CORPUSQA_VERIFIER": "none", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "corpusqa.cli", "--home", str(home), "--encoder", "none",
                           "--silent", *args], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.integration
def test_a_cli_update_elsewhere_reaches_the_running_chat_and_api(tmp_path, sample_dir):
    from corpusqa.ui.app import build_app
    from corpusqa.ui.server import serve

    home = tmp_path / "home"
    corpusqa(home, "ingest", str(sample_dir))
    corpusqa(home, "index", "build")
    settings = Settings.from_env(home=home).with_(progress=False, language="zh", encoder="none")
    service = ChatService(settings, reload_interval=1.0)
    service.warm_up()
    running = serve(build_app(settings, service=service), service, port=free_port(), block=False)
    try:
        def chat() -> str:
            turns = service.answer_pending(ChatService.start([], NEW_QUESTION))
            turn = turns[-1]
            return (turn.answer.answer or "") if turn.answer else (turn.error or "")

        def api(question: str = NEW_QUESTION) -> dict:
            return httpx.post(f"{running.url}/api/ask", json={"question": question}, timeout=60).json()

        assert NEW_FIGURE not in chat() and api()["abstained"]  # not in the corpus yet
        old_version = service.live.version
        new = tmp_path / "incoming" / "hulunbuir.txt"
        new.parent.mkdir()
        new.write_text(NEW_ARTICLE, encoding="utf-8")
        corpusqa(home, "ingest", str(new))   # another process, as the nightly script does
        corpusqa(home, "index", "update")
        updated = time.monotonic()

        answered_by: dict[str, float] = {}
        while time.monotonic() - updated < 10 and len(answered_by) < 2:
            if "api" not in answered_by and NEW_FIGURE in (api().get("answer") or ""):
                answered_by["api"] = time.monotonic() - updated
            if "chat" not in answered_by and NEW_FIGURE in chat():
                answered_by["chat"] = time.monotonic() - updated
            time.sleep(0.2)
        assert set(answered_by) == {"api", "chat"}, f"not answered within 10 s: {answered_by}"
        health = httpx.get(f"{running.url}/api/health", timeout=30).json()
        current = (home / "index" / "CURRENT").read_text(encoding="utf-8").strip()
        assert health["serving_version"] == current != old_version
        assert health["articles"] == 29
        # the old questions still work on the new version
        assert "14542个" in (api("全区建成了多少个一站式党群服务中心？")["answer"] or "")
    finally:
        running.close()
