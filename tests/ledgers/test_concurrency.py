"""Two users updating the same item: no lost update, a clear Chinese conflict message (HTTP 409)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from qingshan.ledgers import service
from qingshan.core.audit import SYSTEM, AuditRecord
from qingshan.core.errors import Conflict
from qingshan.core.org import User
from qingshan.ledgers.models import LedgerItem


def test_second_writer_on_stale_version_gets_409_and_first_update_survives(backend, clients, make_item):
    item = make_item("inspection", lead="平城区")
    v = item["version"]
    staff, unit = clients["staff"], clients["unit_own"]
    # both read version v; the unit user saves first
    r1 = unit.patch(f"/api/ledgers/{item['id']}", json={"version": v, "fields": {"evidence": "平城区：已完成清理"}})
    assert r1.status_code == 200, r1.text
    assert r1.json()["version"] == v + 1
    r2 = staff.patch(f"/api/ledgers/{item['id']}", json={"version": v, "fields": {"measures": "局里的新措施"}})
    assert r2.status_code == 409
    body = r2.json()
    assert "t_pingcheng" in body["detail"] and "请刷新" in body["detail"] and f"版本 {v}" in body["detail"]
    assert body["current_version"] == v + 1
    now = staff.get(f"/api/ledgers/{item['id']}").json()
    assert now["fields"]["evidence"] == "平城区：已完成清理"  # first update not lost
    assert now["fields"]["measures"] == "整改措施"  # stale write not applied
    # the refused write is audited as a conflict
    with backend["factory"]() as s:
        rec = s.scalar(select(AuditRecord).where(AuditRecord.request_id == r2.headers["X-Request-ID"]))
    assert rec.action == "conflict"
    # after refreshing, the second user can save on top of the first update
    r3 = staff.patch(f"/api/ledgers/{item['id']}", json={"version": v + 1, "fields": {"measures": "局里的新措施"}})
    assert r3.status_code == 200
    assert r3.json()["fields"]["evidence"] == "平城区：已完成清理"


def test_stale_transition_is_refused_too(clients, make_item):
    item = make_item()
    staff = clients["staff"]
    ok = staff.post(f"/api/ledgers/{item['id']}/transitions", json={"action": "start", "version": item["version"]})
    assert ok.status_code == 200
    again = clients["admin"].patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "title": "改"})
    assert again.status_code == 409


def test_race_between_read_and_commit_is_caught_by_the_version_column(backend, make_item):
    """Both writers pass the version check, then race to commit: the loser's UPDATE matches no
    row (WHERE version = old) and is refused — the check is not only in application code."""
    item = make_item()
    factory = backend["factory"]
    with factory() as a, factory() as b:
        user_a = a.scalar(select(User).where(User.username == "t_staff"))
        user_b = b.scalar(select(User).where(User.username == "t_admin"))
        b.get(LedgerItem, item["id"])  # b holds the item at version v
        service.update_item(a, SYSTEM, user_a, item["id"], item["version"], {"title": "A 的标题"})
        try:
            service.update_item(b, SYSTEM, user_b, item["id"], item["version"], {"title": "B 的标题"})
        except Conflict as exc:
            assert "请刷新" in exc.message
        else:
            raise AssertionError("lost update: B overwrote A")
    with factory() as c:
        assert c.get(LedgerItem, item["id"]).title == "A 的标题"


def test_simultaneous_requests_exactly_one_wins(clients, make_item):
    item = make_item()
    results = {}
    barrier = threading.Barrier(2)

    def save(role):
        barrier.wait()
        results[role] = clients[role].patch(f"/api/ledgers/{item['id']}",
                                            json={"version": item["version"], "title": f"{role} 的标题"})

    threads = [threading.Thread(target=save, args=(r,)) for r in ("staff", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {k: v.text for k, v in results.items()}
    winner = next(k for k, r in results.items() if r.status_code == 200)
    assert clients["staff"].get(f"/api/ledgers/{item['id']}").json()["title"] == f"{winner} 的标题"
