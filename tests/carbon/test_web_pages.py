"""The carbon pages on the Datong demo (SQLite): what each page shows, who may use its forms, the
factor form and the rectification form end to end, bad input, and the leader tile. The figures on
the pages are the report builder's (one builder); the reference values of the computations are
tested in test_accounting_city.py and test_web_api.py (carbon.md §9)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pytest
from carbon_web import USERS, add_users, clients_for, settings_for
from sqlalchemy import select

from qingshan.carbon import report
from qingshan.carbon.models import CarbonCheckItem
from qingshan.core.audit import AuditRecord
from qingshan.web.app import create_app

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def demo_file(carbon_demo_db, tmp_path_factory):
    """The session's carbon demo with one account per role; each test works on a copy."""
    home = tmp_path_factory.mktemp("carbon-pages")
    shutil.copyfile(carbon_demo_db, home / "demo.db")
    app = create_app(settings_for(f"sqlite:///{home / 'demo.db'}", home))
    add_users(app)
    app.state.engine.dispose()
    return home / "demo.db"


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    yield


@pytest.fixture
def site(demo_file, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_file, path)
    app = create_app(settings_for(f"sqlite:///{path}", tmp_path))
    yield {"app": app, "clients": clients_for(app), "factory": app.state.sessionmaker, "home": tmp_path}
    app.state.engine.dispose()


def _chart(html: str, chart_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html, re.S)
    assert m, chart_id
    return json.loads(m.group(1))


def test_carbon_page_shows_the_status_the_trend_the_enterprises_and_the_caught_checks(site):
    r = site["clients"]["staff"].get("/carbon", headers=HTML)
    assert r.status_code == 200
    html = r.text
    assert 'id="demo-banner"' in html and "演示" in html
    # defaults: the latest balance period already over on 2026-11-29 (1—9月), the latest lodged month (10)
    assert "城市核算 1—9 月" in html and "企业存证 1—10 月" in html
    with site["factory"]() as db:
        st = report.co2_intensity_status(db, 2026, as_of=date(2026, 11, 29), months=9)
    m = re.search(r'id="intensity-status"><strong class="(\w+)" data-status="(\w+)">([^<]+)<', html)
    assert m.groups() == ("ok" if st.status == "green" else "warn" if st.status == "yellow" else "bad", st.status, st.status_zh)
    assert f'id="intensity-R">{st.R}%' in html
    # the trend chart: the intensity index and the target path to (1 − 17 %) × 100 at 2030
    opt = _chart(html, "carbon-trend")
    assert [s_["data"][-1] for s_ in opt["series"]][1] == 83.0 and opt["xAxis"]["data"][0] == "2025"
    # the enterprises with their check status; the caught checks (K-02 and K-06 planted in the demo)
    assert html.count('class="enterprise"') == 4
    failed = re.findall(r'<b class="bad">(K-\d\d)</b>', html)
    assert sorted(failed) == ["K-02", "K-06"]
    assert html.count("查看存证并立整改事项") == 2
    # every figure carries its status and factor versions; UNCONFIRMED is visible
    assert 'data-status="UNCONFIRMED"' in html and "口径：" in html and "项待确认" in html


def test_unit_page_shows_the_months_and_the_chart(site):
    c = site["clients"]["unit"]
    ents = c.get("/api/carbon/enterprises", params={"year": 2026, "through_month": 10}).json()
    u6 = next(u for e in ents if e["facility_code"] == "DTFD" for u in e["units"] if u["code"] == "6")
    html = c.get(f"/carbon/units/{u6['unit_id']}", headers=HTML).text
    assert html.count('class="month-row"') == 10
    aug = re.search(r'data-month="8">(.*?)</tr>', html, re.S).group(1)
    assert "K-06" in aug and "存证/立项" in aug
    opt = _chart(html, "carbon-unit")
    assert opt["xAxis"]["data"][0] == "1月" and len(opt["series"][0]["data"]) == 10
    assert "常规燃煤机组" in html  # the unit class label, not its code
    assert c.get("/carbon/units/999999", headers=HTML).status_code == 404
    assert c.get("/carbon/units/0", headers=HTML).status_code == 422


