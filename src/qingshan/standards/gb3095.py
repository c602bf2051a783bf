"""GB 3095—2012 and GB 3095—2026 环境空气质量标准: concentration limits and data validity.

One module-level table, :data:`LIMITS`, holds every concentration limit of both editions, keyed by
limit stage (``"2012"``, ``"2026-1"`` transitional, ``"2026-2"`` final), pollutant, averaging
time and grade. The data-validity rules of GB 3095 Table 4 and HJ 663 §6.1.2 are vectorised
polars expressions over counts of valid values.

Units: µg/m³ for every pollutant except CO, in mg/m³ (GB 3095 Table 1). Limits are exact
decimals (``Fraction``); no float ever enters a comparison.

Averaging-time keys: ``annual`` (年平均), ``quarterly`` (季平均), ``daily`` (24小时平均 / 日平均),
``8h`` (O3 日最大8小时平均), ``1h`` (1小时平均).

References
----------
.. [1] GB 3095—2012 环境空气质量标准, Table 1, Table 2, Table 4 (air-evaluation.md §1, §4.1).
.. [2] GB 3095—2026 环境空气质量标准, Table 1, Table 2, Table 4, §4.4 (air-evaluation.md §2;
       air-2026-revision.md §1).
.. [3] HJ 663—2013 环境空气质量评价技术规范（试行） §6.1.2 (MDA8 validity; air-evaluation.md §4.2).
.. [4] ../shared/standards/air-evaluation.md §4.3 (period validity, UNCONFIRMED choices).
"""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Literal

import polars as pl

from qingshan.standards.editions import LIMIT_STAGES, LimitStage

BASIC_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm25")
OTHER_POLLUTANTS: tuple[str, ...] = ("tsp", "nox", "pb", "bap")

UNITS = {p: "µg/m³" for p in BASIC_POLLUTANTS + OTHER_POLLUTANTS}
UNITS["co"] = "mg/m³"

# stage 2012 | stage 2026-1 (transitional) | stage 2026-2 (final), each "Grade I/Grade II".
# Sources: GB 3095—2012 Tables 1–2 (air-evaluation.md §1.1–1.2); GB 3095—2026 Tables 1–2
# (air-2026-revision.md §1.1–1.2). NOx 2026: transitional 50/100 until 2030-12-31, final 40/70.
_LIMIT_TEXT = """
so2   annual     20/60      20/60      20/20
so2   daily      50/150     50/150     50/50
so2   1h         150/500    150/500    150/150
no2   annual     40/40      40/40      30/30
no2   daily      80/80      80/80      50/50
no2   1h         200/200    200/200    200/200
co    daily      4/4        4/4        4/4
co    1h         10/10      10/10      10/10
o3    8h         100/160    100/160    100/160
o3    1h         160/200    160/200    160/200
pm10  annual     40/70      40/60      20/50
pm10  daily      50/150     50/120     50/100
pm25  annual     15/35      15/30      10/25
pm25  daily      35/75      35/60      25/50
tsp   annual     80/200     80/200     80/200
tsp   daily      120/300    120/300    120/300
nox   annual     50/50      50/50      40/40
nox   daily      100/100    100/100    70/70
nox   1h         250/250    250/250    250/250
pb    annual     0.5/0.5    0.5/0.5    0.5/0.5
pb    quarterly  1/1        1/1        1/1
bap   annual     0.001/0.001  0.001/0.001  0.001/0.001
bap   daily      0.0025/0.0025  0.0025/0.0025  0.0025/0.0025
"""


def _build_limits() -> pl.DataFrame:
    rows = []
    for line in _LIMIT_TEXT.strip().splitlines():
        pollutant, averaging, *cells = line.split()
        for stage, cell in zip(LIMIT_STAGES, cells, strict=True):
            for grade, text in zip((1, 2), cell.split("/"), strict=True):
                rows.append(
                    {
                        "stage": stage,
                        "pollutant": pollutant,
                        "averaging": averaging,
                        "grade": grade,
                        "limit": text,
                        "unit": UNITS[pollutant],
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"grade": pl.Int8})


#: Every limit of GB 3095—2012 and GB 3095—2026 (both stages): columns ``stage, pollutant,
#: averaging, grade, limit`` (exact decimal text) and ``unit``.
LIMITS: pl.DataFrame = _build_limits()

