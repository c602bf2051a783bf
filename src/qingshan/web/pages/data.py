"""All data the pages show, behind one small module.

Each accessor here

* imports its domain module lazily (air engine, observation store, station registry, HJ 212
  gateway, sources, ledgers) and tolerates its absence (``_module``),
* adapts to the shape it finds (polars frames with the documented column names),
* and degrades to an *empty state* (empty list / ``None``) instead of raising, logging why.

Pages therefore never crash because a domain has no data; they show "暂无数据" with the reason.
No published figure is computed here (display-only means of the hourly chart excepted): AQI,
levels, period evaluation and rankings come from
:mod:`qingshan.standards.hj633` and :mod:`qingshan.air.evaluation`; this module only selects,
joins and formats them for display.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from qingshan.standards.editions import edition_of_stage

log = logging.getLogger(__name__)


def _module(name: str) -> ModuleType | None:
    """Import ``name``; ``None`` when it (or a parent package) does not exist yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        log.warning("页面数据：导入 %s 失败：%s", name, exc)
        return None
    except Exception as exc:  # noqa: BLE001 - a broken domain module must not take the pages down
        log.warning("页面数据：导入 %s 失败：%s", name, exc)
        return None


@dataclass
class Result:
    """A list of rows for a page plus, when it is empty, the reason shown to the user."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rows)


# ---------------------------------------------------------------------------------------------
# AQI levels and colours (HJ 633 Table 2 / Appendix A; air-aqi.md §6)
# ---------------------------------------------------------------------------------------------

def aqi_levels() -> list[dict[str, Any]]:
    """The six AQI levels with their range, category and colour, from ``hj633_tables``.

    Returns
    -------
    list of dict
        ``level`` (1–6), ``lo``, ``hi`` (inclusive AQI bounds; ``hi`` None for the last),
        ``category`` (优 … 严重污染), ``colour`` (hex). Empty when the table module is absent.
    """
    tables = _module("qingshan.standards.hj633_tables")
    if tables is None:
        return []
    return _levels_from_tables(tables)


def _levels_from_tables(tables: ModuleType) -> list[dict[str, Any]]:
    # LEVELS rows: (level, lowest AQI, highest AQI, category, colour name, RGB, hex, CMYK)
    out: list[dict[str, Any]] = []
    for row in getattr(tables, "LEVELS", ()):
        level, lo, hi, category, _name, _rgb, hex_, *_ = row
        out.append({"level": level, "lo": lo, "hi": hi, "category": category, "colour": hex_})
    return out


def _first(d: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def level_of(aqi: int | None, levels: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The level row an integer AQI falls in (display only; the AQI itself comes from hj633)."""
    if aqi is None:
        return None
    levels = levels if levels is not None else aqi_levels()
    for lv in levels:
        lo = lv["lo"] if lv["lo"] is not None else 0
        if aqi >= lo and (lv["hi"] is None or aqi <= lv["hi"]):
            return lv
    return None


