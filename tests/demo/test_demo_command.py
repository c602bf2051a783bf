"""``qingshan demo`` end to end on a temporary QINGSHAN_HOME (SQLite), two months, no gateway, no server."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from qingshan.demo.cli import demo

COUNTIES = ["新荣区", "平城区", "云冈区", "云州区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县"]


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(demo)
    return app


@pytest.mark.slow  # ≈ 10 s per database on an idle machine
def test_demo_prints_evaluation_and_ranking(_isolated_home, db_url):
    env = {"COLUMNS": "200"}
    if db_url.startswith("postgresql"):  # server mode; SQLite is the default in QINGSHAN_HOME
        env["QINGSHAN_DATABASE_URL"] = db_url
    result = CliRunner().invoke(
        _app(),
        ["--from", "2026-01-01", "--to", "2026-02-28", "--no-serve", "--no-gateway", "--today", "2026-03-01"],
        env=env,
    )
    out = result.output
    assert result.exit_code == 0, out + repr(result.exception)
    # After the air evaluation, the domains' demos (demo/domains.py): water first.
    assert "地表水演示：" in out, out[-3000:]
    air_out, water = out.split("地表水演示：", 1)
    assert "地表水环境质量 " in water and "（含演示/合成数据）" in water
    assert "断面水质" in water and "区县 CWQI 排名" in water and "全市 CWQI" in water and "劣Ⅴ类断面" in water
    assert "十里河（演示断面）" in water and "/water" in water
    # the simulator's first water device (index 3 of make_devices) linked to the invented station
    # section; with --no-gateway nothing is synced, so no sync line
    assert f"自动站（演示）：模拟设备 MN 5A4D{3:020X} 已关联断面 DT-ZDZ" in out.replace("\n", "")
    assert "自动站（演示）MN" not in out
    # The sections, the period and the synthetic labels.
    assert "全市评价" in out and "区县排名" in out
    assert "2026年1—2月" in out
    assert "合成演示数据" in out and "不是大同市的真实空气质量" in out
    assert "演示站点" in out
    assert "此前写入的演示值" not in out  # a fresh home holds exactly this run's values
    # Every district and county is ranked, ranks 1..10 in order (competition ranking may tie).
    rows = [line for line in air_out.splitlines()  # the air ranking (water ranks its counties too)
            if any(c in line for c in COUNTIES) and re.match(r"^\s*[│|]?\s*\d+\s", line)]
    assert sorted({c for line in rows for c in COUNTIES if c in line}) == sorted(COUNTIES)
    ranks = [int(re.match(r"^\s*[│|]?\s*(\d+)", line).group(1)) for line in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    # 59 natural days in 2026-01/02, every one of them with valid city data.
    assert re.search(r"有效天数[^\n]*\b59\b", out)
    # The chart is written into QINGSHAN_HOME.
    png = _isolated_home / "demo" / "datong-2026-1-2.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in out.replace("\n", "")
    # The domains' demo steps (DOMAIN_DEMOS): soil, waste, manifests and ponds with their ledger items.
    assert "净土与风险底线" in out and "搬迁地块结论" in out and "综合利用率" in out
    assert "接收确认逾期" in out and "系统按联单时限自动建立" in out and "销号被拒" in out


def test_bad_period_is_refused(_isolated_home):
    result = CliRunner().invoke(_app(), ["--from", "2026-01-01", "--to", "2026-02-15", "--months", "3", "--no-serve"])
    assert result.exit_code == 2
    assert "不包含完整" in result.output


def test_refuses_to_mix_demo_data_into_real_data(_isolated_home):
    """A database that already holds real observations is left alone unless --force is given."""
    from datetime import datetime

    import polars as pl

    from qingshan.config import database_url
    from qingshan.demo import build
    from qingshan.store.observations import ObservationStore

    url = database_url()
    build.migrate_database(url)
    build.register_stations(url)
    store = ObservationStore(url)
    store.write(
        pl.DataFrame({"station_code": ["1724A"], "time": [datetime(2022, 1, 2, 9)], "pm25": [21]}), source="cnemc"
    )
    store.close()
    result = CliRunner().invoke(_app(), ["--from", "2026-01-01", "--to", "2026-01-31", "--no-serve", "--no-gateway"])
    assert result.exit_code == 2
    assert "非演示的监测值" in result.output and "QINGSHAN_HOME" in result.output
    assert build.stored_count(url) == 0  # nothing synthetic was written
