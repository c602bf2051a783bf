"""The one place in the targets/assessment/bulletin packages that calls the air engine.

Every air figure of the bulletins and of target tracking comes from
:func:`qingshan.air.evaluation.evaluate` (and :func:`~qingshan.air.evaluation.evaluate_daily`
for further periods of the same daily series) — the engine behind the one air report builder
:func:`qingshan.air.report.build_report` — called only by :func:`run` and :func:`period_table`
below, with one :class:`qingshan.air.settings.EvaluationSettings` (default
:data:`qingshan.air.settings.DEFAULT`, the air-evaluation.md §12 defaults). No setting of the air
evaluation is restated here: the bulletins' settings *are* the air pages' settings.

Unit series (assessment-bulletin.md §0): air-evaluation.md §7 applied to the unit's **own**
station list (``unit_stations`` in force at the period end, passed as ``station_list``; the
对照点 rule does not apply, so the explicit list decides alone). City value: the city's national
stations (§7), not the mean of the units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime, time, timedelta

import polars as pl

from qingshan.air import evaluation as ev
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.standards import city_series, hj663

#: group column used for the units (the registry's county column, re-labelled to unit codes)
UNIT_BY = "county_code"
CITY_BY = "city_code"


def settings_dict(settings: EvaluationSettings) -> dict:
    """The settings as JSON-safe data for a bulletin's ``meta`` (and so its snapshot): every
    field by name; frames (dust and exceptional days) as their row count, mappings as text."""
    out: dict = {}
    for f in fields(settings):
        v = getattr(settings, f.name)
        if isinstance(v, pl.DataFrame):
            v = f"{v.height} 行"
        elif isinstance(v, Mapping):
            v = {str(k): str(x) for k, x in v.items()}
        elif isinstance(v, (list, tuple)):
            v = [str(x) for x in v]
        out[f.name] = v
    return out


def unit_stations_frame(registry: pl.DataFrame, unit_stations: Mapping[str, Sequence[str]],
                        unit_names: Mapping[str, str]) -> pl.DataFrame:
    """Registry rows of the listed stations with ``county_code``/``county_name`` set to the unit."""
    rows = []
    seen: dict[str, str] = {}
    for unit, codes in unit_stations.items():
        for c in codes:
            if c in seen:
                raise ValueError(f"站点 {c} 同时列入 {seen[c]} 和 {unit} 的站点名单")
            seen[c] = unit
            rows.append({"code": c, "_unit": unit})
    if not rows:
        return registry.clear()
    m = pl.DataFrame(rows)
    missing = sorted(set(m["code"]) - set(registry["code"]))
    if missing:
        raise ValueError(f"单位站点名单中的站点未在站点登记中：{'、'.join(missing)}")
    f = registry.join(m, on="code", how="inner")
    return f.with_columns(
        county_code=pl.col("_unit"),
        county_name=pl.col("_unit").replace_strict(dict(unit_names), default=pl.col("_unit")),
    ).drop("_unit")


def run(days: city_series.StationDays | pl.DataFrame, stations: pl.DataFrame, start: date, end: date, *,
        by: str, settings: EvaluationSettings = DEFAULT, areas: Sequence[str] | None = None,
        station_list: Sequence[str] | None = None, compare_last_year: bool = True) -> ev.Evaluation:
    """THE call of :func:`qingshan.air.evaluation.evaluate` (period evaluation + ranking + ΔI).

    ``station_list`` and ``compare_last_year`` override the fields of ``settings`` of the same
    name (the unit lists come from the targets store, not from the settings)."""
    s = settings.with_(station_list=None if station_list is None else list(station_list),
                       compare_last_year=compare_last_year)
    return ev.evaluate(days, stations, start, end, s, by=by, areas=areas)


def period_table(daily: pl.DataFrame, start: date, end: date, *, by: str,
                 settings: EvaluationSettings = DEFAULT) -> pl.DataFrame:
    """Another period of an already computed daily series (:func:`~qingshan.air.evaluation.evaluate_daily`)."""
    return ev.evaluate_daily(daily, start, end, settings, by=by)


def period_means(daily: pl.DataFrame, periods: Sequence[tuple[date, date]], *, by: str, stat: str = "pm25",
                 settings: EvaluationSettings = DEFAULT) -> list[dict[str, str | None]]:
    """The published period value of one mean statistic (``<stat>_pub``), per area, for each period
    — for chart series of many periods. These are the two steps of
    :func:`~qingshan.air.evaluation.evaluate_daily` that produce ``<stat>_pub`` (HJ 663 period
    statistics with the period's validity and exclusions, then GB/T 8170 publication,
    air-evaluation.md §5–§6), without the rest of the evaluation (a seventh of its cost); the
    value is the same as the engine's (tested against Table A1)."""
    out = []
    for a, b in periods:
        d = daily.filter(pl.col("date").is_between(a, b))
        if d.is_empty():
            out.append({})
            continue
        st = hj663.period_statistics(d, by=[by], start=a, end=b, period_validity=settings.period_validity,
                                     dust_days=settings.dust_days, dust_exclusion=settings.dust_exclusion,
                                     exceptional_days=settings.exceptional_days,
                                     exceptional_events=settings.exceptional_events)
        pub = st.select(by, hj663.publish(pl.col(stat), hj663.decimals_of(stat, settings.precision)).alias("v"))
        out.append(dict(zip(pub[by], pub["v"])))
    return out


def same_period_last_year(start: date, end: date) -> tuple[date, date]:
    return ev.same_period_last_year(start, end)


def month_period(year: int, month: int) -> tuple[date, date]:
    return ev.month_period(year, month)


def load_days(url: str | None, codes: Sequence[str], windows: Sequence[tuple[date, date]]
              ) -> city_series.StationDays:
    """Station-day layout of ``codes`` over the natural days of each window (read from the store)."""
    from qingshan.store.observations import ObservationStore

    store = ObservationStore(url, auto_migrate=False)
    try:
        parts = []
        for a, b in windows:
            f = store.hourly_frame(list(codes), start=datetime.combine(a, time(1)),
                                   end=datetime.combine(b + timedelta(days=1), time(0)))
            if f.height:
                parts.append(f)
    finally:
        store.close()
    hourly = pl.concat(parts).unique(["station_code", "time"], keep="first").sort("station_code", "time") if parts \
        else pl.DataFrame(schema={"station_code": pl.Utf8, "time": pl.Datetime})
    return city_series.StationDays.from_hourly(hourly)


def registry(url: str | None, city_code: str) -> pl.DataFrame:
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry(url, auto_migrate=False)
    try:
        return reg.stations_frame(city_code)
    finally:
        reg.close()


__all__ = ["CITY_BY", "UNIT_BY", "load_days", "month_period", "period_means", "period_table", "registry", "run",
           "same_period_last_year", "settings_dict", "unit_stations_frame"]
