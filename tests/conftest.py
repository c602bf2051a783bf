"""Suite-wide fixtures: an isolated QINGSHAN_HOME per test, the shared data folder, and the air
store's databases (used by tests/store, tests/ingest and whoever needs observations).

``db_url`` hands out an already migrated database with the air tables emptied: a copy of a
session template file on SQLite, and a truncate on PostgreSQL (a full reset and upgrade only when
the schema is not at the heads). ``sqlite_url`` and ``pg_url`` are empty databases for the
migration tests themselves. Folders with databases of their own override these names.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import pgutil
from qingshan.core import clock
from qingshan.store import migrate

#: the web workspace's fixtures (backend, clients, make_item …), shared by tests/web and tests/ledgers
pytest_plugins = ["workspace"]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QINGSHAN_SHARED", REPO.parent / "shared"))


PG_PAGES_TESTS = "/web/browser/test_pages_postgres.py"


def pytest_collection_modifyitems(session, config, items):
    """The pages-on-PostgreSQL tests first. Runs on this machine share the PostgreSQL test
    databases under advisory locks; every run takes them in one order — the pages' database (for
    that one module), then the workspace database (tests/ledgers, tests/web: held for the rest
    of the session) — so concurrent runs queue and never wait for each other in a cycle."""
    first = [i for i in items if PG_PAGES_TESTS in f"/{i.nodeid}"]
    if first:
        items[:] = first + [i for i in items if PG_PAGES_TESTS not in f"/{i.nodeid}"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def cnemc_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "cnemc"


#: "Now" of the tests that depend on today's date (Beijing): inside the demo's synthetic data
#: range (2025-01-01 … 2026-12-31), after the 2026-03-01 edition switch.
FROZEN_NOW = datetime(2026, 11, 29, 10, 0)


@pytest.fixture(scope="session")
def frozen_now() -> datetime:
    return FROZEN_NOW


@pytest.fixture
def frozen_clock(frozen_now):
    """Freeze :mod:`qingshan.core.clock` at :data:`FROZEN_NOW` for one test (process-wide:
    server and background threads see it too)."""
    with clock.frozen(frozen_now):
        yield frozen_now


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("qingshan-home")
    monkeypatch.setenv("QINGSHAN_HOME", str(home))
    monkeypatch.delenv("QINGSHAN_DATABASE_URL", raising=False)
    yield home


# --- the air store's test databases ------------------------------------------------------
PG_DB = "qingshan_test_air"
PG_URL = pgutil.url(PG_DB)
AIR_TABLES = ("air_published_aqi", "air_observations", "import_errors", "import_batches", "air_stations", "divisions")
_LOCK_KEY = 0x71696E67  # pg_advisory_lock key of the air-store database


def _reset_pg_schema() -> None:
    pgutil.reset_schema(PG_DB)


def _empty_pg_air_tables() -> None:
    if not migrate.is_up_to_date(PG_URL):
        _reset_pg_schema()
        migrate.upgrade(PG_URL)
    eng = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(AIR_TABLES)} RESTART IDENTITY CASCADE"))
    finally:
        eng.dispose()


def _locked(prepare):
    """Hold the advisory lock for the test's duration: concurrent pytest runs on this machine
    (several engineers, CI) would otherwise reset the database under each other."""
    with pgutil.exclusive(PG_DB, _LOCK_KEY, prepare) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A new, empty SQLite file."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("air-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_sqlite_url(_sqlite_template, tmp_path) -> str:
    """A migrated SQLite file with empty tables (copy of the session template)."""
    path = tmp_path / "store.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_url():
    """An empty PostgreSQL database (schema dropped and recreated)."""
    yield from _locked(_reset_pg_schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request):
    """Every store test runs on the embedded SQLite default AND on PostgreSQL (migrated, empty)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("migrated_sqlite_url")
        return
    yield from _locked(_empty_pg_air_tables)
