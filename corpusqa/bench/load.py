"""Load test of the web chat over loopback: simulated users asking gold questions.

    corpusqa bench load --users 20 --seconds 60 [--url URL | --home DIR]

Without ``--url`` the app is started (``corpusqa serve`` in a subprocess, on a free
port) and stopped afterwards; with ``--url`` a running app is targeted. Each user is
a ``gradio_client.Client`` with its own session: it starts a new conversation, asks
the turns of one gold question (follow-ups after their first turn) exactly as the
browser does (Enter, then the queued answer), and moves on until time is up.

Latency is Enter-to-answer and includes waiting in the app's queue (it answers
``CONCURRENCY_LIMIT`` questions at once). Errors: an exception, a turn showing an
error, an answer without a citation, the answer to another question, or the same
conversation step answered differently by two users. Exit status 1 on any error.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Sequence

from corpusqa.bench.server_proc import cpu_seconds, free_port, listening_pid, rss_mb, start_server, stop_server
from corpusqa.eval.metrics import percentile
from corpusqa.eval.report import md_table

ANSWER_API = ("/chat_start", "/chat_answer", "/chat_new")


@dataclass(frozen=True)
class TurnView:
    """The last turn of a rendered transcript, as a user sees it."""

    state: str
    question: str
    answer: str
    citations: int


@dataclass(frozen=True)
class Result:
    """One question asked by one user."""

    user: int
    key: str
    latency_ms: float
    state: str = ""
    answer: str = ""
    error: str | None = None
    started: float = 0.0  # time.monotonic() when the question was sent


@dataclass
class ServerStats:
    """The server's memory (MB) sampled (psutil) while the load runs, its CPU time and the load generator's (s)."""

    before: float | None = None
    after: float | None = None
    peak: float | None = None
    cpu_s: float | None = None
    client_cpu_s: float | None = None
    samples: list = field(default_factory=list)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TurnParser(HTMLParser):
    """Collects state, question, answer text and citation count of each ``.cqa-turn``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.turns: list[dict] = []
        self._stack: list[str | None] = []  # per open element: whose text it holds

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        role = a.get("data-testid")
        if role == "cqa-turn":
            self.turns.append({"state": a.get("data-state", ""), "question": "", "answer": "", "citations": 0})
        elif role == "cqa-citation" and self.turns:
            self.turns[-1]["citations"] += 1
        holder = self._stack[-1] if self._stack else None
        if role in ("cqa-question", "cqa-answer"):
            holder = role
        if a.get("class") in ("cqa-q-label", "cqa-marker"):
            holder = None  # the "问" label and the [1] markers are not part of the text
        if tag not in _VOID:
            self._stack.append(holder)

    def handle_startendtag(self, tag, attrs):
        if tag not in _VOID:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        holder = self._stack[-1] if self._stack else None
        if self.turns and holder == "cqa-question":
            self.turns[-1]["question"] += data
        elif self.turns and holder == "cqa-answer":
            self.turns[-1]["answer"] += data


def last_turn(transcript_html: str) -> TurnView | None:
    """The newest turn of a transcript rendered by ``render.render_transcript``."""
    parser = _TurnParser()
    parser.feed(transcript_html or "")
    if not parser.turns:
        return None
    t = parser.turns[-1]
    return TurnView(t["state"], t["question"].strip(), t["answer"].strip(), t["citations"])


def check_turn(view: TurnView | None, question: str) -> str | None:
    """What is wrong with the rendered answer to ``question`` (None: nothing)."""
    if view is None:
        return "no turn rendered"
    if view.question != question.strip():
        return f"shows the question {view.question[:30]!r}"
    if view.state == "error":
        return "the turn shows an error"
    if view.state == "pending":
        return "left pending"
    if view.state == "answered" and view.citations == 0:
        return "answer without a citation"
    if view.state not in ("answered", "abstained"):
        return f"unknown state {view.state!r}"
    return None