def text_colour(bg: str) -> str:
    """Black or white text, whichever reads better on an AQI colour."""
    try:
        r, g, b = (int(bg.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    except (ValueError, AttributeError):
        return "#000"
    return "#000" if (r * 299 + g * 587 + b * 114) / 1000 > 140 else "#fff"


# ---------------------------------------------------------------------------------------------
# Stations and air quality
# ---------------------------------------------------------------------------------------------

def _frame_rows(frame: Any) -> list[dict[str, Any]]:
    if frame is None:
        return []
    to_dicts = getattr(frame, "to_dicts", None)
    if callable(to_dicts):
        return to_dicts()
    return list(frame)


#: Display names of the pollutant columns of the observation store.
POLLUTANT_LABELS: dict[str, str] = {
    "pm25": "PM2.5", "pm10": "PM10", "o3": "O3", "no2": "NO2", "so2": "SO2", "co": "CO",
}
POLLUTANT_UNITS: dict[str, str] = {p: ("mg/m³" if p == "co" else "µg/m³") for p in POLLUTANT_LABELS}


def _store(url: str):
    """The observation store on ``url`` (engine shared per URL; the app has migrated already)."""
    obs = _module("qingshan.store.observations")
    if obs is None:
        return None
    from qingshan.store.db import engine_for

    try:
        return obs.ObservationStore(url, auto_migrate=False, engine=engine_for(url))
    except Exception as exc:  # noqa: BLE001
        log.warning("ObservationStore(%s) failed: %s", url, exc)
        return None


_CACHE: dict[Any, tuple[float, Any]] = {}


def _cached(key: Any, ttl: float, compute: Any) -> Any:
    """A small in-process cache for slow reads shown on every page (registry, daily series).
    Pages show data that changes hourly; ``ttl`` seconds of staleness is acceptable there."""
    import time

    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    value = compute()
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (now, value)
    return value


_KEY_LOCKS: dict[Any, Any] = {}


def _fresh_or_stale(key: Any, ttl: float, compute: Any) -> Any:
    """Like :func:`_cached`, but one computation per key at a time: while a value is being
    refreshed, other requests get the previous one (no stampede when a popular entry expires
    under load); only the very first request of a key waits for it."""
    import threading
    import time

    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    with _LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    if hit is not None:
        if not lock.acquire(blocking=False):
            return hit[1]  # someone is refreshing it
    else:
        lock.acquire()
    try:
        hit = _CACHE.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]
        value = compute()
        _CACHE[key] = (time.monotonic(), value)
        return value
    finally:
        lock.release()


def clear_cache() -> None:
    _CACHE.clear()


#: Compute slow figures in the request thread instead of in the background (tests, scripts).
INLINE = False
PENDING = object()
_RUNNING: dict[Any, Any] = {}
_LOCK = __import__("threading").Lock()


def _background(key: Any, ttl: float, compute: Any) -> Any:
    """The cached value of ``key``, or :data:`PENDING` while a background thread computes it.

    Period evaluations and year calendars read up to two years of hourly data (seconds to tens
    of seconds on the embedded SQLite); the page renders at once and htmx polls for the part
    that is still being computed. One thread per key, however many requests ask for it."""
    import threading
    import time

    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    if INLINE:
        return _cached(key, ttl, compute)

    def run() -> None:
        try:
            value = compute()
        except Exception as exc:  # noqa: BLE001
            log.exception("background computation %s failed", key)
            value = {"reason": f"计算出错（{type(exc).__name__}），详见服务器日志"}
        _CACHE[key] = (time.monotonic(), value)
        with _LOCK:
            _RUNNING.pop(key, None)

    with _LOCK:
        if key not in _RUNNING:
            t = threading.Thread(target=run, name=f"qingshan-pages-{key[0]}", daemon=True)
            _RUNNING[key] = t
            t.start()
    return PENDING


def settle(timeout: float = 60.0) -> None:
    """Wait for the background computations in flight (for scripts)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with _LOCK:
            threads = list(_RUNNING.values())
        if not threads:
            return
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            return


def _hourly(store: Any, url: str, codes: list[str] | None, start: date, end: date):
    """Hourly frame of the natural days ``start`` … ``end`` (cached 120 s: the calendar, the
    evaluation and the edition switch read the same year of hours)."""
    key = ("hourly", url, tuple(codes) if codes else None, start, end)
    return _cached(key, 120.0, lambda: store.hourly_frame(codes, _t0(start), _t1(end)))


def _to_float(v: Any) -> float | None:
    """A stored exact value (RATIONAL struct dict, int or float) as a float — display only."""
    if v is None:
        return None
    if isinstance(v, dict):
        n, d = v.get("num"), v.get("den")
        if n is None or not d:
            return None
        return n / d
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _registry_frame(url: str):
    """The registry as :func:`qingshan.store.registry.stations_frame` returns it (cached 60 s)."""
    reg = _module("qingshan.store.registry")
    fn = getattr(reg, "stations_frame", None) if reg else None
    if fn is None:
        return None
    try:
        return _fresh_or_stale(("registry", url), 60.0, lambda: fn(url=url))
    except Exception as exc:  # noqa: BLE001
        log.warning("stations_frame failed: %s", exc)
        return None


def stations(url: str) -> Result:
    """Stations of the registry: ``code, name, county, county_code, lon, lat, is_control``."""
    rows: list[dict[str, Any]] = []
    reg = _module("qingshan.store.registry")
    fn = getattr(reg, "stations_frame", None) if reg else None
    try:
        if fn is not None:
            frame = _registry_frame(url)
            if frame is None:
                return Result(reason="站点登记读取失败（数据库尚未初始化？）")
            raw = _frame_rows(frame)
        else:
            models = _module("qingshan.store.models_air")
            if models is None:
                return Result(reason="站点登记模块尚未就绪")
            from sqlalchemy import select

            from qingshan.store.db import engine_for

            with engine_for(url).connect() as conn:
                raw = [dict(r._mapping) for r in conn.execute(select(models.Station.__table__))]
    except Exception as exc:  # noqa: BLE001
        log.warning("stations failed: %s", exc)
        return Result(reason="站点登记读取失败（数据库尚未初始化？）")
    for r in raw:
        if r.get("active") is False:
            continue
        rows.append(
            {
                "code": _first(r, "code", "station_code"),
                "name": _first(r, "name", "station_name", default=""),
                "county": _first(r, "county_name", "district", default=""),
                "county_code": _first(r, "county_code", "district_code", default=""),
                "city_code": _first(r, "city_code", default=None),
                "lon": _first(r, "lon", "longitude"),
                "lat": _first(r, "lat", "latitude"),
                "is_control": bool(_first(r, "is_control", default=False)),
                "kind": _first(r, "kind", default=""),
            }
        )
    rows.sort(key=lambda r: (r["county_code"] or "", r["code"] or ""))
    return Result(rows=rows, reason="" if rows else "站点登记为空")


def _latest_published(store: Any, codes: list[str] | None, since: datetime | None) -> dict[tuple[str, datetime], dict[str, Any]]:
    try:
        pub = store.published_aqi_frame(codes, since, None)
    except Exception as exc:  # noqa: BLE001
        log.warning("published_aqi_frame failed: %s", exc)
        return {}
    return {(r["station_code"], r["time"]): r for r in pub.to_dicts()}


def _computed_realtime(store: Any, codes: list[str] | None, start: datetime, end: datetime) -> dict[tuple[str, datetime], dict[str, Any]]:
    """Real-time AQI per station-hour from :func:`qingshan.standards.hj633.realtime_aqi`
    (HJ 633 §8.2 / §12); empty when the engine is not there yet."""
    hj633 = _module("qingshan.standards.hj633")
    fn = getattr(hj633, "realtime_aqi", None) if hj633 else None
    if fn is None:
        return {}
    try:
        hourly = store.hourly_frame(codes, start, end)
        if hourly.is_empty():
            return {}
        out = fn(hourly)
    except Exception as exc:  # noqa: BLE001
        log.warning("realtime_aqi failed: %s", exc)
        return {}
    res = {}
    for r in _frame_rows(out):
        t = r.get("time")
        if t is None or t < start:
            continue
        prim = _first(r, "primary_pollutant", "primary", default=None)
        if isinstance(prim, (list, tuple)):
            prim = ",".join(str(p) for p in prim)
        res[(r.get("station_code"), t)] = {"aqi": r.get("aqi"), "primary_pollutant": prim}
    return res


#: Seconds the latest-hour table is reused (data arrive hourly; every page shows it).
AIR_NOW_TTL = 60.0


def air_now(url: str) -> Result:
    """Latest hour of every station (cached :data:`AIR_NOW_TTL` seconds), see :func:`_air_now`."""
    return _fresh_or_stale(("air_now", url), AIR_NOW_TTL, lambda: _air_now(url))


def _air_now(url: str) -> Result:
    """Latest hour of every station: concentrations and AQI with level and colour.

    The AQI is the one computed by :func:`qingshan.standards.hj633.realtime_aqi` from the stored
    hours; where that engine is not available the AQI published with the data (CNEMC) is shown
    and labelled as such (``aqi_source``).
    """
    st = stations(url)
    store = _store(url)
    if store is None:
        return Result(reason="监测数据存储尚未就绪")
    try:
        latest = store.latest()
    except Exception as exc:  # noqa: BLE001
        log.warning("latest failed: %s", exc)
        return Result(reason="监测数据读取失败（数据库尚未初始化？）")
    if latest.is_empty():
        return Result(reason="尚无监测数据")
    by_code = {s["code"]: s for s in st.rows}
    latest_rows = latest.to_dicts()
    t_max = max(r["time"] for r in latest_rows)
    t_min = min(r["time"] for r in latest_rows)
    computed = _computed_realtime(store, None, t_min, t_max)
    published = _latest_published(store, None, t_min) if not computed else {}
    levels = aqi_levels()
    rows = []
    for r in latest_rows:
        code, t = r["station_code"], r["time"]
        meta = by_code.get(code, {"name": code, "county": "", "county_code": "", "lon": None, "lat": None, "is_control": False})
        aqi_row = computed.get((code, t)) or published.get((code, t)) or {}
        aqi = aqi_row.get("aqi")
        lv = level_of(aqi, levels)
        rows.append(
            {
                "code": code,
                "name": meta["name"],
                "county": meta["county"],
                "county_code": meta["county_code"],
                "lon": meta["lon"],
                "lat": meta["lat"],
                "is_control": meta["is_control"],
                "time": t,
                "stale": t < t_max,
                "aqi": aqi,
                "level": _level_view(lv),
                "primary": aqi_row.get("primary_pollutant") or "",
                "conc": {p: _to_float(r.get(p)) for p in POLLUTANT_LABELS},
            }
        )
    rows.sort(key=lambda r: (r["county_code"] or "", r["code"]))
    source = "HJ 633 实时报计算" if computed else ("数据源发布值（CNEMC）" if published else "")
    return Result(rows=rows, meta={"time": t_max, "aqi_source": source, "city": _city_now(store, url, t_max, levels)})


def _city_now(store: Any, url: str, t: datetime, levels: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The city's real-time AQI at hour ``t``: city concentrations = mean of the valid station
    values (:func:`qingshan.standards.city_series.city_hourly`, air-evaluation.md §7, control
    sites excluded) → :func:`qingshan.standards.hj633.realtime_aqi`."""
    cs, hj633 = _module("qingshan.standards.city_series"), _module("qingshan.standards.hj633")
    reg = _registry_frame(url)
    if cs is None or hj633 is None or reg is None or reg.is_empty():
        return None
    try:
        hourly = store.hourly_frame(None, t, t)
        city = cs.city_hourly(hourly, reg, by="city_code")
        if city.is_empty():
            return None
        out = hj633.realtime_aqi(city).to_dicts()
    except Exception as exc:  # noqa: BLE001
        log.warning("city real-time AQI failed: %s", exc)
        return None
    # one city in the demo registry; with several, the first by code
    r = sorted(out, key=lambda r: str(r.get("city_code")))[0]
    return {"aqi": r.get("aqi"), "level": _level_view(level_of(r.get("aqi"), levels)),
            "primary": r.get("primary_pollutant") or "", "time": t,
            "conc": {p: _to_float(r.get(p)) for p in POLLUTANT_LABELS}}


def _level_view(lv: dict[str, Any] | None) -> dict[str, Any] | None:
    if lv is None:
        return None
    return dict(lv, text=text_colour(lv["colour"]))


def hourly_series(url: str, codes: list[str] | None, hours: int = 72) -> Result:
    """Hourly concentrations of one station or the mean of several (display only), last ``hours``.

    For more than one station the series is the arithmetic mean of the stations' valid values
    hour by hour, for display; the official city values (air-evaluation.md §7) come from
    :mod:`qingshan.standards.city_series` in the evaluation pages.
    """
    store = _store(url)
    if store is None:
        return Result(reason="监测数据存储尚未就绪")
    try:
        latest = store.latest(codes)
        if latest.is_empty():
            return Result(reason="尚无监测数据")
        end = latest["time"].max()
        frame = store.hourly_frame(codes, end - timedelta(hours=hours - 1), end)
    except Exception as exc:  # noqa: BLE001
        log.warning("hourly_series failed: %s", exc)
        return Result(reason="监测数据读取失败")
    if frame.is_empty():
        return Result(reason="尚无监测数据")
    import polars as pl

    pols = [p for p in POLLUTANT_LABELS if p in frame.columns]
    disp = frame.select(
        "station_code",
        "time",
        *[(pl.col(p).struct.field("num").cast(pl.Float64) / pl.col(p).struct.field("den").cast(pl.Float64)).alias(p) for p in pols],
    )
    agg = disp.group_by("time").agg([pl.col(p).mean() for p in pols]).sort("time")
    computed = _computed_realtime(store, codes, end - timedelta(hours=hours - 1), end)
    aqi_by_time: dict[datetime, list[int]] = {}
    for (code, t), v in computed.items():
        if v.get("aqi") is not None:
            aqi_by_time.setdefault(t, []).append(v["aqi"])
    if not computed and codes is not None and len(codes) == 1:
        for (code, t), v in _latest_published(store, codes, end - timedelta(hours=hours - 1)).items():
            if v.get("aqi") is not None:
                aqi_by_time.setdefault(t, []).append(v["aqi"])
    rows = []
    for r in agg.to_dicts():
        a = aqi_by_time.get(r["time"])
        r["aqi"] = a[0] if a and (codes is not None and len(codes) == 1) else None
        rows.append(r)
    return Result(rows=rows, meta={"pollutants": pols, "end": end})


# --- daily AQI, period evaluation, ranking (qingshan.air.evaluation) -----------------------

#: Limit regimes offered by the edition switch (GB 3095—2012; GB 3095—2026 stage 1 / stage 2).
STAGES: dict[str, str] = {"2012": "2012 版", "2026-1": "2026 版第一阶段", "2026-2": "2026 版第二阶段"}


def _evaluation():
    return _module("qingshan.air.evaluation")


def daily_aqi(url: str, codes: list[str] | None, start: date, end: date, stage: str | None = None,
              *, group: str | None = None, area: str | None = None) -> Result:
    """Daily AQI (HJ 633 daily report) of one station, or of the city / a county.

    Composition of the library, nothing computed here: hourly values from the observation store
    → daily statistics (:func:`qingshan.standards.city_series.station_daily`, validity of
    air-evaluation.md §4) or the city/county series (:func:`~qingshan.standards.city_series.city_daily`,
    §7, control sites excluded) → :func:`qingshan.standards.hj633.daily_aqi`. The edition is the
    one of each day unless the edition switch fixes it (``stage`` "2012" → 2012, "2026-1"/"2026-2" → 2026).

    Parameters
    ----------
    codes : list of str or None
        One station code (station series), or the stations of the area (``None`` = all).
    group : {"city_code", "county_code"}, optional
        Build an area series grouped by this registry column; ``None`` for one station.
    area : str, optional
        The city or county code whose series is wanted (``None``: the first area).
    """
    cs, hj633, store = _module("qingshan.standards.city_series"), _module("qingshan.standards.hj633"), _store(url)
    if cs is None or hj633 is None or store is None:
        return Result(reason="空气质量计算模块尚未就绪")
    edition = None if stage is None else ("2012" if stage == "2012" else "2026")

    def compute() -> Result:
        import polars as pl

        hourly = _hourly(store, url, codes, start, end)
        if hourly.is_empty():
            return Result(reason="所选期间没有监测数据")
        if group is None:
            days = cs.station_daily(hourly)
        else:
            reg = _registry_frame(url)
            if reg is None or reg.is_empty():
                return Result(reason="站点登记为空")
            # the stations forming a city or county value are chosen by city_series (§7)
            days = cs.city_daily(hourly, reg, by=group)
            if area is not None:
                days = days.filter(pl.col(group) == area)
        days = days.filter(pl.col("date").is_between(start, end))
        if days.is_empty():
            return Result(reason="所选期间没有有效日数据")
        out = hj633.daily_aqi(days, edition=edition)
        rows = [
            {"day": r["date"], "aqi": r["aqi"], "primary": r.get("primary_pollutant") or ""}
            for r in out.select("date", "aqi", "primary_pollutant").sort("date").to_dicts()
        ]
        return Result(rows=rows, meta={"edition": edition or "按日期"})

    def safe() -> Result:
        try:
            return compute()
        except Exception as exc:  # noqa: BLE001
            log.exception("daily_aqi failed")
            return Result(reason=f"日 AQI 计算出错（{type(exc).__name__}），详见服务器日志")

    key = ("daily", url, tuple(codes) if codes else None, start, end, edition, group, area)
    out = _background(key, 600.0, safe)
    return Result(reason="正在计算…", meta={"pending": True}) if out is PENDING else out


#: Rows of the 1—N月 table: (column of the evaluation, label, unit, better) — "lower" means a
#: value at or below the target meets it (concentrations, index), "higher" the opposite.
PERIOD_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("pm25_pub", "PM2.5 平均浓度", "µg/m³", "lower"),
    ("pm10_pub", "PM10 平均浓度", "µg/m³", "lower"),
    ("o3_pub", "O3 日最大 8 小时第 90 百分位", "µg/m³", "lower"),
    ("no2_pub", "NO2 平均浓度", "µg/m³", "lower"),
    ("so2_pub", "SO2 平均浓度", "µg/m³", "lower"),
    ("co_pub", "CO 第 95 百分位", "mg/m³", "lower"),
    ("good_ratio_pub", "优良天数比例", "%", "higher"),
    ("n_heavy", "重污染天数", "天", "lower"),
    ("isum_pub", "综合指数", "", "lower"),
)


