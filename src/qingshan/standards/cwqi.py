"""城市地表水环境质量排名技术规定（试行）(环办监测〔2017〕51号): the city water-quality index CWQI.

* :func:`single_indices` / :func:`section_index` — exact scalar CWQI(i) and the section (point)
  index Σ₂₁ CWQI(i) (water.md §9), from exact values (:class:`~fractions.Fraction`);
* :func:`section_index_expr` — the same, vectorised, over nano-unit columns: an exact rational
  ``{num, den}`` (Int128) per row;
* :func:`missing_items` — which of the 21 items a section lacks (setting ``cwqi_missing_items``);
* :func:`river_index`, :func:`lake_index`, :func:`city_index` — means over units, with the
  ``cwqi_aggregation`` strategies ``per_point`` (default) and ``per_lake``;
* :func:`rank` — ascending, equal values share a rank (UNCONFIRMED tie rule);
* :func:`change` and :func:`change_ranking` — ΔCWQI = (current − base)/base × 100 % and its
  ascending ranking, excluding units whose sections were all Class Ⅱ or better in both years
  and that met their targets (confirmed by MEE's press release).

Single-item index (water.md §9): ordinary items C/C_s with C_s the Class Ⅲ limit (lake TP 0.05);
DO C_s/C with C_s = 5 mg/L; pH (7.0 − pH)/(7.0 − 6) for pH ≤ 7, (pH − 7.0)/(9 − 7.0) above.
The inputs are the §8 evaluation values, pH unrounded (setting ``cwqi_input``). Nothing is
rounded before publication: CWQI with 4 decimals and ΔCWQI with 2 (UNCONFIRMED precision).

References
----------
.. [1] 城市地表水环境质量排名技术规定（试行）, 环办监测〔2017〕51号.
.. [2] ../shared/standards/water.md §8 step 7, §9 (worked example W7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from qingshan.standards import gb3838
from qingshan.standards.water_values import NANO

PH_NEUTRAL = Fraction(7)
PH_SD = Fraction(6)  # pH_sd, lower end of the GB 3838 range
PH_SU = Fraction(9)  # pH_su, upper end
DO_STANDARD = Fraction(5)  # C_s(DO), the Class Ⅲ limit


def single_index(code: str, value: Fraction | str, water_body: str = "river") -> Fraction:
    """CWQI(i) of one exact value (water.md §9).

    Examples
    --------
    >>> single_index("nh3n", "1.32")
    Fraction(33, 25)
    >>> single_index("do", "6.8")
    Fraction(25, 34)
    >>> single_index("ph", "7.6")
    Fraction(3, 10)
    """
    v = Fraction(value)
    if code == "ph":
        return (PH_NEUTRAL - v) / (PH_NEUTRAL - PH_SD) if v <= PH_NEUTRAL else (v - PH_NEUTRAL) / (PH_SU - PH_NEUTRAL)
    if code == "do":
        if v <= 0:
            raise ValueError("溶解氧为 0 或负数时 CWQI(DO) 无定义")
        return DO_STANDARD / v
    s = gb3838.ITEM[code].class_iii(gb3838.is_lake(water_body))
    if s is None or code not in gb3838.EVALUATED_ITEMS:
        raise ValueError(f"{gb3838.NAMES.get(code, code)} 不参与 CWQI")
    return v / s


def single_indices(values: Mapping[str, Fraction | str], water_body: str = "river") -> dict[str, Fraction]:
    """CWQI(i) of every one of the 21 items present in ``values``."""
    return {c: single_index(c, values[c], water_body) for c in gb3838.EVALUATED_ITEMS if values.get(c) is not None}


def missing_items(values: Mapping[str, object]) -> list[str]:
    """The 21 items (water.md §2) without a value, in Table order."""
    return [c for c in gb3838.EVALUATED_ITEMS if values.get(c) is None]


def section_index(values: Mapping[str, Fraction | str], water_body: str = "river") -> Fraction:
    """CWQI of a section or point: Σ of the 21 single indices (water.md §9), exact.

    Raises ValueError when an item is missing: a partial sum is never a section index
    (water.md §9 "Fewer than 21 items"; the callers apply ``cwqi_missing_items``).
    """
    miss = missing_items(values)
    if miss:
        raise ValueError("CWQI 需要全部 21 项，缺少：" + "、".join(gb3838.NAMES[c] for c in miss))
    return sum(single_indices(values, water_body).values(), Fraction(0))


# --- vectorised section index ----------------------------------------------------------------

_D = gb3838.RATIO_DEN
_PH7 = 7 * NANO
# (7 − pH)/1 and (pH − 7)/2 over the common denominator D, for pH in nano-units
_PH_LOW = _D // NANO  # (7e9 − n)·D/1e9 / D
_PH_HIGH = _D // (2 * NANO)  # (n − 7e9)·D/2e9 / D


def section_index_expr(nano: Mapping[str, pl.Expr], lake: pl.Expr | bool = False, *,
                       complete: pl.Expr | None = None) -> pl.Expr:
    """Exact CWQI of each row as a rational struct ``{num, den}`` (Int128), from nano-unit
    columns of the 21 items; null where any of them is null or DO ≤ 0 (``complete``: a
    boolean expression saying the 21 are present, when the caller has it already).

    ``nano`` maps every code of :data:`gb3838.EVALUATED_ITEMS` to an Int64 nano-unit
    expression. With C/S_Ⅲ = n·k/D (:func:`gb3838.ratio_factor`), DO = 5e9/n_DO and the pH
    term over D, CWQI = ((Σ n·k + pH·D) · n_DO + 5e9·D) / (D · n_DO).
    """
    missing = [c for c in gb3838.EVALUATED_ITEMS if c not in nano]
    if missing:
        raise ValueError("CWQI 需要全部 21 项的列，缺少：" + "、".join(gb3838.NAMES[c] for c in missing))
    terms: list[pl.Expr] = []
    for code in gb3838.EVALUATED_ITEMS:
        if code in ("ph", "do"):
            continue
        n = nano[code]
        if code != "tp":
            terms.append(n * gb3838.ratio_factor(code))
        elif isinstance(lake, pl.Expr):
            k_river, k_lake = gb3838.ratio_factor("tp", False), gb3838.ratio_factor("tp", True)
            terms.append(n * pl.when(lake).then(pl.lit(k_lake)).otherwise(pl.lit(k_river)))
        else:
            terms.append(n * gb3838.ratio_factor("tp", lake))
    # Σ C·k and the pH term fit Int64 (classify caps the values); only the products with DO
    # need Int128
    ph = nano["ph"]
    ph_term = pl.when(ph <= _PH7).then((_PH7 - ph) * _PH_LOW).otherwise((ph - _PH7) * _PH_HIGH)
    a = (pl.sum_horizontal(terms) + ph_term) if terms else ph_term
    do = nano["do"].cast(pl.Int128)
    num = a.cast(pl.Int128) * do + 5 * NANO * _D
    den = do * _D
    if complete is None:
        complete = pl.all_horizontal([nano[c].is_not_null() for c in gb3838.EVALUATED_ITEMS])
    return pl.when(complete & (nano["do"] > 0)).then(pl.struct(num=num, den=den))


# --- aggregates, ranking, change (few units: exact Python fractions) -------------------------


@dataclass(frozen=True)
class IndexResult:
    """A river, lake or city index with the units that made it (water.md §9)."""

    value: Fraction | None
    n_river: int
    m_lake: int
    excluded: tuple[str, ...] = ()

    def published(self, decimals: int = 4) -> str:
        from qingshan import exact

        return exact.fraction_to_str(self.value, decimals) if self.value is not None else ""


def _mean(xs: Sequence[Fraction]) -> Fraction | None:
    return sum(xs, Fraction(0)) / len(xs) if xs else None


def river_index(section_indices: Iterable[Fraction]) -> Fraction | None:
    """CWQI_river: the mean of the river sections' indices (water.md §9)."""
    return _mean(list(section_indices))


