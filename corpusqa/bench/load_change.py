"""`corpusqa bench load --change`: the load test while another process changes the corpus.

The server runs over a scratch copy of the home (the benchmark never writes to the real
one). While the simulated chat users (``load.run_user``) and one HTTP API client ask
gold questions, a writer acting like the newsroom's nightly script runs, in other
processes:

1. at a fifth of the run, ``corpusqa ingest NEW`` then ``corpusqa index update`` with an
   article that answers a question no gold question asks (``NEW_QUESTION``);
2. at three fifths, ``corpusqa corpus remove NEW`` (the index is updated first).

After each step three probes run side by side: one reads ``GET /api/health`` every
quarter second for the moment the server serves the new version; one asks
``NEW_QUESTION`` through the chat (``gradio_client``, as the browser does) and one through
the API, again and again, recording for the first answer that shows the change (or, after
the removal, no longer shows it) when it was sent and when it came back, in seconds after
the step finished. Under load the chat's queue adds its wait to every question, the
probe's too, so "sent" is the moment that matters: the first question sent after it got
the new answer. Errors are the load
test's (exceptions, error turns, answers without citations, another question's answer),
the API client's (any status but 200, an answer without citations), a probe that never
saw the change, and two users answered differently within one version (answers are
only compared among questions that started outside the windows in which a change was
being published, plus ``SETTLE_S``).

Then ``swaps`` more add/remove updates run back to back, each followed by one question
once the server serves the new version, and the server's RSS is read after each: memory
that grows with every swap would show there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from corpusqa.bench.load import ANSWER_API, Result, check_turn, consistency_errors, last_turn, run_user
from corpusqa.bench.server_proc import free_port, rss_mb, start_server, stop_server
from corpusqa.eval.metrics import percentile
from corpusqa.eval.report import md_table

NEW_NAME = "load-change-hulunbuir.txt"
NEW_TEXT = ("呼伦贝尔草原书屋建设提速\n\n本报讯 呼伦贝尔市今年新建草原书屋三百二十个，"
            "每个书屋配备图书两千册，覆盖全市所有嘎查村。\n")
NEW_QUESTION = "呼伦贝尔市今年新建了多少个草原书屋？"
NEW_FIGURE = "三百二十"
PROBE_EVERY_S = 0.5
PROBE_TIMEOUT_S = 60.0
SETTLE_S = 10.0  # the window after a change in which a question may still see the old version


@dataclass
class Change:
    """One change published by another process, and when the server followed it."""

    name: str
    started: float
    finished: float = 0.0
    ok: bool = True
    detail: str = ""
    served_s: float | None = None  # seconds from ``finished`` until /api/health served a new version
    chat_sent_s: float | None = None  # the first chat question answered with the change was sent ...
    chat_s: float | None = None  # ... and answered, seconds after ``finished``
    api_sent_s: float | None = None
    api_s: float | None = None


@dataclass
class ChangeRun:
    changes: list[Change] = field(default_factory=list)
    api: list[Result] = field(default_factory=list)
    probe_errors: list[str] = field(default_factory=list)


def cli(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``corpusqa --home HOME --silent ARGS`` in another process."""
    return subprocess.run([sys.executable, "-m", "corpusqa.cli", "--home", str(home), "--silent", *args],
                          capture_output=True, text=True, timeout=timeout)


def add_article(home: Path, folder: Path) -> tuple[bool, str]:
    """Ingest the new article and update the index, as two commands."""
    path = folder / NEW_NAME
    path.write_text(NEW_TEXT, encoding="utf-8")
    for args in (("ingest", str(path)), ("index", "update")):
        proc = cli(home, *args)
        if proc.returncode != 0:
            return False, f"{' '.join(args[:2])}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    return True, ""


def remove_article(home: Path) -> tuple[bool, str]:
    proc = cli(home, "corpus", "remove", NEW_NAME)
    return proc.returncode == 0, "" if proc.returncode == 0 else f"remove: {proc.stderr.strip()[-300:]}"


