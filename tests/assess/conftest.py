"""Fixtures of the targets/assessment/bulletin tests: one demo store (SQLite) with 2025-01-01 …
2026-03-31 of the labelled synthetic series, the demo units, targets, manual inputs and scheme,
built once per session and copied per test that writes."""

from __future__ import annotations

import shutil
from datetime import date

import pgutil
import pytest

from qingshan.demo import build
from qingshan.demo.assess import build_assess_demo
from qingshan.demo.stations import demo_stations
from qingshan.demo.synthetic import generate

YEAR, MONTH = 2026, 3
MONTH_TEXT = "2026-03"
ISSUED = date(2026, 4, 5)


@pytest.fixture(scope="session")
def _demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("assess-demo") / "demo.db"
    url = f"sqlite:///{path}"
    build.migrate_database(url)
    build.register_stations(url)
    build.write_series(url, generate(demo_stations(), date(2025, 1, 1), date(2026, 3, 31)))
    build_assess_demo(url, YEAR, MONTH)
    return path


@pytest.fixture(scope="session")
def demo_url(_demo_file) -> str:
    """The shared demo store (read-only use)."""
    return f"sqlite:///{_demo_file}"


@pytest.fixture(scope="session")
def demo_ctx(demo_url):
    """The demo's air context of 2026-03 (the hours read once for every test that builds)."""
    from qingshan.bulletin import service

    return service.load_context(demo_url, MONTH_TEXT)


@pytest.fixture(scope="session")
def air_b(demo_url, demo_ctx):
    from qingshan.bulletin import service

    return service.build(demo_url, "air", MONTH_TEXT, issued=ISSUED, ctx=demo_ctx)


@pytest.fixture(scope="session")
def work_b(demo_url, demo_ctx):
    from qingshan.bulletin import service

    return service.build(demo_url, "work", MONTH_TEXT, issued=ISSUED, ctx=demo_ctx)


@pytest.fixture
def demo_copy(_demo_file, tmp_path) -> str:
    """A private copy of the demo store (for tests that write)."""
    p = tmp_path / "demo.db"
    shutil.copyfile(_demo_file, p)
    return f"sqlite:///{p}"


PG_DB = "qingshan_test_assess"
_LOCK_KEY = 0x61737365  # "asse"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """An empty migrated store on SQLite AND on PostgreSQL."""
    from qingshan.store import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 's.db'}"
        migrate.upgrade(url)
        yield url
        return
    with pgutil.exclusive(PG_DB, _LOCK_KEY, lambda: pgutil.reset_schema(PG_DB)) as url:
        migrate.upgrade(url)
        yield url
