"""Trophic state of lakes and reservoirs: the comprehensive trophic level index TLI(Σ).

地表水环境质量评价办法（试行）(环办〔2011〕22号), 湖泊（水库）营养状态评价 — water.md §7:

``TLI(j) = 10 × (a_j + b_j × ln x_j)`` for chlorophyll-a (mg/m³), TP, TN (mg/L), Secchi depth
SD (m) and CODMn (mg/L); ``TLI(Σ) = Σ W_j × TLI(j)`` with the exact weights
``W_j = r_j² / Σ r²`` (Fractions from the decimal correlations r_j with chla). ln has no exact
form: each TLI(j) is computed with :meth:`decimal.Decimal.ln` at 40 significant digits. The
unrounded TLI(Σ) is compared with the thresholds (< 30 贫营养, 30–50 中营养, > 50 富营养 split
at 60 and 70) and published with 2 decimals.

The coefficients and thresholds are confirmed by an independent implementation; the r_j are
UNCONFIRMED (versioned table ``tli`` of :mod:`qingshan.standards.water_rules`). A missing
parameter: the available ones with renormalised weights, ``partial=True`` (UNCONFIRMED).

Inputs: the §8 evaluation values for TP, TN and CODMn; chla and SD unrounded.

References
----------
.. [1] ../shared/standards/water.md §7 (formulas, weights, classes) and §10 W8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings

LN_DIGITS = 40
PARAMETERS: tuple[str, ...] = ("chla", "tp", "tn", "sd", "codmn")
NAMES = {"chla": "叶绿素a", "tp": "总磷", "tn": "总氮", "sd": "透明度", "codmn": "高锰酸盐指数"}


@dataclass(frozen=True)
class TliResult:
    """TLI(Σ) with its parts (unrounded Decimals; publish with 2 decimals)."""

    value: Decimal
    indices: Mapping[str, Decimal]
    weights: Mapping[str, Fraction]
    state: str
    partial: bool
    table_version: str
    table_status: str

    def published(self, decimals: int = 2) -> str:
        return f"{self.value.quantize(Decimal(1).scaleb(-decimals)):f}"


def weights(settings: WaterSettings = DEFAULT_SETTINGS, present: tuple[str, ...] = PARAMETERS) -> dict[str, Fraction]:
    """Exact W_j = r_j² / Σ r² over the ``present`` parameters (renormalised when partial).

    Examples
    --------
    >>> w = weights()
    >>> round(float(w["chla"]), 6), round(float(w["tp"]), 6)
    (0.266255, 0.187869)
    """
    r = {k: Fraction(v) for k, v in settings.rules["tli"].data["r"].items()}  # type: ignore[index]
    total = sum(r[j] ** 2 for j in present)
    return {j: r[j] ** 2 / total for j in present}


def index(parameter: str, value: Fraction | Decimal | str, settings: WaterSettings = DEFAULT_SETTINGS) -> Decimal:
    """TLI(j) of one parameter at 40 significant digits (water.md §7)."""
    a, b = (Decimal(x) for x in settings.rules["tli"].data["coefficients"][parameter])  # type: ignore[index]
    with localcontext() as ctx:
        ctx.prec = LN_DIGITS
        x = Decimal(str(value)) if not isinstance(value, Fraction) else Decimal(value.numerator) / Decimal(value.denominator)
        if x <= 0:
            raise ValueError(f"{NAMES[parameter]} 必须为正数才能计算营养状态指数")
        return 10 * (a + b * x.ln())


def state(tli_sum: Decimal | Fraction, settings: WaterSettings = DEFAULT_SETTINGS) -> str:
    """Trophic state of an unrounded TLI(Σ) (water.md §7)."""
    t = settings.rules["tli"].data["thresholds"]  # type: ignore[index]
    v = Fraction(tli_sum) if isinstance(tli_sum, Fraction) else Fraction(str(tli_sum))
    if v < Fraction(t["oligotrophic_below"]):
        return "贫营养"
    if v <= Fraction(t["mesotrophic_max"]):
        return "中营养"
    if v <= Fraction(t["light_max"]):
        return "轻度富营养"
    if v <= Fraction(t["moderate_max"]):
        return "中度富营养"
    return "重度富营养"


def tli(values: Mapping[str, Fraction | Decimal | str | None], settings: WaterSettings = DEFAULT_SETTINGS) -> TliResult:
    """TLI(Σ) from chla (mg/m³), tp, tn, codmn (mg/L) and sd (m) (water.md §7).

    Examples
    --------
    >>> r = tli({"chla": "10", "tp": "0.05", "tn": "0.8", "sd": "1.2", "codmn": "4"})
    >>> r.published(), r.state
    ('46.69', '中营养')
    """
    present = tuple(p for p in PARAMETERS if values.get(p) is not None)
    if not present:
        raise ValueError("营养状态指数至少需要一个参数")
    w = weights(settings, present)
    idx = {p: index(p, values[p], settings) for p in present}  # type: ignore[arg-type]
    with localcontext() as ctx:
        ctx.prec = LN_DIGITS
        total = sum((Decimal(w[p].numerator) / Decimal(w[p].denominator) * idx[p] for p in present), Decimal(0))
    table = settings.rules["tli"]
    return TliResult(total, idx, w, state(total, settings), len(present) < len(PARAMETERS), table.version, table.status)
