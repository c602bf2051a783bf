"""The emergency JSON API and pages on SQLite and PostgreSQL: the permission matrix, the figures of
the E2 plant's orange alert (air-emergency.md §5 E2, §4.2), the bureau's audited writes, bad input
answered with Chinese 422s and never a 500."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from emergency_support import E2_ROW, build_scenario, list_workbook
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from qingshan.core.audit import AuditRecord
from qingshan.emergency.models import LedgerLink
from qingshan.ledgers.models import Attachment, LedgerItem

D1 = datetime(2026, 11, 10)
API = "/api/emergency"
ROLES = ("unit_own", "unit_other", "leader", "staff", "admin")


@pytest.fixture(scope="module")
def em(backend):
    """The E2 plant's orange alert (2026-11-10 00:00 – 11-12 00:00) in the workspace database."""
    return build_scenario(backend["url"], D1)


def _anon(backend) -> TestClient:
    return TestClient(backend["app"])


def _internal_gets(em) -> list[str]:
    a, v, e = em["alert_id"], em["verification_id"], em["e2"]
    return [f"{API}/alerts", f"{API}/alerts/{a}", f"{API}/forecasts", f"{API}/forecasts/{em['batch_id']}/chart",
            f"{API}/lists", f"{API}/lists/{em['list_id']}", f"{API}/alerts/{a}/verifications",
            f"{API}/verifications/{v}", f"{API}/verifications/{v}/enterprises/{e}", f"{API}/tables",
            f"{API}/tables/verify_params/VERIFY-1.0", f"{API}/noncomplying?from=2026-11-01&to=2026-12-01",
            "/emergency", f"/emergency/alerts/{a}", f"/emergency/verifications/{v}",
            f"/emergency/verifications/{v}/enterprises/{e}", "/emergency/list", "/emergency/forecasts", "/emergency/tables",
            f"/emergency/tables/alert_thresholds/2024", f"/emergency/alerts/{a}/live"]


def test_permission_matrix_of_the_reads(backend, clients, em):
    for path in _internal_gets(em):
        assert _anon(backend).get(path).status_code == 401, path
        assert clients["public"].get(path).status_code == 403, path
        for role in ROLES:
            r = clients[role].get(path)
            assert r.status_code == 200, (role, path, r.text[:300])
    for path in (f"{API}/current", "/portal/emergency"):  # the public portal's panel and its API
        assert _anon(backend).get(path).status_code == 200
        assert clients["public"].get(path).status_code == 200


def test_permission_matrix_of_the_writes(backend, clients, em):
    a, v = em["alert_id"], em["verification_id"]
    writes = [("put", f"{API}/actions/1/document-no", {"json": {"document_no": "同环应急〔2026〕1号"}}),
              ("post", f"{API}/alerts/{a}/verifications", {}),
              ("post", f"{API}/verifications/{v}/ledger", {}),
              ("post", f"{API}/tables/verify_params/VERIFY-1.0/activate", {}),
              ("post", f"{API}/tables", {"json": {"kind": "verify_params", "version": "x", "status": "PROJECT DEFAULT",
                                                  "source": "s", "data": {}}}),
              ("post", f"{API}/forecasts", {"data": {"run_time": "2026-11-08T12:00"},
                                            "files": {"file": ("f.csv", b"city,block_start,aqi\n")}}),
              ("post", f"{API}/lists", {"files": {"file": ("l.xlsx", b"PK")}})]
    for method, path, kw in writes:
        # anonymous: 401; a multipart post without any cookie is refused by the CSRF check first (403)
        assert getattr(_anon(backend), method)(path, **kw).status_code == (403 if "files" in kw else 401), path
        for role in ("public", "unit_own", "leader"):
            r = getattr(clients[role], method)(path, **kw)
            assert r.status_code == 403, (role, path, r.text[:200])
    with backend["factory"]() as db:  # refusals are audited
        assert db.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "forbidden", AuditRecord.message.like(f"%{API}/verifications/{v}/ledger%"))) >= 3


def test_current_alert_and_its_measures(clients, em):
    r = clients["public"].get(f"{API}/current", params={"at": "2026-11-10T12:00"}).json()
    assert (r["level"], r["level_zh"], r["response"], r["alert_id"]) == ("orange", "橙色", "Ⅱ级", em["alert_id"])
    cement = next(g for g in r["measures"] if g["industry"] == "水泥熟料")
    assert cement["grade"] == "B级" and "限产20%" in cement["measures"] and cement["enterprises"] == 1
    assert clients["public"].get(f"{API}/current", params={"at": "2026-11-13T00:00"}).json()["level"] == "none"


