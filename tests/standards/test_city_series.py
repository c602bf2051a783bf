"""Station daily statistics and city series (air-evaluation.md §3, §7; E12, E13)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards import city_series as cs

D = datetime(2023, 7, 1, 1)  # label of hour 01 of 2023-07-01

# E13: station 8-h moving averages by window end T = 08 … 24 (air-evaluation.md §11)
E13_A = [40, 48, 60, 75, 92, 110, 130, 150, 180, 160, 150, 140, 130, 120, 100, 80, 60]
E13_B = [30, 35, 42, 52, 64, 78, 95, 112, 140, 150, 160, 165, 170, 160, 145, 125, 105]


def hours_for_windows(w: list[int]) -> list[int]:
    """24 non-negative hourly values whose 17 in-day 8-h means are exactly ``w``.

    h_j − h_{j−8} = 8 (W_j − W_{j−1}); the first eight hours are chosen so that every hour is
    ≥ 0 and their sum is 8·W_08.
    """
    diffs = {j: 8 * (w[j - 8] - w[j - 9]) for j in range(9, 25)}
    need = []
    for r in range(1, 9):
        acc, low = 0, 0
        for j in range(r + 8, 25, 8):
            acc += diffs[j]
            low = min(low, acc)
        need.append(-low)
    slack = 8 * w[0] - sum(need)
    assert slack >= 0
    first = [n + (slack if i == 0 else 0) for i, n in enumerate(need)]
    h = first + [0] * 16
    for j in range(9, 25):
        h[j - 1] = h[j - 9] + diffs[j]
    assert all(x >= 0 for x in h)
    assert [Fraction(sum(h[j - 8:j]), 8) for j in range(8, 25)] == w
    return h


def hourly(station_values: dict[str, list], col: str = "o3", start: datetime = D) -> pl.DataFrame:
    frames = []
    for code, vals in station_values.items():
        t = [start + timedelta(hours=i) for i in range(len(vals))]
        frames.append(pl.DataFrame({"station_code": code, "time": t, col: vals},
                                   schema_overrides={col: pl.Float64}))
    return pl.concat(frames)


REG = pl.DataFrame({
    "code": ["A", "B", "C"],
    "name": ["站A", "站B", "对照点"],
    "city_code": ["140200"] * 3,
    "county_code": ["140202", "140203", "140203"],
    "county_name": ["平城区", "云冈区", "云冈区"],
    "is_control": [False, False, True],
})


def test_e12_exact_mean_co():
    co = ["1.5", "1.5", "1.5", "1.3", "1.3", "1.4", "1.7", "2.0", "2.3", "2.4", "2.2", "2.0", "1.7", "1.6",
          "1.6", "1.5", "1.8", "2.0", "2.2", "2.4", "2.5", "2.2", "2.1", "1.7"]
    h = pl.DataFrame({"station_code": "A", "time": [D + timedelta(hours=i) for i in range(24)], "co": co})
    r = cs.station_daily(h)
    m = exact.to_fraction(r["co"][0])
    assert m == Fraction(37, 20)
    assert exact.fraction_to_str(m, 1) == "1.8"
    # float input gives the same exact value (never 1.8500000000000003)
    hf = h.with_columns(pl.col("co").cast(pl.Float64))
    assert exact.to_fraction(cs.station_daily(hf)["co"][0]) == Fraction(37, 20)


def test_e13_city_mda8_series_and_station_mean():
    h = hourly({"A": hours_for_windows(E13_A), "B": hours_for_windows(E13_B)})
    s = cs.city_daily(h, REG)
    assert exact.to_fraction(s["o3_8h"][0]) == 160
    s = cs.city_daily(h, REG, city_o3_method="station_mean")
    assert exact.to_fraction(s["o3_8h"][0]) == 175
    with pytest.raises(ValueError):
        cs.city_daily(h, REG, city_o3_method="median")


def test_city_daily_mean_is_mean_of_station_means():
    a = [10.0] * 24
    b = [20.0] * 20 + [None] * 4  # 20 hours: valid, mean 20
    c = [1000.0] * 24  # control site: excluded by default
    h = hourly({"A": a, "B": b, "C": c}, col="pm25")
    r = cs.city_daily(h, REG)
    assert exact.to_fraction(r["pm25"][0]) == 15
    assert r["n_stations"][0] == 2
    r = cs.city_daily(h, REG, include_control=True)
    assert exact.to_fraction(r["pm25"][0]) == Fraction(1030, 3)
    r = cs.city_daily(h, REG, station_list=["A", "C"])
    assert exact.to_fraction(r["pm25"][0]) == 505
    # B with 19 hours is invalid; city = A alone; with a minimum of 2 stations → null
    h2 = hourly({"A": a, "B": [20.0] * 19 + [None] * 5}, col="pm25")
    assert exact.to_fraction(cs.city_daily(h2, REG)["pm25"][0]) == 10
    assert cs.city_daily(h2, REG, city_min_valid_stations=2)["pm25"][0] is None


def test_county_series_groups_by_county():
    h = hourly({"A": [10.0] * 24, "B": [30.0] * 24, "C": [50.0] * 24}, col="pm25")
    r = cs.city_daily(h, REG, by="county_code", include_control=True)
    got = {k: exact.to_fraction(v) for k, v in zip(r["county_code"], r["pm25"])}
    assert got == {"140202": 10, "140203": 40}


KINDS = pl.DataFrame({
    "code": ["N1", "N2", "L1", "S1", "K1", "U1"],
    "city_code": ["140200"] * 6,
    "county_code": ["140202", "140202", "140221", "140222", "140221", "140222"],
    "is_control": [False, False, False, False, True, False],
    "kind": ["national", "national", "local", "synthetic", "national", None],
})


def test_select_stations_by_registry_kind():
    # air-evaluation.md §7: a city value uses the national-network stations only (对照点 out)
    city = cs.select_stations(KINDS)
    assert sorted(city["station_code"]) == ["N1", "N2"]
    # county (project choice): every evaluation station of the county — national, local,
    # synthetic — still without 对照点; an unknown (null) kind is not an evaluation kind
    county = cs.select_stations(KINDS, by="county_code")
    assert sorted(county["station_code"]) == ["L1", "N1", "N2", "S1"]
    assert sorted(cs.select_stations(KINDS, kinds="all")["station_code"]) == ["L1", "N1", "N2", "S1", "U1"]
    assert sorted(cs.select_stations(KINDS, kinds=("local",))["station_code"]) == ["L1"]
    # a registry without a kind column is taken as it is
    assert sorted(cs.select_stations(KINDS.drop("kind"))["station_code"]) == ["L1", "N1", "N2", "S1", "U1"]
    # an explicit station list overrides the registry's choice
    assert sorted(cs.select_stations(KINDS, station_list=["L1", "K1"])["station_code"]) == ["K1", "L1"]
    with pytest.raises(ValueError, match="kinds"):
        cs.select_stations(KINDS, kinds="national")


def test_city_value_from_national_stations_county_from_all():
    h = hourly({"N1": [10.0] * 24, "N2": [30.0] * 24, "L1": [100.0] * 24, "S1": [60.0] * 24,
                "K1": [900.0] * 24}, col="pm25")
    city = cs.city_daily(h, KINDS)
    assert exact.to_fraction(city["pm25"][0]) == 20 and city["n_stations"][0] == 2
    county = cs.city_daily(h, KINDS, by="county_code")
    got = {k: exact.to_fraction(v) for k, v in zip(county["county_code"], county["pm25"])}
    assert got == {"140202": 20, "140221": 100, "140222": 60}
    hr = cs.city_hourly(h, KINDS, ["pm25"])
    assert exact.to_fraction(hr["pm25"][0]) == 20


def test_city_mda8_mixed_station_counts_exact():
    # three stations, one with only 5 valid hours in the morning: the city 8-h series mixes
    # means over 2 and 3 stations; maxima compare exactly
    base = [100.0] * 24
    odd = [None] * 19 + [101.0, 101.0, 101.0, 101.0, 102.0]
    reg = REG.with_columns(pl.lit(False).alias("is_control"))
    h = hourly({"A": base, "B": base, "C": odd})
    r = cs.city_daily(h, reg)
    # station C has no valid window (5 hours) → city = mean of A and B = 100
    assert exact.to_fraction(r["o3_8h"][0]) == 100
    odd2 = [None] * 17 + [101.0] * 6 + [102.0]
    h = hourly({"A": base, "B": base, "C": odd2})
    r = cs.city_daily(h, reg)
    # last window: C mean over its 7 hours = (6·101 + 102)/7 = 708/7; city = (200 + 708/7)/3
    assert exact.to_fraction(r["o3_8h"][0]) == (200 + Fraction(708, 7)) / 3
    assert exact.to_fraction(r["o3_1h"][0]) == Fraction(302, 3)


def test_city_o3_1h_series_vs_station_mean():
    a = [50.0] * 24
    a[13] = 150.0
    b = [50.0] * 24
    b[15] = 170.0
    h = hourly({"A": a, "B": b})
    assert exact.to_fraction(cs.city_daily(h, REG)["o3_1h"][0]) == 110
    assert exact.to_fraction(cs.city_daily(h, REG, city_o3_method="station_mean")["o3_1h"][0]) == 160


def test_moving_averages_and_city_hourly():
    vals = [float(i) for i in range(1, 31)]
    h = hourly({"A": vals, "B": [v + 10 for v in vals]}, col="o3")
    m8 = cs.station_moving_average(h, "o3", 8)
    a = m8.filter(pl.col("station_code") == "A").sort("time")
    # label T = D 08:00 (8th row) averages labels 01…08 = 1…8 → 4.5; 5 hours → invalid
    assert exact.to_fraction(a["o3"][7]) == Fraction(9, 2)
    assert a["o3"][4] is None
    assert exact.to_fraction(a["o3"][5]) == Fraction(21, 6)
    city = cs.city_hourly(m8, REG, ["o3"])
    assert exact.to_fraction(city.sort("time")["o3"][7]) == Fraction(19, 2)
    m24 = cs.station_moving_average(h, "o3", 24)
    a24 = m24.filter(pl.col("station_code") == "A").sort("time")
    assert a24["o3"][18] is None  # 19 hours
    assert exact.to_fraction(a24["o3"][19]) == Fraction(21, 2)
    assert exact.to_fraction(a24["o3"][29]) == Fraction(sum(range(7, 31)), 24)
    ch = cs.city_hourly(h, REG, ["o3"])
    assert exact.to_fraction(ch.sort("time")["o3"][0]) == 6


def test_duplicate_hours_rejected_with_message():
    h = hourly({"A": [1.0, 2.0]})
    h = pl.concat([h, h.head(1)])
    with pytest.raises(ValueError, match="重复"):
        cs.station_daily(h)


def test_negative_and_text_values_are_missing():
    h = pl.DataFrame({"station_code": "A", "time": [D + timedelta(hours=i) for i in range(24)],
                      "pm25": ["-1", "abc"] + ["10"] * 22})
    r = cs.station_daily(h, with_counts=True)
    assert r["n_pm25"][0] == 22 and exact.to_fraction(r["pm25"][0]) == 10
    assert r["date"][0] == date(2023, 7, 1)


def test_rational_struct_input():
    vals = [{"num": 37, "den": 20}] * 24
    h = pl.DataFrame({"station_code": "A", "time": [D + timedelta(hours=i) for i in range(24)], "co": vals},
                     schema_overrides={"co": exact.RATIONAL})
    assert exact.to_fraction(cs.station_daily(h)["co"][0]) == Fraction(37, 20)


def test_e13_city_iaqi_both_methods():
    # air-evaluation.md E13: 2012 O3 8-h IAQI 100 with "series", 113.64 → 114 with "station_mean"
    from qingshan.standards import hj633

    h = hourly({"A": hours_for_windows(E13_A), "B": hours_for_windows(E13_B)})
    for method, want in (("series", 100), ("station_mean", 114)):
        days = cs.city_daily(h, REG, city_o3_method=method).select("city_code", "date", "o3_8h")
        out = hj633.daily_aqi(days, edition="2012")
        assert out["iaqi_o3_8h"][0] == want


def test_missing_rows_and_row_order_do_not_matter():
    # the same data as complete grid, with rows dropped instead of nulls, and shuffled
    full = hourly({"A": E13_A + [None] * 7, "B": [float(x) for x in range(24)]}, col="pm25")
    sparse = full.filter(pl.col("pm25").is_not_null()).sample(fraction=1.0, shuffle=True, seed=3)
    a = cs.station_daily(full, with_counts=True).sort("station_code", "date")
    b = cs.station_daily(sparse, with_counts=True).sort("station_code", "date")
    assert a.equals(b)
    assert a["n_pm25"].to_list() == [17, 24]
    assert a["pm25"][0] is None  # 17 hours
    assert exact.to_fraction(a["pm25"][1]) == Fraction(23, 2)


def test_exact_max_cross_multiplication_and_big_integers():
    import numpy as np

    # 1/3 < 2/5 < 3/7 … exact comparison, invalid columns skipped
    S = np.array([[1, 2, 3, 100]], dtype=np.int64)
    K = np.array([[3, 5, 7, 1]], dtype=np.int64)
    valid = np.array([[True, True, True, False]])
    bs, bk = cs._exact_max(S, K, valid)
    assert (int(bs[0]), int(bk[0])) == (3, 7)
    # beyond int64 products the Python-integer path gives the same exact answer
    big = 2**61
    S = np.array([[big, big + 1]], dtype=np.int64)
    K = np.array([[3, 3]], dtype=np.int64)
    bs, bk = cs._exact_max(S, K, np.array([[True, True]]))
    assert (int(bs[0]), int(bk[0])) == (big + 1, 3)


def test_real_cnemc_hour_datong_city_value(cnemc_dir):
    # real CNEMC release 2022-01-02T09: Datong's city PM2.5 and PM2.5 24-h value from its
    # stations, 对照点 (果树场) excluded, 大庆市's "大同区" station not mixed in
    raw = pl.read_csv(cnemc_dir / "2022-01-02T09.csv", infer_schema=False)
    reg = raw.select(
        pl.col("stationcode").alias("code"), pl.col("positionname").alias("name"),
        pl.col("area").alias("city_code"),
        pl.col("positionname").str.contains("对照点").alias("is_control"),
    )
    dt = raw.filter(pl.col("area") == "大同市")
    assert dt.height == 10 and dt["positionname"].str.contains("对照点").sum() == 1
    hourly = raw.select(
        pl.col("stationcode").alias("station_code"),
        pl.col("timepoint").str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("time"),
        pl.col("pm2_5").alias("pm25"),
    )
    city = cs.city_hourly(hourly, reg, ["pm25"]).filter(pl.col("city_code") == "大同市")
    texts = dt.filter(~pl.col("positionname").str.contains("对照点"))["pm2_5"].drop_nulls().to_list()
    want = sum(Fraction(t) for t in texts) / len(texts)
    assert len(texts) == 9
    assert exact.to_fraction(city["pm25"][0]) == want
    # the published station 24-h moving averages give the city 24-h value the same way (§7)
    m24 = raw.select(pl.col("stationcode").alias("station_code"),
                     pl.col("timepoint").str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("time"),
                     pl.col("pm2_5_24h").alias("pm25"))
    city24 = cs.city_hourly(m24, reg, ["pm25"]).filter(pl.col("city_code") == "大同市")
    t24 = dt.filter(~pl.col("positionname").str.contains("对照点"))["pm2_5_24h"].drop_nulls().to_list()
    assert exact.to_fraction(city24["pm25"][0]) == sum(Fraction(t) for t in t24) / len(t24)


def test_timezone_aware_labels_are_beijing_time():
    naive = hourly({"A": [10.0] * 24}, col="pm25")
    aware = naive.with_columns(
        pl.col("time").dt.replace_time_zone("Asia/Shanghai").dt.convert_time_zone("UTC"))
    assert cs.station_daily(aware).equals(cs.station_daily(naive))
