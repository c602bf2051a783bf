"""GB/T 8170 rounding and exact conversion (air-evaluation.md §5.1 examples).

The property tests are deterministic: ``derandomize=True`` draws the same examples on every run
and ``deadline=None`` removes the per-example time limit, which a loaded 2-core machine exceeded
(a polars query per example costs milliseconds, and the first one compiles).
"""

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from qingshan import exact

DETERMINISTIC = settings(deadline=None, derandomize=True, max_examples=200, database=None)


@pytest.mark.parametrize(
    "text,decimals,expected",
    # air-evaluation.md §5.1: 2.5 → 2; 3.5 → 4; 1.865 → 1.9; 1.85 → 1.8; 75.862 → 75.9
    [("2.5", 0, 2), ("3.5", 0, 4), ("1.865", 1, 19), ("1.85", 1, 18), ("75.862", 1, 759)],
)
def test_round_half_even_spec_examples(text, decimals, expected):
    df = pl.DataFrame({"s": [text]}).select(r=exact.rational_round(exact.as_rational("s", pl.Utf8), decimals))
    assert df["r"][0] == expected


def test_float_mean_trap_e12():
    # air-evaluation.md E12: 24 CO hourly values sum to 44.4, exact mean 1.85 → 1.8 (a float gives 1.9)
    values = [1.5, 1.5, 1.5, 1.3, 1.3, 1.4, 1.7, 2.0, 2.3, 2.4, 2.2, 2.0, 1.7, 1.6, 1.6, 1.5,
              1.8, 2.0, 2.2, 2.4, 2.5, 2.2, 2.1, 1.7]
    df = pl.DataFrame({"co": values}).select(m=exact.scaled_from_float("co").sum(), n=pl.len())
    r = df.select(r=exact.round_half_even(pl.col("m") * 10, pl.col("n") * exact.SCALE))["r"][0]
    assert r == 18


@DETERMINISTIC
@given(st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False))
def test_float_conversion_equals_fraction_of_str(d):
    v = float(d)
    got = pl.DataFrame({"v": [v]}).select(x=exact.scaled_from_float("v"))["x"][0]
    assert Fraction(got, exact.SCALE) == Fraction(str(v))


@DETERMINISTIC
@given(st.integers(-10**12, 10**12), st.integers(1, 10**6))
def test_round_half_even_matches_fraction_round(n, d):
    got = pl.DataFrame({"n": [n], "d": [d]}).select(x=exact.round_half_even("n", "d"))["x"][0]
    assert got == round(Fraction(n, d))


