"""The demo seed: Datong's organisation with GB/T 2260 codes, one account per role, ledger items
from the 2023 conference (facts where FACTS.md reaches, 演示 where invented)."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from qingshan.ledgers.models import LedgerItem
from qingshan.web.app import create_app
from qingshan.core.org import Unit
from qingshan.web.seed import seed_demo


def _fresh_pg_schema(schema: str) -> str:
    """A fresh schema inside the web test database, selected through ``search_path``."""
    server = "postgresql+psycopg://postgres@127.0.0.1:5432/qingshan_test_web"
    eng = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        eng.dispose()
    return f"{server}?options=-csearch_path%3D{schema}"


def test_seed_demo(tmp_path, backend):
    if backend["name"] == "sqlite":
        url = f"sqlite:///{tmp_path / 'demo.db'}"
    else:
        url = _fresh_pg_schema("seed_demo")
    settings = replace(backend["settings"], database_url=url, home=tmp_path, migrate=True)
    accounts = seed_demo(settings=settings)
    assert seed_demo(settings=settings) == accounts  # idempotent
    app = create_app(replace(settings, migrate=False))
    try:
        with app.state.sessionmaker() as db:
            units = {u.code: u.name for u in db.scalars(select(Unit))}
            items = db.scalars(select(LedgerItem)).all()
        # FACTS.md §1: the city, 4 districts + 6 counties after the 2018 adjustment, the NBS-only zone
        assert units["140200"] == "大同市"
        assert {c: units[c] for c in ("140212", "140213", "140214", "140215", "140221", "140222", "140223",
                                      "140224", "140225", "140226")} == {
            "140212": "新荣区", "140213": "平城区", "140214": "云冈区", "140215": "云州区", "140221": "阳高县",
            "140222": "天镇县", "140223": "广灵县", "140224": "灵丘县", "140225": "浑源县", "140226": "左云县"}
        assert units["140271"] == "山西大同经济开发区"
        assert not {"140202", "140203", "140211", "140227"} & set(units)  # abolished in 2018
        kinds = {i.kind for i in items}
        assert kinds == {"key_task", "inspection", "hazard", "complaint"}
        titles = " ".join(i.title for i in items)
        assert "劣Ⅴ" in titles and "山西煤炭运销集团大同晋银矿业有限公司选矿厂" in titles
        jinyin = next(i for i in items if "晋银" in i.title)
        assert jinyin.deadline.isoformat() == "2024-12-31" and jinyin.data["hazard_type"] == "尾矿库"
        assert all("演示" in (i.data.get("note", "") + i.title + i.data.get("content", "")) for i in items)
        # every demo account logs in with the printed password and lands in its role
        for username, password in accounts.items():
            c = TestClient(app)
            r = c.post("/api/auth/login", json={"username": username, "password": password})
            assert r.status_code == 200, username
        roles = {r.json()["user"]["role"] for r in [
            TestClient(app).post("/api/auth/login", json={"username": u, "password": p}) for u, p in accounts.items()]}
        assert roles == {"admin", "staff", "unit", "leader", "public"}
    finally:
        app.state.engine.dispose()
