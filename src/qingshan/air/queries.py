"""The read side of the air domain: what the pages, the API and the CLI show, from the store.

Nothing here computes a published figure of its own: AQIs come from
:mod:`qingshan.standards.hj633`, city values from :mod:`qingshan.standards.city_series`, period
figures from :func:`qingshan.air.report.build_report`. These functions select, join and shape.

They read through an :class:`AirData` (one database): the web passes a subclass that caches the
slow reads (hourly frames, the registry) between pages. An empty result carries the reason
(:class:`~qingshan.core.results.Result`); a failure raises.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from qingshan import exact
from qingshan.air.evaluation import month_period, same_period_last_year
from qingshan.air.report import BY_KEY, Report, build_report
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.core import clock
from qingshan.core.labels import POLLUTANT_LABELS, STAGE_SHORT
from qingshan.core.results import Result
from qingshan.standards import city_series, hj633
from qingshan.standards.hj633_tables import LEVELS
from qingshan.store.db import engine_for
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry


def hour_window(start: date, end: date) -> tuple[datetime, datetime]:
    """Hour-end labels of the natural days ``start`` … ``end``: (start 01:00, end + 1 day 00:00)."""
    t0 = datetime.combine(start, datetime.min.time()) + timedelta(hours=1)
    return t0, datetime.combine(end, datetime.min.time()) + timedelta(days=1)


def load_inputs(start: date, end: date, *, city: str | None = None, url: str | None = None,
                with_last_year: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hourly frame (this period and, with ``with_last_year``, the same period last year) and the
    station registry of ``city`` (name or code; None = every registered station)."""
    reg = StationRegistry(url)
    try:
        stations = reg.stations_frame(city)
    finally:
        reg.close()
    if stations.is_empty():
        return pl.DataFrame(), stations
    b0 = same_period_last_year(start, end)[0] if with_last_year else start
    store = ObservationStore(url)
    try:
        hourly = store.hourly_frame(stations["code"].to_list(), *hour_window(b0, end))
    finally:
        store.close()
    return hourly, stations


class AirData:
    """The air reads of one (already migrated) database. Subclass to cache :meth:`registry` and
    :meth:`hourly` (the web does: :class:`qingshan.web.pages.figures.CachedAirData`)."""

    def __init__(self, url: str):
        self.url = url
        self.store = ObservationStore(url, auto_migrate=False, engine=engine_for(url))

    def registry(self) -> pl.DataFrame:
        """Active stations: ``code, name, city_code, city_name, county_code, county_name, lon,
        lat, is_control, kind``."""
        reg = StationRegistry(self.url, auto_migrate=False, engine=engine_for(self.url))
        return reg.stations_frame()

    def hourly(self, codes: list[str] | None, start: date, end: date) -> pl.DataFrame:
        """Hourly frame (exact rationals) of the natural days ``start`` … ``end``."""
        return self.store.hourly_frame(codes, *hour_window(start, end))


# --- AQI levels (HJ 633 Table 2 / Appendix A; air-aqi.md §6) -----------------------------------

def aqi_levels() -> list[dict[str, Any]]:
    """The six AQI levels: ``level`` (1–6), ``lo``, ``hi`` (inclusive; None for the last),
    ``category`` (优 … 严重污染), ``colour`` (hex), from ``hj633_tables.LEVELS``, and ``text``:
    black or white, whichever reads better on the colour."""
    out = []
    for level, lo, hi, category, _name, _rgb, hex_, *_ in LEVELS:
        out.append({"level": level, "lo": lo, "hi": hi, "category": category, "colour": hex_,
                    "text": _text_colour(hex_)})
    return out


