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
    assert "web_0003" in migrate.current(url)
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
    assert not {"web_0001", "web_0002", "web_0003"} & set(migrate.current(url))
    migrate.upgrade(url)
    assert WEB_TABLES <= _tables(url)


def test_web_0003_masks_numbers_in_stored_complaint_titles(backend, tmp_path):
    url = _url(backend, tmp_path)
    migrate.upgrade(url, "web_0002")
    eng = create_engine(url)
    try:
        with eng.begin() as conn:
            for i, (kind, title) in enumerate([("complaint", "夜间施工，电话 13912345678，身份证 14020019900101123X"),
                                               ("complaint", "河道排污（2026年第3号）"),
                                               ("key_task", "完成 1234567 吨减排")]):
                conn.execute(text("INSERT INTO ledger_item (kind, code, title, status, data, version, created_at, updated_at) "
                                  "VALUES (:k, :c, :t, 'new', '{}', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"k": kind, "c": f"X-{i}", "t": title})
        migrate.upgrade(url, "web_0003")
        with eng.connect() as conn:
            titles = [r[0] for r in conn.execute(text("SELECT title FROM ledger_item ORDER BY code"))]
    finally:
        eng.dispose()
    assert titles == ["夜间施工，电话 139****5678，身份证 140****1123", "河道排污（2026年第3号）", "完成 1234567 吨减排"]
