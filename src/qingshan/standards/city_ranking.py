"""城市环境空气质量排名技术规定 (环办监测〔2018〕19号): composite index and city ranking.

Steps (air-evaluation.md §9):

1. C_i per pollutant for the period — SO2, NO2, PM10, PM2.5 period means, CO P95 of daily
   means, O3 P90 of MDA8 — **rounded** per GB/T 8170 (integers; CO 0.1 mg/m³; UNCONFIRMED);
2. single index ``I_i = C_i / S_i`` (exact);
3. composite index ``I_sum = Σ w_i · C_i / S_i``, exact from the rounded C_i; published I_sum
   2 decimals, I_i 3 decimals (UNCONFIRMED precisions); the maximum single index;
4. ranking ascending by the published I_sum, ties share a rank (1, 2, 2, 4);
5. change rate ``ΔI = (I_cur − I_base)/I_base × 100`` against the same period of last year,
   published 1 decimal; improvement (ascending ΔI) and deterioration (descending ΔI) rankings.

Everything is vectorised integer arithmetic over common denominators (Int128).

Settings (all UNCONFIRMED, air-evaluation.md §12): ``weights`` (default all 1; the "3/2/2"
variant is :data:`WEIGHTS_322`), ``change_rate_input`` ("published"), ``deterioration_requires_
increase`` (True), ``ranking_denominators`` (S_i per stage; 2012 = §9 Step 1, 2026 stages = the
GB 3095—2026 Grade II annual limits of that stage, CO 4, O3 160), ``straddle_limits``
("period_end") and ``straddle_daily_aqi`` ("own_day") for periods crossing 2026-03-01 or
2031-01-01 (§0).

References
----------
.. [1] 城市环境空气质量排名技术规定, 环办监测〔2018〕19号 (air-evaluation.md §9, E7–E9).
.. [2] 2017 城市环境空气质量变化程度排名方案 (deterioration-ranking exemption).
.. [3] air-evaluation.md §0 (straddling periods), §10 (2026 denominators).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction
from math import lcm
from typing import Literal

import polars as pl

from qingshan import exact
from qingshan.standards import gb3095
from qingshan.standards.editions import Edition, LimitStage, edition_expr, edition_for_day, stage_for_day
from qingshan.standards.hj663 import NAMES_ZH as NAMES

SIX: tuple[str, ...] = ("so2", "no2", "pm10", "pm25", "co", "o3")
DECIMALS = {"so2": 0, "no2": 0, "pm10": 0, "pm25": 0, "co": 1, "o3": 0}
#: the "new algorithm" weights seen in third-party code (no official text; UNCONFIRMED)
WEIGHTS_322: dict[str, int] = {"so2": 1, "no2": 2, "pm10": 1, "pm25": 3, "co": 1, "o3": 2}

ChangeRateInput = Literal["published", "exact"]
StraddleLimits = Literal["period_end", "period_start"]
StraddleDailyAqi = Literal["own_day", "period_end"]


def default_denominators(stage: LimitStage) -> dict[str, Fraction]:
    """S_i of the ranking rule: Grade II annual limits of SO2, NO2, PM10, PM2.5, the 24-h CO
    limit and the 8-h O3 limit of ``stage`` (2012: 60/40/70/35/4/160, §9 Step 1; 2026 stage 1:
    60/40/60/30/4/160 as in third-party code, UNCONFIRMED; stage 2: 20/30/50/25/4/160,
    UNCONFIRMED)."""
    lim = gb3095.limits_for(stage, 2)
    return {
        "so2": lim[("so2", "annual")],
        "no2": lim[("no2", "annual")],
        "pm10": lim[("pm10", "annual")],
        "pm25": lim[("pm25", "annual")],
        "co": lim[("co", "daily")],
        "o3": lim[("o3", "8h")],
    }


def stage_for_period(start: date, end: date, straddle_limits: StraddleLimits = "period_end") -> LimitStage:
    """Limit stage of a period (air-evaluation.md §0 (b), UNCONFIRMED): the stage in force at
    the period's end (default) or start."""
    if straddle_limits not in ("period_end", "period_start"):
        raise ValueError(f"未知的 straddle_limits：{straddle_limits!r}（可选 period_end、period_start）")
    return stage_for_day(end if straddle_limits == "period_end" else start)


def edition_for_period(start: date, end: date, straddle_limits: StraddleLimits = "period_end") -> Edition:
    return edition_for_day(end if straddle_limits == "period_end" else start)


def daily_aqi_edition(
    day: pl.Expr, end: date, straddle_daily_aqi: StraddleDailyAqi = "own_day"
) -> pl.Expr:
    """Edition of each daily AQI in a period (air-evaluation.md §0 (a), UNCONFIRMED): the
    edition of its own day (default) or of the period end for every day."""
    if straddle_daily_aqi == "own_day":
        return edition_expr(day)
    if straddle_daily_aqi == "period_end":
        return pl.lit(edition_for_day(end))
    raise ValueError(f"未知的 straddle_daily_aqi：{straddle_daily_aqi!r}（可选 own_day、period_end）")


