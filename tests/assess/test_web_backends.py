"""The targets API on both backends (the workspace's SQLite file and the local PostgreSQL): an
Excel upload, an audited edit, the export round trip and the refusals — server mode against the
real database, not a mock."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qingshan.core.audit import AuditRecord


def _xlsx() -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in {
        "单位": [["代码", "名称", "类型", "排序", "起始日期"], ["140200", "大同市", "市", 0, "2018-05-01"],
                 ["140213", "平城区", "区", 1, "2018-05-01"], ["140214", "云冈区", "区", 2, "2018-05-01"]],
        "目标": [["年度", "单位代码", "指标", "目标值", "依据文件", "基准值"],
                 [2030, "140200", "pm25", "26", "测试〔2030〕1号", "28"], [2030, "140213", "good_ratio", "86.5", "测试", None]],
    }.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_targets_api_on_both_backends(backend, clients):
    admin, staff, leader = clients["admin"], clients["staff"], clients["leader"]
    r = admin.post("/api/targets/import", files={"file": ("目标2030.xlsx", _xlsx())})
    assert r.status_code == 200, r.text
    assert (r.json()["units"], r.json()["targets"]) == (3, 2)
    again = admin.post("/api/targets/import", files={"file": ("目标2030.xlsx", _xlsx())})
    assert again.status_code == 200 and again.json()["changed"] == 0
    got = {(t["unit_code"], t["indicator"]): t for t in leader.get("/api/targets/2030").json()}
    assert got[("140200", "pm25")]["base_value"] == "28" and got[("140213", "good_ratio")]["decimals"] == 1
    r = admin.put("/api/targets/2030/140213/good_ratio", json={"value": "87.0", "source_doc": "测试〔2030〕2号"})
    assert r.status_code == 200 and r.json()["before"]["value"] == "86.5"
    with backend["factory"]() as db:
        rec = db.scalars(select(AuditRecord).where(AuditRecord.request_id == r.headers["x-request-id"])).all()
    assert [(a.action, a.object_type, a.before["value"], a.after["value"]) for a in rec] == [
        ("update", "targets_target", "86.5", "87.0")]
    r = staff.put("/api/targets/2030/140213/good_ratio", json={"value": "80", "source_doc": "x"})
    assert r.status_code == 403
    r = admin.put("/api/targets/2030/140213/good_ratio", json={"value": "八十", "source_doc": "x"})
    assert r.status_code == 422 and "不是数值" in r.json()["detail"]
    book = load_workbook(io.BytesIO(leader.get("/api/targets/export/2030").content))
    assert [list(r) for r in book["目标"].iter_rows(min_row=2, max_col=4, values_only=True)] == [
        [2030, "140200", "pm25", "26"], [2030, "140213", "good_ratio", "87.0"]]
    # a station list may only name registered stations (this database has none)
    r = admin.put("/api/targets/units/140213/stations", json={"stations": ["1723A"], "valid_from": "2030-01-01"})
    assert r.status_code == 422 and "站点登记中没有" in r.json()["detail"]
