"""Seam to the ledgers (key tasks, inspection items, enforcement cases) for Bulletin B §4.3 items
4–6. The ledger engine is being refactored; phase 2 adds the kinds and connects :func:`read_*`.

Each task or inspection item carries what §4.3's B2 rule needs (start, due date, done flag,
reported percentage); the bulletin classes it with
:func:`qingshan.standards.target_tracking.task_progress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class KeyTask:
    name: str
    lead: str  # 牵头单位
    unit_code: str | None  # 责任县（区）, None for a city department
    start: date | None  # default 1 January
    due: date
    done: bool
    reported_pct: str  # reported percentage as entered (decimal text)
    note: str = ""


@dataclass(frozen=True)
class InspectionItem:
    unit_code: str
    source: str  # 中央督察 | 省督察 | 群众举报
    start: date | None
    due: date
    done: bool  # 已销号
    reported_pct: str


@dataclass(frozen=True)
class EnforcementCounts:
    unit_code: str
    period: str  # month | ytd
    filed: int  # 立案
    fines_wan: str  # 罚款（万元）, decimal text
    seized: int  # 查封扣押
    restricted: int  # 限产停产
    transferred: int  # 移送公安
    last_year: tuple[int, str, int, int, int] | None = None  # same fields, same period last year


def read_tasks(url: str | None, year: int) -> list[KeyTask] | None:
    return None


def read_inspection(url: str | None, year: int) -> list[InspectionItem] | None:
    return None


def read_enforcement(url: str | None, month: str) -> list[EnforcementCounts] | None:
    return None
