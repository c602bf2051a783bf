"""Period evaluation and ranking of cities or counties from hourly station data.

The orchestration an analyst calls: hourly station frame → station daily statistics →
city (or county) daily series → daily AQI → period evaluation (HJ 663) → composite index and
ranking (环办监测〔2018〕19号), with the change against the same period of last year.

Nothing is computed here that a standards module defines; this module only chains
:mod:`qingshan.standards.city_series`, :mod:`qingshan.standards.hj633`,
:mod:`qingshan.standards.hj663`, :mod:`qingshan.standards.gb3095` and
:mod:`qingshan.standards.city_ranking` and picks the editions:

* the **daily AQI** of each day uses the edition of its own day (``straddle_daily_aqi=
  "own_day"``), or for every day the edition at the period end (``"period_end"``) — both
  UNCONFIRMED (air-evaluation.md §0 (a)); only an explicit ``aqi_edition`` (``"2012"`` /
  ``"2026"``) fixes the HJ 633 edition of every daily AQI;
* **limits and ranking denominators** follow the stage in force at the period end
  (``straddle_limits="period_end"``, UNCONFIRMED, §0 (b)) unless ``stage`` is given. ``stage``
  decides limits and S_i only (§0 (b)); it does not change the edition of any daily AQI;
* the base period of the change rate (same period last year) uses the stage in force at **its
  own** end (``change_base_stage="own"``, §0 (b), §9 Step 5), so a 2025 base divides by the
  2012 S_i; ``"current"`` is a project addition (see :func:`evaluate`).

Inputs
------
hourly : ``station_code``, ``time`` (hour-END label T, naive Beijing Datetime) and ``so2, no2,
co, o3, pm10, pm25`` [µg/m³; CO mg/m³] as floats, ints, decimal text or ``exact.RATIONAL``.
stations : registry ``code, name, city_code, county_code, county_name, is_control`` (and
optionally ``city_name`` and ``kind``: with ``kind``, a city value uses the national stations
only, a county value every evaluation station of the county — air-evaluation.md §7,
:func:`qingshan.standards.city_series.select_stations`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan import exact
from qingshan.standards import city_ranking, city_series, gb3095, hj663
from qingshan.standards.editions import LimitStage, parse_stage

Group = Literal["city_code", "county_code"]

#: statistics published as text (precision: hj663.decimals_of, setting ``precision``)
PUBLISHED = ("so2", "no2", "pm10", "pm25", "co", "o3", "so2_p98", "no2_p98", "pm10_p95", "pm25_p95")


def same_period_last_year(start: date, end: date) -> tuple[date, date]:
    """The same period of the previous year (同比); 29 February maps to 28 February."""

    def back(d: date) -> date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:
            return d.replace(year=d.year - 1, day=28)

    return back(start), back(end)


def month_period(year: int, month: int) -> tuple[date, date]:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), nxt - timedelta(days=1)


def ytd_period(year: int, month_to: int) -> tuple[date, date]:
    """1—N月: 1 January to the end of month N."""
    return date(year, 1, 1), month_period(year, month_to)[1]


def _names(stations: pl.DataFrame, by: str) -> pl.DataFrame | None:
    name_col = {"city_code": "city_name", "county_code": "county_name"}.get(by)
    if name_col and name_col in stations.columns:
        return stations.select(pl.col(by), pl.col(name_col).alias("name")).drop_nulls(by).unique(by, keep="first")
    return None


def daily_series(
    hourly: pl.DataFrame | city_series.StationDays,
    stations: pl.DataFrame,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    kinds: Sequence[str] | Literal["all"] | None = None,
    city_min_valid_stations: int = 1,
    city_o3_method: city_series.CityO3Method = "series",
    mda8_exception_limit: int = 160,
    aqi_edition: str | None = None,
    daily_include_o3_1h: bool = True,
    round_before_iaqi: bool = True,
) -> pl.DataFrame:
    """City (``by="city_code"``) or county (``"county_code"``) daily series with the daily AQI.

    Returns ``<by>, date``, RATIONAL daily statistics ``so2, no2, co, pm10, pm25, o3_8h,
    o3_1h``, ``n_stations`` and from :func:`qingshan.standards.hj633.daily_aqi`: ``aqi``,
    ``level``, ``primary_pollutants``, ``edition``. ``aqi_edition=None``: each day's own edition.
    """
    from qingshan.standards import hj633

    days = city_series.city_daily(
        hourly, stations, by=by, station_list=station_list, include_control=include_control, kinds=kinds,
        city_min_valid_stations=city_min_valid_stations, city_o3_method=city_o3_method,
        mda8_exception_limit=mda8_exception_limit,
    )
    out = hj633.daily_aqi(
        days, edition=aqi_edition, daily_include_o3_1h=daily_include_o3_1h,
        round_before_iaqi=round_before_iaqi,
    )
    keep = list(days.columns) + [c for c in ("aqi", "level", "primary_pollutants", "edition") if c in out.columns]
    return out.select(keep)


@dataclass
class Evaluation:
    """Result of :func:`evaluate`: the daily series, the period table and the ranking."""

    daily: pl.DataFrame
    period: pl.DataFrame
    ranking: pl.DataFrame
    stage: str
    start: date
    end: date


def evaluate_daily(
    daily: pl.DataFrame,
    start: date,
    end: date,
    *,
    by: str = "city_code",
    stage: str | None = None,
    grade: int = 2,
    straddle_limits: city_ranking.StraddleLimits = "period_end",
    period_validity: gb3095.PeriodValidity = "monthly_minimum",
    annual_requires_percentile: bool = True,
    dust_days: pl.DataFrame | None = None,
    dust_exclusion: hj663.DustExclusion = "none",
    exceptional_days: pl.DataFrame | None = None,
    exceptional_events: hj663.DustExclusion = "none",
    weights: Mapping[str, int | Fraction] | None = None,
    ranking_denominators: Mapping[str, Mapping[str, int | Fraction | str]] | None = None,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Period evaluation of each area from its daily series (HJ 663 §6; ranking rule §9).

    Parameters
    ----------
    daily : polars.DataFrame
        :func:`daily_series` output (any period; filtered to [start, end] here).
    start, end : datetime.date
        Period, inclusive (month, quarter, 1—N月, year …).
    stage : {"2012", "2026-1", "2026-2"}, optional
        Limit stage; default the stage at the period end (``straddle_limits``).
    Other parameters: see :func:`qingshan.standards.hj663.period_statistics`,
    :func:`~qingshan.standards.hj663.attainment` and
    :func:`~qingshan.standards.city_ranking.composite_index`.

    Returns
    -------
    polars.DataFrame
        Per area: exact statistics (RATIONAL) ``so2, no2, pm10, pm25`` (means), ``co`` (P95),
        ``o3`` (P90 of MDA8), ``so2_p98`` …; published text ``<stat>_pub``; validity counts;
        attainment (``<p>_attained`` = the pollutant's verdict, ``<p>_stat_attained`` and
        ``<p>_multiple_pub`` of the main statistic, ``<pct>_attained`` and
        ``<pct>_multiple_pub`` of the P98/P95 items, ``attained``, ``exceeding``);
        day counts (``n_valid``, ``n_good``, ``good_ratio_pub``, ``n_level1``…``n_level6``,
        ``n_heavy``, ``exceed_days_<p>``); composite index (``isum_pub``, ``i_<p>_pub``,
        ``max_pollutants``) and ``stage``.
    """
    st: LimitStage = parse_stage(stage) if stage else city_ranking.stage_for_period(start, end, straddle_limits)
    d = daily.filter(pl.col("date").is_between(start, end))
    stats = hj663.period_statistics(
        d, by=[by], start=start, end=end, period_validity=period_validity,
        dust_days=dust_days, dust_exclusion=dust_exclusion,
        exceptional_days=exceptional_days, exceptional_events=exceptional_events,
    )
    att = hj663.attainment(stats, by=[by], stage=st, grade=grade,
                           annual_requires_percentile=annual_requires_percentile, precision=precision)
    # every judged statistic with its own 超标倍数 (§6.4): the means and, for SO2, NO2, PM10,
    # PM2.5, the P98/P95 against the 24-h limit
    judged = [*hj663.SIX, *[q for q in hj663.PERCENTILE_OF.values() if f"{q}_multiple" in att.columns]]
    att = att.with_columns(
        [hj663.publish(pl.col(f"{q}_multiple"), 2).alias(f"{q}_multiple_pub") for q in judged]
    ).select(by, *[f"{p}_attained" for p in hj663.SIX], *[f"{p}_stat_attained" for p in hj663.SIX],
             *[f"{q}_attained" for q in judged if q not in hj663.SIX],
             *[f"{q}_multiple" for q in judged], *[f"{q}_multiple_pub" for q in judged],
             "attained", "exceeding")
    dd = hj663.apply_exclusions(d, by=[by], dust_days=dust_days, dust_exclusion=dust_exclusion,
                                exceptional_days=exceptional_days, exceptional_events=exceptional_events)
    counts = hj663.day_counts(dd, by=[by], stage=st, grade=grade, precision=precision)
    comp = city_ranking.composite_index(stats, by=[by], stage=st, weights=weights,
                                        ranking_denominators=ranking_denominators, precision=precision)
    comp = comp.select(by, "isum", "isum_pub", "isum_units", *[f"i_{p}_pub" for p in city_ranking.SIX],
                       "max_index_pub", "max_pollutants")
    pub = stats.with_columns(
        [hj663.publish(pl.col(c), hj663.decimals_of(c, precision)).alias(f"{c}_pub")
         for c in PUBLISHED if c in stats.columns]
    )
    out = (
        pub.join(att, on=by, how="left")
        .join(counts, on=by, how="left")
        .join(comp, on=by, how="left")
        .with_columns(stage=pl.lit(st), start=pl.lit(start), end=pl.lit(end))
    )
    return out.sort(by)