def gold_conversations(path: str | Path | None = None) -> list[tuple[str, ...]]:
    """Each gold question as the turns a user types (history first), in file order."""
    from corpusqa.eval.gold import load_gold

    return [tuple(str(h["question"]) for h in item.history) + (item.question,) for item in load_gold(path)]


def run_user(url: str, user: int, conversations: Sequence[tuple[str, ...]], deadline: float,
             out: list[Result], auth: tuple[str, str] | None = None) -> None:
    """One simulated user: conversations from an offset of its own until ``deadline``."""
    from gradio_client import Client

    try:
        # Plain http has no TLS to verify; skipping it spares gradio_client loading the CA bundle
        # on every call (about 20 ms of CPU each, which would starve the server on a small machine).
        client = Client(url, auth=auth, verbose=False, download_files=False, analytics_enabled=False,
                        ssl_verify=url.startswith("https://"))
    except Exception as exc:
        out.append(Result(user, "connect", 0.0, error=f"connect: {type(exc).__name__}: {exc}"[:200]))
        return
    api_start, api_answer, api_new = ANSWER_API
    n = 0
    while time.monotonic() < deadline:
        c = (user * 7 + n) % len(conversations)  # users start at different questions
        n += 1
        for step, question in enumerate(conversations[c]):
            if time.monotonic() >= deadline:
                break
            t0, started = time.perf_counter(), time.monotonic()
            try:
                if step == 0:
                    client.predict(api_name=api_new)  # "new conversation" before its first turn
                    t0, started = time.perf_counter(), time.monotonic()
                client.predict(question, api_name=api_start)
                transcript = client.predict("", "", [], api_name=api_answer)[0]
            except Exception as exc:
                out.append(Result(user, f"{c}.{step}", (time.perf_counter() - t0) * 1000,
                                  error=f"{type(exc).__name__}: {exc}"[:200], started=started))
                break
            ms = (time.perf_counter() - t0) * 1000
            view = last_turn(transcript)
            problem = check_turn(view, question)
            out.append(Result(user, f"{c}.{step}", ms, view.state if view else "", view.answer if view else "",
                              problem, started))
            if problem:
                break


def consistency_errors(results: Sequence[Result],
                       windows: Sequence[tuple[float, float]] = ()) -> list[Result]:
    """Results whose answer differs from an earlier answer to the same conversation step.

    ``windows`` (``bench load --change``) are the spans from each corpus change's start until
    it settled: a version is the span between two of them, answers are compared within one
    version only, and questions started inside a window are not compared.
    """
    first: dict[tuple[int, str], str] = {}
    bad = []
    for r in sorted(results, key=lambda r: r.started):
        if r.error or any(a <= r.started <= b for a, b in windows):
            continue
        epoch = sum(r.started > b for _, b in windows)
        seen = first.setdefault((epoch, r.key), r.answer)
        if seen != r.answer:
            bad.append(Result(r.user, r.key, r.latency_ms, r.state, r.answer,
                              f"answered differently within one version: {r.answer[:30]!r} vs {seen[:30]!r}",
                              r.started))
    return bad


def summarize(results: Sequence[Result], users: int, seconds: float, stats: ServerStats) -> dict:
    """The figures of a run (latencies in ms, memory in MB)."""
    errors = [r for r in results if r.error] + consistency_errors(results)
    ok = [r.latency_ms for r in results if not r.error]
    return {
        "users": users, "seconds": round(seconds, 1), "requests": len(results), "errors": len(errors),
        "answered": sum(r.state == "answered" for r in results if not r.error),
        "abstained": sum(r.state == "abstained" for r in results if not r.error),
        "p50_ms": round(percentile(ok, 50)), "p95_ms": round(percentile(ok, 95)),
        "max_ms": round(max(ok, default=0.0)), "throughput_rps": round(len(results) / seconds, 2) if seconds else 0,
        "rss_before_mb": stats.before, "rss_after_mb": stats.after, "rss_peak_mb": stats.peak,
        "server_cpu_s": None if stats.cpu_s is None else round(stats.cpu_s, 1),
        "server_cpu_ms_per_question": round(1000 * stats.cpu_s / len(results)) if stats.cpu_s and results else None,
        "client_cpu_s": None if stats.client_cpu_s is None else round(stats.client_cpu_s, 1),
        "rss_every_10s_mb": [round(v) for v in stats.samples[::20]],
        "error_samples": [f"user {r.user} {r.key}: {r.error}" for r in errors[:10]],
    }


