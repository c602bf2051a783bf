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
from fractions import Fraction
from math import lcm
from typing import Literal

import numpy as np
import polars as pl

from qingshan import exact
from qingshan.standards import gb3095

POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm25")
MEAN_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "co", "pm10", "pm25")
#: lcm of every admissible count of a daily mean (20…24) and of an 8-h window (6…8)
L_COUNTS = 212520
D_STATION = L_COUNTS * exact.SCALE

CityO3Method = Literal["series", "station_mean"]

#: registry ``kind`` values (qingshan.store.registry): ``national`` = the CNEMC national network,
#: ``local`` = the bureau's own stations, ``synthetic`` = the demo's labelled county stations
CITY_KINDS: tuple[str, ...] = ("national",)
COUNTY_KINDS: tuple[str, ...] = ("national", "local", "synthetic")


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


# --- station day matrices --------------------------------------------------------------------


class StationDays:
    """Hourly data of stations laid out as (station-day × 24 hour) integer matrices.

    Row r is one station-day that has at least one hourly row: ``station_idx[r]`` indexes
    ``codes`` and ``day[r]`` is the natural day (days since 1970-01-01). ``values[p]`` is an
    Int64 matrix of micro-units with -1 for a missing hour; column h−1 is the hour labelled
    D h:00 (h = 24 is D+1 00:00). Daily statistics are computed once and cached.
    """

    def __init__(self, codes: list[str], station_idx: np.ndarray, day: np.ndarray, values: dict[str, np.ndarray]):
        self.codes = codes
        self.station_idx = station_idx
        self.day = day
        self.values = values
        self._cache: dict = {}

    def __len__(self) -> int:
        return len(self.day)

    @property
    def keys(self) -> pl.DataFrame:
        return pl.DataFrame({
            "station_code": pl.Series(self.codes, dtype=pl.Utf8).gather(self.station_idx) if len(self.codes)
            else pl.Series([], dtype=pl.Utf8),
            "date": pl.Series(self.day.astype(np.int32)).cast(pl.Date),
        })

    @classmethod
    def from_hourly(
        cls, hourly: pl.DataFrame, pollutants: Sequence[str] = POLLUTANTS
    ) -> StationDays:
        pollutants = [p for p in pollutants if p in hourly.columns]
        if hourly.height == 0:
            return cls([], np.zeros(0, np.int64), np.zeros(0, np.int64),
                       {p: np.zeros((0, 24), np.int64) for p in pollutants})
        if hourly["station_code"].null_count():
            raise ValueError("小时数据缺少站点编码（station_code 为空）")
        # natural day and hour index of the label T by integer arithmetic on T − 1 h (§3)
        t = pl.col("time")
        tz = getattr(hourly.schema["time"], "time_zone", None)
        if tz is not None:  # an aware label: Beijing wall-clock time (air-evaluation.md §3)
            t = t.dt.convert_time_zone("Asia/Shanghai").dt.replace_time_zone(None)
        secs = hourly.select(t.dt.epoch("s")).to_series().to_numpy() - 3600
        day = secs // 86400
        hi = (secs % 86400) // 3600  # 0 … 23 ↔ labels D 01:00 … D 24:00
        del secs
        sc = hourly["station_code"].cast(pl.Utf8)
        # station index per row: by runs when the rows come grouped by station (the usual case),
        # else by a hash lookup
        starts = np.flatnonzero(
            pl.select((sc != sc.shift(1)).fill_null(True)).to_series().to_numpy()
        )
        if len(starts) <= 200_000:
            run_codes = sc.gather(starts).to_list()
            codes = sorted(set(run_codes))
            ci = {c: i for i, c in enumerate(codes)}
            lengths = np.diff(np.r_[starts, len(sc)])
            sidx = np.repeat(np.array([ci[c] for c in run_codes], dtype=np.int64), lengths)
        else:
            codes = sorted(sc.unique().to_list())
            sidx = sc.replace_strict(codes, list(range(len(codes))), return_dtype=pl.Int64).to_numpy()
        del sc
        day0 = int(day.min())
        nd = int(day.max()) - day0 + 1
        flat = sidx * nd + (day - day0)
        del sidx, day
        cell = flat * 24 + hi
        grid = len(codes) * nd
        if len(cell) == grid * 24 and (cell == np.arange(len(cell))).all():
            # complete hourly grid in station-major order: every matrix is a reshape
            del cell, flat
            values = {
                p: hourly.select(to_micro(hourly, p).fill_null(-1)).to_series().to_numpy().reshape(grid, 24)
                for p in pollutants
            }
            present = np.arange(grid)
            return cls(codes, present // nd, present % nd + day0, values)
        if grid * 24 <= 4 * len(cell) + 10_000_000:
            dup = np.bincount(cell, minlength=grid * 24)[cell] > 1
            present = np.flatnonzero(np.bincount(flat, minlength=grid))
            row_of = np.full(grid, -1, dtype=np.int64)
            row_of[present] = np.arange(len(present))
            sd = row_of[flat]
            del row_of
        else:  # sparse over a long span: sort instead of a dense grid
            _, first, cnt = np.unique(cell, return_index=True, return_counts=True)
            dup = np.zeros(len(cell), bool)
            dup[first[cnt > 1]] = True
            present, sd = np.unique(flat, return_inverse=True)
        del cell, flat
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            row = hourly.row(i, named=True)
            raise ValueError(
                f"小时数据重复：站点 {row['station_code']}，时间 {row['time']}（同一站点同一小时只能有一条）"
            )
        del dup
        values = {}
        for p in pollutants:  # one column at a time keeps the peak memory low
            arr = np.full((len(present), 24), -1, dtype=np.int64)
            arr[sd, hi] = hourly.select(to_micro(hourly, p).fill_null(-1)).to_series().to_numpy()
            values[p] = arr
        return cls(codes, present // nd, present % nd + day0, values)

    # ---- daily statistics (numerators over D_STATION; -1 = invalid) -------------------------

    def daily_mean(self, p: str) -> tuple[np.ndarray, np.ndarray]:
        """GB 3095 Table 4: mean of the valid hours of the natural day, valid with ≥ 20 hours."""
        key = ("mean", p)
        if key not in self._cache:
            a = self.values[p]
            n = (a >= 0).sum(axis=1)
            s = a.sum(axis=1) + (24 - n)  # a missing hour is -1: add the missing count back
            ok = n >= gb3095.DAILY_MIN_HOURS
            # n ∈ 20…24 divides L_COUNTS: the mean is an integer numerator over D_STATION
            self._cache[key] = (np.where(ok, s * (L_COUNTS // np.maximum(n, 1)), -1), n)
        return self._cache[key]

    def windows8(self, p: str = "o3") -> tuple[np.ndarray, np.ndarray]:
        """The 17 in-day 8-h moving averages ending D 08:00 … D 24:00 (numerators over
        D_STATION, -1 invalid) and their valid-hour counts; a window needs ≥ 6 valid hours."""
        key = ("w8", p)
        if key not in self._cache:
            a = self.values[p]
            z = np.zeros((a.shape[0], 1), np.int64)
            cs = np.concatenate([z, np.cumsum(a, axis=1)], axis=1)
            cn = np.concatenate([z, np.cumsum(a >= 0, axis=1, dtype=np.int64)], axis=1)
            n = cn[:, 8:25] - cn[:, 0:17]
            s = cs[:, 8:25] - cs[:, 0:17] + (8 - n)  # missing hours are -1
            ok = n >= gb3095.WINDOW_MIN_HOURS
            self._cache[key] = (np.where(ok, s * (L_COUNTS // np.maximum(n, 1)), -1), n)
        return self._cache[key]

    def daily_max(self, kind: str, exception_limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Station MDA8 (``kind="o3_8h"``: 17 windows, ≥ 14 valid) or daily max 1-h O3
        (``"o3_1h"``: 24 hours, ≥ 20 valid), with the rounded-maximum exception (§4.2–4.3)."""
        key = ("max", kind, exception_limit)
        if key not in self._cache:
            if kind == "o3_8h":
                a, _ = self.windows8("o3")
                need = gb3095.MDA8_MIN_WINDOWS
            else:
                a = self.values["o3"]
                need = gb3095.O3_1H_MIN_HOURS
            mx = a.max(axis=1) if a.shape[1] else np.zeros(0, np.int64)
            nv = (a >= 0).sum(axis=1)
            if kind != "o3_8h":
                mx = np.where(mx >= 0, mx * L_COUNTS, -1)
            ok = (nv >= need) | ((nv > 0) & _rounded_exceeds(mx, np.full(len(mx), 1), D_STATION, exception_limit))
            self._cache[key] = (np.where(ok, mx, -1), nv)
        return self._cache[key]


def _rounded_exceeds(num: np.ndarray, k: np.ndarray, den: int, limit: int | Fraction) -> np.ndarray:
    """``round_half_even(num / (k·den)) > limit`` (GB/T 8170, :func:`qingshan.exact.round_half_even`)."""
    if len(num) == 0:
        return np.zeros(0, bool)
    f = pl.DataFrame({"n": pl.Series(num).cast(pl.Int128), "k": pl.Series(k).cast(pl.Int128)})
    f = f.select("n", d=pl.col("k") * pl.lit(den, dtype=pl.Int128))
    floor_limit = Fraction(limit).__floor__()
    r = f.select((pl.col("n") >= 0) & (exact.round_half_even(pl.col("n"), pl.col("d")) > floor_limit)).to_series()
    return r.to_numpy()


def _struct_series(num: np.ndarray, den: np.ndarray | int, valid: np.ndarray) -> pl.Series:
    """RATIONAL struct series from numerator / denominator arrays; invalid rows null."""
    n = pl.Series("num", num).cast(pl.Int128)
    d = (pl.Series("den", den).cast(pl.Int128) if isinstance(den, np.ndarray)
         else pl.repeat(den, len(num), dtype=pl.Int128, eager=True).alias("den"))
    return pl.DataFrame([n, d]).select(
        pl.when(pl.Series(valid)).then(pl.struct("num", "den")).alias("v")
    ).to_series()


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
    hourly : polars.DataFrame or StationDays
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
    cols: dict[str, pl.Series] = {}
    for p in MEAN_POLLUTANTS:
        if p in sd.values:
            num, n = sd.daily_mean(p)
            cols[p] = _struct_series(num, D_STATION, num >= 0)
            if with_counts:
                cols[f"n_{p}"] = pl.Series(n.astype(np.int32))
    if "o3" in sd.values:
        for kind, lim in (("o3_8h", mda8_exception_limit), ("o3_1h", o3_1h_exception_limit)):
            num, n = sd.daily_max(kind, lim)
            cols[kind] = _struct_series(num, D_STATION, num >= 0)
            if with_counts:
                cols[f"n_{kind}"] = pl.Series(n.astype(np.int32))
    out = sd.keys.with_columns(**cols) if cols else sd.keys
    order = ["station_code", "date"] + [c for c in ("so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h") if c in out.columns]
    return out.select(order + [c for c in out.columns if c.startswith("n_")])


# --- city series -----------------------------------------------------------------------------


def default_kinds(by: str) -> tuple[str, ...]:
    """Registry kinds that form a value grouped by ``by`` (air-evaluation.md §7).

    A **city** value (``by="city_code"``, and any other grouping) uses the national-network
    evaluation stations only (§7; the 2018 ranking rule). A **county** value
    (``by="county_code"``) uses every evaluation station located in the county — national,
    local and synthetic: counties such as those of 大同市 have no national station, and a
    county ranking needs the county stations. This county choice is the project's, not a spec
    rule (§7 defines only the city value).
    """
    return COUNTY_KINDS if by == "county_code" else CITY_KINDS


def select_stations(
    stations: pl.DataFrame,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    kinds: Sequence[str] | Literal["all"] | None = None,
) -> pl.DataFrame:
    """Stations that form a city (or county) value (air-evaluation.md §7).

    对照点 (``is_control``) are excluded by default (UNCONFIRMED CNEMC practice). The registry
    ``kind`` decides the network: ``kinds=None`` (default) → :func:`default_kinds` of ``by``
    (city: ``("national",)``; county: national, local and synthetic); ``"all"`` → no kind
    filter; or an explicit tuple. A station whose ``kind`` is null is not of a listed kind. A
    frame without a ``kind`` column is taken as it is (no kind filter), so registries that do
    not record the network keep working. An explicit ``station_list`` overrides the registry's
    choice entirely (kind and 对照点 alike), §7 "an explicit configuration per city and date".

    Returns ``station_code`` and the group column ``by``.
    """
    s = stations.select(pl.col("code").cast(pl.Utf8).alias("station_code"), pl.col(by),
                        pl.col("is_control") if "is_control" in stations.columns else pl.lit(False).alias("is_control"),
                        pl.col("kind").cast(pl.Utf8) if "kind" in stations.columns else pl.lit(None, pl.Utf8).alias("kind"))
    if station_list is not None:
        s = s.filter(pl.col("station_code").is_in([str(c) for c in station_list]))
    else:
        if not include_control:
            s = s.filter(~pl.col("is_control").fill_null(False).cast(pl.Boolean))
        if "kind" in stations.columns and not (isinstance(kinds, str) and kinds == "all"):
            if isinstance(kinds, str):
                raise ValueError(f"kinds 应为站点类型列表或 \"all\"，收到 {kinds!r}")
            want = default_kinds(by) if kinds is None else tuple(str(k) for k in kinds)
            s = s.filter(pl.col("kind").is_in(list(want)).fill_null(False))
    return s.filter(pl.col(by).is_not_null()).select("station_code", by)


def _lcm_of(ks: Sequence[int]) -> int:
    out = 1
    for k in ks:
        if k:
            out = lcm(out, int(k))
    return out


def _exact_max(S: np.ndarray, K: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise exact maximum of S/K over the valid columns: returns (S*, K*), S* = -1 if none.

    Fractions are compared by cross-multiplication; int64 suffices while max(S)·max(K) < 2⁶²,
    otherwise Python integers are used (object arrays)."""
    if S.size and int(S.max()) * int(max(K.max(), 1)) >= 2**62:
        S, K = S.astype(object), K.astype(object)
    bs = np.full(S.shape[0], -1, dtype=S.dtype)
    bk = np.ones(S.shape[0], dtype=K.dtype)
    for j in range(S.shape[1]):
        v = valid[:, j]
        better = v & ((bs < 0) | (S[:, j] * bk > bs * K[:, j]))
        bs = np.where(better, S[:, j], bs)
        bk = np.where(better, K[:, j], bk)
    return bs, bk


def city_daily(
    hourly: pl.DataFrame | StationDays,
    stations: pl.DataFrame,
    *,
    by: str = "city_code",
    station_list: Sequence[str] | None = None,
    include_control: bool = False,
    kinds: Sequence[str] | Literal["all"] | None = None,
    city_min_valid_stations: int = 1,
    city_o3_method: CityO3Method = "series",
    mda8_exception_limit: int = 160,
    o3_1h_exception_limit: int = 200,
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

    A city value over k stations is the exact rational ``Σ / (k · D_STATION)``; denominators
    differ from row to row (RATIONAL structs carry them).

    Parameters
    ----------
    hourly : polars.DataFrame or StationDays
        Station hourly frame (see :func:`station_daily`).
    stations : polars.DataFrame
        Registry: ``code, is_control`` and the group column ``by`` (``city_code`` or
        ``county_code``).
    by : str
        Group column: a county value is built like a city value from its stations.
    station_list, include_control, kinds
        Station selection (:func:`select_stations`): by default a city value uses the
        national stations only when the registry has a ``kind`` column; a county value all
        of its evaluation stations (national, local, synthetic); 对照点 excluded.

    Returns
    -------
    polars.DataFrame
        ``<by>, date``, RATIONAL structs ``so2, no2, co, pm10, pm25, o3_8h, o3_1h`` and
        ``n_stations`` (stations with a valid PM2.5 daily mean).
    """
    if city_o3_method not in ("series", "station_mean"):
        raise ValueError(f"未知的 city_o3_method：{city_o3_method!r}（可选 series、station_mean）")
    sd = hourly if isinstance(hourly, StationDays) else StationDays.from_hourly(hourly)
    sel = select_stations(stations, by=by, station_list=station_list, include_control=include_control, kinds=kinds)
    groups = sorted(sel[by].cast(pl.Utf8).unique().to_list())
    gi = {g: i for i, g in enumerate(groups)}
    st_group = dict(zip(sel["station_code"].to_list(), sel[by].cast(pl.Utf8).to_list(), strict=True))
    g_of_station = np.array([gi.get(st_group.get(c), -1) if c in st_group else -1 for c in sd.codes]
                            + [-1], dtype=np.int64)
    g_row = g_of_station[sd.station_idx] if len(sd) else np.zeros(0, np.int64)
    rows = np.flatnonzero(g_row >= 0)
    schema_cols = [c for c in ("so2", "no2", "co", "pm10", "pm25") if c in sd.values]
    if "o3" in sd.values:
        schema_cols += ["o3_8h", "o3_1h"]
    if len(rows) == 0:
        return pl.DataFrame(schema={by: pl.Utf8, "date": pl.Date, **{c: exact.RATIONAL for c in schema_cols},
                                    "n_stations": pl.Int64})
    day0 = int(sd.day.min())
    nd = int(sd.day.max()) - day0 + 1
    key = g_row[rows] * nd + (sd.day[rows] - day0)
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ukey = key[starts]
    min_k = max(int(city_min_valid_stations), 1)

    def gsum(a: np.ndarray) -> np.ndarray:
        return np.add.reduceat(a[rows], starts, axis=0)

    cols: dict[str, pl.Series] = {}

    def mean_of(num: np.ndarray) -> tuple[pl.Series, np.ndarray]:
        valid = num >= 0
        S = gsum(np.where(valid, num, 0))
        K = gsum(valid.astype(np.int64))
        ok = K >= min_k
        return _struct_series(S, np.maximum(K, 1) * D_STATION, ok), K

    for p in ("so2", "no2", "co", "pm10", "pm25"):
        if p in sd.values:
            cols[p], K = mean_of(sd.daily_mean(p)[0])
            if p == "pm25":
                cols["n_stations"] = pl.Series(K, dtype=pl.Int64)
    if "o3" in sd.values:
        if city_o3_method == "station_mean":
            for kind, lim in (("o3_8h", mda8_exception_limit), ("o3_1h", o3_1h_exception_limit)):
                cols[kind], _ = mean_of(sd.daily_max(kind, lim)[0])
        else:
            for kind, a, scale, need, lim in (
                ("o3_8h", sd.windows8("o3")[0], 1, gb3095.MDA8_MIN_WINDOWS, mda8_exception_limit),
                # hourly micro-units; scaled to D_STATION after the sums
                ("o3_1h", sd.values["o3"], L_COUNTS, gb3095.O3_1H_MIN_HOURS, o3_1h_exception_limit),
            ):
                valid = a >= 0
                S = gsum(np.where(valid, a, 0)) * scale
                K = gsum(valid.astype(np.int64))
                city_valid = K >= min_k  # a city value at T needs ≥ min_k valid stations
                bs, bk = _exact_max(S, K, city_valid)
                nv = city_valid.sum(axis=1)
                exceeds = _rounded_exceeds_obj(bs, bk, lim)
                ok = (nv >= need) | ((nv > 0) & exceeds)
                num = np.where(ok, bs, 0)
                cols[kind] = _struct_series_obj(num, bk, ok)
    out = pl.DataFrame({
        by: pl.Series(groups, dtype=pl.Utf8).gather(ukey // nd),
        "date": pl.Series((ukey % nd + day0).astype(np.int32)).cast(pl.Date),
    }).with_columns(**cols)
    if "n_stations" not in out.columns:
        out = out.with_columns(n_stations=pl.lit(None, dtype=pl.Int64))
    order_cols = [by, "date"] + [c for c in ("so2", "no2", "co", "pm10", "pm25", "o3_8h", "o3_1h") if c in out.columns]
    return out.select(order_cols + ["n_stations"]).sort(by, "date")


def _rounded_exceeds_obj(num: np.ndarray, k: np.ndarray, limit: int) -> np.ndarray:
    if num.dtype == object:
        floor_limit = Fraction(limit).__floor__()
        return np.array([n >= 0 and round(Fraction(int(n), int(kk) * D_STATION)) > floor_limit
                         for n, kk in zip(num, k, strict=True)], dtype=bool)
    return _rounded_exceeds(num, k, D_STATION, limit)


def _struct_series_obj(num: np.ndarray, k: np.ndarray, valid: np.ndarray) -> pl.Series:
    if num.dtype == object:
        n = pl.Series("num", [int(x) for x in num], dtype=pl.Int128)
        d = pl.Series("den", [int(x) * D_STATION for x in k], dtype=pl.Int128)
        return pl.DataFrame([n, d]).select(pl.when(pl.Series(valid)).then(pl.struct("num", "den")).alias("v")).to_series()
    return _struct_series(num, k.astype(np.int64) * D_STATION, valid)


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
    kinds: Sequence[str] | Literal["all"] | None = None,
) -> pl.DataFrame:
    """City value at each hour T = mean of the valid station values at T (air-evaluation.md §7).

    Works for hourly values as for station 8-h / 24-h moving averages
    (:func:`station_moving_average`): the city moving average is the mean of the valid station
    moving averages. Input columns may be float/int/text/RATIONAL; output is RATIONAL.
    """
    sel = select_stations(stations, by=by, station_list=station_list, include_control=include_control, kinds=kinds)
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