def evaluate(
    hourly: pl.DataFrame | city_series.StationDays,
    stations: pl.DataFrame,
    start: date,
    end: date,
    *,
    by: str = "city_code",
    areas: Sequence[str] | None = None,
    stage: str | None = None,
    aqi_edition: str | None = None,
    compare_last_year: bool = True,
    straddle_limits: city_ranking.StraddleLimits = "period_end",
    straddle_daily_aqi: city_ranking.StraddleDailyAqi = "own_day",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    kinds: Sequence[str] | Literal["all"] | None = None,
    city_min_valid_stations: int = 1,
    city_o3_method: city_series.CityO3Method = "series",
    mda8_exception_limit: int = 160,
    daily_include_o3_1h: bool = True,
    round_before_iaqi: bool = True,
    grade: int = 2,
    period_validity: gb3095.PeriodValidity = "monthly_minimum",
    annual_requires_percentile: bool = True,
    dust_days: pl.DataFrame | None = None,
    dust_exclusion: hj663.DustExclusion = "none",
    exceptional_days: pl.DataFrame | None = None,
    exceptional_events: hj663.DustExclusion = "none",
    weights: Mapping[str, int | Fraction] | None = None,
    ranking_denominators: Mapping[str, Mapping[str, int | Fraction | str]] | None = None,
    precision: Mapping[str, int] | None = None,
    change_rate_input: city_ranking.ChangeRateInput = "published",
    deterioration_requires_increase: bool = True,
    change_base_stage: Literal["own", "current"] = "own",
    three_year_moving_average: bool = False,
) -> Evaluation:
    """Hourly station data → daily series → period evaluation → ranking, for cities or counties.

    ``by="county_code"`` evaluates and ranks the counties (each county = the mean of its
    stations, like a city). Stations (air-evaluation.md §7,
    :func:`qingshan.standards.city_series.select_stations`): a city value uses the national
    stations only when ``stations`` has a ``kind`` column, a county value every evaluation
    station in the county (national, local, synthetic); 对照点 excluded; ``kinds`` overrides. ``areas`` restricts the output to some codes. With
    ``compare_last_year`` and data of the same period last year in ``hourly``, the ranking
    carries the change rate and the improvement / deterioration rankings.

    ``three_year_moving_average`` (default False; **UNCONFIRMED — HJ 663—2026 text not
    obtained**): for a calendar-year period, adds ``<stat>_3y`` = the exact mean of the annual
    statistics of the year and the two before (null unless all three are valid; ``hourly``
    must hold the three years).

    Editions (air-evaluation.md §0):

    ``stage`` : {"2012", "2026-1", "2026-2"}, optional
        Limits and ranking denominators S_i only (§0 (b)); default the stage in force at the
        period end (``straddle_limits``). It does **not** change the edition of the daily AQIs.
    ``aqi_edition`` : {"2012", "2026"}, optional
        Fixes the HJ 633 edition of every daily AQI (and so the good-days ratio). Default None:
        each daily AQI follows ``straddle_daily_aqi`` (default ``"own_day"``, §0 (a)). To
        evaluate a period *fully* under one edition, give both (``stage="2026-1",
        aqi_edition="2026"``), as ``qingshan air report --edition`` does.
    ``change_base_stage`` : {"own", "current"}
        Stage of the base period (same period last year) of the change rate. ``"own"``
        (default, the spec: §0 (b) and §9 Step 5 — each period's composite index uses the S_i
        in force at that period's own end, so a 2025 base divides by the 2012 S_i; with an
        explicit ``stage`` both periods use it). ``"current"`` is a **project addition, not a
        spec setting**: the base is re-evaluated with the current period's stage, so that ΔI
        across 2026-03-01 measures the air rather than the change of S_i (as MEE re-evaluated
        2025 under the new limits for comparison, air-2026-revision.md §4).

    Every setting is documented where it is implemented (air-evaluation.md §12): see
    :func:`qingshan.standards.city_series.city_daily`, :func:`evaluate_daily`,
    :func:`qingshan.standards.city_ranking.rank_cities`.
    """
    st: LimitStage = parse_stage(stage) if stage else city_ranking.stage_for_period(start, end, straddle_limits)
    if straddle_daily_aqi not in ("own_day", "period_end"):
        raise ValueError(f"未知的 straddle_daily_aqi：{straddle_daily_aqi!r}（可选 own_day、period_end）")
    if change_base_stage not in ("own", "current"):
        raise ValueError(f"未知的 change_base_stage：{change_base_stage!r}（可选 own、current）")
    # §0 (a): the stage never picks the AQI edition; only an explicit aqi_edition does
    if aqi_edition is not None:
        if str(aqi_edition).strip() not in ("2012", "2026"):
            raise ValueError(f"未知的 aqi_edition：{aqi_edition!r}（可选 2012、2026）")
        aqi_edition = str(aqi_edition).strip()
    elif straddle_daily_aqi == "period_end":
        aqi_edition = city_ranking.edition_for_period(start, end, "period_end")
    daily = daily_series(
        hourly, stations, by=by, station_list=station_list, include_control=include_control, kinds=kinds,
        city_min_valid_stations=city_min_valid_stations, city_o3_method=city_o3_method,
        mda8_exception_limit=mda8_exception_limit, aqi_edition=aqi_edition,
        daily_include_o3_1h=daily_include_o3_1h, round_before_iaqi=round_before_iaqi,
    )
    if areas is not None:
        daily = daily.filter(pl.col(by).is_in([str(a) for a in areas]))
    kw = dict(
        by=by, grade=grade, period_validity=period_validity,
        annual_requires_percentile=annual_requires_percentile, dust_days=dust_days,
        dust_exclusion=dust_exclusion, exceptional_days=exceptional_days,
        exceptional_events=exceptional_events, weights=weights, ranking_denominators=ranking_denominators,
        precision=precision,
    )
    period = evaluate_daily(daily, start, end, stage=st, **kw)
    if three_year_moving_average:
        from qingshan.standards.gb3095 import is_calendar_year

        if not is_calendar_year(start, end):
            raise ValueError("三年滑动平均只适用于日历年评价期")
        annual = []
        for y in (start.year - 2, start.year - 1, start.year):
            st_y = hj663.period_statistics(
                daily, by=[by], start=date(y, 1, 1), end=date(y, 12, 31), period_validity=period_validity,
                dust_days=dust_days, dust_exclusion=dust_exclusion,
                exceptional_days=exceptional_days, exceptional_events=exceptional_events,
            )
            annual.append(st_y.select(by, *hj663.SIX).with_columns(year=pl.lit(y)))
        three = hj663.three_year_moving_average(pl.concat(annual, how="diagonal_relaxed"), by=[by])
        three = three.filter(pl.col("year") == start.year).drop("year")
        period = period.join(three.rename({c: f"{c}_3y" for c in hj663.SIX}), on=by, how="left")
    names = _names(stations, by)
    if names is not None:
        period = period.join(names, on=by, how="left")
    base = None
    base_stage = None
    if compare_last_year:
        b0, b1 = same_period_last_year(start, end)
        if daily.filter(pl.col("date").is_between(b0, b1)).height:
            if change_base_stage == "own":
                # §0 (b), §9 Step 5: the base period's composite index uses the S_i in force at
                # the base period's own end (an explicit stage applies to both periods)
                base_stage = parse_stage(stage) if stage else city_ranking.stage_for_period(b0, b1, straddle_limits)
            else:
                # project addition "current": same S_i as the current period, so that ΔI
                # measures the air and not the change of standard
                base_stage = st
            base = evaluate_daily(daily, b0, b1, stage=base_stage, **kw)
    ranking = city_ranking.rank_cities(
        period.select(by, *hj663.SIX),
        None if base is None else base.select(by, *hj663.SIX),
        by=[by], stage=st, base_stage=base_stage, weights=weights,
        ranking_denominators=ranking_denominators, change_rate_input=change_rate_input, precision=precision,
        deterioration_requires_increase=deterioration_requires_increase,
        attained=period.select(by, "attained"),
    )
    if names is not None:
        ranking = ranking.join(names, on=by, how="left")
    # provincial practice (air-evaluation.md §9): separate rankings by PM2.5 (ascending) and by
    # the good-days ratio (descending), on the published values, ties sharing a rank (并列)
    pm25_units = exact.rational_round(pl.col("pm25"), hj663.decimals_of("pm25", precision))
    ranking = ranking.join(
        period.select(
            by, "good_ratio_pub", "pm25_pub",
            pm25_rank=city_ranking.competition_rank(pm25_units),
            good_ratio_rank=city_ranking.competition_rank(
                exact.rational_round(pl.col("good_ratio"), 1), descending=True),
        ),
        on=by, how="left",
    )
    return Evaluation(daily=daily, period=period, ranking=ranking, stage=st, start=start, end=end)


