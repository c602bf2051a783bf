"""The carbon JSON API (/api/carbon) on SQLite and PostgreSQL: carbon.md §9 C3 through the routes,
the permission matrix, bad input (422/404 in Chinese, never 500), the factor library written by a
bureau user (audited, used by the next computation) and rectification items opened for failed
checks with their evidence (audited, one per result, refused once superseded)."""

from __future__ import annotations

import hashlib
import io

import pgutil
import pytest
from carbon_testdata import C3_BALANCE_CSV, C3_GDP_CSV, PLANT_USCC
from carbon_web import INTERNAL, make_site
from openpyxl import load_workbook
from sqlalchemy import select

from qingshan.carbon import registry
from qingshan.carbon.city import set_plan
from qingshan.carbon.evidence_sheet import canonical_json
from qingshan.carbon.imports import import_city_balance, import_city_gdp, import_power_months
from qingshan.carbon.models import CarbonCheckItem
from qingshan.core import clock
from qingshan.core.audit import AuditRecord
from qingshan.sources import registry as src

PG_DB = "qingshan_test_carbon_web"
_LOCK_KEY = 0x63617277  # "carw": one run at a time owns qingshan_test_carbon_web

# carbon.md §9 C1 as one lodged month (2023-01); coal 1 250 000 t instead of 1 500 000 puts b_s at
# 265 gce/kWh, under the 280 of a 600 MW unit (K-06 fail, §4.2)
C1_HEADER = ("统一社会信用代码,机组编号,年份,月份,入炉煤量(t),低位发热量(GJ/t),元素碳含量,全水分,氢含量,全硫,化验报告编号,样品编号,"
             "采样开始日期,采样结束日期,柴油(t),购入电量(MWh),发电量(MWh),供电量(MWh),运行小时数(h),存证日期\n")
C1_UNDER = C1_HEADER + (f"{PLANT_USCC},1,2023,1,1250000,19.500,0.5200,0.10,0.035,0.008,R1,S1,2023-01-01,2023-01-31,300,"
                        "2000,3300000,3135000,744,2023-02-20\n")
C1_RIGHT = C1_UNDER.replace("1250000,19.500", "1500000,19.500")


def _build(db) -> None:
    src.add_enterprise(db, "测试电厂（测试）", PLANT_USCC, "火力发电", "140213")
    fac = registry.add_facility(db, PLANT_USCC, "TP", "测试电厂", "power", county_code="140213")
    registry.add_unit(db, fac, registry.UnitSpec("1", "1号机组", "unit", "600", "conventional", False, "air"))
    registry.add_unit(db, fac, registry.UnitSpec("2", "2号机组", "unit", "600", "conventional", False, "air"))
    db.commit()
    assert import_power_months(db, "c1.csv", C1_UNDER.encode()).ok
    assert import_city_balance(db, "c3.csv", C3_BALANCE_CSV.encode(), demo=True).ok
    assert import_city_gdp(db, "gdp.csv", C3_GDP_CSV.encode(), demo=True).ok
    set_plan(db, "十五五（测试）", 2025, "0.17", source="carbon.md §9 C3 示例目标", projected_gdp_index="105", demo=True)
    db.commit()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request, tmp_path_factory, frozen_now):
    home = tmp_path_factory.mktemp(f"carbon-web-{request.param}")
    with clock.frozen(frozen_now):
        if request.param == "sqlite":
            s = make_site(f"sqlite:///{home / 'c.db'}", home, _build)
            yield s
            s["app"].state.engine.dispose()
            return
        with pgutil.exclusive(PG_DB, _LOCK_KEY, lambda: pgutil.reset_schema(PG_DB)) as url:
            s = make_site(url, home, _build)
            yield s
            s["app"].state.engine.dispose()


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    yield