def air_targets(year: int, home: Any = None) -> dict[str, str]:
    """This year's air targets, from ``QINGSHAN_HOME/air-targets.json``.

    The file maps a year to targets keyed like :data:`PERIOD_ROWS` without ``_pub``, e.g.
    ``{"2026": {"pm25": "27", "good_ratio": "85.0"}}`` (a bureau's own numbers; none are
    shipped because Datong's 2024–2026 targets were not found, FACTS.md §3.2). No file → no
    targets, and the page says "未设定".
    """
    import json
    from pathlib import Path

    if home is None:
        from qingshan.config import home_dir

        home = home_dir()
    path = Path(home) / "air-targets.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("air-targets.json unreadable: %s", exc)
        return {}
    year_targets = raw.get(str(year)) or {}
    return {str(k): str(v) for k, v in year_targets.items() if v is not None}


def _meets(value: Any, target: str | None, better: str) -> bool | None:
    """Published value against a target, compared as exact decimals (no rounding, no float)."""
    from decimal import Decimal, InvalidOperation

    if value is None or target is None:
        return None
    try:
        v, t = Decimal(str(value)), Decimal(str(target))
    except InvalidOperation:
        return None
    return v <= t if better == "lower" else v >= t


def year_window(year: int) -> tuple[date, date]:
    """1 January to 31 December, or to yesterday for the current year."""
    return date(year, 1, 1), min(date(year, 12, 31), today() - timedelta(days=1))


