"""Permissions through the HTML form routes (the same rules as the JSON API: refused → 403 and
audited), and the unit lock while the bureau judges a submission (申请办结/销号, 现场核查)."""

from __future__ import annotations

import io
import itertools

import pytest
from openpyxl import Workbook

ROLES = ["admin", "staff", "unit_own", "unit_other", "leader", "public"]
OWN = {"admin", "staff", "unit_own"}
BUREAU = {"admin", "staff"}
USERNAMES = {"admin": "t_admin", "staff": "t_staff", "unit_own": "t_pingcheng", "unit_other": "t_yunzhou",
             "leader": "t_leader", "public": "t_public"}
_n = itertools.count(1)


def _xlsx(title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["任务内容", "牵头单位", "完成时限", "领域"])
    ws.append([title, "平城区", "2031-01-01", "水"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _advance(staff, item: dict, *actions: tuple[str, dict]) -> dict:
    for action, extra in actions:
        r = staff.post(f"/api/ledgers/{item['id']}/transitions",
                       json={"action": action, "version": item["version"], **extra})
        assert r.status_code == 200, r.text
        item = r.json()
    return item


def _assert_refused_and_audited(r, role, audits):
    assert r.status_code == 403, f"{role}: {r.status_code} {r.text[:300]}"
    records = audits(r.headers["X-Request-ID"])
    assert [a.action for a in records] == ["forbidden"], f"{role}: {[a.action for a in records]}"
    assert records[0].username == USERNAMES[role]


@pytest.mark.parametrize("role", ROLES)
def test_progress_form(backend, clients, make_item, audits, role):
    item = make_item()
    r = clients[role].post(f"/ledgers/{item['id']}/progress", data={"text": "本周完成排查"},
                           headers={"Accept": "text/html"}, follow_redirects=False)
    if role in OWN:
        assert r.status_code == 303, r.text[:300]
    else:
        _assert_refused_and_audited(r, role, audits)
        assert clients["staff"].get(f"/api/ledgers/{item['id']}").json()["version"] == item["version"]


@pytest.mark.parametrize("role", ROLES)
def test_transition_form(backend, clients, make_item, audits, role):
    item = make_item()
    r = clients[role].post(f"/ledgers/{item['id']}/transition",
                           data={"action": "start", "version": str(item["version"])},
                           headers={"Accept": "text/html"}, follow_redirects=False)
    now = clients["staff"].get(f"/api/ledgers/{item['id']}").json()
    if role in OWN:
        assert r.status_code == 303, r.text[:300]
        assert now["status"] == "in_progress"
    else:
        _assert_refused_and_audited(r, role, audits)
        assert now["status"] == item["status"]


@pytest.mark.parametrize("role", ROLES)
def test_import_form(backend, clients, audits, role):
    title = f"表单导入{next(_n)}{role}{backend['name']}"
    r = clients[role].post("/ledgers/import", data={"kind": "key_task"},
                           files={"file": ("台账.xlsx", _xlsx(title), "application/octet-stream")},
                           headers={"Accept": "text/html"})
    listed = clients["staff"].get("/api/ledgers", params={"kind": "key_task", "q": title}).json()
    if role in BUREAU:
        assert r.status_code == 200, r.text[:300]
        assert listed["total"] == 1
    else:
        _assert_refused_and_audited(r, role, audits)
        assert listed["total"] == 0


LOCKED = [
    ("key_task", (("start", {}), ("submit", {"note": "已完成"})), "in_progress"),
    ("inspection", (("submit", {"note": "整改完成"}),), "rectifying"),
    ("inspection", (("submit", {"note": "整改完成"}), ("verify", {"note": "现场核查属实"})), "rectifying"),
    ("hazard", (("start", {}), ("submit", {"note": "整治完成"})), "rectifying"),
]


@pytest.mark.parametrize("kind,steps,returned", LOCKED, ids=["task-submitted", "insp-submitted", "insp-verified", "hazard-submitted"])
def test_unit_cannot_rewrite_after_submitting(backend, clients, make_item, audits, kind, steps, returned):
    staff, unit = clients["staff"], clients["unit_own"]
    item = _advance(staff, make_item(kind), *steps)
    field = "measures" if kind != "key_task" else "milestones"
    r = unit.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "fields": {field: "改写", "evidence": "改写后的佐证"}})
    assert r.status_code == 403 and "退回" in r.json()["detail"], r.text
    assert [a.action for a in audits(r.headers["X-Request-ID"])] == ["forbidden"]
    now = staff.get(f"/api/ledgers/{item['id']}").json()
    assert now["version"] == item["version"] and now["fields"].get("evidence") != "改写后的佐证"
    # after 退回 the unit may change it again
    item = _advance(staff, now, ("return", {"note": "佐证不足"}))
    assert item["status"] == returned
    r = unit.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "fields": {field: "补充后的内容"}})
    assert r.status_code == 200, r.text


def test_unit_cannot_edit_closed_item(backend, clients, make_item):
    staff = clients["staff"]
    item = _advance(staff, make_item(), ("start", {}), ("submit", {"note": "已完成"}), ("close", {}))
    r = clients["unit_own"].patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "fields": {"milestones": "x"}})
    assert r.status_code == 403
