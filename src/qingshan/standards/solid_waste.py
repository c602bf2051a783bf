"""General industrial solid waste (一般工业固体废物): codes, the balance identity, stock, rates.

Quantities are tonnes held exactly as integer **micro-tonnes** (Int64, 10⁻⁶ t = 1 g) parsed
from their text with :func:`qingshan.exact.scaled_from_str`; importers refuse values with more
than six decimals, so every sum and rate is exact. Rates are exact rationals
(:data:`qingshan.exact.RATIONAL` structs), compared with targets unrounded by default and
published with 2 decimals half-even.

Rules (soil-waste.md §4):

* waste code ``NNN-NNN-SNN`` (固体废物分类与代码目录 2024, §4.2), industrial categories S01–S59
  except S08; legacy ``SWnn`` labels are mapped to ``Snn``;
* balance identity ``G = (U − U_p) + S + (D − D_p) + X`` with no tolerance (``balance_tolerance_t``
  = 0); a record with a non-zero residual is rejected, and so are U_p > U, D_p > D, a negative
  closing stock and withdrawals above the opening stock; X > 0 is accepted and flagged
  ``dumping`` (§4.3);
* stock ``closing = opening + S − U_p − D_p`` (§4.3);
* utilisation rate ``R_u = U / (G + U_p)``, disposal rate ``R_d = D / (G + D_p)`` (formula
  UNCONFIRMED); undefined when the denominator is 0; aggregation sums G, U, U_p first (never
  averages rates) (§4.3);
* longer periods from monthly records: G, U, D, X add up; U_p and D_p count only withdrawals
  from stock that existed before the period, oldest stock first (§4.3, ``prior_storage_scope``
  ``before_period_start``). With monthly summaries the origin month of a withdrawal is unknown;
  within one month utilisation is taken from the oldest stock before disposal (UNCONFIRMED
  order; results say when it mattered, ``withdrawal_order_assumed``).

References
----------
.. [1] 中华人民共和国固体废物污染环境防治法 Art. 36–37; 一般工业固体废物管理台账制定指南（试行）
       (MEE 公告 2021年第82号) — soil-waste.md §4.1.
.. [2] 固体废物分类与代码目录 (MEE, 2024) Art. 1–6 — soil-waste.md §4.2.
.. [3] National statistics definition of 综合利用率 — soil-waste.md §4.3, §7 E3.
.. [4] GB 18599—2020 一般工业固体废物贮存和填埋污染控制标准 §4–§10 — soil-waste.md §4.4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan import exact

SW_CATALOGUE_EDITION = "2024"
_SW_CODE = re.compile(r"^(\d{3})-(0\d[1-9]|0[1-9]0)-S(\d{2})$")
_LEGACY = re.compile(r"^(\d{3})-(\d{3})-SW(\d{2})$", re.IGNORECASE)

#: Category names relevant to Datong (UNCONFIRMED, §4.2: S01–S07 seen with an "SW" prefix).
CATEGORY_NAMES: dict[str, str] = {
    "S01": "冶炼废渣", "S02": "粉煤灰", "S03": "炉渣", "S04": "煤矸石", "S05": "尾矿", "S06": "脱硫石膏",
    "S07": "污泥", "S59": "其他工业固体废物",
}
CATEGORY_NAMES_STATUS = "UNCONFIRMED"

#: the quantity columns of a monthly record, in micro-tonnes (§4.3 symbols)
FLOW_COLUMNS: tuple[str, ...] = ("generated", "utilised", "utilised_prior", "disposed", "disposed_prior", "stored", "dumped")
SYMBOL = {"generated": "G", "utilised": "U", "utilised_prior": "U_p", "disposed": "D", "disposed_prior": "D_p",
          "stored": "S", "dumped": "X", "opening_stock": "期初贮存量", "closing_stock": "期末贮存量"}
MICRO = exact.SCALE  # micro-tonnes per tonne

PriorStorageScope = Literal["before_period_start", "before_year_start"]
RateComparison = Literal["exact", "published"]

PROBLEM_ZH: dict[str, str] = {
    "residual": "平衡式不成立：G ≠ (U − U_p) + S + (D − D_p) + X",
    "utilised_prior_gt_utilised": "综合利用往年贮存量大于综合利用量（U_p > U）",
    "disposed_prior_gt_disposed": "处置往年贮存量大于处置量（D_p > D）",
    "closing_stock_negative": "期末贮存量为负",
    "prior_exceeds_opening": "利用和处置往年贮存量之和超过期初贮存量",
    "closing_mismatch": "期末贮存量 ≠ 期初贮存量 + S − U_p − D_p",
    "negative_quantity": "数量为负",
    "stock_discontinuity": "期初贮存量与上月期末贮存量不一致",
}


class SwCodeError(ValueError):
    """A waste code refused (Chinese message)."""


@dataclass(frozen=True)
class SwCode:
    code: str
    industry: str
    sequence: str
    category: str  # S02

    @property
    def category_name(self) -> str | None:
        return CATEGORY_NAMES.get(self.category)


def parse_sw_code(text: str, *, industrial: bool = True) -> SwCode:
    """Check a code of the 2024 catalogue (§4.2); ``NNN-NNN-SWnn`` is accepted and mapped to
    ``Snn``. ``industrial``: the category must be S01–S59 except S08 (an industrial ledger)."""
    s = str(text or "").strip().upper().replace("—", "-").replace("－", "-")
    legacy = _LEGACY.match(s)
    if legacy:
        s = f"{legacy[1]}-{legacy[2]}-S{legacy[3]}"
    m = _SW_CODE.match(s)
    if not m:
        raise SwCodeError(f"固体废物代码「{text}」格式错误：应为 NNN-NNN-SNN（行业 3 位、顺序号 001–099、类别 S01–S99），如 441-001-S02")
    cat = int(m[3])
    if industrial and not (1 <= cat <= 59 and cat != 8):
        raise SwCodeError(f"固体废物代码「{s}」的类别 S{m[3]} 不是工业固体废物（S01–S59，S08 除外）")
    return SwCode(s, m[1], m[2], f"S{m[3]}")


def normalise_category(label: str) -> str:
    """``SW02`` / ``S02`` / ``s2`` → ``S02`` (legacy labels accepted on import, §4.2)."""
    m = re.fullmatch(r"S?W?(\d{1,2})", str(label or "").strip().upper())
    if not m:
        raise SwCodeError(f"固体废物类别「{label}」无法识别（应为 S01–S99 或旧式 SW01–SW99）")
    return f"S{int(m[1]):02d}"


@dataclass(frozen=True)
class Settings:
    """Named settings of soil-waste.md §8 for §4.3 (spec defaults).

    ``balance_tolerance_t``: 0 (exact identity). ``rate_target_comparison``: ``exact`` (the
    unrounded rate) or ``published`` (the 2-decimal value). ``prior_storage_scope``:
    ``before_period_start`` (UNCONFIRMED) or ``before_year_start`` (S may then be negative).
    ``rate_decimals``: publication precision of a percentage (2, UNCONFIRMED).
    """

    balance_tolerance_t: Fraction = Fraction(0)
    rate_target_comparison: RateComparison = "exact"
    prior_storage_scope: PriorStorageScope = "before_period_start"
    rate_decimals: int = 2

    def __post_init__(self) -> None:
        if self.rate_target_comparison not in ("exact", "published"):
            raise ValueError(f"未知的 rate_target_comparison：{self.rate_target_comparison!r}（可选 exact、published）")
        if self.prior_storage_scope not in ("before_period_start", "before_year_start"):
            raise ValueError(f"未知的 prior_storage_scope：{self.prior_storage_scope!r}")
        if Fraction(self.balance_tolerance_t) < 0:
            raise ValueError("balance_tolerance_t 不能为负")

    @property
    def tolerance_micro(self) -> int:
        t = Fraction(self.balance_tolerance_t) * MICRO
        return int(t)  # a tolerance finer than 1 g is 0 g


def balance_check(records: pl.DataFrame, settings: Settings = Settings()) -> pl.DataFrame:
    """Add the §4.3 checks to monthly records (quantities in micro-tonnes, Int64).

    Input columns: :data:`FLOW_COLUMNS` and ``opening_stock``; optional ``closing_stock``
    (the reported one, checked against the identity). Added columns: ``residual``
    (G − [(U − U_p) + S + (D − D_p) + X]), ``closing_expected``, ``problems`` (list of codes of
    :data:`PROBLEM_ZH`), ``accepted`` (no problem), ``dumping`` (X > 0; accepted but
    non-compliant).
    """
    g, u, up, d, dp, s, x = (pl.col(c) for c in FLOW_COLUMNS)
    tol = settings.tolerance_micro
    residual = g - ((u - up) + s + (d - dp) + x)
    closing_expected = pl.col("opening_stock") + s - up - dp
    negative_cols = [c for c in FLOW_COLUMNS + ("opening_stock",)
                     if not (c == "stored" and settings.prior_storage_scope == "before_year_start")]
    checks = [
        (pl.any_horizontal([pl.col(c) < 0 for c in negative_cols]), "negative_quantity"),
        (residual.abs() > tol, "residual"),
        (up > u, "utilised_prior_gt_utilised"),
        (dp > d, "disposed_prior_gt_disposed"),
        (closing_expected < 0, "closing_stock_negative"),
        (up + dp > pl.col("opening_stock"), "prior_exceeds_opening"),
    ]
    if "closing_stock" in records.columns:
        checks.append((pl.col("closing_stock").is_not_null() & (pl.col("closing_stock") != closing_expected), "closing_mismatch"))
    problems = pl.concat_list([pl.when(cond).then(pl.lit(code)).otherwise(pl.lit(None, pl.Utf8)) for cond, code in checks])
    return records.with_columns(
        residual=residual, closing_expected=closing_expected,
        problems=problems.list.drop_nulls(),
    ).with_columns(accepted=pl.col("problems").list.len() == 0, dumping=x > 0)


def stock_continuity(records: pl.DataFrame, by: Sequence[str] = ("enterprise_id", "waste_code")) -> pl.DataFrame:
    """Flag months whose opening stock differs from the previous month's closing stock
    (``stock_discontinuity``; consecutive months only). Needs ``month`` (Date, first day),
    ``opening_stock`` and ``closing_expected`` (from :func:`balance_check`)."""
    keys = list(by)
    out = records.sort(keys + ["month"]).with_columns(
        _prev_month=pl.col("month").shift(1).over(keys),
        _prev_close=pl.col("closing_expected").shift(1).over(keys),
    )
    consecutive = pl.col("_prev_month").dt.offset_by("1mo") == pl.col("month")
    broken = consecutive.fill_null(False) & (pl.col("_prev_close") != pl.col("opening_stock"))
    return out.with_columns(stock_discontinuity=broken).drop("_prev_month", "_prev_close")


# --- rates -----------------------------------------------------------------------------------


def utilisation_rate(g: pl.Expr, u: pl.Expr, up: pl.Expr) -> pl.Expr:
    """R_u = U / (G + U_p) as an exact fraction of 1 (RATIONAL; null when G + U_p = 0)."""
    den = g + up
    return pl.when(den > 0).then(exact.rational(u, den))


def disposal_rate(g: pl.Expr, d: pl.Expr, dp: pl.Expr) -> pl.Expr:
    """R_d = D / (G + D_p) (formula UNCONFIRMED, §4.3); null when G + D_p = 0."""
    den = g + dp
    return pl.when(den > 0).then(exact.rational(d, den))


def percent_hundredths(rate: pl.Expr | str) -> pl.Expr:
    """A rate as a percentage rounded half-even to 2 decimals, in integer hundredths
    (7500 = 75.00 %)."""
    return exact.round_half_even(exact.num(rate).cast(pl.Int128) * 10_000, exact.den(rate).cast(pl.Int128))


def publish_percent(rate: Fraction | None, decimals: int = 2) -> str:
    """Published percentage (2 decimals, half-even; "—" when undefined, §4.3)."""
    if rate is None:
        return "—"
    return exact.fraction_to_str(Fraction(rate) * 100, decimals)


def meets_target(rate: Fraction | None, target_percent: Fraction | str, *, comparison: RateComparison = "exact",
                 decimals: int = 2) -> bool | None:
    """Rate ≥ target (§4.3, §1): ``exact`` compares the unrounded rate (E3: 6125/8167 =
    74.9969…% fails ≥ 75 %); ``published`` compares the 2-decimal value. None when undefined."""
    if rate is None:
        return None
    pct = Fraction(rate) * 100
    if comparison == "published":
        pct = exact.round_fraction(pct, decimals)
    elif comparison != "exact":
        raise ValueError(f"未知的 rate_target_comparison：{comparison!r}")
    return pct >= Fraction(target_percent)


def aggregate(flows: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Sum G, U, U_p, D, D_p, S, X per group, then the rates (never an average of rates).

    Returns the sums (micro-tonnes) and ``utilisation_rate``/``disposal_rate`` (RATIONAL)."""
    sums = flows.group_by(list(by), maintain_order=True).agg([pl.col(c).sum() for c in FLOW_COLUMNS])
    return sums.with_columns(
        utilisation_rate=utilisation_rate(pl.col("generated"), pl.col("utilised"), pl.col("utilised_prior")),
        disposal_rate=disposal_rate(pl.col("generated"), pl.col("disposed"), pl.col("disposed_prior")),
    )