def test_c3_through_the_api(site):
    """carbon.md §9 C3 (synthetic city): the figures and tracking rows the spec gives."""
    staff = site["clients"]["staff"]
    city = staff.get("/api/carbon/city", params={"year": 2025}).json()
    f = city["figures"]
    assert f["co2_total"]["value"] == "38971584" and f["co2_intensity"]["value"] == "1.9985"
    assert f["energy_total_before"]["value"] == "14415520" and f["grid_factor"]["value"] == "0.7096"
    # every figure carries its factor rows and their status; the fuel defaults are UNCONFIRMED (§11 item 8)
    assert f["co2_total"]["status"] == "UNCONFIRMED" and f["co2_total"]["demo"] is True
    grid = [r for r in f["co2_total"]["factors"] if r["table"] == "grid_statistical"]
    assert grid and grid[0]["key"] == "shanxi" and grid[0]["valid_from"] == 2022 and grid[0]["status"] == "confirmed"
    trend = staff.get("/api/carbon/trend").json()
    rows = {r["year"]: r for r in trend["rows"]}
    assert [rows[2026][k] for k in ("r", "R", "P", "tau", "r_req", "status")] == ["3.89", "3.89", "22.90", "20.00", "3.60", "green"]
    assert [rows[2027][k] for k in ("r", "R", "P", "tau", "r_req", "status")] == ["5.52", "9.20", "54.13", "40.00", "2.95", "green"]
    assert trend["whole_period_rate"] == "3.66" and trend["allowed_co2_end"]["value"] == "41401084"
    # the target path runs from 100 at b to (1 − R*) × 100 = 83.00 at T
    path = {p["year"]: p["index"] for p in trend["target_path"]}
    assert path[2025] == "100.00" and path[2030] == "83.00" and list(path) == list(range(2025, 2031))
    st = staff.get("/api/carbon/intensity", params={"year": 2027}).json()
    assert (st["basis"], st["status"], st["R"], st["r_req"]) == ("annual", "green", "9.20", "2.95")
    leader = site["clients"]["leader"].get("/api/carbon/leader", params={"year": 2027}).json()
    assert leader["intensity"]["status"] == "green" and leader["enterprises"] is None  # nothing lodged for 2027
    plants = site["clients"]["leader"].get("/api/carbon/leader", params={"year": 2023, "months": 1}).json()
    assert plants["enterprises"] == 1 and plants["enterprises_failing"] == 1 and plants["intensity"]["basis"] == "no_data"


GETS = ["/api/carbon/city?year=2025", "/api/carbon/trend", "/api/carbon/intensity?year=2026",
        "/api/carbon/leader?year=2026", "/api/carbon/enterprises?year=2023&through_month=1",
        "/api/carbon/checks?year=2023&through_month=1", "/api/carbon/factors?table=grid_statistical"]


def test_read_permissions(site):
    """Internal users read; the public account is refused (403, audited); anonymous callers get 401."""
    c = site["clients"]
    unit_id = c["staff"].get("/api/carbon/enterprises", params={"year": 2023, "through_month": 1}).json()[0]["units"][0]["unit_id"]
    for url in [*GETS, f"/api/carbon/units/{unit_id}?year=2023&through_month=1"]:
        for role in INTERNAL:
            r = c[role].get(url)
            assert r.status_code == 200, (role, url, r.text)
        assert c["public"].get(url).status_code == 403, url
        assert c["anonymous"].get(url).status_code == 401, url
    with site["factory"]() as db:
        assert db.scalar(select(AuditRecord).where(AuditRecord.action == "forbidden", AuditRecord.username == "cb_public",
                                                   AuditRecord.message.contains("/api/carbon/")))


BAD = [
    ("/api/carbon/city?year=abc", 422, "整数"), ("/api/carbon/city?year=1899", 422, "year"),
    ("/api/carbon/city?year=2025&months=5", 422, "3、6、9 或 12"), ("/api/carbon/city?year=2025&months=13", 422, "months"),
    ("/api/carbon/city?year=2019", 404, "能源平衡表"), ("/api/carbon/intensity?year=2026&as_of=2026-02-30", 422, "日期"),
    ("/api/carbon/units/0?year=2023", 422, "unit_id"), (f"/api/carbon/units/{2**63}?year=2023", 422, "unit_id"),
    ("/api/carbon/units/999999?year=2023", 404, "发电机组"), ("/api/carbon/checks/999999/evidence", 404, "校核结果"),
    ("/api/carbon/enterprises?year=2023&through_month=0", 422, "through_month"),
    ("/api/carbon/trend?plan=" + "长" * 41, 422, "plan"), ("/api/carbon/factors?table=" + "x" * 41, 422, "table"),
    ("/api/carbon/enterprises?year=1950", 404, "存证数据"), ("/api/carbon/checks?year=2100", 404, "存证数据"),
]


@pytest.mark.parametrize("url,status,text", BAD)
def test_bad_input_is_a_chinese_error_never_500(site, url, status, text):
    r = site["clients"]["staff"].get(url)
    assert r.status_code == status, r.text
    body = r.json()
    assert text in str(body) and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])


def _failed(c, year=2023, through=1) -> dict[tuple[str, str, int | None], dict]:
    """(unit, check, month) → the failed result (month None: the unit's 1—N月 year check)."""
    r = c.get("/api/carbon/checks", params={"year": year, "through_month": through})
    assert r.status_code == 200, r.text
    return {(f["unit_code"], f["check"], f["month"]): f for f in r.json()}


