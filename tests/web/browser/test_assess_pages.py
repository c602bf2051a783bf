"""The target and bulletin pages in headless Chromium on the assess demo store (2026-03): the
leader view (filled in by the htmx polling, ECharts trend charts), the bulletin page with its
charts and the editable item 8, and the HTML version of both bulletins. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from assess_demo import MONTH_TEXT, PASSWORDS, cheap_settings, copy_of, demo_file
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def assess_url(tmp_path_factory, frozen_now, browser):
    """The app on a copy of the assess demo store, under uvicorn on a loopback port."""
    import socket

    import uvicorn

    from qingshan.web.app import create_app

    src = demo_file(tmp_path_factory, frozen_now)
    d = tmp_path_factory.mktemp("assess-browser")
    app = create_app(cheap_settings(copy_of(src, d), d))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.fixture
def tab(browser, assess_url, request):
    context = browser.new_context(base_url=assess_url, locale="zh-CN", viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_leader_view(tab):
    _login(tab, "leader")
    tab.goto("/targets?day=2026-03-31")
    # after "正在读取…": the htmx poll swaps the table in once the background evaluation is done
    expect(tab.locator("#leader-table")).to_be_visible(timeout=90_000)
    expect(tab.locator("#leader-table tbody tr")).to_have_count(11)
    expect(tab.locator("#row-140200")).to_contain_text("全市")
    expect(tab.locator("#demo-note")).to_contain_text("演示")
    expect(tab.locator("#trend canvas")).to_have_count(11)  # ECharts drew every trend chart
    _shot(tab, "assess-leader-view")
    assert tab.js_errors == []


def test_bulletin_page_and_both_html_documents(tab):
    _login(tab, "staff")
    tab.goto(f"/bulletins/work/{MONTH_TEXT}")
    expect(tab.locator("#bulletin-title")).to_contain_text("2026年1—3月全市生态环境保护重点工作情况通报", timeout=90_000)
    expect(tab.locator("#remarks-form textarea")).to_be_visible()
    expect(tab.locator("#bulletin-doc")).to_contain_text("表B2 重点工作任务进展")
    _shot(tab, "assess-bulletin-work-page")
    tab.goto(f"/bulletins/air/{MONTH_TEXT}")
    # the three charts of §4.2, drawn by ECharts
    expect(tab.locator("#bulletin-doc canvas")).to_have_count(3, timeout=90_000)
    for kind, tables, images in (("air", 5, 3), ("work", 8, 0)):
        tab.goto(f"/api/bulletins/{kind}/{MONTH_TEXT}/document.html")
        expect(tab.locator("h1")).to_contain_text("通报")
        expect(tab.locator("table")).to_have_count(tables)
        expect(tab.locator("img")).to_have_count(images)
        # every embedded chart decoded (a PNG the browser can draw)
        assert tab.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 600)")
        _shot(tab, f"assess-bulletin-{kind}-html")
    assert tab.js_errors == []
