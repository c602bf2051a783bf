"""Seam to the solid-waste domain (soil-waste.md §4–§6) for Bulletin B's 固体废物 paragraph.

Connected to the landwaste report builders, for 1 January … the month's last day (Bulletin B
reports 1—M月):

* generated tonnes and the city's comprehensive utilisation rate R_u = U ÷ (G + U_p), sums
  first, published with 2 decimals (:func:`qingshan.landwaste.waste.report.waste_rates`, §4.3);
* manifests dispatched in the period and those late on its last day (§5.5,
  :func:`qingshan.landwaste.waste.manifests.manifest_counts`);
* tailings-pond hazards open on the last day (:func:`qingshan.landwaste.ponds.hazards.pond_hazards`:
  opened by then and not closed by then).

None (「暂无数据」) when none of the three has any record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from qingshan.landwaste.ponds.hazards import pond_hazards
from qingshan.landwaste.waste.manifests import manifest_counts
from qingshan.landwaste.waste.report import waste_rates
from qingshan.store.db import make_engine
from qingshan.targets.sources.soil import month_end


@dataclass(frozen=True)
class WasteSummary:
    period_end: str
    generated_t: str  # general industrial solid waste generated, t (exact text)
    utilisation_rate_pub: str | None  # soil-waste.md §4.3, 2 decimals; None = "—"
    hazardous_manifests: int
    manifests_overdue: int
    tailings_ponds_hazards_open: int
    notes: tuple[str, ...] = ()


def read(url: str | None, month: str) -> WasteSummary | None:
    end = month_end(month)
    first = date(end.year, 1, 1)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rates = waste_rates(session, first, end)
            counts = manifest_counts(session, first, end)
            hazards = pond_hazards(session, today=end)
            open_hazards = sum(h.open_on(end) for h in hazards)
    finally:
        engine.dispose()
    if rates.city is None and counts.manifests == 0 and not any(h.opened_on <= end for h in hazards):
        return None
    city = rates.city
    notes = [f"统计期 {rates.label}"]
    if city is not None:
        notes += list(rates.notes[:1])
        if city.incomplete:
            notes.append(f"有{len(city.incomplete)}个企业·月份·废物代码的台账缺失或未通过平衡校验，未计入")
        if city.demo:
            notes.append("含演示（合成）数据")
    if counts.not_computed:
        notes.append(f"{counts.not_computed}份联单的期限因工作日历未载入而无法计算")
    return WasteSummary(end.isoformat(), city.generated_t if city else "—",
                        city.utilisation_pct if city and city.utilisation_rate is not None else None,
                        counts.manifests, counts.overdue, open_hazards, tuple(notes))

