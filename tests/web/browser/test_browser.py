"""The main flows in Debian's headless Chromium (Playwright drives /usr/bin/chromium; nothing is
downloaded). Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, username, password):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")


def _chart_drawn(page, box_id):
    # ECharts draws into a <canvas> inside the container once app.js has run
    expect(page.locator(f"#{box_id} canvas").first).to_be_attached()


def test_log_in_and_see_the_overview(page, site):
    page.goto("/overview")
    expect(page).to_have_url(re.compile(r"/login\?next=/overview"))
    _login(page, "leader", site.passwords["leader"])
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.locator("h1")).to_contain_text("领导总览")
    expect(page.locator("#who")).to_contain_text("分管领导")
    expect(page.locator("#aqi-now .aqi-badge").first).to_be_visible()
    _chart_drawn(page, "overview-map-box")
    expect(page.locator("#overdue")).to_contain_text("天镇县")
    _shot(page, "overview")
    assert page.js_errors == []


def test_update_a_task_with_evidence(page, site, tmp_path):
    evidence = tmp_path / "截污管网验收报告.pdf"
    evidence.write_bytes(PDF)
    _login(page, "pingcheng", site.passwords["pingcheng"])
    page.goto(f"/ledgers/{site.items['task']}")
    page.fill("#progress-form textarea[name=text]", "大白登断面截污管网完成 3.2 公里，附验收报告")
    page.set_input_files("#progress-form input[name=files]", str(evidence))
    page.click("#progress-form button[type=submit]")
    expect(page.locator("#flash-ok")).to_contain_text("进展已保存")
    history = page.locator("#history")
    expect(history).to_contain_text("大白登断面截污管网完成 3.2 公里")
    expect(history.locator("a.attachment")).to_contain_text("截污管网验收报告.pdf")
    _shot(page, "ledger-progress")
    assert page.js_errors == []


def test_public_complaint_and_its_tracking_number(page, site):
    page.goto("/portal/complaint")
    page.fill("textarea[name=content]", "某洗煤厂夜间露天堆放煤矸石，扬尘严重")
    page.fill("input[name=location]", "云冈区（演示）")
    page.fill("input[name=contact_phone]", "13900000000")
    page.click("#complaint-form button[type=submit]")
    number = page.locator("#tracking-no").inner_text().strip()
    assert re.fullmatch(r"DT\d{8}-[A-Z2-9]{6}", number)
    _shot(page, "complaint-done")
    page.goto("/portal/track")
    page.fill("#track-form input[name=no]", number.lower())  # typed in lower case over the phone
    page.click("#track-form button[type=submit]")
    status = page.locator("#complaint-status")
    expect(status).to_contain_text(number)
    expect(status).to_contain_text("已受理")
    expect(status).not_to_contain_text("13900000000")
    _shot(page, "complaint-status")
    assert page.js_errors == []


def test_air_calendar_renders_and_edition_switch_swaps_in_place(page, site):
    _login(page, "admin", site.passwords["admin"])
    page.goto("/air")
    _chart_drawn(page, "chart-calendar-box")
    _chart_drawn(page, "chart-hourly-box")
    _shot(page, "air-city")
    page.click("#stage-switch a[data-stage='2026-1']")
    expect(page.locator("#stage-switch a.on")).to_have_attribute("data-stage", "2026-1")
    expect(page).to_have_url(re.compile(r"stage=2026-1"))
    _chart_drawn(page, "chart-calendar-box")
    _shot(page, "air-city-2026-1")
    assert page.js_errors == []


def test_openapi_page_renders_from_our_own_assets_under_the_csp(page):
    """/docs: the vendored Swagger UI starts under the strict CSP (no inline script, no eval),
    and every request the page makes stays on our origin."""
    origins = []
    page.on("request", lambda req: origins.append(req.url))
    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/complaints")
    _shot(page, "openapi-docs")
    base = page.url.split("/docs")[0]
    assert origins and all(u.startswith(base) or u.startswith("data:") for u in origins), origins
    assert page.js_errors == []


def _map_ready(page, box_id):
    """The ECharts instance in ``box_id`` draws the registered Datong map under the stations."""
    _chart_drawn(page, box_id)
    page.wait_for_function(
        "id => { const el = document.getElementById(id); const c = el && echarts.getInstanceByDom(el);"
        " return !!(c && echarts.getMap('datong') && c.getOption().geo[0].map === 'datong'); }", arg=box_id)
    return page.evaluate(
        "id => { const o = echarts.getInstanceByDom(document.getElementById(id)).getOption();"
        " return {regions: echarts.getMap('datong').geoJSON.features.length, points: o.series[0].data.length,"
        " sub: o.title[0].subtext}; }", box_id)


def test_portal_and_overview_maps_draw_the_district_boundaries(page, site):
    """Issue 9 item 10: the maps were a scatter plot of coordinates."""
    page.goto("/portal")
    info = _map_ready(page, "portal-map-box")
    assert info["regions"] == 10 and info["points"] == 16 and "演示" in info["sub"]
    expect(page.locator("#demo-banner")).to_contain_text("演示/合成数据")
    page.wait_for_timeout(1500)
    _shot(page, "portal-map")
    _login(page, "leader", site.passwords["leader"])
    page.goto("/overview")
    info = _map_ready(page, "overview-map-box")
    assert info["regions"] == 10
    page.wait_for_timeout(1500)  # let the markers' entry animation finish before the picture
    page.locator("#overview-map-box").screenshot(path=str(SHOTS / "overview-map.png"))
    assert page.js_errors == []


def test_admin_pages_and_audit_trail(page, site):
    """Issue 9 item 6: accounts, role assignment and the audit trail as pages."""
    _login(page, "admin", site.passwords["admin"])
    page.click("#nav-admin")
    expect(page.locator("#accounts")).to_contain_text("pingcheng")
    page.fill("#user-create input[name=username]", "tianzhen_liaison")
    page.fill("#user-create input[name=display_name]", "天镇县 联络员")
    page.select_option("#user-create select[name=role]", "unit")
    page.select_option("#user-create select[name=unit]", label="天镇县")
    page.fill("#user-create input[name=password]", "tianzhen-pass-1")
    page.click("#user-create button[type=submit]")
    expect(page.locator("#flash-ok")).to_contain_text("已开通账户「tianzhen_liaison」")
    _shot(page, "admin-users")
    page.locator("tr[data-username=tianzhen_liaison] a", has_text="修改").click()
    page.select_option("#role", "leader")
    page.click("#user-edit button[type=submit]")
    expect(page.locator("#flash-ok")).to_contain_text("已保存")
    _shot(page, "admin-user-edit")
    page.click("#nav-audit")
    page.fill("#audit-filters input[name=object_type]", "user")
    page.select_option("#audit-filters select[name=action]", "user_update")
    page.click("#audit-filters button[type=submit]")
    row = page.locator(".audit-row").first
    expect(row).to_contain_text("tianzhen_liaison")
    expect(row.locator("table.changes")).to_contain_text("leader")
    _shot(page, "audit-trail")
    page.click("#nav-password")
    expect(page.locator("#password-form")).to_be_visible()
    assert page.js_errors == []
