"""Exact decimal and rational arithmetic on polars columns.

The air specifications demand exact arithmetic: every concentration is taken from its text
as received (``Fraction(text)``), means and interpolations stay exact, and values are rounded
per GB/T 8170—2008 (round half to even, "四舍六入五成双") only where air-evaluation.md §5.3
says. A binary float can flip a rounding tie (air-evaluation.md E12: a CO mean of exactly
1.85 becomes 1.8500000000000003 and rounds the wrong way).

Vectorised equivalent of ``Fraction(text)`` used throughout the package:

* A concentration is held as an integer number of **micro-units** (``SCALE`` = 10⁶ units of
  µg/m³, or of mg/m³ for CO). This is exact for every value with at most six decimals,
  i.e. every value any monitoring system publishes.
* A float that arrived as a number is converted with ``round(v * 10⁶)``. For any float whose
  shortest decimal representation has at most six decimals (and |v| < 10⁹) this yields
  exactly ``Fraction(str(v)) * 10⁶``: the float lies within half an ulp of that decimal, far
  less than 0.5 micro-units.
* A value with more than six decimals (text or float, e.g. a mean computed upstream) is rounded
  to odd at the sixth decimal. That keeps it strictly between the same two micro-units as the
  exact value, so every GB/T 8170 rounding to ≤ 4 decimals (a tie there is an even number of micro-units) and every comparison with a
  micro-representable number (breakpoints, limits, ties) is decided as for the exact value.
* A statistic is a rational ``num / den`` carried as two integer columns (Int128 where sums
  can grow) and rounded once with :func:`round_half_even`.

References
----------
.. [1] GB/T 8170—2008 数值修约规则与极限数值的表示和判定, §3.3 (round half to even).
.. [2] ../shared/standards/air-evaluation.md §5 (exact arithmetic and when to round).
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

SCALE_DIGITS = 6
SCALE = 10**SCALE_DIGITS

# ASCII digits only: polars' \d is Unicode-aware and would pass "９９" or "٣" as a number whose
# integer cast then fails (reported as "too large" before this was spelled out)
_DECIMAL_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"


def _e(x: pl.Expr | str | int) -> pl.Expr:
    if isinstance(x, pl.Expr):
        return x
    if isinstance(x, str):
        return pl.col(x)
    return pl.lit(x)


def scaled_from_float(expr: pl.Expr | str) -> pl.Expr:
    """Float (or integer) column → Int64 micro-units standing for ``Fraction(str(v))``.

    Exact for every value whose shortest decimal form has at most six decimals. A value with
    more decimals lies strictly between two micro-units and is *rounded to odd* (the neighbour
    whose last digit is odd): it then keeps its side of every micro-representable point —
    every GB/T 8170 tie at four or fewer decimals and every HJ 633 breakpoint — so a later
    half-even rounding or breakpoint test gives the result of the exact value (a "sticky"
    intermediate rounding; air-evaluation.md §5.1). NaN and infinities become null.
    """
    e = _e(expr).cast(pl.Float64)
    r = (e * SCALE).round(0)  # half to even; an exact integer for |v| < 9e9
    ri = r.cast(pl.Int64, strict=False)  # NaN and infinities → null
    # r / 10⁶ by a *column* divisor: polars rewrites division by a literal as a multiplication
    # by its reciprocal, which is not correctly rounded. back == e exactly iff the float's
    # shortest decimal has ≤ 6 decimals; otherwise the exact value lies on the same side of
    # r/10⁶ as the float itself (its rounding interval excludes r/10⁶), and an even r moves one
    # micro-unit towards it. Plain column arithmetic: this sits on the AQI hot path.
    back = r / (e * 0.0 + SCALE)
    move = ((back != e) & ((ri & 1) == 0)).cast(pl.Int64) * ((e > back).cast(pl.Int64) * 2 - 1)
    return ri + move


#: Largest magnitude a micro-unit Int64 column holds: 9,223,372,036,854.775807 units.
MAX_SCALED = 2**63 - 1
_MAX_INT_PART, _MAX_FRAC6 = divmod(MAX_SCALED, SCALE)  # 9223372036854, 775807


def _decimal_parts(expr: pl.Expr | str) -> dict[str, pl.Expr]:
    """The pieces of a decimal text both :func:`scaled_from_str` and :func:`text_exceeds_scale` use."""
    s = _e(expr).cast(pl.Utf8).str.strip_chars()
    body = s.str.strip_chars_start("+-")
    parts = body.str.split_exact(".", 1)
    # leading zeros carry no magnitude; without them an integer part of more than 13 digits
    # is at least 10¹³ units, beyond MAX_SCALED (never cast: a 20-digit Int64 cast would fail)
    digits = parts.struct.field("field_0").str.strip_chars_start("0")
    frac_part = parts.struct.field("field_1").fill_null("")
    int_val = (
        pl.when(digits.str.len_chars() <= len(str(_MAX_INT_PART)))
        .then(pl.when(digits == "").then(pl.lit("0")).otherwise(digits))
        .cast(pl.Int64, strict=False)
    )
    frac6 = (frac_part + "000000").str.slice(0, SCALE_DIGITS).cast(pl.Int64, strict=False)
    ok = s.str.contains(_DECIMAL_RE)
    too_large = ok & (
        int_val.is_null()
        | (int_val > _MAX_INT_PART)
        | ((int_val == _MAX_INT_PART) & (frac6 > _MAX_FRAC6))
    )
    return {
        "ok": ok,
        "too_large": too_large,
        "neg": s.str.starts_with("-"),
        "int_val": int_val,
        "frac6": frac6,
        "sticky": frac_part.str.slice(SCALE_DIGITS).str.contains("[1-9]").fill_null(False),
    }


def scaled_from_str(expr: pl.Expr | str) -> pl.Expr:
    """Decimal text column → Int64 micro-units, exactly; null when the text is not a number.

    Accepts ``12``, ``12.5``, ``.5``, ``-3``, ``+4.25`` (surrounding blanks ignored). Digits
    beyond the sixth decimal are folded in by rounding to odd, as in :func:`scaled_from_float`,
    so every later rounding to four or fewer decimals is that of the exact text.

    A number whose magnitude exceeds :data:`MAX_SCALED` micro-units (9,223,372,036,854.775807)
    does not fit an Int64 and is null as well (never wrapped around); :func:`text_exceeds_scale`
    tells those apart from text that is not a number.
    """
    p = _decimal_parts(expr)
    mag = p["int_val"] * SCALE + p["frac6"]  # cannot overflow where too_large is false
    # MAX_SCALED is odd, so the round-to-odd step below never carries past it
    mag = pl.when(p["sticky"] & (mag % 2 == 0)).then(mag + 1).otherwise(mag)
    val = pl.when(p["neg"]).then(-mag).otherwise(mag)
    return pl.when(p["ok"] & ~p["too_large"]).then(val).otherwise(None).cast(pl.Int64)


def text_exceeds_scale(expr: pl.Expr | str) -> pl.Expr:
    """True where the text is a decimal number too large for Int64 micro-units (|v| > MAX_SCALED/10⁶).

    False for numbers that fit, false (not null) for text that is not a number.
    """
    return _decimal_parts(expr)["too_large"].fill_null(False)


def round_half_even(num: pl.Expr | str, den: pl.Expr | str | int) -> pl.Expr:
    """Nearest integer to ``num / den`` with ties to even (GB/T 8170 §3.3). ``den`` > 0.

    Works on any integer dtype; floor division keeps it correct for negative numerators.
    """
    n, d = _e(num), _e(den)
    q = n // d
    r2 = (n - q * d) * 2
    bump = (r2 > d) | ((r2 == d) & (q % 2 != 0))
    return q + bump.cast(pl.Int64)


def ceil_div(num: pl.Expr | str, den: pl.Expr | str | int) -> pl.Expr:
    """``ceil(num / den)`` exactly, for integer columns and ``den`` > 0.

    Written without negation, which polars does not offer for Int128.
    """
    d = _e(den)
    return (_e(num) + d - 1) // d


def round_fraction(x: Fraction, decimals: int = 0) -> Fraction:
    """GB/T 8170 rounding of an exact scalar (``round`` on a Fraction is exact and half-even)."""
    return Fraction(round(x, decimals))


def fraction_to_str(x: Fraction | None, decimals: int) -> str:
    """Format an exact value rounded half-even to ``decimals`` (for publication)."""
    if x is None:
        return ""
    r = round(Fraction(x), decimals)
    if decimals == 0:
        return str(int(r))
    sign = "-" if r < 0 else ""
    r = abs(Fraction(r))
    units = int(r * 10**decimals)
    whole, frac = divmod(units, 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}"


# --- exact rationals as polars Struct columns ------------------------------------------------
#
# An exact value (a concentration, a mean, a moving average, a percentile) is one Struct column
# ``{num: Int128, den: Int128}`` with den > 0; a null struct (or null num) is a missing value.
# Concentration units: µg/m³, CO mg/m³.

RATIONAL = pl.Struct({"num": pl.Int128, "den": pl.Int128})


def rational(num: pl.Expr | str | int, den: pl.Expr | str | int) -> pl.Expr:
    """Build a rational Struct column from integer numerator and positive denominator."""
    n = _e(num).cast(pl.Int128)
    return pl.when(n.is_not_null()).then(pl.struct(num=n, den=_e(den).cast(pl.Int128)))


def num(x: pl.Expr | str) -> pl.Expr:
    return _e(x).struct.field("num")


def den(x: pl.Expr | str) -> pl.Expr:
    return _e(x).struct.field("den")


def as_rational(expr: pl.Expr | str, dtype: pl.DataType | None = None) -> pl.Expr:
    """Any concentration column → exact rational Struct.

    * Struct ``{num, den}``: returned as is;
    * text: parsed exactly (:func:`scaled_from_str`);
    * integers: taken as they are;
    * floats: the exact value of ``Fraction(str(v))`` (:func:`scaled_from_float`).

    Negative values are *missing* (air-aqi.md §1: a negative concentration never counts).
    ``dtype`` is the column's dtype (``frame.schema[name]``); needed to pick the conversion.
    """
    e = _e(expr)
    if dtype is None:
        raise TypeError("as_rational needs the column dtype (frame.schema[col])")
    if isinstance(dtype, pl.Struct):
        r = e
    elif dtype == pl.Utf8 or dtype == pl.String:
        r = rational(scaled_from_str(e), SCALE)
    elif dtype.is_integer():
        r = rational(e, 1)
    elif dtype.is_float() or dtype == pl.Null:
        r = rational(scaled_from_float(e), SCALE)
    elif dtype.is_decimal():
        r = rational(scaled_from_str(e.cast(pl.Utf8)), SCALE)
    else:
        raise TypeError(f"cannot take a concentration from dtype {dtype}")
    return pl.when(num(r) >= 0).then(r)


def rational_round(x: pl.Expr | str, decimals: int = 0) -> pl.Expr:
    """GB/T 8170 half-even rounding of a rational Struct; returns integer units of 10^-decimals."""
    return round_half_even(num(x) * 10**decimals, den(x))


def rational_to_float(x: pl.Expr | str) -> pl.Expr:
    """For display and plotting only — never feed the result back into a computation."""
    return num(x).cast(pl.Float64) / den(x).cast(pl.Float64)


def to_fraction(value: dict | None) -> Fraction | None:
    """A struct value (as returned by polars) → ``Fraction``."""
    if value is None or value.get("num") is None:
        return None
    return Fraction(int(value["num"]), int(value["den"]))