def test_rectification_item_for_a_failed_check(site):
    c = site["clients"]
    failed = _failed(c["staff"])
    # unit 1 under-reported coal (K-06 runs per unit-month and per unit-year, §4.2); unit 2 lodged
    # nothing by the deadline (K-01)
    assert set(failed) == {("1", "K-06", 1), ("1", "K-06", None), ("2", "K-01", 1)}
    k06 = failed[("1", "K-06", 1)]
    assert k06["item"] is None and k06["values"]["区间"] == "280—325"
    url = f"/api/carbon/checks/{k06['check_row_id']}/rectification"
    for role in ("unit", "leader", "public"):
        assert c[role].post(url, json={}).status_code == 403
    assert c["anonymous"].post(url, json={}).status_code == 401
    r = c["staff"].post(url, json={"deadline": "2027-01-31"})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["code"].startswith("RW-") and item["status"] == "not_started"
    # one item per failed result: the second request is a conflict, audited
    again = c["admin"].post(url, json={})
    assert again.status_code == 409 and item["code"] in again.json()["detail"]
    # the ledger item: key task in 碳达峰碳中和, lead = the plant's county (平城区), the evidence workbook attached
    led = c["unit"].get(f"/api/ledgers/{item['item_id']}").json()
    assert led["kind"] == "key_task" and led["fields"]["area"] == "碳达峰碳中和" and "K-06" in led["title"]
    assert led["lead_unit"]["name"] == "平城区" and led["deadline"] == "2027-01-31"
    assert item["evidence_sha256"] in led["fields"]["note"]
    files = [a for e in led["history"]["entries"] for a in e.get("attachments", [])]
    assert len(files) == 1 and files[0]["filename"].endswith("_K-06.xlsx")
    data = c["unit"].get(f"/api/ledgers/{item['item_id']}/attachments/{files[0]['id']}").content
    wb = load_workbook(io.BytesIO(data))
    first = {r[0]: r[1] for r in wb["校核结果"].iter_rows(values_only=True)}
    assert first["存证摘要 SHA-256"] == item["evidence_sha256"] and first["校核值：区间"] == "280—325"
    record = {r[0]: r[1] for r in wb["存证记录"].iter_rows(values_only=True)}
    assert record["入炉煤量(t)"] == "1250000"  # as lodged
    # the stored evidence is what the digest was taken over
    with site["factory"]() as db:
        link = db.scalar(select(CarbonCheckItem).where(CarbonCheckItem.check_row_id == k06["check_row_id"]))
        assert hashlib.sha256(canonical_json(link.evidence)).hexdigest() == item["evidence_sha256"]
        actions = {(a.action, a.object_type) for a in db.scalars(select(AuditRecord).where(AuditRecord.username == "cb_staff"))}
        assert {("create", "ledger_item"), ("create", "carbon_check_item"), ("progress", "ledger_item")} <= actions
        assert db.scalar(select(AuditRecord).where(AuditRecord.action == "conflict", AuditRecord.username == "cb_admin"))
    assert _failed(c["leader"])[("1", "K-06", 1)]["item"]["code"] == item["code"]
    ev = c["leader"].get(f"/api/carbon/checks/{k06['check_row_id']}/evidence").json()
    assert ev["latest"] is True and ev["item"]["code"] == item["code"] and ev["evidence"]["record"]["coal_t"] == "1250000"


def test_refused_rectification_leaves_no_claim(site):
    c = site["clients"]
    k01 = _failed(c["staff"])[("2", "K-01", 1)]
    url = f"/api/carbon/checks/{k01['check_row_id']}/rectification"
    bad = c["staff"].post(url, json={"lead_unit": "不存在的单位"})
    assert bad.status_code == 422 and "不存在" in bad.json()["detail"]
    assert c["staff"].post(url, json={"deadline": "2027-02-30"}).status_code == 422
    ok = c["staff"].post(url, json={"lead_unit": "云州区"})
    assert ok.status_code == 201, ok.text
    # a check that did not fail cannot be rectified
    with site["factory"]() as db:
        from qingshan.carbon.models import CarbonCheck

        passed = db.scalar(select(CarbonCheck.id).where(CarbonCheck.status == "pass"))
    r = c["staff"].post(f"/api/carbon/checks/{passed}/rectification", json={})
    assert r.status_code == 422 and "不通过" in r.json()["detail"]


