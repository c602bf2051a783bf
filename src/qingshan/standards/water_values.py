"""Exact surface-water values as integer nano-units, vectorised over polars columns.

water.md §8 and §11 demand that every result be taken exactly from its reported text and that
every comparison with a GB 3838 limit be exact. Water values reach further down than air
concentrations — Hg Class Ⅰ is 0.00005 mg/L and half a detection limit of a trace metal can have
seven decimals — so this module uses **nano-units** (``NANO`` = 10⁹ units of the item's GB 3838
unit: mg/L, count/L for faecal coliform, pH units, °C) instead of the micro-units of
:mod:`qingshan.exact`:

* a value with at most nine decimals is held exactly as an Int64;
* a value with more decimals (text, float or an exact mean ``num/den``) is **rounded to odd** at
  the ninth decimal: the integer kept is the odd neighbour, strictly between the same two
  nano-units as the exact value. Every GB 3838 limit is a whole number of nano-units and every
  rounding of the §8 decimals table is at ≤ 5 decimals (a tie there is a multiple of 10⁴
  nano-units, even), so comparisons with limits, limit ties and half-even roundings come out as
  for the exact value (the "sticky" rounding of :mod:`qingshan.exact`, at a finer scale);
* an exact mean is a :data:`qingshan.exact.RATIONAL` struct ``{num, den}``.

Magnitudes: |value| < 9.2·10⁹ units fits Int64 (faecal coliform counts up to 10⁹ /L included).
A text with a larger integer part is refused (null), never wrapped.

References
----------
.. [1] ../shared/standards/water.md §8 (exact means from the reported strings, GB/T 8170
       half-even rounding, order of operations), §11 (implementation notes).
.. [2] GB/T 8170—2008 数值修约规则与极限数值的表示和判定, §3.3 and §4.3.3 (全数值比较法).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import polars as pl

from qingshan import exact

NANO_DIGITS = 9
NANO = 10**NANO_DIGITS
_MAX_INT_DIGITS = 9  # integer part of a text value: 9 digits × 10⁹ < 2⁶³
_DECIMAL_RE = r"^[+-]?(\d+\.?\d*|\.\d+)$"


def _e(x: pl.Expr | str) -> pl.Expr:
    return pl.col(x) if isinstance(x, str) else x


def nano_from_text(expr: pl.Expr | str) -> pl.Expr:
    """Decimal text → Int64 nano-units (exact to 9 decimals, rounded to odd beyond); null when
    the text is not a plain decimal number or its integer part has more than 9 digits.

    Accepts ``12``, ``12.5``, ``.5``, ``-3``, ``+4.25`` (surrounding blanks ignored). Exponent
    forms (``1.2E-3``) are normalised by the importers (:func:`normalise_decimal_text`) first.
    """
    s = _e(expr).cast(pl.Utf8).str.strip_chars()
    ok = s.str.contains(_DECIMAL_RE)
    neg = s.str.starts_with("-")
    body = s.str.strip_chars_start("+-")
    parts = body.str.split_exact(".", 1)
    int_part = parts.struct.field("field_0")
    frac_part = parts.struct.field("field_1").fill_null("")
    int_digits = int_part.str.strip_chars_start("0")
    ok = ok & (int_digits.str.len_chars() <= _MAX_INT_DIGITS)
    int_val = pl.when(int_part == "").then(pl.lit("0")).otherwise(int_part).cast(pl.Int64, strict=False)
    frac9 = (frac_part + "000000000").str.slice(0, NANO_DIGITS).cast(pl.Int64, strict=False)
    sticky = frac_part.str.slice(NANO_DIGITS).str.contains("[1-9]").fill_null(False)
    mag = int_val * NANO + frac9
    mag = pl.when(sticky & (mag % 2 == 0)).then(mag + 1).otherwise(mag)
    val = pl.when(neg).then(-mag).otherwise(mag)
    return pl.when(ok).then(val).otherwise(None).cast(pl.Int64)


def nano_from_float(expr: pl.Expr | str) -> pl.Expr:
    """Float column → Int64 nano-units standing for ``Fraction(str(v))`` (water.md §8: a float
    stands for its shortest decimal text, never for its binary value).

    Exact for every float whose shortest decimal form has at most nine decimals and
    |v|·10⁹ < 2⁵³; otherwise the exact value of that text lies strictly between two
    nano-units and the odd one is kept (as :func:`qingshan.exact.scaled_from_float` does at six
    decimals). NaN and infinities become null.
    """
    e = _e(expr).cast(pl.Float64)
    r = (e * NANO).round(0)
    ri = r.cast(pl.Int64, strict=False)
    # divide by a column, not a literal: polars turns division by a literal into a multiplication
    back = r / (e * 0.0 + NANO)
    move = ((back != e) & ((ri & 1) == 0)).cast(pl.Int64) * ((e > back).cast(pl.Int64) * 2 - 1)
    return ri + move


def nanos_from_floats(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Float columns of ``frame`` → Int64 nano-units standing for ``Fraction(repr(v))``, fast.

    ``rint(v·10⁹)`` is that exact value whenever it is below 2⁵³ in magnitude and
    ``rint(v·10⁹) / 10⁹ == v`` in IEEE arithmetic (numpy divides element by element, correctly
    rounded) — i.e. whenever the float's shortest decimal has at most nine decimals and
    |v| < 9·10⁶: every measured concentration. One numpy pass per column computes it and checks
    every value; a column where some value fails the check (more decimals, or a large count
    such as faecal coliform) is converted value by value from ``repr(v)`` exactly (rounded to
    odd beyond nine decimals). NaN, infinities and nulls become null. A value beyond the Int64
    range of nano-units (|v| ≥ 9.2·10⁹) raises ValueError.
    """
    out: list[pl.Series] = []
    for c in columns:
        a = frame[c].cast(pl.Float64).to_numpy()
        # one reduction instead of a mask: the sum is finite when every value is (an overflow
        # to infinity only sends the column to the masked branch, which is exact as well)
        clean = bool(np.isfinite(a.sum()))
        finite = None if clean else np.isfinite(a)
        v = a if clean else np.where(finite, a, 0.0)
        r = np.multiply(v, NANO)
        np.rint(r, out=r)
        back = np.divide(r, NANO)
        if r.size == 0 or (r.max() < 2.0**53 and r.min() > -(2.0**53) and np.array_equal(back, v)):
            s = pl.Series(c, r.astype(np.int64))
            if not clean:
                s = s.scatter(np.flatnonzero(~finite), None)
        else:
            bad = ~np.isfinite(a)
            if np.any(np.abs(v) >= 9.2e9):
                raise ValueError(f"列 {c} 的数值超出可精确计算的范围（|值| ≥ 9.2×10⁹）")
            s = pl.Series(c, [None if b else nano_of_fraction(Fraction(repr(float(x)))) for x, b in zip(a, bad, strict=True)],
                          pl.Int64)
        out.append(s)
    return pl.DataFrame(out) if out else pl.DataFrame()


