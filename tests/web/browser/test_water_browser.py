"""The water pages in Debian's headless Chromium: one test per main page (the city page with its
charts, a section page with the rectification action, the portal panel). Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def water_site(site):
    from qingshan.demo.water import build_water_demo

    build_water_demo(site.url)
    return site


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, username, password):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")


def test_water_city_page(page, site):
    _login(page, "leader", site.passwords["leader"])
    page.goto("/water?year=2026&month=4")
    expect(page.locator("#water-period-label")).to_contain_text("2026年1—4月", timeout=30000)  # polled in
    for box in ("chart-water-map-box", "chart-water-grid-box", "chart-water-ranking-box"):
        expect(page.locator(f"#{box} canvas").first).to_be_attached()
    row = page.locator('#water-sections tr[data-code="DT-D1"]')
    expect(row.locator(".water-class")).to_have_text("劣Ⅴ")
    expect(row).to_contain_text("演示")
    # the period switch swaps the body in place (htmx)
    page.select_option("#water-period select[name=scope]", "month")
    page.select_option("#water-period select[name=month]", "7")
    page.click("#water-period button[type=submit]")
    expect(page.locator("#water-period-label")).to_contain_text("2026年7月", timeout=30000)
    expect(page).to_have_url(re.compile(r"scope=month"))
    _shot(page, "water-city")
    assert page.js_errors == []


def test_water_section_page_and_rectification(page, site):
    _login(page, "staff", site.passwords["staff"])
    page.goto("/water/section/DT-D1?year=2026&month=2&scope=month")
    expect(page.locator("h1")).to_contain_text("十里河（演示断面）")
    expect(page.locator("#chart-item-nh3n-box canvas").first).to_be_attached()
    expect(page.locator('#section-months tr[data-item="nh3n"]')).to_contain_text("氨氮")
    page.click("#rectify-form button[type=submit]")
    expect(page.locator("#flash-ok")).to_contain_text("已在台账中创建整改事项")
    link = page.locator("#rectification a").first
    expect(link).to_have_text(re.compile(r"RW-\d{4}-\d+"))
    _shot(page, "water-section")
    link.click()
    expect(page.locator("body")).to_contain_text("地表水断面整改：十里河（演示断面）")
    expect(page.locator("#history a.attachment")).to_contain_text(".xlsx")
    assert page.js_errors == []


def test_portal_water_panel(page, site):
    page.goto("/portal/water")
    expect(page.locator("h1")).to_contain_text("大同市地表水水质")
    expect(page.locator("#portal-demo")).to_contain_text("演示")
    expect(page.locator("#portal-water-list")).to_contain_text("十里河（演示断面）")
    expect(page.locator("#portal-water-map-box canvas").first).to_be_attached()
    _shot(page, "portal-water")
    assert page.js_errors == []
