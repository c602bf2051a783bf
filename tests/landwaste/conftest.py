"""Databases for the landwaste tests: every store test runs on SQLite and on the local
PostgreSQL (own database and advisory-lock key, so concurrent runs do not collide)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.orm import Session

import pgutil
from qingshan.store import migrate

PG_DB = "qingshan_test_landwaste"
_LOCK_KEY = 0x6C616E64  # "land"
TABLES = ("soil_result", "soil_sample", "soil_point", "soil_plot", "soil_survey", "soil_import",
          "waste_receiver", "waste_monthly", "waste_site", "waste_target", "waste_hw_alarm", "waste_hw_event",
          "waste_hw_manifest", "waste_hw_ledger", "waste_import",
          "ponds_attachment", "ponds_record", "ponds_monitoring", "ponds_responsible", "ponds_grade", "ponds_pond", "ponds_import",
          "src_outlet_limit", "src_device", "src_outlet", "src_enterprise",
          "ledger_attachment", "ledger_progress", "ledger_item_unit", "ledger_item")


def _prepare_pg() -> None:
    pgutil.migrated_and_truncated(PG_DB, TABLES)


@pytest.fixture(scope="session")
def _lw_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("landwaste-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def lw_url(request, _lw_template, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "lw.db"
        shutil.copyfile(_lw_template, path)
        yield f"sqlite:///{path}"
        return
    with pgutil.exclusive(PG_DB, _LOCK_KEY, _prepare_pg) as url:
        yield url


@pytest.fixture
def lw_session(lw_url):
    from qingshan.store.db import make_engine

    eng = make_engine(lw_url)
    with Session(eng) as s:
        yield s
    eng.dispose()


@pytest.fixture
def cli_db(lw_url, monkeypatch):
    """Point the CLI at the test database."""
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", lw_url)
    return lw_url


@pytest.fixture
def staff(lw_session):
    """A bureau account (``staff``) and the Datong organisation in the test database."""
    from sqlalchemy import select

    from qingshan.core.org import User, ensure_org

    units = ensure_org(lw_session)
    user = lw_session.scalar(select(User).where(User.username == "lw_staff"))
    if user is None:
        user = User(username="lw_staff", display_name="固废科 测试", role="staff", unit_id=units["大同市生态环境局"].id,
                    password_hash="-", active=True, failed_logins=0)
        lw_session.add(user)
    lw_session.commit()
    return user