def nano_from_rational(expr: pl.Expr | str) -> pl.Expr:
    """Exact rational struct ``{num, den}`` (den > 0) → Int64 nano-units, rounded to odd."""
    e = _e(expr)
    n = exact.num(e).cast(pl.Int128) * NANO
    d = exact.den(e).cast(pl.Int128)
    q = n // d  # floor, also for negative numerators
    inexact = (n - q * d) != 0
    q = pl.when(inexact & (q % 2 == 0)).then(q + 1).otherwise(q)
    return q.cast(pl.Int64)


def nano_from_decimal(expr: pl.Expr | str, scale: int) -> pl.Expr:
    """Polars ``Decimal(p, scale)`` column → Int64 nano-units (exact for scale ≤ 9)."""
    phys = _e(expr).to_physical().cast(pl.Int128)
    if scale <= NANO_DIGITS:
        return (phys * 10 ** (NANO_DIGITS - scale)).cast(pl.Int64)
    return nano_from_rational(exact.rational(phys, 10**scale))


def as_nano(expr: pl.Expr | str, dtype: pl.DataType) -> pl.Expr:
    """Any value column → Int64 nano-units by its dtype (``frame.schema[name]``).

    * text: exact decimal (:func:`nano_from_text`);
    * integers: whole units;
    * floats: ``Fraction(str(v))`` (:func:`nano_from_float`);
    * ``Decimal(p, s)``: exact;
    * :data:`qingshan.exact.RATIONAL` struct: exact, rounded to odd beyond 9 decimals.
    """
    e = _e(expr)
    if isinstance(dtype, pl.Struct):
        return nano_from_rational(e)
    if dtype == pl.Utf8 or dtype == pl.String:
        return nano_from_text(e)
    if isinstance(dtype, pl.Decimal):
        return nano_from_decimal(e, dtype.scale or 0)
    if dtype.is_integer():
        return (e.cast(pl.Int64) * NANO).cast(pl.Int64)
    if dtype.is_float() or dtype == pl.Null:
        return nano_from_float(e)
    raise TypeError(f"cannot take a water value from dtype {dtype}")


def round_nano(expr: pl.Expr | str, decimals: int) -> pl.Expr:
    """GB/T 8170 half-even rounding of nano-units to ``decimals`` (0 … 9); result in nano-units.

    A value held rounded to odd (more than nine decimals) never sits on a tie, so the result is
    that of the exact value.
    """
    if not 0 <= decimals <= NANO_DIGITS:
        raise ValueError("decimals must be within 0 … 9")
    step = 10 ** (NANO_DIGITS - decimals)
    return exact.round_half_even(_e(expr), step) * step


# --- scalar helpers (reference implementations, importers, reports) -------------------------


def normalise_decimal_text(text: str) -> str | None:
    """Reported number text → plain decimal text (``1.2E-3`` → ``0.0012``), or None when it is
    not a finite number. Full-width digits and a leading ``+`` are accepted. The value is never
    passed through a float."""
    t = (text or "").strip().replace("＋", "+").replace("－", "-").replace("．", ".")
    t = "".join(chr(ord(c) - 0xFEE0) if "０" <= c <= "９" else c for c in t)
    if not t:
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    s = format(d, "f")
    return s


def nano_of_fraction(x: Fraction) -> int:
    """Exact value → nano-units, rounded to odd beyond nine decimals (scalar twin of
    :func:`nano_from_rational`)."""
    n = x.numerator * NANO
    q, r = divmod(n, x.denominator)
    if r and q % 2 == 0:
        q += 1
    return q


def nano_of_text(text: str) -> int | None:
    """Reported text → nano-units (None when not a number)."""
    plain = normalise_decimal_text(text)
    if plain is None:
        return None
    return nano_of_fraction(Fraction(plain))


def fraction_of_nano(n: int) -> Fraction:
    return Fraction(n, NANO)


def nano_to_text(n: int | None, decimals: int) -> str:
    """Nano-units → text with ``decimals`` decimals, half-even (publication)."""
    if n is None:
        return ""
    return exact.fraction_to_str(Fraction(n, NANO), decimals)