# --- GB 3095 Table 4 and HJ 663 §6.1.2: data validity --------------------------------------
DAILY_MIN_HOURS = 20  #: ≥ 20 valid hourly values for a daily (24-h) mean
WINDOW_HOURS = 8
WINDOW_MIN_HOURS = 6  #: ≥ 6 valid hours in an 8-h moving average
MDA8_WINDOWS = 17  #: windows ending D 08:00 … D 24:00 (air-evaluation.md §3)
MDA8_MIN_WINDOWS = 14  #: HJ 663—2013 §6.1.2
O3_1H_MIN_HOURS = 20  #: daily max 1-h O3, by analogy (air-evaluation.md §4.3, UNCONFIRMED)
ANNUAL_MIN_DAYS = 324
MONTH_MIN_DAYS = 27
FEBRUARY_MIN_DAYS = 25  #: also in leap years: the standard makes no exception (§4.1)

PeriodValidity = Literal["monthly_minimum", "none"]


def limit(pollutant: str, averaging: str, stage: LimitStage = "2012", grade: int = 2) -> Fraction:
    """The concentration limit as an exact ``Fraction`` [µg/m³; CO mg/m³].

    Parameters
    ----------
    pollutant : str
        ``so2, no2, co, o3, pm10, pm25, tsp, nox, pb, bap``.
    averaging : str
        ``annual, quarterly, daily, 8h, 1h``.
    stage : {"2012", "2026-1", "2026-2"}
        GB 3095—2012, or GB 3095—2026 transitional (2026-03-01 … 2030-12-31) / final stage.
    grade : {1, 2}
        一级 (一类区) or 二级 (二类区). City evaluation and ranking use Grade II.
    """
    row = LIMITS.filter(
        (pl.col("stage") == stage)
        & (pl.col("pollutant") == pollutant)
        & (pl.col("averaging") == averaging)
        & (pl.col("grade") == grade)
    )
    if row.height != 1:
        raise KeyError(f"GB 3095 无此限值：阶段 {stage}，污染物 {pollutant}，{averaging}，{grade} 级")
    return Fraction(row["limit"][0])


@lru_cache(maxsize=64)
def limits_for(stage: LimitStage = "2012", grade: int = 2) -> dict[tuple[str, str], Fraction]:
    """All limits of one stage and grade as ``{(pollutant, averaging): Fraction}``."""
    sub = LIMITS.filter((pl.col("stage") == stage) & (pl.col("grade") == grade))
    return {
        (p, a): Fraction(t)
        for p, a, t in zip(sub["pollutant"], sub["averaging"], sub["limit"], strict=True)
    }


# --- validity expressions --------------------------------------------------------------------


def daily_mean_valid(n_hours: pl.Expr) -> pl.Expr:
    """GB 3095 Table 4: a 24-h (daily) mean needs ≥ 20 valid hourly values."""
    return n_hours >= DAILY_MIN_HOURS


def window_valid(n_hours: pl.Expr) -> pl.Expr:
    """GB 3095 Table 4: an O3 8-h mean needs ≥ 6 valid hourly values in the 8 h."""
    return n_hours >= WINDOW_MIN_HOURS


def mda8_valid(
    n_windows: pl.Expr, rounded_max: pl.Expr, *, mda8_exception_limit: int | Fraction = 160
) -> pl.Expr:
    """HJ 663—2013 §6.1.2 MDA8 validity (air-evaluation.md §4.2).

    Valid with ≥ 14 valid windows of the 17, or when the maximum of the valid windows,
    **rounded** to an integer (GB/T 8170), exceeds ``mda8_exception_limit`` [µg/m³] (default
    160, the Grade II 8-h limit; UNCONFIRMED for Grade I areas). 160.4 → 160 does not exceed.
    """
    # an integer exceeds a limit L exactly when it exceeds floor(L)
    floor_limit = Fraction(mda8_exception_limit).__floor__()
    return (n_windows >= MDA8_MIN_WINDOWS) | ((n_windows > 0) & (rounded_max > floor_limit))