def rank_counties(
    hourly: pl.DataFrame | city_series.StationDays,
    stations: pl.DataFrame,
    start: date,
    end: date,
    *,
    city_code: str | None = None,
    **settings,
) -> pl.DataFrame:
    """Ranking of a city's counties (districts), each county = the mean of its stations."""
    st = stations if city_code is None else stations.filter(pl.col("city_code") == city_code)
    return evaluate(hourly, st, start, end, by="county_code", **settings).ranking


def published_table(period: pl.DataFrame, by: str = "city_code") -> pl.DataFrame:
    """The period table with published (rounded) values only — for reports and CSV/JSON."""
    cols = [c for c in (by, "name") if c in period.columns]
    pub = [
        pl.col("pm25_pub").alias("PM2.5"), pl.col("pm10_pub").alias("PM10"),
        pl.col("so2_pub").alias("SO2"), pl.col("no2_pub").alias("NO2"),
        pl.col("co_pub").alias("CO-95per"), pl.col("o3_pub").alias("O3-8h-90per"),
        pl.col("good_ratio_pub").alias("优良天数比例%"), pl.col("n_good").alias("优良天数"),
        pl.col("n_valid").alias("有效天数"), pl.col("n_heavy").alias("重污染天数"),
        pl.col("isum_pub").alias("综合指数"),
        pl.col("attained").alias("达标"),
        pl.col("exceeding").list.join("、").alias("超标污染物"),
    ]
    return period.select(*cols, *pub)