def _fmt(units: pl.Expr, decimals: int) -> pl.Expr:
    sign = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    a = units.abs()
    return sign + (a // 10**decimals).cast(pl.Utf8) + "." + (a % 10**decimals).cast(pl.Utf8).str.zfill(decimals)


def composite_index(
    stats: pl.DataFrame,
    *,
    by: Sequence[str] = ("city_code",),
    stage: LimitStage = "2012",
    weights: Mapping[str, int | Fraction] | None = None,
    ranking_denominators: Mapping[str, Mapping[str, int | Fraction | str]] | None = None,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Single indices, composite index and maximum single index (§9 Steps 1–3).

    Parameters
    ----------
    stats : polars.DataFrame
        ``by`` + period statistics ``so2, no2, pm10, pm25`` (means), ``co`` (P95), ``o3`` (P90)
        [µg/m³; CO mg/m³], exact RATIONAL or numbers/text; rounded here per §5 before use.
    stage : {"2012", "2026-1", "2026-2"}
        Picks the S_i (``ranking_denominators[stage]`` or :func:`default_denominators`).
    weights : mapping, optional
        w_i per pollutant (default all 1; UNCONFIRMED weighted variant :data:`WEIGHTS_322`).
    ranking_denominators : mapping, optional
        ``{stage: {pollutant: S_i}}`` overriding the defaults (§10, UNCONFIRMED for 2026).
    precision : mapping, optional
        Decimals of each C_i (air-evaluation.md §5.2 ``precision``; default integers, CO 1).

    Returns
    -------
    polars.DataFrame
        ``by``; ``c_<p>`` (rounded C_i, integer units; CO tenths); ``i_<p>`` (RATIONAL) and
        ``i_<p>_pub`` (3 decimals); ``isum`` (RATIONAL, exact), ``isum_pub`` (text, 2 decimals),
        ``isum_units`` (hundredths, Int64); ``max_index_pub`` and ``max_pollutants`` (list).
        Null when any C_i is missing.
    """
    by = list(by)
    S = default_denominators(stage)
    if ranking_denominators and stage in ranking_denominators:
        S |= {k: Fraction(str(v)) for k, v in ranking_denominators[stage].items()}
    w = {p: Fraction(1) for p in SIX}
    if weights:
        # §5.1: a number is taken by its text, Fraction(str(v)) — Fraction(0.3) would be the
        # binary float 5404319552844595/18014398509481984, not 3/10
        w |= {k: Fraction(str(v)) for k, v in weights.items()}
    # I_i = u_i / (10^d S_i); weighted term w_i u_i / (10^d S_i): one common denominator each
    dec = DECIMALS | {k: int(v) for k, v in (precision or {}).items() if k in DECIMALS}
    f_i = {p: Fraction(1, 10 ** dec[p]) / S[p] for p in SIX}
    g_i = {p: w[p] * f_i[p] for p in SIX}
    L_i = 1
    for p in SIX:
        L_i = lcm(L_i, f_i[p].denominator)
    L_s = 1
    for p in SIX:
        L_s = lcm(L_s, g_i[p].denominator)
    # materialise each step: nested exact expressions grow the plan combinatorially otherwise
    f = stats.select(*by, *[exact.as_rational(p, stats.schema[p]).alias(f"_r_{p}") for p in SIX])
    f = f.select(*by, *[exact.rational_round(f"_r_{p}", dec[p]).alias(f"c_{p}") for p in SIX])
    big = pl.Int128

    def lit(x: int) -> pl.Expr:
        return pl.lit(x, dtype=big)

    idx = {p: pl.col(f"c_{p}").cast(big) * lit(f_i[p].numerator * (L_i // f_i[p].denominator)) for p in SIX}
    isum_num = pl.sum_horizontal(
        [pl.col(f"c_{p}").cast(big) * lit(g_i[p].numerator * (L_s // g_i[p].denominator)) for p in SIX]
    )
    complete = pl.all_horizontal([pl.col(f"c_{p}").is_not_null() for p in SIX])
    f = f.with_columns(
        *[exact.rational(idx[p], lit(L_i)).alias(f"i_{p}") for p in SIX],
        _imax=pl.max_horizontal([idx[p] for p in SIX]),
        isum=pl.when(complete).then(exact.rational(isum_num, lit(L_s))),
    )
    f = f.with_columns(
        *[_fmt(exact.rational_round(f"i_{p}", 3), 3).alias(f"i_{p}_pub") for p in SIX],
        isum_units=exact.rational_round("isum", 2).cast(pl.Int64),
        max_index=pl.when(complete).then(exact.rational(pl.col("_imax"), lit(L_i))),
        max_pollutants=pl.when(complete).then(
            pl.concat_list([pl.when(idx[p] == pl.col("_imax")).then(pl.lit(NAMES[p])) for p in SIX]).list.drop_nulls()
        ),
    )
    return f.with_columns(
        isum_pub=_fmt(pl.col("isum_units"), 2),
        max_index_pub=_fmt(exact.rational_round("max_index", 3), 3),
    ).drop("_imax")


def competition_rank(expr: pl.Expr, descending: bool = False) -> pl.Expr:
    """Competition ranking (1, 2, 2, 4); nulls stay unranked."""
    return expr.rank("min", descending=descending).cast(pl.Int64)


def rank_cities(
    current: pl.DataFrame,
    base: pl.DataFrame | None = None,
    *,
    by: Sequence[str] = ("city_code",),
    stage: LimitStage = "2012",
    base_stage: LimitStage | None = None,
    weights: Mapping[str, int | Fraction] | None = None,
    ranking_denominators: Mapping[str, Mapping[str, int | Fraction | str]] | None = None,
    change_rate_input: ChangeRateInput = "published",
    deterioration_requires_increase: bool = True,
    attained: pl.DataFrame | None = None,
    precision: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Rank cities by composite index, with the change against the same period last year.

    Parameters
    ----------
    current, base : polars.DataFrame
        Period statistics (see :func:`composite_index`) of this period and of the same period
        of the previous year (optional).
    stage, base_stage
        Limit stages of the S_i for each period (``base_stage`` defaults to ``stage``; a caller
        following ``straddle_limits`` passes the stage of each period's end).
    change_rate_input : {"published", "exact"}
        ΔI from the published 2-decimal indices (default, UNCONFIRMED) or the exact ones; ΔI is
        published to 1 decimal and the rankings use the published ΔI.
    deterioration_requires_increase : bool
        Only cities with ΔI > 0 enter the deterioration ranking (default True, UNCONFIRMED).
    attained : polars.DataFrame, optional
        ``by`` + ``attained`` (bool; :func:`qingshan.standards.hj663.attainment` of the period):
        a city meeting Grade II for all six is excluded from the deterioration ranking
        (2017 rule, merged into 〔2018〕19号).

    Returns
    -------
    polars.DataFrame
        :func:`composite_index` columns + ``rank``; with ``base``: ``isum_base_pub``,
        ``change`` (RATIONAL %), ``change_pub`` (1 decimal), ``change_units`` (tenths),
        ``improvement_rank``, ``deterioration_rank``. Sorted by rank.
    """
    if change_rate_input not in ("published", "exact"):
        raise ValueError(f"未知的 change_rate_input：{change_rate_input!r}（可选 published、exact）")
    by = list(by)
    cur = composite_index(current, by=by, stage=stage, weights=weights, ranking_denominators=ranking_denominators,
                          precision=precision)
    cur = cur.with_columns(rank=competition_rank(pl.col("isum_units")))
    if base is None:
        return cur.sort("rank", *by, nulls_last=True)
    b = composite_index(base, by=by, stage=base_stage or stage, weights=weights,
                        ranking_denominators=ranking_denominators, precision=precision)
    b = b.select(*by, pl.col("isum").alias("_isum_b"), pl.col("isum_units").alias("_units_b"),
                 pl.col("isum_pub").alias("isum_base_pub"))
    cur = cur.join(b, on=by, how="left")
    big = pl.Int128
    if change_rate_input == "published":
        # (u_c − u_b)/u_b × 100 with hundredths units
        num = (pl.col("isum_units") - pl.col("_units_b")).cast(big) * 100
        den = pl.col("_units_b").cast(big)
    else:
        nc, dc = exact.num("isum"), exact.den("isum")
        nb, db = exact.num("_isum_b"), exact.den("_isum_b")
        num = (nc * db - nb * dc) * 100
        den = nb * dc
    ok = pl.col("isum").is_not_null() & pl.col("_isum_b").is_not_null() & (den > 0)
    cur = cur.with_columns(change=pl.when(ok).then(exact.rational(num, den)))
    cur = cur.with_columns(change_units=exact.rational_round("change", 1).cast(pl.Int64))
    cur = cur.with_columns(
        change_pub=_fmt(pl.col("change_units"), 1),
        improvement_rank=competition_rank(pl.col("change_units")),
    )
    eligible = pl.col("change_units").is_not_null()
    if attained is not None:
        cur = cur.join(attained.select(*by, pl.col("attained").alias("_att")), on=by, how="left")
        eligible = eligible & ~pl.col("_att").fill_null(False)
    if deterioration_requires_increase:
        eligible = eligible & (pl.col("change_units") > 0)
    cur = cur.with_columns(
        deterioration_rank=competition_rank(pl.when(eligible).then(pl.col("change_units")), descending=True)
    )
    return cur.drop([c for c in ("_isum_b", "_units_b", "_att") if c in cur.columns]).sort("rank", *by, nulls_last=True)
