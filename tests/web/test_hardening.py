"""Server hardening: no pool deadlock under concurrent requests, request-body cap, server-side
audit request ids, Secure cookies, and the OpenAPI page served from our own assets."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from qingshan.web.app import create_app
from qingshan.web.security import CSRF_HEADER, WebSettings

LEADER = {"username": "t_leader", "password": "leader-password-1"}  # tests/workspace.py USERS


def login(app, **kw) -> TestClient:
    client = TestClient(app, **kw)
    r = client.post("/api/auth/login", json=LEADER)
    assert r.status_code == 200, r.text
    client.headers[CSRF_HEADER] = r.json()["csrf_token"]
    return client


def _fresh_app(backend, **kw):
    """An app with the application's default pool and limits on the test database."""
    settings = WebSettings(database_url=backend["url"], home=backend["home"], migrate=False,
                           argon2_time_cost=1, argon2_memory_kib=1024, ip_failures_per_window=10_000, **kw)
    return create_app(settings)


def test_many_concurrent_requests_with_default_settings_all_succeed(backend, make_item):
    """Far more concurrent requests than pooled connections and worker threads: none may stall
    on the pool (before the fix, with the 5 + 10 pool, requests held connections while waiting
    for worker threads whose holders waited for connections; at 200 concurrent requests they
    failed with QueuePool TimeoutError after 30 s)."""
    app = _fresh_app(backend)
    try:
        item = make_item()
        with login(app) as client:
            paths = ["/api/ledgers?limit=5", f"/api/ledgers/{item['id']}", "/api/auth/me"] * 67
            with ThreadPoolExecutor(len(paths)) as pool:
                results = list(pool.map(lambda p: client.get(p).status_code, paths, timeout=60))
        assert results == [200] * len(paths)
    finally:
        app.state.engine.dispose()


def test_admission_limit_fits_the_pool():
    s = WebSettings(database_url="sqlite://", home=".")
    assert 2 * s.request_limit <= s.db_pool_size + s.db_max_overflow
    assert s.request_limit < 40  # below anyio's worker-thread limit


def test_oversized_body_is_refused_by_content_length_before_parsing(backend, clients, make_item):
    limit = backend["settings"].body_limit
    anon = TestClient(backend["app"])
    r = anon.post("/api/complaints", files={"f": ("x.bin", b"A" * (limit + 10), "application/octet-stream")})
    assert r.status_code == 413 and "过大" in r.json()["detail"]
    item = make_item()
    r = clients["unit_own"].post(f"/api/ledgers/{item['id']}/progress", data={"text": "x"},
                                 files=[("files", ("a.pdf", b"%PDF-" + b"0" * (limit + 10), "application/pdf"))])
    assert r.status_code == 413 and "每个附件不超过 64.0 KB" in r.json()["detail"]  # what the form says


def test_chunked_oversized_body_is_refused_while_streaming(backend, clients, make_item):
    limit = backend["settings"].body_limit
    item = make_item()

    def chunks():  # no Content-Length: the middleware must count the streamed bytes
        for _ in range(limit // 65536 + 4):
            yield b"0" * 65536

    r = clients["staff"].patch(f"/api/ledgers/{item['id']}", content=chunks(),
                               headers={"content-type": "application/json"})
    assert r.status_code == 413 and "过大" in r.json()["detail"]


def test_audit_request_id_is_generated_by_the_server(backend, clients, make_item, audits):
    item = make_item("inspection")
    spoofed = "victim-req-0001"
    r1 = clients["unit_own"].patch(f"/api/ledgers/{item['id']}", json={"version": item["version"], "fields": {"evidence": "a"}},
                                   headers={"X-Request-ID": spoofed})
    r2 = clients["staff"].patch(f"/api/ledgers/{item['id']}", json={"version": r1.json()["version"], "title": "改"},
                                headers={"X-Request-ID": spoofed})
    assert r1.status_code == r2.status_code == 200
    assert audits(spoofed) == []
    ids = {r1.headers["X-Request-ID"], r2.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(audits(i)) == 1 for i in ids)


def _set_cookies(r) -> list[str]:
    return r.headers.get_list("set-cookie")


def test_session_cookie_secure_on_https_and_by_setting(backend):
    body = LEADER
    plain = TestClient(backend["app"], base_url="http://testserver").post("/api/auth/login", json=body)
    assert plain.status_code == 200 and not any("secure" in c.lower() for c in _set_cookies(plain))
    https = TestClient(backend["app"], base_url="https://testserver").post("/api/auth/login", json=body)
    assert https.status_code == 200
    assert any(c.startswith("qs_session=") and "secure" in c.lower() for c in _set_cookies(https))
    app = _fresh_app(backend, cookie_secure=True)
    try:
        forced = TestClient(app, base_url="http://testserver").post("/api/auth/login", json=body)
        assert any(c.startswith("qs_session=") and "secure" in c.lower() for c in _set_cookies(forced))
    finally:
        app.state.engine.dispose()


def test_cookie_secure_from_environment(monkeypatch):
    monkeypatch.setenv("QINGSHAN_COOKIE_SECURE", "1")
    assert WebSettings.from_env().cookie_secure is True
    monkeypatch.setenv("QINGSHAN_COOKIE_SECURE", "0")
    assert WebSettings.from_env().cookie_secure is False


def test_openapi_page_uses_only_our_own_assets_under_the_csp(backend):
    anon = TestClient(backend["app"])
    r = anon.get("/docs")
    assert r.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and all(ref.startswith("/static/") for ref in refs), refs
    assert "<script>" not in r.text.replace('<script src=', '')  # no inline script
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for ref in refs:
        assert anon.get(ref).status_code == 200, ref
    assert anon.get("/redoc").status_code == 404
    assert anon.get("/openapi.json").status_code == 200


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachment_name_keeps_no_path_parts_and_limit_is_not_zero_mb(backend, clients, make_item):
    item = make_item()
    unit = clients["unit_own"]
    for sent in ("C:\\Users\\张三\\桌面\\验收报告.pdf", "../../../etc/验收报告.pdf"):
        r = unit.post(f"/api/ledgers/{item['id']}/progress", data={"text": "佐证"},
                      files=[("files", (sent, PDF, "application/pdf"))])
        assert r.status_code == 201, r.text
        assert r.json()["history"]["attachments"][0]["filename"] == "验收报告.pdf"
    limit = backend["settings"].max_attachment_bytes  # 64 KB in these tests
    r = unit.post(f"/api/ledgers/{item['id']}/progress", data={"text": "大文件"},
                  files=[("files", ("大.pdf", b"%PDF-" + b"0" * limit, "application/pdf"))])
    assert r.status_code == 413 and "（64.0 KB）" in r.json()["detail"] and "0 MB" not in r.json()["detail"]
    page = unit.get(f"/ledgers/{item['id']}", headers={"Accept": "text/html"})
    assert "每个不超过 64.0 KB" in page.text


def test_browser_gets_an_html_403_page(backend, clients):
    r = clients["public"].get("/ledgers", headers={"Accept": "text/html"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "无权访问" in r.text and "公众" in r.text
    api = clients["public"].get("/api/ledgers")
    assert api.status_code == 403 and api.headers["content-type"].startswith("application/json")


def test_ledger_meta_is_open_as_documented(backend, clients):
    """docs/web-backend.md lists /api/ledgers/meta for anyone: the workflow as data, nothing private."""
    anon = TestClient(backend["app"]).get("/api/ledgers/meta")
    assert anon.status_code == 200 and anon.json() == clients["leader"].get("/api/ledgers/meta").json()
