"""The evidence a rectification item (整改) carries when a section fails its target or is 劣Ⅴ.

Phase 2 opens the ledger item; :func:`rectification_evidence` gives it the payload now: the
section, the period, its class against the target, every item worse than Class Ⅲ or than the
target with its evaluation value, the Class Ⅲ limit and the exact exceedance multiple
(water.md §4), the observations behind the means (with flags and sources), the exclusions per
flag (hj212.md §9.3) and the rules' version and status. Plain JSON-ready dict.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.standards import gb3838
from qingshan.standards.water_evaluation import exceedance_multiple
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_statistics import exclusions
from qingshan.standards.water_values import NANO
from qingshan.water.evaluation import as_datetime, evaluate_periods
from qingshan.water.periods import kind_of_range, period_of, range_label
from qingshan.water.registry import get_section, sections_frame, targets
from qingshan.water.store import WaterStore


def _limit_text(x: Fraction | None) -> str:
    if x is None:
        return ""
    s = f"{float(x):.10f}".rstrip("0")
    return s + "0" if s.endswith(".") else s


def rectification_evidence(
    store: WaterStore | str | None,
    section_code: str,
    start: date,
    end: date,
    *,
    settings: WaterSettings = DEFAULT_SETTINGS,
    cumulative: bool = False,
) -> dict:
    """Evidence payload of one section over ``[start, end)``. Raises KeyError for an unknown
    section. ``cumulative``: 1—N月 evaluated as a cumulative period (as
    :func:`qingshan.water.report.build_report`)."""
    own = not isinstance(store, WaterStore)
    st = store if isinstance(store, WaterStore) else WaterStore(store)
    try:
        with Session(st.engine) as s:
            section = get_section(s, section_code)
        if section is None:
            raise KeyError(f"断面编码「{section_code}」未登记")
        secs = sections_frame(st.engine).filter(pl.col("code") == section_code)
        obs = st.observations([section_code], as_datetime(start), as_datetime(end))
        kind, n = kind_of_range(start, end)
        if cumulative:
            kind, n = "ytd", (end.year - start.year) * 12 + end.month - start.month
        ev = evaluate_periods(obs, secs, kind=kind, through_month=n, start=start, end=end,
                              targets=targets(st.engine), settings=settings)
    finally:
        if own:
            st.close()
    base = {"section": section, "period": period_of("ytd", start, n)[2] if cumulative else range_label(start, end), "start": start.isoformat(), "end": end.isoformat(),
            "rules_version": ev.rules_version, "rules_status": ev.rules_status}
    if ev.sections.is_empty():
        return base | {"class": None, "class_label": "", "observations": [], "main_pollutants": [], "exceedances": []}
    row = ev.sections.row(0, named=True)
    means = {r["item"]: r for r in ev.means.to_dicts()}
    lake = gb3838.is_lake(row["water_body"])
    target = row["target_class"]

    def item_entry(code: str) -> dict:
        value = Fraction(means[code]["value_nano"], NANO)
        m = exceedance_multiple(code, value, row["water_body"])
        return {
            "item": code, "name": gb3838.NAMES[code], "class_label": gb3838.class_label(row[f"cls_{code}"]),
            "value": means[code]["published"], "limit_iii": _limit_text(gb3838.ITEM[code].class_iii(lake)),
            "multiple": exact.fraction_to_str(m, settings.multiple_decimals) if m is not None else "",
        }

    worse = [c for c in gb3838.EVALUATED_ITEMS
             if row.get(f"cls_{c}") is not None and (row[f"cls_{c}"] > 3 or (target is not None and row[f"cls_{c}"] > target))]
    return base | {
        "class": row["class"], "class_label": gb3838.class_label(row["class"]), "status": row["status"],
        "target_class": target, "target_label": gb3838.class_label(target), "attained": row["attained"],
        "partial": row["partial"], "items_evaluated": list(row["items_evaluated"] or []),
        "main_pollutants": [item_entry(c) for c in row["main_pollutants"] or []],
        "exceedances": [item_entry(c) for c in worse],
        "excluded_values": exclusions(ev.means),
        "observations": [
            {"time": o["time"].isoformat(sep=" "), "item": o["item"], "name": gb3838.NAMES.get(o["item"], o["item"]),
             "text": o["text"], "nd": o["nd"], "flag": o["flag"], "source": o["source"]}
            for o in obs.sort("time", "item").to_dicts()
        ],
    }
