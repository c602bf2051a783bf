"""The water JSON API on both backends (SQLite and the local PostgreSQL): the permission matrix of
every water route, the figures against water.md §10's worked examples, registry edits and imports
with their audit records, the rectification action (idempotent, evidence attached), bad input
(422/404/415 with Chinese messages, never 500).

The specification of who may do what (issue 10, DOMAIN2.md): everybody inside reads; only the
bureau (admin, staff) edits the registry, imports and opens rectifications; the public sees the
portal panel only; an anonymous caller gets 401 on everything else.
"""

from __future__ import annotations

import io
import itertools

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, select

from qingshan.core.audit import SYSTEM
from qingshan.core.org import User
from qingshan.water import service
from qingshan.ledgers.models import Attachment
from qingshan.water.models import Rectification
from water_testdata import seed_water

ROLES = ["admin", "staff", "unit_own", "unit_other", "leader", "public", "anonymous"]
INTERNAL = {"admin", "staff", "unit_own", "unit_other", "leader"}
BUREAU = {"admin", "staff"}
EVERYONE = set(ROLES)
USERNAMES = {"admin": "t_admin", "staff": "t_staff", "unit_own": "t_pingcheng", "unit_other": "t_yunzhou",
             "leader": "t_leader", "public": "t_public"}
_n = itertools.count(1)


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


EXPECTED: dict[str, set[str]] = {
    "report": INTERNAL,
    "sections": INTERNAL,
    "section": INTERNAL,
    "series": INTERNAL,
    "grid": INTERNAL,
    "rectifications": INTERNAL,
    "public": EVERYONE,
    "add": BUREAU,
    "update": BUREAU,
    "target": BUREAU,
    "import": BUREAU,
    "rectify": BUREAU,
    "stations": INTERNAL,
    "link": BUREAU,
    "unlink": BUREAU,
    "sync": BUREAU,
}
#: HJ 212 MNs (hj212.md §3: 24 upper-case hex digits); MATRIX_MN is linked by the fixture so that
#: the bureau's unlink in the permission matrix has something to unlink.
MATRIX_MN = "5A4D00000000000000000B07"
MN = "5A4D00000000000000000A01"


def _act(action: str, client: TestClient, n: int):
    return {
        "report": lambda: client.get("/api/water/report?year=2026&month=3&scope=month"),
        "sections": lambda: client.get("/api/water/sections?year=2026"),
        "section": lambda: client.get("/api/water/sections/W-S2"),
        "series": lambda: client.get("/api/water/sections/W-S2/series?year=2026&month=3"),
        "grid": lambda: client.get("/api/water/grid?year=2026&month=3"),
        "rectifications": lambda: client.get("/api/water/rectifications"),
        "public": lambda: client.get("/api/water/public"),
        "add": lambda: client.post("/api/water/sections", json={"code": f"M-{n}", "name": f"矩阵断面{n}"}),
        "update": lambda: client.patch("/api/water/sections/W-S4", json={"notes": f"矩阵修改{n}"}),
        "target": lambda: client.put("/api/water/sections/W-S4/targets/2027", json={"target_class": "Ⅲ"}),
        "import": lambda: client.post("/api/water/sections/import", files={
            "file": ("断面.csv", _csv(f"断面编码,断面名称,河流\nI-{n},导入断面{n},御河\n"), "text/csv")}),
        "rectify": lambda: client.post("/api/water/sections/W-S2/rectifications",
                                       json={"year": 2026, "month": 3, "scope": "month"}),
        "stations": lambda: client.get("/api/water/stations"),
        "link": lambda: client.put(f"/api/water/stations/5A4D{n:020X}", json={"section_code": "W-S4"}),
        "unlink": lambda: client.delete(f"/api/water/stations/{MATRIX_MN}"),
        "sync": lambda: client.post("/api/water/sync-hj212", json={"from": "2026-03-01", "to": "2026-03-02"}),
    }[action]()


