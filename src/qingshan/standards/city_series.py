"""Station daily statistics and city-level series (air-evaluation.md §3, §4, §7).

Everything is exact. Hourly concentrations are taken as integer micro-units (``exact.SCALE``);
each daily statistic of a station is a rational over one shared denominator::

    D_STATION = 212520 · 10⁶,   212520 = lcm(6, 7, 8, 20, 21, 22, 23, 24)

because a valid daily mean averages 20…24 hours and a valid 8-h window 6…8 hours: every such
mean is an integer numerator over ``D_STATION``, and the maximum of windows is a plain integer
maximum. A city value averages k valid station values, i.e. a numerator over ``k · D_STATION``;
the city series puts them over ``lcm(k present) · D_STATION`` so that maxima, sorting and sums
stay integer (Int128) operations. Results are returned as :data:`qingshan.exact.RATIONAL` structs.

Hour labels: ``time`` is the **end** of the averaging hour T, a naive Beijing-time Datetime
(air-evaluation.md §3). The natural day D holds T = D 01:00 … D+1 00:00.

References
----------
.. [1] air-evaluation.md §3 (hour labels, windows, MDA8), §4 (validity), §5 (exactness), §7
       (city series), E3–E6, E12, E13.
.. [2] GB 3095—2012 / GB 3095—2026 Table 4; HJ 663—2013 §6.1.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import lcm
from typing import Literal

import numpy as np
import polars as pl

from qingshan import exact
from qingshan.standards import gb3095
from qingshan.standards.editions import natural_day_expr

POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm25")
MEAN_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "pm10", "pm25")
#: lcm of every admissible count of a daily mean (20…24) and of an 8-h window (6…8)
L_COUNTS = 212520
D_STATION = L_COUNTS * exact.SCALE

CityO3Method = Literal["series", "station_mean"]


# --- input conversion ------------------------------------------------------------------------


def to_micro(frame: pl.DataFrame, col: str) -> pl.Expr:
    """A concentration column (float, int, text or RATIONAL struct) → Int64 micro-units.

    Negative and non-numeric values are missing (null). A rational that is not a whole number of
    micro-units raises (no monitoring system publishes more than six decimals).
    """
    dtype = frame.schema[col]
    if isinstance(dtype, pl.Struct):
        n, d = exact.num(col).cast(pl.Int128), exact.den(col).cast(pl.Int128)
        scaled = n * exact.SCALE
        bad = frame.select(((scaled % d) != 0).fill_null(False).any()).item()
        if bad:
            raise ValueError(f"列 {col}：浓度值不是 10⁻⁶ 的整数倍，无法精确换算")
        return pl.when(n >= 0).then((scaled // d).cast(pl.Int64))
    # direct micro-unit conversions (the struct route nests the parse expression several times)
    if dtype == pl.Utf8 or dtype == pl.String or dtype.is_decimal():
        m = exact.scaled_from_str(pl.col(col).cast(pl.Utf8))
    elif dtype.is_integer():
        m = pl.col(col).cast(pl.Int64) * exact.SCALE
    elif dtype.is_float() or dtype == pl.Null:
        m = exact.scaled_from_float(col)
    else:
        raise TypeError(f"列 {col}：无法从类型 {dtype} 读取浓度")
    return pl.when(m >= 0).then(m)


def as_struct(num: pl.Expr, den: int | pl.Expr) -> pl.Expr:
    """Integer numerator (null = invalid) over ``den`` → RATIONAL struct column."""
    d = pl.lit(den, dtype=pl.Int128) if isinstance(den, int) else den.cast(pl.Int128)
    return exact.rational(num, d)


# --- station day matrices --------------------------------------------------------------------


class StationDays:
    """Hourly data of stations laid out as (station-day × 24 hour) integer matrices.

    ``keys`` holds ``station_code, date`` per row; ``values[p]`` is an Int64 matrix of
    micro-units with -1 for a missing hour; column h−1 is the hour labelled D h:00 (h = 24 is
    D+1 00:00).
    """

    def __init__(self, keys: pl.DataFrame, values: dict[str, np.ndarray]):
        self.keys = keys
        self.values = values

    @classmethod
    def from_hourly(
        cls, hourly: pl.DataFrame, pollutants: Sequence[str] = POLLUTANTS
    ) -> StationDays:
        pollutants = [p for p in pollutants if p in hourly.columns]
        h = hourly.select(
            pl.col("station_code").cast(pl.Utf8),
            pl.col("time"),
            *[to_micro(hourly, p).alias(p) for p in pollutants],
        ).with_columns(
            date=natural_day_expr("time"),
            # hour of the day 1…24 by label (D 24:00 = D+1 00:00)
            hidx=((pl.col("time") - pl.duration(hours=1)).dt.hour().cast(pl.Int32)),
        )
        h = h.sort("station_code", "time")
        dup = h.select(
            ((pl.col("station_code") == pl.col("station_code").shift(1))
             & (pl.col("time") == pl.col("time").shift(1))).fill_null(False).arg_max(),
            ((pl.col("station_code") == pl.col("station_code").shift(1))
             & (pl.col("time") == pl.col("time").shift(1))).fill_null(False).any().alias("any"),
        ).row(0)
        if dup[1]:
            row = h.row(dup[0], named=True)
            raise ValueError(
                f"小时数据重复：站点 {row['station_code']}，时间 {row['time']}（同一站点同一小时只能有一条）"
            )
        new = (
            (pl.col("station_code") != pl.col("station_code").shift(1))
            | (pl.col("date") != pl.col("date").shift(1))
        ).fill_null(True)
        h = h.with_columns(sd=(new.cum_sum() - 1).cast(pl.Int64))
        n_sd = int(h["sd"][-1]) + 1 if h.height else 0
        keys = h.filter(new).select("station_code", "date")
        sd = h["sd"].to_numpy()
        hi = h["hidx"].to_numpy()
        values = {}
        for p in pollutants:
            arr = np.full((n_sd, 24), -1, dtype=np.int64)
            v = h[p].fill_null(-1).to_numpy()
            arr[sd, hi] = v
            values[p] = arr
        return cls(keys, values)

    # ---- daily statistics (numerators over D_STATION; -1 = invalid) -------------------------

    def daily_mean(self, p: str) -> tuple[np.ndarray, np.ndarray]:
        """GB 3095 Table 4: mean of the valid hours of the natural day, valid with ≥ 20 hours."""
        a = self.values[p]
        valid = a >= 0
        n = valid.sum(axis=1)
        s = np.where(valid, a, 0).sum(axis=1)
        ok = n >= gb3095.DAILY_MIN_HOURS
        num = np.where(ok, s * (L_COUNTS // np.maximum(n, 1)), -1)
        return num, n

    def windows8(self, p: str = "o3") -> tuple[np.ndarray, np.ndarray]:
        """The 17 in-day 8-h moving averages ending D 08:00 … D 24:00 (numerators over
        D_STATION, -1 invalid) and their valid-hour counts; a window needs ≥ 6 valid hours."""
        a = self.values[p]
        valid = a >= 0
        cs = np.concatenate([np.zeros((a.shape[0], 1), np.int64), np.cumsum(np.where(valid, a, 0), axis=1)], axis=1)
        cn = np.concatenate([np.zeros((a.shape[0], 1), np.int64), np.cumsum(valid, axis=1)], axis=1)
        s = cs[:, 8:25] - cs[:, 0:17]
        n = cn[:, 8:25] - cn[:, 0:17]
        ok = n >= gb3095.WINDOW_MIN_HOURS
        num = np.where(ok, s * (L_COUNTS // np.maximum(n, 1)), -1)
        return num, n

    def hourly_scaled(self, p: str = "o3") -> np.ndarray:
        """Hourly values as numerators over D_STATION (-1 missing)."""
        a = self.values[p]
        return np.where(a >= 0, a * L_COUNTS, -1)


def _nullable(arr: np.ndarray) -> pl.Series:
    """Int64 series from a numerator array where -1 marks an invalid value (→ null)."""
    s = pl.Series(arr, dtype=pl.Int64)
    return s.set(pl.Series(arr < 0), None) if (arr < 0).any() else s


def _max_stat(
    frame: pl.DataFrame, cols: list[str], den: int, n_min: int, exception_limit: int, name: str
) -> pl.DataFrame:
    """Max over ``cols`` (integer numerators over ``den``), valid when ≥ ``n_min`` are valid or
    the rounded maximum exceeds ``exception_limit`` (HJ 663 §6.1.2; air-evaluation.md §4.2–4.3)."""
    mx = pl.max_horizontal(cols)
    nv = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in cols])
    frame = frame.with_columns(_mx=mx, _nv=nv)
    rounded = exact.round_half_even(pl.col("_mx"), pl.lit(den, dtype=pl.Int128))
    ok = (pl.col("_nv") >= n_min) | ((pl.col("_nv") > 0) & (rounded > exception_limit))
    return frame.with_columns(
        pl.when(ok).then(pl.col("_mx")).alias(name), pl.col("_nv").alias(f"n_{name}")
    ).drop("_mx", "_nv")


def station_daily(
    hourly: pl.DataFrame | StationDays,
    *,
    mda8_exception_limit: int = 160,
    o3_1h_exception_limit: int = 200,
    with_counts: bool = False,
) -> pl.DataFrame:
    """Station daily statistics from hourly data (air-evaluation.md §3, §4).

    Parameters
    ----------
    hourly : polars.DataFrame
        ``station_code``, ``time`` (hour-END label T, naive Beijing Datetime) and any of
        ``so2, no2, co, o3, pm10, pm25`` [µg/m³; CO mg/m³] as float, int, text or RATIONAL.
    mda8_exception_limit : int, default 160
        MDA8 with < 14 valid windows is still valid when its rounded maximum exceeds this
        (HJ 663—2013 §6.1.2; UNCONFIRMED for Grade I).
    o3_1h_exception_limit : int, default 200
        Same for the daily max 1-h O3 with < 20 valid hours (§4.3, UNCONFIRMED).
    with_counts : bool
        Add ``n_<col>`` (valid hours, valid windows).

    Returns
    -------
    polars.DataFrame
        ``station_code, date`` and RATIONAL structs ``so2, no2, co, pm10, pm25`` (daily means,
        ≥ 20 valid hours), ``o3_8h`` (MDA8 over the 17 in-day windows) and ``o3_1h`` (daily max
        1-h O3); null when invalid.
    """
    sd = hourly if isinstance(hourly, StationDays) else StationDays.from_hourly(hourly)
    out = sd.keys
    cols = {}
    for p in MEAN_POLLUTANTS:
        if p in sd.values:
            num, n = sd.daily_mean(p)
            cols[p] = _nullable(num)
            if with_counts:
                cols[f"n_{p}"] = pl.Series(n.astype(np.int32))
    out = out.with_columns(**cols)
    if "o3" in sd.values:
        wnum, _ = sd.windows8("o3")
        hnum = sd.hourly_scaled("o3")
        wcols = [f"_w{j}" for j in range(17)]
        hcols = [f"_h{j}" for j in range(24)]
        tmp = pl.DataFrame(
            {**{c: _nullable(wnum[:, j]) for j, c in enumerate(wcols)},
             **{c: _nullable(hnum[:, j]) for j, c in enumerate(hcols)}}
        ) if len(out) else pl.DataFrame(schema={c: pl.Int64 for c in wcols + hcols})
        tmp = _max_stat(tmp, wcols, D_STATION, gb3095.MDA8_MIN_WINDOWS, mda8_exception_limit, "o3_8h")
        tmp = _max_stat(tmp, hcols, D_STATION, gb3095.O3_1H_MIN_HOURS, o3_1h_exception_limit, "o3_1h")
        keep = ["o3_8h", "o3_1h"] + (["n_o3_8h", "n_o3_1h"] if with_counts else [])
        out = pl.concat([out, tmp.select(keep)], how="horizontal")
    stat_cols = [c for c in ("so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h") if c in out.columns]
    return out.with_columns([as_struct(pl.col(c), D_STATION).alias(c) for c in stat_cols])


# --- city series -----------------------------------------------------------------------------


def select_stations(
    stations: pl.DataFrame,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
) -> pl.DataFrame:
    """Stations that form a city (or county) value (air-evaluation.md §7).

    对照点 (``is_control``) are excluded by default (UNCONFIRMED CNEMC practice). An explicit
    ``station_list`` overrides the registry's choice entirely.

    Returns ``station_code`` and the group column ``by``.
    """
    s = stations.select(pl.col("code").cast(pl.Utf8).alias("station_code"), pl.col(by),
                        pl.col("is_control") if "is_control" in stations.columns else pl.lit(False).alias("is_control"))
    if station_list is not None:
        s = s.filter(pl.col("station_code").is_in([str(c) for c in station_list]))
    elif not include_control:
        s = s.filter(~pl.col("is_control").fill_null(False).cast(pl.Boolean))
    return s.filter(pl.col(by).is_not_null()).select("station_code", by)


def _lcm_of(ks: Sequence[int]) -> int:
    out = 1
    for k in ks:
        if k:
            out = lcm(out, int(k))
    return out


def _group_mean(
    frame: pl.DataFrame, keys: list[str], cols: list[str], min_valid: int, den: int
) -> tuple[pl.DataFrame, int]:
    """Mean of valid integer numerators over ``den`` across the rows of each group.

    Returns numerators over the common denominator ``lcm(k present) · den`` (Int128), null when
    fewer than ``min_valid`` values are valid, and that common denominator.
    """
    g = frame.group_by(keys).agg(
        *[pl.col(c).sum().alias(f"{c}__s") for c in cols],
        *[pl.col(c).is_not_null().sum().cast(pl.Int64).alias(f"{c}__k") for c in cols],
    )
    ks = set()
    for c in cols:
        ks |= set(g[f"{c}__k"].unique().to_list())
    lk = _lcm_of([k for k in ks if k and k >= min_valid])
    out = []
    for c in cols:
        k = pl.col(f"{c}__k")
        factor = pl.lit(lk, dtype=pl.Int128) // pl.when(k > 0).then(k).otherwise(1).cast(pl.Int128)
        out.append(
            pl.when(k >= max(min_valid, 1))
            .then(pl.col(f"{c}__s").cast(pl.Int128) * factor)
            .alias(c)
        )
    return g.select(keys + out + [pl.col(f"{c}__k").alias(f"k_{c}") for c in cols]), lk * den


def city_daily(
    hourly: pl.DataFrame | StationDays,
    stations: pl.DataFrame,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    city_min_valid_stations: int = 1,
    city_o3_method: CityO3Method = "series",
    mda8_exception_limit: int = 160,
    o3_1h_exception_limit: int = 200,
    station_days: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """City (or county) daily series from station hourly data (air-evaluation.md §7).

    * daily means: arithmetic mean of the valid station daily means (each ≥ 20 valid hours);
    * ``city_o3_method="series"`` (default, UNCONFIRMED): the city MDA8 is the maximum of the
      city 8-h series (mean of the valid station 8-h averages at each T) over the 17 in-day
      windows, valid with ≥ 14 valid city windows or a rounded maximum >
      ``mda8_exception_limit``; the city daily max 1-h O3 is the maximum of the city hourly
      series, valid with ≥ 20 city hours or a rounded maximum > 200;
    * ``"station_mean"``: the means of the valid station MDA8 and daily max 1-h O3 (E13);
    * a city value needs ≥ ``city_min_valid_stations`` valid station values (default 1,
      UNCONFIRMED).

    Parameters
    ----------
    hourly : polars.DataFrame or StationDays
        Station hourly frame (see :func:`station_daily`).
    stations : polars.DataFrame
        Registry: ``code, is_control`` and the group column ``by`` (``city_code`` or
        ``county_code``).
    by : str
        Group column: a county value is built like a city value from its stations.
    station_list, include_control
        Station selection (:func:`select_stations`).
    station_days : polars.DataFrame, optional
        Precomputed :func:`station_daily` result (saves a pass when the caller already has it).

    Returns
    -------
    polars.DataFrame
        ``<by>, date``, RATIONAL structs ``so2, no2, co, pm10, pm25, o3_8h, o3_1h`` and
        ``n_stations`` (stations with a valid PM2.5 daily mean).
    """
    if city_o3_method not in ("series", "station_mean"):
        raise ValueError(f"未知的 city_o3_method：{city_o3_method!r}（可选 series、station_mean）")
    sd = hourly if isinstance(hourly, StationDays) else StationDays.from_hourly(hourly)
    sel = select_stations(stations, by=by, station_list=station_list, include_control=include_control)
    if station_days is None:
        station_days = station_daily(
            sd, mda8_exception_limit=mda8_exception_limit, o3_1h_exception_limit=o3_1h_exception_limit
        )
    # integer numerators over D_STATION
    daily = station_days.select(
        "station_code", "date",
        *[exact.num(c).cast(pl.Int64).alias(c) for c in station_days.columns
          if c not in ("station_code", "date") and not c.startswith("n_")],
    ).with_row_index("_sd").join(sel, on="station_code", how="inner")
    mean_cols = [c for c in MEAN_POLLUTANTS if c in daily.columns]
    if city_o3_method == "station_mean":
        mean_cols += [c for c in ("o3_8h", "o3_1h") if c in daily.columns]
    res, den = _group_mean(daily, [by, "date"], mean_cols, city_min_valid_stations, D_STATION)
    res = res.with_columns([as_struct(pl.col(c), den).alias(c) for c in mean_cols])
    if city_o3_method == "series" and "o3" in sd.values:
        idx = daily["_sd"].to_numpy()
        wnum, _ = sd.windows8("o3")
        hnum = sd.hourly_scaled("o3")
        wcols = [f"_w{j}" for j in range(17)]
        hcols = [f"_h{j}" for j in range(24)]
        parts = {c: _nullable(wnum[idx, j]) for j, c in enumerate(wcols)}
        parts |= {c: _nullable(hnum[idx, j]) for j, c in enumerate(hcols)}
        o3 = pl.concat([daily.select(by, "date"), pl.DataFrame(parts)], how="horizontal")
        g, den_o3 = _group_mean(o3, [by, "date"], wcols + hcols, city_min_valid_stations, D_STATION)
        g = _max_stat(g, wcols, den_o3, gb3095.MDA8_MIN_WINDOWS, mda8_exception_limit, "o3_8h")
        g = _max_stat(g, hcols, den_o3, gb3095.O3_1H_MIN_HOURS, o3_1h_exception_limit, "o3_1h")
        g = g.select(by, "date", as_struct(pl.col("o3_8h"), den_o3).alias("o3_8h"),
                     as_struct(pl.col("o3_1h"), den_o3).alias("o3_1h"))
        res = res.join(g, on=[by, "date"], how="left")
    nst = "k_pm25" if "k_pm25" in res.columns else None
    res = res.with_columns(
        (pl.col(nst) if nst else pl.lit(None, dtype=pl.Int64)).alias("n_stations")
    ).drop([c for c in res.columns if c.startswith("k_")])
    order = [by, "date"] + [c for c in ("so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h") if c in res.columns]
    return res.select(order + ["n_stations"]).sort(by, "date")


# --- city hourly values and moving averages --------------------------------------------------


def station_moving_average(
    hourly: pl.DataFrame, pollutant: str, hours: int, *, min_hours: int | None = None
) -> pl.DataFrame:
    """Station ``hours``-h moving average at each label T over the labels T−(hours−1) … T
    (air-evaluation.md §3), valid with ≥ ``min_hours`` (8-h: 6; 24-h: 20, ``moving_24h_min_hours``,
    UNCONFIRMED). Returns ``station_code, time, <pollutant>`` (RATIONAL)."""
    if min_hours is None:
        min_hours = gb3095.WINDOW_MIN_HOURS if hours == 8 else gb3095.DAILY_MIN_HOURS
    h = hourly.select(
        pl.col("station_code").cast(pl.Utf8), "time", to_micro(hourly, pollutant).alias("_v")
    ).sort("station_code", "time")
    w = f"{hours}h"
    h = h.with_columns(
        _s=pl.col("_v").fill_null(0).rolling_sum_by("time", w, closed="right").over("station_code"),
        _n=pl.col("_v").is_not_null().cast(pl.Int64).rolling_sum_by("time", w, closed="right").over("station_code"),
    )
    return h.select(
        "station_code",
        "time",
        pl.when(pl.col("_n") >= min_hours)
        .then(exact.rational(pl.col("_s"), pl.col("_n") * exact.SCALE))
        .alias(pollutant),
    )


def city_hourly(
    station_values: pl.DataFrame,
    stations: pl.DataFrame,
    pollutants: Sequence[str] | None = None,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    city_min_valid_stations: int = 1,
) -> pl.DataFrame:
    """City value at each hour T = mean of the valid station values at T (air-evaluation.md §7).

    Works for hourly values as for station 8-h / 24-h moving averages
    (:func:`station_moving_average`): the city moving average is the mean of the valid station
    moving averages. Input columns may be float/int/text/RATIONAL; output is RATIONAL.
    """
    sel = select_stations(stations, by=by, station_list=station_list, include_control=include_control)
    if pollutants is None:
        pollutants = [c for c in station_values.columns if c in POLLUTANTS]
    f = station_values.with_columns(pl.col("station_code").cast(pl.Utf8)).join(sel, on="station_code")
    f = f.with_columns([exact.as_rational(p, f.schema[p]).alias(p) for p in pollutants])
    aggs = []
    for p in pollutants:
        lk = _lcm_of(f[p].struct.field("den").drop_nulls().unique().to_list())
        numc = exact.num(p) * (pl.lit(lk, dtype=pl.Int128) // exact.den(p))
        k = exact.num(p).is_not_null().sum()
        aggs.append(
            pl.when(k >= max(city_min_valid_stations, 1))
            .then(exact.rational(numc.sum(), k.cast(pl.Int128) * lk))
            .alias(p)
        )
    return f.group_by(by, "time").agg(aggs).sort(by, "time")
