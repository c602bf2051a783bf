"""The workflow engine: states and transitions as data, the inspection closure cycle with
re-opening, deadlines/overdue flags, reminders per unit, hazard inspection frequency."""

from __future__ import annotations

from datetime import date

from qingshan.core import clock
from qingshan.ledgers import queries
from qingshan.ledgers.kinds import INSPECTION_INTERVAL_DAYS, next_inspection_due
from qingshan.ledgers.workflow import CLOSED_STATES, KINDS, STATES, TRANSITIONS, initial_state


def test_transition_table_is_consistent():
    for t in TRANSITIONS:
        assert t.kind in KINDS
        assert set(t.sources) <= set(STATES[t.kind]) and t.target in STATES[t.kind], t
        assert set(t.roles) <= {"admin", "staff", "unit"}, "leadership and public never change ledgers"
    for kind, states in STATES.items():
        # every state is reachable from the initial one and every item can be closed
        reach, frontier = {initial_state(kind)}, [initial_state(kind)]
        while frontier:
            s = frontier.pop()
            for t in TRANSITIONS:
                if t.kind == kind and s in t.sources and t.target not in reach:
                    reach.add(t.target)
                    frontier.append(t.target)
        assert reach == set(states), kind
        assert CLOSED_STATES & set(states)


def _go(client, item, action, **kw):
    r = client.post(f"/api/ledgers/{item['id']}/transitions", json={"action": action, "version": item["version"], **kw})
    return r


def test_inspection_problem_closure_and_reopening(clients, make_item):
    staff, unit = clients["staff"], clients["unit_own"]
    item = make_item("inspection")
    assert item["status_label"] == "整改中"
    # the bureau cannot close (销号) before on-site verification
    r = _go(staff, item, "close")
    assert r.status_code == 422 and "当前状态为「整改中」" in r.json()["detail"]
    # applying for closure needs the evidence text
    assert _go(unit, item, "submit").status_code == 422
    item = _go(unit, item, "submit", note="已拆除违规设施，附验收材料").json()
    assert item["status_label"] == "申请销号" and item["fields"]["evidence"] == "已拆除违规设施，附验收材料"
    item = _go(staff, item, "verify", note="2024-05-10 现场核查，整改到位").json()
    assert item["fields"]["verification"] == "2024-05-10 现场核查，整改到位"
    item = _go(staff, item, "close").json()
    assert item["status_label"] == "已销号" and item["closed_at"] and item["overdue"] is False
    assert item["allowed"]["update"] is False
    # a closed item takes no edits or progress until reopened
    r = staff.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "title": "改"})
    assert r.status_code == 422 and "重新打开" in r.json()["detail"]
    assert unit.post(f"/api/ledgers/{item['id']}/progress", data={"text": "x"}).status_code == 422
    item = _go(staff, item, "reopen", note="群众反映问题反弹").json()
    assert item["status_label"] == "整改中" and item["closed_at"] is None and item["fields"]["reopen_count"] == 1
    history = staff.get(f"/api/ledgers/{item['id']}").json()["history"]["entries"]
    assert [(e["from_label"], e["to_label"]) for e in history if e["type"] == "transition"] == [
        ("整改中", "申请销号"), ("申请销号", "已现场核查"), ("已现场核查", "已销号"), ("已销号", "整改中")]


def test_unit_may_edit_progress_fields_only(clients, make_item):
    item = make_item("hazard")
    unit = clients["unit_own"]
    r = unit.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "fields": {"grade": "一般"}})
    assert r.status_code == 403 and "隐患等级" in r.json()["detail"]
    r = unit.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"],
                                                      "fields": {"longitude": 113.3, "latitude": 40.08,
                                                                 "last_inspected": "2030-06-01"}})
    assert r.status_code == 200, r.text
    assert r.json()["next_inspection_due"] == "2030-06-08"  # 重大: weekly (default setting)


def test_field_validation_messages(clients):
    r = clients["staff"].post("/api/ledgers", json={"kind": "hazard", "title": "坐标错", "lead_unit": "不存在的单位",
                                                   "fields": {"hazard_type": "尾矿库", "site": "x", "grade": "特大",
                                                              "longitude": 200, "color": "red"}})
    assert r.status_code == 422
    msgs = " ".join(e["message"] for e in r.json()["errors"])
    assert "「责任单位」：单位「不存在的单位」不存在" in msgs
    assert "「隐患等级」：「特大」不是可选值" in msgs
    assert "「经度」：200.0 超出范围" in msgs
    assert "没有字段「color」" in msgs


def test_overdue_flags_filters_and_reminders(backend, clients, make_item, db):
    today = clock.today()
    late = make_item(title="逾期事项", lead="浑源县", others=("大同市自然资源局",), deadline="2020-01-31")
    soon = make_item(title="即将到期", lead="浑源县", others=(), deadline=today.isoformat())
    later = make_item(title="远期事项", lead="浑源县", others=(), deadline="2099-01-01")
    assert late["overdue"] is True and late["days_left"] < 0
    assert soon["overdue"] is False and later["overdue"] is False
    unit_id = late["lead_unit"]["id"]
    listed = clients["leader"].get(f"/api/ledgers?unit={unit_id}&overdue=true").json()["items"]
    assert [i["id"] for i in listed] == [late["id"]]
    reminders = queries.due_items(db, unit_id=unit_id, today=today, within_days=7)
    [bucket] = reminders
    assert [i["id"] for i in bucket["overdue"]] == [late["id"]]
    assert [i["id"] for i in bucket["due_soon"]] == [soon["id"]]
    # a supporting unit is reminded too
    other = queries.due_items(db, unit_id=late["units"][0]["id"], today=today)
    assert late["id"] in [i["id"] for i in other[0]["overdue"]]
    # closing removes the item from reminders
    item = clients["staff"].post(f"/api/ledgers/{late['id']}/transitions", json={"action": "start", "version": late["version"]}).json()
    item = clients["staff"].post(f"/api/ledgers/{late['id']}/transitions", json={"action": "submit", "version": item["version"], "note": "完成"}).json()
    clients["staff"].post(f"/api/ledgers/{late['id']}/transitions", json={"action": "close", "version": item["version"]})
    db.expire_all()
    after = queries.due_items(db, unit_id=unit_id, today=today)
    assert late["id"] not in [i["id"] for b in after for i in b["overdue"]]


def test_hazard_inspection_frequency_by_grade():
    assert INSPECTION_INTERVAL_DAYS == {"重大": 7, "较大": 15, "一般": 30}
    assert next_inspection_due("2024-02-25", "较大") == date(2024, 3, 11)  # across a leap-year February
    assert next_inspection_due(date(2024, 1, 1), "一般", intervals={"一般": 90}) == date(2024, 3, 31)
    assert next_inspection_due(None, "重大") is None


def test_changing_the_lead_unit_keeps_units_distinct(clients, make_item):
    item = make_item(lead="平城区", others=("大同市水务局", "云州区"))
    r = clients["staff"].patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "lead_unit": "云州区"})
    assert r.status_code == 200
    assert r.json()["lead_unit"]["name"] == "云州区"
    assert [u["name"] for u in r.json()["units"]] == ["大同市水务局"]
    # now 云州区 edits it and 平城区 no longer may
    v = r.json()["version"]
    assert clients["unit_other"].patch(f"/api/ledgers/{item['id']}", json={"version": v, "fields": {"measures": "云州区措施"}}).status_code == 200
    assert clients["unit_own"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "平城区"}).status_code == 403
