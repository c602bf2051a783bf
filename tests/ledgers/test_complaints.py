"""The public complaint flow: submit without login, get a tracking number, follow the status
(no personal data), while the bureau assigns, the unit replies and the bureau closes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_complaint_flow(backend, clients):
    anon = TestClient(backend["app"])
    r = anon.post("/api/complaints", json={"content": "云冈区某洗煤厂夜间偷排黑水", "location": "云冈区口泉乡",
                                          "contact_name": "李某", "contact_phone": "13900000000"})
    assert r.status_code == 201
    tracking = r.json()["tracking_no"]
    assert re.fullmatch(r"DT\d{8}-[A-HJ-NP-Z2-9]{6}", tracking)
    status = anon.get(f"/api/complaints/{tracking}").json()
    assert status["status_label"] == "已受理" and status["reply"] is None
    text = str(status)
    for private in ("李某", "13900000000", "洗煤厂", "口泉乡"):
        assert private not in text
    # lower-case input is accepted
    assert anon.get(f"/api/complaints/{tracking.lower()}").status_code == 200

    staff, unit = clients["staff"], clients["unit_own"]
    listed = staff.get("/api/ledgers?kind=complaint&q=夜间偷排").json()["items"][0]
    assert listed["fields"]["contact_phone"] == "139****0000"  # lists always mask
    item = staff.get(f"/api/ledgers/{listed['id']}").json()
    assert item["tracking_no"] == tracking and item["fields"]["contact_phone"] == "13900000000"
    item = staff.post(f"/api/ledgers/{item['id']}/transitions",
                      json={"action": "assign", "version": item["version"], "unit": "平城区"}).json()
    assert anon.get(f"/api/complaints/{tracking}").json()["handling_unit"] == "平城区"
    item = unit.post(f"/api/ledgers/{item['id']}/transitions",
                     json={"action": "reply", "version": item["version"], "note": "经核查，已责令停产整改。"}).json()
    pending = anon.get(f"/api/complaints/{tracking}").json()
    assert pending["reply"] is None and "审核" in pending["reply_note"]  # public only after review
    item = staff.post(f"/api/ledgers/{item['id']}/publish", json={"version": item["version"]}).json()
    assert anon.get(f"/api/complaints/{tracking}").json()["reply"] == "经核查，已责令停产整改。"
    item = staff.post(f"/api/ledgers/{item['id']}/transitions",
                      json={"action": "close", "version": item["version"], "satisfaction": "满意"}).json()
    assert item["fields"]["satisfaction"] == "满意"
    assert anon.get(f"/api/complaints/{tracking}").json()["status_label"] == "已办结"


def test_complaint_input_errors(backend):
    anon = TestClient(backend["app"])
    r = anon.post("/api/complaints", json={"content": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "content"
    r = anon.post("/api/complaints", json={"content": "x", "channel": "微博"})
    assert r.status_code == 422 and "来源渠道" in r.json()["detail"]
    assert anon.get("/api/complaints/DT20000101-AAAAAA").status_code == 404
    assert "未找到" in anon.get("/api/complaints/nonsense").json()["detail"]


def test_reply_needs_text_and_unit_must_be_assigned(clients, make_item):
    item = make_item("complaint", lead=None, others=())
    staff = clients["staff"]
    r = staff.post(f"/api/ledgers/{item['id']}/transitions", json={"action": "assign", "version": item["version"]})
    assert r.status_code == 422 and "承办单位" in r.json()["detail"]
    item = staff.post(f"/api/ledgers/{item['id']}/transitions",
                      json={"action": "assign", "version": item["version"], "unit": "140213"}).json()
    r = clients["unit_own"].post(f"/api/ledgers/{item['id']}/transitions",
                                 json={"action": "reply", "version": item["version"], "note": "  "})
    assert r.status_code == 422 and "答复内容" in r.json()["detail"]
    # another county cannot answer for 平城区
    r = clients["unit_other"].post(f"/api/ledgers/{item['id']}/transitions",
                                   json={"action": "reply", "version": item["version"], "note": "代答"})
    assert r.status_code == 403
