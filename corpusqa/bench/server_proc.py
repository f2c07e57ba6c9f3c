"""The web chat as a subprocess, seen from outside: start, stop, memory and CPU from /proc.

Used by the load test (``corpusqa bench load``) and the tests that run the real app.
Linux only (reads ``/proc``).
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
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listening_pid(port: int) -> int | None:
    """The process listening on local TCP ``port`` (Linux /proc; None when not found)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
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
