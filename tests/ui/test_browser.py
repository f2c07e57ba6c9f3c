"""The web chat in a real headless Chromium, over a real index of the sample corpus.

Writes a screenshot and the measured Enter-to-answer times to test-output/ui/.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from corpusqa.corpus.store import CorpusStore

from .conftest import OUTPUT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.xdist_group("ui-browser")]

QUESTION = "全区建成了多少个一站式党群服务中心？"
TIMEOUT_MS = 120_000


def report(capsys, line: str) -> None:
    """Show a line on the terminal even though pytest captures output."""
    with capsys.disabled():
        print(f"\n[ui] {line}")


def ask(page, question: str, turn: int) -> float:
    """Type a question, press Enter, wait until its answer is rendered; returns milliseconds."""
    box = page.locator("#cqa-question-input textarea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_selector(f'.cqa-turn[data-turn="{turn}"]:not([data-state="pending"])', timeout=TIMEOUT_MS)
    return (time.perf_counter() - started) * 1000


def wait_for_row(db, sql: str, params, timeout_s: float = 15.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    row = con.execute(sql, params).fetchone()
            except sqlite3.OperationalError:  # the file is there, its table not yet
                row = None
            if row:
                return row
        time.sleep(0.2)
    return None


def open_chat(chromium, url):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((url, "data:", "blob:")) else None)
    page.goto(url)
    page.wait_for_selector("#cqa-question-input textarea", timeout=TIMEOUT_MS)
    return context, page, outside


def test_answer_citation_follow_up_feedback(chromium, served, ui_settings, capsys):
    url, _ = served
    context, page, outside = open_chat(chromium, url)

    first_ms = ask(page, QUESTION, 0)
    turn = page.locator('.cqa-turn[data-turn="0"]')
    assert turn.get_attribute("data-state") == "answered"
    assert "14542个" in turn.locator(".cqa-answer").inner_text()
    assert turn.locator(".cqa-answer mark.cqa-highlight").first.inner_text() == "14542个"
    citation = turn.locator(".cqa-citation").first
    with CorpusStore(ui_settings.db_path) as store:
        article = store.get_article(citation.get_attribute("data-doc-id"))
    assert citation.locator(".cqa-title").is_visible()
    assert article.title and article.title in citation.locator(".cqa-title").inner_text()
    assert article.source in citation.inner_text()
    # expanding the citation shows the article text around the cited sentence
    context_box = citation.locator("details.cqa-context")
    context_box.locator("summary").click()
    assert context_box.locator(".cqa-context-cited").is_visible()
    assert "14542个" in context_box.inner_text()

    ask(page, "全区有多少个最强党支部？", 1)
    follow_ms = ask(page, "那通辽呢？", 2)
    rewritten = page.locator('.cqa-turn[data-turn="2"] .cqa-rewritten')
    assert rewritten.is_visible()
    assert "通辽" in rewritten.inner_text() and "最强党支部" in rewritten.inner_text()
    edit_box = page.locator("#cqa-rewrite-input textarea")
    assert edit_box.is_visible() and "最强党支部" in edit_box.input_value()

    if not context_box.locator(".cqa-context-cited").is_visible():  # later questions re-rendered it
        context_box.locator("summary").click()
    page.locator('.cqa-turn[data-turn="0"] button[data-vote="up"]').click()
    page.wait_for_selector('.cqa-turn[data-turn="0"] button[data-vote="up"][aria-pressed="true"]')
    row = wait_for_row(ui_settings.feedback_db_path,
                       "SELECT id, answer, citations FROM feedback WHERE question = ? AND vote = 'up'", [QUESTION])
    assert row is not None, "the 👍 was not stored"
    assert "14542个" in row[1] and json.loads(row[2])[0]["doc_id"] == article.id
    # the vote did not re-render the conversation: the expanded citation is still open
    assert context_box.locator(".cqa-context-cited").is_visible()
    page.locator("#cqa-comment textarea").fill("数字准确")
    page.locator("#cqa-comment-send").click()
    assert wait_for_row(ui_settings.feedback_db_path, "SELECT 1 FROM feedback WHERE id = ? AND comment = ?",
                        [row[0], "数字准确"]) is not None

    # a later re-render (next question) keeps the stored vote
    ask(page, "一站式党群服务中心的覆盖率有多高？", 3)
    assert page.locator('.cqa-turn[data-turn="0"] button[data-vote="up"]').get_attribute("aria-pressed") == "true"
    page.locator('.cqa-turn[data-turn="3"] details.cqa-context summary').first.click()

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT_DIR / "chat.png"
    page.screenshot(path=str(shot), full_page=True)

    # another browser session starts empty and cannot see this conversation
    other, other_page, _ = open_chat(chromium, url)
    assert other_page.locator(".cqa-transcript").get_attribute("data-turns") == "0"
    other.close()
    context.close()

    assert not outside, f"the page made outbound requests: {outside[:5]}"
    timings = {"enter_to_answer_ms": round(first_ms), "follow_up_enter_to_answer_ms": round(follow_ms)}
    (OUTPUT_DIR / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
    report(capsys, f"screenshot: {shot}")
    report(capsys, f"Enter -> rendered answer: {first_ms:.0f} ms (follow-up: {follow_ms:.0f} ms)")


def test_upload_reports_each_file_and_article_html_renders_as_text(chromium, served, tmp_path, capsys):
    url, _ = served
    doc = {"id": "ui-xss-test", "title": "测试镇<script>alert(1)</script>蔬菜大棚", "date": "2023-03-01",
           "text": "测试镇位于某旗南部。\n测试镇今年新建蔬菜大棚37座<script>alert(1)</script>，带动农户增收。\n"
                   "大棚蔬菜销往呼和浩特。"}
    good = tmp_path / "上传测试.jsonl"
    good.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    context, page, _ = open_chat(chromium, url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.get_by_role("tab", name="管理").click()
    page.locator("#cqa-upload input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_selector('#cqa-upload [aria-label="broken.pdf"]', timeout=TIMEOUT_MS)
    started = time.perf_counter()
    page.locator("#cqa-upload-run").click()
    page.wait_for_selector(".cqa-upload-report tr[data-status]", timeout=TIMEOUT_MS)
    upload_ms = (time.perf_counter() - started) * 1000
    rows = page.locator(".cqa-upload-report tbody tr")
    statuses = {rows.nth(i).locator(".cqa-source").inner_text().split("\n")[0]: rows.nth(i).get_attribute("data-status")
                for i in range(rows.count())}
    assert statuses == {"上传测试.jsonl": "added", "broken.pdf": "error"}
    assert "PDF" in page.locator('.cqa-upload-report tr[data-status="error"]').inner_text()

    page.get_by_role("tab", name="问答").click()
    ask(page, "测试镇今年新建了多少座蔬菜大棚？", 0)
    answer = page.locator('.cqa-turn[data-turn="0"] .cqa-answer')
    assert "<script>alert(1)</script>" in answer.inner_text()  # shown as text ...
    assert page.locator(".cqa-transcript script").count() == 0  # ... never as an element
    assert "<script>" in page.locator('.cqa-turn[data-turn="0"] .cqa-title').first.inner_text()
    page.wait_for_timeout(300)
    assert dialogs == []
    context.close()
    report(capsys, f"upload of 2 files (ingest + index update + reload): {upload_ms:.0f} ms")
