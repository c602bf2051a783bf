"""``qingshan air report``: pure report frames and the command over the store."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from typer.testing import CliRunner

from qingshan.air import report_cli
from qingshan.air.queries import load_inputs
from qingshan.air.report import build_report as _build
from qingshan.air.settings import EvaluationSettings, fully_under, resolve_stage

from .conftest import CLEAN, day_constant_hourly, registry

REG = registry([("A", "140200", "140212", False), ("B", "140200", "140213", False),
                ("C", "140200", "140213", False), ("X", "140200", "140213", True)])


def dirty(d):
    return CLEAN | {"pm25": 60 if d.year == 2023 else 50}


def clean(d):
    return CLEAN | {"pm25": 20}


def build_report(hourly, stations, city, start, end, edition=None, **settings):
    """The one report builder under the CLI's ``--edition`` (and any other settings)."""
    return _build(hourly, stations, city, start, end, fully_under(edition, end, EvaluationSettings(**settings)))


def store_report(start, end, city="大同市"):
    """The report read from the configured store, as ``qingshan air report`` builds it."""
    hourly, stations = load_inputs(start, end, city=city)
    return _build(hourly, stations, city, start, end)


def rows_of(rep, county=None):
    return {r["indicator"]: r for r in rep.indicators(county)}


@pytest.fixture(scope="module")
def hourly():
    # March 2023 and the same period of last year
    return pl.concat([
        day_constant_hourly({"A": dirty, "B": clean, "C": clean, "X": dirty}, date(y, 3, 1), date(y, 3, 31))
        for y in (2022, 2023)
    ])


def test_build_report_city_and_counties(hourly):
    rep = build_report(hourly, REG, "大同市", date(2023, 3, 1), date(2023, 3, 31))
    assert rep.city_code == "140200" and rep.stage == "2012"
    vals = dict(zip(rep.city["indicator"], rep.city["value"]))
    # city PM2.5 = mean of A (60), B (20), C (20); control X excluded
    assert vals["pm25"] == "33"
    assert vals["co"] == "0.5" and vals["n_valid"] == "31"
    att = dict(zip(rep.city["indicator"], rep.city["attained"]))
    assert att["pm25"] is True  # 33 ≤ 35 (monthly mean vs annual limit, §9)
    c = {r["county_code"]: r for r in rep.counties.to_dicts()}
    assert c["140213"]["rank"] == 1 and c["140212"]["rank"] == 2
    assert c["140212"]["change_pub"] is not None
    assert c["140213"]["change_pub"] == "0.0"


def test_build_report_stage2_and_errors(hourly):
    rep = build_report(hourly, REG, "140200", date(2023, 3, 1), date(2023, 3, 31), edition="2026-2")
    att = dict(zip(rep.city["indicator"], rep.city["attained"]))
    assert rep.stage == "2026-2" and att["pm25"] is False
    lim = dict(zip(rep.city["indicator"], rep.city["limit"]))
    assert lim["pm25"] == "25"
    assert resolve_stage("2026", date(2031, 5, 1)) == "2026-2"
    assert resolve_stage("2026", date(2023, 5, 1)) == "2026-1"
    assert resolve_stage(None, date(2023, 5, 1)) is None
    with pytest.raises(ValueError, match="没有城市"):
        build_report(hourly, REG, "太原市", date(2023, 3, 1), date(2023, 3, 31))
    with pytest.raises(ValueError, match="早于"):
        build_report(hourly, REG, "大同市", date(2023, 3, 31), date(2023, 3, 1))


def test_json_and_csv(hourly):
    rep = build_report(hourly, REG, "大同市", date(2023, 3, 1), date(2023, 3, 31))
    j = json.loads(report_cli.to_json(rep))
    assert j["city_code"] == "140200" and len(j["counties"]) == 2
    assert "section" in report_cli.to_csv(rep)