def _period(year: int, month_to: int) -> tuple[date, date]:
    """1—N月, ending yesterday at the latest (the current month so far)."""
    end = min(_month_end(year, month_to), today() - timedelta(days=1))
    return date(year, 1, 1), end


def _evaluation_run(url: str, year: int, month_to: int, stage: str | None) -> dict[str, Any]:
    """One run of :func:`qingshan.air.evaluation.evaluate` for the city and one of
    :func:`~qingshan.air.evaluation.rank_counties`, sharing one read of the hourly data
    (this period and the same period last year, for the change rates). Cached per data state."""
    ev, store = _evaluation(), _store(url)
    if ev is None or store is None:
        return {"reason": "空气质量评价模块尚未就绪"}
    start, end = _period(year, month_to)
    if end < start:
        return {"reason": "所选期间尚未开始"}

    def compute() -> dict[str, Any]:
        import polars as pl

        st = _registry_frame(url)
        if st is None or st.is_empty():
            return {"reason": "站点登记为空"}
        b0, b1 = ev.same_period_last_year(start, end)
        # the whole year so far: the same frame the calendar reads (shared by the cache)
        frames = [_hourly(store, url, None, d0, d1) for d0, d1 in ((b0, b1), year_window(start.year))]
        hourly = pl.concat([f for f in frames if not f.is_empty()]) if any(not f.is_empty() for f in frames) else frames[1]
        if hourly.is_empty():
            return {"reason": "所选期间没有监测数据"}
        # the edition switch evaluates wholly under the chosen edition (limits AND daily AQIs),
        # as `qingshan air report --edition` does; no choice = the spec's defaults (§0)
        aqi_edition = edition_of_stage(stage) if stage else None
        city = ev.evaluate(hourly, st, start, end, by="city_code", stage=stage, aqi_edition=aqi_edition)
        counties = ev.evaluate(hourly, st, start, end, by="county_code", stage=stage, aqi_edition=aqi_edition)
        return {"city": city, "counties": counties, "start": start, "end": end}

    out = _background(("evaluation", url, start, end, stage), 600.0, compute)
    return {"pending": True} if out is PENDING else out


def _t0(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time()) + timedelta(hours=1)


def _t1(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time()) + timedelta(days=1)


def period_evaluation(url: str, year: int, month_to: int, stage: str | None = None, county: str | None = None,
                      home: Any = None) -> Result:
    """1—N月 figures (HJ 663 via :mod:`qingshan.air.evaluation`) of the city or a county, with
    this year's targets and the change against the same period last year.

    Rows ``indicator, label, unit, value, target, met, change``.
    """
    run = _evaluation_run(url, year, month_to, stage)
    if "reason" in run or "pending" in run:
        return Result(reason=run.get("reason", "正在计算…"), meta={"pending": "pending" in run})
    res = run["counties"] if county else run["city"]
    by = "county_code" if county else "city_code"
    import polars as pl

    period = res.period.filter(pl.col(by) == county) if county else res.period
    if period.is_empty():
        return Result(reason="所选期间没有有效数据")
    row = period.to_dicts()[0]
    rank_row = (res.ranking.filter(pl.col(by) == row[by]).to_dicts() or [{}])[0]
    targets = air_targets(year, home) if not county else {}
    out = []
    for col, label, unit, better in PERIOD_ROWS:
        key = col.removesuffix("_pub")
        value = row.get(col)
        target = targets.get(key)
        out.append({
            "indicator": key, "label": label, "unit": unit, "value": value, "target": target,
            "met": _meets(value, target, better),
            "change": (f"{rank_row['change_pub']}%" if rank_row.get("change_pub") is not None else None) if key == "isum" else None,
        })
    note = f"评价期 {run['start']:%Y-%m-%d} 至 {run['end']:%Y-%m-%d}，限值 {STAGES.get(res.stage, res.stage)}"
    return Result(rows=out, meta={"stage": res.stage, "start": run["start"], "end": run["end"], "note": note,
                                  "name": row.get("name")})