def test_alert_forecast_and_list(clients, em):
    c = clients["leader"]
    rep = c.get(f"{API}/alerts/{em['alert_id']}").json()
    assert [a["action"] for a in rep["actions"]] == ["issue", "lift"] and rep["alert"]["max_level"] == "orange"
    assert rep["decision"]["branch"] == "orange: run200>=2" and [b["aqi"] for b in rep["decision"]["blocks"]] == [205, 212, 120, 110]
    assert rep["timeline"][0]["level"] == "orange" and rep["timeline"][0]["end"].startswith("2026-11-12T00:00")
    chart = c.get(f"{API}/forecasts/{em['batch_id']}/chart").json()
    assert chart["thresholds"] == [150, 200, 300] and chart["level"] == "orange"
    lst = c.get(f"{API}/lists/{em['list_id']}", params={"grade": "B"}).json()
    assert [r["name"] for r in lst["rows"]] == [E2_ROW["企业名称"]]
    # E2: orange 限产 20 % on the capacity base → R = E0 × 2/11 (NOx 1056 → 192 kg/d)
    assert lst["rows"][0]["reductions"]["orange"]["NOx"] == "192.000"
    assert {t["kind"] for t in lst["tables"]} >= {"grade_measures", "required_ratio"}
    assert [r["line_id"] for r in c.get(f"{API}/lists/{em['list_id']}", params={"industry": "coking"}).json()["rows"]] == ["1号焦炉"]
    assert c.get(f"{API}/lists/{em['list_id']}", params={"county": "140215"}).json()["rows"][0]["county"] == "140215"


def test_verification_and_enterprise_series(clients, em):
    c = clients["unit_own"]
    rep = c.get(f"{API}/verifications/{em['verification_id']}").json()
    assert not rep["provisional"] and rep["enterprises"][0]["failed"]
    e2 = {x["pollutant"]: x for u in rep["enterprises"][0]["units"] for x in u["results"]}
    assert (e2["SO2"]["status"], e2["SO2"]["rho"], e2["SO2"]["rho_req"]) == ("FAIL", "-3.4%", "18.2%")
    assert (e2["NOx"]["status"], e2["NOx"]["rho"]) == ("PASS", "21.4%")  # 1 − 40.85/52 = 223/1040
    assert e2["PM"]["status"] == "NOT_MONITORED" and e2["VOCs"]["status"] == "NOT_REQUIRED"
    assert any(t["kind"] == "verify_params" and t["status"] == "PROJECT DEFAULT" for t in rep["tables"])
    d = c.get(f"{API}/verifications/{em['verification_id']}/enterprises/{em['e2']}").json()
    so2 = next(s for s in d["series"] if s["pollutant"] == "SO2")
    # 20 mg/m³ × 520 000 m³ = 10.4 kg/h; 25 × 430 000 = 10.75; allowed 10.4 × 9/11 = 8.509…
    assert (so2["r_base_kg_h"], so2["r_alert_kg_h"], so2["r_allowed_kg_h"]) == ("10.400", "10.750", "8.509")
    alert_rates = {r for r, w in zip(so2["rates_kg_h"], so2["windows"]) if w == "alert"}
    assert alert_rates == {10.75} and d["same_as_stored"]
    live = c.get(f"{API}/alerts/{em['alert_id']}/live").json()
    assert live["verification_id"] == 0 and live["status_counts"] == rep["status_counts"]


def test_ledger_items_once_per_enterprise_and_alert(backend, clients, em):
    r = clients["staff"].post(f"{API}/verifications/{em['verification_id']}/ledger")
    assert r.status_code == 200, r.text
    out = r.json()
    first = out["created"] or out["existing"]
    assert [x["enterprise"] for x in first] == [E2_ROW["企业名称"]]
    again = clients["admin"].post(f"{API}/verifications/{em['verification_id']}/ledger").json()
    assert again["created"] == [] and [x["item_id"] for x in again["existing"]] == [first[0]["item_id"]]
    with backend["factory"]() as db:
        item = db.get(LedgerItem, first[0]["item_id"])
        assert item.kind == "emergency" and item.data["uscc"] == E2_ROW["统一社会信用代码"]
        assert "SO2" in item.data["check_result"] and item.lead_unit.code == "140215"
        assert db.scalar(select(func.count()).select_from(LedgerLink).where(
            LedgerLink.alert_id == em["alert_id"])) == 1
        att = db.scalar(select(Attachment).where(Attachment.item_id == item.id))
        audit = db.scalars(select(AuditRecord).where(AuditRecord.object_type == "emergency_ledger")).all()
        assert audit and audit[-1].after["existing"][0]["code"] == item.code
    [stored] = list(backend["home"].rglob(att.stored_path.split("/")[-1]))  # under QINGSHAN_HOME, outside any web root
    wb = load_workbook(io.BytesIO(stored.read_bytes()))
    rows = [[c.value for c in r] for r in wb["核查结论"].iter_rows()]
    so2 = next(r for r in rows if r and r[1] == "二氧化硫")
    assert so2[2:5] == ["未达到减排要求", "-3.4%", "18.2%"] and so2[13] == "-7/208"
    assert wb["逐时排放速率"].max_row > 48