def test_report_command_over_store(hourly):
    import typer

    from qingshan.store.observations import ObservationStore
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry()
    try:
        # the national-network stations of the city (air-evaluation.md §7)
        reg.register(REG.select("code", "name", "city_name", "city_code"), source="test", kind="national")
        for r in REG.iter_rows(named=True):
            reg.set(r["code"], county_code=r["county_code"], county_name=r["county_name"], is_control=r["is_control"])
    finally:
        reg.close()
    store = ObservationStore()
    try:
        store.write(hourly.filter(pl.col("time").is_between(pl.datetime(2023, 3, 1, 1), pl.datetime(2023, 3, 8, 0))), source="table")
    finally:
        store.close()
    app = typer.Typer()
    app.callback()(lambda: None)  # a group, as under `qingshan air`
    app.command("report")(report_cli.report_command)
    runner = CliRunner()
    res = runner.invoke(app, ["report", "--city", "大同市", "--from", "2023-03-01", "--to", "2023-03-07",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    j = json.loads(res.stdout)
    vals = {r["indicator"]: r["value"] for r in j["city"]}
    assert vals["pm25"] == "33"
    assert [c["county_code"] for c in j["counties"]] == ["140213", "140212"]
    res = runner.invoke(app, ["report", "--city", "大同市", "--from", "2023-03-01", "--to", "2023-03-07"])
    assert res.exit_code == 0, res.output
    assert "综合指数" in res.stdout
    res = runner.invoke(app, ["report", "--city", "朔州市", "--from", "2023-03-01", "--to", "2023-03-31"])
    assert res.exit_code == 1
    # a named preset: stage-2 limits (PM2.5 annual 25) and HJ 633—2026 for every daily AQI
    res = runner.invoke(app, ["report", "--city", "大同市", "--from", "2023-03-01", "--to", "2023-03-07",
                              "--preset", "stage2-today", "--format", "json"])
    assert res.exit_code == 0, res.output
    j = json.loads(res.stdout)
    assert j["stage"] == "2026-2" and j["aqi_edition"] == "2026"
    assert {r["indicator"]: r["limit"] for r in j["city"]}["pm25"] == "25"
    assert runner.invoke(app, ["report", "--city", "大同市", "--from", "2023-03-01", "--to", "2023-03-07",
                               "--preset", "lenient"]).exit_code != 0
    res = runner.invoke(app, ["report", "--city", "大同市", "--from", "2023-13-01", "--to", "2023-03-31"])
    assert res.exit_code != 0


def test_store_conveniences_for_pages(hourly):
    from qingshan.store.observations import ObservationStore
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry()
    try:
        # the national-network stations of the city (air-evaluation.md §7)
        reg.register(REG.select("code", "name", "city_name", "city_code"), source="test", kind="national")
        for r in REG.iter_rows(named=True):
            reg.set(r["code"], county_code=r["county_code"], county_name=r["county_name"], is_control=r["is_control"])
    finally:
        reg.close()
    store = ObservationStore()
    week = (pl.col("time").dt.month() == 3) & (pl.col("time").dt.day() <= 7)
    try:
        store.write(hourly.filter(week | (week.shift(1).fill_null(False) & (pl.col("time").dt.hour() == 0))),
                    source="table")
    finally:
        store.close()
    rep = store_report(date(2023, 3, 1), date(2023, 3, 7))
    rows = rows_of(rep)
    assert rows["pm25"]["value"] == "33"
    # 2022: (50 + 20 + 20)/3 = 30 → (33 − 30)/30 = +10.0 %
    assert rows["pm25"]["base"] == "30" and rows["pm25"]["change"] == "10.0"
    assert rows_of(rep, "140212")["pm25"]["value"] == "60"
    assert rep.counties["county_code"].to_list() == ["140213", "140212"]


def test_multiple_only_for_exceeded_items(hourly):
    rep = build_report(hourly, REG, "140200", date(2023, 3, 1), date(2023, 3, 31), edition="2026-2")
    mult = dict(zip(rep.city["indicator"], rep.city["multiple"]))
    assert mult["pm25"] == "0.32"  # (33 − 25)/25
    assert mult["so2"] is None


def test_edition_option_evaluates_fully_under_that_edition():
    # PM2.5 70 every hour in March 2023: HJ 633—2012 daily IAQI ≤ 100 (node 75) → all good;
    # HJ 633—2026 (node 60) → all polluted
    h = day_constant_hourly({"A": lambda d: CLEAN | {"pm25": 70}}, date(2023, 3, 1), date(2023, 3, 31))
    reg = registry([("A", "140200", "140212", False)])
    by_date = build_report(h, reg, "大同市", date(2023, 3, 1), date(2023, 3, 31))
    v = dict(zip(by_date.city["indicator"], by_date.city["value"]))
    assert v["good_ratio"] == "100.0" and by_date.summary["edition_mode"] == "by_date"
    assert "每日AQI按当日" in by_date.summary["edition_note"]
    fixed = build_report(h, reg, "大同市", date(2023, 3, 1), date(2023, 3, 31), edition="2026-1")
    v = dict(zip(fixed.city["indicator"], fixed.city["value"]))
    assert v["good_ratio"] == "0.0" and fixed.stage == "2026-1"
    assert fixed.summary["edition_mode"] == "fixed" and fixed.summary["aqi_edition"] == "2026"
    assert "每日AQI全部按 HJ 633—2026" in fixed.summary["edition_note"]
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    report_cli.render_table(fixed, Console(file=buf, width=200))
    assert buf.getvalue().splitlines()[0].startswith("按指定版本全部评价")


def test_edition_option_help_says_it_fixes_everything():
    import typer

    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("report")(report_cli.report_command)
    res = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "全部按该版本评价" in res.stdout and "每日AQI" in res.stdout


def test_percentile_only_exceedance_is_shown_with_its_multiple():
    # PM2.5 95 on the 31 days of December 2023, 26 on the other 334 days. Annual mean
    # (31·95 + 334·26)/365 = 31.86… → 32 ≤ 35 attains. P95 (§6.3): k = 1 + 364 × 0.95 = 346.8,
    # X(346) = X(347) = 95 (X(335…365) = 95) → 95 > 75 (24-h limit): not attained,
    # B = (95 − 75)/75 = 0.2666… → 0.27 (§6.4)
    def a(d):
        return CLEAN | {"pm25": 95 if d.month == 12 else 26}

    h = day_constant_hourly({"A": a}, date(2023, 1, 1), date(2023, 12, 31))
    reg = registry([("A", "140200", "140212", False)])
    rep = build_report(h, reg, "大同市", date(2023, 1, 1), date(2023, 12, 31), compare_last_year=False)
    rows = {r["indicator"]: r for r in rep.city.to_dicts()}
    assert rows["pm25"]["value"] == "32" and rows["pm25"]["attained"] is True and rows["pm25"]["multiple"] is None
    p95 = rows["pm25_p95"]
    assert (p95["value"], p95["limit"], p95["attained"], p95["multiple"]) == ("95", "75", False, "0.27")
    assert rep.summary["attained"] is False and rep.summary["exceeding"] == ["PM2.5"]


def test_city_uses_national_stations_county_all_of_its_stations():
    # air-evaluation.md §7: the city value averages the national-network stations only; a
    # county value (project choice) every evaluation station in the county. Registry kinds
    # as qingshan.store.registry records them.
    from qingshan.store.observations import ObservationStore
    from qingshan.store.registry import StationRegistry

    def local(d):
        return CLEAN | {"pm25": 80}

    reg = StationRegistry()
    try:
        reg.register(REG.select("code", "name", "city_name", "city_code"), source="cnemc")
        reg.register(pl.DataFrame({"code": ["L1"], "name": ["县站"], "city_name": ["大同市"], "city_code": ["140200"]}),
                     source="bureau")  # kind "local"
        for r in REG.iter_rows(named=True):
            reg.set(r["code"], county_code=r["county_code"], county_name=r["county_name"], is_control=r["is_control"])
        reg.set("L1", county_code="140213", county_name="区县140213")
    finally:
        reg.close()
    h = day_constant_hourly({"A": dirty, "B": clean, "C": clean, "X": dirty, "L1": local},
                            date(2023, 3, 1), date(2023, 3, 7))
    store = ObservationStore()
    try:
        store.write(h, source="table")
    finally:
        store.close()
    rep = store_report(date(2023, 3, 1), date(2023, 3, 7))
    # city: A 60, B 20, C 20 (national); X is a 对照点 and L1 is local → (60 + 20 + 20)/3 = 33
    assert rows_of(rep)["pm25"]["value"] == "33"
    # county 140213: B 20, C 20 and the local L1 80 → 40; county 140212: A 60
    assert rows_of(rep, "140213")["pm25"]["value"] == "40"
    assert dict(zip(rep.counties["county_code"], rep.counties["pm25_pub"])) == {"140213": "40", "140212": "60"}
