"""The ``web`` Alembic branch: upgrade creates the tables and the audit triggers, downgrade
removes exactly them, and upgrade works again (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from qingshan.store import migrate

WEB_TABLES = {"web_unit", "web_user", "web_session", "web_login_attempt", "web_audit", "web_rate_event",
              "ledger_item", "ledger_item_unit", "ledger_progress", "ledger_attachment"}


def _url(backend, tmp_path) -> str:
    if backend["name"] == "sqlite":
        return f"sqlite:///{tmp_path / 'mig.db'}"
    base = "postgresql+psycopg://postgres@127.0.0.1:5432/qingshan_test_web"
    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text('DROP SCHEMA IF EXISTS "web_migration" CASCADE'))
            conn.execute(text('CREATE SCHEMA "web_migration"'))
    finally:
        eng.dispose()
    return f"{base}?options=-csearch_path%3Dweb_migration"


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def test_web_branch_up_down_up(backend, tmp_path):
    url = _url(backend, tmp_path)
    migrate.upgrade(url)
    assert WEB_TABLES <= _tables(url)
    assert "web_0002" in migrate.current(url)
    eng = create_engine(url)
    try:
        with eng.begin() as conn:
            conn.execute(text("INSERT INTO web_audit (at, action) VALUES (CURRENT_TIMESTAMP, 'x')"))
        with pytest.raises(Exception, match="审计记录不可修改或删除"), eng.begin() as conn:
            conn.execute(text("DELETE FROM web_audit"))
    finally:
        eng.dispose()
    migrate.downgrade("web@base", url)
    left = _tables(url)
    assert not WEB_TABLES & left
    assert not {"web_0001", "web_0002"} & set(migrate.current(url))
    migrate.upgrade(url)
    assert WEB_TABLES <= _tables(url)