class Probe:
    """Asks ``NEW_QUESTION`` through the chat and the API; says whether the figure shows.

    Each way in has its own client, so the three probes of ``wait_for`` run in parallel.
    """

    def __init__(self, url: str, auth: tuple[str, str] | None = None):
        import httpx
        from gradio_client import Client

        self.chat = Client(url, auth=auth, verbose=False, download_files=False, analytics_enabled=False,
                           ssl_verify=url.startswith("https://"))
        self.http = httpx.Client(base_url=url, auth=auth, timeout=120)
        self.health = httpx.Client(base_url=url, auth=auth, timeout=30)

    def chat_has(self) -> bool:
        start, answer, new = ANSWER_API
        self.chat.predict(api_name=new)
        self.chat.predict(NEW_QUESTION, api_name=start)
        view = last_turn(self.chat.predict("", "", [], api_name=answer)[0])
        problem = check_turn(view, NEW_QUESTION)
        if problem:
            raise RuntimeError(f"chat: {problem}")
        assert view is not None  # check_turn reports a missing turn
        return view.state == "answered" and NEW_FIGURE in view.answer

    def api_has(self) -> bool:
        r = self.http.post("api/ask", json={"question": NEW_QUESTION})
        if r.status_code != 200:
            raise RuntimeError(f"API: HTTP {r.status_code}: {r.text[:200]}")
        body = r.json()
        return bool(body.get("answer")) and NEW_FIGURE in body["answer"]

    def serving_version(self) -> str | None:
        return self.health.get("api/health").json().get("serving_version")

    def wait_for(self, change: Change, present: bool, errors: list[str], before: str | None) -> None:
        """Until the server serves a version other than ``before`` and both ways in show
        (``present``) or no longer show the figure, or ``PROBE_TIMEOUT_S`` passes."""
        deadline = change.finished + PROBE_TIMEOUT_S

        def since() -> float:
            return round(time.monotonic() - change.finished, 2)

        def served() -> None:
            while time.monotonic() < deadline:
                try:
                    if self.serving_version() != before:
                        change.served_s = since()
                        return
                except Exception as exc:
                    errors.append(f"probe {change.name} health: {type(exc).__name__}: {exc}"[:200])
                time.sleep(0.25)

        def asking(way: str, ask) -> None:
            while time.monotonic() < deadline:
                sent = since()
                try:
                    if ask() == present:
                        setattr(change, f"{way}_sent_s", sent)
                        setattr(change, f"{way}_s", since())
                        return
                except Exception as exc:  # counted, and the probe goes on
                    errors.append(f"probe {change.name} {way}: {type(exc).__name__}: {exc}"[:200])
                time.sleep(PROBE_EVERY_S)

        threads = [threading.Thread(target=served, daemon=True),
                   threading.Thread(target=asking, args=("chat", self.chat_has), daemon=True),
                   threading.Thread(target=asking, args=("api", self.api_has), daemon=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if change.chat_s is None or change.api_s is None or change.served_s is None:
            errors.append(f"{change.name}: not seen within {PROBE_TIMEOUT_S:.0f} s (served {change.served_s}, "
                          f"chat {change.chat_s}, API {change.api_s})")


def run_api_user(url: str, questions: Sequence[str], deadline: float, out: list[Result],
                 auth: tuple[str, str] | None = None) -> None:
    """One program calling ``POST /api/ask`` in a loop until ``deadline``."""
    import httpx

    with httpx.Client(base_url=url, auth=auth, timeout=120) as http:
        n = 0
        while time.monotonic() < deadline:
            q = questions[n % len(questions)]
            n += 1
            t0, started = time.perf_counter(), time.monotonic()
            try:
                r = http.post("api/ask", json={"question": q})
                ms = (time.perf_counter() - t0) * 1000
                body = r.json() if r.status_code == 200 else {}
                error = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:120]}"
                if error is None and body.get("answer") and not body.get("citations"):
                    error = "answer without a citation"
                state = "abstained" if body.get("abstained") else "answered"
                out.append(Result(-1, f"api.{n % len(questions)}", ms, state, body.get("answer") or "", error,
                                  started))
            except Exception as exc:
                out.append(Result(-1, f"api.{n % len(questions)}", (time.perf_counter() - t0) * 1000,
                                  error=f"{type(exc).__name__}: {exc}"[:200], started=started))


def writer(home: Path, folder: Path, probe: Probe, t0: float, seconds: float, run: ChangeRun) -> None:
    """The nightly script's two steps, each followed by the probe."""
    for at, name, step, present in ((0.2, "add", lambda: add_article(home, folder), True),
                                     (0.6, "remove", lambda: remove_article(home), False)):
        time.sleep(max(0.0, t0 + at * seconds - time.monotonic()))
        before = probe.serving_version()
        change = Change(name, time.monotonic())
        run.changes.append(change)
        change.ok, change.detail = step()
        change.finished = time.monotonic()
        if not change.ok:
            run.probe_errors.append(f"{name} failed: {change.detail}")
            return
        probe.wait_for(change, present, run.probe_errors, before)


def swap_memory(home: Path, folder: Path, probe: Probe, pid: int, swaps: int, errors: list[str]) -> list[float]:
    """RSS (MB) after each of ``swaps`` published versions (added, removed, added, ...)."""
    rss = []
    for i in range(swaps):
        before = probe.serving_version()
        ok, detail = add_article(home, folder) if i % 2 == 0 else remove_article(home)
        if not ok:
            errors.append(f"swap {i + 1}: {detail}")
            break
        deadline = time.monotonic() + PROBE_TIMEOUT_S
        while probe.serving_version() == before and time.monotonic() < deadline:
            time.sleep(PROBE_EVERY_S)
        if probe.serving_version() == before:
            errors.append(f"swap {i + 1}: the server kept serving {before}")
        try:
            probe.api_has()  # one question on the new version
        except Exception as exc:
            errors.append(f"swap {i + 1}: {type(exc).__name__}: {exc}"[:200])
        value = rss_mb(pid)
        if value is not None:
            rss.append(round(value, 1))
    return rss


