"""Security of the web chat: stored XSS, upload path traversal, login enforcement.

The browser tests run Debian Chromium against the real app over a lexical-only
index (built in seconds) of the sample corpus plus one hostile article.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from corpusqa.cli import main
from corpusqa.settings import Settings
from corpusqa.ui.uploads import process_uploads

TIMEOUT_MS = 60_000
QUESTION = "全区建成了多少个一站式党群服务中心？"
XSS_QUESTION = "测试旗今年新建了多少座温室大棚？"
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
LINK = '<a href="javascript:window.__xss=3">详情链接</a>'
HOSTILE_ARTICLE = {
    "id": "xss-1", "date": "2023-05-01", "title": f"测试旗{SCRIPT}温室{IMG}快讯",
    "text": "测试旗位于自治区西部，近年来大力发展设施农业。\n"
            f"测试旗今年新建温室大棚58座{SCRIPT}，带动农户增收。\n"
            f"更多内容见{LINK}，现场图片{IMG}。\n"
            "温室蔬菜主要销往包头和呼和浩特。",
}
HOSTILE_SOURCE = "<img src=x onerror=window.__xss=4>.jsonl"
USER, PASSWORD = "editor", "编辑部-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory, sample_dir) -> Path:
    """Sample corpus + an article full of markup, ingested from a file (not uploaded), lexical index."""
    root = tmp_path_factory.mktemp("security")
    src = root / "incoming"
    src.mkdir()
    (src / HOSTILE_SOURCE).write_text(json.dumps(HOSTILE_ARTICLE, ensure_ascii=False) + "\n", encoding="utf-8")
    home = root / "home"
    for args in (["ingest", str(sample_dir), str(src)], ["index", "build"]):
        assert main(["--home", str(home), "--encoder", "none", "--silent", *args]) == 0
    return home


def serve(home: Path, auth=None):
    from corpusqa.ui.app import build_app, launch
    from corpusqa.ui.service import ChatService

    settings = Settings.from_env(home=home).with_(progress=False, language="zh", encoder="none")
    service = ChatService(settings)
    service.warm_up()
    app = build_app(settings, service=service)
    port = free_port()
    launch(app, host="127.0.0.1", port=port, auth=auth, block=False, quiet=True)
    return app, f"http://127.0.0.1:{port}/", settings


@pytest.fixture(scope="module")
def open_app(hostile_home):
    app, url, settings = serve(hostile_home)
    yield url, settings
    app.close()


@pytest.fixture(scope="module")
def locked_app(hostile_home):
    from corpusqa.ui.auth import make_checker

    app, url, settings = serve(hostile_home, auth=make_checker({USER: PASSWORD}))
    yield url
    app.close()


def ask(page, question: str, turn: int):
    box = page.locator("#cqa-question-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector(f'.cqa-turn[data-turn="{turn}"]:not([data-state="pending"])', timeout=TIMEOUT_MS)
    return page.locator(f'.cqa-turn[data-turn="{turn}"]')


# -- a. stored XSS ------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.integration
def test_markup_in_an_ingested_article_shows_as_text_and_never_runs(chromium, open_app):
    url, _ = open_app
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#cqa-question-input textarea", timeout=TIMEOUT_MS)

    turn = ask(page, XSS_QUESTION, 0)
    assert turn.get_attribute("data-state") == "answered"
    assert SCRIPT in turn.locator(".cqa-answer").inner_text()  # the markup is shown, as text
    citation = turn.locator(".cqa-citation").first
    assert citation.get_attribute("data-doc-id")
    assert f"《{HOSTILE_ARTICLE['title']}》" == citation.locator(".cqa-title").inner_text()
    assert HOSTILE_SOURCE in citation.locator(".cqa-source").inner_text()
    citation.locator("details.cqa-context summary").click()  # expand: the paragraph with the link
    context_text = citation.locator("details.cqa-context").inner_text()
    assert LINK in context_text and IMG in context_text

    ask(page, f"{IMG}测试旗{SCRIPT}有多少座温室大棚？", 1)  # a hostile question is echoed as text too
    assert IMG in page.locator('.cqa-turn[data-turn="1"] .cqa-question').inner_text()
    page.get_by_role("tab", name="语料").click()  # the source file name in the corpus panel
    page.wait_for_selector(".cqa-corpus", timeout=TIMEOUT_MS)
    assert HOSTILE_SOURCE in page.locator(".cqa-corpus").inner_text()
    page.wait_for_timeout(300)  # give an injected onerror handler time to fire

    assert page.evaluate("typeof window.__xss") == "undefined"
    for selector in ("script", "img", 'a[href^="javascript:"]', "[onerror]"):
        assert page.locator(f".cqa-transcript {selector}, .cqa-corpus {selector}").count() == 0, selector
    assert dialogs == []
    context.close()


# -- b. upload path traversal ---------------------------------------------------------

PAGE = ("内蒙古日报 2022年6月28日\n全区建成一站式党群服务中心\n"
        "本报呼和浩特6月27日讯 全区建成一站式党群服务中心14542个，覆盖率达到98.9%以上。\n")
HOSTILE_NAMES = ["../../evil.txt", "/etc/passwd", "..\\..\\evil2.txt", "ev\x00il3.txt", "..",
                 "../../../tmp/evil4.md", "a/../../evil5.txt"]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_upload_names_with_paths_are_refused_and_nothing_is_written(settings, tmp_path):
    src = tmp_path / "src.txt"
    src.write_text(PAGE, encoding="utf-8")
    passwd = Path("/etc/passwd").stat() if Path("/etc/passwd").exists() else None
    before = files_under(tmp_path)
    outcome = process_uploads([(src, name) for name in HOSTILE_NAMES], settings, update_index=None)

    created = files_under(tmp_path) - before
    assert [p for p in created if "evil" in p.name or p.name == "passwd"] == []
    assert not settings.uploads_dir.exists() or list(settings.uploads_dir.iterdir()) == []
    if passwd is not None:
        assert Path("/etc/passwd").stat().st_mtime == passwd.st_mtime

    rows = [f.to_row() for f in outcome.files]
    assert len(rows) == len(HOSTILE_NAMES)  # one line per file, in order
    assert all(r["status"] == "rejected" and r["message"] for r in rows), rows
    for name, row in zip(HOSTILE_NAMES, rows):
        expected = "文件名无效" if name == ".." else "已拒绝"
        assert expected in row["message"], (name, row)


@pytest.mark.browser
@pytest.mark.integration
def test_browser_upload_with_traversal_names_stays_inside(chromium, open_app):
    url, settings = open_app
    tag = uuid.uuid4().hex[:8]
    names = [f"../../evil-{tag}.txt", f"..\\..\\evil2-{tag}.txt"]
    payloads = [{"name": n, "mimeType": "text/plain", "buffer": PAGE.encode("utf-8")} for n in names]
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name="管理").click()
    page.locator("#cqa-upload input[type=file]").set_input_files(payloads)
    page.wait_for_timeout(500)
    page.locator("#cqa-upload-run").click()
    page.wait_for_selector(".cqa-upload-report tr[data-status]", timeout=TIMEOUT_MS)
    rows = page.locator(".cqa-upload-report tbody tr")
    assert rows.count() == 2
    context.close()

    uploads = settings.uploads_dir.resolve()
    stored = sorted(p.name for p in uploads.iterdir() if tag in p.name)
    assert stored == sorted([f"evil-{tag}.txt", f"evil2-{tag}.txt"])
    gradio_cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    places = {uploads.parent, uploads.parent.parent, settings.home.parent.parent, gradio_cache, gradio_cache.parent,
              Path.cwd(), Path.cwd().parent}
    strays = [p / n for p in places for n in stored if (p / n).exists()]
    assert strays == [], f"an upload escaped: {strays}"


# -- c. login enforced ----------------------------------------------------------------

def http(url: str, data: dict | None = None) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(200_000).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@pytest.mark.integration
def test_without_login_no_endpoint_gives_answers(locked_app):
    url = locked_app
    status, page = http(url)
    assert status == 200 and "cqa-" not in page and "14542" not in page  # the bare shell, no app
    for path in ("config", "gradio_api/info", "gradio_api/openapi.json", "gradio_api/queue/status",
                 "gradio_api/queue/data?session_hash=intruder", "gradio_api/file=/etc/passwd"):
        status, body = http(url + path)
        assert status == 401 and "14542" not in body, (path, status, body[:200])
    ask = {"data": [QUESTION], "fn_index": 0, "session_hash": "intruder", "event_data": None, "trigger_id": None}
    for path, payload in (("gradio_api/queue/join", ask), ("gradio_api/queue/join", {**ask, "fn_index": 1}),
                          ("gradio_api/call/chat_start", {"data": [QUESTION]}),
                          ("gradio_api/run/chat_answer", {"data": ["", "", []]})):
        status, body = http(url + path, payload)
        assert status == 401 and "14542" not in body, (path, status, body[:200])


@pytest.mark.integration
def test_gradio_client_needs_the_password(locked_app):
    from gradio_client import Client

    for auth in (None, (USER, "wrong")):
        with pytest.raises(Exception) as e:
            c = Client(locked_app, auth=auth, verbose=False, download_files=False, analytics_enabled=False)
            c.predict(QUESTION, api_name="/chat_start")
        assert "14542" not in str(e.value)
    c = Client(locked_app, auth=(USER, PASSWORD), verbose=False, download_files=False, analytics_enabled=False)
    c.predict(QUESTION, api_name="/chat_start")
    assert "14542个" in c.predict("", "", [], api_name="/chat_answer")[0]


@pytest.mark.browser
@pytest.mark.integration
def test_browser_shows_the_login_form_first(chromium, locked_app):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(locked_app)
    password = page.locator("input[type=password]")
    password.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#cqa-question-input").count() == 0
    assert "请登录" in page.locator("body").inner_text()
    user = page.locator("input[type=text]").first
    user.fill(USER)
    password.fill("wrong")
    password.press("Enter")
    page.get_by_text("凭据不正确").wait_for(timeout=TIMEOUT_MS)  # Gradio's own message, in Chinese for zh-CN
    assert page.locator("#cqa-question-input").count() == 0 and password.is_visible()

    user.fill(USER)  # the form clears the user name after a failed attempt
    password.fill(PASSWORD)
    password.press("Enter")
    page.wait_for_selector("#cqa-question-input textarea", timeout=TIMEOUT_MS)
    turn = ask(page, QUESTION, 0)
    assert turn.get_attribute("data-state") == "answered" and "14542个" in turn.inner_text()
    context.close()