@pytest.fixture(scope="module")
def water(backend):
    seed_water(backend["url"])
    with backend["factory"]() as db:
        service.link_station(db, SYSTEM, None, MATRIX_MN, "W-S4")
    return backend


def _client(backend, role: str) -> TestClient:
    if role == "anonymous":
        c = TestClient(backend["app"])
        c.headers["X-CSRF-Token"] = c.get("/api/auth/me").json()["csrf_token"]
        return c
    return backend["clients"][role]


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(water, role, action, audits, frozen_clock):
    client = _client(water, role)
    r = _act(action, client, next(_n))
    if role in EXPECTED[action]:
        assert r.status_code in (200, 201), f"{role} {action}: {r.status_code} {r.text[:300]}"
        return
    if role == "anonymous":
        assert r.status_code == 401, f"{role} {action}: {r.status_code} {r.text[:300]}"
        return
    assert r.status_code == 403, f"{role} {action}: {r.status_code} {r.text[:300]}"
    assert "无权" in r.json()["detail"]
    records = audits(r.headers["X-Request-ID"])
    assert [a.action for a in records] == ["forbidden"]  # the refusal, and nothing else happened
    with water["factory"]() as s:
        assert s.get(User, records[0].user_id).username == USERNAMES[role]


def test_report_reproduces_the_worked_examples(water):
    r = water["clients"]["leader"].get("/api/water/report?year=2026&month=3&scope=month")
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["period"] == "2026年3月" and rep["previous_period"] == "2025年3月"
    by = {s["code"]: s for s in rep["sections"] if s["code"].startswith("W-")}
    # water.md §10 W1, W2, W7
    assert [by[c]["class"] for c in ("W-S1", "W-S2", "W-S4")] == [4, 6, 2]
    assert by["W-S1"]["main_pollutants_label"] == "氨氮(0.32)"
    assert by["W-S2"]["main_pollutants_label"] == "氨氮(1.60)、总磷(1.25)、化学需氧量(1.10)"
    assert [by[c]["cwqi_text"] for c in ("W-S1", "W-S2", "W-S4")] == ["7.5453", "13.2650", "4.8912"]
    assert by["W-S2"]["status"] == "重度污染" and by["W-S2"]["attained"] is False
    assert rep["rules_status"] == "UNCONFIRMED" and "GB3838-2002/Table1" in rep["rules_version"]
    assert [s["code"] for s in rep["worse_than_v"]] == ["W-S2"]


def test_series_carries_the_class_limits(water):
    r = water["clients"]["unit_own"].get("/api/water/sections/W-S1/series?year=2026&month=3")
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    assert items["nh3n"]["limits"] == ["0.15", "0.5", "1", "1.5", "2"]  # GB 3838 Table 1 item 7
    assert items["nh3n"]["values"] == [None, None, "1.32"] and items["nh3n"]["classes"][2] == 4
    assert items["do"]["limits"] == ["7.5", "6", "5", "3", "2"] and items["hg"]["limits"][0] == "0.00005"
    assert r.json()["months"][2]["class"] == 4


def test_grid_is_month_by_section(water):
    g = water["clients"]["staff"].get("/api/water/grid?year=2026&month=3").json()
    rows = {r["code"]: r for r in g["rows"]}
    assert g["months"] == ["1月", "2月", "3月"]
    assert rows["W-S2"]["classes"] == [None, None, 6] and rows["W-S2"]["attained"] == [None, None, False]


def test_registry_edit_and_target_are_audited(water, audits):
    staff = water["clients"]["staff"]
    r = staff.patch("/api/water/sections/W-S1", json={"responsible_unit": "云州区人民政府", "lon": 113.55})
    assert r.status_code == 200, r.text
    assert r.json()["responsible_unit"] == "云州区人民政府" and r.json()["lon"] == 113.55
    rec = [a for a in audits(r.headers["X-Request-ID"]) if a.object_type == "water_section"]
    assert len(rec) == 1 and rec[0].action == "update" and rec[0].before["lon"] == 113.5 and rec[0].after["lon"] == 113.55
    r = staff.put("/api/water/sections/W-S1/targets/2027", json={"target_class": "III"})
    assert r.status_code == 200 and r.json() == {"code": "W-S1", "year": 2027, "target_class": 3, "target_label": "Ⅲ"}
    rec = [a for a in audits(r.headers["X-Request-ID"]) if a.object_type == "water_section_target"]
    assert rec and rec[0].after["target_class"] == 3


