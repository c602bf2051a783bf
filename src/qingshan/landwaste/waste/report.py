"""The solid-waste report builder (one builder for CLI, pages, bulletin and demo).

* :func:`waste_rates` — utilisation and disposal rates for a period of whole months per
  enterprise, county and city, against the targets, computed from the accepted monthly records
  (soil-waste.md §4.3: sums first, then the rate; longer periods by :func:`period_flows`).
* :func:`balance_failures` — the rejected months with their residual and problems, and months
  whose opening stock breaks the chain from the month before.
* :func:`generator_ledger` — one generator's months, codes, figures and receivers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.sheets import tonnes_text
from qingshan.landwaste.waste.models import WasteMonthly, WasteReceiver, WasteTarget
from qingshan.sources.models import Enterprise
from qingshan.standards import solid_waste as sw

CITY_CODE = "140200"  #: 大同市 (GB/T 2260)


@dataclass(frozen=True)
class RateRow:
    """G, U, U_p, D, D_p, S, X (t, exact text) and the rates of one enterprise, county or city."""

    scope: str  # enterprise | county | city
    code: str  # USCC or GB/T 2260 code
    name: str
    county_code: str | None
    generated_t: str
    utilised_t: str
    utilised_prior_t: str
    disposed_t: str
    disposed_prior_t: str
    stored_t: str
    dumped_t: str
    utilisation_rate: Fraction | None
    utilisation_pct: str  # 2 decimals half-even, "—" when undefined
    disposal_rate: Fraction | None
    disposal_pct: str
    utilisation_target_pct: str | None
    utilisation_met: bool | None
    disposal_target_pct: str | None
    disposal_met: bool | None
    enterprises: int
    incomplete: tuple[str, ...]  # "USCC 2026-03 S02" of months missing or rejected
    withdrawal_order_assumed: bool
    demo: bool


@dataclass(frozen=True)
class RatesReport:
    first: date
    last: date
    label: str
    comparison: str
    city: RateRow | None
    counties: tuple[RateRow, ...]
    enterprises: tuple[RateRow, ...]
    notes: tuple[str, ...]


def _label(first: date, last: date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.year}年{first.month}月"
    if first.year == last.year:
        return f"{first.year}年{first.month}—{last.month}月"
    return f"{first:%Y年%m月}—{last:%Y年%m月}"


def _targets(session: Session, year: int) -> dict[tuple[str, str, str], str]:
    return {(t.scope, t.scope_code, t.indicator): t.target_percent
            for t in session.scalars(select(WasteTarget).where(WasteTarget.year == year))}


def _row(scope: str, code: str, name: str, county: str | None, sums: dict, targets, comparison: str, *, enterprises: int,
         incomplete: Sequence[str], assumed: bool, demo: bool) -> RateRow:
    g, u, up, d, dp = (sums[c] for c in ("generated", "utilised", "utilised_prior", "disposed", "disposed_prior"))
    ru = Fraction(u, g + up) if g + up else None
    rd = Fraction(d, g + dp) if g + dp else None
    tu, td = targets.get((scope, code, "utilisation")), targets.get((scope, code, "disposal"))
    return RateRow(scope, code, name, county, *(tonnes_text(sums[c]) for c in sw.FLOW_COLUMNS), ru, sw.publish_percent(ru),
                   rd, sw.publish_percent(rd), tu, sw.meets_target(ru, tu, comparison=comparison) if tu else None,
                   td, sw.meets_target(rd, td, comparison=comparison) if td else None, enterprises, tuple(incomplete),
                   assumed, demo)


def waste_rates(session: Session, first: date, last: date, *, settings: sw.Settings = sw.Settings(),
                county_names: dict[str, str] | None = None) -> RatesReport:
    """Rates of the period of whole months ``first``…``last`` (see the module doc)."""
    first = date(first.year, first.month, 1)
    recs = session.execute(
        select(WasteMonthly, Enterprise).join(Enterprise, WasteMonthly.enterprise_id == Enterprise.id)
        .where(WasteMonthly.month >= first, WasteMonthly.month <= last)).all()
    months_wanted = sw.month_range(first, last)
    groups: dict[tuple[int, str], list] = {}
    ents: dict[int, Enterprise] = {}
    rejected: dict[tuple[int, str], list[date]] = {}
    for m, e in recs:
        ents[e.id] = e
        if m.status == "accepted":
            groups.setdefault((e.id, m.waste_code), []).append(m)
        else:
            rejected.setdefault((e.id, m.waste_code), []).append(m.month)
    for k in rejected:
        groups.setdefault(k, [])
    rows = []
    for (eid, code), ms in groups.items():
        pf = sw.period_flows([{"month": m.month, "generated": m.generated,
                               "utilised": m.utilised_self + m.utilised_outsourced, "utilised_prior": m.utilised_prior,
                               "disposed": m.disposed_self + m.disposed_outsourced, "disposed_prior": m.disposed_prior,
                               "stored": m.stored, "dumped": m.dumped, "opening_stock": m.opening_stock} for m in ms],
                             first, last)
        missing = [mm for mm in months_wanted if mm not in pf.months]
        rows.append({"enterprise_id": eid, "code": code, "generated": pf.generated, "utilised": pf.utilised,
                     "utilised_prior": pf.utilised_prior, "disposed": pf.disposed, "disposed_prior": pf.disposed_prior,
                     "stored": pf.stored, "dumped": pf.dumped,
                     "incomplete": [f"{ents[eid].uscc} {mm:%Y-%m} {code}" for mm in missing],
                     "assumed": pf.withdrawal_order_assumed})
    targets = _targets(session, last.year)
    names = county_names or {}
    demo_ids = {i for i, e in ents.items() if "演示" in (e.name or "") or "演示" in (e.industry or "")}
    comparison = settings.rate_target_comparison

    def combine(group: list[dict]) -> dict:
        # sums first, then the rate (§4.3): never an average of rates
        out = {c: sum(r[c] for r in group) for c in sw.FLOW_COLUMNS}
        out["incomplete"] = [x for r in group for x in r["incomplete"]]
        out["assumed"] = any(r["assumed"] for r in group)
        out["ids"] = {r["enterprise_id"] for r in group}
        return out

    by_ent: dict[int, list[dict]] = {}
    by_county: dict[str, list[dict]] = {}
    for r in rows:
        by_ent.setdefault(r["enterprise_id"], []).append(r)
        by_county.setdefault(ents[r["enterprise_id"]].county_code or "", []).append(r)
    enterprise_rows = []
    for eid, group in by_ent.items():
        e, c = ents[eid], combine(group)
        enterprise_rows.append(_row("enterprise", e.uscc, e.name, e.county_code, c, targets, comparison, enterprises=1,
                                    incomplete=c["incomplete"], assumed=c["assumed"], demo=eid in demo_ids))
    county_rows = []
    for county, group in by_county.items():
        c = combine(group)
        county_rows.append(_row("county", county, names.get(county, county or "未填区县"), county or None, c, targets,
                                comparison, enterprises=len(c["ids"]), incomplete=c["incomplete"], assumed=c["assumed"],
                                demo=bool(c["ids"] & demo_ids)))
    city = None
    if rows:
        c = combine(rows)
        city = _row("city", CITY_CODE, names.get(CITY_CODE, "大同市"), None, c, targets, comparison,
                    enterprises=len(c["ids"]), incomplete=c["incomplete"], assumed=c["assumed"], demo=bool(demo_ids))
    notes = [
        "综合利用率 = U ÷ (G + U_p)；处置率 = D ÷ (G + D_p)（公式待确认）；先汇总再计算，不平均比率（soil-waste.md §4.3）",
        f"与目标比较：{'不修约的精确比率' if settings.rate_target_comparison == 'exact' else '修约到两位小数后的百分比'}"
        "（rate_target_comparison）；公布保留两位小数（待确认）",
        "平衡校验未通过的月份不计入；缺月或被拒月份列于“不完整”",
    ]
    if any(r.withdrawal_order_assumed for r in enterprise_rows):
        notes.append("有月份往年贮存量不足以同时满足利用和处置：按先利用、后处置取用最早库存（待确认）")
    return RatesReport(first, last, _label(first, last), settings.rate_target_comparison, city,
                       tuple(sorted(county_rows, key=lambda r: r.code)), tuple(sorted(enterprise_rows, key=lambda r: r.code)),
                       tuple(notes))


@dataclass(frozen=True)
class BalanceFailure:
    uscc: str
    enterprise: str
    county_code: str | None
    month: date
    waste_code: str
    residual_t: str
    problems: tuple[str, ...]
    problems_zh: tuple[str, ...]
    source_row: int | None
    kind: str  # rejected | stock_discontinuity


def balance_failures(session: Session, *, uscc: str | None = None, first: date | None = None,
                     last: date | None = None) -> list[BalanceFailure]:
    """Rejected months (balance or stock rules) and stock-chain breaks, in enterprise and month order."""
    q = select(WasteMonthly, Enterprise).join(Enterprise, WasteMonthly.enterprise_id == Enterprise.id)
    if uscc:
        q = q.where(Enterprise.uscc == uscc.strip().upper())
    if first:
        q = q.where(WasteMonthly.month >= date(first.year, first.month, 1))
    if last:
        q = q.where(WasteMonthly.month <= last)
    recs = session.execute(q.order_by(Enterprise.uscc, WasteMonthly.waste_code, WasteMonthly.month)).all()
    out = []
    for m, e in recs:
        if m.status == "rejected":
            probs = tuple(json.loads(m.problems))
            out.append(BalanceFailure(e.uscc, e.name, e.county_code, m.month, m.waste_code, tonnes_text(m.residual), probs,
                                      tuple(sw.PROBLEM_ZH[p] for p in probs), m.source_row, "rejected"))
    if recs:
        frame = pl.DataFrame([{"enterprise_id": m.enterprise_id, "waste_code": m.waste_code, "month": m.month,
                               "opening_stock": m.opening_stock,
                               "closing_expected": m.opening_stock + m.stored - m.utilised_prior - m.disposed_prior,
                               "uscc": e.uscc, "name": e.name, "county": e.county_code, "row": m.source_row}
                              for m, e in recs])
        broken = sw.stock_continuity(frame).filter(pl.col("stock_discontinuity"))
        for r in broken.iter_rows(named=True):
            out.append(BalanceFailure(r["uscc"], r["name"], r["county"], r["month"], r["waste_code"], "0",
                                      ("stock_discontinuity",), (sw.PROBLEM_ZH["stock_discontinuity"],), r["row"],
                                      "stock_discontinuity"))
    return sorted(out, key=lambda b: (b.uscc, b.waste_code, b.month, b.kind))


@dataclass(frozen=True)
class LedgerMonth:
    month: date
    waste_code: str
    waste_name: str | None
    figures_t: dict[str, str]
    status: str
    problems_zh: tuple[str, ...]
    receivers: tuple[dict, ...]
    utilisation_pct: str


@dataclass(frozen=True)
class GeneratorLedger:
    uscc: str
    name: str
    county_code: str | None
    months: tuple[LedgerMonth, ...]


def generator_ledger(session: Session, uscc: str, *, first: date | None = None, last: date | None = None) -> GeneratorLedger | None:
    """One generator's monthly ledger with receivers; None if the enterprise is unknown."""
    e = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if e is None:
        return None
    q = select(WasteMonthly).where(WasteMonthly.enterprise_id == e.id)
    if first:
        q = q.where(WasteMonthly.month >= date(first.year, first.month, 1))
    if last:
        q = q.where(WasteMonthly.month <= last)
    months = []
    for m in session.scalars(q.order_by(WasteMonthly.month, WasteMonthly.waste_code)):
        recv = tuple({"flow": r.flow, "mode": r.mode, "receiver": r.receiver_name, "uscc": r.receiver_uscc,
                      "method": r.method, "quantity_t": tonnes_text(r.quantity), "approval_no": r.approval_no}
                     for r in session.scalars(select(WasteReceiver).where(WasteReceiver.monthly_id == m.id)))
        u = m.utilised_self + m.utilised_outsourced
        rate = Fraction(u, m.generated + m.utilised_prior) if m.generated + m.utilised_prior else None
        figures = {c: tonnes_text(getattr(m, c)) for c in ("generated", "utilised_self", "utilised_outsourced",
                                                           "utilised_prior", "disposed_self", "disposed_outsourced",
                                                           "disposed_prior", "stored", "dumped", "opening_stock")}
        figures["closing_stock"] = tonnes_text(m.closing_stock) if m.closing_stock is not None else ""
        months.append(LedgerMonth(m.month, m.waste_code, m.waste_name, figures, m.status,
                                  tuple(sw.PROBLEM_ZH[p] for p in json.loads(m.problems)), recv,
                                  sw.publish_percent(rate) if m.status == "accepted" else "—"))
    return GeneratorLedger(e.uscc, e.name, e.county_code, tuple(months))