def _text_colour(bg: str) -> str:
    r, g, b = (int(bg.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return "#000" if (r * 299 + g * 587 + b * 114) / 1000 > 140 else "#fff"


def level_of(aqi: int | None, levels: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The level an integer AQI falls in (the AQI itself comes from hj633)."""
    if aqi is None:
        return None
    for lv in levels if levels is not None else aqi_levels():
        lo = lv["lo"] if lv["lo"] is not None else 0
        if aqi >= lo and (lv["hi"] is None or aqi <= lv["hi"]):
            return lv
    return None


def _to_float(v: Any) -> float | None:
    """A stored exact value (RATIONAL struct) as a float — display of concentrations only."""
    if v is None:
        return None
    if isinstance(v, dict):
        f = exact.to_fraction(v)
        return None if f is None else float(f)
    return float(v)


# --- stations and the latest hour ------------------------------------------------------------

def stations(data: AirData) -> Result:
    """Stations of the registry: ``code, name, county, county_code, city_code, lon, lat,
    is_control, kind``, ordered by county and code."""
    rows = [
        {"code": r["code"], "name": r["name"] or "", "county": r["county_name"] or "",
         "county_code": r["county_code"] or "", "city_code": r["city_code"], "lon": r["lon"], "lat": r["lat"],
         "is_control": bool(r["is_control"]), "kind": r["kind"] or ""}
        for r in data.registry().to_dicts()
    ]
    rows.sort(key=lambda r: (r["county_code"], r["code"]))
    return Result(rows=rows, reason="" if rows else "站点登记为空")


def realtime(data: AirData, codes: list[str] | None, start: datetime, end: datetime) -> dict[tuple[str, datetime], dict]:
    """Real-time AQI per station-hour in [start, end] (HJ 633 §8.2 / §12,
    :func:`qingshan.standards.hj633.realtime_aqi`)."""
    hourly = data.store.hourly_frame(codes, start, end)
    if hourly.is_empty():
        return {}
    out = {}
    for r in hj633.realtime_aqi(hourly).to_dicts():
        if r["time"] >= start:
            out[(r["station_code"], r["time"])] = {"aqi": r["aqi"], "primary_pollutant": r["primary_pollutant"]}
    return out


def air_now(data: AirData) -> Result:
    """Latest hour of every station: concentrations and the HJ 633 real-time AQI with its level.

    ``meta``: ``time`` (the latest hour), ``aqi_source``, ``city`` (:func:`city_now`).
    """
    latest = data.store.latest()
    if latest.is_empty():
        return Result(reason="尚无监测数据")
    by_code = {s["code"]: s for s in stations(data).rows}
    latest_rows = latest.to_dicts()
    t_max = max(r["time"] for r in latest_rows)
    t_min = min(r["time"] for r in latest_rows)
    computed = realtime(data, None, t_min, t_max)
    levels = aqi_levels()
    rows = []
    for r in latest_rows:
        code, t = r["station_code"], r["time"]
        meta = by_code.get(code, {"name": code, "county": "", "county_code": "", "lon": None, "lat": None,
                                  "is_control": False})
        aqi_row = computed.get((code, t), {})
        aqi = aqi_row.get("aqi")
        rows.append({
            "code": code, "name": meta["name"], "county": meta["county"], "county_code": meta["county_code"],
            "lon": meta["lon"], "lat": meta["lat"], "is_control": meta["is_control"], "time": t,
            "stale": t < t_max, "aqi": aqi, "level": level_of(aqi, levels),
            "primary": aqi_row.get("primary_pollutant") or "",
            "conc": {p: _to_float(r.get(p)) for p in POLLUTANT_LABELS},
        })
    rows.sort(key=lambda r: (r["county_code"] or "", r["code"]))
    return Result(rows=rows, meta={"time": t_max, "aqi_source": "HJ 633 实时报计算",
                                   "city": city_now(data, t_max, levels)})


def city_now(data: AirData, t: datetime, levels: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The city's real-time AQI at hour ``t``: city concentrations = mean of the valid station
    values (:func:`qingshan.standards.city_series.city_hourly`, air-evaluation.md §7, control
    sites excluded) → :func:`qingshan.standards.hj633.realtime_aqi`. The first city by code."""
    reg = data.registry()
    if reg.is_empty():
        return None
    city = city_series.city_hourly(data.store.hourly_frame(None, t, t), reg, by="city_code")
    if city.is_empty():
        return None
    r = sorted(hj633.realtime_aqi(city).to_dicts(), key=lambda r: str(r["city_code"]))[0]
    return {"aqi": r["aqi"], "level": level_of(r["aqi"], levels), "primary": r["primary_pollutant"] or "",
            "time": t, "conc": {p: _to_float(r.get(p)) for p in POLLUTANT_LABELS}}


def hourly_series(data: AirData, codes: list[str] | None, hours: int = 72) -> Result:
    """Hourly concentrations of one station or the mean of several (display only), last ``hours``.

    For more than one station the series is the arithmetic mean of the stations' valid values
    hour by hour, for display; official city values (air-evaluation.md §7) are in the
    evaluation. ``aqi`` (one station only) is its HJ 633 real-time AQI.
    """
    latest = data.store.latest(codes)
    if latest.is_empty():
        return Result(reason="尚无监测数据")
    end = latest["time"].max()
    start = end - timedelta(hours=hours - 1)
    frame = data.store.hourly_frame(codes, start, end)
    if frame.is_empty():
        return Result(reason="尚无监测数据")
    pols = [p for p in POLLUTANT_LABELS if p in frame.columns]
    disp = frame.select(
        "station_code", "time",
        *[(pl.col(p).struct.field("num").cast(pl.Float64) / pl.col(p).struct.field("den").cast(pl.Float64)).alias(p)
          for p in pols],
    )
    agg = disp.group_by("time").agg([pl.col(p).mean() for p in pols]).sort("time")
    one = codes is not None and len(codes) == 1
    aqi = {t: v["aqi"] for (_code, t), v in realtime(data, codes, start, end).items()} if one else {}
    rows = [dict(r, aqi=aqi.get(r["time"])) for r in agg.to_dicts()]
    return Result(rows=rows, meta={"pollutants": pols, "end": end})


# --- daily AQI and the period report ------------------------------------------------------------

def year_window(year: int, today: date | None = None) -> tuple[date, date]:
    """1 January to 31 December, or to yesterday for the current year (Beijing)."""
    today = today or clock.today()
    return date(year, 1, 1), min(date(year, 12, 31), today - timedelta(days=1))


def ytd(year: int, month_to: int, today: date | None = None) -> tuple[date, date]:
    """1—N月, ending yesterday at the latest (the current month so far)."""
    today = today or clock.today()
    return date(year, 1, 1), min(month_period(year, month_to)[1], today - timedelta(days=1))


def default_period(year: int | None, month_to: int | None, today: date | None = None) -> tuple[int, int]:
    """The 1—N月 shown by default: this year up to the last complete month (in January, last
    year's full year)."""
    today = today or clock.today()
    y = year or today.year
    if month_to is None:
        month_to = today.month - 1 if y == today.year else 12
        if month_to == 0:
            y, month_to = y - 1, 12
    return y, max(1, min(12, month_to))


def daily_aqi(data: AirData, codes: list[str] | None, start: date, end: date,
              settings: EvaluationSettings = DEFAULT, *, group: str | None = None, area: str | None = None) -> Result:
    """Daily AQI (HJ 633 daily report) of one station, or of the city / a county.

    Hourly values → station daily statistics (:func:`~qingshan.standards.city_series.station_daily`,
    validity of air-evaluation.md §4) or the city/county series (:func:`~qingshan.standards.city_series.city_daily`,
    §7, control sites excluded) → :func:`qingshan.standards.hj633.daily_aqi`, each day under its
    own edition unless ``settings.aqi_edition`` fixes it.

    Parameters
    ----------
    codes : list of str or None
        One station code (station series), or the stations of the area (``None`` = all).
    group : {"city_code", "county_code"}, optional
        Build an area series grouped by this registry column; ``None`` for one station.
    area : str, optional
        The city or county code whose series is wanted (``None``: every area).
    """
    hourly = data.hourly(codes, start, end)
    if hourly.is_empty():
        return Result(reason="所选期间没有监测数据")
    if group is None:
        days = city_series.station_daily(hourly)
    else:
        reg = data.registry()
        if reg.is_empty():
            return Result(reason="站点登记为空")
        days = city_series.city_daily(hourly, reg, by=group)
        if area is not None:
            days = days.filter(pl.col(group) == area)
    days = days.filter(pl.col("date").is_between(start, end))
    if days.is_empty():
        return Result(reason="所选期间没有有效日数据")
    out = hj633.daily_aqi(days, edition=settings.aqi_edition)
    rows = [{"day": r["date"], "aqi": r["aqi"], "primary": r["primary_pollutant"] or ""}
            for r in out.select("date", "aqi", "primary_pollutant").sort("date").to_dicts()]
    return Result(rows=rows, meta={"edition": settings.aqi_edition or "按日期"})


def period_report(data: AirData, year: int, month_to: int, settings: EvaluationSettings = DEFAULT,
                  today: date | None = None) -> Report | str:
    """:func:`~qingshan.air.report.build_report` of 1—N月 for the registry's city (first by
    code) and its counties, from one read of the hours (this year so far — the frame the
    calendar reads — and the same period last year). A string: why there is no report."""
    start, end = ytd(year, month_to, today)
    if end < start:
        return "所选期间尚未开始"
    reg = data.registry()
    if reg.is_empty():
        return "站点登记为空"
    b0, b1 = same_period_last_year(start, end)
    frames = [f for f in (data.hourly(None, b0, b1), data.hourly(None, *year_window(start.year, today)))
              if not f.is_empty()]
    if not frames:
        return "所选期间没有监测数据"
    city = sorted(reg["city_code"].drop_nulls().unique().to_list())[0]
    return build_report(pl.concat(frames), reg, city, start, end, settings)


#: The indicators of the 1—N月 table of the pages, and whether a value at or below ("lower") or
#: at or above ("higher") a target meets it.
PAGE_INDICATORS: tuple[tuple[str, str], ...] = (
    ("pm25", "lower"), ("pm10", "lower"), ("o3", "lower"), ("no2", "lower"), ("so2", "lower"), ("co", "lower"),
    ("good_ratio", "higher"), ("n_heavy", "lower"), ("isum", "lower"),
)


def air_targets(year: int, home: Path) -> dict[str, str]:
    """This year's air targets, from ``QINGSHAN_HOME/air-targets.json``.

    The file maps a year to targets keyed by indicator, e.g. ``{"2026": {"pm25": "27",
    "good_ratio": "85.0"}}`` (a bureau's own numbers; none are shipped because Datong's
    2024–2026 targets were not found, FACTS.md §3.2). No file → no targets ("未设定"). A file
    that is not valid JSON raises ``ValueError``.
    """
    path = Path(home) / "air-targets.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"目标文件 {path} 不是有效的 JSON：{exc}") from None
    year_targets = raw.get(str(year)) or {}
    return {str(k): str(v) for k, v in year_targets.items() if v is not None}


def meets(value: Any, target: str | None, better: str) -> bool | None:
    """A published value against a target, compared as exact decimals (no rounding, no float)."""
    if value in (None, "") or target is None:
        return None
    try:
        v, t = Decimal(str(value)), Decimal(str(target))
    except InvalidOperation:
        return None
    return v <= t if better == "lower" else v >= t


def period_rows(report: Report, county: str | None = None, targets: dict[str, str] | None = None) -> Result:
    """The pages' 1—N月 table of the city (or a county): ``indicator, label, unit, value,
    target, met, change, change_unit`` from the report's rows."""
    by_key = {r["indicator"]: r for r in report.indicators(county)}
    if not by_key:
        return Result(reason="所选期间没有有效数据")
    targets = targets or {}
    rows = []
    for key, better in PAGE_INDICATORS:
        r, target = by_key[key], targets.get(key)
        rows.append({"indicator": key, "label": BY_KEY[key].label, "unit": r["unit"], "value": r["value"] or None,
                     "target": target, "met": meets(r["value"], target, better), "change": r["change"],
                     "change_unit": r["change_unit"]})
    stage = report.stage if county is None else report.county_evaluation.stage
    note = f"评价期 {report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}，限值 {STAGE_SHORT.get(stage, stage)}"
    return Result(rows=rows, meta={"stage": stage, "start": report.start, "end": report.end, "note": note,
                                   "name": report.area_name(county)})


def county_rows(report: Report, synthetic_note: bool = False) -> Result:
    """Counties ranked by the composite index (环办监测〔2018〕19号; air-evaluation.md §9–§10)."""
    e = report.county_evaluation
    ranking = e.ranking.to_dicts() if e is not None else []
    rows = [{
        "rank": r["rank"], "county_code": r["county_code"], "county_name": r.get("name") or r["county_code"],
        "composite_index": r["isum_pub"], "pm25": r["pm25_pub"], "good_days_ratio": r["good_ratio_pub"],
        "max_pollutants": r["max_pollutants"],
    } for r in sorted(ranking, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["county_code"]))]
    note = "各区县以其站点均值计（与城市算法相同，对照点除外）。"
    if synthetic_note:
        note += "名称含“演示”的站点为虚构站点，其数据为合成数据。"
    return Result(rows=rows, reason="" if rows else "所选期间没有可排名的区县", meta={"note": note})


def change_text(change: str | None, unit: str) -> str | None:
    """A change with its sign and unit for display: ``+1.2%``, ``-3 天`` (None stays None)."""
    if change is None:
        return None
    sign = "" if change.startswith("-") or Fraction(change) == 0 else "+"
    return f"{sign}{change}{'' if unit == '%' else ' '}{unit}"


__all__ = ["AirData", "air_now", "air_targets", "aqi_levels", "city_now", "county_rows", "daily_aqi",
           "default_period", "hourly_series", "level_of", "load_inputs", "meets", "period_report", "period_rows",
           "stations", "year_window", "ytd"]
