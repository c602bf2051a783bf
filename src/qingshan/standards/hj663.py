"""HJ 663—2013 / HJ 663—2026 环境空气质量评价技术规范: period statistics and attainment.

Pure, vectorised functions over polars frames of daily values (one row per station or city and
natural day). Values are exact :data:`qingshan.exact.RATIONAL` structs; a period statistic is
computed from the exact daily values and rounded only to be published or compared with a limit
(air-evaluation.md §5.3).

Units: µg/m³; CO mg/m³. Precision (air-evaluation.md §5.2): integers, CO 1 decimal;
percentages 1 decimal; exceedance multiples 2 decimals (UNCONFIRMED).

HJ 663—2026 additions — its text was **not obtained** (air-2026-revision.md §3, R2). Two
switchable, clearly labelled UNCONFIRMED helpers are offered and are off by default:

* exceptional events (例外事件): ``exceptional_days`` generalises the sand-dust input
  ``dust_days`` (环办监测〔2016〕120号), switch ``exceptional_events="none"``;
* three-year moving average (三年滑动平均): :func:`three_year_moving_average`, the mean of three
  consecutive annual statistics (form (a)/(b) of air-2026-revision.md R2.3).

References
----------
.. [1] HJ 663—2013 §6.3 (percentile, Appendix A), §6.4 (single-pollutant evaluation), §6.5
       (multi-pollutant evaluation) — air-evaluation.md §6, E1, E2, E10, E11.
.. [2] GB 3095—2012 / GB 3095—2026 Table 1 and Table 4 (:mod:`qingshan.standards.gb3095`).
.. [3] 受沙尘天气过程影响城市空气质量评价补充规定, 环办监测〔2016〕120号 (air-evaluation.md §6.5).
.. [4] air-2026-revision.md §3 and R2.2–R2.3 (HJ 663—2026 headline changes, UNCONFIRMED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from math import floor, lcm
from typing import Literal

import polars as pl

from qingshan import exact
from qingshan.standards import gb3095
from qingshan.standards.editions import LimitStage

DustExclusion = Literal["none", "ratio", "concentrations", "both"]

#: statistic name → (daily column, kind, p, limit averaging time). Annual items of HJ 663
#: §6.2: means of SO2, NO2, PM10, PM2.5; P98 (SO2, NO2) / P95 (PM10, PM2.5) of daily means;
#: CO P95 of daily means; O3 P90 of MDA8.
STATISTICS: dict[str, tuple[str, str, Fraction | None, str]] = {
    "so2": ("so2", "mean", None, "annual"),
    "no2": ("no2", "mean", None, "annual"),
    "pm10": ("pm10", "mean", None, "annual"),
    "pm25": ("pm25", "mean", None, "annual"),
    "co": ("co", "percentile", Fraction(95, 100), "daily"),
    "o3": ("o3_8h", "percentile", Fraction(90, 100), "8h"),
    "so2_p98": ("so2", "percentile", Fraction(98, 100), "daily"),
    "no2_p98": ("no2", "percentile", Fraction(98, 100), "daily"),
    "pm10_p95": ("pm10", "percentile", Fraction(95, 100), "daily"),
    "pm25_p95": ("pm25", "percentile", Fraction(95, 100), "daily"),
}
#: the six pollutant items of the composite evaluation and their publication decimals
SIX: tuple[str, ...] = ("so2", "no2", "pm10", "pm25", "co", "o3")
#: the annual percentile item judged against the 24-h limit (§6.4, ``annual_requires_percentile``)
PERCENTILE_OF: dict[str, str] = {"so2": "so2_p98", "no2": "no2_p98", "pm10": "pm10_p95", "pm25": "pm25_p95"}
DECIMALS: dict[str, int] = {"co": 1}
DAILY_COLS: dict[str, str] = {"so2": "so2", "no2": "no2", "pm10": "pm10", "pm25": "pm25", "co": "co", "o3": "o3_8h"}
DAILY_AVERAGING: dict[str, str] = {"so2": "daily", "no2": "daily", "pm10": "daily", "pm25": "daily", "co": "daily", "o3": "8h"}
#: 超标污染物 / pollutant display order
NAMES_ZH = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "pm25": "PM2.5", "co": "CO", "o3": "O3"}


def decimals_of(stat: str, precision: Mapping[str, int] | None = None) -> int:
    """Precision of a concentration statistic (air-evaluation.md §5.2, setting ``precision``):
    CO 1 decimal, others integer by default; ``precision`` overrides per pollutant (e.g.
    ``{"pm25": 1}``, later practice for PM2.5 — UNCONFIRMED for HJ 663—2026)."""
    base = stat.split("_")[0]
    if precision and base in precision:
        return int(precision[base])
    return DECIMALS.get(base, 0)


# --- exact percentile (§6.3) -----------------------------------------------------------------


def percentile(values: Sequence[Fraction | int | str], p: Fraction | str) -> Fraction:
    """HJ 663—2013 §6.3 / Appendix A percentile, exact (scalar reference).

    ``k = 1 + (n − 1)·p``, ``s = floor(k)``, ``m = X(s) + (X(s+1) − X(s))·(k − s)``; X(n) when
    s = n. Equals ``numpy.percentile(x, 100p, method="linear")`` in exact arithmetic.

    Examples
    --------
    >>> percentile(["0.6", "0.8", "1.1", "0.9", "1.4", "2.0", "1.7", "0.7", "1.2", "1.0"], "0.95")
    Fraction(373, 200)
    """
    x = sorted(Fraction(str(v)) if isinstance(v, float) else Fraction(v) for v in values)  # §5.1
    if not x:
        raise ValueError("百分位数需要至少一个有效值")
    p = Fraction(p)
    k = 1 + (len(x) - 1) * p
    s = floor(k)
    if s >= len(x):
        return x[-1]
    return x[s - 1] + (x[s] - x[s - 1]) * (k - s)


def common_denominator(frame: pl.DataFrame, col: str) -> tuple[pl.Expr, int]:
    """Numerators of a RATIONAL column over one common denominator ``L`` (Int128 expr, L).

    ``L`` is the lcm of the distinct denominators present — one value for the series built by
    :mod:`qingshan.standards.city_series`, so this is cheap and keeps sorting, maxima and sums
    integer operations.
    """
    dens = frame.select(exact.den(col).drop_nulls().unique()).to_series().to_list()
    L = 1
    for d in dens:
        L = lcm(L, int(d))
    if L.bit_length() > 100:
        raise ValueError(f"列 {col}：分母过多，无法取公分母精确计算")
    return exact.num(col).cast(pl.Int128) * (pl.lit(L, dtype=pl.Int128) // exact.den(col).cast(pl.Int128)), L


def percentile_agg(v: pl.Expr, p: Fraction, L: int) -> pl.Expr:
    """Group aggregation: the §6.3 percentile of the non-null integer numerators ``v`` (over L).

    Returns a RATIONAL struct (null for an empty group)."""
    p = Fraction(p)
    pn, pd = p.numerator, p.denominator
    x = v.drop_nulls().sort()
    n = x.len().cast(pl.Int64)
    t = (n - 1) * pn
    s0 = t // pd  # 0-based index of X(s)
    r = t % pd
    hi = pl.min_horizontal(s0 + 1, n - 1)
    x_lo = x.gather(s0).first()
    x_hi = x.gather(hi).first()
    num = x_lo * pd + (x_hi - x_lo) * r.cast(pl.Int128)
    return pl.when(n > 0).then(exact.rational(num, pl.lit(pd * L, dtype=pl.Int128)))


# --- exclusions (sand-dust, exceptional events) ----------------------------------------------


def _flag_days(daily: pl.DataFrame, days: pl.DataFrame | None, by: list[str], name: str) -> pl.DataFrame:
    if days is None or days.height == 0:
        return daily.with_columns(pl.lit(False).alias(name))
    keys = [c for c in by if c in days.columns] + ["date"]
    d = days.select(keys).unique().with_columns(pl.lit(True).alias(name))
    return daily.join(d, on=keys, how="left").with_columns(pl.col(name).fill_null(False))


def apply_exclusions(
    daily: pl.DataFrame,
    *,
    by: Sequence[str],
    dust_days: pl.DataFrame | None = None,
    dust_exclusion: DustExclusion = "none",
    exceptional_days: pl.DataFrame | None = None,
    exceptional_events: DustExclusion = "none",
) -> pl.DataFrame:
    """Mark and remove sand-dust and exceptional-event days (air-evaluation.md §6.5).

    ``dust_days`` / ``exceptional_days``: frames with ``date`` and optionally the group columns
    (a row without them applies to every group). ``dust_exclusion`` (default ``"none"``,
    UNCONFIRMED scope): ``"ratio"`` removes the days from the day-count ratios;
    ``"concentrations"`` removes their PM10 and PM2.5 daily values from the period statistics;
    ``"both"``. ``exceptional_events`` does the same for 例外事件 days, removing all six
    pollutants' values — **UNCONFIRMED: HJ 663—2026 text not obtained**; off by default.

    Adds ``_excl_ratio`` (bool): the day leaves the good-days ratio.
    """
    by = list(by)
    for name, val in (("dust_exclusion", dust_exclusion), ("exceptional_events", exceptional_events)):
        if val not in ("none", "ratio", "concentrations", "both"):
            raise ValueError(f"未知的 {name}：{val!r}（可选 none、ratio、concentrations、both）")
    d = _flag_days(daily, dust_days, by, "_dust")
    d = _flag_days(d, exceptional_days, by, "_exc")
    drop_conc = []
    if dust_exclusion in ("concentrations", "both"):
        drop_conc.append((pl.col("_dust"), ("pm10", "pm25")))
    if exceptional_events in ("concentrations", "both"):
        drop_conc.append((pl.col("_exc"), ("so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h")))
    for flag, cols in drop_conc:
        d = d.with_columns([pl.when(~flag).then(pl.col(c)).alias(c) for c in cols if c in d.columns])
    excl = pl.lit(False)
    if dust_exclusion in ("ratio", "both"):
        excl = excl | pl.col("_dust")
    if exceptional_events in ("ratio", "both"):
        excl = excl | pl.col("_exc")
    return d.with_columns(_excl_ratio=excl).drop("_dust", "_exc")


# --- period statistics -----------------------------------------------------------------------


def period_statistics(
    daily: pl.DataFrame,
    *,
    by: Sequence[str],
    start: date,
    end: date,
    period_validity: gb3095.PeriodValidity = "monthly_minimum",
    statistics: Sequence[str] | None = None,
    dust_days: pl.DataFrame | None = None,
    dust_exclusion: DustExclusion = "none",
    exceptional_days: pl.DataFrame | None = None,
    exceptional_events: DustExclusion = "none",
) -> pl.DataFrame:
    """Period statistics of HJ 663 §6.2 from exact daily values, with their validity.

    Parameters
    ----------
    daily : polars.DataFrame
        ``by`` columns, ``date`` and RATIONAL daily statistics ``so2, no2, co, pm10, pm25``
        (daily means) and ``o3_8h`` (MDA8); null = invalid day.
    by : sequence of str
        Group columns (``station_code``, ``city_code`` …).
    start, end : datetime.date
        The period (inclusive): month, quarter, 1–N月, year.
    period_validity : {"monthly_minimum", "none"}
        gb3095.period_validity (air-evaluation.md §4.3, UNCONFIRMED).
    statistics : sequence of str, optional
        Keys of :data:`STATISTICS` (default all).
    dust_days, dust_exclusion, exceptional_days, exceptional_events
        :func:`apply_exclusions` (only the "concentrations" part acts here). Validity is tested
        on the days before the exclusion: an excluded day was a valid measurement.

    Returns
    -------
    polars.DataFrame
        ``by`` + one RATIONAL column per statistic (null when the period fails its validity
        rule) + ``n_<daily col>`` valid-day counts.
    """
    by = list(by)
    statistics = list(statistics or STATISTICS)
    d = daily.filter(pl.col("date").is_between(start, end))
    day_cols = sorted({STATISTICS[s][0] for s in statistics if STATISTICS[s][0] in d.columns})
    valid = gb3095.period_validity(
        d, by=by, date_col="date", value_cols=day_cols, start=start, end=end,
        period_validity=period_validity,
    )
    d = apply_exclusions(
        d, by=by, dust_days=dust_days, dust_exclusion=dust_exclusion,
        exceptional_days=exceptional_days, exceptional_events=exceptional_events,
    )
    aggs = []
    scaled = {}
    for c in day_cols:
        e, L = common_denominator(d, c)
        scaled[c] = L
        d = d.with_columns(e.alias(f"_{c}"))
    for s in statistics:
        col, kind, p, _ = STATISTICS[s]
        if col not in day_cols:
            continue
        v = pl.col(f"_{col}")
        L = scaled[col]
        if kind == "mean":
            n = v.is_not_null().sum().cast(pl.Int128)
            aggs.append(pl.when(n > 0).then(exact.rational(v.sum(), n * L)).alias(s))
        else:
            aggs.append(percentile_agg(v, p, L).alias(s))
    g = d.group_by(by).agg(aggs).join(valid, on=by, how="left")
    outs = []
    for s in statistics:
        col = STATISTICS[s][0]
        if col in day_cols:
            outs.append(pl.when(pl.col(f"valid_{col}").fill_null(False)).then(pl.col(s)).alias(s))
    return g.select(by + outs + [f"n_{c}" for c in day_cols]).sort(by)


# --- single-pollutant evaluation (§6.4) ------------------------------------------------------


def _limit_units(S: Fraction, decimals: int) -> tuple[int, int]:
    # S·10^d as a fraction (num, den); den is 1 for every basic-item limit
    x = S * 10**decimals
    return x.numerator, x.denominator


def exceedance_multiple(c_rounded: Fraction, limit: Fraction) -> Fraction:
    """超标倍数 B = (C − S)/S when C > S, else 0 (HJ 663 §6.4); C is the rounded statistic."""
    c_rounded, limit = Fraction(c_rounded), Fraction(limit)
    return (c_rounded - limit) / limit if c_rounded > limit else Fraction(0)


def attainment_rate(rounded_values: Sequence[Fraction], limit: Fraction) -> Fraction | None:
    """达标率 D = valid periods with C ≤ S / valid periods × 100 [%] (HJ 663 §6.4), exact."""
    v = [Fraction(str(x)) if isinstance(x, float) else Fraction(x) for x in rounded_values if x is not None]
    if not v:
        return None
    return Fraction(sum(1 for x in v if x <= limit) * 100, len(v))


def daily_attainment_rates(
    daily: pl.DataFrame, *, by: Sequence[str], stage: LimitStage = "2012", grade: int = 2,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """达标率 of the daily values of a period per pollutant (HJ 663 §6.4), vectorised.

    ``D = valid days with the rounded daily value ≤ its 24-h (O3: 8-h) limit / valid days × 100``.
    Returns ``by`` + ``rate_<p>`` (RATIONAL %) + ``rate_<p>_pub`` (1 decimal).
    """
    lim = gb3095.limits_for(stage, grade)
    aggs = []
    for p in SIX:
        c = DAILY_COLS[p]
        if c not in daily.columns:
            continue
        _, ok, _ = compare_expr(p, pl.col(c), lim[(p, DAILY_AVERAGING[p])], precision)
        n = pl.col(c).is_not_null().sum().cast(pl.Int128)
        good = (pl.col(c).is_not_null() & ok).sum().cast(pl.Int128)
        aggs.append(pl.when(n > 0).then(exact.rational(good * 100, n)).alias(f"rate_{p}"))
    g = daily.group_by(list(by)).agg(aggs)
    return g.with_columns(
        [publish(pl.col(c), 1).alias(f"{c}_pub") for c in g.columns if c.startswith("rate_")]
    ).sort(list(by))


def compare_expr(
    stat: str, col: pl.Expr, S: Fraction, precision: Mapping[str, int] | None = None
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """For a RATIONAL statistic: (rounded units, attained, exceedance multiple as RATIONAL).

    The statistic is rounded to its precision (§5.2) before the comparison (§5.3)."""
    dd = decimals_of(stat, precision)
    units = exact.rational_round(col, dd)
    sn, sd = _limit_units(S, dd)
    ok = units * sd <= sn
    # B = (units/10^d − S)/S = (units·sd − sn)/sn
    b = pl.when(~ok).then(exact.rational(units * sd - sn, pl.lit(sn))).otherwise(exact.rational(pl.lit(0), pl.lit(1)))
    return units, ok, pl.when(col.is_not_null()).then(b)


def attainment(
    stats: pl.DataFrame,
    *,
    by: Sequence[str],
    stage: LimitStage = "2012",
    grade: int = 2,
    annual_requires_percentile: bool = True,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Single- and multi-pollutant attainment of a period (HJ 663 §6.4–6.5, air-evaluation.md).

    Per pollutant: the rounded statistic against its limit — means of SO2, NO2, PM10, PM2.5
    against the annual limits **and** (``annual_requires_percentile=True``, default,
    UNCONFIRMED) their P98/P95 against the 24-h limits; CO P95 against the 24-h limit; O3 P90
    against the 8-h limit. Used for the year, and by the same rule for shorter periods
    (deterioration-ranking exemption, air-evaluation.md §9; UNCONFIRMED there).

    Each statistic is judged on its own as well (§6.4: B = (C − S)/S for the exceeding
    statistic against the limit of the same averaging time): when only the percentile fails,
    the pollutant is not attained, ``<p>_multiple`` (the mean's) is 0 and
    ``<pct>_multiple`` carries the percentile's multiple, e.g. PM2.5 mean 30 ≤ 35 but P95
    80 > 75: ``pm25_p95_multiple`` = (80 − 75)/75.

    Returns
    -------
    polars.DataFrame
        ``by`` + ``<p>_value`` (published rounded value as integer units; CO in 0.1 mg/m³),
        ``<p>_attained`` (bool, the pollutant's verdict; null when the statistic is invalid),
        ``<p>_stat_attained`` (the main statistic alone against its limit), ``<p>_multiple``
        (RATIONAL 超标倍数 of the main statistic); for SO2, NO2, PM10, PM2.5 when the
        percentile is present: ``<pct>_value``, ``<pct>_attained`` (the percentile alone against
        the 24-h limit, whatever ``annual_requires_percentile``) and ``<pct>_multiple``
        (``pct`` = ``so2_p98``, ``no2_p98``, ``pm10_p95``, ``pm25_p95``); ``attained`` (all six
        attained; null if any is undeterminable) and ``exceeding`` (list of 超标污染物 names,
        e.g. ``["PM2.5", "O3"]``).
    """
    lim = gb3095.limits_for(stage, grade)
    cols = []
    att_names = []
    for p in SIX:
        if p not in stats.columns:
            continue
        S = lim[(p, STATISTICS[p][3])]
        units, ok, b = compare_expr(p, pl.col(p), S, precision)
        ok = pl.when(pl.col(p).is_not_null()).then(ok)
        cols += [ok.alias(f"{p}_stat_attained")]
        pct = PERCENTILE_OF.get(p)
        if pct and pct in stats.columns:
            # the percentile is published with its own comparison and multiple (§6.4)
            units2, ok2, b2 = compare_expr(pct, pl.col(pct), lim[(p, "daily")], precision)
            ok2 = pl.when(pl.col(pct).is_not_null()).then(ok2)
            cols += [units2.alias(f"{pct}_value"), ok2.alias(f"{pct}_attained"), b2.alias(f"{pct}_multiple")]
            if annual_requires_percentile:
                ok = ok & ok2
        cols += [units.alias(f"{p}_value"), ok.alias(f"{p}_attained"), b.alias(f"{p}_multiple")]
        att_names.append(p)
    out = stats.select(list(by) + cols)
    att = [pl.col(f"{p}_attained") for p in att_names]
    exceeding = pl.concat_list(
        [pl.when(~pl.col(f"{p}_attained").fill_null(True)).then(pl.lit(NAMES_ZH[p])) for p in att_names]
    ).list.drop_nulls()
    all_ok = pl.all_horizontal(att)
    return out.with_columns(
        attained=pl.when(pl.any_horizontal([a.is_null() for a in att]) & all_ok.fill_null(True))
        .then(None)
        .otherwise(all_ok.fill_null(False)),
        exceeding=exceeding,
    )