def test_import_reports_bad_rows_in_chinese_and_keeps_the_good_ones(water, audits):
    staff = water["clients"]["staff"]
    text = ("断面编码,断面名称,水体类型,区县代码,经度,2026年目标\n"
            "G-1,好断面一,河流,140212,113.1,Ⅲ\n"
            "G-2,坏断面,海洋,140212,113.1,Ⅲ\n"
            "G-3,坏坐标,河流,140212,200,Ⅲ\n"
            "G-4,坏目标,河流,14021,113.1,Ⅶ\n"
            "G-1,重复,河流,140212,113.1,Ⅲ\n"
            "G-5,好断面五,水库,140213,,Ⅱ\n")
    r = staff.post("/api/water/sections/import", files={"file": ("断面登记.csv", _csv(text, "gbk"), "text/csv")})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["rows_read"], out["added"], out["targets_set"]) == (6, 2, 2)
    rows = {e["row"]: e for e in out["errors"]}
    assert set(rows) == {3, 4, 5, 6}
    assert "水体类型" in rows[3]["reason"] and "海洋" in rows[3]["reason"]
    assert "经度" in rows[4]["reason"] and "不在中国境内" in rows[4]["reason"]
    assert "区县代码" in rows[5]["reason"]
    assert "重复" in rows[6]["reason"]
    assert all(e["file"] == "断面登记.csv" for e in out["errors"])
    secs = {s["code"]: s for s in staff.get("/api/water/sections?year=2026").json()}
    assert secs["G-1"]["target_label"] == "Ⅲ" and secs["G-5"]["water_body"] == "reservoir" and "G-2" not in secs
    rec = [a for a in audits(r.headers["X-Request-ID"]) if a.action == "import"]
    assert len(rec) == 1 and rec[0].after["added"] == 2 and rec[0].after["rejected"] == 4
    again = staff.post("/api/water/sections/import", files={"file": ("断面登记.csv", _csv(text, "gbk"), "text/csv")})
    assert again.json()["added"] == 0 and again.json()["updated"] == 0  # nothing twice


