"""Period evaluation and ranking of cities or counties from hourly station data.

The orchestration an analyst calls: hourly station frame → station daily statistics →
city (or county) daily series → daily AQI → period evaluation (HJ 663) → composite index and
ranking (环办监测〔2018〕19号), with the change against the same period of last year.

Every setting is a field of one :class:`~qingshan.air.settings.EvaluationSettings` (named
presets there). Nothing is computed here that a standards module defines; this module only chains
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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from qingshan import exact
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.standards import city_ranking, city_series, hj633, hj663
from qingshan.standards.editions import LimitStage

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
    settings: EvaluationSettings = DEFAULT,
    *,
    by: str = "city_code",
    aqi_edition: str | None = None,
) -> pl.DataFrame:
    """City (``by="city_code"``) or county (``"county_code"``) daily series with the daily AQI.

    Returns ``<by>, date``, RATIONAL daily statistics ``so2, no2, co, pm10, pm25, o3_8h,
    o3_1h``, ``n_stations`` and from :func:`qingshan.standards.hj633.daily_aqi`: ``aqi``,
    ``level``, ``primary_pollutants``, ``edition``. ``aqi_edition`` (default
    ``settings.aqi_edition``; None: each day's own edition).
    """
    s = settings
    days = city_series.city_daily(
        hourly, stations, by=by, station_list=s.station_list, include_control=s.include_control, kinds=s.kinds,
        city_min_valid_stations=s.city_min_valid_stations, city_o3_method=s.city_o3_method,
        mda8_exception_limit=s.mda8_exception_limit,
    )
    out = hj633.daily_aqi(
        days, edition=aqi_edition if aqi_edition is not None else s.aqi_edition,
        daily_include_o3_1h=s.daily_include_o3_1h, round_before_iaqi=s.round_before_iaqi,
    )
    keep = list(days.columns) + [c for c in ("aqi", "level", "primary_pollutants", "edition") if c in out.columns]
    return out.select(keep)


@dataclass
class Evaluation:
    """Result of :func:`evaluate`: the daily series, the period table, the base period's table
    (same period last year, when compared), the ranking, and what decided them."""

    daily: pl.DataFrame
    period: pl.DataFrame
    ranking: pl.DataFrame
    stage: str
    start: date
    end: date
    base: pl.DataFrame | None = None
    settings: EvaluationSettings = DEFAULT


def period_stage(start: date, end: date, settings: EvaluationSettings = DEFAULT) -> LimitStage:
    """The limit stage of [start, end]: ``settings.stage``, else the stage at the period end."""
    return settings.stage or city_ranking.stage_for_period(start, end, settings.straddle_limits)


def evaluate_daily(
    daily: pl.DataFrame,
    start: date,
    end: date,
    settings: EvaluationSettings = DEFAULT,
    *,
    by: str = "city_code",
) -> pl.DataFrame:
    """Period evaluation of each area from its daily series (HJ 663 §6; ranking rule §9).

    Parameters
    ----------
    daily : polars.DataFrame
        :func:`daily_series` output (any period; filtered to [start, end] here).
    start, end : datetime.date
        Period, inclusive (month, quarter, 1—N月, year …).
    settings : EvaluationSettings
        ``stage`` (default the stage at the period end), ``grade``, validity, exclusions,
        ``weights``, ``ranking_denominators``, ``precision``; see
        :func:`qingshan.standards.hj663.period_statistics`, :func:`~qingshan.standards.hj663.attainment`
        and :func:`~qingshan.standards.city_ranking.composite_index`.

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
    s = settings
    st = period_stage(start, end, s)
    d = daily.filter(pl.col("date").is_between(start, end))
    stats = hj663.period_statistics(
        d, by=[by], start=start, end=end, period_validity=s.period_validity,
        dust_days=s.dust_days, dust_exclusion=s.dust_exclusion,
        exceptional_days=s.exceptional_days, exceptional_events=s.exceptional_events,
    )
    att = hj663.attainment(stats, by=[by], stage=st, grade=s.grade,
                           annual_requires_percentile=s.annual_requires_percentile, precision=s.precision)
    # every judged statistic with its own 超标倍数 (§6.4): the means and, for SO2, NO2, PM10,
    # PM2.5, the P98/P95 against the 24-h limit
    judged = [*hj663.SIX, *[q for q in hj663.PERCENTILE_OF.values() if f"{q}_multiple" in att.columns]]
    att = att.with_columns(
        [hj663.publish(pl.col(f"{q}_multiple"), 2).alias(f"{q}_multiple_pub") for q in judged]
    ).select(by, *[f"{p}_attained" for p in hj663.SIX], *[f"{p}_stat_attained" for p in hj663.SIX],
             *[f"{q}_attained" for q in judged if q not in hj663.SIX],
             *[f"{q}_multiple" for q in judged], *[f"{q}_multiple_pub" for q in judged],
             "attained", "exceeding")
    dd = hj663.apply_exclusions(d, by=[by], dust_days=s.dust_days, dust_exclusion=s.dust_exclusion,
                                exceptional_days=s.exceptional_days, exceptional_events=s.exceptional_events)
    counts = hj663.day_counts(dd, by=[by], stage=st, grade=s.grade, precision=s.precision)
    comp = city_ranking.composite_index(stats, by=[by], stage=st, weights=s.weights,
                                        ranking_denominators=s.ranking_denominators, precision=s.precision)
    comp = comp.select(by, "isum", "isum_pub", "isum_units", *[f"i_{p}_pub" for p in city_ranking.SIX],
                       "max_index_pub", "max_pollutants")
    pub = stats.with_columns(
        [hj663.publish(pl.col(c), hj663.decimals_of(c, s.precision)).alias(f"{c}_pub")
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
    settings: EvaluationSettings = DEFAULT,
    *,
    by: str = "city_code",
    areas: Sequence[str] | None = None,
) -> Evaluation:
    """Hourly station data → daily series → period evaluation → ranking, for cities or counties.

    ``by="county_code"`` evaluates and ranks the counties (each county = the mean of its
    stations, like a city). Stations (air-evaluation.md §7,
    :func:`qingshan.standards.city_series.select_stations`): a city value uses the national
    stations only when ``stations`` has a ``kind`` column, a county value every evaluation
    station in the county (national, local, synthetic); 对照点 excluded; ``settings.kinds``
    overrides. ``areas`` restricts the output to some codes. With ``settings.compare_last_year``
    and data of the same period last year in ``hourly``, the ranking carries the change rate and
    the improvement / deterioration rankings, and :attr:`Evaluation.base` the base period.

    Every setting, with its section of air-evaluation.md §0/§12, is a field of
    :class:`~qingshan.air.settings.EvaluationSettings`; to evaluate a period *fully* under one
    edition use :func:`qingshan.air.settings.fully_under` (what ``qingshan air report
    --edition`` and the pages' edition switch do).
    """
    s = settings
    st = period_stage(start, end, s)
    # §0 (a): the stage never picks the AQI edition; only an explicit aqi_edition does
    aqi_edition = s.aqi_edition
    if aqi_edition is None and s.straddle_daily_aqi == "period_end":
        aqi_edition = city_ranking.edition_for_period(start, end, "period_end")
    daily = daily_series(hourly, stations, s, by=by, aqi_edition=aqi_edition)
    if areas is not None:
        daily = daily.filter(pl.col(by).is_in([str(a) for a in areas]))
    period = evaluate_daily(daily, start, end, s.with_(stage=st), by=by)
    if s.three_year_moving_average:
        from qingshan.standards.gb3095 import is_calendar_year

        if not is_calendar_year(start, end):
            raise ValueError("三年滑动平均只适用于日历年评价期")
        annual = []
        for y in (start.year - 2, start.year - 1, start.year):
            st_y = hj663.period_statistics(
                daily, by=[by], start=date(y, 1, 1), end=date(y, 12, 31), period_validity=s.period_validity,
                dust_days=s.dust_days, dust_exclusion=s.dust_exclusion,
                exceptional_days=s.exceptional_days, exceptional_events=s.exceptional_events,
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
    if s.compare_last_year:
        b0, b1 = same_period_last_year(start, end)
        if daily.filter(pl.col("date").is_between(b0, b1)).height:
            if s.change_base_stage == "own":
                # §0 (b), §9 Step 5: the base period's composite index uses the S_i in force at
                # the base period's own end (an explicit stage applies to both periods)
                base_stage = period_stage(b0, b1, s)
            else:
                # project addition "current": same S_i as the current period, so that ΔI
                # measures the air and not the change of standard
                base_stage = st
            base = evaluate_daily(daily, b0, b1, s.with_(stage=base_stage), by=by)
            if names is not None:
                base = base.join(names, on=by, how="left")
    ranking = city_ranking.rank_cities(
        period.select(by, *hj663.SIX),
        None if base is None else base.select(by, *hj663.SIX),
        by=[by], stage=st, base_stage=base_stage, weights=s.weights,
        ranking_denominators=s.ranking_denominators, change_rate_input=s.change_rate_input, precision=s.precision,
        deterioration_requires_increase=s.deterioration_requires_increase,
        attained=period.select(by, "attained"),
    )
    if names is not None:
        ranking = ranking.join(names, on=by, how="left")
    # provincial practice (air-evaluation.md §9): separate rankings by PM2.5 (ascending) and by
    # the good-days ratio (descending), on the published values, ties sharing a rank (并列)
    pm25_units = exact.rational_round(pl.col("pm25"), hj663.decimals_of("pm25", s.precision))
    ranking = ranking.join(
        period.select(
            by, "good_ratio_pub", "pm25_pub",
            pm25_rank=city_ranking.competition_rank(pm25_units),
            good_ratio_rank=city_ranking.competition_rank(
                exact.rational_round(pl.col("good_ratio"), 1), descending=True),
        ),
        on=by, how="left",
    )
    return Evaluation(daily=daily, period=period, ranking=ranking, stage=st, start=start, end=end, base=base,
                      settings=s)


def rank_counties(
    hourly: pl.DataFrame | city_series.StationDays,
    stations: pl.DataFrame,
    start: date,
    end: date,
    settings: EvaluationSettings = DEFAULT,
    *,
    city_code: str | None = None,
) -> pl.DataFrame:
    """Ranking of a city's counties (districts), each county = the mean of its stations."""
    st = stations if city_code is None else stations.filter(pl.col("city_code") == city_code)
    return evaluate(hourly, st, start, end, settings, by="county_code").ranking


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


__all__ = [
    "Evaluation",
    "daily_series",
    "evaluate",
    "evaluate_daily",
    "month_period",
    "period_stage",
    "published_table",
    "rank_counties",
    "same_period_last_year",
    "ytd_period",
]