def county_ranking(url: str, year: int, month_to: int, stage: str | None = None) -> Result:
    """Counties ranked by the composite index (环办监测〔2018〕19号; air-evaluation.md §9–§10),
    from :func:`qingshan.air.evaluation.evaluate` with ``by="county_code"``."""
    run = _evaluation_run(url, year, month_to, stage)
    if "reason" in run or "pending" in run:
        return Result(reason=run.get("reason", "正在计算…"), meta={"pending": "pending" in run})
    rows = []
    for r in sorted(run["counties"].ranking.to_dicts(), key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r.get("county_code"))):
        rows.append({
            "rank": r.get("rank"), "county_code": r.get("county_code"), "county_name": r.get("name") or r.get("county_code"),
            "composite_index": r.get("isum_pub"), "pm25": r.get("pm25_pub"), "good_days_ratio": r.get("good_ratio_pub"),
            "max_pollutants": r.get("max_pollutants"),
        })
    note = "各区县以其站点均值计（与城市算法相同，对照点除外）。"
    if any("演示" in (s.get("name") or "") for s in stations(url).rows):
        note += "名称含“演示”的站点为虚构站点，其数据为合成数据。"
    return Result(rows=rows, reason="" if rows else "所选期间没有可排名的区县", meta={"note": note})


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Ledgers (read side; every write goes through qingshan.ledgers, which checks roles and audits)
# ---------------------------------------------------------------------------------------------

#: Display names of the four ledger kinds (issue 4, "Ledgers"); the kind codes are the engine's.
KIND_LABELS: dict[str, str] = {
    "key_task": "重点任务",
    "inspection": "督察反馈问题",
    "hazard": "环境风险隐患",
    "complaint": "投诉举报",
}


def kind_labels() -> dict[str, str]:
    wf = _module("qingshan.ledgers.workflow")
    kinds = getattr(wf, "KINDS", None) if wf else None
    if isinstance(kinds, dict) and kinds:
        return dict(kinds)
    return dict(KIND_LABELS)


def status_labels(kind: str | None = None) -> dict[str, str]:
    """Status code → Chinese label (per kind when given), from :mod:`qingshan.ledgers.workflow`."""
    wf = _module("qingshan.ledgers.workflow")
    if wf is None:
        return {}
    if kind and isinstance(getattr(wf, "STATES", None), dict) and kind in wf.STATES:
        return dict(wf.STATES[kind])
    labels = getattr(wf, "STATE_LABELS", None)
    return dict(labels) if isinstance(labels, dict) else {}


def statuses_by_kind() -> dict[str, dict[str, str]]:
    wf = _module("qingshan.ledgers.workflow")
    states = getattr(wf, "STATES", None) if wf else None
    return {k: dict(v) for k, v in states.items()} if isinstance(states, dict) else {}


def _state_label(kind: str, status: str, fallback: dict[str, str]) -> str:
    wf = _module("qingshan.ledgers.workflow")
    fn = getattr(wf, "state_label", None) if wf else None
    return fn(kind, status) if fn else fallback.get(status, status)


def _ledger_models():
    return _module("qingshan.ledgers.models"), _module("qingshan.web.models")


def today() -> date:
    """Today in Beijing time (deadlines are calendar days of the bureau)."""
    return (datetime.utcnow() + timedelta(hours=8)).date()


def closed_states() -> frozenset[str]:
    wf = _module("qingshan.ledgers.workflow")
    return frozenset(getattr(wf, "CLOSED_STATES", None) or {"closed"})


def _is_closed(item: Any) -> bool:
    return item.status in closed_states()


def item_row(item: Any, labels: dict[str, str] | None = None, kinds: dict[str, str] | None = None) -> dict[str, Any]:
    labels = labels if labels is not None else status_labels()
    kinds = kinds if kinds is not None else kind_labels()
    t = today()
    overdue = bool(item.deadline and item.deadline < t and not _is_closed(item))
    lead = getattr(item, "lead_unit", None)
    return {
        "id": item.id,
        "code": item.code,
        "kind": item.kind,
        "kind_label": kinds.get(item.kind, item.kind),
        "title": item.title,
        "status": item.status,
        "status_label": _state_label(item.kind, item.status, labels),
        "lead_unit": lead.name if lead is not None else "",
        "lead_unit_id": item.lead_unit_id,
        "units": [u.unit.name for u in (getattr(item, "units", None) or []) if u.unit is not None],
        "deadline": item.deadline,
        "overdue": overdue,
        "days_left": (item.deadline - t).days if item.deadline else None,
        "tracking_no": item.tracking_no,
        "version": item.version,
        "updated_at": item.updated_at,
        "updated_by": item.updated_by,
        "closed_at": item.closed_at,
        "closed": _is_closed(item),
        "data": dict(item.data or {}),
    }


def ledger_items(
    db: Any,
    *,
    kind: str | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    limit: int = 200,
) -> Result:
    """Ledger items filtered by kind, unit (lead or supporting), status, overdue and text."""
    lm, _wm = _ledger_models()
    if lm is None or db is None:
        return Result(reason="台账模块尚未就绪")
    from sqlalchemy import or_, select

    Item, ItemUnit = lm.LedgerItem, lm.LedgerItemUnit
    stmt = select(Item)
    if kind:
        stmt = stmt.where(Item.kind == kind)
    if status:
        stmt = stmt.where(Item.status == status)
    if unit_id:
        sub = select(ItemUnit.item_id).where(ItemUnit.unit_id == unit_id)
        stmt = stmt.where(or_(Item.lead_unit_id == unit_id, Item.id.in_(sub)))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Item.title.like(like), Item.code.like(like)))
    if overdue:
        stmt = stmt.where(Item.deadline < today(), Item.status.not_in(list(closed_states())))
    stmt = stmt.order_by(Item.deadline.is_(None), Item.deadline, Item.id).limit(limit)
    try:
        items = db.execute(stmt).unique().scalars().all()
    except Exception as exc:  # noqa: BLE001 - e.g. tables not migrated yet
        log.warning("ledger list failed: %s", exc)
        return Result(reason="台账数据读取失败（数据库尚未初始化？）")
    labels, kinds = status_labels(), kind_labels()
    rows = [item_row(i, labels, kinds) for i in items]
    return Result(rows=rows, reason="" if rows else "没有符合条件的台账事项")


def ledger_item(db: Any, item_id: int) -> dict[str, Any] | None:
    """One item with its full history (progress log, oldest first) and attachments."""
    lm, _wm = _ledger_models()
    if lm is None or db is None:
        return None
    from sqlalchemy import select

    try:
        item = db.get(lm.LedgerItem, item_id)
        if item is None:
            return None
        row = item_row(item)
        hist = db.execute(
            select(lm.ProgressEntry).where(lm.ProgressEntry.item_id == item_id).order_by(lm.ProgressEntry.at, lm.ProgressEntry.id)
        ).scalars().all()
        atts = db.execute(
            select(lm.Attachment).where(lm.Attachment.item_id == item_id).order_by(lm.Attachment.at, lm.Attachment.id)
        ).scalars().all()
    except Exception as exc:  # noqa: BLE001
        log.warning("ledger item failed: %s", exc)
        return None
    labels = status_labels(row["kind"])
    by_progress: dict[int | None, list[dict[str, Any]]] = {}
    for a in atts:
        by_progress.setdefault(a.progress_id, []).append(
            {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type, "at": a.at}
        )
    row["history"] = [
        {
            "id": h.id,
            "at": h.at,
            "username": h.username,
            "unit_name": h.unit_name,
            "entry_type": h.entry_type,
            "action": h.action,
            "from_status": labels.get(h.from_status or "", h.from_status),
            "to_status": labels.get(h.to_status or "", h.to_status),
            "text": h.text,
            "attachments": by_progress.get(h.id, []),
        }
        for h in hist
    ]
    row["attachments"] = [a for lst in by_progress.values() for a in lst]
    row["next_inspection_due"] = None
    kinds = _module("qingshan.ledgers.kinds")
    fn = getattr(kinds, "next_inspection_due", None) if kinds else None
    if row["kind"] == "hazard" and fn is not None:
        try:
            due = fn(row["data"].get("last_inspected"), row["data"].get("grade"))
        except (TypeError, ValueError):
            due = None
        row["next_inspection_due"] = due
        row["inspection_overdue"] = bool(due and due < today() and not row["closed"])
    return row


