"""HJ 633 air quality index (AQI): individual indices, real-time and daily AQI.

Pure, vectorised functions over polars frames. Every number of the standard (breakpoints,
levels, labels, listing orders) comes from :mod:`qingshan.standards.hj633_tables`.

Units: µg/m³ for SO2, NO2, O3, PM10 and PM2.5; mg/m³ for CO.

Arithmetic (air-aqi.md §3, §4; air-evaluation.md §5):

* inputs are taken exactly — text parsed as decimal, floats as ``Fraction(str(v))`` (through
  :mod:`qingshan.exact` micro-units), integers as they are, rationals as the exact
  ``exact.RATIONAL`` struct ``{num, den}``;
* ``round_before_iaqi=True`` (default; air-evaluation.md §5.3): the value is first rounded
  half-to-even (GB/T 8170) to its published precision — integers, CO 0.1 mg/m³ — giving an
  integer count ``a`` of units ``1/b`` (b = 1, or 10 for CO). The rounded IAQI
  ``ceil(N / M)``, ``N = I_lo·(BP_hi − BP_lo)·b + (I_hi − I_lo)·(a − BP_lo·b)``,
  ``M = (BP_hi − BP_lo)·b`` (air-aqi.md §3, integer form) then depends only on ``a``; it is
  pre-computed with Python integers for every ``a`` from 0 to the column's top breakpoint and
  looked up (``gather``). The hot path is Int64 throughout: no float, no Decimal, no per-row
  Python.
* ``round_before_iaqi=False``: the same integer formula with ``a/b`` = the exact value
  (micro-units ``a/10⁶`` for plain columns, ``num/den`` in Int128 for rational structs).
* IAQIs and the AQI are rounded up (进位取整, HJ 633—2012 §6.2, air-aqi.md §4); ties of the
  primary pollutant are decided on the rounded integers.

Indicator codes (``primary_pollutants`` and ``over_standard`` lists):

======== ============================================ =================
code     indicator                                    CNEMC label
======== ============================================ =================
SO2      sulphur dioxide                              二氧化硫
NO2      nitrogen dioxide                             二氧化氮
PM10     PM10                                         颗粒物(PM10)
CO       carbon monoxide                              一氧化碳
O3_1H    O3 1-h (2012: real-time O3, daily max 1-h)   臭氧1小时
O3_8H    O3 8-h (2012: MDA8, or the moving average)   臭氧8小时
PM2.5    PM2.5                                        细颗粒物(PM2.5)
O3       ozone under edition 2026 (one per report)    臭氧 (UNCONFIRMED)
======== ============================================ =================

References
----------
.. [1] HJ 633—2012 环境空气质量指数（AQI）技术规定（试行）, §5 (indicators), §6 (method),
   Table 1 (breakpoints), Table 2 (levels).
.. [2] HJ 633—2026 环境空气质量指数（AQI）技术规定, §4.2 (method, rounding), §5.3 (data
   completeness), Table 3.
.. [3] ../shared/standards/air-aqi.md (the computational specification; clause numbers below
   refer to it unless marked otherwise).
.. [4] ../shared/standards/air-evaluation.md §3 (hour labels, natural day), §5 (rounding).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

from qingshan import exact
from qingshan.standards import hj633_tables as T
from qingshan.standards.editions import (
    edition_expr,
    edition_for_day,
    natural_day,
    natural_day_expr,
    parse_edition,
)

__all__ = [
    "iaqi",
    "realtime_aqi",
    "daily_aqi",
    "primary_labels",
    "primary_label_expr",
    "level_expr",
    "category_expr",
    "colour_expr",
    "INDICATOR_BITS",
]

Edition = Literal["2012", "2026"]

#: Internally IAQI columns carry no nulls (faster kernels); negative codes mark the cases, the
#: two special rules of edition 2012 included (they are entries of the lookup tables).
_MISSING = -1  # missing, negative or non-numeric concentration (§1)
_USE_SO2_24H = -2  # §5.1: SO2 1-h > 800 → IAQI of the SO2 24-h value
_DROPPED = -3  # §5.2: O3 8-h > 800 → no O3 8-h IAQI
_NOT_IN_SET = -4  # an indicator outside the AQI set on that row
_ENGINE = "streaming"
_IDT = pl.Int16  # dtype of IAQI columns

#: Bit of each indicator code in the internal primary / over-standard masks.
INDICATOR_BITS: Mapping[str, int] = {
    "SO2": 0,
    "NO2": 1,
    "PM10": 2,
    "CO": 3,
    "O3_1H": 4,
    "O3": 4,  # edition 2026: the single ozone indicator
    "O3_8H": 5,
    "PM2.5": 6,
}
_NBITS = 7

#: Base pollutant of every input column (for ``not_monitored``, units and decimals).
_POLLUTANT_OF = {
    "so2": "so2",
    "no2": "no2",
    "pm10": "pm10",
    "co": "co",
    "o3": "o3",
    "pm25": "pm25",
    "so2_24h": "so2",
    "o3_8h": "o3",
    "o3_1h": "o3",
    "pm10_24h": "pm10",
    "pm25_24h": "pm25",
}
_CODE_POLLUTANT = {
    "SO2": "so2",
    "NO2": "no2",
    "PM10": "pm10",
    "CO": "co",
    "O3_1H": "o3",
    "O3_8H": "o3",
    "O3": "o3",
    "PM2.5": "pm25",
    "PM25": "pm25",
}

_BIG = 10**9  # clip far above every top breakpoint (µg/m³): keeps "above top" and avoids overflow


# ============================================================================================
# scalar reference pieces (used to build the lookup tables; Python integers only)
# ============================================================================================


def _iaqi_int(a: int, b: int, column: str, edition: str) -> int:
    """Rounded-up IAQI of the exact concentration ``a/b`` (a ≥ 0, b > 0) — air-aqi.md §3, §5.

    Returns the sentinels ``_USE_SO2_24H`` / ``_DROPPED`` for the 2012 special rules.
    """
    bps = T.BREAKPOINTS[edition][column]
    if a > bps[-1] * b:
        kind, value = T.ABOVE_TOP[edition].get(column, ("cap", T.CAP_IAQI))
        if kind == "cap":
            return T.CAP_IAQI
        if kind == "value":
            return int(value)  # type: ignore[arg-type]
        return _USE_SO2_24H if kind == "so2_24h" else _DROPPED
    for k in range(1, len(bps)):
        if a <= bps[k] * b:
            lo, hi = bps[k - 1], bps[k]
            i_lo, i_hi = T.IAQI_NODES[k - 1], T.IAQI_NODES[k]
            n = i_lo * (hi - lo) * b + (i_hi - i_lo) * (a - lo * b)
            m = (hi - lo) * b
            return -(-n // m)
    raise AssertionError("unreachable")


@lru_cache(maxsize=None)
def _table(column: str, edition: str, decimals: int) -> tuple[int, ...]:
    """Rounded IAQI for every rounded concentration 0 … top (in units of 10^-decimals), plus
    one final entry for "above the top breakpoint"."""
    b = 10**decimals
    top = T.BREAKPOINTS[edition][column][-1] * b
    return tuple(_iaqi_int(a, b, column, edition) for a in range(top + 2))


def _tables_differ(column: str, decimals: int) -> bool:
    return _table(column, "2012", decimals) != _table(column, "2026", decimals)


# ============================================================================================
# edition handling (air-aqi.md §0; air-evaluation.md §3)
# ============================================================================================

_E26 = "__e26"  # Boolean column: row is edition 2026 (only present for mixed frames)


class _Ed:
    """Edition of a frame: a fixed edition, or per row (``mixed``, column ``_E26``)."""

    def __init__(self, fixed: str | None):
        self.fixed = fixed

    @property
    def mixed(self) -> bool:
        return self.fixed is None

    def is26(self) -> pl.Expr:
        if self.fixed is None:
            return pl.col(_E26)
        return pl.lit(self.fixed == "2026")

    def pick(self, e12: pl.Expr, e26: pl.Expr) -> pl.Expr:
        if self.fixed == "2012":
            return e12
        if self.fixed == "2026":
            return e26
        return pl.when(pl.col(_E26)).then(e26).otherwise(e12)

    def has(self, edition: str) -> bool:
        return self.fixed is None or self.fixed == edition


class EditionDefaultWarning(UserWarning):
    """The edition was taken from today's date because the data carried no time (air-aqi.md §0)."""


