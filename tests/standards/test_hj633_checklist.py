"""air-aqi.md §15 checklist and a Fraction reference implementation checked with hypothesis.

Reference values come from the spec (§2 machine form, §12 deltas, §3 formula), typed in here
independently of qingshan.standards.hj633_tables.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan import exact
from qingshan.ingest.cnemc_format import read_cnemc
from qingshan.standards.hj633 import daily_aqi, iaqi, realtime_aqi

NODES = [0, 50, 100, 150, 200, 300, 400, 500]
SPEC_2012 = {
    "SO2_24H": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "SO2_1H": [0, 150, 500, 650, 800],
    "NO2_24H": [0, 40, 80, 180, 280, 565, 750, 940],
    "NO2_1H": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "PM10_24H": [0, 50, 150, 250, 350, 420, 500, 600],
    "CO_24H": [0, 2, 4, 14, 24, 36, 48, 60],
    "CO_1H": [0, 5, 10, 35, 60, 90, 120, 150],
    "O3_1H": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "O3_8H": [0, 100, 160, 215, 265, 800],
    "PM25_24H": [0, 35, 75, 115, 150, 250, 350, 500],
}
SPEC = {
    "2012": SPEC_2012,
    "2026": {**SPEC_2012, "PM10_24H": [0, 50, 120, 250, 350, 420, 500, 600], "PM25_24H": [0, 35, 60, 115, 150, 250, 350, 500]},
}


def unit(column: str) -> Fraction:
    return Fraction(1, 10) if column.startswith("CO") else Fraction(1)


# --------------------------------------------------------------------------------------------
# §15 checklist
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("edition", ["2012", "2026"])
@pytest.mark.parametrize("column", sorted(SPEC_2012))
def test_breakpoints_nodes_and_plus_one(edition, column):
    bps = SPEC[edition][column]
    u = unit(column)
    values = [Fraction(b) for b in bps] + [Fraction(b) + u for b in bps]
    texts = pl.Series([str(float(v)) if u != 1 else str(int(v)) for v in values])
    for rb in (True, False):
        got = iaqi(texts, column, edition=edition, round_before_iaqi=rb).to_list()
        n = len(bps)
        assert got[:n] == NODES[:n]  # every breakpoint → its node IAQI
        for k in range(n - 1):  # + 1 unit → an integer strictly above the node
            assert got[n + k] > NODES[k]
        last = got[-1]  # last breakpoint + 1 unit
        if column == "SO2_1H":
            assert last == (None if edition == "2012" else 200)  # 2012: needs the 24-h value (§5.1)
        elif column == "O3_8H":
            assert last == (None if edition == "2012" else 300)  # 2012: dropped (§5.2)
        else:
            assert last == 500


def test_breakpoints_all_input_types():
    # PM2.5 75 → 100 and O3_8H 800 → 300 as int, float, text and rational; PM2.5 76 → 102
    for s in (pl.Series([75, 76]), pl.Series([75.0, 76.0]), pl.Series(["75", "76"]),
              pl.Series([{"num": 75, "den": 1}, {"num": 152, "den": 2}], dtype=exact.RATIONAL)):
        assert iaqi(s, "PM25_24H", edition="2012").to_list() == [100, 102]
    assert iaqi(pl.Series([800]), "O3_8H", edition="2012").to_list() == [300]


def test_so2_1h_801_uses_24h_column():
    assert iaqi(pl.Series([801]), "SO2_1H", edition="2012", so2_24h=pl.Series([800])).to_list() == [200]
    assert iaqi(pl.Series([800]), "SO2_1H", edition="2012", so2_24h=pl.Series([2000])).to_list() == [200]


def test_decimal_and_float_traps():
    assert iaqi(pl.Series([14, 21, 28, 35]), "PM25_24H", edition="2012").to_list() == [20, 30, 40, 50]
    assert iaqi(pl.Series([14.0, 21.0, 28.0, 35.0]), "PM25_24H", edition="2012", round_before_iaqi=False).to_list() == [20, 30, 40, 50]
    assert iaqi(pl.Series([2.2]), "CO_24H", edition="2012").to_list() == [55]
    assert iaqi(pl.Series([2.2]), "CO_24H", edition="2012", round_before_iaqi=False).to_list() == [55]
    # SO2 1-h 269, 276, …, 493: every 7 µg/m³ a 28-digit Decimal gets wrong (§3)
    vals = list(range(269, 494, 7))
    exp = [math.ceil(Fraction(100) + Fraction(50, 150) * (v - 500)) if v > 500 else math.ceil(50 + Fraction(50, 350) * (v - 150)) for v in vals]
    assert iaqi(pl.Series(vals), "SO2_1H", edition="2012").to_list() == exp


def test_rounding_half_even_before_iaqi():
    # GB/T 8170 on the exact value (air-evaluation.md §5.1): 1.85 → 1.8, 1.75 → 1.8, 74.5 → 74
    assert iaqi(pl.Series(["1.85", "1.75", "1.851"]), "CO_24H", edition="2012").to_list() == [45, 45, 48]
    assert iaqi(pl.Series([1.85, 1.75]), "CO_24H", edition="2012").to_list() == [45, 45]
    # 2.5 → 2 → 2.857 → 3; 3.5 → 4 → 5.714 → 6
    assert iaqi(pl.Series([74.5, 75.5, 2.5, 3.5]), "PM25_24H", edition="2012").to_list() == [99, 102, 3, 6]


def test_missing_negative_and_text():
    assert iaqi(pl.Series(["", "-1", "abc", None, "0"]), "NO2_1H", edition="2012").to_list() == [None, None, None, None, 0]
    assert iaqi(pl.Series([-0.4, float("nan"), float("inf"), 0.4]), "NO2_1H", edition="2012").to_list() == [None, None, None, 0]


def test_edition_switch_hour():
    base = {"so2": [5, 5, 5, 5], "no2": [10] * 4, "co": [0.3] * 4, "o3": [20] * 4, "pm10": [30] * 4, "pm25": [70] * 4}
    naive = [datetime(2026, 3, 1, 0), datetime(2026, 3, 1, 1), datetime(2026, 2, 28, 23), datetime(2026, 3, 2, 0)]
    r = realtime_aqi(pl.DataFrame({**base, "time": naive}))
    assert r["edition"].to_list() == ["2012", "2026", "2012", "2026"]
    # PM2.5 70: 2012 → 93.75 → 94 (良); 2026 → 109.09 → 110 (轻度污染)
    assert r["aqi"].to_list() == [94, 110, 94, 110]
    assert r["level"].to_list() == [2, 3, 2, 3]
    aware = [datetime(2026, 2, 28, 16, tzinfo=timezone.utc), datetime(2026, 2, 28, 17, tzinfo=timezone.utc)] * 2
    r = realtime_aqi(pl.DataFrame({**base, "time": aware}))
    assert r["edition"].to_list() == ["2012", "2026", "2012", "2026"]
    # an explicit edition overrides the date
    assert realtime_aqi(pl.DataFrame({**base, "time": naive}), edition="2012")["aqi"].to_list() == [94] * 4


def test_daily_edition_by_date():
    from datetime import date

    df = pl.DataFrame({"date": [date(2026, 2, 28), date(2026, 3, 1)], "so2": [5, 5], "no2": [10, 10], "co": [0.3, 0.3],
                       "pm10": [30, 30], "pm25": [70, 70], "o3_8h": [50, 50], "o3_1h": [60, 60]})
    r = daily_aqi(df)
    assert r["edition"].to_list() == ["2012", "2026"]
    assert r["aqi"].to_list() == [94, 110]
    assert r["primary_pollutants"].to_list() == [["PM2.5"], ["PM2.5"]]


def test_cnemc_o3_mapping(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        "timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h\n"
        "2022-01-01T12:00:00,X1,1,2,城,站,臭氧1小时,108,68,60,30,28,236,215,190,182,35,30,12,10,0.8,0.7\n",
        encoding="utf-8",
    )
    d = read_cnemc(p)
    assert exact.to_fraction(d["o3"][0]) == 215 and exact.to_fraction(d["o3_max_24h"][0]) == 236
    assert exact.to_fraction(d["o3_8h"][0]) == 182 and exact.to_fraction(d["o3_8h_max"][0]) == 190
    assert exact.to_fraction(d["co"][0]) == Fraction(8, 10)
    assert d["timepoint"][0] == datetime(2022, 1, 1, 12) and d["published_aqi"][0] == 108
    r = realtime_aqi(d, time_column="timepoint")
    assert r["aqi"][0] == 108 and r["primary_pollutant"][0] == "臭氧1小时"  # E7
    assert realtime_aqi(d, time_column="timepoint", hourly_include_o3_8h=True)["aqi"][0] == 120
    alt = read_cnemc(p, archive_o3_8h_column="o3_8h")
    assert exact.to_fraction(alt["o3_8h"][0]) == 190 and exact.to_fraction(alt["o3_8h_max"][0]) == 182


def test_section_10_missing_rule():
    full = {"so2": [5], "no2": [10], "co": [0.3], "o3": [20], "pm10": [60], "pm25": [30]}
    assert realtime_aqi(pl.DataFrame(full), edition="2012")["aqi"][0] == 55
    no_co = {**full, "co": [None]}
    r = realtime_aqi(pl.DataFrame(no_co), edition="2012")
    assert r["aqi"][0] is None and r["level"][0] is None and r["primary_pollutants"][0] is None
    assert r["iaqi_pm10"][0] == 55  # the available IAQIs are still given
    # > 100 with one missing: still published (HJ 633—2026 §5.3.1)
    r = realtime_aqi(pl.DataFrame({**no_co, "pm10": [200]}), edition="2012")
    assert r["aqi"][0] == 125 and r["primary_pollutant"][0] == "颗粒物(PM10)"
    # not monitored (§5.3.2): its absence does not block the AQI
    for nm in ({"co"}, {"CO"}):
        assert realtime_aqi(pl.DataFrame(no_co), edition="2012", not_monitored=nm)["aqi"][0] == 55
    # per-row plan as a List column expression
    df = pl.DataFrame({**{k: v * 2 for k, v in no_co.items()}, "nm": [["co"], []]})
    assert realtime_aqi(df, edition="2026", not_monitored=pl.col("nm"))["aqi"].to_list() == [58, None]  # PM10 60 (2026) → 57.14 → 58
    # a missing column is a missing indicator
    assert realtime_aqi(pl.DataFrame(full).drop("so2"), edition="2012")["aqi"][0] is None
    # dropped O3 8-h (> 800, §5.2) is not "missing"
    d = pl.DataFrame({"so2": [5], "no2": [10], "co": [0.3], "pm10": [60], "pm25": [30], "o3_1h": [40], "o3_8h": [900]})
    assert daily_aqi(d, edition="2012")["aqi"][0] == 55


def test_aqi_zero():
    z = pl.DataFrame({"so2": [0], "no2": [0], "co": [0.04], "o3": [0], "pm10": [0], "pm25": [0]})
    r = realtime_aqi(z, edition="2026")
    assert r["aqi"][0] == 0 and r["level"][0] == 1 and r["category"][0] == "优"
    assert realtime_aqi(z, edition="2026", aqi_zero_2026="clamp_to_1")["aqi"][0] == 1
    assert realtime_aqi(z, edition="2012", aqi_zero_2026="clamp_to_1")["aqi"][0] == 0


def test_labels_and_order_settings():
    df = pl.DataFrame({"so2": [5], "no2": [10], "co": [0.3], "o3": [20], "pm10": [66], "pm25": [41]})
    r = realtime_aqi(df, edition="2012", pollutant_order=["PM2.5", "PM10"], labels={"PM2.5": "PM2.5"})
    assert r["primary_pollutants"].to_list()[0] == ["PM2.5", "PM10"]
    assert r["primary_pollutant"][0] == "PM2.5,颗粒物(PM10)"


# --------------------------------------------------------------------------------------------
# hypothesis: realtime_aqi against a straightforward Fraction implementation of the spec
# --------------------------------------------------------------------------------------------


def ref_iaqi(c: Fraction, column: str, edition: str):
    """ceil of formula (1), §3; ``"above"`` beyond the last breakpoint."""
    bps = SPEC[edition][column]
    if c > bps[-1]:
        return "above"
    for k in range(1, len(bps)):
        if c <= bps[k]:
            lo, hi = bps[k - 1], bps[k]
            return math.ceil(Fraction(NODES[k] - NODES[k - 1], hi - lo) * (c - lo) + NODES[k - 1])
    raise AssertionError


def ref_realtime(row: dict, edition: str, rb: bool, include_o3_8h: bool):
    def val(name):
        s = row.get(name)
        if s is None:
            return None
        c = Fraction(s)
        if c < 0:
            return None
        if rb:
            c = Fraction(round(c, 1 if name == "co" else 0))  # Fraction rounding is half-even
        return c

    out = {}
    cols = {"so2": "SO2_1H", "no2": "NO2_1H", "pm10": "PM10_24H", "co": "CO_1H", "o3": "O3_1H", "pm25": "PM25_24H"}
    for p, col in cols.items():
        c = val(p)
        if c is None:
            out[p] = None
            continue
        i = ref_iaqi(c, col, edition)
        if i == "above":
            if p == "so2":
                if edition == "2026":
                    i = 200
                else:
                    s24 = val("so2_24h")
                    i = None if s24 is None else ref_iaqi(s24, "SO2_24H", edition)
                    i = 500 if i == "above" else i
            else:
                i = 500
        out[p] = i
    codes = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "co": "CO", "o3": "O3_1H" if edition == "2012" else "O3", "pm25": "PM2.5"}
    dropped = False
    if include_o3_8h and edition == "2012":
        c = val("o3_8h")
        i = None if c is None else ref_iaqi(c, "O3_8H", edition)
        dropped = i == "above"
        out["o3_8h"] = None if dropped else i
        codes["o3_8h"] = "O3_8H"
    avail = {p: i for p, i in out.items() if i is not None}
    missing = len(avail) < len(out) - (1 if dropped else 0)
    if not avail:
        return out, None, None
    aqi = max(avail.values())
    if missing and aqi <= 100:
        return out, None, None
    prim = {codes[p] for p, i in avail.items() if i == aqi} if aqi > 50 else set()
    return out, aqi, prim


def conc(max_value: int, decimals: int):
    return st.one_of(
        st.none(),
        st.integers(0, max_value * 10**decimals).map(lambda n: str(Fraction(n, 10**decimals)) if decimals == 0 else f"{n // 10**decimals}.{n % 10**decimals:0{decimals}d}"),
        st.integers(-5, -1).map(str),
    )


ROW = st.fixed_dictionaries(
    {
        "so2": conc(1000, 1), "so2_24h": conc(2800, 1), "no2": conc(4000, 2), "pm10": conc(700, 1),
        "co": conc(160, 3), "o3": conc(1300, 1), "o3_8h": conc(900, 2), "pm25": conc(550, 2),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=25), edition=st.sampled_from(["2012", "2026"]),
       rb=st.booleans(), inc=st.booleans(), as_float=st.booleans())
def test_realtime_matches_fraction_reference(rows, edition, rb, inc, as_float):
    names = list(ROW.mapping) if hasattr(ROW, "mapping") else ["so2", "so2_24h", "no2", "pm10", "co", "o3", "o3_8h", "pm25"]
    data = {n: [r[n] for r in rows] for n in names}
    frame = pl.DataFrame(data, schema={n: pl.Utf8 for n in names})
    if as_float:
        frame = frame.with_columns(pl.all().cast(pl.Float64))
    got = realtime_aqi(frame, edition=edition, round_before_iaqi=rb, hourly_include_o3_8h=inc)
    for k, row in enumerate(rows):
        iaqis, aqi, prim = ref_realtime(row, edition, rb, inc)
        for p in ("so2", "no2", "pm10", "co", "o3", "pm25"):
            assert got[f"iaqi_{p}"][k] == iaqis[p], (p, row)
        assert got["aqi"][k] == aqi, row
        if aqi is not None:
            assert set(got["primary_pollutants"][k]) == prim, row


def ref_daily(row: dict, edition: str, rb: bool):
    """Daily AQI (§9, §12) from exact Fractions; daily_include_o3_1h=True."""
    cols = {"so2": "SO2_24H", "no2": "NO2_24H", "pm10": "PM10_24H", "co": "CO_24H", "pm25": "PM25_24H", "o3_8h": "O3_8H"}
    if edition == "2012":
        cols["o3_1h"] = "O3_1H"
    out = {}
    dropped = False
    for p, col in cols.items():
        c = row.get(p)
        if c is None:
            out[p] = None
            continue
        if rb:
            c = Fraction(round(c, 1 if p == "co" else 0))
        i = ref_iaqi(c, col, edition)
        if i == "above":
            if p == "o3_8h":
                if edition == "2012":
                    dropped = True
                    i = None
                else:
                    i = 300
            else:
                i = 500
        out[p] = i
    avail = {p: i for p, i in out.items() if i is not None}
    missing = len(avail) < len(out) - (1 if dropped else 0)
    if not avail:
        return None
    aqi = max(avail.values())
    return None if (missing and aqi <= 100) else aqi


FRACTION = st.one_of(st.none(), st.fractions(min_value=0, max_value=1000, max_denominator=48))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({p: FRACTION for p in ("so2", "no2", "pm10", "co", "pm25", "o3_8h", "o3_1h")}), min_size=1, max_size=20),
       edition=st.sampled_from(["2012", "2026"]), rb=st.booleans())
def test_daily_rational_matches_fraction_reference(rows, edition, rb):
    # the evaluation engineer passes exact daily statistics as exact.RATIONAL structs
    data = {
        p: pl.Series(p, [None if r[p] is None else {"num": r[p].numerator, "den": r[p].denominator} for r in rows], dtype=exact.RATIONAL)
        for p in rows[0]
    }
    got = daily_aqi(pl.DataFrame(data), edition=edition, round_before_iaqi=rb)
    assert got["aqi"].to_list() == [ref_daily(r, edition, rb) for r in rows]


def test_results_of_both_editions_concatenate():
    # Enum output columns share their categories across editions (one frame per period, then concat)
    df = pl.DataFrame({"so2": [5], "no2": [10], "co": [0.3], "o3": [20], "pm10": [66], "pm25": [80]})
    both = pl.concat([realtime_aqi(df, edition="2012"), realtime_aqi(df, edition="2026")])
    assert both["primary_pollutant"].to_list() == ["细颗粒物(PM2.5)", "细颗粒物(PM2.5)"]
    assert both["category"].to_list() == ["轻度污染", "轻度污染"]
    assert both["aqi"].to_list() == [107, 119]


def test_iaqi_expression_mode_and_mixed_frame():
    df = pl.DataFrame({"x": ["35", "75.4", "2.2"], "c": [35.0, 75.4, 2.2]})
    e = iaqi("x", "PM25_24H", edition="2012", dtype=pl.Utf8)
    assert df.select(e.alias("i"))["i"].to_list() == [50, 100, 3]  # 2.2 → 2 → 2.86 → 3
    assert df.select(iaqi(pl.col("c"), "PM25_24H", edition="2012", dtype=pl.Float64, round_before_iaqi=False).alias("i"))["i"].to_list() == [50, 101, 4]  # 2.2 → 3.14 → 4
    # a frame straddling the switch, with the O3 8-h switch on: only the 2012 rows use O3 8-h (E7)
    e7 = {"so2": [12, 12], "no2": [35, 35], "co": [0.8, 0.8], "o3": [215, 215], "o3_8h": [182, 182], "pm10": [68, 68], "pm25": [30, 30]}
    r = realtime_aqi(pl.DataFrame({**e7, "time": [datetime(2026, 3, 1, 0), datetime(2026, 3, 1, 1)]}), hourly_include_o3_8h=True)
    assert r["edition"].to_list() == ["2012", "2026"]
    assert r["aqi"].to_list() == [120, 108]
    assert r["primary_pollutant"].to_list() == ["臭氧8小时", "臭氧"]
    assert r["iaqi_pm10"].to_list() == [59, 63]
    assert r["over_standard"].to_list() == [["O3_1H", "O3_8H"], None]
