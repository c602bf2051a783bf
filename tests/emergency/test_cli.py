"""``qingshan emergency …`` through Typer's CliRunner (Chinese output, exit codes, formats)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import polars as pl
import pytest
from emergency_support import E2_MN, E2_ROW, list_workbook, register_plants
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.emergency.hj212_store import write_hourly

E1A = """city,block_start,aqi,primary_pollutant
大同市,2026-12-01,169,PM2.5
大同市,2026-12-02,215,PM2.5
大同市,2026-12-03,236,PM2.5
大同市,2026-12-04,312,PM2.5
大同市,2026-12-05,182,PM2.5
大同市,2026-12-06,132,PM2.5
大同市,2026-12-07,110,PM2.5
朔州市,2026-12-01,160,PM2.5
朔州市,2026-12-02,170,PM2.5
"""
runner = CliRunner()


def level(tmp_path, text: str, *args: str):
    f = tmp_path / "forecast.csv"
    f.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["emergency", "level", str(f), "--run-time", "2026-11-29T16:00", *args])


def rows(out: str) -> dict[str, dict]:
    return {r["city"]: r for r in csv.DictReader(io.StringIO(out))}


def test_level_csv_one_row_per_city(tmp_path):
    res = level(tmp_path, E1A, "--format", "csv")
    assert res.exit_code == 0, res.output
    got = rows(res.stdout)
    assert list(next(csv.reader(io.StringIO(res.stdout))))[:3] == ["city", "level", "branch"]
    assert got["大同市"]["level"] == "red" and got["大同市"]["branch"] == "run200>=3+300"
    assert got["大同市"]["issue_by"] == "2026-11-30T00:00:00+08:00"
    assert got["大同市"]["lift_at"] == "2026-12-06T00:00:00+08:00"
    assert got["朔州市"]["level"] == "yellow"  # 2 blocks > 150
    legacy = rows(level(tmp_path, E1A, "--format", "csv", "--rules", "2019", "--labels", "zh").stdout)
    assert legacy["大同市"]["level"] == "橙色" and legacy["朔州市"]["level"] == "无"


def test_level_json_and_table(tmp_path):
    res = level(tmp_path, E1A, "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["thresholds"] == {"kind": "alert_thresholds", "version": "2024", "status": "confirmed"}
    dt = next(c for c in doc["cities"] if c["city"] == "大同市")
    assert dt["level"] == "red" and dt["branch_zh"].startswith("红色：连续3个时段AQI>200")
    assert [b["aqi"] for b in dt["blocks"]] == [169, 215, 236, 312, 182, 132, 110]
    table = level(tmp_path, E1A)
    assert table.exit_code == 0 and "红色" in table.stdout


def test_level_bad_input(tmp_path):
    bad = E1A + "大同市,2026-12-07,99,PM2.5\n朔州市,2026-12-04,1x0,PM2.5\n忻州市,tomorrow,100,PM2.5\n"
    res = level(tmp_path, bad, "--format", "csv")
    assert res.exit_code == 1
    got = rows(res.stdout)
    assert got["大同市"]["status"] == "rejected" and got["大同市"]["level"] == ""
    assert got["朔州市"]["incomplete"] == "true"  # the unreadable block and the gap are missing blocks
    err = res.stderr
    assert "第 11 行" in err and "重复" in err
    assert "第 12 行" in err and "不是整数" in err
    assert "第 13 行" in err and "ISO 8601" in err
    assert "缺少 2026-12-03 00:00" in err


def test_level_options_are_checked(tmp_path):
    assert level(tmp_path, E1A, "--rules", "2017").exit_code == 1
    assert level(tmp_path, E1A, "--format", "xml").exit_code == 1


@pytest.fixture
def store_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", url)
    from qingshan.store.migrate import upgrade

    upgrade(url)
    register_plants(url)
    return url


def test_store_commands(tmp_path, store_env):
    book = tmp_path / "清单.xlsx"
    book.write_bytes(list_workbook([E2_ROW]))
    res = runner.invoke(app, ["emergency", "list", "import", str(book), "--season", "2025-2026"])
    assert res.exit_code == 0, res.output
    assert "已导入清单 1" in res.stdout
    res = runner.invoke(app, ["emergency", "list", "check", "--format", "json"])
    checks = json.loads(res.stdout)["checks"]
    nox = next(c for c in checks if c["level"] == "orange" and c["pollutant"] == "NOx")
    assert nox["passed"] is False and nox["shortfall_t"] == "0.450" and nox["share"] == "18.9%"
    out = tmp_path / "导出.xlsx"
    assert runner.invoke(app, ["emergency", "list", "export", "-o", str(out)]).exit_code == 0 and out.stat().st_size
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(list_workbook([dict(E2_ROW, 绩效等级="Z")]))
    res = runner.invoke(app, ["emergency", "list", "import", str(bad)])
    assert res.exit_code == 1 and "绩效等级" in res.stderr and "整个清单未导入" in res.stderr
    # a forecast run → orange alert; hourly data; verification as JSON
    fc = tmp_path / "预报.csv"
    fc.write_text("city,block_start,aqi\n大同市,2026-12-10,205\n大同市,2026-12-11,212\n大同市,2026-12-12,120\n"
                  "大同市,2026-12-13,110\n", encoding="utf-8")
    res = runner.invoke(app, ["emergency", "forecast", "import", str(fc), "--run-time", "2026-12-08T12:00", "--apply"])
    assert res.exit_code == 0 and "橙色" in res.stdout and "发布" in res.stdout, res.output
    t0 = datetime(2026, 12, 1)
    hourly = pl.DataFrame([(E2_MN, t0 + timedelta(hours=i), f, v, "N", c) for i in range(24 * 12)
                           for f, v, c in (("a21002", "95" if i < 216 else "70", None), ("a00000", "140", None))],
                          schema=["mn", "hour", "factor", "avg", "flag", "cou"], orient="row")
    write_hourly(store_env, hourly)
    res = runner.invoke(app, ["emergency", "verify", "--alert", "1", "--format", "json", "--at", "2026-12-12T12:00"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    nox = next(r for r in doc["results"] if r["pollutant"] == "NOx")
    assert nox["status"] == "PASS" and nox["rho_pub"] == "26.3%"  # 1 − 70/95 at unchanged flow
    assert nox["baseline_source"] == "online" and nox["baseline_hours"] == 168
    assert {t["kind"] for t in doc["tables"]} >= {"verify_params", "required_ratio", "alert_thresholds"}
    res = runner.invoke(app, ["emergency", "verify", "--alert", "99"])
    assert res.exit_code == 1 and "预警 99 不存在" in res.stderr
    assert runner.invoke(app, ["emergency", "tables", "list"]).exit_code == 0
    res = runner.invoke(app, ["emergency", "report", "month", "2026-12", "--format", "json"])
    assert json.loads(res.stdout)["alerts"][0]["max_level"] == "orange"


def test_level_from_six_hour_concentrations_e1b(tmp_path):
    steps = [20, 25, 180, 205, 220, 230, 215, 205, 190, 175, 30, 20]  # E1b
    lines = ["city,step_start,pm25"] + [f"大同市,2026-12-01T{6 * (i % 4):02d}:00".replace("2026-12-01", f"2026-12-{1 + i // 4:02d}")
                                        + f",{v}" for i, v in enumerate(steps)]
    f = tmp_path / "steps.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["emergency", "level", str(f), "--step-hours", "6", "--format", "csv",
                              "--run-time", "2026-11-29T16:00"])
    row = rows(res.stdout)["大同市"]
    assert row["level"] == "orange" and row["alignment"] == "06:00" and row["lift_at"] == "pending"
    nat = runner.invoke(app, ["emergency", "level", str(f), "--step-hours", "6", "--format", "csv",
                              "--alignment", "natural_day", "--run-time", "2026-11-29T16:00"])
    assert rows(nat.stdout)["大同市"]["level"] == "yellow"


# Item 6 of issue 12 (one csv row per city): the row's episode columns belong to the episode that
# gives the level. Expected values worked by hand from air-emergency.md §1.2–§1.4, run 11-29 16:00.
TWO_EPISODES = """city,block_start,aqi,primary_pollutant
大同市,2026-12-01,220,PM2.5
大同市,2026-12-02,abc,PM2.5
大同市,2026-12-04,230,PM2.5
大同市,2026-12-05,240,PM2.5
大同市,2026-12-06,100,PM2.5
大同市,2026-12-07,100,PM2.5
"""


def test_level_csv_row_describes_the_worst_episode(tmp_path):
    # 12-01: one block > 200 → yellow (§1.2). 12-02 unreadable and 12-03 absent are missing (§1.3),
    # so the next run starts 48 h after the first ends (≥ 36 h → a second episode, §1.4).
    # 12-04, 12-05: two blocks > 200 → orange, issue_by = 12-04 − 24 h; 12-06 and 12-07 are whole
    # blocks ≤ 150 covering the 36 h after its end → lift at its end 12-06 00:00.
    res = level(tmp_path, TWO_EPISODES, "--format", "csv")
    dt = rows(res.stdout)["大同市"]
    assert dt["level"] == "orange"
    assert dt["episode_start"] == "2026-12-04T00:00:00+08:00"
    assert dt["episode_end"] == "2026-12-06T00:00:00+08:00"
    assert dt["issue_by"] == "2026-12-03T00:00:00+08:00"
    assert dt["late_issue"] == "false"
    assert dt["lift_at"] == "2026-12-06T00:00:00+08:00"
    assert dt["incomplete"] == "true"
    assert dt["missing_blocks"] == "2026-12-02T00:00:00+08:00;2026-12-03T00:00:00+08:00"
    # the json keeps listing both episodes, the first (yellow) one first
    doc = json.loads(level(tmp_path, TWO_EPISODES, "--format", "json").stdout)
    eps = doc["cities"][0]["episodes"]
    assert [(e["level"], e["start"]) for e in eps] == [("yellow", "2026-12-01T00:00:00+08:00"),
                                                      ("orange", "2026-12-04T00:00:00+08:00")]


def test_level_csv_tie_takes_the_earliest_of_the_worst(tmp_path):
    # yellow (12-01), then orange 12-04..05, then orange again 12-08..09: two oranges tie, the
    # earlier one is the row's episode (§1.4 "on a tie the one that starts first").
    text = "city,block_start,aqi,primary_pollutant\n" + "".join(
        f"大同市,2026-12-{d:02d},{a},PM2.5\n"
        for d, a in ((1, 210), (2, 100), (3, 100), (4, 230), (5, 240), (6, 100), (7, 100), (8, 250), (9, 260),
                     (10, 100), (11, 100)))
    dt = rows(level(tmp_path, text, "--format", "csv").stdout)["大同市"]
    assert (dt["level"], dt["episode_start"], dt["episode_end"], dt["issue_by"], dt["lift_at"]) == (
        "orange", "2026-12-04T00:00:00+08:00", "2026-12-06T00:00:00+08:00", "2026-12-03T00:00:00+08:00",
        "2026-12-06T00:00:00+08:00")


def test_level_keeps_saying_bad_aqi_is_a_missing_block(tmp_path):
    # `level` uses the rest of the file: the 12-02 row really is a missing block (§1.3)
    res = level(tmp_path, TWO_EPISODES, "--format", "csv")
    assert res.exit_code == 1
    assert "第 3 行" in res.stderr and "该时段按缺失处理" in res.stderr


def test_forecast_import_refusal_does_not_say_rows_were_used(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fc.db'}"
    monkeypatch.setenv("QINGSHAN_DATABASE_URL", url)
    fc = tmp_path / "bad.csv"
    fc.write_text(TWO_EPISODES + "朔州市,2026-12-01,160,PM2.5\n朔州市,2026-12-01,170,PM2.5\n", encoding="utf-8")
    res = runner.invoke(app, ["emergency", "forecast", "import", str(fc), "--run-time", "2026-11-29T16:00"])
    assert res.exit_code == 1
    assert "整个文件未导入" in res.stderr
    # each row says what is wrong with it, not what would have been done with it
    assert "第 3 行，字段「aqi」：AQI“abc”不是整数" in res.stderr
    assert "第 9 行，字段「block_start」：城市“朔州市”的时段 2026-12-01 00:00 与第 8 行重复" in res.stderr
    assert "按缺失处理" not in res.stderr and "不予采用" not in res.stderr
