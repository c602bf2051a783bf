"""Issue 9 items 3 and 11: every input validated (422 with a Chinese message, never a 500),
and the smaller findings: a Chinese 404 page, unknown county 404, open meta, literal keyword
search, audit times with their zone, the 413 text, the public account's landing page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

BIG = "9223372036854775808"  # 2^63: one past what a BIGINT (and SQLite INTEGER) holds
HUGE = "12345678901234567890"


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/api/ledgers/{BIG}", None),
    ("GET", f"/api/ledgers?unit={HUGE}", None),
    ("GET", f"/api/ledgers?offset={HUGE}0", None),
    ("GET", f"/api/ledgers/reminders?unit={HUGE}", None),
    ("GET", f"/api/ledgers/export?kind=key_task&unit={HUGE}", None),
    ("GET", f"/api/ledgers/1/attachments/{BIG}", None),
    ("GET", f"/api/ledgers/{BIG}/attachments/1", None),
    ("PATCH", f"/api/ledgers/{BIG}", {"version": 1}),
    ("POST", f"/api/ledgers/{BIG}/transitions", {"action": "start", "version": 1}),
    ("POST", "/api/ledgers/1/transitions", {"action": "assign", "version": int(BIG)}),
    ("POST", "/api/ledgers", {"kind": "key_task", "title": "x", "lead_unit": int(HUGE)}),
    ("PATCH", f"/api/admin/users/{BIG}", {"active": True}),
    ("PATCH", "/api/admin/users/1", {"unit": int(HUGE)}),
    ("GET", f"/api/admin/audit?offset={HUGE}", None),
    ("GET", f"/api/admin/audit?user_id={HUGE}", None),
    ("GET", "/api/air/report?year=99999&month_to=1", None),
])
def test_numbers_beyond_64_bits_are_refused_with_422(clients, method, path, body):
    r = clients["admin"].request(method, path, json=body)
    assert r.status_code == 422, (path, r.status_code, r.text[:200])
    text = r.json()["detail"] + "".join(e["message"] for e in r.json().get("errors", []))
    assert "超出范围" in text or "不存在" in text or "不合法" in text


@pytest.mark.parametrize("query", ["year=99999", "year=0", "month_to=13", f"year={HUGE}", "year=abc"])
def test_air_page_years_out_of_range_are_a_chinese_422_page(clients, query):
    r = clients["leader"].get(f"/air?{query}", headers={"accept": "text/html"})
    assert r.status_code == 422 and "输入有误" in r.text and "<html" in r.text


def test_page_forms_with_huge_ids_do_not_fail(clients, make_item):
    item = make_item("complaint", lead=None, others=())
    r = clients["staff"].post(f"/ledgers/{item['id']}/transition",
                              data={"action": "assign", "version": item["version"], "unit": HUGE})
    assert r.status_code == 422 and "承办单位" in r.text
    assert clients["leader"].get(f"/ledgers?unit={HUGE}", headers={"accept": "text/html"}).status_code == 200


def test_unknown_urls_show_a_chinese_page_to_browsers_and_json_to_scripts(backend):
    c = TestClient(backend["app"])
    page = c.get("/no/such/page", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text and '"detail"' not in page.text
    api = c.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json()["detail"] == "未找到请求的地址或资源。"


@pytest.mark.parametrize("path", ["/static/%00", "/static/" + "a" * 5000, "/static/" + "a/" * 2000 + "x.js",
                                  "/static/%2e%2e/%2e%2e/pyproject.toml"])
def test_odd_static_paths_are_404_not_500(backend, path):
    r = TestClient(backend["app"], raise_server_exceptions=False).get(path)
    assert r.status_code == 404, (path[:40], r.status_code)


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=0001-01-01", "until=9999-12-31T23:59:59",
                                   "since=9999-12-31&until=0001-01-01T00:00:00"])
def test_audit_search_at_the_ends_of_the_calendar(clients, query):
    r = clients["admin"].get(f"/api/admin/audit?{query}")
    assert r.status_code == 200, (query, r.status_code, r.text[:200])
    everything = query.startswith("since=0001") or query.startswith("until=9999")
    assert (r.json()["total"] > 0) == everything
    page = clients["admin"].get(f"/admin/audit?{query}")
    assert page.status_code == 200, (query, page.status_code)


def test_unknown_county_is_404(clients):
    assert clients["leader"].get("/air/county/999999").status_code == 404
    assert clients["leader"].get("/air/station/NOPE").status_code == 404


def test_keyword_wildcards_match_literally(clients, make_item):
    make_item(title="百分号测试 100% 完成")
    everything = clients["leader"].get("/api/ledgers?limit=1000").json()["total"]
    percent = clients["leader"].get("/api/ledgers?q=%25").json()
    assert 1 <= percent["total"] < everything
    assert all("%" in i["title"] or "%" in i["code"] for i in percent["items"])
    assert clients["leader"].get("/api/ledgers?q=_").json()["total"] < everything


def test_the_public_account_lands_on_the_portal(backend):
    c = TestClient(backend["app"])
    token = c.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = c.post("/login", data={"username": "t_public", "password": "public-password-1", "csrf_token": token,
                               "next": "/overview"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/portal"


def test_an_unexpected_error_is_a_chinese_500_with_the_request_id(backend, monkeypatch):
    from qingshan.ledgers import queries

    def broken(*a, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "summary", broken)
    c = TestClient(backend["app"], raise_server_exceptions=False)
    token = c.post("/api/auth/login", json={"username": "t_leader", "password": "leader-password-1"})
    assert token.status_code == 200
    r = c.get("/overview", headers={"accept": "text/html"})
    assert r.status_code == 500 and "服务器内部错误" in r.text and r.headers["X-Request-ID"] in r.text