def rate_value(struct: Mapping | None) -> Fraction | None:
    """A RATIONAL struct value (from a frame row) → Fraction."""
    return exact.to_fraction(struct)


# --- longer periods (§4.3) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFlows:
    """G, U, U_p, D, D_p, S, X of one unit and code over a period of whole months
    (micro-tonnes), with the months it covers and those missing."""

    generated: int
    utilised: int
    utilised_prior: int
    disposed: int
    disposed_prior: int
    stored: int
    dumped: int
    months: tuple[date, ...]
    missing_months: tuple[date, ...]
    withdrawal_order_assumed: bool

    @property
    def complete(self) -> bool:
        return not self.missing_months


def month_range(first: date, last: date) -> list[date]:
    out, d = [], date(first.year, first.month, 1)
    while d <= last:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def period_flows(months: Sequence[Mapping], first: date, last: date) -> PeriodFlows:
    """Combine monthly records (dicts with ``month`` and the flow columns and
    ``opening_stock``, micro-tonnes; accepted records only) into one period (§4.3).

    G, U, D, X add up. U_p and D_p of the period are the withdrawals from stock held before the
    period starts — the opening stock of the period's first month — taken oldest first; S is
    then what the identity leaves. A month without a record leaves the period incomplete
    (``missing_months``); if the first month is missing, the pre-period stock is unknown and
    treated as the opening stock of the first month present.
    """
    want = month_range(first, last)
    rows = sorted((m for m in months if first <= m["month"] <= last), key=lambda m: m["month"])
    have = [m["month"] for m in rows]
    if len(set(have)) != len(have):
        raise ValueError("同一月份有多条记录")
    missing = tuple(m for m in want if m not in have)
    totals = {c: sum(int(m[c]) for m in rows) for c in ("generated", "utilised", "disposed", "dumped")}
    remaining = int(rows[0]["opening_stock"]) if rows else 0
    up_prior = dp_prior = 0
    assumed = False
    for m in rows:
        wu, wd = int(m["utilised_prior"]), int(m["disposed_prior"])
        if wu and wd and 0 < remaining < wu + wd:
            assumed = True
        take_u = min(remaining, wu)
        remaining -= take_u
        take_d = min(remaining, wd)
        remaining -= take_d
        up_prior += take_u
        dp_prior += take_d
    stored = totals["generated"] - (totals["utilised"] - up_prior) - (totals["disposed"] - dp_prior) - totals["dumped"]
    return PeriodFlows(totals["generated"], totals["utilised"], up_prior, totals["disposed"], dp_prior, stored,
                       totals["dumped"], tuple(have), missing, assumed)