def test_import_from_excel(water):
    wb = Workbook()
    ws = wb.active
    ws.append(["断面编码", "断面名称", "控制级别", "纬度"])
    ws.append(["X-1", "表格断面", "省考", 39.9])
    ws.append(["X-2", "坏级别", "县考", 39.9])
    buf = io.BytesIO()
    wb.save(buf)
    r = water["clients"]["admin"].post("/api/water/sections/import", files={"file": ("断面.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and r.json()["errors"][0]["row"] == 3 and "控制级别" in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize(("name", "data", "status", "words"), [
    ("程序.exe", b"MZ\x90\x00", 415, "不支持的文件类型"),
    ("空.csv", b"", 422, "文件为空"),
    ("无表头.csv", "河流,水体\n御河,河流\n".encode(), 422, "表头缺少断面名称或断面编码"),
    ("二进制.csv", b"\x00\x01\x02", 422, ""),
    ("坏表格.xlsx", b"PK\x03\x04 not really", 422, "无法读取 Excel"),
])
def test_import_refuses_unreadable_files(water, name, data, status, words):
    r = water["clients"]["staff"].post("/api/water/sections/import", files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == status, r.text
    assert words in r.json()["detail"] and r.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/water/report?year=abc&month=3", None),
    ("get", "/api/water/report?year=1800&month=3", None),
    ("get", "/api/water/report?year=2026&month=13", None),
    ("get", "/api/water/report?year=2026&month=3&scope=week", None),
    ("get", "/api/water/report", None),
    ("get", "/api/water/grid?year=99999999999999999999", None),
    ("get", f"/api/water/sections/{'长' * 33}", None),
    ("get", "/api/water/sections/W-S1/series?year=2026&month=0", None),
    ("get", "/api/water/sections/a%00b", None),
    ("patch", "/api/water/sections/a%20b", {"notes": "x"}),
    ("post", "/api/water/sections", {"code": "N-1", "name": "控制\u0000字符"}),
    ("post", "/api/water/sections", {"code": "N/1", "name": "斜杠"}),
    ("post", "/api/water/sections", {"code": "", "name": "x"}),
    ("post", "/api/water/sections", {"code": "B-1", "name": "x", "county_code": "abc"}),
    ("post", "/api/water/sections", {"code": "B-1", "name": "x", "lon": 500}),
    ("post", "/api/water/sections", {"code": "B-1", "name": "x", "water_body": "sea"}),
    ("patch", "/api/water/sections/W-S1", {"control_level": "县考"}),
    ("put", "/api/water/sections/W-S1/targets/1800", {"target_class": 3}),
    ("post", "/api/water/sections/W-S2/rectifications", {"year": 2026, "month": 3, "scope": "decade"}),
    ("post", "/api/water/sections/W-S2/rectifications", {"year": 2026, "month": 3, "deadline": "明天"}),
])
def test_bad_input_is_422_in_chinese(water, method, path, body):
    c = water["clients"]["staff"]
    r = getattr(c, method)(path, json=body) if body is not None else getattr(c, method)(path)
    assert r.status_code == 422, (path, r.status_code, r.text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])


def test_domain_refusals_have_chinese_reasons(water):
    staff = water["clients"]["staff"]
    r = staff.put("/api/water/sections/W-S1/targets/2026", json={"target_class": "Ⅶ"})
    assert r.status_code == 422 and "W-S1" in r.json()["detail"] and "Ⅶ" in r.json()["detail"]
    r = staff.post("/api/water/sections", json={"code": "W-S1", "name": "重复"})
    assert r.status_code == 422 and "已登记" in r.json()["detail"]
    r = staff.patch("/api/water/sections/NOPE", json={"notes": "x"})
    assert r.status_code == 404 and "未登记" in r.json()["detail"]
    assert staff.get("/api/water/sections/NOPE").status_code == 404
    assert staff.get("/api/water/sections/NOPE/series?year=2026").status_code == 404
    r = staff.post("/api/water/sections/NOPE/rectifications", json={"year": 2026, "month": 3, "scope": "month"})
    assert r.status_code == 404
    # W-S4 is Class Ⅱ against a Ⅲ target: nothing to rectify
    r = staff.post("/api/water/sections/W-S4/rectifications", json={"year": 2026, "month": 3, "scope": "month"})
    assert r.status_code == 422 and "无需发起整改" in r.json()["detail"]
    # no data in 2024
    r = staff.post("/api/water/sections/W-S2/rectifications", json={"year": 2024, "month": 3, "scope": "month"})
    assert r.status_code == 422 and "没有评价结果" in r.json()["detail"]


