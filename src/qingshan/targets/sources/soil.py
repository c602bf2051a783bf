"""Seam to the soil domain (soil-waste.md §2–§3) for Bulletin B's 净土 paragraph.

Connected to :func:`qingshan.landwaste.soil.report.sample_counts`: the samples taken up to the
month's last day, classed by GB 15618—2018 or GB 36600—2018 as their survey says. None (the
bulletin prints 「暂无数据」) when no sample is stored.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from qingshan.landwaste.soil.report import sample_counts
from qingshan.store.db import make_engine


@dataclass(frozen=True)
class SoilSummary:
    period_end: str  # YYYY-MM-DD
    samples_assessed: int
    samples_over_screening: int  # above the GB 15618 / GB 36600 screening values
    samples_over_intervention: int
    key_units_supervised: int | None  # 土壤污染重点监管单位; None: the list is not in the platform
    notes: tuple[str, ...] = ()


def month_end(month: str) -> date:
    """Last day of ``YYYY-MM``."""
    year, mon = (int(x) for x in month.split("-"))
    return date(year, mon, calendar.monthrange(year, mon)[1])


def read(url: str | None, month: str) -> SoilSummary | None:
    end = month_end(month)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            counts = sample_counts(session, end)
    finally:
        engine.dispose()
    if counts is None:
        return None
    notes = [f"截至{end:%Y年%m月%d日}已评价样品；标准：{'、'.join(counts.table_versions)}",
             "土壤污染重点监管单位名录未接入平台"]
    if counts.undetermined:
        notes.append(f"另有{counts.undetermined}个样品无法判定类别")
    if counts.demo:
        notes.append("含演示（合成）数据")
    return SoilSummary(end.isoformat(), counts.assessed, counts.over_screening, counts.over_intervention, None,
                       tuple(notes))