# --- GB 18599—2020 (§4.4) -----------------------------------------------------------------------

WasteClass = Literal["I", "II"]
CLASS_ZH = {"I": "第Ⅰ类一般工业固体废物", "II": "第Ⅱ类一般工业固体废物"}
SITE_KINDS = {"storage": "贮存场", "landfill": "填埋场"}


def gb18599_class(leachate: Mapping[str, tuple[Fraction | str, Fraction | str]], ph: Fraction | str) -> tuple[WasteClass, tuple[str, ...]]:
    """Class Ⅰ or Ⅱ from the HJ 557 leachate (GB 18599—2020 §3, soil-waste.md §4.4).

    ``leachate``: pollutant → (concentration, GB 8978 maximum discharge concentration — second-
    class pollutants at the grade-1 limits — in the same unit). Class Ⅰ when every pollutant is
    ≤ its limit **and** 6 ≤ pH ≤ 9 (inclusive, unrounded); otherwise Ⅱ, with the reasons.
    """
    reasons = []
    for name, (value, limit) in leachate.items():
        if Fraction(value) > Fraction(limit):
            reasons.append(f"{name} 超过 GB 8978 限值")
    p = Fraction(ph)
    if not (6 <= p <= 9):
        reasons.append("浸出液 pH 不在 6–9 之间")
    return ("II" if reasons else "I"), tuple(reasons)


#: GB 18599—2020 site self-monitoring minimum frequencies (soil-waste.md §4.4)
SITE_MONITORING: tuple[dict, ...] = (
    {"medium": "渗滤液及处理后排水", "operation": "≥ 1 次/月", "after_closure": "至连续 2 年无渗滤液产生或渗滤液未经处理即稳定达标"},
    {"medium": "地下水", "operation": "≥ 1 次/季度，两次间隔 ≥ 1 个月", "after_closure": "≥ 1 次/半年，至连续 2 年不超过本底水平"},
    {"medium": "无组织排放（大气）", "operation": "≥ 1 次/季度；异常时 1 周内复测", "after_closure": "—"},
    {"medium": "周边 TSP", "operation": "安装监测设备，记录保存 ≥ 1 年（未规定频次）", "after_closure": "—"},
    {"medium": "土壤", "operation": "一般每 3 年 1 次", "after_closure": "—"},
)
CLOSURE_START_YEARS = 2  #: closure must start within 2 years after a site stops receiving waste
