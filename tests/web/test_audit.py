"""The audit trail: every change recorded with who, when, request id, before and after; the
application offers no way to edit or delete it, and the database refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from qingshan.web.models import AuditRecord


def test_changes_are_audited_with_before_and_after(backend, clients, make_item, audits):
    item = make_item()
    rid = "req-audit-0001" + backend["name"]
    r = clients["staff"].patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "deadline": "2032-01-31"},
                               headers={"X-Request-ID": rid})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == rid
    [rec] = audits(rid)
    assert (rec.action, rec.username, rec.role, rec.object_type, rec.object_id) == (
        "update", "t_staff", "staff", "ledger_item", str(item["id"]))
    assert rec.before["deadline"] == "2030-06-30" and rec.after["deadline"] == "2032-01-31"
    assert rec.before["version"] == item["version"] and rec.after["version"] == item["version"] + 1
    assert rec.at is not None and rec.ip == "testclient"
    listed = clients["admin"].get(f"/api/admin/audit?request_id={rid}").json()
    assert listed[0]["changes"] == {"deadline": ["2030-06-30", "2032-01-31"]}

    t = clients["staff"].post(f"/api/ledgers/{item['id']}/transitions", json={"action": "start", "version": r.json()["version"]})
    [rec] = audits(t.headers["X-Request-ID"])
    assert rec.action == "transition" and rec.before["status"] == "not_started" and rec.after["status"] == "in_progress"


def test_logins_are_audited(backend, clients):
    from fastapi.testclient import TestClient

    c = TestClient(backend["app"])
    r = c.post("/api/auth/login", json={"username": "t_leader", "password": "wrong"})
    assert r.status_code == 401
    with backend["factory"]() as s:
        rec = s.scalar(select(AuditRecord).where(AuditRecord.request_id == r.headers["X-Request-ID"]))
    assert rec.action == "login_failed" and rec.username == "t_leader"


def test_no_route_edits_or_deletes_audit_records(backend, clients, route_table):
    audit_routes = [(path, methods) for path, methods in route_table if "audit" in path]
    assert audit_routes == [("/api/admin/audit", frozenset({"GET"}))]
    assert len(route_table) > 20  # the walk did see the API and the pages
    admin = clients["admin"]
    rec_id = admin.get("/api/admin/audit?limit=1").json()[0]["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        for path in ("/api/admin/audit", f"/api/admin/audit/{rec_id}"):
            assert admin.request(method, path, json={}).status_code in (404, 405)


@pytest.mark.parametrize("statement", ["UPDATE web_audit SET action = 'nothing' WHERE id = :id",
                                       "DELETE FROM web_audit WHERE id = :id"])
def test_database_refuses_update_and_delete(backend, clients, statement):
    engine = backend["app"].state.engine
    with engine.connect() as conn:
        rec_id = conn.execute(text("SELECT max(id) FROM web_audit")).scalar()
        with pytest.raises(DBAPIError, match="审计记录不可修改或删除"):
            conn.execute(text(statement), {"id": rec_id})
        conn.rollback()
        assert conn.execute(text("SELECT action FROM web_audit WHERE id = :id"), {"id": rec_id}).scalar() != "nothing"


def test_leader_reads_audit_but_unit_cannot(clients):
    assert clients["leader"].get("/api/admin/audit?limit=3").status_code == 200
    assert clients["unit_own"].get("/api/admin/audit?limit=3").status_code == 403


def test_refusals_are_audited_when_pages_call_the_service_directly(backend, make_item):
    """Pages turn ledger errors into messages instead of HTTP 403; the refusal is audited anyway."""
    from qingshan.ledgers import service
    from qingshan.ledgers.errors import PermissionDenied
    from qingshan.web.models import User

    item = make_item()
    with backend["factory"]() as s:
        leader = s.scalar(select(User).where(User.username == "t_leader"))
        before = s.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
        with pytest.raises(PermissionDenied) as refused:
            service.transition_item(s, None, leader, item["id"], "start", item["version"])
        assert refused.value.audited
    with backend["factory"]() as s:
        recs = s.scalars(select(AuditRecord).where(AuditRecord.id > before, AuditRecord.username == "t_leader")).all()
    assert [(r.action, r.object_id) for r in recs] == [("forbidden", str(item["id"]))]
    assert "无权启动" in recs[0].message