def _today_edition() -> str:
    beijing = datetime.now(timezone(timedelta(hours=8)))
    return edition_for_day(beijing.date())


def _hour_end_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The hour-end label as naive Beijing time (air-evaluation.md §3)."""
    dtype = frame.schema[column]
    e = pl.col(column)
    if dtype == pl.Utf8:
        # naive local text, or ISO 8601 with an offset (air-aqi.md §13 writes +08:00) → Beijing
        naive = [e.str.to_datetime(f, strict=False) for f in
                 ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")]
        aware = (e.str.replace(r"Z$", "+00:00").str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", strict=False)
                 .dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None).dt.cast_time_unit("us"))
        return pl.coalesce(*[n.dt.cast_time_unit("us") for n in naive], aware)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return e.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
    return e


def _resolve_edition(
    frame: pl.DataFrame, edition: str | None, time_column: str | None, *, is_day: bool
) -> tuple[pl.DataFrame, _Ed]:
    """Fix the edition: explicit argument; else per row from the natural day of ``time_column``
    (§0); else, without a time column, the edition in force today (Beijing date)."""
    ed = parse_edition(edition)
    if ed is not None:
        return frame, _Ed(ed)
    if time_column is not None and time_column not in frame.columns:
        # the CNEMC archive (and read_cnemc) labels the hour end "timepoint"
        alt = next((c for c in ("timepoint", "time", "date") if c in frame.columns and c != time_column), None)
        time_column = alt
    if time_column is None:
        warnings.warn(
            f"未给出时间列或标准版本（edition），按今日适用的 HJ 633—{_today_edition()} 计算",
            EditionDefaultWarning,
            stacklevel=3,
        )
        return frame, _Ed(_today_edition())
    dtype = frame.schema[time_column]
    if dtype == pl.Date:
        day = pl.col(time_column)
    elif is_day and dtype == pl.Utf8:
        day = pl.col(time_column).str.to_date(strict=False)
    else:
        t = _hour_end_expr(frame, time_column)
        day = t.dt.date() if is_day else natural_day_expr(t)
    # the natural days of the first and last rows decide whether one edition covers the frame;
    # only a frame straddling 2026-03-01 needs the per-row edition. The natural day is monotone
    # in T, so the extremes of T give the extreme days without a per-row date column.
    if is_day or dtype == pl.Date:
        lo, hi, nulls = frame.select(day.min().alias("lo"), day.max().alias("hi"), day.null_count().alias("n")).row(0)
    else:
        lo, hi, nulls = frame.select(t.min().alias("lo"), t.max().alias("hi"), t.null_count().alias("n")).row(0)
        if lo is not None:
            lo, hi = natural_day(lo), natural_day(hi)
    if nulls:
        bad = int(frame.select(day.is_null().arg_max()).item())  # first row without a usable time
        raise ValueError(
            f"第 {bad + 1} 行：字段 {time_column} 为空或不是有效时间，无法确定标准版本；请传入 edition"
        )
    if lo is None:  # empty frame
        return frame, _Ed(_today_edition())
    e_lo, e_hi = edition_for_day(lo), edition_for_day(hi)
    if e_lo == e_hi:
        return frame, _Ed(e_lo)
    is26 = frame.select((edition_expr(day) == "2026").alias(_E26)).to_series()
    return frame.with_columns(is26), _Ed(None)


# ============================================================================================
# concentration input → integer units / exact (num, den)
# ============================================================================================


def _is_struct(dtype: pl.DataType) -> bool:
    return isinstance(dtype, pl.Struct)


def _rounded_key(e: pl.Expr, dtype: pl.DataType, decimals: int) -> tuple[pl.Expr, str]:
    """Lookup key of a concentration rounded half-to-even (GB/T 8170) to ``decimals``.

    Returns ``(key, kind)``; the key is null when the value is missing, negative or not a
    number (§1):

    * ``kind="units"``: the rounded value as an Int64 count of 10^-decimals units (integer and
      rational inputs; rationals are rounded with :func:`qingshan.exact.rational_round`);
    * ``kind="halves"``: for micro-unit inputs (float, text), ``2·h + t`` where
      ``h = micro // half-unit`` and ``t = 1`` when the value lies exactly on a half-unit
      boundary. The rounded value is a function of (h, t) — inside a half-unit interval every
      value rounds the same way, and only the boundary itself can be a tie — so the rounding is
      folded into the lookup table (:func:`_table_halves`, built with
      :func:`qingshan.exact.round_fraction`). Same result, two integer operations per row
      instead of a division chain.
    """
    if _is_struct(dtype):
        r = exact.rational_round(e, decimals)
        return pl.when(exact.num(e) >= 0).then(r.clip(upper_bound=_BIG).cast(pl.Int64)).otherwise(_MISSING), "units"
    if dtype == pl.Null:
        return e.cast(pl.Int64).fill_null(_MISSING), "units"  # keeps the column's length
    if dtype.is_integer():
        # negative stays negative: the lookup clips it to the MISSING entry
        v = e.cast(pl.Int64).fill_null(_MISSING)
        if decimals:
            v = v.clip(upper_bound=_BIG) * 10**decimals
        return v, "units"
    if dtype.is_float() and decimals == 0:
        # Rounding the binary float half-to-even to an integer gives exactly the GB/T 8170
        # rounding of Fraction(str(v)): every k + 0.5 is a double, so the shortest decimal
        # text of v lies on the same side of each tie as v itself, and is a tie only when v
        # is. (Not true at 1 decimal — 1.85 is not a double — so CO takes the micro route.)
        ok = (e >= 0) & e.is_finite()
        v = e.clip(upper_bound=float(_BIG)).round(0, mode="half_to_even").cast(pl.Int64)
        return pl.when(ok).then(v).otherwise(_MISSING), "units"
    return _halves_key(_micro(e, dtype), decimals), "halves"


def _micro(e: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Float, text or decimal column → exact Int64 micro-units (:mod:`qingshan.exact`)."""
    if dtype.is_float():
        return exact.scaled_from_float(e.clip(upper_bound=float(_BIG)))
    if dtype == pl.Utf8:
        return exact.scaled_from_str(e)
    if dtype.is_decimal():
        return exact.scaled_from_str(e.cast(pl.Utf8))
    raise TypeError(f"浓度列的数据类型 {dtype} 无法识别")


