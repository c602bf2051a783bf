"""Every role × every action: allowed ones succeed, forbidden ones get HTTP 403 and an audit
record ("forbidden", same request id, the refused user); anonymous callers get 401.

The expected table below is the specification (issue: bureau admin, bureau staff, unit user who
sees everything but edits only its own unit's items, leadership read-only, public portal only),
written independently of qingshan.ledgers.workflow.
"""

from __future__ import annotations

import io
import itertools

import pytest
from openpyxl import Workbook

from qingshan.core.org import User

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ["admin", "staff", "unit_own", "unit_other", "leader", "public", "anonymous"]
INTERNAL = {"admin", "staff", "unit_own", "unit_other", "leader"}
BUREAU = {"admin", "staff"}
OWN = {"admin", "staff", "unit_own"}
EVERYONE = set(ROLES)

EXPECTED: dict[str, set[str]] = {
    "list": INTERNAL,
    "read": INTERNAL,
    "reminders": INTERNAL,
    "units": INTERNAL,
    "export": INTERNAL,
    "download": INTERNAL,
    "create": BUREAU,
    "import": BUREAU,
    "update_title": BUREAU,
    "update_deadline": BUREAU,
    "update_measures": OWN,
    "progress": OWN,
    "attach": OWN,
    "task_start": OWN,
    "task_submit": OWN,
    "task_return": BUREAU,
    "task_close": BUREAU,
    "task_reopen": BUREAU,
    "inspection_submit": OWN,
    "inspection_verify": BUREAU,
    "inspection_close": BUREAU,
    "hazard_start": OWN,
    "complaint_assign": BUREAU,
    "complaint_reply": OWN,
    "complaint_close": BUREAU,
    "users_list": {"admin"},
    "user_create": {"admin"},
    "user_update": {"admin"},
    "audit_read": {"admin", "leader"},
    "complaint_submit": EVERYONE,
    "complaint_status": EVERYONE,
}


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


NOTE = {"note": "说明"}


def _setup(action: str, staff, make_item) -> dict:
    """What the action needs, prepared by bureau staff (an item in the right state, a file …)."""
    kind = action.split("_")[0]
    if action in ("read", "update_title", "update_deadline", "update_measures", "progress", "attach", "task_start"):
        return {"item": make_item()}
    if action == "download":
        item = make_item()
        r = staff.post(f"/api/ledgers/{item['id']}/progress", data={"text": "佐证"},
                       files=[("files", ("证明.pdf", PDF, "application/pdf"))])
        assert r.status_code == 201, r.text
        return {"url": r.json()["history"]["attachments"][0]["url"]}
    if action == "task_submit":
        return {"item": _advance(staff, make_item(), ("start", {}))}
    if action in ("task_return", "task_close"):
        return {"item": _advance(staff, make_item(), ("start", {}), ("submit", NOTE))}
    if action == "task_reopen":
        return {"item": _advance(staff, make_item(), ("start", {}), ("submit", NOTE), ("close", {}))}
    if action == "inspection_submit":
        return {"item": make_item("inspection")}
    if action == "inspection_verify":
        return {"item": _advance(staff, make_item("inspection"), ("submit", NOTE))}
    if action == "inspection_close":
        return {"item": _advance(staff, make_item("inspection"), ("submit", NOTE), ("verify", NOTE))}
    if action == "hazard_start":
        return {"item": make_item("hazard")}
    if kind == "complaint" and action not in ("complaint_submit", "complaint_status"):
        item = make_item("complaint", lead=None, others=())
        if action in ("complaint_reply", "complaint_close"):
            item = _advance(staff, item, ("assign", {"unit": "平城区"}))
        if action == "complaint_close":
            item = _advance(staff, item, ("reply", {"note": "已处理"}))
        return {"item": item}
    if action == "user_update":
        return {"uid": 0}
    if action == "complaint_status":
        return {"tracking_no": staff.post("/api/complaints", json={"content": "矩阵投诉查询"}).json()["tracking_no"]}
    return {}