def test_table_versions_added_and_activated_with_audit(backend, clients, em):
    c = clients["staff"]
    doc = c.get(f"{API}/tables/verify_params/VERIFY-1.0").json()
    doc["data"]["tolerance"] = "1/100"
    version = f"test-{backend['name']}"
    r = c.post(f"{API}/tables", json={**doc, "version": version, "source": "测试：容差 1 个百分点", "activate": True})
    assert r.status_code == 201 and r.json()["active"], r.text
    try:
        assert c.post(f"{API}/tables", json={**doc, "version": version}).status_code == 422  # same version twice
        bad = c.post(f"{API}/tables", json={**doc, "version": version + "b", "data": {"baseline_h": "x"}})
        assert bad.status_code == 422 and "核查规则参数表" in bad.json()["detail"]
    finally:
        r = c.post(f"{API}/tables/verify_params/VERIFY-1.0/activate")
        assert r.status_code == 200 and r.json()["active"]
    with backend["factory"]() as db:
        recs = db.scalars(select(AuditRecord).where(AuditRecord.object_type == "emergency_table_version",
                                                    AuditRecord.object_id.like(f"verify_params:%"))
                          .order_by(AuditRecord.id)).all()
        assert recs[-1].before["version"] == version and recs[-1].after["version"] == "VERIFY-1.0"
        assert any(x.action == "create" and x.after["version"] == version for x in recs)


def test_imports_refuse_bad_files_with_row_errors(clients, em):
    c = clients["staff"]
    bad = "city,block_start,aqi\n大同市,2026-13-01,200\n大同市,2026-12-02,很高\n".encode()
    r = c.post(f"{API}/forecasts", data={"run_time": "2026-11-30T12:00"}, files={"file": ("坏预报.csv", bad)})
    assert r.status_code == 422
    errs = r.json()["errors"]
    assert {(e["row"], e["field"]) for e in errs} == {(2, "block_start"), (3, "aqi")}
    assert all("坏预报.csv" in e["message"] for e in errs)
    r = c.post(f"{API}/forecasts", data={"run_time": "明天"}, files={"file": ("f.csv", b"city,block_start,aqi\n")})
    assert r.status_code == 422 and "预报发布时间" in r.json()["detail"]
    rows = [dict(E2_ROW, 生产线="熟料线9", 绩效等级="E")]
    r = c.post(f"{API}/lists", files={"file": ("坏清单.xlsx", list_workbook(rows))})
    assert r.status_code == 422 and any(e["field"] == "绩效等级" for e in r.json()["errors"])
    r = c.post(f"{API}/lists", files={"file": ("不是表格.xlsx", b"not a zip")})
    assert r.status_code == 422 and "无法读取" in r.json()["detail"]
    r = c.post(f"{API}/forecasts", data={"run_time": "2026-11-30T12:00"}, files={"file": ("预报.xlsx", b"PK\x03\x04junk")})
    assert r.status_code == 422 and "无法读取" in r.json()["detail"]
    r = c.post(f"{API}/forecasts", data={"run_time": "2026-11-30T12:00", "step_hours": "5"},
               files={"file": ("浓度.csv", b"city,step_start,pm25\n")})
    assert r.status_code == 422 and "整除 24" in r.json()["detail"]
    r = c.post(f"{API}/forecasts", data={"run_time": "9999-12-31T23:59"}, files={"file": ("f.csv", b"city,block_start,aqi\n")})
    assert r.status_code == 422 and "1900" in r.json()["detail"]
    doc = c.get(f"{API}/tables/grade_measures/2020-guide").json()
    r = c.post(f"{API}/tables", json={**doc, "version": "坏形状", "data": {"industries": ["cement"]}})
    assert r.status_code == 422 and "格式不符" in r.json()["detail"]