def units(db: Any) -> list[dict[str, Any]]:
    _lm, wm = _ledger_models()
    if wm is None or db is None:
        return []
    from sqlalchemy import select

    try:
        rows = db.execute(select(wm.Unit).order_by(wm.Unit.code)).scalars().all()
    except Exception as exc:  # noqa: BLE001
        log.warning("units failed: %s", exc)
        return []
    return [{"id": u.id, "code": u.code, "name": u.name, "kind": u.kind} for u in rows]


def overdue_by_unit(db: Any) -> Result:
    """Open items past their deadline, counted per lead unit and kind (overview page)."""
    lm, wm = _ledger_models()
    if lm is None or wm is None or db is None:
        return Result(reason="台账模块尚未就绪")
    from sqlalchemy import func, select

    Item, Unit = lm.LedgerItem, wm.Unit
    stmt = (
        select(Item.lead_unit_id, Unit.name, Item.kind, func.count())
        .outerjoin(Unit, Unit.id == Item.lead_unit_id)
        .where(Item.deadline < today(), Item.status.not_in(list(closed_states())))
        .group_by(Item.lead_unit_id, Unit.name, Item.kind)
    )
    try:
        groups = db.execute(stmt).all()
    except Exception as exc:  # noqa: BLE001
        log.warning("overdue by unit failed: %s", exc)
        return Result(reason="台账数据读取失败（数据库尚未初始化？）")
    if not groups:
        return Result(reason="没有逾期事项")
    kinds = kind_labels()
    counts: dict[Any, dict[str, Any]] = {}
    for unit_id, name, kind, n in groups:
        unit = name or "（未指定）"
        c = counts.setdefault(unit_id, {"unit": unit, "unit_id": unit_id, "total": 0, "by_kind": {}})
        c["total"] += n
        c["by_kind"][kinds.get(kind, kind)] = n
    rows = sorted(counts.values(), key=lambda c: (-c["total"], c["unit"]))
    return Result(rows=rows, meta={"items": sum(c["total"] for c in rows)})


def ledger_summary(db: Any) -> dict[str, Any]:
    """Counts per kind: open, closed, overdue (overview page), counted by the database."""
    kinds = kind_labels()
    out = {k: {"kind": k, "label": v, "open": 0, "closed": 0, "overdue": 0} for k, v in kinds.items()}
    lm = _module("qingshan.ledgers.models")
    if lm is None or db is None:
        return {"kinds": list(out.values()), "reason": "台账模块尚未就绪"}
    from sqlalchemy import and_, case, func, select

    Item = lm.LedgerItem
    closed = Item.status.in_(list(closed_states()))
    overdue = and_(~closed, Item.deadline.is_not(None), Item.deadline < today())
    try:
        rows = db.execute(
            select(Item.kind, func.sum(case((closed, 1), else_=0)), func.sum(case((closed, 0), else_=1)),
                   func.sum(case((overdue, 1), else_=0))).group_by(Item.kind)
        ).all()
    except Exception as exc:  # noqa: BLE001
        log.warning("ledger summary failed: %s", exc)
        return {"kinds": list(out.values()), "reason": "台账数据读取失败（数据库尚未初始化？）"}
    for kind, n_closed, n_open, n_overdue in rows:
        c = out.setdefault(kind, {"kind": kind, "label": kinds.get(kind, kind), "open": 0, "closed": 0, "overdue": 0})
        c.update(closed=int(n_closed or 0), open=int(n_open or 0), overdue=int(n_overdue or 0))
    return {"kinds": list(out.values()), "reason": "" if rows else "台账为空"}


# ---------------------------------------------------------------------------------------------
# Pollution sources (registry: qingshan.sources; live values and alarms: qingshan.hj212)
# ---------------------------------------------------------------------------------------------

def enterprises(db: Any) -> Result:
    sm = _module("qingshan.sources.models")
    if sm is None or db is None:
        return Result(reason="污染源登记模块尚未就绪")
    from sqlalchemy import func, select

    try:
        outlet_counts = dict(
            db.execute(select(sm.Outlet.enterprise_id, func.count()).group_by(sm.Outlet.enterprise_id)).all()
        )
        ents = db.execute(select(sm.Enterprise).order_by(sm.Enterprise.county_code, sm.Enterprise.name)).scalars().all()
    except Exception as exc:  # noqa: BLE001
        log.warning("enterprises failed: %s", exc)
        return Result(reason="污染源数据读取失败（数据库尚未初始化？）")
    rows = [
        {
            "id": e.id,
            "name": e.name,
            "uscc": e.uscc,
            "industry": e.industry or "",
            "county_code": e.county_code or "",
            "outlets": outlet_counts.get(e.id, 0),
        }
        for e in ents
    ]
    return Result(rows=rows, reason="" if rows else "尚未登记排污单位")


def outlets(db: Any, enterprise_id: int | None = None) -> Result:
    sm = _module("qingshan.sources.models")
    if sm is None or db is None:
        return Result(reason="污染源登记模块尚未就绪")
    from sqlalchemy import select

    stmt = select(sm.Outlet, sm.Enterprise.name).join(sm.Enterprise, sm.Enterprise.id == sm.Outlet.enterprise_id)
    if enterprise_id:
        stmt = stmt.where(sm.Outlet.enterprise_id == enterprise_id)
    try:
        pairs = db.execute(stmt.order_by(sm.Enterprise.name, sm.Outlet.code)).all()
    except Exception as exc:  # noqa: BLE001
        log.warning("outlets failed: %s", exc)
        return Result(reason="排放口数据读取失败")
    kind = {"gas": "废气", "water": "废水"}
    rows = [
        {
            "id": o.id,
            "enterprise_id": o.enterprise_id,
            "enterprise": ename,
            "code": o.code,
            "name": o.name,
            "kind": kind.get(o.kind, o.kind),
            "lon": o.lon,
            "lat": o.lat,
        }
        for o, ename in pairs
    ]
    return Result(rows=rows, reason="" if rows else "尚未登记排放口")