def run_with_changes(users: int, seconds: float, home: Path, conversations: Sequence[tuple[str, ...]],
                     swaps: int = 0, auth: tuple[str, str] | None = None, env: dict | None = None,
                     log_path: Path | None = None) -> dict:
    """Serve a scratch copy of ``home`` under load while another process changes it.

    ``env`` and ``log_path`` go to the server (``server_proc.start_server``); the summary
    carries its ``pid``.
    """
    scratch = Path(tempfile.mkdtemp(prefix="corpusqa-load-change-"))
    work = scratch / "home"
    shutil.copytree(home, work, ignore=shutil.ignore_patterns("*.lock", "feedback*"))
    folder = scratch / "incoming"
    folder.mkdir()
    port = free_port()
    proc = start_server(work, port, env=env, log_path=log_path)
    url = f"http://127.0.0.1:{port}/"
    try:
        probe = Probe(url, auth)
        if probe.chat_has() or probe.api_has():
            raise RuntimeError(f"the home already answers {NEW_QUESTION!r}: the change would not show")
        rss_before = rss_mb(proc.pid)
        run = ChangeRun()
        chat: list[Result] = []
        singles = [c[0] for c in conversations if len(c) == 1]
        t0 = time.monotonic()
        deadline = t0 + seconds
        threads = [threading.Thread(target=run_user, args=(url, u, conversations, deadline, chat, auth), daemon=True)
                   for u in range(users)]
        threads.append(threading.Thread(target=run_api_user, args=(url, singles, deadline, run.api, auth),
                                        daemon=True))
        threads.append(threading.Thread(target=writer, args=(work, folder, probe, t0, seconds, run), daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        rss_after_load = rss_mb(proc.pid)
        swap_errors: list[str] = []
        rss_swaps = swap_memory(work, folder, probe, proc.pid, swaps, swap_errors) if swaps else []
        return {**summarize(users, elapsed, chat, run, rss_before, rss_after_load, rss_swaps, swap_errors),
                "pid": proc.pid}
    finally:
        stop_server(proc)
        shutil.rmtree(scratch, ignore_errors=True)


def summarize(users: int, seconds: float, chat: list[Result], run: ChangeRun, rss_before, rss_after_load,
              rss_swaps: list[float], swap_errors: list[str]) -> dict:
    windows = [(c.started, c.finished + SETTLE_S) for c in run.changes]
    chat_bad = [r for r in chat if r.error] + consistency_errors(chat, windows)
    api_bad = [r for r in run.api if r.error] + consistency_errors(run.api, windows)
    errors = [f"user {r.user} {r.key}: {r.error}" for r in chat_bad] + \
             [f"API {r.key}: {r.error}" for r in api_bad] + run.probe_errors + swap_errors

    def lat(results):
        ok = [r.latency_ms for r in results if not r.error]
        return {"requests": len(results), "p50_ms": round(percentile(ok, 50)), "p95_ms": round(percentile(ok, 95))}

    return {
        "users": users, "seconds": round(seconds, 1), "errors": len(errors), "chat": lat(chat), "api": lat(run.api),
        "changes": [{"name": c.name, "ok": c.ok, "publish_s": round(c.finished - c.started, 2),
                     "served_s": c.served_s, "chat_sent_s": c.chat_sent_s, "chat_s": c.chat_s,
                     "api_sent_s": c.api_sent_s, "api_s": c.api_s} for c in run.changes],
        "rss_before_mb": _mb(rss_before), "rss_after_load_mb": _mb(rss_after_load), "rss_after_swaps_mb": rss_swaps,
        "error_samples": errors[:10],
    }


def format_table(s: dict) -> str:
    rows = [("users x seconds", f"{s['users']} chat + 1 API x {s['seconds']}"), ("errors", s["errors"]),
            ("chat questions, p50 / p95", f"{s['chat']['requests']}, {s['chat']['p50_ms']} / {s['chat']['p95_ms']} ms"),
            ("API questions, p50 / p95", f"{s['api']['requests']}, {s['api']['p50_ms']} / {s['api']['p95_ms']} ms")]
    for c in s["changes"]:
        seen = "shown" if c["name"] == "add" else "gone"
        rows.append((f"{c['name']}: published in; then served after; {seen} in chat, API (sent / answered after)",
                     f"{c['publish_s']} s; {c['served_s']} s; chat {c['chat_sent_s']} / {c['chat_s']} s, "
                     f"API {c['api_sent_s']} / {c['api_s']} s" if c["ok"] else "failed"))
    rows.append(("server RSS before / after the load", f"{s['rss_before_mb']} / {s['rss_after_load_mb']} MB"))
    if s["rss_after_swaps_mb"]:
        rss = s["rss_after_swaps_mb"]
        rows.append((f"server RSS after each of {len(rss)} swaps", " ".join(f"{v:.0f}" for v in rss) + " MB"))
    return "\n".join([md_table(["measure", "value"], rows)] + [f"error: {e}" for e in s["error_samples"]])


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
