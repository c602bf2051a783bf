"""The water pages over the seeded site with the water demo (server-rendered, through the real app;
no browser): the city page, a section's page with its rectification button, the registry with
edit and import, the portal panel, refusals and bad input."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qingshan.core.audit import AuditRecord
from qingshan.store.db import make_engine

DEMO_SECTION = "DT-D1"  # 十里河（演示断面）: 劣Ⅴ in 2026-02…04 (demo/water.py)


@pytest.fixture(scope="module")
def water_site(site):
    from qingshan.demo.water import build_water_demo

    build_water_demo(site.url)
    return site


@pytest.fixture(autouse=True)
def _inline(monkeypatch):
    from qingshan.web.pages import figures as data

    monkeypatch.setattr(data, "INLINE", True)


@pytest.fixture
def as_user(app, login, water_site):
    def make(username):
        c = TestClient(app)
        r = login(c, username)
        assert r.status_code == 303, r.text
        return c

    return make


def _chart(html: str, chart_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html, re.S)
    assert m, f"chart {chart_id} missing"
    return json.loads(m.group(1))


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _audit(site, **where) -> list[AuditRecord]:
    eng = make_engine(site.url)
    try:
        from sqlalchemy.orm import Session

        with Session(eng) as s:
            q = select(AuditRecord)
            for k, v in where.items():
                q = q.where(getattr(AuditRecord, k) == v)
            return list(s.scalars(q.order_by(AuditRecord.id)))
    finally:
        eng.dispose()


def test_water_pages_need_a_login(app, water_site):
    c = TestClient(app)
    for path in ("/water", f"/water/section/{DEMO_SECTION}", "/water/sections"):
        r = c.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path


def test_city_page_list_map_grid_ranking(as_user):
    html = as_user("leader").get("/water?year=2026&month=3&scope=month").text
    assert "2026年3月" in html and "十里河（演示断面）" in html
    body = html.split('id="water-sections"', 1)[1].split("</section>", 1)[0]
    row = body.split(f'data-code="{DEMO_SECTION}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-class="6"' in row and ">劣Ⅴ<" in row and "演示" in row  # class badge in the standard's red
    assert "#E53935" in row
    assert "UNCONFIRMED" in html and "口径" in html  # the rules' status is shown
    m = _chart(html, "chart-water-map")
    points = {p["name"]: p["value"] for p in m["series"][0]["data"]}
    assert points["十里河（演示断面）"][2] == 6 and len(points) >= 12  # the demo's 12 (tests may add more)
    g = _chart(html, "chart-water-grid")
    assert g["xAxis"]["data"] == ["1月", "2月", "3月"] and "十里河（演示断面）" in g["yAxis"]["data"]
    rank = _chart(html, "chart-water-ranking")
    assert len(rank["yAxis"]["data"]) == 9 and all(re.fullmatch(r"\d+\.\d{4}", v) for v in rank["series"][0]["data"])
    assert 'id="water-worse"' in html and "劣Ⅴ类断面" in html
    assert "可编辑" not in html  # a leader reads only


def test_htmx_fragment_and_defaults(as_user):
    c = as_user("pingcheng")
    frag = c.get("/water?year=2026&month=10", headers={"HX-Request": "true"}).text
    assert frag.lstrip().startswith('<div id="water-body">') and "<html" not in frag
    assert "2026年1—10月" in frag
    full = c.get("/water").text  # frozen today 2026-11-29: 1—10月 by default
    assert "2026年1—10月" in full


def test_pending_figures_poll(as_user, monkeypatch):
    from qingshan.web.pages import figures as data

    monkeypatch.setattr(data, "INLINE", False)
    html = as_user("leader").get("/water?year=2025&month=7&scope=month").text
    if 'id="water-poll"' in html:  # computing in the background: the page says so and polls
        assert "正在计算" in html
    data.settle(60)
    again = as_user("leader").get("/water?year=2025&month=7&scope=month").text
    assert 'id="water-poll"' not in again and "2025年7月" in again


def test_section_page_series_against_limits_and_rectification(as_user, water_site):
    staff = as_user("staff")
    url = f"/water/section/{DEMO_SECTION}?year=2026&month=3&scope=month"
    html = staff.get(url).text
    assert "十里河（演示断面）" in html and 'id="rectify-form"' in html
    nh3n = _chart(html, "chart-item-nh3n")
    labels = [d["name"] for d in nh3n["series"][0]["markLine"]["data"]]
    assert labels == ["Ⅰ类 0.15", "Ⅱ类 0.5", "Ⅲ类 1", "Ⅳ类 1.5", "Ⅴ类 2"]  # GB 3838 Table 1 item 7
    cod = _chart(html, "chart-item-cod")
    assert [d["name"] for d in cod["series"][0]["markLine"]["data"]][0] == "Ⅰ/Ⅱ类 15"  # equal limits drawn once
    assert len(nh3n["series"][0]["data"]) == 3
    r = staff.post(f"/water/section/{DEMO_SECTION}/rectification",
                   data={"year": "2026", "month": "3", "scope": "month", "csrf_token": _csrf(html)}, follow_redirects=True)
    assert r.status_code == 200 and "已在台账中创建整改事项" in r.text
    code = re.search(r"整改事项 (RW-\d{4}-\d+)", r.text).group(1)
    assert code in r.text.split('id="rectification"', 1)[1]
    again = staff.post(f"/water/section/{DEMO_SECTION}/rectification",
                       data={"year": "2026", "month": "3", "scope": "month", "csrf_token": _csrf(html)},
                       follow_redirects=True)
    assert "已存在" in again.text and code in again.text and "未重复创建" in again.text
    mine = [a for a in _audit(water_site, object_type="water_rectification") if a.object_repr.startswith("DT-D1 2026年3月")]
    assert len(mine) == 1 and mine[0].object_repr.endswith(code)


def test_unit_user_sees_no_buttons_and_is_refused(as_user, water_site):
    unit = as_user("pingcheng")
    html = unit.get(f"/water/section/{DEMO_SECTION}?year=2026&month=4&scope=month").text
    assert 'id="rectify-form"' not in html and 'id="section-form"' not in html and "限市生态环境局" in html
    r = unit.post(f"/water/section/{DEMO_SECTION}/rectification",
                  data={"year": "2026", "month": "4", "scope": "month", "csrf_token": _csrf(html)},
                  headers={"accept": "text/html"})
    assert r.status_code == 403 and "无权" in r.text
    assert any(a.action == "forbidden" and a.username == "pingcheng" for a in _audit(water_site, action="forbidden"))


def test_edit_section_and_target_from_the_page(as_user, water_site):
    staff = as_user("staff")
    html = staff.get("/water/section/DT-XJT").text
    form = {f: "" for f in ("code", "name", "river", "basin", "water_system", "water_body", "county_code",
                            "control_level", "lon", "lat", "responsible_unit", "seq", "downstream_code", "notes")}
    page_values = dict(re.findall(r'<input name="(\w+)" value="([^"]*)"', html.split('id="section-form"', 1)[1]))
    form.update(page_values, water_body="river", control_level="省考", responsible_unit="天镇县",
                csrf_token=_csrf(html), active="1", active__present="1", demo__present="1")
    r = staff.post("/water/section/DT-XJT", data=form, follow_redirects=True)
    assert "断面信息已保存" in r.text and "责任单位：天镇县" in r.text
    rec = _audit(water_site, object_type="water_section", object_id="DT-XJT")
    assert rec[-1].before["responsible_unit"] is None and rec[-1].after["responsible_unit"] == "天镇县"
    bad = staff.post("/water/section/DT-XJT", data=form | {"lon": "东经113"}, headers={"accept": "text/html"})
    assert bad.status_code == 422 and "经度" in bad.text and "不是数字" in bad.text
    t = staff.post("/water/section/DT-XJT/target", data={"year": "2027", "target_class": "2", "csrf_token": _csrf(html)},
                   follow_redirects=True)
    assert "2027年目标已设为Ⅱ类" in t.text


def test_registry_import_shows_row_errors(as_user, water_site):
    staff = as_user("staff")
    html = staff.get("/water/sections").text
    assert 'id="import-form"' in html and "DT-GDQ" in html
    csv = "断面编码,断面名称,水体类型,纬度\nP-1,页面导入断面,湖泊,40.1\nP-2,坏纬度,河流,纬度四十\n"
    r = staff.post("/water/sections/import", data={"csrf_token": _csrf(html)},
                   files={"file": ("页面导入.csv", csv.encode("gbk"), "text/csv")})
    assert r.status_code == 200 and "新增 1 个" in r.text
    errors = r.text.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    assert "页面导入.csv" in errors and ">3<" in errors and "纬度" in errors and "不是数字" in errors
    bad = staff.post("/water/sections/import", data={"csrf_token": _csrf(html)},
                     files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")})
    assert bad.status_code == 415 and "不支持的文件类型" in bad.text
    add = staff.post("/water/sections", data={"csrf_token": _csrf(html), "code": "P-9", "name": "页面登记断面",
                                              "water_body": "reservoir", "lon": "113.2", "lat": "40.0"},
                     follow_redirects=True)
    assert "已登记断面 P-9 页面登记断面" in add.text
    dup = staff.post("/water/sections", data={"csrf_token": _csrf(html), "code": "P-9", "name": "重复"},
                     headers={"accept": "text/html"})
    assert dup.status_code == 422 and "已登记" in dup.text and 'value="重复"' in dup.text  # what was typed is kept
    leader = as_user("leader").get("/water/sections").text
    assert 'id="import-form"' not in leader and "P-9" in leader


def test_station_card_link_unlink_and_sync_from_the_page(as_user, water_site):
    mn = "5A4D00000000000000000C03"  # hj212.md §3: 24 upper-case hex digits
    staff = as_user("staff")
    html = staff.get("/water/sections").text
    card = html.split('id="station-links"', 1)[1]
    assert "自动站设备" in card and 'id="station-link-form"' in card and 'id="sync-form"' in card
    r = staff.post("/water/sections/stations", follow_redirects=True,
                   data={"csrf_token": _csrf(html), "mn": mn, "section_code": "DT-XJT", "codes": "as=w20141，hg=w20111",
                         "units": "w20141=μg/L", "valid_from": "2026-01-01", "valid_to": ""})
    assert f"已关联设备 {mn} → 断面 DT-XJT" in r.text
    row = r.text.split('id="station-table"', 1)[1].split(mn, 1)[1].split("</tr>", 1)[0]
    assert "DT-XJT" in row and "as=w20141、hg=w20111" in row and "w20141=μg/L" in row
    assert "2026-01-01～" in row and "有效" in row and "解除关联" in row
    rec = _audit(water_site, object_type="water_station_link", object_id=mn)
    assert rec[-1].action == "create" and rec[-1].after["codes"] == {"as": "w20141", "hg": "w20111"}
    bad = staff.post("/water/sections/stations", headers={"accept": "text/html"},
                     data={"csrf_token": _csrf(html), "mn": "5a4d-bad", "section_code": "DT-XJT"})
    assert bad.status_code == 422 and "格式错误" in bad.text and 'value="5a4d-bad"' in bad.text  # typed MN kept
    pairs = staff.post("/water/sections/stations", headers={"accept": "text/html"},
                       data={"csrf_token": _csrf(html), "mn": mn, "section_code": "DT-XJT", "codes": "as"})
    assert pairs.status_code == 422 and "项目=因子编码" in pairs.text
    r = staff.post("/water/sections/stations/unlink", data={"csrf_token": _csrf(html), "mn": mn}, follow_redirects=True)
    assert f"已解除设备 {mn} 与断面 DT-XJT 的关联" in r.text
    row = r.text.split('id="station-table"', 1)[1].split(mn, 1)[1].split("</tr>", 1)[0]
    assert "已解除" in row and "解除关联</button>" not in row
    assert _audit(water_site, object_type="water_station_link", object_id=mn)[-1].after["active"] is False
    # the sync: no active link any more → 0 devices; the result is shown on the page
    r = staff.post("/water/sections/sync-hj212", data={"csrf_token": _csrf(html), "from": "2026-03-01",
                                                       "to": "2026-03-07", "cn": "2061"})
    assert r.status_code == 200 and 'id="sync-result"' in r.text
    result = r.text.split('id="sync-result"', 1)[1]
    assert "2026-03-01 至 2026-03-07" in result and "读取数值 0 个" in result and "写入 0 条" in result
    bad = staff.post("/water/sections/sync-hj212", headers={"accept": "text/html"},
                     data={"csrf_token": _csrf(html), "from": "2026-03-07", "to": "2026-03-01"})
    assert bad.status_code == 422 and "早于开始日期" in bad.text
    leader = as_user("leader").get("/water/sections").text.split('id="station-links"', 1)[1]
    assert mn in leader and 'id="station-link-form"' not in leader and "解除关联</button>" not in leader
    unit = as_user("pingcheng")
    r = unit.post("/water/sections/stations", headers={"accept": "text/html"},
                  data={"csrf_token": _csrf(unit.get("/water/sections").text), "mn": mn, "section_code": "DT-XJT"})
    assert r.status_code == 403 and "无权" in r.text
    assert _audit(water_site, object_type="water_station_link", object_id=mn)[-1].after["active"] is False


def test_portal_water_panel_is_public_and_labelled(app, water_site):
    html = TestClient(app).get("/portal/water").text
    assert "大同市地表水水质" in html and "2026年10月" in html  # the last month with data before 29 Nov
    assert 'id="portal-demo"' in html and "演示" in html
    listed = html.split('id="portal-water-list"', 1)[1].split("</table>", 1)[0]
    assert "十里河（演示断面）" in listed and "演示" in listed and "DT-D1" not in listed
    assert _chart(html, "portal-water-map")["series"][0]["data"]


@pytest.mark.parametrize("path", ["/water?year=abc", "/water?month=13", "/water?scope=decade",
                                  f"/water/section/{'长' * 40}", "/water/section/DT-D1?year=1800",
                                  "/water/section/a%00b"])
def test_bad_query_is_422_not_500(as_user, path):
    r = as_user("leader").get(path)
    assert r.status_code == 422, (path, r.status_code)


def test_unknown_section_is_404(as_user):
    r = as_user("leader").get("/water/section/NOPE", headers={"accept": "text/html"})
    assert r.status_code == 404 and "未登记" in r.text