def format_table(s: dict) -> str:
    """The summary as a two-column Markdown table."""
    def mb(v):
        return "n/a" if v is None else f"{v:.0f} MB"

    rows = [("users x seconds", f"{s['users']} x {s['seconds']}"), ("requests (questions)", s["requests"]),
            ("errors", s["errors"]), ("answered / abstained", f"{s['answered']} / {s['abstained']}"),
            ("latency p50 / p95 / max", f"{s['p50_ms']} / {s['p95_ms']} / {s['max_ms']} ms"),
            ("throughput", f"{s['throughput_rps']} questions/s"),
            ("server RSS before / after / peak", f"{mb(s['rss_before_mb'])} / {mb(s['rss_after_mb'])} / "
                                                 f"{mb(s['rss_peak_mb'])}")]
    if s.get("server_cpu_s") is not None:
        rows.append(("server CPU time (per question)", f"{s['server_cpu_s']} s ({s['server_cpu_ms_per_question']} ms)"))
    if s.get("client_cpu_s") is not None:
        rows.append(("load generator CPU time (gradio_client)", f"{s['client_cpu_s']} s"))
    lines = [md_table(["measure", "value"], rows)] + [f"error: {e}" for e in s["error_samples"]]
    return "\n".join(lines)


def run_load(url: str, users: int, seconds: float, conversations: Sequence[tuple[str, ...]],
             server_pid: int | None = None, auth: tuple[str, str] | None = None) -> dict:
    """Run ``users`` simulated users against ``url`` for ``seconds``; returns ``summarize``'s figures."""
    stats, stop = ServerStats(), threading.Event()
    if server_pid:
        stats.before, cpu_before = rss_mb(server_pid), cpu_seconds(server_pid)

        def sample():
            while not stop.wait(0.5):
                v = rss_mb(server_pid)
                if v is not None:
                    stats.samples.append(v)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    results: list[Result] = []
    client_cpu = cpu_seconds(os.getpid())
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=run_user, args=(url, u, conversations, deadline, results, auth), daemon=True)
               for u in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    stop.set()
    now = cpu_seconds(os.getpid())
    stats.client_cpu_s = None if now is None or client_cpu is None else now - client_cpu
    if server_pid:
        stats.after, cpu_after = rss_mb(server_pid), cpu_seconds(server_pid)
        if cpu_before is not None and cpu_after is not None:
            stats.cpu_s = cpu_after - cpu_before
        stats.peak = max([v for v in (stats.before, stats.after, *stats.samples) if v is not None], default=None)
    return summarize(results, users, elapsed, stats)


def run(users: int, seconds: float, url: str | None = None, home: Path | str | None = None,
        gold: str | Path | None = None, auth: tuple[str, str] | None = None) -> dict:
    """Load ``url``, or a ``corpusqa serve`` started over ``home`` on a free port (stopped after)."""
    conversations = gold_conversations(gold)
    proc = None
    if url:
        url = url if url.endswith("/") else url + "/"
        pid = listening_pid(urllib.parse.urlparse(url).port or 80)
    else:
        port = free_port()
        assert home is not None  # without a url the caller gives the home to serve
        proc = start_server(home, port)
        url, pid = f"http://127.0.0.1:{port}/", proc.pid
    try:
        return run_load(url, users, seconds, conversations, pid, auth)
    finally:
        if proc is not None:
            stop_server(proc)
