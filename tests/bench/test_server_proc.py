"""What the load test reads about the server process: memory, CPU time, the listening pid."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from corpusqa.bench.server_proc import cpu_seconds, listening_pid, rss_mb


def test_memory_and_cpu_of_a_live_process_and_none_once_it_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(64 << 20); time.sleep(30)"])
    try:
        while (rss_mb(child.pid) or 0) < 64:  # the child is still allocating
            assert child.poll() is None
        assert 64 <= rss_mb(child.pid) < 1024
        assert cpu_seconds(child.pid) >= 0
    finally:
        child.kill()
        child.wait()
    assert rss_mb(child.pid) is None and cpu_seconds(child.pid) is None


def test_cpu_seconds_grows_with_work():
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert cpu_seconds(os.getpid()) > before


def test_listening_pid_finds_the_process_behind_a_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert listening_pid(port) == os.getpid()
    assert listening_pid(port) is None
