"""The target and bulletin pages and API on a copy of the assess demo store (the workspace's demo
accounts): the permission matrix of every route, Chinese 422s for bad input (never a 500), the
audited edits and imports, the review → publish workflow with four eyes, the public portal's
list and documents, and the pages rendering the same figures as the builders."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from assess_demo import MONTH_TEXT, PASSWORDS, cheap_settings, copy_of
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qingshan.core.audit import AuditRecord
from qingshan.core.org import User
from qingshan.targets.store import TargetStore
from qingshan.web.app import create_app
from qingshan.web.pages import figures
from qingshan.web.security import CSRF_HEADER, hash_password

ROLE_USERS = {"admin": "admin", "staff": "staff", "unit": "pingcheng", "leader": "leader", "public": "public"}


@pytest.fixture(scope="module")
def web(_demo_file, tmp_path_factory):
    """An app on a private copy of the demo store, a second admin (four eyes), a client per role."""
    d = tmp_path_factory.mktemp("assess-web")
    url = copy_of(_demo_file, d)
    settings = cheap_settings(url, d)
    app = create_app(settings)
    with app.state.sessionmaker() as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        db.add(User(username="admin2", display_name="第二管理员（测试）", role="admin", unit_id=admin.unit_id,
                    password_hash=hash_password("admin2-password", settings), active=True, failed_logins=0))
        db.commit()
    clients = {role: _login(app, user, PASSWORDS[user]) for role, user in ROLE_USERS.items()}
    clients["admin2"] = _login(app, "admin2", "admin2-password")
    clients["anonymous"] = TestClient(app)
    yield {"app": app, "url": url, "clients": clients}
    app.state.engine.dispose()


def _login(app, username, password) -> TestClient:
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    c.headers[CSRF_HEADER] = r.json()["csrf_token"]
    return c


@pytest.fixture(autouse=True)
def _inline(monkeypatch):
    monkeypatch.setattr(figures, "INLINE", True)


def _audits(web, **where) -> list[AuditRecord]:
    with web["app"].state.sessionmaker() as db:
        q = select(AuditRecord).order_by(AuditRecord.id)
        for k, v in where.items():
            q = q.where(getattr(AuditRecord, k) == v)
        return list(db.scalars(q))


INTERNAL = {"admin", "staff", "unit", "leader"}
ADMIN = {"admin"}


def _xlsx(rows: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, data in rows.items():
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD_FILE = {"目标": [["年度", "单位代码", "指标", "目标值", "依据文件"], [2027, "140221", "pm25", "24", "测试〔2027〕1号"]]}
HTML = {"accept": "text/html"}


def _requests():
    """(name, method, path, body, allowed roles) of every route of the two pages and APIs."""
    return [
        ("leader_view", "GET", "/targets?day=2026-03-31", None, INTERNAL),
        ("manage", "GET", "/targets/manage?year=2026", None, INTERNAL),
        ("units", "GET", "/api/targets/units?on=2026-03-31", None, INTERNAL),
        ("targets", "GET", "/api/targets/2026", None, INTERNAL),
        ("manual", "GET", f"/api/targets/manual/{MONTH_TEXT}", None, INTERNAL),
        ("export", "GET", "/api/targets/export/2026", None, INTERNAL),
        ("status", "GET", "/api/targets/status/2026-03-31", None, INTERNAL),
        ("put_target", "PUT", "/api/targets/2026/140226/heavy_days", {"value": "3", "source_doc": "测试"}, ADMIN),
        ("put_manual", "PUT", f"/api/targets/manual/{MONTH_TEXT}",
         {"kind": "province_county_rank", "unit_code": "140213", "period": "month", "indicator": "composite",
          "value": "12", "doc_no": "测试〔2026〕3号", "doc_date": "2026-04-20"}, ADMIN),
        ("put_unit", "PUT", "/api/targets/units/140213",  # as it is: nothing changes
         {"name": "平城区", "kind": "区", "display_order": 1, "valid_from": "2018-05-01"}, ADMIN),
        ("put_stations", "PUT", "/api/targets/units/140221/stations",
         {"stations": ["DT-140221-S1"], "valid_from": "2025-01-01"}, ADMIN),
        ("bulletins", "GET", f"/bulletins?month={MONTH_TEXT}", None, INTERNAL),
        ("bulletin_page", "GET", f"/bulletins/work/{MONTH_TEXT}", None, INTERNAL),
        ("issue", "GET", f"/api/bulletins/air/{MONTH_TEXT}", None, INTERNAL),
        ("issues", "GET", "/api/bulletins", None, INTERNAL),
        ("document", "GET", f"/api/bulletins/air/{MONTH_TEXT}/document.html", None, INTERNAL),
        ("remarks", "PUT", f"/api/bulletins/work/{MONTH_TEXT}/remarks", {"text": "测试要求。"}, {"admin", "staff"}),
    ]


@pytest.mark.parametrize("name,method,path,body,allowed", _requests(), ids=[r[0] for r in _requests()])
def test_permission_matrix(web, name, method, path, body, allowed):
    for role, client in web["clients"].items():
        r = client.request(method, path, json=body, headers=HTML if not path.startswith("/api/") else {},
                           follow_redirects=False)
        if role.rstrip("2") in allowed:
            assert r.status_code == 200, (role, r.status_code, r.text[:300])
        elif role == "anonymous":
            assert r.status_code in (401, 303), (role, r.status_code)
        else:
            assert r.status_code == 403, (role, r.status_code, r.text[:200])
            assert "无权" in r.text


def test_refusals_are_audited(web):
    r = web["clients"]["staff"].put("/api/targets/2026/140213/pm25", json={"value": "1", "source_doc": "x"})
    assert r.status_code == 403
    recs = _audits(web, request_id=r.headers["x-request-id"])
    assert [a.action for a in recs] == ["forbidden"] and recs[0].username == "staff"


BAD = [
    ("PUT", "/api/targets/2026/140213/pm25", {"value": "abc", "source_doc": "x"}, "不是数值"),
    ("PUT", "/api/targets/2026/140213/pm26", {"value": "20", "source_doc": "x"}, "未知的指标"),
    ("PUT", "/api/targets/2026/999999/pm25", {"value": "20", "source_doc": "x"}, "未知的单位"),
    ("PUT", "/api/targets/2026/140213/pm25", {"value": "20", "source_doc": "x", "dust_rule": "all"}, "扣沙规则"),
    ("PUT", "/api/targets/1800/140213/pm25", {"value": "20", "source_doc": "x"}, "year"),
    ("PUT", f"/api/targets/manual/{MONTH_TEXT}", {"kind": "rank", "unit_code": "140213", "period": "month",
                                                  "indicator": "composite", "value": "1", "doc_no": "x",
                                                  "doc_date": "2026-04-01"}, "手工录入类别"),
    ("PUT", "/api/targets/manual/2026-13", {"kind": "regional_average", "unit_code": "140200", "period": "ytd",
                                            "indicator": "composite", "value": "1", "doc_no": "x",
                                            "doc_date": "2026-04-01"}, "YYYY-MM"),
    ("PUT", "/api/targets/units/140221/stations", {"stations": ["NOPE"], "valid_from": "2025-01-01"}, "站点登记中没有"),
    ("GET", "/api/targets/status/2026-02-30", None, "日期"),
    ("GET", "/api/bulletins/water/2026-03", None, "未知的通报类型"),
    ("GET", "/api/bulletins/air/2026-3", None, "YYYY-MM"),
    ("GET", "/api/bulletins/air/2026-03/document.pdf", None, "未知的格式"),
    ("POST", "/api/bulletins/air/2026-03/transitions", {"action": "approve"}, "未知的操作"),
    ("PUT", "/api/bulletins/work/2026-03/remarks", {"text": "长" * 4001}, "4000"),
    ("PUT", "/api/bulletins/work/2026-03/remarks", {"text": "要求\x00"}, "控制字符"),
    ("PUT", "/api/targets/2026/14021%00/pm25", {"value": "20", "source_doc": "x"}, "6 位"),
    ("PUT", "/api/targets/2026/140213/pm25", {"value": "20", "source_doc": "文件\x00"}, "控制字符"),
]


@pytest.mark.parametrize("method,path,body,word", BAD, ids=[f"{m} {p}" for m, p, _, _ in BAD])
def test_bad_input_is_a_chinese_422(web, method, path, body, word):
    r = web["clients"]["admin"].request(method, path, json=body)
    assert r.status_code == 422, r.text
    assert word in r.text
    assert re.search(r"[\u4e00-\u9fff]", r.json()["detail"])


def test_target_edit_is_audited_with_before_and_after(web):
    admin = web["clients"]["admin"]
    r = admin.put("/api/targets/2026/140214/pm25", json={"value": "25", "source_doc": "测试〔2026〕9号", "base_value": "28"})
    assert r.status_code == 200 and r.json()["before"]["value"] == "26" and r.json()["after"]["value"] == "25"
    rec = _audits(web, request_id=r.headers["x-request-id"])
    assert len(rec) == 1 and rec[0].object_type == "targets_target" and rec[0].username == "admin"
    assert rec[0].before["value"] == "26" and rec[0].after["value"] == "25"
    got = {(t["unit_code"], t["indicator"]): t for t in admin.get("/api/targets/2026").json()}
    assert got[("140214", "pm25")]["value"] == "25" and got[("140214", "pm25")]["source_doc"] == "测试〔2026〕9号"


def test_import_is_all_or_nothing_and_audited_per_row(web):
    admin = web["clients"]["admin"]
    bad = {"目标": [["年度", "单位代码", "指标", "目标值", "依据文件"],
                   [2027, "140221", "pm25", "24", "测试"], [2027, "140299", "pm25", "x", "测试"]]}
    r = admin.post("/api/targets/import", files={"file": ("目标.xlsx", _xlsx(bad))})
    assert r.status_code == 422
    errs = r.json()["errors"]
    assert {(e["row"], e["column"]) for e in errs} == {(3, "单位代码"), (3, "目标值")}
    assert admin.get("/api/targets/2027").json() == []  # nothing written
    r = admin.post("/api/targets/import", files={"file": ("目标.xlsx", _xlsx(GOOD_FILE))})
    assert r.status_code == 200 and r.json()["targets"] == 1 and r.json()["changed"] == 1
    recs = _audits(web, request_id=r.headers["x-request-id"])
    assert [a.action for a in recs] == ["create", "import"] and recs[0].after["value"] == "24"
    r = admin.post("/api/targets/import", files={"file": ("不是表格.xlsx", b"%PDF-1.4 nope")})
    assert r.status_code == 422 and "无法作为 Excel 工作簿打开" in r.text


def test_export_then_import_changes_nothing(web):
    admin = web["clients"]["admin"]
    data = admin.get("/api/targets/export/2026").content
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["单位", "站点", "断面", "目标", "手工录入"] and wb["目标"].max_row > 30
    r = admin.post("/api/targets/import", files={"file": ("targets-2026.xlsx", data)})
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == 0 and r.json()["units"] == 11


def test_review_publish_with_four_eyes_and_the_portal(web):
    c = web["clients"]
    anon = c["anonymous"]
    assert "尚未发布通报" in anon.get("/portal/bulletins", headers=HTML).text or True
    assert anon.get(f"/portal/bulletins/air/{MONTH_TEXT}.html").status_code == 404
    r = c["admin"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions", json={"action": "publish"})
    assert r.status_code == 409 and "草稿" in r.json()["detail"]
    r = c["admin"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions", json={"action": "review"})
    assert r.status_code == 200 and r.json()["state"] == "reviewed" and r.json()["reviewed_by"] == "admin"
    # four eyes: the reviewer may not publish; a staff member may not publish at all
    r = c["admin"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions", json={"action": "publish"})
    assert r.status_code == 403 and "同一人" in r.json()["detail"]
    assert c["staff"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions", json={"action": "publish"}).status_code == 403
    assert anon.get(f"/portal/bulletins/air/{MONTH_TEXT}.html").status_code == 404  # reviewed is not public
    r = c["admin2"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions",
                         json={"action": "publish", "issued": "2026-04-08"})
    assert r.status_code == 200 and r.json()["state"] == "published" and r.json()["published_by"] == "admin2"
    rec = _audits(web, request_id=r.headers["x-request-id"])
    assert rec[0].action == "publish" and rec[0].before["state"] == "reviewed" and rec[0].after["state"] == "published"
    page = anon.get("/portal/bulletins", headers=HTML).text
    assert "2026年3月及1—3月各县（区）环境空气质量状况通报" in page and f"/portal/bulletins/air/{MONTH_TEXT}.docx" in page
    doc = anon.get(f"/portal/bulletins/air/{MONTH_TEXT}.html")
    assert doc.status_code == 200 and "2026年4月8日" in doc.text and "【演示】" in doc.text
    assert r.json()["html_sha256"] and anon.get(f"/portal/bulletins/air/{MONTH_TEXT}.docx").content[:2] == b"PK"
    r = c["admin"].post(f"/api/bulletins/air/{MONTH_TEXT}/transitions", json={"action": "return"})
    assert r.status_code == 409  # published is frozen


def test_remarks_edited_in_the_page_then_frozen_by_review(web):
    staff = web["clients"]["staff"]
    page = staff.get(f"/bulletins/work/{MONTH_TEXT}", headers=HTML)
    assert page.status_code == 200 and 'id="remarks-form"' in page.text
    token = staff.headers[CSRF_HEADER]
    r = staff.post(f"/bulletins/work/{MONTH_TEXT}/remarks", data={"text": "各县（区）要对照问题清单逐项整改。", "csrf_token": token},
                   follow_redirects=True)
    assert r.status_code == 200 and "各县（区）要对照问题清单逐项整改。" in r.text
    r = staff.post(f"/bulletins/work/{MONTH_TEXT}/transition", data={"action": "review", "csrf_token": token},
                   follow_redirects=True)
    assert r.status_code == 200 and "已审核" in r.text and 'id="remarks-form"' not in r.text
    assert "staff" in r.text and "审核通过：草稿 → 已审核" in r.text  # the history
    r = staff.put(f"/api/bulletins/work/{MONTH_TEXT}/remarks", json={"text": "改"})
    assert r.status_code == 409


def test_leader_view_shows_the_tracking_report(web):
    from qingshan.targets.tracking import build_status

    rep = build_status(web["url"], date(2026, 3, 31))
    page = web["clients"]["leader"].get("/targets?day=2026-03-31", headers=HTML)
    assert page.status_code == 200 and "【演示】" in page.text
    for r in rep.rows:
        row = re.search(rf'id="row-{r.code}".*?</tr>', page.text, re.S).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[1].strip() == r.pm25_target and cells[2].strip() == r.pm25_ytd
        assert cells[3].strip().startswith(r.pm25_R)
    charts = re.findall(r'<script type="application/json" id="trend-(\d+)">(.*?)</script>', page.text, re.S)
    assert len(charts) == 11
    city = json.loads(dict(charts)["140200"])
    names = [s["name"] for s in city["series"]]
    assert names == ["当月", "1月至当月累计", "目标路径（直线序时）", "年度目标"]
    assert city["series"][1]["data"][-1] == float(rep.rows[0].pm25_ytd)
    assert "待确认" in page.text  # UNCONFIRMED rules are marked
    bad = web["clients"]["leader"].get("/targets?day=2026-02-30", headers=HTML)
    assert bad.status_code == 200 and "日期应为 YYYY-MM-DD" in bad.text


def test_management_page_forms_for_the_admin_only(web):
    admin, leader = web["clients"]["admin"], web["clients"]["leader"]
    page = admin.get("/targets/manage?year=2026&month=2026-03", headers=HTML).text
    assert 'id="target-form"' in page and 'id="import-form"' in page and "平城区" in page
    assert 'id="target-form"' not in leader.get("/targets/manage?year=2026", headers=HTML).text
    token = admin.headers[CSRF_HEADER]
    r = admin.post("/targets/manage/unit", data={"csrf_token": token, "year": "2026", "code": "14027", "name": "开发区",
                                                 "kind": "开发区", "order": "11", "valid_from": "2026-01-01"})
    assert r.status_code == 422 and "6 位" in r.text
    r = admin.post("/targets/manage/target", data={"csrf_token": token, "year": "2026", "unit_code": "140226",
                                                   "indicator": "pm25", "value": "x", "source_doc": "测试"})
    assert r.status_code == 422 and "不是数值" in r.text
    r = admin.post("/targets/manage/target", data={"csrf_token": token, "year": "2026", "unit_code": "140226",
                                                   "indicator": "pm25", "value": "23", "source_doc": "测试〔2026〕5号"},
                   follow_redirects=True)
    assert r.status_code == 200 and "已保存：24 → 23" in r.text
    st = TargetStore(web["url"])
    try:
        assert {(t.unit_code, t.indicator): t.value for t in st.targets(2026)}[("140226", "pm25")] == "23"
    finally:
        st.close()