def lake_index(point_indices: Iterable[Fraction]) -> Fraction | None:
    """CWQI_lake: the mean over the lake/reservoir units (points, or lakes under ``per_lake``)."""
    return _mean(list(point_indices))


def city_index(river_indices: Sequence[Fraction], lake_unit_indices: Sequence[Fraction]) -> IndexResult:
    """CWQI_city = (n·CWQI_river + m·CWQI_lake)/(n + m) (water.md §9).

    ``river_indices``: one index per river section; ``lake_unit_indices``: one per lake unit
    (a point under ``per_point``, a whole lake under ``per_lake`` — the caller builds the units).
    Under ``per_point`` this is the plain mean over all sections and points.
    """
    n, m = len(river_indices), len(lake_unit_indices)
    if n + m == 0:
        return IndexResult(None, 0, 0)
    r = river_index(river_indices) or Fraction(0)
    lk = lake_index(lake_unit_indices) or Fraction(0)
    return IndexResult((n * r + m * lk) / (n + m), n, m)


def rank(values: Mapping[str, Fraction | None]) -> dict[str, int | None]:
    """Ascending ranks (smaller CWQI = better water = rank 1); equal values share the lowest
    rank of their group ("1, 2, 2, 4"; UNCONFIRMED tie rule). Units without a value: None."""
    known = sorted(((v, k) for k, v in values.items() if v is not None), key=lambda t: t[0])
    out: dict[str, int | None] = {k: None for k, v in values.items() if v is None}
    prev: Fraction | None = None
    r = 0
    for i, (v, k) in enumerate(known, start=1):
        if prev is None or v != prev:
            r = i
            prev = v
        out[k] = r
    return out