def test_document_number_recorded_and_audited(backend, clients, em):
    rep = clients["staff"].get(f"{API}/alerts/{em['alert_id']}").json()
    aid = rep["actions"][0]["id"]
    r = clients["staff"].put(f"{API}/actions/{aid}/document-no", json={"document_no": "同环应急〔2026〕7号"})
    assert r.status_code == 200 and r.json()["document_no"] == "同环应急〔2026〕7号"
    rid = r.headers["X-Request-ID"]
    with backend["factory"]() as db:
        rec = db.scalar(select(AuditRecord).where(AuditRecord.request_id == rid))
        assert rec.action == "update" and rec.after == {"document_no": "同环应急〔2026〕7号"}
    assert clients["staff"].put(f"{API}/actions/{aid}/document-no", json={"document_no": "号" * 81}).status_code == 422


@pytest.mark.parametrize("path", [
    f"{API}/alerts/0", f"{API}/alerts/-1", f"{API}/alerts/{2**63}", f"{API}/alerts/abc",
    f"{API}/lists/1?county=14021", f"{API}/current?at=明天", f"{API}/noncomplying?from=2026-12-01&to=2026-11-01",
    f"{API}/tables/nope", f"{API}/tables/nope/1", f"{API}/forecasts?kind=other", f"{API}/alerts?limit=0",
    "/emergency/alerts/0", "/emergency/list?list=0",
])
def test_bad_input_is_a_chinese_422(clients, em, path):
    r = clients["staff"].get(path)
    assert r.status_code in (404, 422), (path, r.status_code, r.text[:200])
    if r.status_code == 422:
        body = r.json()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"] + str(body.get("errors", "")))


def test_unknown_objects_are_a_chinese_404(clients, em):
    for path in (f"{API}/alerts/999999", f"{API}/verifications/999999", f"{API}/forecasts/999999/chart",
                 f"{API}/verifications/{em['verification_id']}/enterprises/999999", f"{API}/tables/verify_params/无此版本"):
        r = clients["staff"].get(path)
        assert r.status_code == 404 and "不存在" in r.json()["detail"] or "没有" in r.json()["detail"], (path, r.text)


def test_pages_render_the_figures(clients, em):
    c = clients["leader"]
    a, v = em["alert_id"], em["verification_id"]
    page = c.get(f"/emergency/alerts/{a}").text
    assert "橙色预警" in page and "发布" in page and "口径：预警分级阈值 2024（已确认）" in page
    page = c.get(f"/emergency/verifications/{v}").text
    assert "未达到减排要求" in page and "-3.4%" in page and "生成整改台账" not in page  # leader: no button
    page = clients["staff"].get(f"/emergency/verifications/{v}").text
    assert 'id="make-ledger"' in page and "减排核查规则参数（VERIFY-1） VERIFY-1.0（项目默认）" in page
    page = c.get(f"/emergency/verifications/{v}/enterprises/{em['e2']}").text
    assert "10.400 kg/h" in page and "8.509 kg/h" in page and 'data-option="rate-0"' in page
    page = c.get("/emergency/list", params={"list": em["list_id"], "grade": "B"}).text
    assert E2_ROW["企业名称"] in page and "测试焦化厂" not in page and "城市减排量核算" in page
    page = c.get(f"/emergency/alerts/{a}/live/panel").text
    assert "未达到减排要求" in page and "VERIFY-1 为项目默认规则" in page


def test_page_forms_refuse_and_report_errors(clients, em):
    r = clients["leader"].post(f"/emergency/verifications/{em['verification_id']}/ledger",
                               data={"csrf_token": clients["leader"].headers["X-CSRF-Token"]})
    assert r.status_code == 403 and "仅限市生态环境局工作人员" in r.text
    s = clients["staff"]
    r = s.post("/emergency/list/import", data={"csrf_token": s.headers["X-CSRF-Token"]},
               files={"file": ("坏清单.xlsx", list_workbook([dict(E2_ROW, 生产线="熟料线9", 绩效等级="E")]))})
    assert r.status_code == 422 and "绩效等级" in r.text and "未导入任何数据" in r.text
    r = s.post("/emergency/tables", data={"csrf_token": s.headers["X-CSRF-Token"], "doc": "{不是 JSON"})
    assert r.status_code == 422 and "不是有效的 JSON" in r.text
    r = s.post("/emergency/forecasts/import", data={"csrf_token": s.headers["X-CSRF-Token"], "run_time": "昨天"},
               files={"file": ("f.csv", b"city,block_start,aqi\n")})
    assert r.status_code == 422 and "预报发布时间" in r.text
