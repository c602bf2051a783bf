"""Fixtures of the targets/assessment/bulletin tests: the assess demo store (:mod:`assess_demo`,
built once per session, copied per test that writes), the air context of 2026-03 and both
bulletins built once, and an empty migrated store on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pgutil
import pytest
from assess_demo import MONTH, MONTH_TEXT, YEAR, copy_of, demo_file

__all__ = ["MONTH", "MONTH_TEXT", "YEAR"]
ISSUED = date(2026, 4, 5)


@pytest.fixture(scope="session", autouse=True)
def _one_read_per_store():
    """``AirContext.load`` memoised per (store URL, date, settings, history years) for this folder's
    session: each store's hours are read (really) once, then every command, page and builder on
    the same store and date reuses that context — as a long-running web process does. A private
    copy of the store has its own URL and reads its own hours."""
    from qingshan.air.settings import DEFAULT
    from qingshan.config import database_url
    from qingshan.targets.context import AirContext

    real = AirContext.load.__func__
    cache: dict = {}

    def load(cls, url, end, *, settings=DEFAULT, history_years=5, store=None):
        key = (url or database_url(), end, settings, history_years)  # None: QINGSHAN_DATABASE_URL now
        if key not in cache:
            cache[key] = real(cls, url, end, settings=settings, history_years=history_years, store=store)
        return cache[key]

    mp = pytest.MonkeyPatch()
    mp.setattr(AirContext, "load", classmethod(load))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def _demo_file(tmp_path_factory, frozen_now):
    return demo_file(tmp_path_factory, frozen_now)


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
    return copy_of(_demo_file, tmp_path)


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
