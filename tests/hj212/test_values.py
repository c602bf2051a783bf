"""The typed values of a statistics packet: exact micro-units equal to the codec's and to
:func:`qingshan.exact.scaled_from_str`; one row per factor (hj212.md §5.2, §15 P3)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings, strategies as st

from qingshan import exact
from qingshan.hj212.packet import build, parse
from qingshan.hj212.values import COLUMNS, micro, value_rows

P3 = (b"##0594QN=20240315150000001;ST=31;CN=2061;PW=123456;MN=320100000000000000001A01;Flag=5;CP=&&"
      b"DataTime=20240315140000;a00000-Cou=182400.5,a00000-Min=49.8,a00000-Avg=50.7,a00000-Max=51.9,a00000-Flag=N;"
      b"a21026-Cou=3.76,a21026-Min=18.2,a21026-Avg=20.6,a21026-Max=23.1,a21026-ZsAvg=24.9,a21026-Flag=N;"
      b"a21002-Cou=7.11,a21002-Min=35.0,a21002-Avg=39.0,a21002-Max=44.7,a21002-ZsAvg=47.1,a21002-Flag=N;"
      b"a34013-Cou=0.55,a34013-Min=2.6,a34013-Avg=3.0,a34013-Max=3.4,a34013-ZsAvg=3.6,a34013-Flag=N;"
      b"a19001-Avg=9.8,a19001-Flag=N;a01012-Avg=52.3,a01012-Flag=N;a01011-Avg=11.2,a01011-Flag=N;"
      b"a01014-Avg=6.1,a01014-Flag=N&&21C0\r\n")

texts = st.one_of(
    st.decimals(min_value=-10**12 + 1, max_value=10**12 - 1, allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=-1000, max_value=1000, places=9, allow_nan=False, allow_infinity=False).map(str),
    st.from_regex(r"[ ]?[+-]?[0-9]{0,12}(\.[0-9]{0,9})?[ ]?", fullmatch=True),
    st.sampled_from(["7", "007.50", ".5", "1.", "-0.0", "1.1234567", " 3.2 ", "abc", "", ".", "+", "1e3",
                     "1.2.3", "--1", "0.0000005", "0.0000015"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=30))
def test_micro_equals_scaled_from_str(values):
    f = pl.DataFrame({"t": values}, schema={"t": pl.String})
    assert [micro(v) for v in values] == f.select(exact.scaled_from_str(pl.col("t")).alias("v"))["v"].to_list()


def test_micro_beyond_64_bits_is_null_not_an_error():
    # N14 allows 14 integer digits (hj212.md §5.1): 10^13 units do not fit micro-units in 64 bits
    assert micro("9999999999999") is None and micro("99999999999999.99") is None
    assert micro("9223372.036854775807") == 9_223_372_036_855  # 6 decimals, rounded to odd (sticky 775807)
    assert micro("1234567890123") == 1234567890123 * 10**6


def test_rows_of_the_2061_example_p3():
    rows = {r[0]: dict(zip(COLUMNS, r)) for r in value_rows(parse(P3).values_2017)}
    assert set(rows) == {"a00000", "a21026", "a21002", "a34013", "a19001", "a01012", "a01011", "a01014"}
    so2 = rows["a21026"]
    assert (so2["cou"], so2["min"], so2["avg"], so2["max"], so2["zs_avg"], so2["flag"]) == (
        3_760_000, 18_200_000, 20_600_000, 23_100_000, 24_900_000, "N")
    assert rows["a00000"]["cou"] == 182_400_500_000 and rows["a00000"]["zs_avg"] is None
    assert rows["a19001"]["avg"] == 9_800_000 and rows["a19001"]["cou"] is None


def test_2005_codes_arrive_as_2017_codes():
    # HJ/T 212—2005 (version bits 0, hj212.md §13): SO2 "02" → a21026 (§12.4, gas codes by ST 31)
    raw = build(qn="20240315150000001", st="31", cn="2061", pw="123456", mn="320100000000000000001A01", flag=0,
                cp={"DataTime": "20240315140000", "02": {"Avg": "20.6", "Flag": "N"}})
    assert [r[0] for r in value_rows(parse(raw).values_2017)] == ["a21026"]


def test_text_no_column_can_hold_is_skipped():
    rows = value_rows({"a21026": {"Avg": "1", "Flag": "N\x00"}, "码": {"Avg": "2"}, "x" * 17: {"Avg": "3"},
                       "a01012": {"Info": "//log//"}})
    assert rows == [("a21026", None, None, 1_000_000, None, None, None, None, None)]