def test_rectification_opens_one_ledger_item_with_its_evidence(water, audits, frozen_clock):
    staff, admin = water["clients"]["staff"], water["clients"]["admin"]
    body = {"year": 2026, "month": 3, "scope": "ytd", "deadline": "2026-12-31"}
    r = staff.post("/api/water/sections/W-S1/rectifications", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["period"] == "2026年1—3月" and out["period_start"] == "2026-01-01" and out["period_end"] == "2026-04-01"
    assert "未达到Ⅲ类目标（Ⅳ类）" in out["reason"] and out["ledger_item_code"]
    kinds = {(a.object_type, a.action) for a in audits(r.headers["X-Request-ID"])}
    assert {("water_rectification", "create"), ("ledger_item", "create"), ("ledger_item", "progress")} <= kinds
    # the same section and period again, by anyone in the bureau: the same item (idempotent)
    again = admin.post("/api/water/sections/W-S1/rectifications", json=body)
    assert again.status_code == 200 and again.json()["ledger_item_id"] == out["ledger_item_id"]
    item = staff.get(f"/api/ledgers/{out['ledger_item_id']}").json()
    assert item["kind"] == "key_task" and item["fields"]["area"] == "水" and "测试断面一" in item["title"]
    assert item["lead_unit"]["name"] == "云州区"  # the section's county (its responsible unit is no org unit)
    assert item["deadline"] == "2026-12-31"
    assert "氨氮 1.32（Ⅳ类，超Ⅲ类标准 0.32 倍）" in item["fields"]["note"]
    with water["factory"]() as s:
        att = s.scalars(select(Attachment).where(Attachment.item_id == out["ledger_item_id"])).all()
        assert len(att) == 1 and att[0].filename.endswith(".xlsx")
        path = water["home"] / att[0].stored_path
        assert s.scalar(select(Rectification).where(Rectification.id == out["id"])).evidence["class"] == 4
    wb = load_workbook(path)
    assert wb.sheetnames == ["概要", "超标项目", "监测数据"]
    summary = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True)}
    assert summary["水质类别"] == "Ⅳ" and summary["目标类别"] == "Ⅲ" and summary["主要污染指标"] == "氨氮(0.32)"
    assert ["氨氮", "Ⅳ", "1.32", "1.0", "0.32"] == list(next(
        r for r in wb["超标项目"].iter_rows(values_only=True) if r[0] == "氨氮"))
    listed = staff.get("/api/water/sections/W-S1").json()["rectifications"]
    assert [x["ledger_item_code"] for x in listed] == [out["ledger_item_code"]]


def test_rectification_claimed_by_another_request_is_a_conflict(water, frozen_clock):
    from datetime import date, datetime

    staff = water["clients"]["staff"]
    with water["factory"]() as s:
        s.add(Rectification(section_code="W-S2", period_start=date(2026, 2, 1), period_end=date(2026, 3, 1),
                            period="2026年2月", reason="劣Ⅴ", evidence={}, created_by="t_admin",
                            created_at=datetime(2026, 11, 29, 9, 55)))
        s.commit()
    try:
        r = staff.post("/api/water/sections/W-S2/rectifications", json={"year": 2026, "month": 2, "scope": "month"})
        assert r.status_code == 409 and "正在由他人创建" in r.json()["detail"]
    finally:
        with water["factory"]() as s:
            s.execute(delete(Rectification).where(Rectification.period_start == date(2026, 2, 1)))
            s.commit()


def test_public_panel_has_no_internal_fields(water, frozen_clock):
    r = TestClient(water["app"]).get("/api/water/public")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == "2026年3月"  # the latest month with data before November 2026
    assert {s["name"] for s in body["sections"]} >= {"测试断面一", "测试断面二", "测试断面四"}
    assert not {"code", "target_class", "attained", "notes", "responsible_unit"} & set(body["sections"][0])


def test_openapi_documents_the_water_routes(water):
    spec = TestClient(water["app"]).get("/openapi.json").json()
    paths = spec["paths"]
    assert paths["/api/water/report"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/WaterReportOut")
    assert {"/api/water/sections", "/api/water/sections/{code}", "/api/water/sections/import", "/api/water/grid",
            "/api/water/sections/{code}/rectifications", "/api/water/public"} <= set(paths)


# --- HJ 212 automatic stations -------------------------------------------------------------------


def _zh(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_station_link_list_unlink_are_audited(water, audits):
    staff, leader = water["clients"]["staff"], water["clients"]["leader"]
    body = {"section_code": "W-S1", "codes": {"as": "w20141"}, "units": {"w20141": "μg/L"},
            "valid_from": "2026-01-01", "valid_to": "2027-01-01"}
    r = staff.put(f"/api/water/stations/{MN}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"mn": MN, "section_code": "W-S1", "codes": {"as": "w20141"}, "units": {"w20141": "μg/L"},
                        "active": True, "valid_from": "2026-01-01T00:00:00", "valid_to": "2027-01-01T00:00:00"}
    [rec] = audits(r.headers["X-Request-ID"])
    assert rec.action == "create" and rec.object_type == "water_station_link" and rec.object_id == MN
    listed = {x["mn"]: x for x in leader.get("/api/water/stations").json()}  # every internal user reads
    assert listed[MN]["section_code"] == "W-S1" and listed[MN]["active"] is True
    # re-linked to another section: an update with before and after
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "W-S2"})
    assert r.status_code == 200 and r.json()["section_code"] == "W-S2" and r.json()["codes"] == {}
    [rec] = audits(r.headers["X-Request-ID"])
    assert rec.action == "update"
    r = staff.delete(f"/api/water/stations/{MN}")
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["section_code"] == "W-S2"
    assert [a.action for a in audits(r.headers["X-Request-ID"])] == ["update"]
    assert {x["mn"]: x for x in leader.get("/api/water/stations").json()}[MN]["active"] is False


