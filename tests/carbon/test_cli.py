"""``qingshan carbon …`` through typer's CliRunner (embedded SQLite in the test's QINGSHAN_HOME)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from carbon_testdata import PLANT_USCC
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.config import database_url, home_dir
from qingshan.store import migrate

C3_SERIES = "year,co2_t,gdp_index\n2025,100,\n2026,101.2,105.3\n2027,100.3904,105.0\n"
C3_JSON = (
    "[\n"
    '  {"year": 2026, "r": 3.89, "R": 3.89, "P": 22.90, "tau": 20.00, "r_req": 3.60, "status": "green"},\n'
    '  {"year": 2027, "r": 5.52, "R": 9.20, "P": 54.13, "tau": 40.00, "r_req": 2.95, "status": "green"}\n'
    "]\n"
)


def run(*args: str):
    return CliRunner().invoke(app, ["carbon", *args])


def test_track_series_json_matches_c3_and_needs_no_database(tmp_path: Path):
    f = tmp_path / "c3.csv"
    f.write_text(C3_SERIES, encoding="utf-8")
    r = run("track", "--base", "2025", "--target", "0.17", "--series", str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    assert r.stdout == C3_JSON
    rows = json.loads(r.stdout, parse_float=Decimal)
    assert rows[0]["P"] == Decimal("22.90") and rows[1]["r_req"] == Decimal("2.95")
    assert list(rows[0]) == ["year", "r", "R", "P", "tau", "r_req", "status"]
    assert not (home_dir() / "qingshan.db").exists()  # no database touched


def test_track_series_end_year_has_null_required_rate(tmp_path: Path):
    f = tmp_path / "s.csv"
    f.write_text("year,co2_t,gdp_index\n2025,100,\n2026,101,105\n2027,101,105\n2028,101,105\n2029,100,105\n2030,99,105\n2031,98,105\n",
                 encoding="utf-8")
    r = run("track", "--base", "2025", "--target", "0.17", "--series", str(f), "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [x["year"] for x in rows] == [2026, 2027, 2028, 2029, 2030]  # 2031 ignored (warning on stderr)
    assert rows[-1]["r_req"] is None and rows[-1]["status"] == "green"  # R(2030) = 1 − 99/(100·1.05⁵) ≥ 17 %


def test_track_series_bad_file_gives_row_errors(tmp_path: Path):
    f = tmp_path / "bad.csv"
    f.write_text("year,co2_t,gdp_index\n2025,100,\n2026,一百,105\n20x7,100,105\n", encoding="utf-8")
    r = run("track", "--base", "2025", "--target", "0.17", "--series", str(f))
    assert r.exit_code == 1
    assert "第 3 行" in r.output and "co2_t" in r.output and "不是数字" in r.output and "第 4 行" in r.output
    g = tmp_path / "hdr.csv"
    g.write_text("年份,排放\n2025,1\n", encoding="utf-8")
    r = run("track", "--base", "2025", "--series", str(g))
    assert r.exit_code == 1 and "year,co2_t,gdp_index" in r.output


def test_track_table_shows_base_row(tmp_path: Path):
    f = tmp_path / "c3.csv"
    f.write_text(C3_SERIES, encoding="utf-8")
    r = run("track", "--base", "2025", "--target", "0.17", "--series", str(f))
    assert r.exit_code == 0 and "2025" in r.output and "0.00" in r.output and "54.13" in r.output


@pytest.fixture
def demo_store(carbon_demo_db):
    """The carbon demo in this test's QINGSHAN_HOME (a copy of the session's build)."""
    url = database_url()
    shutil.copyfile(carbon_demo_db, url.removeprefix("sqlite:///"))
    return url


def test_check_month_on_the_demo(demo_store):
    r = run("check", "--month", "2026-08", "--as-of", "2026-12-01")
    assert r.exit_code == 0, r.output
    assert "K-06" in r.output and "低于区间下限" in r.output
    j = run("check", "--month", "2026-08", "--as-of", "2026-12-01", "--format", "json")
    rows = json.loads(j.stdout)
    fails = [x for x in rows if x["status"] == "fail"]
    assert [(x["unit"], x["check"]) for x in fails] == [("6", "K-06")]
    assert fails[0]["values"]["区间"] == "280—325"
    ev = run("evidence", "--year", "2026", "--month", "8")
    assert ev.exit_code == 0 and json.loads(ev.stdout)[0]["evidence"]["check"]["id"] == "K-06"


def test_city_and_status_commands_on_the_demo(demo_store):
    r = run("city", "--year", "2025", "--format", "json", "--as-of", "2026-12-01")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["demo"] and rep["figures"]["co2_total"]["value"] == "38971584"
    t = run("city", "--year", "2025", "--electricity-trade", "territorial", "--as-of", "2026-12-01")
    assert t.exit_code == 0 and "属地口径" in t.output and "演示" in t.output
    bad = run("city", "--year", "2025", "--electricity-trade", "national")
    assert bad.exit_code == 1
    none = run("city", "--year", "2019")
    assert none.exit_code == 1 and "没有 2019 年" in none.output
    tr = run("track", "--base", "2025", "--format", "json", "--as-of", "2026-12-01")
    assert tr.exit_code == 0, tr.output
    rows = json.loads(tr.stdout)
    assert [x["year"] for x in rows] == [2026] and rows[0]["status"] in ("green", "yellow", "red")
    st = run("status", "--year", "2026", "--months", "9", "--as-of", "2026-12-01")
    assert st.exit_code == 0 and "演示" in st.output


def test_import_command_refuses_a_bad_file(tmp_path: Path):
    migrate.upgrade(database_url())
    f = tmp_path / "bad.csv"
    f.write_text("统一社会信用代码,机组编号,年份,月份,入炉煤量(t)\n" f"{PLANT_USCC},1,2026,13,abc\n", encoding="utf-8")
    r = run("import", "power", str(f))
    assert r.exit_code == 1
    assert "未导入" in r.output and "没有编号为“1”的机组" in r.output and "不是数字" in r.output
    j = run("import", "power", str(f), "--format", "json")
    assert j.exit_code == 1 and json.loads(j.stdout)["status"] == "failed"


def test_registry_factor_and_plan_commands():
    assert run("unit", "NOPE", "1", "--name", "x", "--capacity", "600").exit_code == 1
    r = run("facility", PLANT_USCC, "TP", "--name", "测试", "--sector", "power")
    assert r.exit_code == 1 and "未登记" in r.output
    add = run("factor", "add", "--table", "grid_statistical", "--key", "shanxi", "--param", "ef", "--value", "0.7",
              "--unit", "tCO2/MWh", "--from", "2023", "--to", "2023", "--version", "局-1", "--source", "测试")
    assert add.exit_code == 0, add.output
    dup = run("factor", "add", "--table", "grid_statistical", "--key", "shanxi", "--param", "ef", "--value", "0.71",
              "--unit", "tCO2/MWh", "--from", "2023", "--to", "2023", "--version", "局-1", "--source", "测试")
    assert dup.exit_code == 1 and "新版本号" in dup.output
    lst = run("factor", "list", "--table", "grid_statistical", "--format", "json")
    rows = json.loads(lst.stdout)
    assert any(x["version"] == "局-1" and x["origin"] == "bureau" for x in rows)
    assert run("plan", "--base", "2025", "--target", "17", "--source", "x").exit_code == 1
    assert run("plan", "--base", "2025", "--target", "0.17", "--source", "测试").exit_code == 0


def test_balance_and_gdp_entered_by_hand():
    r = run("balance-set", "--year", "2025", "--item", "原煤", "--use", "火力发电及供热", "--quantity", "2600", "--unit", "万t")
    assert r.exit_code == 0, r.output
    r = run("balance-set", "--year", "2025", "--item", "原煤", "--use", "火力发电及供热", "--quantity", "2601", "--unit", "万t")
    assert r.exit_code == 0 and "原为 26000000" in r.output
    bad = run("balance-set", "--year", "2025", "--item", "木柴", "--use", "终端消费", "--quantity", "1")
    assert bad.exit_code == 1 and "不是能源平衡表的品种" in bad.output
    bad = run("balance-set", "--year", "2025", "--period", "二季度", "--item", "原煤", "--use", "终端消费", "--quantity", "1")
    assert bad.exit_code == 1 and "期间" in bad.output
    assert run("gdp-set", "--year", "2025", "--nominal", "1950").exit_code == 0
    g = run("gdp-set", "--year", "2026", "--index", "300")
    assert g.exit_code == 1 and "不合理" in g.output
    r = run("city", "--year", "2025", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["figures"]["co2_total"]["exact"] is not None


def test_track_series_repeated_year_names_the_rows(tmp_path: Path):
    # §8.4 takes one intensity per year; 2026 appears on rows 3 and 5 (header = row 1)
    f = tmp_path / "dup.csv"
    f.write_text("year,co2_t,gdp_index\n2025,100,\n2026,101.2,105.3\n2027,100.3904,105.0\n2026,99,105\n",
                 encoding="utf-8")
    r = run("track", "--base", "2025", "--target", "0.17", "--series", str(f))
    assert r.exit_code == 1
    assert "dup.csv，第 5 行，字段「year」：年份 2026 与第 3 行重复" in r.output
