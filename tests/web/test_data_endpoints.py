"""Air and pollution-source endpoints: internal only, answering from the other domains' stores."""

from __future__ import annotations


def test_air_latest_and_source_alarms(clients):
    for path in ("/api/air/latest", "/api/sources/alarms"):
        assert clients["public"].get(path).status_code == 403
    r = clients["leader"].get("/api/air/latest")
    assert r.status_code == 200, r.text
    assert r.json()["stations"] == []  # the test database holds no observations
    r = clients["staff"].get("/api/sources/alarms?open_only=false")
    assert r.status_code == 200, r.text
    assert r.json() == {"alarms": [], "count": 0}


def test_openapi_lists_the_public_complaint_api(backend):
    from fastapi.testclient import TestClient

    c = TestClient(backend["app"])
    spec = c.get("/openapi.json").json()
    assert "post" in spec["paths"]["/api/complaints"]
    assert "get" in spec["paths"]["/api/complaints/{tracking_no}"]
    assert c.get("/docs").status_code == 200


def test_micro_units_render_as_exact_decimals():
    from qingshan.web.api.air import _micro_to_text

    assert _micro_to_text(35_000_000) == "35"
    assert _micro_to_text(1_250_000) == "1.25"
    assert _micro_to_text(1) == "0.000001"
    assert _micro_to_text(None) is None


def test_store_rationals_render_as_exact_decimals():
    # the observation store hands out exact {num, den} structs (den 10**6), never floats
    from qingshan.web.api.air import _value_to_text

    assert _value_to_text({"num": 1_250_000, "den": 1_000_000}) == "1.25"
    assert _value_to_text({"num": 52_000_000, "den": 1_000_000}) == "52"
    assert _value_to_text({"num": None, "den": None}) is None
    assert _value_to_text(None) is None


def test_generic_errors_in_chinese(clients):
    r = clients["staff"].get("/api/no-such-thing")
    assert r.status_code == 404 and r.json()["detail"] == "未找到请求的地址或资源。"
    r = clients["staff"].delete("/api/ledgers/1", headers={"X-CSRF-Token": clients["staff"].headers["X-CSRF-Token"]})
    assert r.status_code == 405 and "不支持" in r.json()["detail"]
    r = clients["staff"].get("/api/ledgers/999999999")
    assert r.status_code == 404 and "不存在" in r.json()["detail"]
    r = clients["staff"].get("/api/ledgers?limit=abc")
    assert r.status_code == 422 and "limit" in r.json()["errors"][0]["message"]


def test_air_latest_is_cached_like_the_pages(clients, monkeypatch):
    """Issue 9 item 10: /api/air/latest took ~400 ms uncached on every call."""
    from qingshan.store.observations import ObservationStore
    from qingshan.web.pages import figures

    figures.clear_cache()
    calls = []
    real = ObservationStore.latest

    def counting(self, *a, **kw):
        calls.append(1)
        return real(self, *a, **kw)

    monkeypatch.setattr(ObservationStore, "latest", counting)
    first = clients["leader"].get("/api/air/latest").json()
    for _ in range(5):
        assert clients["leader"].get("/api/air/latest").json() == first
    assert len(calls) == 1