@pytest.mark.parametrize("mn", ["5A4D0000000000000000A0", "5a4d00000000000000000a01", "ＭＮ-不对", "5A4D00000000000000000A0G"])
def test_bad_mn_is_422_with_the_services_chinese_message(water, mn):
    staff = water["clients"]["staff"]
    for r in (staff.put(f"/api/water/stations/{mn}", json={"section_code": "NOPE"}),  # MN first, then the section
              staff.delete(f"/api/water/stations/{mn}")):
        assert r.status_code == 422, r.text
        assert "格式错误" in r.json()["detail"] and "24 位十六进制" in r.json()["detail"]


def test_station_refusals(water):
    staff = water["clients"]["staff"]
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "NOPE"})
    assert r.status_code == 404 and "NOPE" in r.json()["detail"] and "未登记" in r.json()["detail"]
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "W-S1", "codes": {"as": "w01018"}})
    assert r.status_code == 422 and "w01018" in r.json()["detail"] and "w20119" in r.json()["detail"]
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "W-S1", "units": {"w20141": "kg"}})
    assert r.status_code == 422 and "kg" in r.json()["detail"]
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "W-S1", "valid_from": "2026-05-01",
                                                     "valid_to": "2026-05-01"})
    assert r.status_code == 422 and _zh(r.json()["detail"])
    r = staff.put(f"/api/water/stations/{MN}", json={"section_code": "W/S1"})
    assert r.status_code == 422 and _zh(r.json()["detail"]) and r.json()["errors"][0]["field"] == "section_code"
    r = staff.delete("/api/water/stations/5A4D00000000000000000FFF")
    assert r.status_code == 404 and "没有关联" in r.json()["detail"]


def test_sync_returns_counts_and_is_audited(water, audits):
    staff = water["clients"]["staff"]
    r = staff.post("/api/water/sync-hj212", json={"from": "2026-03-01", "to": "2026-03-31", "cn": "2031"})
    assert r.status_code == 200, r.text
    d = r.json()
    # the gateway's table holds no values in the web fixture: counts are zero, the period is [from, to + 1 day)
    assert d["start"] == "2026-03-01 00:00:00" and d["end"] == "2026-04-01 00:00:00" and d["cn"] == "2031"
    assert d["values_read"] == 0 and d["observations_written"] == 0 and d["notes"] == []
    assert d["devices"] == len([x for x in staff.get("/api/water/stations").json() if x["active"]])
    [rec] = audits(r.headers["X-Request-ID"])
    assert rec.action == "import" and rec.object_type == "water_hj212_sync"
    for body in ({"from": "2026-03-02", "to": "2026-03-01"}, {"from": "2026-03-01", "to": "2026-03-02", "cn": "2011"},
                 {"to": "2026-03-02"}, {"from": "9999-12-31", "to": "9999-12-31"}):
        r = staff.post("/api/water/sync-hj212", json=body)
        assert r.status_code == 422 and _zh(r.json()["detail"]), (body, r.text)