def kind_fields(kind: str, *, public: bool = False) -> list[tuple[str, str]]:
    """(key, label) of the kind-specific fields (``qingshan.ledgers.kinds``); personal data
    fields are left out for public pages."""
    kinds = _module("qingshan.ledgers.kinds")
    specs = getattr(kinds, "KIND_FIELDS", {}).get(kind, ()) if kinds else ()
    return [(f.key, f.label) for f in specs if not (public and getattr(f, "personal", False))]


def satisfaction_choices() -> tuple[str, ...]:
    kinds = _module("qingshan.ledgers.kinds")
    return tuple(getattr(kinds, "SATISFACTION", ())) if kinds else ()


# ---------------------------------------------------------------------------------------------
# Public complaints (portal)
# ---------------------------------------------------------------------------------------------

def _service():
    return _module("qingshan.ledgers.service")


def complaint_status(db: Any, tracking_no: str) -> dict[str, Any] | None:
    """Public status of a complaint: no personal data, no internal notes.

    Uses the ledger service's public view (the same one ``GET /api/complaints/{no}`` returns).
    """
    svc = _service()
    tracking_no = (tracking_no or "").strip().upper()[:32]
    if not tracking_no or svc is None or db is None:
        return None
    for name in ("public_complaint_status", "complaint_public_status", "complaint_status"):
        fn = getattr(svc, name, None)
        if fn is None:
            continue
        try:
            out = fn(db, tracking_no)
        except Exception as exc:  # noqa: BLE001 - NotFound and friends: show "not found"
            log.info("complaint status %s: %s", tracking_no, exc)
            return None
        if out is None:
            return None
        return dict(out) if not isinstance(out, dict) else out
    return None


# ---------------------------------------------------------------------------------------------
# Published bulletins (portal)
# ---------------------------------------------------------------------------------------------

def bulletins(url: str) -> Result:
    """Bulletins published by the bulletin generator (``qingshan.bulletin``), newest first."""
    for name in ("qingshan.bulletin", "qingshan.bulletins", "qingshan.bulletin.publish"):
        mod = _module(name)
        fn = None
        for attr in ("published", "published_bulletins", "list_published"):
            fn = getattr(mod, attr, None) if mod else None
            if fn is not None:
                break
        if fn is None:
            continue
        try:
            try:
                rows = _frame_rows(fn(url))
            except TypeError:
                rows = _frame_rows(fn())
        except Exception as exc:  # noqa: BLE001
            log.warning("bulletins failed: %s", exc)
            return Result(reason="通报读取失败")
        out = [r if isinstance(r, dict) else vars(r) for r in rows]
        return Result(rows=out, reason="" if out else "尚未发布通报")
    return Result(reason="尚未发布通报")


