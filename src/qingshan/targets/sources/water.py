"""Seam to the water domain (water.md; assessment-bulletin.md §1.5, §3.5, §4.3 item 2, Table B1).

The water domain provides, per month, one :class:`SectionMonth` per assessed section of the city
(国/省/市考) and the units' CWQI (water.md §9, 4 decimals; ΔCWQI 2 decimals). Classes are
integers 1 … 6 (6 = 劣Ⅴ, water.md §3). ``items_over`` are the items whose **month** evaluation
value (water.md §8: exact mean rounded once) exceeds the limit of the section's **target** class
(water temperature, pH and DO excluded), in water.md §4's key order; the bulletin computes their
§1.5 multiples and the compensation from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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


def read(url: str | None, month: str) -> WaterMonth | None:
    """The month's water figures, or None until the water domain is connected (暂无数据)."""
    return None
