"""The carbon demo builder on a fresh store (SQLite and PostgreSQL), and the carbon migration branch."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from rich.console import Console
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from qingshan.carbon.models import CarbonFacility, CarbonPowerMonth, CarbonUnit
from qingshan.carbon.report import enterprise_list, unit_detail
from qingshan.demo.carbon import build_carbon_demo, render_carbon_summary
from qingshan.sources.models import Enterprise
from qingshan.store import migrate
from qingshan.store.base import Base
from qingshan.store.db import make_engine


def test_demo_builder_plants_and_catches(carbon_url):
    engine = make_engine(carbon_url)
    try:
        summary = build_carbon_demo(engine)
        assert all(i["status"] == "ok" for i in summary.imports), summary.imports
        assert summary.enterprises[:3] == ["国电电力大同湖东发电有限公司", "国电电力大同发电有限责任公司", "国电电力大同第二发电厂"]
        assert any("K-06" in c and "6号机组" in c and "8月" in c for c in summary.caught)
        assert any("K-02" in c and "5号机组" in c and "6月" in c for c in summary.caught)
        assert len(summary.caught) == 2
        with Session(engine) as s:
            assert all(f.demo for f in s.scalars(select(CarbonFacility)))
            assert all("演示" in (e.industry or "") or "演示" in e.name for e in s.scalars(select(Enterprise)))
            n = s.scalar(select(func.count()).select_from(CarbonPowerMonth))
            ents = {e.facility_code: e for e in enterprise_list(s, 2026, as_of=date(2026, 12, 1), through_month=10)}
            dtfd = ents["DTFD"]
            assert dtfd.status == "fail" and dtfd.demo
            u5 = next(u for u in dtfd.units if u.code == "5")
            det = unit_detail(s, u5.unit_id, 2026, as_of=date(2026, 12, 1), through_month=10)
            k01_april = next(c for c in det.months[3].checks if c.check == "K-01")
            assert k01_april.status == "warn" and k01_april.values["late"] == "true"
            k10 = next(c for c in det.year_checks if c.check == "K-10")
            assert k10.status == "warn" and k10.values["月份"] == "6月"
            assert det.months[5].figures["cc_used"].value == "0.03085"
            assert ents["HUDONG"].status == "pass" and ents["DEMOCEM"].sector == "cement"
        # idempotent: a second build duplicates nothing
        again = build_carbon_demo(engine)
        assert all(i["inserted"] == 0 and i["status"] == "ok" for i in again.imports)
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(CarbonPowerMonth)) == n == 110  # (2 + 2 + 6 units + 1 plant line) × 10 months
            assert s.scalar(select(func.count()).select_from(CarbonUnit)) == 12  # 10 units, 1 plant line, 1 clinker line
        console = Console(record=True, width=160)
        render_carbon_summary(console, again)
        text = console.export_text()
        assert "演示" in text and "K-06" in text and "大同市碳排放核算（合成演示数据）" in text
    finally:
        engine.dispose()


def test_carbon_branch_matches_models_and_downgrades(sqlite_url):
    migrate.upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "carbon_" in str(d)] == []
    finally:
        engine.dispose()
    assert "carbon_0002" in migrate.current(sqlite_url)
    migrate.downgrade("carbon@base", sqlite_url)
    assert not {"carbon_0001", "carbon_0002"} & migrate.current(sqlite_url)
    migrate.upgrade(sqlite_url)
    assert "carbon_0002" in migrate.current(sqlite_url)


def test_qingshan_demo_prints_the_intensity_status_and_the_caught_checks(carbon_demo_db, tmp_path):
    """The demo hook (``DOMAIN_DEMOS``) runs the carbon builder and prints the issue's must-show."""
    import shutil

    from qingshan.demo import domains
    from qingshan.demo.carbon import build_carbon_demo

    entry = next(d for d in domains.DOMAIN_DEMOS if d.build is build_carbon_demo)
    shutil.copyfile(carbon_demo_db, tmp_path / "demo.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    console = Console(record=True, width=220)
    try:
        domains.run(console, engine, (entry,))
    finally:
        engine.dispose()
    lines = console.export_text().splitlines()
    status = next(i for i, line in enumerate(lines) if line.startswith("目标任务·单位GDP二氧化碳排放"))
    assert "2026年1—9月" in lines[status] and "累计下降" in lines[status] and "UNCONFIRMED" in lines[status]
    caught = [line for line in lines if line.startswith("校核查出（不通过）")]
    assert len(caught) == 2 and any("K-06" in c and "6号机组" in c for c in caught)
    assert status < lines.index(caught[0])  # the status first, then the caught checks
    assert "演示" in lines[0]