class SubmitError(Exception):
    """A complaint the service refused; ``errors`` are per-field Chinese messages."""

    def __init__(self, message: str, errors: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def submit_complaint(db: Any, request: Any, fields: dict[str, str]) -> str:
    """File a public complaint through the ledger service; returns its tracking number.

    Raises
    ------
    SubmitError
        When the service is missing or refuses the input (message and per-field errors shown
        on the form, which keeps what the visitor typed).
    """
    svc = _service()
    fn = None
    for name in ("submit_public_complaint", "submit_complaint", "create_public_complaint"):
        fn = getattr(svc, name, None) if svc else None
        if fn is not None:
            break
    if fn is None:
        raise SubmitError("投诉受理服务暂不可用，请稍后再试或拨打 12369 环保热线。")
    errors_mod = _module("qingshan.ledgers.errors")
    ledger_error = getattr(errors_mod, "LedgerError", ()) if errors_mod else ()
    try:
        out = fn(db, request, fields)
    except ledger_error as exc:  # type: ignore[misc]
        raise SubmitError(getattr(exc, "message", str(exc)), getattr(exc, "errors", [])) from exc
    if isinstance(out, str):
        return out
    if isinstance(out, dict):
        return out["tracking_no"]
    return out.tracking_no


#: HJ 212 factor codes most often seen at Datong's outlets, for display (hj212.md Appendix B).
FACTOR_LABELS: dict[str, str] = {
    "a21026": "SO2", "a21002": "NOx", "a34013": "颗粒物", "a19001": "O2", "a01012": "烟温", "a01011": "流速",
    "a00000": "废气流量", "w01018": "COD", "w21003": "氨氮", "w21011": "总磷", "w21001": "总氮", "w01001": "pH",
    "w00000": "废水流量",
}
ALARM_KINDS: dict[str, str] = {
    "exceedance": "超标", "flag": "异常标记", "abnormal_flag": "异常标记", "constant": "恒值", "zero": "零值",
    "missing": "数据缺失", "missing_data": "数据缺失",
}


def _outlet_index(db: Any) -> dict[int, dict[str, Any]]:
    res = outlets(db)
    return {o["id"]: o for o in res.rows}


def _device_outlets(db: Any) -> dict[str, int | None]:
    sm = _module("qingshan.sources.models")
    if sm is None:
        return {}
    from sqlalchemy import select

    return {mn: oid for mn, oid in db.execute(select(sm.Device.mn, sm.Device.outlet_id)).all()}


def open_alarms(db: Any) -> Result:
    """Open HJ 212 alarms (:mod:`qingshan.hj212.alarms`) with their enterprise and outlet."""
    hm = _module("qingshan.hj212.models")
    if hm is None or db is None:
        return Result(reason="在线监控模块尚未就绪")
    from sqlalchemy import select

    try:
        alarms = db.execute(select(hm.Alarm).where(hm.Alarm.status == "open").order_by(hm.Alarm.start.desc()).limit(500)).scalars().all()
        outlets_by_id = _outlet_index(db)
        dev = _device_outlets(db)
    except Exception as exc:  # noqa: BLE001
        log.warning("open alarms failed: %s", exc)
        return Result(reason="报警数据读取失败（数据库尚未初始化？）")
    rows = []
    for a in alarms:
        o = outlets_by_id.get(a.outlet_id or dev.get(a.mn) or -1, {})
        rows.append(
            {
                "id": a.id,
                "kind": ALARM_KINDS.get(a.kind, a.kind),
                "mn": a.mn,
                "factor": FACTOR_LABELS.get(a.factor, a.factor),
                "factor_code": a.factor,
                "start": a.start,
                "end": a.end,
                "enterprise": o.get("enterprise", ""),
                "outlet": o.get("name", ""),
                "evidence": a.evidence,
            }
        )
    return Result(rows=rows, reason="" if rows else "当前没有未解除的报警")


def latest_values(db: Any, limit_devices: int = 200) -> Result:
    """Each device's latest hourly packet (CN 2061): factor values as received, with flags."""
    hm, derive = _module("qingshan.hj212.models"), _module("qingshan.hj212.derive")
    if hm is None or derive is None or db is None:
        return Result(reason="在线监控模块尚未就绪")
    from sqlalchemy import and_, func, select

    D, R = hm.DataRecord, hm.RawPacket
    try:
        last = select(D.mn, func.max(D.datatime).label("t")).where(D.cn == "2061").group_by(D.mn).subquery()
        # the values are read from the raw archive (the data table is the de-duplication index)
        recs = db.execute(
            select(D.raw_id, D.mn, D.cn, D.datatime, R.raw)
            .join(R, R.id == D.raw_id)
            .join(last, and_(D.mn == last.c.mn, D.datatime == last.c.t))
            .where(D.cn == "2061")
            .limit(limit_devices * 4)
        ).all()
        outlets_by_id = _outlet_index(db)
        dev = _device_outlets(db)
    except Exception as exc:  # noqa: BLE001
        log.warning("latest values failed: %s", exc)
        return Result(reason="在线监控数据读取失败（数据库尚未初始化？）")
    if not recs:
        return Result(reason="尚未收到在线监控小时数据")
    import polars as pl

    frame = pl.DataFrame(
        [tuple(r) for r in recs], orient="row",
        schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"), "raw": pl.Binary},
    )
    try:
        long = derive.flatten(frame)
    except Exception as exc:  # noqa: BLE001
        log.warning("flatten failed: %s", exc)
        return Result(reason="在线监控数据解析失败")
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for r in long.to_dicts():
        key = (r["mn"], r["datatime"])
        o = outlets_by_id.get(dev.get(r["mn"]) or -1, {})
        row = rows.setdefault(
            key,
            {"mn": r["mn"], "time": r["datatime"], "enterprise": o.get("enterprise", ""), "outlet": o.get("name", ""), "values": []},
        )
        if r["field"] in ("Avg", "ZsAvg"):
            row["values"].append(
                {"factor": FACTOR_LABELS.get(r["factor"], r["factor"]), "field": "折算" if r["field"] == "ZsAvg" else "实测",
                 "text": r["text"], "flag": r["flag"] or ""}
            )
    out = sorted(rows.values(), key=lambda x: (x["enterprise"], x["outlet"], x["mn"]))
    return Result(rows=out)


# ---------------------------------------------------------------------------------------------
# Ledger writes and what to offer (the service decides; the page only hides what would fail)
# ---------------------------------------------------------------------------------------------

class WriteError(Exception):
    """A ledger write refused by the service; ``message`` is shown on the page with ``status``
    (403 not allowed — the service has audited it, 409 changed meanwhile, 422 bad input)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def allowed_actions(db: Any, user: Any, item_id: int) -> dict[str, Any]:
    """What ``user`` may do with the item now, from :func:`qingshan.ledgers.service.allowed_actions`
    (the same rules the service enforces); nothing when the service is absent."""
    svc, lm = _service(), _module("qingshan.ledgers.models")
    none = {"update": False, "progress": False, "attach": False, "transitions": []}
    fn = getattr(svc, "allowed_actions", None) if svc else None
    if fn is None or lm is None or user is None:
        return none
    item = db.get(lm.LedgerItem, item_id)
    if item is None:
        return none
    try:
        return fn(user, item)
    except Exception as exc:  # noqa: BLE001
        log.warning("allowed_actions failed: %s", exc)
        return none


def _ledger_error(exc: Exception) -> WriteError | None:
    errors_mod = _module("qingshan.ledgers.errors")
    base = getattr(errors_mod, "LedgerError", None) if errors_mod else None
    if base is not None and isinstance(exc, base):
        msg = exc.message
        conflict = getattr(errors_mod, "Conflict", None)
        if conflict is not None and isinstance(exc, conflict):
            msg = (msg or "该事项已被他人修改。") + " 页面已显示最新内容，请核对后重新提交。"
        extra = getattr(exc, "errors", None)
        if extra and not msg:
            msg = "；".join(e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in extra)
        status = 422
        for name, code in (("PermissionDenied", 403), ("Conflict", 409), ("NotFound", 404)):
            cls = getattr(errors_mod, name, None)
            if cls is not None and isinstance(exc, cls):
                status = code
        return WriteError(msg, status)
    return None


def _service_fn(*names: str):
    svc = _service()
    for name in names:
        fn = getattr(svc, name, None) if svc else None
        if fn is not None:
            return fn
    raise WriteError("台账服务暂不可用。")


def add_progress(db: Any, request: Any, user: Any, item_id: int, *, text: str,
                 files: list[tuple[str, bytes]], home: Any, max_bytes: int) -> None:
    """Report progress with evidence files through the ledger service (type/size checked there,
    stored outside the web root, audited; nothing half-written)."""
    fn = _service_fn("add_progress")
    try:
        fn(db, request, user, item_id, text, files, home=home, max_bytes=max_bytes)
    except Exception as exc:
        err = _ledger_error(exc)
        if err is None:
            raise
        db.rollback()
        raise err from exc


def transition(db: Any, request: Any, user: Any, item_id: int, *, action: str, note: str,
               version: int | None, unit: Any = None, satisfaction: str | None = None) -> None:
    fn = _service_fn("transition_item")
    try:
        fn(db, request, user, item_id, action, version, note=note or None, unit=unit or None,
           satisfaction=satisfaction or None)
    except Exception as exc:
        err = _ledger_error(exc)
        if err is None:
            raise
        db.rollback()
        raise err from exc


def import_excel(db: Any, request: Any, user: Any, kind: str, content: bytes, filename: str, max_bytes: int) -> dict[str, Any]:
    """Import one Excel sheet through :func:`qingshan.ledgers.excel.import_items` (all rows or
    none). Returns ``ok``, ``message``, per-row ``errors`` (``row``, ``column``, ``message``)
    and the ``codes`` created."""
    if len(content) > max_bytes:
        return {"ok": False, "message": f"文件「{filename}」超过上限 {max_bytes:,} 字节，未导入任何数据。", "errors": []}
    excel = _module("qingshan.ledgers.excel")
    fn = getattr(excel, "import_items", None) if excel else None
    if fn is None:
        return {"ok": False, "message": "Excel 导入服务暂不可用。", "errors": []}
    try:
        items = fn(db, request, user, kind, content, filename=filename)
    except Exception as exc:
        err = _ledger_error(exc)
        if err is None:
            raise
        db.rollback()
        if err.status == 403 and not getattr(exc, "audited", False):
            # a refusal is audited whichever door it came through (the API's error handler does
            # the same for /api/ledgers/import)
            from qingshan.web.audit import audit_now

            audit_now(request, user, "forbidden", object_type=getattr(exc, "object_type", None),
                      object_id=getattr(exc, "object_id", None),
                      message=f"{request.method} {request.url.path}: {err.message}")
        errors = [e for e in (getattr(exc, "errors", None) or []) if isinstance(e, dict)]
        message = getattr(exc, "message", str(exc)) if not errors else f"共 {len(errors)} 处错误，未导入任何数据，请修改后重新导入。"
        return {"ok": False, "message": message, "errors": errors, "status": err.status}
    return {"ok": True, "message": f"已导入 {len(items)} 项。", "errors": [], "codes": [i.code for i in items]}