def change(current: Fraction, base: Fraction) -> Fraction:
    """ΔCWQI = (CWQI_current − CWQI_base)/CWQI_base × 100 (%), exact (water.md §9)."""
    if base <= 0:
        raise ValueError("基准期 CWQI 必须为正数")
    return (current - base) / base * 100


@dataclass(frozen=True)
class ChangeRow:
    unit: str
    delta: Fraction | None
    rank: int | None
    excluded: bool
    reason: str = ""


def change_ranking(
    current: Mapping[str, Fraction | None],
    base: Mapping[str, Fraction | None],
    *,
    all_class_ii_or_better: Mapping[str, bool] | None = None,
    met_targets: Mapping[str, bool] | None = None,
) -> list[ChangeRow]:
    """Rank ΔCWQI ascending (most negative = most improved) with the exclusion rule of water.md §9.

    A unit is excluded if all its sections were Class Ⅱ or better in both the base and the
    current period (``all_class_ii_or_better[unit]`` = True) and it met its targets
    (``met_targets[unit]`` = True). A unit without both indices gets no rank.
    """
    good = all_class_ii_or_better or {}
    met = met_targets or {}
    deltas: dict[str, Fraction | None] = {}
    rows: dict[str, ChangeRow] = {}
    for unit, cur in current.items():
        b = base.get(unit)
        if cur is None or b is None:
            rows[unit] = ChangeRow(unit, None, None, False, "缺少本期或基准期指数")
            continue
        d = change(cur, b)
        if good.get(unit, False) and met.get(unit, False):
            rows[unit] = ChangeRow(unit, d, None, True, "两期断面均为Ⅱ类及以上且达到目标，不参与变化排名")
            continue
        deltas[unit] = d
    for unit, r in rank(deltas).items():
        rows[unit] = ChangeRow(unit, deltas[unit], r, False)
    return sorted(rows.values(), key=lambda x: (x.rank is None, x.rank or 0, x.unit))
