"""The pages on PostgreSQL (server mode): the same code paths as on the embedded SQLite."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def pg_app(pg_site):
    from qingshan.web.app import create_app
    from qingshan.web.pages import figures as data

    data.clear_cache()
    app = create_app(pg_site.settings)
    yield app
    app.state.engine.dispose()
    data.clear_cache()


@pytest.fixture(autouse=True)
def _inline(monkeypatch):
    from qingshan.web.pages import figures as data

    monkeypatch.setattr(data, "INLINE", True)


def _client(app, pg_login, username):
    c = TestClient(app)
    assert pg_login(c, username).status_code == 303
    return c


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_overview_and_air_calendar_on_postgres(pg_app, pg_login, pg_site):
    c = _client(pg_app, pg_login, "leader")
    html = c.get("/overview").text
    assert 'id="city-aqi"' in html and "天镇县" in html.split('id="overdue"', 1)[1].split("</section>", 1)[0]
    air = c.get("/air").text
    cal = json.loads(re.search(r'<script type="application/json" id="chart-calendar">(.*?)</script>', air, re.S).group(1))
    assert 7 <= len(cal["series"][0]["data"]) <= pg_site.air_days


def test_progress_with_evidence_and_public_complaint_on_postgres(pg_app, pg_login, pg_site):
    c = _client(pg_app, pg_login, "pingcheng")
    item = pg_site.items["task"]
    page = c.get(f"/ledgers/{item}").text
    r = c.post(f"/ledgers/{item}/progress", data={"text": "PostgreSQL 上报送进展", "csrf_token": _csrf(page)},
               files={"files": ("验收.pdf", PDF, "application/pdf")}, follow_redirects=True)
    assert "进展已保存" in r.text and "验收.pdf" in r.text
    public = TestClient(pg_app)
    form = public.get("/portal/complaint").text
    r = public.post("/portal/complaint", data={"content": "PostgreSQL 测试投诉", "csrf_token": _csrf(form)},
                    follow_redirects=True)
    no = re.search(r'id="tracking-no">([^<]+)<', r.text).group(1)
    assert no in public.get(f"/portal/track?no={no}").text
