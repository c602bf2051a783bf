"""Carbon domain fixtures: a migrated store on SQLite and on the local PostgreSQL (own database and lock)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.orm import Session

import pgutil
from carbon_testdata import CEMENT_USCC, PLANT_USCC
from qingshan.sources import registry as src
from qingshan.store import migrate

PG_DB = "qingshan_test_carbon"
_LOCK_KEY = 0x63617262  # "carb": one test run at a time owns qingshan_test_carbon
CARBON_TABLES = ("carbon_check_item", "carbon_check", "carbon_run", "carbon_power_month", "carbon_annual_report", "carbon_cement_month",
                 "carbon_city_balance", "carbon_city_gdp", "carbon_plan", "carbon_factor", "carbon_unit",
                 "carbon_facility", "carbon_import_batch", "src_outlet_limit", "src_device", "src_outlet", "src_enterprise")


def _prepare_pg() -> None:
    pgutil.migrated_and_truncated(PG_DB, CARBON_TABLES)


@pytest.fixture(scope="session")
def _carbon_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("carbon-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def carbon_url(request, _carbon_template, tmp_path):
    """A migrated, empty store: SQLite (copy of a template) and PostgreSQL (truncated, advisory lock)."""
    if request.param == "sqlite":
        path = tmp_path / "carbon.db"
        shutil.copyfile(_carbon_template, path)
        yield f"sqlite:///{path}"
        return
    with pgutil.exclusive(PG_DB, _LOCK_KEY, _prepare_pg) as url:
        yield url


@pytest.fixture
def sqlite_carbon_url(_carbon_template, tmp_path):
    path = tmp_path / "carbon.db"
    shutil.copyfile(_carbon_template, path)
    return f"sqlite:///{path}"




@pytest.fixture
def plant(carbon_url):
    """One plant (2 × 600 MW, air-cooled) and one cement line registered; yields (url, session)."""
    from qingshan.carbon import registry
    from qingshan.store.db import make_engine

    engine = make_engine(carbon_url)
    with Session(engine, expire_on_commit=False) as s:
        src.add_enterprise(s, "测试电厂（测试）", PLANT_USCC, "火力发电", "140215")
        fac = registry.add_facility(s, PLANT_USCC, "TP", "测试电厂", "power")
        registry.add_unit(s, fac, registry.UnitSpec("1", "1号机组", "unit", "600", "conventional", False, "air"))
        registry.add_unit(s, fac, registry.UnitSpec("2", "2号机组", "unit", "600", "conventional", False, "air"))
        src.add_enterprise(s, "测试水泥（测试）", CEMENT_USCC, "水泥", "140226")
        cf = registry.add_facility(s, CEMENT_USCC, "TC", "测试水泥", "cement")
        registry.add_unit(s, cf, registry.UnitSpec("L1", "1号线", "clinker_line", clinker_type="portland"))
        s.commit()
        yield carbon_url, s
    engine.dispose()


@pytest.fixture(scope="session")
def carbon_demo_db(_carbon_template, tmp_path_factory):
    """A SQLite file holding the carbon demo (built once per session; copy it before writing)."""
    from qingshan.demo.carbon import build_carbon_demo
    from qingshan.store.db import make_engine

    path = tmp_path_factory.mktemp("carbon-demo") / "demo.db"
    shutil.copyfile(_carbon_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        build_carbon_demo(engine)
    finally:
        engine.dispose()
    return path
