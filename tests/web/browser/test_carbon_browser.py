"""The carbon pages in Debian's headless Chromium on the labelled carbon demo: the city page (status,
trend chart, caught checks), a unit's months (chart), and the bureau's two actions — adding a
year's factor and opening a rectification item for a failed check. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from carbon_web import PASSWORD, USERS, add_users, settings_for
from playwright.sync_api import expect

from qingshan.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def carbon_server(tmp_path_factory, frozen_now):
    """The workspace on a store holding the carbon demo, under uvicorn on a loopback port."""
    import uvicorn
    from sqlalchemy import create_engine

    from qingshan.demo.carbon import build_carbon_demo
    from qingshan.store.migrate import upgrade
    from qingshan.web.app import create_app

    home = tmp_path_factory.mktemp("carbon-browser")
    url = f"sqlite:///{home / 'carbon.db'}"
    upgrade(url)
    engine = create_engine(url)
    with clock.frozen(frozen_now):
        build_carbon_demo(engine)
    engine.dispose()
    app = create_app(settings_for(url, home))
    add_users(app)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.fixture
def cpage(browser, carbon_server, request):
    context = browser.new_context(base_url=carbon_server, locale="zh-CN", viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, role):
    page.goto("/login")
    page.fill("input[name=username]", USERS[role][0])
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_carbon_page(cpage):
    _login(cpage, "leader")
    cpage.goto("/carbon")
    expect(cpage.locator("h1")).to_contain_text("碳排放双控")
    expect(cpage.locator("#demo-banner")).to_contain_text("演示数据")
    expect(cpage.locator("#intensity-status")).to_contain_text("进度")
    expect(cpage.locator("#carbon-trend-box canvas").first).to_be_attached()
    expect(cpage.locator("#failed tr.failed-check")).to_have_count(2)
    # the factor rows behind a figure, with their status, open on click
    details = cpage.locator('#city tr[data-key="co2_total"] details')
    details.locator("summary").click()
    expect(details.locator("table")).to_contain_text("待确认")
    _shot(cpage, "carbon-city")
    assert cpage.js_errors == []


def test_unit_page(cpage):
    _login(cpage, "unit")
    cpage.goto("/carbon")
    cpage.locator('tr.enterprise[data-facility="DTFD"]').wait_for()
    cpage.locator("#enterprises a", has_text="6号机组").nth(1).click()  # 大同发电's unit 6 (the second 6号机组 listed)
    expect(cpage.locator("h1")).to_contain_text("6号机组")
    expect(cpage.locator("#carbon-unit-box canvas").first).to_be_attached()
    expect(cpage.locator('tr.month-row[data-month="8"]')).to_contain_text("K-06")
    _shot(cpage, "carbon-unit")
    assert cpage.js_errors == []


def test_bureau_adds_a_factor_and_opens_a_rectification_item(cpage):
    _login(cpage, "staff")
    cpage.goto("/carbon/factors")
    form = cpage.locator("#factor-form")
    form.locator("input[name=value]").fill("0.7001")
    form.locator("input[name=valid_from]").fill("2023")
    form.locator("input[name=valid_to]").fill("2023")
    form.locator("input[name=version]").fill("浏览器测试-1")
    form.locator("textarea[name=source]").fill("浏览器测试：局录入（测试值，非公告值）")
    form.locator("button[type=submit]").click()
    expect(cpage.locator("#flash-ok")).to_contain_text("已新增因子")
    expect(cpage.locator('tr.factor-row[data-origin="bureau"]')).to_contain_text("浏览器测试-1")
    _shot(cpage, "carbon-factors")
    cpage.goto("/carbon")
    cpage.locator("#failed tr.failed-check", has_text="K-06").locator("a.rectify-link").click()
    expect(cpage.locator("#rectify-form")).to_be_visible()
    cpage.fill("#rectify-form input[name=deadline]", "2027-01-15")
    cpage.click("#rectify-submit")
    expect(cpage).to_have_url(re.compile(r"/ledgers/\d+"))
    expect(cpage.locator("#flash-ok")).to_contain_text("整改事项")
    expect(cpage.locator("#history a.attachment")).to_contain_text("K-06.xlsx")
    _shot(cpage, "carbon-rectification")
    assert cpage.js_errors == []