# --- day counts (§6.5) -----------------------------------------------------------------------


def day_counts(
    daily: pl.DataFrame,
    *,
    by: Sequence[str],
    stage: LimitStage | None = None,
    grade: int = 2,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Good-days ratio and day counts of a period (HJ 663 §6.5; air-evaluation.md §6.5).

    ``daily`` has ``by``, ``aqi`` (nullable int) and ``level`` (1–6) per day, and optionally the
    ``_excl_ratio`` flag from :func:`apply_exclusions`. Days with NA AQI are excluded from the
    numerator and the denominator (UNCONFIRMED as a written rule; bulletin practice).

    With ``stage`` and the daily statistics present, the exceedance days per pollutant
    (超标天数: the rounded daily value above the Grade ``grade`` 24-h / 8-h limit) are counted.

    Returns
    -------
    polars.DataFrame
        ``n_days``, ``n_valid``, ``n_good`` (AQI ≤ 100), ``n_polluted`` (> 100), ``n_heavy``
        (> 200), ``n_level1`` … ``n_level6``, ``good_ratio`` / ``polluted_ratio`` /
        ``heavy_ratio`` (RATIONAL, %), ``good_ratio_pub`` (published 1 decimal, text) and
        ``exceed_days_<p>``.
    """
    by = list(by)
    d = daily
    if "_excl_ratio" in d.columns:
        d = d.filter(~pl.col("_excl_ratio"))
    aqi = pl.col("aqi")
    valid = aqi.is_not_null()
    aggs = [
        pl.len().alias("n_days"),
        valid.sum().alias("n_valid"),
        (aqi <= 100).sum().alias("n_good"),
        (aqi > 100).sum().alias("n_polluted"),
        (aqi > 200).sum().alias("n_heavy"),
    ]
    aggs += [(valid & (pl.col("level") == lv)).sum().alias(f"n_level{lv}") for lv in range(1, 7)]
    if stage is not None:
        lim = gb3095.limits_for(stage, grade)
        for p in SIX:
            c = DAILY_COLS[p]
            if c in d.columns:
                _, ok, _ = compare_expr(p, pl.col(c), lim[(p, DAILY_AVERAGING[p])], precision)
                aggs.append((pl.col(c).is_not_null() & ~ok).sum().alias(f"exceed_days_{p}"))
    g = d.group_by(by).agg(aggs)
    nv = pl.col("n_valid").cast(pl.Int128)

    def ratio(c: str) -> pl.Expr:
        return pl.when(nv > 0).then(exact.rational(pl.col(c).cast(pl.Int128) * 100, nv))

    g = g.with_columns(
        good_ratio=ratio("n_good"), polluted_ratio=ratio("n_polluted"), heavy_ratio=ratio("n_heavy")
    )
    return g.with_columns(good_ratio_pub=publish(pl.col("good_ratio"), 1)).sort(by)


def publish(col: pl.Expr, decimals: int) -> pl.Expr:
    """Published text of a RATIONAL (GB/T 8170 half even), e.g. 75.862… → ``"75.9"``."""
    u = exact.rational_round(col, decimals)
    if decimals == 0:
        return u.cast(pl.Utf8)
    sign = pl.when(u < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    a = u.abs()
    whole = (a // 10**decimals).cast(pl.Utf8)
    frac = (a % 10**decimals).cast(pl.Utf8).str.zfill(decimals)
    return sign + whole + "." + frac


# --- region (§8, UNCONFIRMED) ----------------------------------------------------------------


def region_statistics(
    period: pl.DataFrame,
    members: pl.DataFrame,
    *,
    by: str = "city_code",
    region_col: str = "region",
    statistics: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Region evaluation from its member cities (air-evaluation.md §8; bulletin practice,
    **UNCONFIRMED** as an HJ 663 rule).

    * region statistic = exact arithmetic mean of the member cities' statistics of the period;
    * region good-days ratio = mean of the cities' ratios (``good_ratio``);
    * the region attains only if every member city attains (``attained``).

    A region value is null unless every member city has a valid value (our choice: a mean
    over fewer cities would change the region silently).

    Parameters
    ----------
    period : polars.DataFrame
        One row per city: ``by`` + RATIONAL statistics (e.g. ``so2 … o3``, ``good_ratio``) and
        optionally ``attained``.
    members : polars.DataFrame
        ``by`` → ``region_col``.
    """
    stats = list(statistics or [c for c in period.columns if isinstance(period.schema[c], pl.Struct)])
    f = members.select(by, region_col).join(period, on=by, how="left")
    aggs = [pl.len().alias("n_cities")]
    for c in stats:
        e, L = common_denominator(f, c)
        f = f.with_columns(e.alias(f"_{c}"))
        v = pl.col(f"_{c}")
        aggs.append(
            pl.when(v.null_count() == 0)
            .then(exact.rational(v.sum(), pl.len().cast(pl.Int128) * L))
            .alias(c)
        )
    if "attained" in f.columns:
        a = pl.col("attained")
        aggs.append(pl.when(a.null_count() == 0).then(a.all()).when(~a.fill_null(True).all()).then(False).alias("attained"))
    return f.group_by(region_col).agg(aggs).sort(region_col)


# --- HJ 663—2026 three-year moving average (UNCONFIRMED) -------------------------------------


def three_year_moving_average(
    annual: pl.DataFrame, *, by: Sequence[str], year_col: str = "year", cols: Sequence[str] | None = None
) -> pl.DataFrame:
    """三年滑动平均 — **UNCONFIRMED**: HJ 663—2026 text not obtained (air-2026-revision.md R2.3).

    For each year Y, the exact mean of the annual statistic of Y−2, Y−1 and Y (form (a) for
    means, form (b) for percentiles — whatever ``annual`` holds). Null unless all three years
    have a valid statistic. Inputs are the **unrounded** annual values (RATIONAL).
    """
    by = list(by)
    cols = list(cols or [c for c in annual.columns if c not in by and c != year_col
                         and isinstance(annual.schema[c], pl.Struct)])
    base = annual.select(by + [year_col] + cols)
    out = base.select(by + [year_col])
    for c in cols:
        e, L = common_denominator(base, c)
        b = base.select(by + [year_col, e.alias("_v")])
        parts = []
        for lag in (1, 2):
            parts.append(
                b.with_columns((pl.col(year_col) + lag).alias(year_col)).rename({"_v": f"_v{lag}"})
            )
        j = b
        for lag, part in zip((1, 2), parts, strict=True):
            j = j.join(part, on=by + [year_col], how="left")
        j = j.select(
            *by, year_col,
            pl.when(pl.col("_v").is_not_null() & pl.col("_v1").is_not_null() & pl.col("_v2").is_not_null())
            .then(exact.rational(pl.col("_v") + pl.col("_v1") + pl.col("_v2"), pl.lit(3 * L, dtype=pl.Int128)))
            .alias(c),
        )
        out = out.join(j, on=by + [year_col], how="left")
    return out.sort(by + [year_col])