def o3_1h_max_valid(
    n_hours: pl.Expr, rounded_max: pl.Expr, *, o3_1h_exception_limit: int = 200
) -> pl.Expr:
    """Daily max 1-h O3 validity (air-evaluation.md §4.3, UNCONFIRMED, by analogy).

    ≥ 20 valid hours, or the rounded observed maximum > 200 µg/m³.
    """
    return (n_hours >= O3_1H_MIN_HOURS) | ((n_hours > 0) & (rounded_max > o3_1h_exception_limit))


def month_minimum_days(year: int, month: int) -> int:
    """GB 3095 Table 4: ≥ 27 valid daily values per month, ≥ 25 in February (leap years too)."""
    return FEBRUARY_MIN_DAYS if month == 2 else MONTH_MIN_DAYS


def _months(start: date, end: date) -> list[tuple[int, int, int]]:
    """(year, month, days of that month inside [start, end]) for each month touched."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        first = max(start, date(y, m, 1))
        last = min(end, date(y, m, calendar.monthrange(y, m)[1]))
        out.append((y, m, (last - first).days + 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def is_calendar_year(start: date, end: date) -> bool:
    return start == date(start.year, 1, 1) and end == date(start.year, 12, 31)


def period_validity(
    daily: pl.DataFrame,
    *,
    by: list[str],
    date_col: str,
    value_cols: list[str],
    start: date,
    end: date,
    period_validity: PeriodValidity = "monthly_minimum",
) -> pl.DataFrame:
    """Validity of period statistics (means and percentiles) from valid daily values.

    GB 3095 Table 4 and air-evaluation.md §4.1, §4.3:

    * calendar year: ≥ 324 valid daily values **and** ≥ 27 in every month (≥ 25 in February,
      leap years included);
    * any other period (month, quarter, half-year, 1–N月): with ``period_validity=
      "monthly_minimum"`` (default, UNCONFIRMED) every month of the period needs ≥ 27 (February
      ≥ 25) valid days; ``"none"``: no minimum.
    * A month only partly inside the period (e.g. 1 January – 29 May) needs
      ``min(27, days of the month inside the period)`` — our own choice, UNCONFIRMED (no rule).

    Parameters
    ----------
    daily : polars.DataFrame
        One row per group and day; a null value is an invalid day.
    by : list of str
        Group columns (station, city …).
    date_col : str
        Date column (natural day).
    value_cols : list of str
        The daily statistics whose validity is tested (e.g. ``so2`` … ``o3_8h``).
    start, end : datetime.date
        The period, both inclusive.

    Returns
    -------
    polars.DataFrame
        ``by`` + ``n_<col>`` (valid days, UInt32) + ``valid_<col>`` (bool) per value column.
    """
    months = _months(start, end)
    d = daily.filter(pl.col(date_col).is_between(start, end)).with_columns(
        _ym=pl.col(date_col).dt.year() * 100 + pl.col(date_col).dt.month()
    )
    counts = d.group_by(by + ["_ym"]).agg(
        [pl.col(c).is_not_null().sum().alias(f"n_{c}") for c in value_cols]
    )
    groups = d.select(by).unique()
    frame_months = pl.DataFrame(
        {
            "_ym": [y * 100 + m for y, m, _ in months],
            "_need": [
                min(month_minimum_days(y, m), n_in) for y, m, n_in in months
            ],
        },
        schema={"_ym": pl.Int32, "_need": pl.Int64},
    )
    full = groups.join(frame_months, how="cross").join(
        counts.with_columns(pl.col("_ym").cast(pl.Int32)), on=by + ["_ym"], how="left"
    )
    full = full.with_columns([pl.col(f"n_{c}").fill_null(0) for c in value_cols])
    aggs = []
    year = is_calendar_year(start, end)
    for c in value_cols:
        n = pl.col(f"n_{c}")
        aggs.append(n.sum().alias(f"n_{c}"))
        if period_validity == "none" and not year:
            ok = n.sum() > 0
        elif period_validity not in ("monthly_minimum", "none"):
            raise ValueError(f"未知的 period_validity：{period_validity!r}（可选 monthly_minimum、none）")
        else:
            ok = (n >= pl.col("_need")).all()
            if year:
                ok = ok & (n.sum() >= ANNUAL_MIN_DAYS)
        aggs.append(ok.alias(f"valid_{c}"))
    return full.group_by(by).agg(aggs)