def _act(action: str, client, ctx: dict, n: int):
    item = ctx.get("item")
    tr = lambda act, **kw: client.post(  # noqa: E731
        f"/api/ledgers/{item['id']}/transitions", json={"action": act, "version": item["version"], **kw})
    simple = {
        "list": lambda: client.get("/api/ledgers?kind=key_task"),
        "read": lambda: client.get(f"/api/ledgers/{item['id']}"),
        "reminders": lambda: client.get("/api/ledgers/reminders"),
        "units": lambda: client.get("/api/units"),
        "export": lambda: client.get("/api/ledgers/export?kind=hazard"),
        "download": lambda: client.get(ctx["url"]),
        "create": lambda: client.post("/api/ledgers", json={"kind": "key_task", "title": f"矩阵新建{n}",
                                                            "lead_unit": "平城区"}),
        "import": lambda: client.post("/api/ledgers/import", data={"kind": "key_task"},
                                      files={"file": ("台账.xlsx", _xlsx(f"矩阵导入{n}"), "application/octet-stream")}),
        "progress": lambda: client.post(f"/api/ledgers/{item['id']}/progress", data={"text": "本周完成排查"}),
        "attach": lambda: client.post(f"/api/ledgers/{item['id']}/progress", data={"text": "佐证"},
                                      files=[("files", ("照片.pdf", PDF, "application/pdf"))]),
        "task_start": lambda: tr("start"),
        "task_submit": lambda: tr("submit", note="已完成"),
        "task_return": lambda: tr("return", note="材料不全"),
        "task_close": lambda: tr("close"),
        "task_reopen": lambda: tr("reopen", note="问题反弹"),
        "inspection_submit": lambda: tr("submit", note="整改完成"),
        "inspection_verify": lambda: tr("verify", note="现场核查属实"),
        "inspection_close": lambda: tr("close"),
        "hazard_start": lambda: tr("start"),
        "complaint_assign": lambda: tr("assign", unit="平城区"),
        "complaint_reply": lambda: tr("reply", note="已责令整改"),
        "complaint_close": lambda: tr("close", satisfaction="满意"),
        "users_list": lambda: client.get("/api/admin/users"),
        "user_create": lambda: client.post("/api/admin/users", json={
            "username": f"matrix{n}", "display_name": "新用户", "role": "leader", "password": "a-long-password"}),
        "user_update": lambda: client.patch(f"/api/admin/users/{_leader_id(client)}",
                                            json={"display_name": f"领导{n}"}),
        "audit_read": lambda: client.get("/api/admin/audit?limit=5"),
        "complaint_submit": lambda: client.post("/api/complaints", json={"content": f"矩阵投诉{n}", "location": "平城区"}),
        "complaint_status": lambda: client.get(f"/api/complaints/{ctx['tracking_no']}"),
    }
    if action.startswith("update_"):
        changes = {"update_title": {"title": f"改名{n}"}, "update_deadline": {"deadline": "2031-12-31"},
                   "update_measures": {"fields": {"measures": "新的工作措施"}}}[action]
        return client.patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], **changes})
    return simple[action]()


_LEADER_ID: dict[int, int] = {}


def _leader_id(client) -> int:
    # looked up once per backend through the database the client's app uses
    app = client.app
    if id(app) not in _LEADER_ID:
        with app.state.sessionmaker() as s:
            _LEADER_ID[id(app)] = s.query(User.id).filter(User.username == "t_leader").scalar()
    return _LEADER_ID[id(app)]


_counter = itertools.count(1)
# A refused request changes nothing (asserted below), so refused roles share one prepared
# context per action and backend; every allowed role gets a fresh one.
_shared: dict[tuple[str, str], dict] = {}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(backend, role, action, make_item, audits):
    from fastapi.testclient import TestClient

    staff = backend["clients"]["staff"]
    if role == "anonymous":  # a browser that opened a portal page first: has the pre-login CSRF token
        client = TestClient(backend["app"])
        client.headers["X-CSRF-Token"] = client.get("/api/auth/me").json()["csrf_token"]
    else:
        client = backend["clients"][role]
    allowed = role in EXPECTED[action]
    if allowed:
        ctx = _setup(action, staff, make_item)
    else:
        ctx = _shared.get((backend["name"], action)) or _shared.setdefault(
            (backend["name"], action), _setup(action, staff, make_item))
    r = _act(action, client, ctx, next(_counter))
    if allowed:
        assert r.status_code in (200, 201), f"{role} {action}: {r.status_code} {r.text[:300]}"
        return
    if role == "anonymous":
        assert r.status_code == 401, f"{role} {action}: {r.status_code} {r.text[:300]}"
    else:
        assert r.status_code == 403, f"{role} {action}: {r.status_code} {r.text[:300]}"
        assert "无权" in r.json()["detail"]
        records = audits(r.headers["X-Request-ID"])
        forbidden = [a for a in records if a.action == "forbidden"]
        assert len(forbidden) == 1, f"{role} {action}: no audit record of the refusal"
        with backend["factory"]() as s:
            user = s.get(User, forbidden[0].user_id)
        assert user is not None and user.username == client_username(role)
        # a refused request changed nothing: its only audit record is the refusal
        assert [a.action for a in records] == ["forbidden"]
    if "item" in ctx:  # and the shared item is untouched
        now = staff.get(f"/api/ledgers/{ctx['item']['id']}").json()
        assert now["version"] == ctx["item"]["version"] and now["status"] == ctx["item"]["status"]


USERNAMES = {"admin": "t_admin", "staff": "t_staff", "unit_own": "t_pingcheng", "unit_other": "t_yunzhou",
             "leader": "t_leader", "public": "t_public"}


def client_username(role: str) -> str:
    return USERNAMES[role]