def test_factor_added_in_the_web_is_used_next_and_audited(site):
    c = site["clients"]
    body = {"table": "market_grid_factor", "key": "national", "param": "ef", "value": "0.5810", "unit": "tCO2/MWh",
            "valid_from": 2023, "valid_to": 2023, "version": "局-web-1", "status": "confirmed", "source": "测试：局录入"}
    for role in ("unit", "leader", "public"):
        assert c[role].post("/api/carbon/factors", json=body).status_code == 403
    r = c["staff"].post("/api/carbon/factors", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["origin"] == "bureau" and r.json()["label"] == "market_grid_factor/national/ef@2023:局-web-1"
    dup = c["staff"].post("/api/carbon/factors", json=body)
    assert dup.status_code == 422 and "新版本号" in dup.json()["detail"]
    for bad, field in (({**body, "value": "abc", "version": "v2"}, "数值"), ({**body, "table": "nope", "version": "v3"}, "因子表"),
                       ({**body, "valid_from": 2024, "version": "v4"}, "起止颠倒"), ({**body, "status": "maybe"}, "status"),
                       ({**body, "source": "x" * 501}, "source")):
        r = c["staff"].post("/api/carbon/factors", json=bad)
        assert r.status_code == 422 and field in str(r.json()), (bad, r.text)
    listed = c["leader"].get("/api/carbon/factors", params={"table": "market_grid_factor"}).json()
    assert any(f["version"] == "局-web-1" for f in listed)
    # the next computation uses it: purchased electricity 2 000 MWh × 0.5810 = 1 162 tCO2 (C1's month)
    unit_id = next(f["unit_id"] for f in _failed(c["staff"]).values() if f["unit_code"] == "1")
    d = c["staff"].get(f"/api/carbon/units/{unit_id}", params={"year": 2023, "through_month": 1}).json()
    e_elec = d["months"][0]["figures"]["e_elec"]
    assert e_elec["value"] == "1162" and any(f["version"] == "局-web-1" for f in e_elec["factors"])
    with site["factory"]() as db:
        a = db.scalar(select(AuditRecord).where(AuditRecord.object_type == "carbon_factor", AuditRecord.action == "create"))
        assert a.username == "cb_staff" and a.after["version"] == "局-web-1" and a.after["value"] == "0.5810"


def test_superseded_result_is_refused(site):
    """After the plant corrects its record the old K-06 result is superseded (the data changed)."""
    c = site["clients"]
    old = _failed(c["staff"])[("1", "K-06", 1)]
    # the bureau's factor row (previous test) re-ran the month: the item opened then is shown as earlier
    assert old["item"] is None and old["earlier_item"]["code"].startswith("RW-")
    with site["factory"]() as db:
        assert import_power_months(db, "c1-corrected.csv", C1_RIGHT.encode()).ok
        db.commit()
    assert not {("1", "K-06", 1), ("1", "K-06", None)} & set(_failed(c["staff"]))  # b_s 318 passes now
    assert c["staff"].get(f"/api/carbon/checks/{old['check_row_id']}/evidence").json()["latest"] is False
    r = c["staff"].post(f"/api/carbon/checks/{old['check_row_id']}/rectification", json={})
    assert r.status_code == 409 and "取代" in r.json()["detail"]


def test_openapi_lists_the_carbon_routes_with_models(site):
    spec = site["clients"]["anonymous"].get("/openapi.json").json()
    paths = spec["paths"]
    assert paths["/api/carbon/city"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CityReport")
    assert "/api/carbon/checks/{check_row_id}/rectification" in paths and "FactorIn" in spec["components"]["schemas"]


def test_carbon_page_on_both_backends(site):
    """The page shows C3's figures and tracking rows (the same builder as the API), each with its
    factor versions and UNCONFIRMED status; the base year is the default (the latest period over)."""
    r = site["clients"]["leader"].get("/carbon", headers={"Accept": "text/html"})
    assert r.status_code == 200
    html = r.text
    assert "2025年全年" in html and 'data-key="co2_total"' in html and "<b>38971584</b>" in html
    assert 'data-year="2027"' in html and "54.13" in html and "2.95" in html
    assert "口径待确认" in html or "待确认" in html
    assert "版本 pkg-2026.12" in html and 'id="demo-banner"' in html
    assert "没有 2025 年的企业月度存证数据" in html  # nothing lodged for 2025: not evaluated
    plant = site["clients"]["leader"].get("/carbon?year=2023&through=1", headers={"Accept": "text/html"}).text
    assert 'class="failed-check"' in plant and "查看存证并立整改事项" not in plant  # leaders read, bureau staff open items