def test_text_parse_rejects_garbage():
    out = pl.DataFrame({"s": ["abc", "", "1e3", "12.", ".5", "-"]}).select(v=exact.scaled_from_str("s"))["v"].to_list()
    assert out == [None, None, None, 12 * exact.SCALE, exact.SCALE // 2, None]
    # the 7th decimal is folded in by rounding to odd (3.1234565 → 3.123457, not half-even 3.123456)
    odd = pl.DataFrame({"s": ["3.1234565", "3.1234560"]}).select(v=exact.scaled_from_str("s"))["v"].to_list()
    assert odd == [3123457, 3123456]


@DETERMINISTIC
@given(st.integers(-10**20, 10**20), st.integers(1, 10**9))
def test_ceil_div_int128(n, d):
    df = pl.DataFrame({"n": [n], "d": [d]}, schema={"n": pl.Int128, "d": pl.Int128})
    got = df.select(x=exact.ceil_div("n", "d"))["x"][0]
    assert got == -((-n) // d)


@DETERMINISTIC
@given(st.decimals(min_value=0, max_value=10**5, places=12, allow_nan=False, allow_infinity=False),
       st.integers(0, 4))
def test_sticky_micro_rounding_matches_exact_text(d, decimals):
    # air-evaluation.md §5.1: round once, from the exact text — even with more than 6 decimals
    text = format(d, "f")
    got = pl.DataFrame({"s": [text]}).select(
        r=exact.round_half_even(exact.scaled_from_str("s"), 10 ** (exact.SCALE_DIGITS - decimals)))["r"][0]
    assert got == round(Fraction(text) * 10**decimals)


@DETERMINISTIC
@given(st.floats(min_value=0, max_value=1e5, allow_nan=False, allow_infinity=False), st.integers(0, 4))
def test_sticky_micro_rounding_matches_fraction_of_str_float(v, decimals):
    got = pl.DataFrame({"v": [v]}).select(
        r=exact.round_half_even(exact.scaled_from_float("v"), 10 ** (exact.SCALE_DIGITS - decimals)))["r"][0]
    assert got == round(Fraction(str(v)) * 10**decimals)


def test_reviewer_cases_more_than_six_decimals():
    # 75.4999999 → 75 (PM2.5); 1.8500001 → 1.9 (CO); 0.149999999 → 0.1; −1e-9 is negative
    s = pl.DataFrame({"s": ["75.4999999", "1.8500001"]}).select(m=exact.scaled_from_str("s"))["m"]
    assert round(Fraction(s[0], exact.SCALE)) == 75
    assert round(Fraction(s[1], exact.SCALE), 1) == Fraction("1.9")
    f = pl.DataFrame({"v": [0.149999999, -1e-9]}).select(m=exact.scaled_from_float("v"))["m"]
    assert round(Fraction(f[0], exact.SCALE), 1) == Fraction("0.1")
    assert f[1] < 0


# --- every magnitude: a value that does not fit Int64 micro-units is refused, never wrapped ---------

def _decimal_texts():
    """Decimal texts of 0 to 30 integer digits (uniform over the digit count, so the 13/14-digit
    edge of Int64 micro-units is hit often), 0 to 9 decimals, optional sign and leading zeros."""
    int_digits = st.integers(0, 30).flatmap(
        lambda k: st.just("") if k == 0 else st.integers(10 ** (k - 1), 10**k - 1).map(str)
    )
    frac = st.text("0123456789", min_size=0, max_size=9)
    return st.tuples(st.sampled_from(["", "+", "-"]), st.sampled_from(["", "0", "000"]), int_digits, frac).filter(
        lambda t: t[2] or t[3] or t[1]
    ).map(lambda t: f"{t[0]}{t[1]}{t[2]}" + (f".{t[3]}" if t[3] else ""))


def _expected_micro(text: str) -> int | None:
    """Reference: Fraction(text)·10⁶ rounded to odd at the micro-unit, None when its floor
    magnitude exceeds MAX_SCALED."""
    x = Fraction(text) * exact.SCALE
    mag = abs(x)
    floor = mag.numerator // mag.denominator
    if floor > exact.MAX_SCALED:
        return None
    r = floor if mag == floor or floor % 2 == 1 else floor + 1
    return -r if x < 0 else r


@DETERMINISTIC
@given(_decimal_texts())
def test_text_parse_every_magnitude(text):
    out = pl.DataFrame({"s": [text]}).select(v=exact.scaled_from_str("s"), big=exact.text_exceeds_scale("s"))
    want = _expected_micro(text)
    assert out["v"][0] == want
    assert out["big"][0] is (want is None)


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        # the two cases: wrapped to 0.448384 and to a negative number before the fix
        ("18446744073710", None),
        ("9223372036855", None),
        ("9223372036854.775807", exact.MAX_SCALED),
        ("9223372036854.775808", None),
        ("-9223372036854.775807", -exact.MAX_SCALED),
        ("000000000000000000000000012.5", 12_500_000),
    ],
)
def test_text_parse_int64_edge(text, micro):
    out = pl.DataFrame({"s": [text]}).select(v=exact.scaled_from_str("s"), big=exact.text_exceeds_scale("s"))
    assert out["v"][0] == micro
    assert out["big"][0] is (micro is None)
