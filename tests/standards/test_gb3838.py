"""GB 3838—2002 Table 1 (water.md §1, §2): the table row by row, directions, class parsing."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.standards import gb3838
from qingshan.standards.water_values import NANO, nano_from_float, nano_from_text, nano_of_text

# water.md §1, typed in from the spec: item → (direction, Ⅰ … Ⅴ)
SPEC_TABLE = {
    "ph": ("range", ("6", "9")),
    "do": ("ge", ("7.5", "6", "5", "3", "2")),
    "codmn": ("le", ("2", "4", "6", "10", "15")),
    "cod": ("le", ("15", "15", "20", "30", "40")),
    "bod5": ("le", ("3", "3", "4", "6", "10")),
    "nh3n": ("le", ("0.15", "0.5", "1.0", "1.5", "2.0")),
    "tp": ("le", ("0.02", "0.1", "0.2", "0.3", "0.4")),
    "tn": ("le", ("0.2", "0.5", "1.0", "1.5", "2.0")),
    "cu": ("le", ("0.01", "1.0", "1.0", "1.0", "1.0")),
    "zn": ("le", ("0.05", "1.0", "1.0", "2.0", "2.0")),
    "f": ("le", ("1.0", "1.0", "1.0", "1.5", "1.5")),
    "se": ("le", ("0.01", "0.01", "0.01", "0.02", "0.02")),
    "as": ("le", ("0.05", "0.05", "0.05", "0.1", "0.1")),
    "hg": ("le", ("0.00005", "0.00005", "0.0001", "0.001", "0.001")),
    "cd": ("le", ("0.001", "0.005", "0.005", "0.005", "0.01")),
    "cr6": ("le", ("0.01", "0.05", "0.05", "0.05", "0.1")),
    "pb": ("le", ("0.01", "0.01", "0.05", "0.05", "0.1")),
    "cn": ("le", ("0.005", "0.05", "0.2", "0.2", "0.2")),
    "phenol": ("le", ("0.002", "0.002", "0.005", "0.01", "0.1")),
    "petroleum": ("le", ("0.05", "0.05", "0.05", "0.5", "1.0")),
    "las": ("le", ("0.2", "0.2", "0.2", "0.3", "0.3")),
    "sulfide": ("le", ("0.05", "0.1", "0.2", "0.5", "1.0")),
    "fc": ("le", ("200", "2000", "10000", "20000", "40000")),
}
LAKE_TP = ("0.01", "0.025", "0.05", "0.1", "0.2")


@pytest.mark.parametrize("code", list(SPEC_TABLE))
def test_table_row_by_row(code):
    direction, limits = SPEC_TABLE[code]
    it = gb3838.ITEM[code]
    assert it.direction == direction
    assert it.limits == tuple(Fraction(x) for x in limits)


def test_lake_tp_column_and_positions():
    assert gb3838.ITEM["tp"].lake_limits == tuple(Fraction(x) for x in LAKE_TP)
    assert [it.position for it in gb3838.ITEMS] == list(range(1, 25))
    assert gb3838.ITEM["wt"].direction == "none"


def test_the_21_items():
    """water.md §2: Table 1 minus water temperature, TN and faecal coliform."""
    assert gb3838.EVALUATED_ITEMS == (
        "ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "cu", "zn", "f", "se", "as", "hg", "cd", "cr6", "pb",
        "cn", "phenol", "petroleum", "las", "sulfide",
    )
    assert len(gb3838.EVALUATED_ITEMS) == 21


@pytest.mark.parametrize(
    ("code", "value", "water_body", "cls"),
    [
        ("cod", "15", "river", 1),  # equal limits of Ⅰ and Ⅱ: the better class (water.md §1)
        ("cod", "15.1", "river", 3),
        ("bod5", "3", "river", 1),
        ("do", "6.8", "river", 2),  # W1: 6.8 ≥ 6
        ("do", "7.5", "river", 1),
        ("do", "7.49", "river", 2),
        ("do", "1.99", "river", 6),
        ("do", "2", "river", 5),
        ("nh3n", "1.32", "river", 4),  # W1
        ("nh3n", "1.5", "river", 4),
        ("nh3n", "2.6", "river", 6),
        ("tp", "0.18", "river", 3),
        ("tp", "0.18", "lake", 5),
        ("tp", "0.05", "reservoir", 3),
        ("tp", "0.45", "river", 6),
        ("hg", "0.00005", "river", 1),  # exact comparison at five decimals
        ("hg", "0.000051", "river", 3),
        ("hg", "0.0005", "river", 4),  # W3b
        ("pb", "0.06", "river", 5),  # W3
        ("ph", "6", "river", 1),
        ("ph", "9", "river", 1),
        ("ph", "5.99", "river", 6),
        ("ph", "9.01", "river", 6),
        ("fc", "40001", "river", 6),
    ],
)
def test_item_class(code, value, water_body, cls):
    assert gb3838.item_class(code, value, water_body) == cls
    v = pl.DataFrame({"v": [value]}).select(nano_from_text("v")).to_series()
    lake = gb3838.is_lake(water_body)
    got = pl.DataFrame({"n": v}).select(gb3838.class_expr(pl.col("n"), code, lake)).item()
    assert got == cls


def test_worse_side_class():
    n = pl.DataFrame({"n": [nano_of_text("0.5"), nano_of_text("0.49"), nano_of_text("15")]})
    assert n.select(gb3838.class_expr(pl.col("n"), "nh3n", worse_side=True)).to_series().to_list()[:2] == [3, 2]
    assert n.select(gb3838.class_expr(pl.col("n"), "cod", worse_side=True)).to_series().to_list()[2] == 3
    ph = pl.DataFrame({"n": [6 * NANO, 9 * NANO, 7 * NANO]})
    assert ph.select(gb3838.class_expr(pl.col("n"), "ph", worse_side=True)).to_series().to_list() == [6, 6, 1]
    do = pl.DataFrame({"n": [5 * NANO]})
    assert do.select(gb3838.class_expr(pl.col("n"), "do", worse_side=True)).item() == 4


@pytest.mark.parametrize(
    ("text", "cls"),
    [("1", 1), ("5", 5), ("6", 6), ("-1", None), ("Ⅰ", 1), ("Ⅱ", 2), ("Ⅲ", 3), ("Ⅳ", 4), ("Ⅴ", 5), ("劣Ⅴ", 6),
     ("III", 3), ("IV", 4), ("劣V", 6), ("Ⅲ类", 3), ("--", None), ("", None)],
)
def test_parse_class_both_codings(text, cls):
    assert gb3838.parse_class(text) == cls


def test_parse_class_rejects_garbage():
    with pytest.raises(ValueError, match="无法识别"):
        gb3838.parse_class("Ⅶ")


@given(st.decimals(min_value=0, max_value=100000, places=9, allow_nan=False, allow_infinity=False))
def test_nano_from_text_is_exact(d):
    text = f"{d:f}"
    got = pl.DataFrame({"t": [text]}).select(nano_from_text("t")).item()
    assert got == Fraction(text) * NANO


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_nano_from_float_matches_shortest_text(x):
    got = pl.DataFrame({"x": [x]}, schema={"x": pl.Float64}).select(nano_from_float("x")).item()
    exact_value = Fraction(repr(x)) * NANO
    if exact_value.denominator == 1:
        assert got == exact_value
    else:  # rounded to odd, strictly between the neighbouring nano-units
        assert got % 2 == 1 and got - 1 < exact_value < got + 1


def test_nano_text_more_than_nine_decimals_rounds_to_odd():
    got = pl.DataFrame({"t": ["0.0000000015", "0.0000000020000001"]}).select(nano_from_text("t")).to_series().to_list()
    assert got == [1, 3]


@given(st.lists(st.one_of(st.none(), st.floats(min_value=-9e9, max_value=9e9), st.sampled_from([float("nan"), float("inf")]),
                          st.decimals(min_value=0, max_value=10**6, places=4).map(float)), min_size=1, max_size=30))
def test_fast_float_frames_equal_the_round_to_odd_expression(xs):
    """The numpy fast path (bench/water_engine.py) must give exactly nano_from_float's result."""
    from qingshan.standards.water_values import nanos_from_floats

    df = pl.DataFrame({"x": xs}, schema={"x": pl.Float64})
    want = [None if x is None or x != x or x in (float("inf"),) else _odd(Fraction(repr(x)) * NANO) for x in xs]
    assert nanos_from_floats(df, ["x"])["x"].to_list() == want


def _odd(x: Fraction) -> int:
    """Round to odd at the integer (the reference for nano-units)."""
    q = x.numerator // x.denominator
    return q if q == x or q % 2 else q + 1
