"""Tracking a five-year CO2-intensity reduction target (carbon.md §8.4).

Base year b (2025 for the 十五五), end year T = b + 5, target reduction R* (e.g. 0.17)::

    annual reduction        r(t)   = 1 − I(t)/I(t−1)
    cumulative reduction    R(t)   = 1 − I(t)/I(b) = 1 − Π_{k=b+1..t} (1 − r(k))
    completion (完成进度)    P(t)   = R(t) / R*
    time progress (时序进度) τ(t)   = (t − b) / (T − b)
    required annual rate    r_req  = 1 − [(1 − R*) / (1 − R(t))]^(1/(T − t))     for t < T
    average achieved rate   r_avg  = 1 − (1 − R(t))^(1/(t − b))
    allowed CO2 at T        X_max  = I(b) × (1 − R*) × GDP_c(T)

with ``I(t)/I(t−1) = (X(t)/X(t−1)) / (index_t/100)`` (§8.3: no absolute GDP needed).

Status (``progress_warning``; project rule, no official scheme found, UNCONFIRMED), b < t < T,
first match wins: ``red`` if r(t) < 0 or r_req > ``max_feasible_rate`` (0.05); ``green`` if
P(t) ≥ τ(t); else ``yellow``. At t = T only the end rule: ``green`` if R(T) ≥ R* (exact, or the
2-dp published R with ``fyp_target_comparison = "published"``), else ``red``.

Input rows (year, co2_t, gdp_index with the previous year = 100), the first being b (its index
unused). Rows after T are ignored with a warning. A row without gdp_index is ``no_data``, and so
is every later row; a row without co2_t is ``no_data`` and the next row has no r (its r test is
skipped). Without R*: P, r_req and status are None.

R, r, P and τ are exact (``Fraction``); r_req and r_avg are ``Decimal`` roots to 50 digits, and
comparisons with them are made exactly (``x^(1/n) < y ⇔ x < yⁿ``). Published in % with 2 dp,
half-even, from the exact values. Never add annual rates: chain ratios.

References
----------
.. [1] carbon.md §8.3, §8.4, §9 C3; 加快构建碳排放双控制度体系工作方案 (国办发〔2024〕39号).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from qingshan.standards.carbon_common import one_minus_root, percent, round_half_even

Status = Literal["green", "yellow", "red", "no_data"]
STATUS_ZH: dict[str, str] = {"green": "绿（进度正常）", "yellow": "黄（进度滞后）", "red": "红（目标有风险）", "no_data": "无数据"}
PLAN_YEARS = 5


class TrackingError(ValueError):
    """Tracking input refused (Chinese message)."""


@dataclass(frozen=True)
class TrackingSettings:
    """``progress_warning.max_feasible_rate`` (0.05), ``fyp_target_comparison`` (``exact``), plan length 5."""

    max_feasible_rate: Fraction = Fraction("0.05")
    fyp_target_comparison: Literal["exact", "published"] = "exact"
    plan_years: int = PLAN_YEARS

    def __post_init__(self) -> None:
        if self.fyp_target_comparison not in ("exact", "published"):
            raise TrackingError("fyp_target_comparison 应为 exact 或 published（carbon.md §8.4）")


@dataclass(frozen=True)
class SeriesRow:
    """One year of the tracking input (``gdp_index``: constant-price index, previous year = 100)."""

    year: int
    co2_t: Fraction | None
    gdp_index: Fraction | None


@dataclass(frozen=True)
class TrackingRow:
    """One year of the output. Rates are fractions (0.0389…); r_req/r_avg are Decimal roots
    with a rational twin used for exact rounding and comparison."""

    year: int
    status: Status | None
    r: Fraction | None
    R: Fraction | None
    P: Fraction | None
    tau: Fraction
    r_req: Decimal | None
    r_avg: Decimal | None
    intensity_ratio: Fraction | None  # I(t)/I(b)
    _r_req_q: Fraction | None = None
    _r_avg_q: Fraction | None = None

    def published(self) -> dict[str, str | int | None]:
        """Percentages with 2 dp (half-even from the exact values); None where undefined."""
        return {
            "year": self.year,
            "r": None if self.r is None else percent(self.r),
            "R": None if self.R is None else percent(self.R),
            "P": None if self.P is None else percent(self.P),
            "tau": percent(self.tau),
            "r_req": None if self._r_req_q is None else percent(self._r_req_q),
            "r_avg": None if self._r_avg_q is None else percent(self._r_avg_q),
            "status": self.status,
        }


@dataclass(frozen=True)
class Tracking:
    base_year: int
    end_year: int
    target: Fraction | None
    rows: tuple[TrackingRow, ...]  # base row first, then b+1 … (supplied years ≤ T)
    warnings: tuple[str, ...]
    settings: TrackingSettings

    @property
    def after_base(self) -> tuple[TrackingRow, ...]:
        return tuple(r for r in self.rows if r.year > self.base_year)

    @property
    def whole_period_rate(self) -> tuple[Decimal, Fraction] | None:
        """Average annual rate needed from b over the whole plan: 1 − (1 − R*)^(1/(T − b)) (C3: 3.66 %)."""
        if self.target is None:
            return None
        return one_minus_root(1 - self.target, self.end_year - self.base_year)


def _status(t: int, T: int, r: Fraction | None, R: Fraction, P: Fraction, tau: Fraction, x_req: Fraction | None,
            n: int, target: Fraction, s: TrackingSettings) -> Status:
    if t == T:
        achieved = R if s.fyp_target_comparison == "exact" else round_half_even(R * 100, 2) / 100
        return "green" if achieved >= target else "red"
    # r_req > m  ⇔  1 − x^(1/n) > m  ⇔  x^(1/n) < 1 − m  ⇔  x < (1 − m)^n   (exact, no root needed)
    infeasible = x_req is not None and x_req < (1 - s.max_feasible_rate) ** n
    if (r is not None and r < 0) or infeasible:
        return "red"
    return "green" if P >= tau else "yellow"


def track(
    rows: Sequence[SeriesRow],
    base_year: int,
    target: Fraction | None,
    *,
    settings: TrackingSettings = TrackingSettings(),
) -> Tracking:
    """Tracking rows b … min(last supplied, T) (carbon.md §8.4)."""
    if not rows:
        raise TrackingError("跟踪序列为空")
    rows = sorted(rows, key=lambda r: r.year)
    years = [r.year for r in rows]
    if len(set(years)) != len(years):
        raise TrackingError("跟踪序列中有重复年份")
    if rows[0].year != base_year:
        raise TrackingError(f"跟踪序列的第一行应为基年 {base_year}，实际为 {rows[0].year}")
    for a, b in zip(years, years[1:]):
        if b != a + 1:
            raise TrackingError(f"跟踪序列年份不连续：{a} 之后是 {b}")
    if target is not None and not 0 < target < 1:
        raise TrackingError("降低目标 R* 应为 0 与 1 之间的小数（如 0.17）")
    T = base_year + settings.plan_years
    warnings: list[str] = []
    if years[-1] > T:
        warnings.append(f"{T} 年以后的 {years[-1] - T} 行已忽略（规划期 {base_year}—{T}）")
        rows = [r for r in rows if r.year <= T]
    base = rows[0]
    out = [TrackingRow(base_year, None, None, Fraction(0) if base.co2_t else None, None, Fraction(0), None, None,
                       Fraction(1) if base.co2_t else None)]
    if not base.co2_t:
        warnings.append("基年缺少二氧化碳排放量，无法跟踪")
    gdp_chain = Fraction(1)  # GDP_c(t)/GDP_c(b)
    gdp_broken = False
    prev_ratio: Fraction | None = Fraction(1) if base.co2_t else None  # I(t−1)/I(b)
    for row in rows[1:]:
        t = row.year
        tau = Fraction(t - base_year, T - base_year)
        if gdp_broken or row.gdp_index is None or row.gdp_index <= 0:
            gdp_broken = True
            out.append(TrackingRow(t, "no_data", None, None, None, tau, None, None, None))
            prev_ratio = None
            continue
        gdp_chain *= row.gdp_index / 100
        if row.co2_t is None or not base.co2_t:
            out.append(TrackingRow(t, "no_data", None, None, None, tau, None, None, None))
            prev_ratio = None
            continue
        ratio = (row.co2_t / base.co2_t) / gdp_chain  # I(t)/I(b)
        R = 1 - ratio
        r = None if prev_ratio is None else 1 - ratio / prev_ratio
        prev_ratio = ratio
        r_avg = r_avg_q = None
        if ratio > 0:
            r_avg, r_avg_q = one_minus_root(ratio, t - base_year)
        if target is None:
            out.append(TrackingRow(t, None, r, R, None, tau, None, r_avg, ratio, None, r_avg_q))
            continue
        out.append(progress_row(t, base_year, R, r, target, settings=settings))
    return Tracking(base_year, T, target, tuple(out), tuple(warnings), settings)


def progress_row(year: int, base_year: int, R: Fraction, r: Fraction | None, target: Fraction, *,
                 settings: TrackingSettings = TrackingSettings()) -> TrackingRow:
    """The §8.4 row of a year from its exact cumulative reduction R(t) and annual reduction r(t)
    (None: r test skipped): P, τ, r_req, r_avg and the ``progress_warning`` status."""
    T = base_year + settings.plan_years
    if not base_year < year <= T:
        raise TrackingError(f"{year} 年不在规划期 {base_year + 1}—{T} 内")
    ratio = 1 - R
    tau = Fraction(year - base_year, T - base_year)
    P = R / target
    r_req = r_req_q = x_req = r_avg = r_avg_q = None
    n = T - year
    if ratio > 0:
        r_avg, r_avg_q = one_minus_root(ratio, year - base_year)
        if year < T:
            x_req = (1 - target) / ratio
            r_req, r_req_q = one_minus_root(x_req, n)
    status = _status(year, T, r, R, P, tau, x_req, n, target, settings)
    return TrackingRow(year, status, r, R, P, tau, r_req, r_avg, ratio, r_req_q, r_avg_q)


def allowed_co2_end_year(base_co2_t: Fraction, target: Fraction, indices: Mapping[int, Fraction], base_year: int,
                         *, plan_years: int = PLAN_YEARS, projected_index: Fraction | None = None) -> tuple[Fraction, list[int]]:
    """``X_max(T) = I(b) × (1 − R*) × GDP_c(T) = X(b) × (1 − R*) × Π_{k=b+1..T} index_k/100``.

    Years without a supplied index take ``projected_index`` (e.g. 105 for 5 % real growth) and are
    returned as the projected years; without it such a year is an error (carbon.md §8.4, C3).
    """
    T = base_year + plan_years
    chain = Fraction(1)
    projected: list[int] = []
    for y in range(base_year + 1, T + 1):
        idx = indices.get(y)
        if idx is None:
            if projected_index is None:
                raise TrackingError(f"{y} 年缺少地区生产总值指数，须给出预测增速才能计算期末允许排放量")
            idx = projected_index
            projected.append(y)
        chain *= Fraction(idx) / 100
    return base_co2_t * (1 - target) * chain, projected


def json_rows(tracking: Tracking) -> list[dict[str, object]]:
    """The ``carbon track --format json`` objects: one per year after the base, keys
    ``year, r, R, P, tau, r_req, status`` (values are the published 2-dp strings; the CLI writes
    them as JSON numbers with exactly two decimals)."""
    keys = ("year", "r", "R", "P", "tau", "r_req", "status")
    return [{k: row.published()[k] for k in keys} for row in tracking.after_base]


def ytd_reduction(co2_ytd: Fraction, co2_ytd_prev: Fraction, gdp_index_ytd: Fraction) -> Fraction:
    """Year-to-date (1—N月) intensity reduction against the same period of last year:
    ``1 − (X_ytd(t)/X_ytd(t−1)) / (index_ytd/100)`` (carbon.md §8.3 ratio form, cumulative index)."""
    if co2_ytd_prev <= 0 or gdp_index_ytd <= 0:
        raise TrackingError("上年同期排放量与累计指数应为正数")
    return 1 - (co2_ytd / co2_ytd_prev) / (gdp_index_ytd / 100)