# --- convenience over the store (used by the web pages and the report command) ---------------


def load_inputs(
    start: date, end: date, *, city: str | None = None, url: str | None = None, with_last_year: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hourly frame (this period and, with ``with_last_year``, the same period last year) and
    the station registry of ``city`` (name or code; None = every registered station)."""
    from datetime import datetime

    from qingshan.store.observations import ObservationStore
    from qingshan.store.registry import stations_frame

    stations = stations_frame(city, url=url)
    b0 = same_period_last_year(start, end)[0] if with_last_year else start
    t0 = datetime.combine(b0, datetime.min.time()) + timedelta(hours=1)
    t1 = datetime.combine(end, datetime.min.time()) + timedelta(days=1)
    if stations.is_empty():
        return pl.DataFrame(), stations
    store = ObservationStore(url)
    try:
        hourly = store.hourly_frame(stations["code"].to_list(), t0, t1)
    finally:
        store.close()
    return hourly, stations


def _resolve_period(year, month_to, start, end) -> tuple[date, date]:
    if start is not None and end is not None:
        return start, end
    if year is None:
        raise ValueError("需要给出评价时段（year/month_to 或 start/end）")
    return ytd_period(int(year), int(month_to or 12))


def _pct_change(cur: str | None, base: str | None) -> str | None:
    if not cur or not base:
        return None
    c, b = Fraction(cur), Fraction(base)
    if b == 0:
        return None
    return exact.fraction_to_str((c - b) / b * 100, 1)


def period_evaluation(
    url: str | None = None,
    year: int | None = None,
    month_to: int | None = None,
    stage: str | None = None,
    county: str | None = None,
    city: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Indicator rows of a city's (or one county's) period evaluation, read from the store.

    Rows ``indicator, label, unit, value, limit, met, multiple, change`` (``change``: % against
    the same period last year from the published values, concentrations and composite index).
    Period: ``start``–``end``, or 1—``month_to``月 of ``year``. ``stage`` is the report's
    ``--edition``: given, both periods are evaluated fully under it (limits, S_i and every
    daily AQI); None → the spec defaults by date (air-evaluation.md §0).
    """
    from qingshan.air import report_cli

    start, end = _resolve_period(year, month_to, start, end)
    hourly, stations = load_inputs(start, end, city=city, url=url)
    if stations.is_empty() or hourly.is_empty():
        return pl.DataFrame()
    name = city
    if county is not None:
        stations = stations.filter((pl.col("county_code") == county) | (pl.col("county_name") == county))
        stations = stations.with_columns(city_code=pl.col("county_code"), city_name=pl.col("county_name"))
        name = county
        # a county value: every evaluation station of the county (select_stations)
        settings = {"kinds": city_series.COUNTY_KINDS}
    else:
        settings = {}
    if name is None:
        name = stations["city_code"].drop_nulls()[0]
    rep = report_cli.build_report(hourly, stations, name, start, end, edition=stage, **settings)
    b0, b1 = same_period_last_year(start, end)
    change = {}
    if hourly.filter(pl.col("time").dt.date() <= b1).height:
        try:
            base = report_cli.build_report(hourly, stations, name, b0, b1, edition=stage, **settings)
            bv = dict(zip(base.city["indicator"], base.city["value"]))
            change = {k: _pct_change(v, bv.get(k)) for k, v in zip(rep.city["indicator"], rep.city["value"])
                      if k in ("pm25", "pm10", "so2", "no2", "co", "o3", "isum")}
        except ValueError:
            change = {}
    return rep.city.rename({"attained": "met"}).with_columns(
        change=pl.Series([change.get(k) for k in rep.city["indicator"]], dtype=pl.Utf8)
    )


def county_ranking(
    url: str | None = None,
    year: int | None = None,
    month_to: int | None = None,
    stage: str | None = None,
    city: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Counties of a city ranked by composite index, read from the store (see :func:`rank_counties`)."""
    from qingshan.air import report_cli

    start, end = _resolve_period(year, month_to, start, end)
    hourly, stations = load_inputs(start, end, city=city, url=url)
    if stations.is_empty() or hourly.is_empty():
        return pl.DataFrame()
    name = city or stations["city_code"].drop_nulls()[0]
    return report_cli.build_report(hourly, stations, name, start, end, edition=stage).counties


__all__ = [
    "Evaluation",
    "county_ranking",
    "daily_series",
    "load_inputs",
    "period_evaluation",
    "evaluate",
    "evaluate_daily",
    "month_period",
    "published_table",
    "rank_counties",
    "same_period_last_year",
    "ytd_period",
]
