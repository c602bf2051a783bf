"""The landwaste API and pages over the demo content, on SQLite and on the local PostgreSQL:
the permission matrix of every route, bad input (422/404 in Chinese, never a 500), the figures
against the spec's worked examples, pond photos (sniffed, stored outside the web root, audited)
and the §6.6 closure gate through the ledger API."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

import pgutil
from qingshan.core.audit import AuditRecord
from qingshan.web.security import CSRF_HEADER

PG_DB = "qingshan_test_landwaste_web"
_PG_LOCK = 0x6C776562  # "lweb"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
EXE = b"MZ\x90\x00" + b"\0" * 100
PASSWORDS = {}


def _build(url: str, home: Path):
    from qingshan.demo.landwaste import build_landwaste_demo
    from qingshan.landwaste.ponds.models import Pond, PondGrade
    from qingshan.store.db import make_engine
    from qingshan.store.migrate import upgrade
    from qingshan.web.app import create_app
    from qingshan.web.security import WebSettings
    from qingshan.web.seed import seed_demo

    upgrade(url)
    settings = WebSettings(database_url=url, home=home, migrate=False, max_attachment_bytes=64 * 1024,
                           argon2_time_cost=1, argon2_memory_kib=1024, ip_failures_per_window=10_000)
    PASSWORDS.update(seed_demo(url, settings=settings, migrate=False))
    eng = make_engine(url)
    build_landwaste_demo(eng, ledger=True, home=home)
    with Session(eng) as s:  # a pond of 平城区, the demo unit account's county
        p = Pond(code="DT-WK-PC1", name="平城测试尾矿库（合成）", county_code="140213", status="在用", demo=True)
        s.add(p)
        s.flush()
        s.add(PondGrade(pond_id=p.id, grade=2, valid_from=date(2026, 1, 1), list_year=2026, document="（假设）清单"))
        s.commit()
    eng.dispose()
    return create_app(settings)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request, tmp_path_factory, frozen_now):
    from qingshan.core import clock

    home = tmp_path_factory.mktemp(f"lw-web-{request.param}")
    if request.param == "sqlite":
        db_dir = Path(tempfile.mkdtemp(prefix="qingshan-lw-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
        with clock.frozen(frozen_now):
            app = _build(f"sqlite:///{db_dir / 'lw.db'}", home)
        yield {"app": app, "home": home, "backend": "sqlite"}
        app.state.engine.dispose()
        shutil.rmtree(db_dir, ignore_errors=True)
        return
    with pgutil.exclusive(PG_DB, _PG_LOCK, lambda: pgutil.reset_schema(PG_DB)) as url:
        with clock.frozen(frozen_now):
            app = _build(url, home)
        yield {"app": app, "home": home, "backend": "postgres"}
        app.state.engine.dispose()


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    yield


def _login(app, username):
    c = TestClient(app)
    r = c.post("/api/auth/login", json={"username": username, "password": PASSWORDS[username]})
    assert r.status_code == 200, r.text
    c.headers[CSRF_HEADER] = r.json()["csrf_token"]
    return c


@pytest.fixture(scope="module")
def clients(site):
    app = site["app"]
    out = {role: _login(app, name) for role, name in (("admin", "admin"), ("staff", "staff"), ("unit", "pingcheng"),
                                                      ("leader", "leader"), ("public", "public"))}
    out["anonymous"] = TestClient(app)
    return out


def _audits(site, request_id: str) -> list[str]:
    with site["app"].state.sessionmaker() as db:
        return [a.action for a in db.scalars(select(AuditRecord).where(AuditRecord.request_id == request_id))]


READS = ["/api/landwaste/soil/overview", "/api/landwaste/soil/samples/DEMO-S-2", "/api/landwaste/waste/rates",
         "/api/landwaste/waste/balance-failures", "/api/landwaste/waste/generators/{uscc}", "/api/landwaste/waste/manifests",
         "/api/landwaste/ponds", "/api/landwaste/ponds/DT-WK-007"]
PAGES = ["/soil", "/soil/samples/DEMO-S-2", "/waste", "/waste/generators/{uscc}", "/waste/manifests", "/ponds",
         "/ponds/DT-WK-007"]


def _uscc():
    from qingshan.demo.landwaste import COKING

    return COKING[1]


def test_read_permission_matrix(site, clients):
    for path in READS + PAGES:
        path = path.format(uscc=_uscc())
        api = path.startswith("/api/")
        r = clients["anonymous"].get(path, headers={"accept": "application/json" if api else "text/html"},
                                     follow_redirects=False)
        assert r.status_code == (401 if api else 303), (path, r.status_code)
        r = clients["public"].get(path)
        assert r.status_code == 403, (path, r.status_code)
        assert "forbidden" in _audits(site, r.headers["X-Request-ID"]), path
        for role in ("unit", "leader", "staff", "admin"):
            r = clients[role].get(path)
            assert r.status_code == 200, (path, role, r.status_code, r.text[:200])


def test_bureau_actions_matrix(site, clients):
    for role in ("unit", "leader", "public"):
        r = clients[role].post("/api/landwaste/waste/manifests/alarms")
        assert r.status_code == 403 and "无权" in r.json()["detail"], role
        r = clients[role].post("/api/landwaste/ponds/DT-WK-012/hazards", json={"title": "测试", "grade": "一般"})
        assert r.status_code == 403, role
    r = clients["anonymous"].post("/api/landwaste/waste/manifests/alarms")
    assert r.status_code in (401, 403)
    r = clients["staff"].post("/api/landwaste/waste/manifests/alarms")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items_opened"] == []  # the demo's alarm run opened the E4 item already: idempotent
    assert body["today"] == "2026-11-29" and body["open_total"] >= 1


BAD = [
    ("/api/landwaste/waste/rates?first=2026-13", "不是有效月份"),
    ("/api/landwaste/waste/rates?first=2026-05&last=2026-02", "晚于截止月份"),
    ("/api/landwaste/waste/rates?first=May", "字段"),
    ("/api/landwaste/waste/balance-failures?uscc=abc", "字段"),
    ("/api/landwaste/waste/generators/not-a-credit-code", "字段"),
    ("/api/landwaste/waste/manifests?day=2026-02-30", "日期"),
    ("/api/landwaste/waste/manifests?day=9999-01-01", "超出范围"),
    ("/api/landwaste/ponds?year=1800", "字段"),
    ("/api/landwaste/ponds?year=99999999999999999999", "字段"),
    ("/api/landwaste/ponds?grade=4", "字段"),
    ("/api/landwaste/ponds?county=abc", "字段"),
    ("/api/landwaste/ponds/DT-WK-007/files/0", "字段"),
    ("/api/landwaste/ponds/DT-WK-007/files/9223372036854775808", "字段"),
    ("/api/landwaste/soil/overview?survey=" + "x" * 41, "过长"),
    ("/api/landwaste/soil/samples/" + "x" * 61, "过长"),
]


def test_bad_input_is_a_chinese_422(clients):
    c = clients["staff"]
    for path, words in BAD:
        r = c.get(path)
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
        assert words in json.dumps(r.json(), ensure_ascii=False), (path, r.text[:300])
    for path, words in (("/api/landwaste/soil/samples/NOPE", "样品「NOPE」不存在"), ("/api/landwaste/ponds/NOPE", "不存在"),
                        ("/api/landwaste/waste/generators/91140000MA0000000X", "未登记"),
                        ("/api/landwaste/ponds/DT-WK-007/files/999999", "没有编号为 999999")):
        r = c.get(path)
        assert r.status_code == 404 and words in r.json()["detail"], (path, r.text)
    for body, words in (({"title": "x", "grade": "特大"}, "不是可选值"), ({"title": "", "grade": "一般"}, "字段"),
                        ({"title": "排洪沟堵塞", "grade": "重大"}, "重大隐患"),
                        ({"title": "x", "grade": "一般", "found_on": "2026-02-30"}, "日期"),
                        ({"title": "x", "grade": "一般", "deadline": "3000-01-01"}, "超出范围")):
        r = c.post("/api/landwaste/ponds/DT-WK-012/hazards", json=body)
        assert r.status_code == 422 and words in json.dumps(r.json(), ensure_ascii=False), (body, r.text)
    # pages never fail on a bad link: they fall back to the default
    for path in ("/waste?first=abc&last=2026-99", "/ponds?year=abc&grade=9&county=x", "/soil?survey=" + "y" * 500):
        assert c.get(path).status_code == 200, path


def test_api_figures_are_the_worked_examples(clients):
    c = clients["leader"]
    ov = c.get("/api/landwaste/soil/overview").json()
    assert len(ov["points"]) == 18 and ov["demo"]
    site_plot = next(p for p in ov["plots"] if p["code"] == "DEMO-K1")
    assert site_plot["decision_set_by"] == [["DEMO-S-2", "苯"]]  # E2: S-2 benzene 45 > I2 40
    s2 = c.get("/api/landwaste/soil/samples/DEMO-S-2").json()
    benzene = next(i for i in s2["items"] if i["item"] == "苯")
    assert (benzene["screening"], benzene["intervention"], benzene["index"]) == ("4", "40", "11.25")  # E2: P 11.25
    rates = c.get(f"/api/landwaste/waste/rates?first=2026-11&last=2026-11").json()
    plant = next(r for r in rates["enterprises"] if r["name"].startswith("演示燃煤电厂"))
    # E3 plant: G 58 271.0 t, R_u = 52370/60371 = 86.75 %
    assert plant["generated_t"] == "58271" and plant["utilisation_exact"] == "52370/60371"
    assert plant["utilisation_pct"] == "86.75"
    failures = c.get("/api/landwaste/waste/balance-failures").json()
    assert [f["month"] for f in failures["failures"] if f["kind"] == "rejected"] == ["2026-07-01"]
    man = c.get("/api/landwaste/waste/manifests").json()
    [late] = man["overdue"]
    assert late["number"] == "20261402000123" and late["confirm_due"] == "2026-11-26"  # E4
    item = c.get(f"/api/ledgers/{late['ledger_item_id']}").json()
    assert item["fields"]["hazard_type"] == "危险废物" and item["fields"]["manifest_number"] == late["number"]
    ponds = c.get("/api/landwaste/ponds?year=2026").json()
    assert ponds["by_grade"] == {"一级": 2, "二级": 2, "三级": 1}
    f = c.get("/api/landwaste/ponds/DT-WK-007").json()
    assert [h["title"] for h in f["hazards"]] == ["回水池防渗膜破损（演示）"] and f["hazards"][0]["status"] == "submitted"
    assert len(f["attachments"]) == 1 and f["attachments"][0]["is_image"]


def test_pond_files_upload_and_download(site, clients):
    r = clients["staff"].post("/api/landwaste/ponds/DT-WK-012/files", files={"file": ("坝体.png", PNG, "image/png")},
                              data={"caption": "坝体巡查照片", "taken_on": "2026-11-20"})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["taken_on"] == "2026-11-20" and got["is_image"]
    stored = list((site["home"] / "attachments").glob("pond-*/*.png"))
    assert stored and all("static" not in str(p) for p in stored)
    d = clients["leader"].get(got["url"])
    assert d.status_code == 200 and d.content == PNG
    assert d.headers["x-content-type-options"] == "nosniff" and d.headers["content-disposition"].startswith("attachment")
    assert clients["public"].get(got["url"]).status_code == 403
    # the unit of 平城区 may add to its own county's pond, not to 浑源's
    assert clients["unit"].post("/api/landwaste/ponds/DT-WK-PC1/files",
                                files={"file": ("现场.png", PNG, "image/png")}).status_code == 201
    r = clients["unit"].post("/api/landwaste/ponds/DT-WK-012/files", files={"file": ("现场.png", PNG, "image/png")})
    assert r.status_code == 403 and "所在县" in r.json()["detail"]
    assert "forbidden" in _audits(site, r.headers["X-Request-ID"])
    assert clients["leader"].post("/api/landwaste/ponds/DT-WK-012/files",
                                  files={"file": ("a.png", PNG, "image/png")}).status_code == 403
    for name, data, status, words in (("照片.jpg", EXE, 415, "Windows 可执行文件"), ("报告.pdf", PNG, 415, "不符"),
                                      ("大.png", PNG + b"\0" * (64 * 1024), 413, "超过上限"), ("空.png", b"", 422, "空文件")):
        r = clients["staff"].post("/api/landwaste/ponds/DT-WK-012/files", files={"file": (name, data, "image/png")})
        assert r.status_code == status and words in r.json()["detail"], (name, r.text)
    r = clients["staff"].post("/api/landwaste/ponds/DT-WK-012/files", files={"file": ("a.png", PNG, "image/png")},
                              data={"taken_on": "昨天"})
    assert r.status_code == 422 and "拍摄日期" in r.json()["detail"]
    with site["app"].state.sessionmaker() as db:
        audited = list(db.scalars(select(AuditRecord).where(AuditRecord.object_type == "pond_attachment")))
    assert len(audited) >= 2 and all(a.action == "create" for a in audited)


def test_pond_hazard_is_closed_only_with_the_evidence(clients):
    staff = clients["staff"]
    r = staff.post("/api/landwaste/ponds/DT-WK-012/hazards",
                   json={"title": "尾矿坝坡面冲沟（测试）", "grade": "一般", "found_on": "2026-11-02"})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["deadline"] == "2026-12-02"  # minor: found + 30 days (§6.6 default)

    def go(action, **kw):
        cur = staff.get(f"/api/ledgers/{item['id']}").json()
        return staff.post(f"/api/ledgers/{item['id']}/transitions", json={"action": action, "version": cur["version"], **kw})

    assert go("start").status_code == 200 and go("submit", note="企业称已整改").status_code == 200
    r = go("close", note="现场核查")
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"整治措施", "企业自查完成日期", "佐证材料（附件）"}
    assert "尾矿库污染隐患" in r.json()["detail"]
    assert go("return", note="缺少佐证").status_code == 200
    cur = staff.get(f"/api/ledgers/{item['id']}").json()
    assert staff.patch(f"/api/ledgers/{item['id']}", json={"version": cur["version"], "fields": {
        "measures": "回填冲沟并植草", "self_check_on": "2026-11-25"}}).status_code == 200
    assert staff.post(f"/api/ledgers/{item['id']}/progress", data={"text": "整改后照片"},
                      files={"files": ("整改后.png", PNG, "image/png")}).status_code == 201
    assert go("submit", note="已整改自查").status_code == 200
    r = go("close", note="现场核查：冲沟已回填")
    assert r.status_code == 200, r.text
    assert r.json()["fields"]["verified_by"].startswith("督察整改科") and r.json()["fields"]["verification_on"] == "2026-11-29"
    f = staff.get("/api/landwaste/ponds/DT-WK-012").json()
    assert any(h["code"] == item["code"] and h["closed"] for h in f["hazards"])


def _chart(html: str, chart_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html, re.S)
    assert m, f"chart {chart_id} missing"
    return json.loads(m.group(1))


def test_pages_show_the_figures_and_label_the_demo(site, clients):
    c = clients["leader"]
    html = c.get("/soil").text
    opt = _chart(html, "soil-map-option")
    series = {s["name"]: s for s in opt["series"]}
    assert series["优先保护类"]["itemStyle"]["color"] == "#2e7d32" and series["高于管制值"]["itemStyle"]["color"] == "#c62828"
    assert sum(len(s["data"]) for s in opt["series"]) == 18
    assert 'id="demo-tag"' in html and "待确认" in html and "演示" in html
    html = c.get("/soil/samples/DEMO-S-2").text
    assert "11.25" in html and "高于管制值" in html
    html = c.get("/waste?first=2026-11&last=2026-11").text
    assert "86.75" in html and "平衡校验未通过" in html and "公式待确认" in html
    html = c.get("/waste/manifests").text
    overdue = html.split('id="overdue"', 1)[1].split("</section>", 1)[0]
    assert "20261402000123" in overdue and 'class="ledger-link"' in overdue
    assert 'id="alarms-form"' not in html  # a leader may not run the alarm check
    html = c.get("/ponds?year=2026").text
    cal = _chart(html, "pond-calendar-option")
    assert cal["calendar"]["range"] == "2026" and [s["name"] for s in cal["series"]] == ["已完成", "逾期完成", "未到期", "已逾期"]
    assert any(d["value"][0] == "2026-05-31" for d in cal["series"][3]["data"])  # the missing pre-flood checks
    html = c.get("/ponds/DT-WK-007").text
    assert "回水池防渗膜破损（演示）" in html and "<img" in html and "合成图像" in html
    assert 'id="upload-form"' not in html and 'id="hazard-form"' not in html  # leader: read only


def test_page_forms_write_and_refuse_in_place(site, clients):
    c = clients["staff"]
    page = c.get("/ponds/DT-WK-015").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = c.post("/ponds/DT-WK-015/files", data={"csrf_token": token, "caption": "库区全景"},
               files={"file": ("全景.png", PNG, "image/png")}, follow_redirects=True)
    assert r.status_code == 200 and "已上传「全景.png」" in r.text and "库区全景" in r.text
    r = c.post("/ponds/DT-WK-015/files", data={"csrf_token": token}, files={"file": ("x.jpg", EXE, "image/jpeg")})
    assert r.status_code == 415 and 'id="flash-err"' in r.text and "可执行文件" in r.text
    r = c.post("/ponds/DT-WK-015/hazards", data={"csrf_token": token, "title": "排洪井破损", "grade": "重大"})
    assert r.status_code == 422 and "重大隐患" in r.text and 'value="排洪井破损"' in r.text  # what was typed is kept
    r = c.post("/ponds/DT-WK-015/hazards", data={"csrf_token": token, "title": "排洪井破损", "grade": "重大",
                                                "deadline": "2026-12-20"}, follow_redirects=True)
    assert r.status_code == 200 and "已登记隐患" in r.text and "排洪井破损" in r.text
    r = c.post("/waste/manifests/alarms", data={"csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200 and "已重新计算" in r.text
    leader = clients["leader"]
    r = leader.post("/waste/manifests/alarms", data={"csrf_token": token}, headers={"accept": "text/html"})
    assert r.status_code == 403


def test_soil_overview_is_reused_only_while_the_data_are_unchanged(site, clients):
    from qingshan.landwaste.soil import registry
    from qingshan.landwaste.soil.models import SoilPoint

    def s1():
        ov = clients["staff"].get("/api/landwaste/soil/overview").json()
        return next(p["class_key"] for p in ov["points"] if p["code"] == "DEMO-S-1")

    assert s1() == "between"  # E2 S-1 on class-2 land: Pb 950 between S2 800 and I2 2500
    with site["app"].state.sessionmaker() as db:
        point = db.scalar(select(SoilPoint).where(SoilPoint.code == "DEMO-S-1"))
        registry.update_point(db, point, {"land_use": "1"})
        db.commit()
    try:
        assert s1() == "above_intervention"  # E2 on class-1 land: Pb 950 > I1 800 (the cached overview is not reused)
    finally:
        with site["app"].state.sessionmaker() as db:
            registry.update_point(db, db.scalar(select(SoilPoint).where(SoilPoint.code == "DEMO-S-1")), {"land_use": "2"})
            db.commit()
    assert s1() == "between"
