"""The web chat as a subprocess, seen from outside: start, stop, memory and CPU (psutil).

Used by the load test (``corpusqa bench load``) and the tests that run the real app.
psutil comes with the ``bench`` extra and is imported only when memory or CPU is asked for.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (None when it is gone or unreadable)."""
    import psutil

    try:
        return psutil.Process(pid).memory_info().rss / (1024 * 1024)
    except psutil.Error:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (None when it is gone)."""
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def listening_pid(port: int) -> int | None:
    """The process listening on local TCP ``port`` (None when not found or not ours to see)."""
    import psutil

    try:
        conns = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for c in conns:
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid is not None:
            return c.pid
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path | str, port: int, env: dict | None = None, timeout_s: float = 180.0,
                 log_path: Path | str | None = None) -> subprocess.Popen:
    """``corpusqa serve`` over ``home`` on 127.0.0.1:``port``, returned once it answers HTTP.

    Its output goes to ``log_path`` (a temporary file by default), quoted when it fails to start.
    """
    cmd = [sys.executable, "-m", "corpusqa.cli", "--home", str(home), "--silent", "serve", "--port", str(port)]
    if log_path is None:
        fd, log_path = tempfile.mkstemp(prefix="corpusqa-serve-", suffix=".log")
        os.close(fd)
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    url, deadline = f"http://127.0.0.1:{port}/", time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(f"corpusqa serve did not start on {url} (exit {proc.returncode}); output:\n{tail}")


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server (killed after 15 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
