"""Common conventions of carbon accounting: molar ratios, exact numbers, publication, roots.

carbon.md §2 (common conventions):

* every value is ``Fraction(text)`` of the reported string and stays exact;
* molar ratios are exact fractions of the rounded masses the guides print —
  C → CO2 ``44/12 = 11/3``, CaO → CO2 ``44/56``, MgO → CO2 ``44/40`` (never 3.67, never IUPAC
  masses, which move results by up to 0.7 %);
* 1 kgce = 7 000 kcal = 29 307.6 kJ (``kj_per_kgce``; GB/T 2589 is recalled to state 29 307 —
  UNCONFIRMED, 2 × 10⁻⁵ relative);
* publication (``carbon_publish``, UNCONFIRMED): tCO2 and tce whole, CC 5 dp, intensities and
  rates 4 dp, percentages 2 dp, rounded half-even (GB/T 8170) once from the exact value; a zero
  is printed unsigned;
* roots (carbon.md §8.4) with ``Decimal`` at 50 digits.

References
----------
.. [1] carbon.md §2 (units, molar ratios, exact arithmetic, publication).
.. [2] GB/T 8170—2008 数值修约规则与极限数值的表示和判定, §3.3 (round half to even).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

#: C → CO2, 44/12 (carbon.md §2)
C_TO_CO2 = Fraction(44, 12)
#: CaO → CO2, 44/56 (carbon.md §2, §6.2)
CAO_TO_CO2 = Fraction(44, 56)
#: MgO → CO2, 44/40 (carbon.md §2, §6.2; one public implementation wrongly uses 44/56)
MGO_TO_CO2 = Fraction(44, 40)
#: kJ per kgce (carbon.md §2 ``kj_per_kgce``): 7 000 kcal × 4.1868 kJ/kcal
KJ_PER_KGCE = Fraction("29307.6")
#: digits of the Decimal roots (carbon.md §2, §8.4)
ROOT_DIGITS = 50

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def exact(value: Fraction | int | str | Decimal | None) -> Fraction | None:
    """``Fraction(text)`` of a reported value (carbon.md §2). ``None`` stays ``None``.

    Floats are refused: a binary float is not the value anyone reported.
    """
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("碳核算数值须以文本或精确数给出，不接受二进制浮点数")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not _NUMBER.match(text):
            raise ValueError(f"“{value}”不是数字")
        return Fraction(text)
    return Fraction(value)


def fraction_text(x: Fraction | None) -> str | None:
    """Exact value as storable text (``"num/den"`` or an integer)."""
    if x is None:
        return None
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def parse_fraction_text(text: str | None) -> Fraction | None:
    """Inverse of :func:`fraction_text`."""
    if text is None or text == "":
        return None
    return Fraction(text)


# --- publication (carbon.md §2 ``carbon_publish``) -------------------------------------------------


@dataclass(frozen=True)
class PublishSettings:
    """``carbon_publish`` (carbon.md §2, §10; UNCONFIRMED): decimals per kind of figure.

    An MRV FAQ keeps emissions to the units digit; whether MEE rounds half-up is unknown, the
    project rounds half-even (GB/T 8170).
    """

    tco2: int = 0
    tce: int = 0
    cc: int = 5
    intensity: int = 4
    rate: int = 4
    percent: int = 2
    #: gce/kWh and kgce/t are intensities (4 dp)
    coal_rate: int = 4


PUBLISH = PublishSettings()


def round_half_even(x: Fraction, decimals: int) -> Fraction:
    """GB/T 8170 rounding of an exact value (``round`` on a Fraction is exact and half-even)."""
    return Fraction(round(Fraction(x), decimals))


def publish(x: Fraction | Decimal | None, decimals: int) -> str:
    """A published figure: rounded once half-even from its exact value; zero unsigned; ``—`` if none."""
    if x is None:
        return "—"
    if isinstance(x, Decimal):
        x = Fraction(x)
    r = round_half_even(x, decimals)
    if r == 0:
        r = Fraction(0)
    sign = "-" if r < 0 else ""
    units = abs(r) * 10**decimals
    assert units.denominator == 1
    whole, frac = divmod(int(units), 10**decimals)
    return f"{sign}{whole}" if decimals == 0 else f"{sign}{whole}.{frac:0{decimals}d}"


def percent(x: Fraction | Decimal | None, decimals: int = PUBLISH.percent) -> str:
    """A fraction published as a percentage (``0.038936…`` → ``"3.89"``)."""
    if x is None:
        return "—"
    return publish((Fraction(x) if isinstance(x, Decimal) else x) * 100, decimals)


# --- roots with Decimal (carbon.md §8.4) -----------------------------------------------------------


def _iroot(a: int, n: int) -> int:
    """floor(a ** (1/n)) for a ≥ 0, exactly (integer Newton iteration)."""
    if a < 2:
        return a
    x = 1 << ((a.bit_length() + n - 1) // n)  # ≥ the root
    while True:
        y = ((n - 1) * x + a // x ** (n - 1)) // n
        if y >= x:
            return x
        x = y


@dataclass(frozen=True)
class Root:
    """An n-th root of a positive rational, truncated to ``digits`` decimals.

    ``value`` ≤ true root < ``value`` + 10^-digits; ``exact`` says whether ``value`` *is* the root.
    Rounding such a root (or 1 − root) to a few decimals is decided exactly: a rounding boundary
    (a multiple of 10^-k/2, k < digits) can never lie strictly inside the open interval.
    """

    value: Decimal
    exact: bool
    digits: int

    def midpoint(self) -> Fraction:
        """A rational strictly inside (value, value + ulp) when not exact; the root when exact."""
        v = Fraction(self.value)
        return v if self.exact else v + Fraction(1, 2 * 10**self.digits)


def nth_root(x: Fraction, n: int, digits: int = ROOT_DIGITS) -> Root:
    """``x ** (1/n)`` for rational x > 0 to ``digits`` decimals (carbon.md §2: roots with Decimal, 50 digits)."""
    x = Fraction(x)
    if x <= 0 or n < 1:
        raise ValueError("开方需要正数与正整数次数")
    scaled_num = x.numerator * 10 ** (digits * n)
    a = scaled_num // x.denominator
    m = _iroot(a, n)
    is_exact = m**n * x.denominator == scaled_num
    with localcontext() as ctx:
        ctx.prec = digits + 40
        value = Decimal(m).scaleb(-digits)
    return Root(value=value, exact=is_exact, digits=digits)


def one_minus_root(x: Fraction, n: int, digits: int = ROOT_DIGITS) -> tuple[Decimal, Fraction]:
    """``1 − x^(1/n)`` as (Decimal to ``digits`` decimals, a rational that rounds exactly like it).

    The Decimal is what is stored and shown at full precision; the rational is what
    :func:`publish` / :func:`percent` round (it lies strictly inside the interval holding the true
    value, so any rounding to fewer than ``digits`` decimals equals that of the true value).
    """
    root = nth_root(x, n, digits)
    with localcontext() as ctx:
        ctx.prec = digits + 40
        dec = Decimal(1) - root.value
    if root.exact:
        return dec, 1 - Fraction(root.value)
    # true value = 1 − root ∈ (1 − value − ulp, 1 − value): report the truncation of 1 − root
    with localcontext() as ctx:
        ctx.prec = digits + 40
        dec = dec - Decimal(1).scaleb(-digits)
    return dec, 1 - root.midpoint()
