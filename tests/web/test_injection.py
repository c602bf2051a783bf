"""Script injection in every text field is stored verbatim, returned as JSON data, and rendered
harmless (escaped) by the templates; the public complaint status never echoes submitted text."""

from __future__ import annotations

import pytest

from qingshan.ledgers.kinds import KIND_FIELDS
from qingshan.web.deps import templates

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&"
SHORT = "<svg onload=alert(1)>"  # fits the 30-character phone field
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;"


def test_templates_escape_everything():
    # autoescape is on for every template, whatever its file extension
    assert templates.env.autoescape is True
    assert templates.env.from_string("<td>{{ v }}</td>").render(v=XSS) == f"<td>{ESCAPED}</td>"


@pytest.mark.parametrize("kind", sorted(KIND_FIELDS))
def test_every_text_field_round_trips_verbatim_and_renders_escaped(backend, clients, make_item, kind):
    text_fields = {f.key: f"{f.label}{XSS}" if len(f.label + XSS) <= f.max_len else SHORT
                   for f in KIND_FIELDS[kind] if f.type in ("text", "longtext")}
    base = make_item(kind)
    fields = dict(base["fields"])
    fields.update(text_fields)
    item = make_item(kind, title=f"标题{XSS}", fields=fields)
    got = clients["staff"].get(f"/api/ledgers/{item['id']}")
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["x-content-type-options"] == "nosniff"
    body = got.json()
    assert body["title"] == f"标题{XSS}"
    for key, value in text_fields.items():
        assert body["fields"][key] == value
    # progress text and a transition note too
    r = clients["staff"].post(f"/api/ledgers/{item['id']}/progress", data={"text": f"进展{XSS}"})
    assert r.status_code == 201
    assert r.json()["history"]["entries"][-1]["text"] == f"进展{XSS}"
    # whatever a page does with these values, the shared template environment escapes them
    html = templates.env.from_string(
        "{{ i.title }}{% for k, v in i.fields.items() %}<p>{{ v }}</p>{% endfor %}"
    ).render(i=body)
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert ESCAPED in html


def test_pages_render_injected_text_escaped(backend, clients, make_item, route_table):
    """The item page and the ledger list show the injected title only escaped."""
    item = make_item("key_task", title=f"页面{XSS}", fields={"area": "水", "measures": f"措施{XSS}"})
    clients["staff"].post(f"/api/ledgers/{item['id']}/progress", data={"text": f"进展{XSS}"})
    page_paths = {path for path, methods in route_table if "GET" in methods}
    assert {"/ledgers", "/ledgers/{item_id}"} <= page_paths
    for url in (f"/ledgers/{item['id']}", "/ledgers?kind=key_task"):
        page = clients["staff"].get(url, headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "页面&lt;script&gt;" in page.text
        assert "<script>alert(" not in page.text and "onerror=alert(1)>" not in page.text
    # CSP forbids inline script as a second line of defence
    assert "script-src 'self'" in clients["staff"].get("/api/auth/me").headers["content-security-policy"]


def test_public_status_does_not_echo_submitted_text(backend):
    from fastapi.testclient import TestClient

    anon = TestClient(backend["app"])
    r = anon.post("/api/complaints", json={"content": XSS, "location": XSS, "contact_name": SHORT})
    assert r.status_code == 201
    status = anon.get(f"/api/complaints/{r.json()['tracking_no']}").json()
    assert XSS not in str(status.values()) and SHORT not in str(status.values())