def test_pages_need_an_internal_user(site):
    c = site["clients"]
    for url in ("/carbon", "/carbon/factors", "/carbon/tile"):
        r = c["anonymous"].get(url, headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c["public"].get(url, headers=HTML).status_code == 403
        assert c["leader"].get(url, headers=HTML).status_code == 200


def test_factor_form_adds_a_row_for_bureau_users_only(site):
    c = site["clients"]
    page = c["leader"].get("/carbon/factors", headers=HTML).text
    assert 'id="factor-form"' not in page and "待确认" in page and "随软件提供" in page
    staff_page = c["staff"].get("/carbon/factors", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff_page).group(1)
    form = {"csrf_token": token, "table": "grid_statistical", "key": "shanxi", "param": "ef", "value": "0.7001",
            "unit": "tCO2/MWh", "valid_from": "2023", "valid_to": "2023", "version": "测试-2026-1", "status": "UNCONFIRMED",
            "source": "测试：局录入（数值为测试值，非公告值）"}
    r = c["staff"].post("/carbon/factors", data=form, headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    listed = c["staff"].get(r.headers["location"], headers=HTML).text
    assert "已新增因子" in listed and "测试-2026-1" in listed and 'data-origin="bureau"' in listed
    # the confirmation is read from the stored row: an address cannot make the page say anything
    assert "flash-ok" not in c["staff"].get("/carbon/factors?msg=请致电&added=999999", headers=HTML).text
    # the city figures of 2026 now use the bureau's Shanxi 2023 row (the latest loaded year ≤ 2026, §8.1)
    html = c["staff"].get("/carbon", params={"year": 2026, "months": 9}, headers=HTML).text
    grid = re.search(r'data-key="grid_factor">(.*?)</tr>', html, re.S).group(1)
    assert "<b>0.7001</b>" in grid and "测试-2026-1" in grid
    bad = c["staff"].post("/carbon/factors", data={**form, "value": "一点二", "version": "测试-2026-2"}, headers=HTML)
    assert bad.status_code == 422 and "不是数字" in bad.text and 'value="测试-2026-2"' in bad.text  # the typed row kept
    refused = c["unit"].post("/carbon/factors", data={**form, "version": "测试-2026-3"}, headers=HTML)
    assert refused.status_code == 403
    with site["factory"]() as db:
        audit = db.scalar(select(AuditRecord).where(AuditRecord.object_type == "carbon_factor"))
        assert audit.action == "create" and audit.username == USERS["staff"][0] and audit.after["value"] == "0.7001"


def test_rectify_form_opens_one_item_with_the_evidence(site):
    c = site["clients"]
    failed = c["staff"].get("/api/carbon/checks", params={"year": 2026, "through_month": 10}).json()
    k06 = next(f for f in failed if f["check"] == "K-06")
    url = f"/carbon/checks/{k06['check_row_id']}"
    assert 'id="rectify-form"' not in c["leader"].get(url, headers=HTML).text
    page = c["staff"].get(url, headers=HTML).text
    assert 'id="rectify-form"' in page and "268.3189" in page and "存证记录" in page and 'id="demo-banner"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c["staff"].post(f"{url}/rectify", data={"csrf_token": token, "lead_unit": "", "deadline": "2027-01-15"},
                        headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ledgers/")
    item_page = c["staff"].get(r.headers["location"], headers=HTML).text
    assert "碳排放校核存证_DTFD_6_2026-08_K-06.xlsx" in item_page and "演示" in item_page
    again = c["staff"].post(f"{url}/rectify", data={"csrf_token": token, "deadline": "2027-01-15"}, headers=HTML)
    assert again.status_code == 409 and "已为该校核结果建立整改事项" in again.text
    k02 = next(f for f in failed if f["check"] == "K-02")
    bad = c["staff"].post(f"/carbon/checks/{k02['check_row_id']}/rectify", data={"csrf_token": token, "deadline": "2027-13-01"},
                          headers=HTML)
    assert bad.status_code == 422 and "日期" in bad.text and 'value="2027-13-01"' in bad.text
    with site["factory"]() as db:
        assert len(db.scalars(select(CarbonCheckItem)).all()) == 1  # the refused one left no claim
    home = c["staff"].get("/carbon", headers=HTML).text
    assert 'class="ledger-link"' in home


def test_tile_and_overview(site):
    c = site["clients"]["leader"]
    tile = c.get("/carbon/tile", headers=HTML).text
    assert 'id="carbon-tile"' in tile and "单位GDP二氧化碳排放" in tile and "演示" in tile
    assert "重点企业 4 家" in tile and "不通过 <b" in tile
    assert 'hx-get="/carbon/tile"' in c.get("/overview", headers=HTML).text


def test_unknown_check_and_bad_parameters(site):
    c = site["clients"]["staff"]
    assert c.get("/carbon/checks/999999", headers=HTML).status_code == 404
    assert c.get("/carbon?year=1800", headers=HTML).status_code == 422
    assert c.get("/carbon?year=2026&months=5", headers=HTML).status_code == 200  # shown as the city card's reason
    assert "城市核算期间应为" in c.get("/carbon?year=2026&months=5", headers=HTML).text
    assert c.get("/carbon?year=2019", headers=HTML).status_code == 200  # no data: each card says why
