"""The emergency pages in Debian's headless Chromium: the alert page with its charts and the live
verification (htmx polling), an enterprise's verification with its emission-rate chart and the
「生成整改台账」 action, the list with filters and a refused import, the portal's alert panel.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from emergency_support import E2_ROW, build_scenario, list_workbook
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.emergency import alerts
from qingshan.emergency.models import Notice
from qingshan.store.db import make_engine

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
D1 = datetime(2026, 11, 20)  # the site's frozen now is 2026-11-29 10:00: the alert has been lifted


@pytest.fixture(scope="module")
def em(site):
    ids = build_scenario(site.url, D1)
    eng = make_engine(site.url)
    try:  # a provincial dispatch order in force "now" (§1.7): the portal shows it
        with Session(eng) as s, s.begin():
            if s.scalar(select(Notice).where(Notice.issuer == "山西省（测试）")) is None:
                alerts.add_notice(s, source="provincial", issuer="山西省（测试）", cities=["大同市"], level="orange",
                                  start=datetime(2026, 11, 29, 0, 0), document_no="晋气调〔2026〕9号（测试）")
    finally:
        eng.dispose()
    return ids


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, username, password):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_alert_page_charts_and_live_verification(page, site, em):
    _login(page, "leader", site.passwords["leader"])
    page.goto("/emergency")
    expect(page.locator("#current-alert")).to_contain_text("橙色")  # the provincial order in force
    expect(page.locator("#current-alert")).to_contain_text("省级调度令")
    expect(page.locator("#chart-forecast-box canvas").first).to_be_attached()
    expect(page.locator("#chart-timeline-box canvas").first).to_be_attached()
    page.click(f"#alert-list a[href='/emergency/alerts/{em['alert_id']}']")
    expect(page.locator("#actions")).to_contain_text("发布")
    page.click("text=实时核查（随数据到达刷新）")
    panel = page.locator("#live-panel")
    expect(panel).to_contain_text("未达到减排要求")  # loaded by htmx, refreshed every 60 s
    expect(panel.locator("tr[data-status=FAIL]")).to_contain_text("SO2")
    _shot(page, "emergency-live")
    assert page.js_errors == []


def test_enterprise_chart_and_ledger_items(page, site, em):
    _login(page, "staff", site.passwords["staff"])
    page.goto(f"/emergency/verifications/{em['verification_id']}")
    page.click("#make-ledger")
    expect(page.locator("#ledger-result")).to_contain_text(re.compile(r"YJ-\d{4}-\d{4}"))
    expect(page.locator("#ledger-result")).to_contain_text(E2_ROW["企业名称"])
    page.click(f"a[href='/emergency/verifications/{em['verification_id']}/enterprises/{em['e2']}']")
    so2 = page.locator("section[data-pollutant=SO2]")
    expect(so2).to_contain_text("未达到减排要求")
    expect(so2).to_contain_text("8.509 kg/h")
    expect(so2.locator("canvas").first).to_be_attached()
    _shot(page, "emergency-enterprise")
    assert page.js_errors == []


def test_list_filters_and_refused_import(page, site, em, tmp_path):
    _login(page, "staff", site.passwords["staff"])
    page.goto("/emergency/list")
    page.select_option("#list-filters select[name=grade]", "B")
    page.click("#list-filters button[type=submit]")
    expect(page.locator("#list-rows tbody tr")).to_have_count(1)
    expect(page.locator("#list-rows")).to_contain_text(E2_ROW["企业名称"])
    expect(page.locator("#city-check")).to_contain_text("橙色")
    bad = tmp_path / "坏清单.xlsx"
    bad.write_bytes(list_workbook([dict(E2_ROW, 生产线="熟料线9", 绩效等级="E")]))
    page.set_input_files("#list-import input[name=file]", str(bad))
    page.click("#list-import button[type=submit]")
    expect(page.locator("#import-result")).to_contain_text("未导入任何数据")
    expect(page.locator("#import-result li").first).to_contain_text("绩效等级")
    _shot(page, "emergency-list")
    assert page.js_errors == []


def test_portal_shows_the_alert_in_force_and_its_measures(page, site, em):
    page.goto("/portal")
    panel = page.locator("#portal-alert")  # swapped in by htmx from /portal/emergency
    expect(panel).to_contain_text("橙色预警")
    expect(panel.locator("#portal-measures")).to_contain_text("限产20%")
    _shot(page, "emergency-portal")
    assert page.js_errors == []
