"""Worked examples E1–E13 of air-aqi.md §14 (reference values from the spec, not our output)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from qingshan import exact
from qingshan.standards.hj633 import daily_aqi, iaqi, primary_labels, realtime_aqi
from qingshan.standards.hj633_tables import POLLUTANT_ORDER_2012_TABLE4

# E1–E6: CNEMC rows, 2022-01-01T12:00, edition 2012, hourly rule (§14). o3 = archive o3_24h,
# o3_8h = archive o3_8h_24h (display only).
CNEMC_ROWS = pl.DataFrame(
    {
        "station": ["1001A", "1015A", "1035A", "1064A", "1061A", "1041A"],
        "time": [datetime(2022, 1, 1, 12)] * 6,
        "so2": ["11", "22", "19", "18", "8", "19"],
        "no2": ["70", "97", "16", "43", "2", ""],
        "pm10": ["90", "224", "46", "66", "149", ""],
        "co": ["1.3", "2.0", "0.9", "1.2", "0.5", "1.4"],
        "o3": ["11", "10", "78", "18", "77", ""],
        "o3_8h": ["3", "5", "64", "8", "42", "2"],
        "pm25": ["52", "153", "25", "41", "5", ""],
        "pm10_24h": [None, None, "63", None, None, None],
        "pm25_24h": ["36", "77", "34", None, None, None],
    }
)


@pytest.fixture(scope="module")
def e1_e6():
    return realtime_aqi(CNEMC_ROWS)


def test_e1_e6_aqi_primary_level(e1_e6):
    assert e1_e6["edition"].to_list() == ["2012"] * 6
    assert e1_e6["aqi"].to_list() == [72, 203, 46, 58, 100, None]
    assert e1_e6["primary_pollutant"].to_list() == [
        "细颗粒物(PM2.5)",
        "细颗粒物(PM2.5)",
        "",
        "颗粒物(PM10),细颗粒物(PM2.5)",
        "颗粒物(PM10)",
        None,
    ]
    assert e1_e6["primary_pollutants"].to_list() == [["PM2.5"], ["PM2.5"], [], ["PM10", "PM2.5"], ["PM10"], None]
    assert e1_e6["level"].to_list() == [2, 5, 1, 2, 2, None]
    assert e1_e6["category"].to_list() == ["良", "重度污染", "优", "良", "良", None]


def test_e1_e6_iaqis(e1_e6):
    assert e1_e6["iaqi_so2"].to_list() == [4, 8, 7, 6, 3, 7]
    assert e1_e6["iaqi_no2"].to_list() == [35, 49, 8, 22, 1, None]
    assert e1_e6["iaqi_pm10"].to_list() == [70, 137, 46, 58, 100, None]
    assert e1_e6["iaqi_co"].to_list() == [13, 20, 9, 12, 5, 14]
    assert e1_e6["iaqi_o3"].to_list() == [4, 4, 25, 6, 25, None]
    assert e1_e6["iaqi_o3_8h"].to_list() == [2, 3, 32, 4, 21, 1]
    assert e1_e6["iaqi_pm25"].to_list() == [72, 203, 36, 58, 8, None]
    # display-only IAQIs of the 24-h moving averages (E1, E2, E3 discriminating checks)
    assert e1_e6["iaqi_pm25_24h"].to_list()[:3] == [52, 103, 49]
    assert e1_e6["iaqi_pm10_24h"].to_list()[2] == 57


def test_e2_over_standard_excludes_display(e1_e6):
    # E2: PM2.5 24-h display IAQI 103 is not over-standard; PM10 137 and PM2.5 203 are
    assert e1_e6["over_standard"].to_list()[1] == ["PM10", "PM2.5"]
    assert primary_labels(e1_e6["over_standard"][1], "2012") == "颗粒物(PM10),细颗粒物(PM2.5)"
    assert e1_e6["over_standard"].to_list()[0] == []


E7 = pl.DataFrame({"so2": [12], "no2": [35], "co": [0.8], "o3": [215], "o3_8h": [182], "pm10": [68], "pm25": [30]})


def test_e7_default_and_2026():
    r = realtime_aqi(E7, edition="2012")
    assert r.row(0, named=True) | {} and r["aqi"][0] == 108
    assert [r[c][0] for c in ("iaqi_so2", "iaqi_no2", "iaqi_pm10", "iaqi_co", "iaqi_o3", "iaqi_pm25")] == [4, 18, 59, 8, 108, 43]
    assert r["iaqi_o3_8h"][0] == 120
    assert r["primary_pollutant"][0] == "臭氧1小时"
    assert r["over_standard"].to_list()[0] == ["O3_1H"]
    assert r["level"][0] == 3 and r["category"][0] == "轻度污染"
    r26 = realtime_aqi(E7, edition="2026")
    assert r26["iaqi_pm10"][0] == 63 and r26["aqi"][0] == 108
    assert r26["primary_pollutants"].to_list()[0] == ["O3"]
    assert r26["primary_pollutant"][0] == "臭氧"
    assert r26["over_standard"][0] is None
    assert r26["level"][0] == 3


def test_e7_with_o3_8h():
    r = realtime_aqi(E7, edition="2012", hourly_include_o3_8h=True)
    assert r["aqi"][0] == 120
    assert r["primary_pollutant"][0] == "臭氧8小时"
    assert primary_labels(r["over_standard"][0], "2012") == "臭氧1小时,臭氧8小时"
    assert r["level"][0] == 3
    # the switch does nothing under edition 2026 (no O3 8-h indicator in real time, §12)
    assert realtime_aqi(E7, edition="2026", hourly_include_o3_8h=True)["aqi"][0] == 108


E8 = pl.DataFrame(
    {"so2": [850], "so2_24h": [300], "no2": [60], "co": [1.0], "o3": [40], "o3_8h": [50], "pm10": [80], "pm25": [40]}
)


def test_e8_so2_above_800():
    r = realtime_aqi(E8, edition="2012")
    assert r["iaqi_so2"][0] == 124
    assert [r[c][0] for c in ("iaqi_no2", "iaqi_pm10", "iaqi_co", "iaqi_o3", "iaqi_pm25", "iaqi_o3_8h")] == [30, 65, 10, 13, 57, 25]
    assert r["aqi"][0] == 124 and r["primary_pollutant"][0] == "二氧化硫" and r["level"][0] == 3
    assert r["over_standard"].to_list()[0] == ["SO2"]
    r26 = realtime_aqi(E8, edition="2026")
    assert r26["iaqi_so2"][0] == 200 and r26["iaqi_pm10"][0] == 72 and r26["iaqi_pm25"][0] == 60
    assert r26["aqi"][0] == 200 and r26["primary_pollutant"][0] == "二氧化硫" and r26["level"][0] == 4
    # without the 24-h moving average SO2 is missing (§5.1); the rest ≤ 100 → NA (§10)
    r_na = realtime_aqi(E8.drop("so2_24h"), edition="2012")
    assert r_na["iaqi_so2"][0] is None and r_na["aqi"][0] is None


E9 = pl.DataFrame({"so2": [20], "no2": [45], "co": [1.2], "pm10": [160], "pm25": [118], "o3_1h": [210], "o3_8h": [170]})


def test_e9_daily():
    r = daily_aqi(E9, edition="2012")
    assert [r[c][0] for c in ("iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_pm10", "iaqi_o3_1h", "iaqi_o3_8h", "iaqi_pm25")] == [
        20, 57, 30, 105, 105, 110, 155,
    ]
    assert r["aqi"][0] == 155 and r["primary_pollutant"][0] == "细颗粒物(PM2.5)"
    assert sorted(r["over_standard"].to_list()[0]) == sorted(["PM10", "O3_1H", "O3_8H", "PM2.5"])
    # the spec's rendering uses the HJ 633—2012 Table 4 order (air-aqi.md §7) …
    table4 = {"2012": POLLUTANT_ORDER_2012_TABLE4}
    assert primary_labels(r["over_standard"][0], "2012", pollutant_order=table4) == (
        "颗粒物(PM10),臭氧1小时,臭氧8小时,细颗粒物(PM2.5)"
    )
    r4 = daily_aqi(E9, edition="2012", pollutant_order=table4)
    assert r4["over_standard"].to_list()[0] == ["PM10", "O3_1H", "O3_8H", "PM2.5"]
    # … the default follows the CNEMC data (PM2.5 before O3 1-h, see test_cnemc_tie_order)
    assert primary_labels(r["over_standard"][0], "2012") == "颗粒物(PM10),细颗粒物(PM2.5),臭氧1小时,臭氧8小时"
    assert r["level"][0] == 4 and r["category"][0] == "中度污染"
    r26 = daily_aqi(E9.drop("o3_1h"), edition="2026")
    assert r26["iaqi_pm10"][0] == 116 and r26["iaqi_o3_8h"][0] == 110
    assert r26["aqi"][0] == 155 and r26["primary_pollutant"][0] == "细颗粒物(PM2.5)"
    assert r26["over_standard"][0] is None
    # edition 2026 ignores a daily max 1-h O3 even when given (§12)
    assert daily_aqi(E9.with_columns(o3_1h=pl.lit(1200)), edition="2026")["aqi"][0] == 155


def test_e10_cap():
    df = pl.DataFrame({"so2": [5], "no2": [10], "co": [0.3], "o3": [20], "pm10": [700], "pm25": [620]})
    r = realtime_aqi(df, edition="2012")
    assert r["iaqi_pm10"][0] == 500 and r["iaqi_pm25"][0] == 500
    assert r["aqi"][0] == 500 and r["primary_pollutant"][0] == "颗粒物(PM10),细颗粒物(PM2.5)" and r["level"][0] == 6


E11 = pl.DataFrame({"so2": [5], "no2": [10], "co": [0.3], "pm10": [60], "pm25": [30], "o3_1h": [1000], "o3_8h": [820]})


def test_e11_o3_8h_above_800_daily():
    r = daily_aqi(E11, edition="2012")
    assert r["iaqi_o3_1h"][0] == 400 and r["iaqi_o3_8h"][0] is None
    assert r["iaqi_pm10"][0] == 55 and r["iaqi_pm25"][0] == 43
    assert r["aqi"][0] == 400 and r["primary_pollutant"][0] == "臭氧1小时" and r["level"][0] == 6
    assert r["over_standard"].to_list()[0] == ["O3_1H"]
    r2 = daily_aqi(E11, edition="2012", daily_include_o3_1h=False)
    assert r2["aqi"][0] == 400 and r2["primary_pollutant"][0] == "臭氧1小时"
    r26 = daily_aqi(E11, edition="2026")
    assert r26["iaqi_o3_8h"][0] == 300 and r26["iaqi_pm10"][0] == 58
    assert r26["aqi"][0] == 300 and r26["primary_pollutant"][0] == "臭氧" and r26["level"][0] == 5
    assert r26["category"][0] == "重度污染"


def test_e11_daily_without_o3_1h_normal_day():
    # with daily_include_o3_1h=False and MDA8 ≤ 800 the daily max 1-h O3 stays out (§9)
    df = E11.with_columns(o3_8h=pl.lit(100))
    assert daily_aqi(df, edition="2012", daily_include_o3_1h=False)["aqi"][0] == 55
    assert daily_aqi(df, edition="2012")["aqi"][0] == 400


def test_e12_float_and_decimal_traps():
    assert iaqi(pl.Series([2.2]), "CO_24H", edition="2012").to_list() == [55]
    assert iaqi(pl.Series(["2.2"]), "CO_24H", edition="2012").to_list() == [55]
    assert iaqi(pl.Series([65.4]), "CO_1H", edition="2012").to_list() == [218]
    r = daily_aqi(pl.DataFrame({"so2": [1], "no2": [1], "co": [0.1], "pm10": [1], "pm25": [35], "o3_1h": [1], "o3_8h": [1]}), edition="2012")
    assert r["iaqi_pm25"][0] == 50 and r["aqi"][0] == 50 and r["level"][0] == 1
    assert r["primary_pollutants"].to_list()[0] == []
    # E12 of air-evaluation.md §5: an exact CO mean 1.85 rounds half-even to 1.8 → 45
    assert iaqi(pl.Series([{"num": 185, "den": 100}], dtype=exact.RATIONAL), "CO_24H", edition="2012").to_list() == [45]


def _city_pm25(num: int, den: int, **kw):
    df = pl.DataFrame(
        {"so2": [5], "no2": [10], "co": [0.3], "pm10": [30], "o3_1h": [30], "o3_8h": [30]}
    ).with_columns(pm25=exact.rational(pl.lit(num), pl.lit(den)))
    return daily_aqi(df, edition="2012", **kw)


def test_e13_round_before_iaqi():
    r = _city_pm25(377, 5)  # 75.4 exactly
    assert r["aqi"][0] == 100 and r["primary_pollutant"][0] == "细颗粒物(PM2.5)" and r["level"][0] == 2
    r = _city_pm25(377, 5, round_before_iaqi=False)
    assert r["aqi"][0] == 101 and r["level"][0] == 3 and r["over_standard"].to_list()[0] == ["PM2.5"]
    assert _city_pm25(149, 2)["aqi"][0] == 99  # 74.5 → 74 → 98.75 → 99
    assert _city_pm25(151, 2)["aqi"][0] == 102  # 75.5 → 76 → 101.25 → 102


def test_cnemc_tie_order():
    # ../shared/data/cnemc/2022-07-15T16.csv rows 2386A and 2865A (published strings): a
    # three-way tie at 57 and a tie at 95 list PM2.5 before O3 1-h
    df = pl.DataFrame(
        {
            "time": [datetime(2022, 7, 15, 16)] * 2,
            "pm10": ["64", "116"], "pm25": ["40", "71"], "o3": ["165", "196"],
            "no2": ["11", "18"], "so2": ["6", "21"], "co": ["1.3", "1.5"],
        }
    )
    r = realtime_aqi(df)
    assert r["aqi"].to_list() == [57, 95]
    assert r["primary_pollutant"].to_list() == ["颗粒物(PM10),细颗粒物(PM2.5),臭氧1小时", "细颗粒物(PM2.5),臭氧1小时"]


def test_levels_categories_colours():
    # air-aqi.md §6 (HJ 633—2012 Table 2 and Appendix A)
    from qingshan.standards import hj633_tables as T
    from qingshan.standards.hj633 import colour_expr, level_expr

    aqis = [0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]
    expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert [T.level_for_aqi(a) for a in aqis] == expected
    assert pl.DataFrame({"a": aqis}).select(level_expr("a")).to_series().to_list() == expected
    assert [T.CATEGORY[i] for i in range(1, 7)] == ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]
    assert [T.COLOUR_HEX[i] for i in range(1, 7)] == ["#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023"]
    assert [T.COLOUR_RGB[i] for i in range(1, 7)] == [(0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76), (126, 0, 35)]
    assert [T.COLOUR_CMYK[i] for i in range(1, 7)] == [(40, 0, 100, 0), (0, 0, 100, 0), (0, 52, 100, 0), (0, 100, 100, 0), (10, 100, 40, 30), (30, 100, 100, 30)]
    assert pl.DataFrame({"l": [1, 6]}).select(colour_expr("l")).to_series().to_list() == ["#00E400", "#7E0023"]
    assert T.code_for_label("颗粒物(PM2.5)") == "PM2.5" and T.code_for_label("细颗粒物（PM2.5）") == "PM2.5"
