"""Seam to the water domain (water.md; assessment-bulletin.md §1.5, §3.5, §4.3 item 2, Table B1).

The water domain provides, per month, one :class:`SectionMonth` per assessed section of the city
(国/省/市考) and the units' CWQI (water.md §9, 4 decimals; ΔCWQI 2 decimals). Classes are
integers 1 … 6 (6 = 劣Ⅴ, water.md §3). ``items_over`` are the items whose **month** evaluation
value (water.md §8: exact mean rounded once) exceeds the limit of the section's **target** class
(water temperature, pH and DO excluded), in water.md §4's key order; the bulletin computes their
§1.5 multiples and the compensation from them.

:func:`read` is connected to the water domain: the sections, targets and classes come from the
section registry and the one evaluation chain (:mod:`qingshan.water.evaluation`,
:func:`qingshan.water.report.build_report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Literal

import polars as pl

from qingshan.standards import gb3838
from qingshan.standards.water_evaluation import exceedance_multiple, pollutant_key
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_values import NANO
from qingshan.targets.store import TargetStore
from qingshan.water.evaluation import evaluate_periods
from qingshan.water.queries import decimal_text
from qingshan.water.registry import sections_frame, targets
from qingshan.water.report import build_report
from qingshan.water.store import WaterStore


@dataclass(frozen=True)
class ItemOver:
    item: str  # item code, e.g. "nh3n", "cod", "tp"
    name: str  # 氨氮
    value: str  # month evaluation value as published (water.md §8)
    target_limit: str  # limit of the section's target class (GB 3838 Table 1)


@dataclass(frozen=True)
class SectionMonth:
    code: str
    name: str
    unit_code: str  # the unit ``unit_sections`` assigns the section to
    river: str
    level: Literal["国", "省", "市"]
    target_class: int
    month_class: int | None  # None: 未监测 (dry) or 缺测
    ytd_class: int | None  # water.md §3 on the exact mean of all valid results in 1–M月
    ytd_results: int  # number of valid results behind ytd_class (shown, UNCONFIRMED minimum)
    last_year_ytd_class: int | None
    status: Literal["ok", "dry", "missing"]
    items_over: tuple[ItemOver, ...] = ()


@dataclass(frozen=True)
class UnitIndex:
    unit_code: str
    cwqi_pub: str | None  # 4 decimals
    dcwqi_pub: str | None  # %, 2 decimals


@dataclass(frozen=True)
class WaterMonth:
    month: str  # YYYY-MM
    sections: tuple[SectionMonth, ...]
    unit_cwqi: tuple[UnitIndex, ...] = ()
    table_version: str = ""  # version/status of the water tables used (GB 3838 edition, cwqi settings)


#: items never listed in ``items_over`` (water.md §4: no multiple for water temperature, pH, DO)
NOT_OVER = frozenset({"wt", "ph", "do"})
_LEVEL = {"国考": "国", "省考": "省", "市考": "市"}


def _month_bounds(month: str) -> tuple[int, int, date, date]:
    try:
        y, m = (int(x) for x in month.split("-"))
        start = date(y, m, 1)
    except ValueError:
        raise ValueError(f"月份应为 YYYY-MM，而不是「{month}」") from None
    return y, m, start, date(y + (m == 12), m % 12 + 1, 1)


def items_over(row: dict, values: dict[str, tuple[int, str]], target: int, water_body: str,
               settings: WaterSettings = DEFAULT_SETTINGS) -> tuple[ItemOver, ...]:
    """The items of one section-month whose evaluation value (nano-units, published text) exceeds
    the limit of the target class (GB 3838 Table 1; lake TP column for lakes and reservoirs),
    compared exactly, in water.md §4's key order (priority set, worst class, larger Class Ⅲ
    multiple, Table 1 position). Only the 21 evaluated items; water temperature, pH, DO excluded."""
    if not 1 <= target <= 5:
        return ()
    lake = gb3838.is_lake(water_body)
    over = []
    for code, (nano, text) in values.items():
        if code in NOT_OVER or code not in gb3838.EVALUATED_ITEMS:
            continue
        limit = gb3838.ITEM[code].limits_for(lake)[target - 1]
        if nano > limit * NANO:
            k = row.get(f"cls_{code}") or gb3838.WORSE_THAN_V
            m = exceedance_multiple(code, Fraction(nano, NANO), water_body)
            over.append((pollutant_key(code, k, m, settings), ItemOver(code, gb3838.NAMES[code], text, decimal_text(limit))))
    return tuple(i for _, i in sorted(over, key=lambda x: x[0]))


def read(url: str | None, month: str, *, settings: WaterSettings = DEFAULT_SETTINGS) -> WaterMonth | None:
    """The month's water figures (Table B1, §3.5, §4.3), or None when no assessed section
    (国/省/市考 with a target for the year) is registered (暂无数据).

    * ``month_class``: water.md §3 on the month's evaluation values; ``status`` ``ok``, or
      ``missing`` when the month has no class (the store keeps no 断流 mark, so ``dry`` is never
      inferred);
    * ``ytd_class`` / ``last_year_ytd_class``: the 1—M月 report (:func:`qingshan.water.report.
      build_report`: exact means of all valid results, one rounding), ``ytd_results`` the most
      valid results of any item behind it;
    * ``unit_code``: the unit ``unit_sections`` assigns the section to on the month's last day,
      else the section's county; ``unit_cwqi``: the units' 1—M月 CWQI and ΔCWQI (%) from the same
      report, grouped by that assignment.
    """
    y, m, m0, m1 = _month_bounds(month)
    store = WaterStore(url)
    try:
        secs = sections_frame(store.engine, active_only=True).filter(pl.col("control_level").is_not_null())
        tg = {c: k for c, _y, k in targets(store.engine, y).iter_rows()}
        secs = secs.filter(pl.col("code").is_in(list(tg)))
        if secs.is_empty():
            return None
        assigned = TargetStore(store.url, engine=store.engine).unit_sections(m1 - timedelta(days=1))
        unit_of = {c: u for u, codes in assigned.items() for c in codes}
        unit_of = {c: unit_of.get(c) or county for c, county in secs.select("code", "county_code").iter_rows()}
        ytd = build_report(store, date(y, 1, 1), m1, settings=settings, cumulative=True,
                           units={c: u for c, u in unit_of.items() if u})
        obs = store.observations(secs["code"].to_list(), datetime(y, 1, 1), datetime(m1.year, m1.month, 1))
        month_ev = evaluate_periods(obs.filter(pl.col("time") >= datetime(y, m, 1)), secs, kind="month",
                                    targets=targets(store.engine, y), settings=settings)
        ytd_ev = evaluate_periods(obs, secs, kind="ytd", through_month=m, settings=settings)
    finally:
        store.close()
    rows = {r["section"]: r for r in month_ev.sections.to_dicts()}
    values: dict[str, dict[str, tuple[int, str]]] = {}
    for r in month_ev.means.filter(pl.col("sufficient") & pl.col("value_nano").is_not_null()).to_dicts():
        values.setdefault(r["section"], {})[r["item"]] = (r["value_nano"], r["published"])
    n_results = {s: int(n or 0) for s, n in ytd_ev.means.filter(pl.col("item").is_in(list(gb3838.EVALUATED_ITEMS)))
                 .group_by("section").agg(pl.col("n_valid").max()).iter_rows()}
    report_rows = {r.code: r for r in ytd.sections}
    out = []
    for s in secs.sort(["county_code", "river", "seq", "code"], nulls_last=True).to_dicts():
        code, target = s["code"], int(tg[s["code"]])
        row = rows.get(code) or {}
        k = row.get("class")
        rep = report_rows.get(code)
        out.append(SectionMonth(
            code=code, name=s["name"], unit_code=unit_of.get(code) or "", river=s["river"] or "",
            level=_LEVEL[s["control_level"]], target_class=target, month_class=k,
            ytd_class=rep.class_ if rep else None, ytd_results=n_results.get(code, 0),
            last_year_ytd_class=rep.previous_class if rep else None,
            status="ok" if k is not None else "missing",
            items_over=items_over(row, values.get(code, {}), target, s["water_body"], settings) if k is not None else (),
        ))
    units = tuple(UnitIndex(u.unit, u.cwqi_text or None, u.delta_text.removesuffix("%") or None) for u in ytd.counties)
    return WaterMonth(month=f"{y}-{m:02d}", sections=tuple(out), unit_cwqi=units,
                      table_version=f"{ytd.rules_version}（{ytd.rules_status}）")
