"""Issue 9 item 4: the anonymous complaint form is rate-limited per address and globally (HTTP
429, Chinese message), asks a small question after a threshold, and merges duplicates."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from qingshan.web.app import create_app

_NET = itertools.count(1)


def _app(backend, store, **kw):
    limits = dict(complaint_per_address_per_hour=5, complaint_global_per_hour=300, complaint_challenge_after=2,
                  rate_limit_store=store)
    return create_app(replace(backend["settings"], **(limits | kw)))


def _client(app, backend, store):
    # a fresh address per test (the database store is shared by every app on the test database)
    host = f"10.{30 + (backend['name'] == 'postgres')}.{next(_NET)}.{1 + (store == 'database')}"
    return TestClient(app, client=(host, 5000))


def _text() -> str:
    return f"限频测试：河道倾倒垃圾 {uuid.uuid4().hex[:10]}"


def _answer(question: str) -> str:
    a, b = map(int, re.findall(r"\d+", question))
    return str(a + b)


@pytest.mark.parametrize("store", ["memory", "database"])
def test_thirty_submissions_in_a_row_are_not_all_accepted(backend, store):
    app = _app(backend, store)
    try:
        c = _client(app, backend, store)
        codes = [c.post("/api/complaints", json={"content": _text()}).status_code for _ in range(30)]
        assert codes[:2] == [201, 201] and set(codes[2:]) == {429}
        r = c.post("/api/complaints", json={"content": _text()})
        assert r.status_code == 429 and "验证问题" in r.json()["detail"] and "question" in r.json()["challenge"]
    finally:
        app.state.engine.dispose()


@pytest.mark.parametrize("store", ["memory", "database"])
def test_challenge_then_per_address_limit(backend, store):
    app = _app(backend, store)
    try:
        c = _client(app, backend, store)
        for _ in range(2):
            assert c.post("/api/complaints", json={"content": _text()}).status_code == 201
        r = c.post("/api/complaints", json={"content": _text()})
        challenge = r.json()["challenge"]
        wrong = c.post("/api/complaints", json={"content": _text(), "challenge_token": challenge["token"],
                                                "challenge_answer": "99"})
        assert wrong.status_code == 429 and "不正确" in wrong.json()["detail"]
        for _ in range(3):  # the 3rd, 4th and 5th of the hour, each with its answer
            challenge = c.post("/api/complaints", json={"content": _text()}).json()["challenge"]
            ok = c.post("/api/complaints", json={"content": _text(), "challenge_token": challenge["token"],
                                                 "challenge_answer": _answer(challenge["question"])})
            assert ok.status_code == 201, ok.text
        over = c.post("/api/complaints", json={"content": _text()})
        assert over.status_code == 429
        assert "每小时最多提交 5 件投诉" in over.json()["detail"] and "12369" in over.json()["detail"]
        assert int(over.headers["Retry-After"]) > 0
        # another address is not affected
        assert _client(app, backend, store).post("/api/complaints", json={"content": _text()}).status_code == 201
    finally:
        app.state.engine.dispose()


def test_global_limit_holds_across_addresses(backend):
    app = _app(backend, "memory", complaint_global_per_hour=3)
    try:
        codes = [_client(app, backend, "memory").post("/api/complaints", json={"content": _text()}).status_code
                 for _ in range(5)]
        assert codes == [201, 201, 201, 429, 429]
        r = _client(app, backend, "memory").post("/api/complaints", json={"content": _text()})
        assert "投诉过多" in r.json()["detail"]
    finally:
        app.state.engine.dispose()


def test_duplicates_within_the_window_are_merged(backend):
    app = _app(backend, "memory", complaint_challenge_after=100)
    try:
        c = _client(app, backend, "memory")
        text = _text()
        first = c.post("/api/complaints", json={"content": text, "contact_phone": "13700000001"}).json()
        again = c.post("/api/complaints", json={"content": f"  {text} ", "contact_phone": "13700000001"}).json()
        assert again["tracking_no"] == first["tracking_no"] and again["merged"] is True and first["merged"] is False
        other_phone = c.post("/api/complaints", json={"content": text, "contact_phone": "13700000002"}).json()
        assert other_phone["tracking_no"] != first["tracking_no"]
    finally:
        app.state.engine.dispose()


def test_the_page_shows_the_question_and_accepts_the_answer(backend):
    app = _app(backend, "memory")
    try:
        c = _client(app, backend, "memory")
        page = c.get("/portal/complaint").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        for _ in range(2):
            r = c.post("/portal/complaint", data={"content": _text(), "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303
        r = c.post("/portal/complaint", data={"content": "第三件", "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 429 and 'id="challenge"' in r.text and "第三件" in r.text  # the text is kept
        question = re.search(r"请计算：(\d+) 加 (\d+)", r.text)
        challenge = r.text.split('name="challenge_token" value="', 1)[1].split('"', 1)[0]
        r = c.post("/portal/complaint", data={"content": _text(), "csrf_token": token, "challenge_token": challenge,
                                              "challenge_answer": str(int(question[1]) + int(question[2]))},
                   follow_redirects=False)
        assert r.status_code == 303 and "/portal/complaint/done?no=DT" in r.headers["location"]
    finally:
        app.state.engine.dispose()


def test_an_ipv6_host_cannot_take_a_fresh_allowance_per_address(backend):
    """Found by review: addresses were counted one by one, so one IPv6 host (a /64 of its own)
    could submit from ever new addresses until the global limit stopped everyone."""
    app = _app(backend, "memory")
    try:
        net = f"2001:db8:{next(_NET):x}:{1 + (backend['name'] == 'postgres')}"
        codes = [TestClient(app, client=(f"{net}::{k + 1:x}", 5000)).post(
            "/api/complaints", json={"content": _text()}).status_code for k in range(4)]
        assert codes == [201, 201, 429, 429]  # the challenge is due from the third, whatever the host part
        other = TestClient(app, client=(f"2001:db8:ffff:{next(_NET):x}::1", 5000))
        assert other.post("/api/complaints", json={"content": _text()}).status_code == 201
    finally:
        app.state.engine.dispose()


def test_an_answered_question_carries_one_complaint_only(backend):
    """Found by review: a solved token could be replayed for its 10 minutes."""
    app = _app(backend, "memory", complaint_per_address_per_hour=50)
    try:
        c = _client(app, backend, "memory")
        for _ in range(2):
            assert c.post("/api/complaints", json={"content": _text()}).status_code == 201
        challenge = c.post("/api/complaints", json={"content": _text()}).json()["challenge"]
        answered = {"challenge_token": challenge["token"], "challenge_answer": _answer(challenge["question"])}
        assert c.post("/api/complaints", json={"content": _text()} | answered).status_code == 201
        replay = c.post("/api/complaints", json={"content": _text()} | answered)
        assert replay.status_code == 429 and replay.json()["challenge"]["token"] != challenge["token"]
    finally:
        app.state.engine.dispose()
