"""The soil, solid-waste, manifest and tailings-pond pages in headless Chromium, over the landwaste
demo (its own site: the workspace seed, then the labelled demo content with its ledger items).
One test per main page; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qingshan.demo.landwaste import synthetic_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
PASSWORDS: dict[str, str] = {}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, frozen_now):
    """This module's own site and server (overrides the shared one of conftest.py)."""
    import uvicorn

    from qingshan.core import clock
    from qingshan.demo.landwaste import build_landwaste_demo
    from qingshan.store.db import make_engine
    from qingshan.store.migrate import upgrade
    from qingshan.web.app import create_app
    from qingshan.web.security import WebSettings
    from qingshan.web.seed import seed_demo

    home = tmp_path_factory.mktemp("lw-browser")
    url = f"sqlite:///{home / 'site.db'}"
    upgrade(url)
    settings = WebSettings(database_url=url, home=home, migrate=False, argon2_time_cost=1, argon2_memory_kib=8192)
    with clock.frozen(frozen_now):
        PASSWORDS.update(seed_demo(url, settings=settings, migrate=False))
        eng = make_engine(url)
        build_landwaste_demo(eng, ledger=True, home=home)
        eng.dispose()
    app = create_app(settings)
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


def _login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/overview$"))


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _chart_drawn(page, box_id):
    expect(page.locator(f"#{box_id} canvas").first).to_be_attached()


def test_soil_map_and_sample_detail(page):
    _login(page, "leader")
    page.click("header nav a:has-text('净土与风险')")
    expect(page).to_have_url(re.compile(r"/soil$"))
    expect(page.locator("#demo-tag")).to_have_text("演示")
    _chart_drawn(page, "soil-map-option-box")
    expect(page.locator("tr.soil-point")).to_have_count(18)
    _shot(page, "landwaste-soil")
    page.click("a:has-text('DEMO-S-2')")
    expect(page.locator("#sample-class")).to_have_text("高于管制值")
    expect(page.locator("#sample-items")).to_contain_text("11.25")  # E2: benzene 45 / S2 4
    assert page.js_errors == []


def test_waste_rates_and_generator_ledger(page):
    _login(page, "staff")
    page.goto("/waste?first=2026-01&last=2026-11")
    expect(page.locator("#city-rate")).to_contain_text("%")
    _chart_drawn(page, "waste-county-bars-box")
    expect(page.locator("tr.balance-failure")).to_contain_text(["2026-07"])
    _shot(page, "landwaste-waste")
    page.click("#enterprise-rates a:has-text('演示燃煤电厂')")
    expect(page.locator("tr.ledger-month").first).to_be_visible()
    assert page.js_errors == []


def test_overdue_manifest_leads_to_its_ledger_item(page):
    _login(page, "staff")
    page.goto("/waste/manifests")
    row = page.locator("#overdue tr.manifest")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("20261402000123")
    page.click("#alarms-form button")
    expect(page.locator("#flash-ok")).to_contain_text("已重新计算")
    _shot(page, "landwaste-manifests")
    page.click("#overdue a.ledger-link")
    expect(page.locator("h1")).to_contain_text("20261402000123")
    expect(page.locator("#item-facts")).to_contain_text("危险废物")
    assert page.js_errors == []


def test_ponds_calendar_and_pond_file(page, tmp_path):
    _login(page, "staff")
    page.goto("/ponds")
    _chart_drawn(page, "pond-calendar-option-box")
    expect(page.locator("tr.pond")).to_have_count(4)
    _shot(page, "landwaste-ponds")
    page.click("tr.pond a:has-text('DT-WK-007')")
    expect(page.locator("tr.pond-hazard")).to_contain_text(["回水池防渗膜破损"])
    expect(page.locator("figure.pond-file img")).to_have_count(1)
    photo = tmp_path / "坝体巡查.png"
    photo.write_bytes(synthetic_png(80, 60, (120, 110, 90)))
    page.set_input_files("#upload-form input[name=file]", str(photo))
    page.fill("#upload-form input[name=caption]", "坝体巡查（测试）")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#flash-ok")).to_contain_text("已上传")
    expect(page.locator("#pond-files")).to_contain_text("坝体巡查（测试）")
    _shot(page, "landwaste-pond-file")
    assert page.js_errors == []