def _halves_key(micro: pl.Expr, decimals: int) -> pl.Expr:
    half = _half_unit(decimals)
    # a negative micro value gives a negative key: the lookup clips it to the MISSING entry
    return ((micro // half) * 2 + (micro % half == 0).cast(pl.Int64)).fill_null(_MISSING)


def _half_unit(decimals: int) -> int:
    """Half of one 10^-decimals unit, in micro-units (500000 for integers, 50000 for CO 0.1)."""
    return 10 ** (exact.SCALE_DIGITS - decimals) // 2


def _exact_parts(e: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """Exact value as (numerator, denominator) integer expressions; null numerator = missing."""
    if _is_struct(dtype):
        n, d = exact.num(e), exact.den(e)
        return pl.when(n >= 0).then(n), d
    if dtype == pl.Null:
        return pl.lit(None, dtype=pl.Int64), pl.lit(1, dtype=pl.Int64)
    if dtype.is_integer():
        v = e.cast(pl.Int64)
        return pl.when(v >= 0).then(v.clip(upper_bound=_BIG)), pl.lit(1, dtype=pl.Int64)
    if dtype.is_float():
        micro = exact.scaled_from_float(e.clip(upper_bound=float(_BIG)))
    elif dtype == pl.Utf8:
        micro = exact.scaled_from_str(e)
    elif dtype.is_decimal():
        micro = exact.scaled_from_str(e.cast(pl.Utf8))
    else:
        raise TypeError(f"浓度列的数据类型 {dtype} 无法识别")
    return pl.when(micro >= 0).then(micro), pl.lit(exact.SCALE, dtype=pl.Int64)


def _exact_iaqi_expr(n: pl.Expr, d: pl.Expr, column: str, edition: str) -> pl.Expr:
    """§3 integer formula on the exact value n/d (segment by ``n <= BP·d``) plus §5 above top."""
    bps = T.BREAKPOINTS[edition][column]
    kind, value = T.ABOVE_TOP[edition].get(column, ("cap", T.CAP_IAQI))
    above = {
        "cap": T.CAP_IAQI,
        "value": value,
        "so2_24h": _USE_SO2_24H,
        "drop": _DROPPED,
    }[kind]
    expr = pl.when(n.is_null()).then(pl.lit(_MISSING, dtype=pl.Int64))
    for k in range(1, len(bps)):
        lo, hi = bps[k - 1], bps[k]
        i_lo, i_hi = T.IAQI_NODES[k - 1], T.IAQI_NODES[k]
        num = d * (i_lo * (hi - lo)) + (n - d * lo) * (i_hi - i_lo)
        expr = expr.when(n <= d * hi).then(_ceil_div(num, d * (hi - lo)).cast(pl.Int64))
    return expr.otherwise(pl.lit(above, dtype=pl.Int64)).cast(_IDT)


def _ceil_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``ceil(num/den)`` for den > 0 as ``floor((num + den − 1)/den)``: same value as
    :func:`qingshan.exact.ceil_div`, whose negation polars 2.1 does not support on Int128."""
    return (num + den - 1) // den


class _Conc:
    """One concentration input (expression and dtype), prepared for IAQI evaluation.

    ``prep`` lists the helper columns to materialise first (the rounded lookup key), so that
    the key is computed once per row however many IAQIs read it.
    """

    _n = 0

    def __init__(self, e: pl.Expr | None, dtype: pl.DataType, decimals: int, round_first: bool,
                 materialise: bool = True):
        self.present = e is not None
        self.decimals = decimals
        self.round_first = round_first
        self.prep: list[pl.Expr] = []
        if e is None:
            e, dtype = pl.lit(None), pl.Null
        if round_first:
            key, self.kind = _rounded_key(e, dtype, decimals)
            if materialise and self.present and not _is_struct(dtype) and not dtype.is_integer():
                _Conc._n += 1
                name = f"__k{_Conc._n}"
                if self.kind == "halves":
                    # the micro-units are read three times by the key: compute them once
                    self.prep.append(_micro(e, dtype).alias(name))
                    key = _halves_key(pl.col(name), decimals)
            self.key = key
        else:
            self.n, self.d = _exact_parts(e, dtype)
            if materialise and self.present and not _is_struct(dtype) and not dtype.is_integer():
                # the numerator is read by every segment of the chain: compute it once
                _Conc._n += 1
                name = f"__k{_Conc._n}"
                self.prep.append(self.n.alias(name))
                self.n = pl.col(name)

    @classmethod
    def of(cls, frame: pl.DataFrame, name: str, round_first: bool) -> "_Conc":
        decimals = T.DECIMALS[_POLLUTANT_OF[name]]
        if name not in frame.columns:
            return cls(None, pl.Null, decimals, round_first)
        return cls(pl.col(name), frame.schema[name], decimals, round_first)

    def iaqi(self, column: str, ed: _Ed) -> pl.Expr:
        """Rounded IAQI (with the §5 sentinels) of this concentration in breakpoint ``column``."""
        if not self.present:
            return pl.lit(_MISSING, dtype=_IDT)
        if self.round_first:
            return _lookup(self.key, self.kind, column, self.decimals, ed)
        e12 = _exact_iaqi_expr(self.n, self.d, column, "2012") if ed.has("2012") else None
        e26 = _exact_iaqi_expr(self.n, self.d, column, "2026") if ed.has("2026") else None
        if e12 is None:
            return e26  # type: ignore[return-value]
        if e26 is None:
            return e12
        return ed.pick(e12, e26)


def _prepare(frame: pl.DataFrame | pl.LazyFrame, concs: Iterable[_Conc]):
    """Add the helper columns of ``concs`` (eager or lazy frame, returned the same kind)."""
    exprs = [e for c in concs for e in c.prep]
    return frame.with_columns(exprs) if exprs else frame


@lru_cache(maxsize=None)
def _table_halves(column: str, edition: str, decimals: int) -> tuple[int, ...]:
    """IAQI per half-unit key ``2·h + t`` (see :func:`_rounded_key`), up to the clip bound."""
    units = _table(column, edition, decimals)
    top = len(units) - 2  # top breakpoint in units
    out = []
    for key in range(_halves_bound(top) + 1):
        h, tie = divmod(key, 2)
        # the boundary h/2 itself may be a tie: GB/T 8170 rounding via the shared routine
        # inside (h/2, (h+1)/2) no tie is possible: the nearest integer is (h+1)//2
        r = int(exact.round_fraction(Fraction(h, 2))) if tie else (h + 1) // 2
        out.append(units[min(r, top + 1)])
    return tuple(out)


def _halves_bound(top: int) -> int:
    """Largest key kept; every value from ``top + 2`` units on is above the top breakpoint."""
    return 2 * (2 * (top + 2)) + 1


@lru_cache(maxsize=None)
def _table_series(column: str, editions: tuple[str, ...], decimals: int, kind: str) -> pl.Series:
    """Lookup table(s) as one Int64 series; for two editions, 2012 first then 2026."""
    vals: list[int] = []
    for ed in editions:
        vals.extend(_table(column, ed, decimals) if kind == "units" else _table_halves(column, ed, decimals))
        vals.append(_MISSING)  # key −1 (gather counts negative indices from the end)
    # Int16 (IAQI ≤ 500 and the negative codes): a quarter of the memory traffic of Int64
    return pl.Series("", np.asarray(vals, dtype=np.int16))


def _lookup(key: pl.Expr, kind: str, column: str, decimals: int, ed: _Ed) -> pl.Expr:
    """Table lookup of the rounded IAQI (null-free; ``_MISSING`` for a negative key)."""
    top = T.BREAKPOINTS["2012"][column][-1] * 10**decimals  # same top in both editions
    bound = top + 1 if kind == "units" else _halves_bound(top)
    idx = key.clip(-1, bound)
    if ed.fixed is not None:
        return pl.lit(_table_series(column, (ed.fixed,), decimals, kind)).gather(idx)
    if not _tables_differ(column, decimals):
        return pl.lit(_table_series(column, ("2012",), decimals, kind)).gather(idx)
    return pl.lit(_table_series(column, ("2012", "2026"), decimals, kind)).gather(
        idx + pl.col(_E26).cast(pl.Int64) * (bound + 2)
    )


# ============================================================================================
# public: IAQI of one column
# ============================================================================================


def iaqi(
    values: pl.Series | pl.Expr | str,
    column: str,
    *,
    edition: Edition,
    round_before_iaqi: bool = True,
    dtype: pl.DataType | None = None,
    so2_24h: pl.Series | pl.Expr | str | None = None,
    so2_24h_dtype: pl.DataType | None = None,
) -> pl.Series | pl.Expr:
    """Individual air quality index (IAQI, 空气质量分指数) of one concentration column.

    Parameters
    ----------
    values : Series, Expr or column name
        Concentrations [µg/m³; CO mg/m³]: float, integer, decimal text or ``exact.RATIONAL``
        struct. Negative, non-numeric or missing → null (air-aqi.md §1).
    column : str
        Breakpoint column of air-aqi.md §2: ``SO2_24H``, ``SO2_1H``, ``NO2_24H``, ``NO2_1H``,
        ``PM10_24H``, ``CO_24H``, ``CO_1H``, ``O3_1H``, ``O3_8H``, ``PM25_24H``.
    edition : {"2012", "2026"}
        Breakpoint table (§2, §12) and special rules (§5). Required: a bare concentration
        carries no date to choose it from (§0).
    round_before_iaqi : bool, default True
        Round the concentration half-to-even to integers (CO 0.1) before the IAQI
        (air-evaluation.md §5.3; HJ 633—2026 §4.2.2). UNCONFIRMED for edition 2012.
    dtype : DataType, optional
        Dtype of ``values`` when it is an expression.
    so2_24h, so2_24h_dtype :
        For ``column="SO2_1H"``, edition 2012: the SO2 24-h value whose SO2_24H IAQI replaces
        the 1-h IAQI above 800 µg/m³ (§5.1); without it such values give null.

    Returns
    -------
    Series or Expr
        Int64 IAQI, rounded up (§4). Above the top breakpoint: 500 (§5.3, UNCONFIRMED); SO2 1-h
        > 800: §5.1 (2012) or 200 (2026); O3 8-h > 800: null (2012, dropped, §5.2) or 300 (2026).
    """
    ed = parse_edition(edition)
    if ed is None:
        raise ValueError("iaqi 需要明确的 edition（2012 或 2026）")
    if column not in T.BREAKPOINTS[ed]:
        raise ValueError(f"未知的分指数列：{column!r}")
    decimals = T.DECIMALS["co"] if column.startswith("CO") else 0
    series_mode = isinstance(values, pl.Series)
    if series_mode:
        frame = pl.DataFrame({"v": values})
        if so2_24h is not None:
            frame = frame.with_columns(pl.Series("s24", so2_24h))
        v, vt = pl.col("v"), frame.schema["v"]
        s, st = (pl.col("s24"), frame.schema["s24"]) if so2_24h is not None else (None, pl.Null)
    else:
        if dtype is None:
            raise TypeError("values 为表达式或列名时需要给出 dtype")
        v, vt = (pl.col(values) if isinstance(values, str) else values), dtype
        s = pl.col(so2_24h) if isinstance(so2_24h, str) else so2_24h
        st = so2_24h_dtype or pl.Null
        if s is not None and so2_24h_dtype is None:
            raise TypeError("so2_24h 为表达式或列名时需要给出 so2_24h_dtype")
    cv = _Conc(v, vt, decimals, round_before_iaqi, materialise=series_mode)
    if not series_mode and cv.prep:
        # expression mode cannot add helper columns: plain float/text input stays inline
        cv = _Conc(v, vt, decimals, round_before_iaqi, materialise=False)
    e = cv.iaqi(column, _Ed(ed))
    cs = None
    if column == "SO2_1H" and ed == "2012":
        cs = _Conc(s, st, 0, round_before_iaqi, materialise=series_mode)
        e = pl.when(e == _USE_SO2_24H).then(cs.iaqi("SO2_24H", _Ed(ed))).otherwise(e)
    e = pl.when(e >= 0).then(e).cast(pl.Int64)
    if series_mode:
        frame = _prepare(frame, [c for c in (cv, cs) if c is not None])
        return frame.select(e.alias(values.name)).to_series()
    return e


# ============================================================================================
# AQI assembly (§7, §10)
# ============================================================================================


class _Indicator:
    """An IAQI column with its membership of the AQI set and its code bit, per edition."""

    def __init__(self, out: str, iaqi: pl.Expr, in_set: pl.Expr | bool, bit: pl.Expr | int | None,
                 pollutant: str, dropped: bool | None = None):
        self.out = out
        self.iaqi = iaqi
        self.in_set = in_set
        self.bit = bit
        self.pollutant = pollutant
        self.dropped = dropped


def _code_lists(ed: _Ed, order: Mapping[str, Sequence[str]]) -> tuple[pl.Series, int]:
    """List of codes for every mask value (and edition block), in the edition's listing order."""
    eds = ("2012", "2026") if ed.mixed else (ed.fixed,)
    out: list[list[str]] = []
    for e in eds:
        seq = [c for c in order[e]]
        for mask in range(1 << _NBITS):
            out.append([c for c in seq if mask >> INDICATOR_BITS[c] & 1])
    return pl.Series("", out, dtype=pl.List(pl.Utf8)), 1 << _NBITS


def _label_table(ed: _Ed, order: Mapping[str, Sequence[str]], labels: Mapping[str, str]) -> pl.Series:
    """Rendered label string per mask, as an Enum (an integer gather instead of copying text;
    it compares, prints and writes like text)."""
    def render(e: _Ed) -> list[str]:
        return [T.SEPARATOR.join(labels[c] for c in lst) for lst in _code_lists(e, order)[0].to_list()]

    # the categories cover both editions, so frames of either edition concatenate
    dtype = pl.Enum(list(dict.fromkeys(render(_Ed(None)))))
    return pl.Series("", render(ed), dtype=dtype)


def _orders(pollutant_order) -> dict[str, tuple[str, ...]]:
    base = {k: tuple(v) for k, v in T.POLLUTANT_ORDER.items()}
    if pollutant_order is None:
        return base
    if isinstance(pollutant_order, Mapping):
        for k, v in pollutant_order.items():
            base[str(k)] = tuple(v)
        return base
    seq = tuple(pollutant_order)
    for e in base:
        known = [c for c in seq if c in base[e]] + [c for c in base[e] if c not in seq]
        base[e] = tuple(known)
    return base


def _not_monitored_expr(not_monitored, pollutant: str) -> pl.Expr | bool:
    """True where ``pollutant`` is exempt under HJ 633—2026 §5.3.2 (§10)."""
    if not_monitored is None:
        return False
    if isinstance(not_monitored, pl.Expr):
        names = [pollutant] + [c for c, p in _CODE_POLLUTANT.items() if p == pollutant]
        return not_monitored.list.eval(pl.element().is_in(names)).list.any().fill_null(False)
    names = {_CODE_POLLUTANT.get(str(x), _POLLUTANT_OF.get(str(x).lower(), str(x).lower())) for x in not_monitored}
    return pollutant in names


def _assemble(
    frame: pl.DataFrame,
    ed: _Ed,
    indicators: list[_Indicator],
    *,
    not_monitored,
    labels: Mapping[str, str] | None,
    pollutant_order,
    aqi_zero_2026: str,
    original_columns: Sequence[str],
) -> pl.DataFrame:
    """AQI (formula (2)), §10 missing rule, primary pollutants and over-standard lists (§7),
    level and category (§6). Returns the input frame with the output columns appended.

    ``indicators`` carry null-free Int64 IAQI expressions with the negative codes above.
    """
    if aqi_zero_2026 not in ("level1", "clamp_to_1"):
        raise ValueError(f"aqi_zero_2026 只能是 level1 或 clamp_to_1，而不是 {aqi_zero_2026!r}")
    is26 = ed.is26()
    # stage 1: the internal IAQI columns
    names = [f"__v{i}" for i in range(len(indicators))]
    # one lazy query: the streaming engine runs every stage on cache-sized morsels
    lf = frame.lazy().with_columns([ind.iaqi.alias(n) for ind, n in zip(indicators, names)])
    # stage 2: AQI set values (for max and masks) and missing flags (for the §10 rule)
    set_vals: list[tuple[pl.Expr, _Indicator]] = []
    miss: list[pl.Expr] = []
    for ind, n in zip(indicators, names):
        if ind.in_set is False:
            continue
        v = pl.col(n)
        if ind.in_set is True:
            sv = v
        else:
            sv = pl.when(ind.in_set).then(v).otherwise(pl.lit(_NOT_IN_SET, dtype=_IDT))
        set_vals.append((sv, ind))
        exempt = _not_monitored_expr(not_monitored, ind.pollutant)
        if exempt is True:
            continue  # HJ 633—2026 §5.3.2: not monitored → its absence never blocks the AQI
        # −1 where the indicator is missing, ≥ 0 (or another code) otherwise
        m = sv if ind.in_set is True and ind.dropped is None else pl.when(sv == _MISSING).then(_MISSING).otherwise(0)
        if exempt is not False:
            m = pl.when(exempt).then(0).otherwise(m)
        miss.append(m)
    raw = pl.max_horizontal([e for e, _ in set_vals]) if set_vals else pl.lit(_MISSING, dtype=_IDT)
    mn = pl.min_horizontal(miss) if miss else pl.lit(0, dtype=_IDT)
    lf = lf.with_columns(raw.alias("__raw"), mn.alias("__min"))
    r = pl.col("__raw")
    # §10 (HJ 633—2026 §5.3.1): with an indicator missing, publish only when the AQI of the
    # rest exceeds 100
    lf = lf.with_columns(((r >= 0) & ((pl.col("__min") >= 0) | (r > 100))).alias("__pub"))
    published = pl.col("__pub")
    # masks: bit set for every set indicator equal to the AQI (primary, AQI > 50) and for every
    # set indicator above 100 (超标污染物, edition 2012)
    prim_terms, over_terms = [], []
    for sv, ind in set_vals:
        bit = ind.bit
        # an int is a bit number; an expression is the (per-edition) bit value itself
        bitval = pl.lit(1 << bit, dtype=_IDT) if isinstance(bit, int) else bit
        prim_terms.append(pl.when(sv == r).then(bitval).otherwise(0))
        if ed.has("2012"):
            over_terms.append(pl.when(sv > 100).then(bitval).otherwise(0))
    orders = _orders(pollutant_order)
    lab = dict(T.LABELS)
    if labels:
        lab.update(labels)
    code_tab, block = _code_lists(ed, orders)
    label_tab = _label_table(ed, orders, lab)
    off = pl.col(_E26).cast(_IDT) * block if ed.mixed else None
    # table index of the primary list: the mask when AQI > 50, the empty list when AQI ≤ 50,
    # null (→ null list) when there is no AQI
    prim_mask = pl.sum_horizontal(prim_terms) if prim_terms else pl.lit(0, dtype=_IDT)
    prim_idx = pl.when(published & (r > 50)).then(prim_mask).when(published).then(pl.lit(0, dtype=_IDT))
    if over_terms:
        over_idx = pl.when(published & ~is26).then(pl.sum_horizontal(over_terms))
    else:
        over_idx = pl.lit(None, dtype=_IDT)
    if off is not None:
        prim_idx, over_idx = prim_idx + off, over_idx + off
    aqi = pl.when(published).then(r).cast(pl.Int64)
    if ed.has("2026") and aqi_zero_2026 == "clamp_to_1":
        # §6: AQI 0 under edition 2026 (bands start at 1) — UNCONFIRMED setting
        aqi = pl.when(is26 & (aqi == 0)).then(pl.lit(1, dtype=pl.Int64)).otherwise(aqi)
    lf = lf.with_columns(aqi.alias("aqi"), prim_idx.alias("__pi"), over_idx.alias("__oi"))
    a = pl.col("aqi")
    lf = lf.with_columns(
        # public IAQI columns: null where missing, dropped or not computed
        *[pl.when(pl.col(n) >= 0).then(pl.col(n)).alias(ind.out) for ind, n in zip(indicators, names)],
        pl.lit(code_tab).gather(pl.col("__pi")).alias("primary_pollutants"),
        pl.lit(label_tab).gather(pl.col("__pi")).alias("primary_pollutant"),
        pl.lit(code_tab).gather(pl.col("__oi")).alias("over_standard"),
        (pl.when(is26).then(pl.lit("2026")).otherwise(pl.lit("2012")) if ed.mixed else pl.lit(ed.fixed)).alias("edition"),
        # the AQI lies in 0…500 (cap, §5.3): index the tables directly
        pl.lit(_LEVEL_TAB).gather(a).alias("level"),
        pl.lit(_CATEGORY_TAB).gather(a).alias("category"),
    )
    keep = set(original_columns)
    drop = [c for c in lf.collect_schema().names() if c.startswith("__") and c not in keep]
    return lf.drop(drop).collect(engine=_ENGINE)


_LEVEL_TAB = pl.Series("", [T.level_for_aqi(i) for i in range(T.CAP_IAQI + 1)], dtype=pl.Int8)
#: Category as an Enum of the six HJ 633 categories (compares and prints like text).
CATEGORY_DTYPE = pl.Enum([T.CATEGORY[i] for i in range(1, 7)])
_CATEGORY_TAB = pl.Series("", [T.CATEGORY[T.level_for_aqi(i)] for i in range(T.CAP_IAQI + 1)], dtype=CATEGORY_DTYPE)


def level_expr(aqi: pl.Expr | str) -> pl.Expr:
    """AQI level 1–6 (Int8) of an integer AQI column (HJ 633—2012 Table 2; AQI 0 → 1, §6)."""
    a = pl.col(aqi) if isinstance(aqi, str) else aqi
    tab = [T.level_for_aqi(i) for i in range(T.CAP_IAQI + 1)]
    return pl.lit(pl.Series("", tab, dtype=pl.Int8)).gather(a.clip(0, T.CAP_IAQI)).alias("level")


def category_expr(level: pl.Expr | str) -> pl.Expr:
    """Category 类别 (优, 良, 轻度污染, …) of a level column (HJ 633—2012 Table 2)."""
    lv = pl.col(level) if isinstance(level, str) else level
    tab = [""] + [T.CATEGORY[i] for i in range(1, 7)]
    return pl.lit(pl.Series("", tab, dtype=pl.Utf8)).gather(lv.cast(pl.Int64)).alias("category")


def colour_expr(level: pl.Expr | str) -> pl.Expr:
    """Colour as hex RGB (#00E400 …) of a level column (HJ 633—2012 Appendix A)."""
    lv = pl.col(level) if isinstance(level, str) else level
    tab = [""] + [T.COLOUR_HEX[i] for i in range(1, 7)]
    return pl.lit(pl.Series("", tab, dtype=pl.Utf8)).gather(lv.cast(pl.Int64)).alias("colour")


# ============================================================================================
# public: real-time and daily AQI
# ============================================================================================


def realtime_aqi(
    frame: pl.DataFrame,
    *,
    edition: Edition | None = None,
    hourly_include_o3_8h: bool = False,
    round_before_iaqi: bool = True,
    not_monitored: Iterable[str] | pl.Expr | None = None,
    labels: Mapping[str, str] | None = None,
    pollutant_order: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    aqi_zero_2026: Literal["level1", "clamp_to_1"] = "level1",
    time_column: str | None = "time",
) -> pl.DataFrame:
    """Real-time (hourly) AQI, 实时报 (air-aqi.md §8; edition 2026: §12).

    Parameters
    ----------
    frame : DataFrame
        One row per station- or city-hour. Columns (missing columns are missing indicators):
        ``so2``, ``no2``, ``pm10``, ``co``, ``o3``, ``pm25`` — 1-h averages at the hour T
        [µg/m³; ``co`` mg/m³], as float, integer, decimal text or ``exact.RATIONAL`` struct.
        Optional: ``so2_24h`` (SO2 24-h moving average, used when SO2 1-h > 800 in edition 2012,
        §5.1), ``o3_8h`` (O3 8-h moving average: in the AQI only with
        ``hourly_include_o3_8h=True``, else display), ``pm10_24h``, ``pm25_24h`` (display only,
        never in the AQI, §8.2). Optional ``time``: hour-end label T (air-evaluation.md §3),
        Datetime naive Beijing time or tz-aware, or ISO text.
    edition : {"2012", "2026"}, optional
        Default: per row, the edition of the natural day of T (§0: T = 2026-03-01T00:00 is 2012,
        T = 2026-03-01T01:00 is 2026). Without a time column: the edition in force today
        (Beijing date), i.e. "2026" from 2026-03-01 on.
    hourly_include_o3_8h : bool, default False
        Edition 2012 only: put the O3 8-h moving average into the AQI set (2013–2017 feeds;
        §8.2, UNCONFIRMED). Above 800 it is dropped (§5.2).
    round_before_iaqi : bool, default True
        Round each concentration half-to-even (integers; CO 0.1) before its IAQI and before the
        §5 threshold tests (air-evaluation.md §5.3).
    not_monitored : collection of pollutant names, or a List[Utf8] expression per row, optional
        Pollutants the monitoring plan does not cover (HJ 633—2026 §5.3.2, §10): their absence
        does not block the AQI. Names: ``so2``, ``no2``, ``pm10``, ``co``, ``o3``, ``pm25`` or the
        indicator codes.
    labels : mapping code → label, optional
        Overrides of the CNEMC label strings (§7; edition-2026 "臭氧" is UNCONFIRMED).
    pollutant_order : sequence of codes, or mapping edition → sequence, optional
        Listing order of ties (§7; UNCONFIRMED beyond PM10 before PM2.5).
    aqi_zero_2026 : {"level1", "clamp_to_1"}
        AQI 0 under edition 2026: published as 0, level 1 (default), or as 1 (§6, UNCONFIRMED).
    time_column : str or None, default "time"
        Name of the hour-end label column.

    Returns
    -------
    DataFrame
        The input with: ``iaqi_so2``, ``iaqi_no2``, ``iaqi_pm10``, ``iaqi_co``, ``iaqi_o3``,
        ``iaqi_pm25`` (the AQI set; PM on the 24-h breakpoints, §8.2), ``iaqi_o3_8h`` (when an
        ``o3_8h`` column is given), ``iaqi_pm10_24h``/``iaqi_pm25_24h`` (display only, when
        given); ``aqi`` (Int64, null when it cannot be published, §10); ``primary_pollutants``
        (List[Utf8] codes, empty when AQI ≤ 50, in the edition's listing order);
        ``primary_pollutant`` (CNEMC labels comma-joined, "" when AQI ≤ 50);
        ``over_standard`` (codes with IAQI > 100; edition 2012 only, else null); ``edition``;
        ``level`` (Int8, 1–6); ``category``. All are null where ``aqi`` is null, except the
        IAQIs.
    """
    original_columns = frame.columns
    frame, ed = _resolve_edition(frame, edition, time_column, is_day=False)
    r = round_before_iaqi
    c = {p: _Conc.of(frame, p, r) for p in
         ("so2", "no2", "pm10", "co", "o3", "pm25", "so2_24h", "o3_8h", "pm10_24h", "pm25_24h")}
    frame = _prepare(frame.lazy(), c.values())
    is26 = ed.is26()
    # row 1 (§8.2) and §5.1: above 800 — 2012: the SO2 24-h moving average, SO2_24H column
    so2 = c["so2"].iaqi("SO2_1H", ed)
    if ed.has("2012"):
        so2 = pl.when(so2 == _USE_SO2_24H).then(c["so2_24h"].iaqi("SO2_24H", ed)).otherwise(so2)
    ind = [
        _Indicator("iaqi_so2", so2, True, INDICATOR_BITS["SO2"], "so2"),
        _Indicator("iaqi_no2", c["no2"].iaqi("NO2_1H", ed), True, INDICATOR_BITS["NO2"], "no2"),
        # rows 3 and 7: the 1-h PM value on the 24-h (日平均) breakpoints
        _Indicator("iaqi_pm10", c["pm10"].iaqi("PM10_24H", ed), True, INDICATOR_BITS["PM10"], "pm10"),
        _Indicator("iaqi_co", c["co"].iaqi("CO_1H", ed), True, INDICATOR_BITS["CO"], "co"),
        _Indicator("iaqi_o3", c["o3"].iaqi("O3_1H", ed), True, INDICATOR_BITS["O3_1H"], "o3"),
        _Indicator("iaqi_pm25", c["pm25"].iaqi("PM25_24H", ed), True, INDICATOR_BITS["PM2.5"], "pm25"),
    ]
    if c["o3_8h"].present or (hourly_include_o3_8h and ed.has("2012")):
        # without an o3_8h column the indicator is still in the set, as missing (§10)
        o8 = c["o3_8h"].iaqi("O3_8H", ed)
        if hourly_include_o3_8h and ed.has("2012"):
            # row 6: in the AQI set (2012 only); above 800 dropped (§5.2), not "missing"
            in_set = ~is26 if ed.mixed else True
            ind.append(_Indicator("iaqi_o3_8h", o8, in_set, INDICATOR_BITS["O3_8H"], "o3", dropped=True))
        else:
            ind.append(_Indicator("iaqi_o3_8h", o8, False, None, "o3"))
    for p, col in (("pm10_24h", "PM10_24H"), ("pm25_24h", "PM25_24H")):
        if c[p].present:
            ind.append(_Indicator(f"iaqi_{p}", c[p].iaqi(col, ed), False, None, _POLLUTANT_OF[p]))
    return _assemble(frame, ed, ind, not_monitored=not_monitored, labels=labels,
                     pollutant_order=pollutant_order, aqi_zero_2026=aqi_zero_2026,
                     original_columns=original_columns)


def daily_aqi(
    frame: pl.DataFrame,
    *,
    edition: Edition | None = None,
    daily_include_o3_1h: bool = True,
    round_before_iaqi: bool = True,
    not_monitored: Iterable[str] | pl.Expr | None = None,
    labels: Mapping[str, str] | None = None,
    pollutant_order: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    aqi_zero_2026: Literal["level1", "clamp_to_1"] = "level1",
    date_column: str | None = "date",
) -> pl.DataFrame:
    """Daily AQI, 日报 (air-aqi.md §9; edition 2026: §12).

    Parameters
    ----------
    frame : DataFrame
        One row per station- or city-day. Daily statistics [µg/m³; ``co`` mg/m³] as float,
        integer, decimal text or exact ``exact.RATIONAL`` structs: ``so2``, ``no2``, ``co``,
        ``pm10``, ``pm25`` (daily means), ``o3_8h`` (MDA8), ``o3_1h`` (daily max 1-h O3; edition
        2012 only). Optional ``date`` (Date or ISO text): the natural day.
    edition : {"2012", "2026"}, optional
        Default: per row, the edition of ``date`` (§0); without a date column, the edition in
        force today (Beijing date).
    daily_include_o3_1h : bool, default True
        Edition 2012: the O3 daily max 1-h IAQI is in the AQI set (§9, UNCONFIRMED). With False
        it enters only on days whose MDA8 exceeds 800 and is dropped (§5.2, E11).
    round_before_iaqi : bool, default True
        Round each statistic half-to-even (integers; CO 0.1) before its IAQI (air-evaluation.md
        §5.3). With False an exact rational input is used exactly (E13).
    not_monitored, labels, pollutant_order, aqi_zero_2026 :
        As in :func:`realtime_aqi`.
    date_column : str or None, default "date"

    Returns
    -------
    DataFrame
        The input with ``iaqi_so2``, ``iaqi_no2``, ``iaqi_pm10``, ``iaqi_co``, ``iaqi_o3_1h``,
        ``iaqi_o3_8h``, ``iaqi_pm25`` and ``aqi``, ``primary_pollutants``,
        ``primary_pollutant``, ``over_standard``, ``edition``, ``level``, ``category`` as in
        :func:`realtime_aqi`. Edition 2012 codes ozone as "O3_1H" (daily max 1-h) and "O3_8H"
        (MDA8); edition 2026 as "O3" (the MDA8). ``iaqi_o3_8h`` is null when the MDA8 was
        dropped under §5.2.
    """
    original_columns = frame.columns
    frame, ed = _resolve_edition(frame, edition, date_column, is_day=True)
    r = round_before_iaqi
    c = {p: _Conc.of(frame, p, r) for p in
         ("so2", "no2", "pm10", "co", "o3_1h", "o3_8h", "pm25")}
    frame = _prepare(frame.lazy(), c.values())
    is26 = ed.is26()
    o8 = c["o3_8h"].iaqi("O3_8H", ed)  # 2012: sentinel when > 800 (§5.2); 2026: 300
    dropped = o8 == _DROPPED
    o1 = c["o3_1h"].iaqi("O3_1H", ed)
    if daily_include_o3_1h:
        o1_in = ~is26 if ed.mixed else ed.fixed == "2012"
    else:
        # §5.2 / E11: the O3 daily max 1-h stands in for a dropped MDA8 (UNCONFIRMED)
        o1_in = (~is26 & dropped.fill_null(False)) if ed.mixed else (
            dropped.fill_null(False) if ed.fixed == "2012" else False)
    o8_bit = ed.pick(pl.lit(1 << INDICATOR_BITS["O3_8H"], dtype=_IDT),
                     pl.lit(1 << INDICATOR_BITS["O3"], dtype=_IDT))
    ind = [
        _Indicator("iaqi_so2", c["so2"].iaqi("SO2_24H", ed), True, INDICATOR_BITS["SO2"], "so2"),
        _Indicator("iaqi_no2", c["no2"].iaqi("NO2_24H", ed), True, INDICATOR_BITS["NO2"], "no2"),
        _Indicator("iaqi_pm10", c["pm10"].iaqi("PM10_24H", ed), True, INDICATOR_BITS["PM10"], "pm10"),
        _Indicator("iaqi_co", c["co"].iaqi("CO_24H", ed), True, INDICATOR_BITS["CO"], "co"),
        _Indicator("iaqi_o3_1h", o1, o1_in, INDICATOR_BITS["O3_1H"], "o3"),
        _Indicator("iaqi_o3_8h", o8, True, o8_bit, "o3", dropped=True),
        _Indicator("iaqi_pm25", c["pm25"].iaqi("PM25_24H", ed), True, INDICATOR_BITS["PM2.5"], "pm25"),
    ]
    return _assemble(frame, ed, ind, not_monitored=not_monitored, labels=labels,
                     pollutant_order=pollutant_order, aqi_zero_2026=aqi_zero_2026,
                     original_columns=original_columns)


# ============================================================================================
# rendering of primary pollutants (§7)
# ============================================================================================


def primary_labels(
    codes: Sequence[str] | None,
    edition: Edition,
    *,
    labels: Mapping[str, str] | None = None,
    pollutant_order: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
) -> str:
    """CNEMC rendering of a list of indicator codes: labels in the edition's order, joined by an
    ASCII comma without blanks (§7), e.g. ``颗粒物(PM10),细颗粒物(PM2.5)``; "" for none."""
    codes = list(codes) if codes is not None else []
    if not codes:
        return ""
    lab = dict(T.LABELS)
    if labels:
        lab.update(labels)
    order = _orders(pollutant_order)[edition]
    rank = {c: i for i, c in enumerate(order)}
    return T.SEPARATOR.join(lab[c] for c in sorted(codes, key=lambda c: rank.get(c, len(rank))))


def primary_label_expr(
    codes: pl.Expr | str, *, labels: Mapping[str, str] | None = None
) -> pl.Expr:
    """Vectorised :func:`primary_labels` for a ``List[Utf8]`` code column already in listing
    order (as returned by :func:`realtime_aqi` / :func:`daily_aqi`)."""
    lab = dict(T.LABELS)
    if labels:
        lab.update(labels)
    e = pl.col(codes) if isinstance(codes, str) else codes
    return e.list.eval(pl.element().replace_strict(lab, return_dtype=pl.Utf8)).list.join(T.SEPARATOR)
