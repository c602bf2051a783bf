"""Seam to the ledgers (key tasks, inspection problems, enforcement cases) for Bulletin B §4.3
items 4–6, read from the one ledger engine (:mod:`qingshan.ledgers`, kinds ``key_task``,
``inspection``, ``enforcement``).

Each task or inspection item carries what §4.3's B2 rule needs (start, due date, done flag,
reported percentage); the bulletin classes it with
:func:`qingshan.standards.target_tracking.task_progress` on day d (the bulletin's data end).
The ledger is read as it stands when the bulletin is drafted, as a bureau writes its monthly
通报 in the first days of the next month: an item counts as done when it is closed (办结/销号),
and items entered late count from their dates, not from when they were typed in. A reviewed or
published bulletin is its snapshot, so later ledger work never changes it.

Choices (documented in docs/assess-notes.md):

* **The year's task list** (Table B2): key tasks with a deadline on or after 1 January of the
  year and a start (``开始日期``, default 1 January of the year) on or before 31 December.
* **Units** are linked by code: a ledger item's unit (``web_unit``) is a county-level unit of
  the bulletin when its code is that unit's GB/T 2260 code (``targets_unit``). A task led by a
  department keeps ``unit_code=None``; an inspection problem counts for every county-level
  unit among its lead and its responsible units (each county's own list), and under its lead
  department's code when no county is named.
* **Enforcement counts** (Table B4) are counted by the case's 立案日期: cases filed in the period,
  with their fines (exact decimal 万元) and measures (查封扣押, 限产停产, 移送公安 = 是) — the date
  a fine was decided is not used (UNCONFIRMED: which date a bureau's statistics use).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.config import database_url
from qingshan.core import clock
from qingshan.core.org import Unit
from qingshan.ledgers.models import LedgerItem
from qingshan.store.db import engine_for

COUNTY_KINDS = ("district", "county", "zone")


@dataclass(frozen=True)
class KeyTask:
    name: str
    lead: str  # 牵头单位
    unit_code: str | None  # 责任县（区）, None for a city department
    start: date | None  # default 1 January
    due: date
    done: bool
    reported_pct: str  # reported percentage as entered (decimal text; "" = not reported, counts as 0)
    note: str = ""


@dataclass(frozen=True)
class InspectionItem:
    unit_code: str
    source: str  # 中央督察 | 省督察 | 中央督察转办群众举报 | 省督察转办群众举报
    start: date | None
    due: date
    done: bool  # 已销号
    reported_pct: str  # "" = not reported (counts as 0)


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


def _items(url: str | None, kind: str) -> list[LedgerItem]:
    with Session(engine_for(url or database_url())) as db:
        items = list(db.scalars(select(LedgerItem).where(LedgerItem.kind == kind).order_by(LedgerItem.code)))
        for it in items:  # load the relations before the session closes
            _ = it.lead_unit, [u.unit for u in it.units]
    return items


def _done(item: LedgerItem) -> bool:
    return item.status == "closed"


def _day(text) -> date | None:
    return None if not text else clock.parse_date(text)


def _counties(units: Iterable[Unit | None]) -> list[Unit]:
    return [u for u in units if u is not None and u.kind in COUNTY_KINDS]


def read_tasks(url: str | None, year: int) -> list[KeyTask]:
    """The year's key tasks, by code."""
    out = []
    for it in _items(url, "key_task"):
        data = it.data or {}
        start = _day(data.get("start_date"))
        if it.deadline is None or it.deadline < date(year, 1, 1) or (start or date(year, 1, 1)) > date(year, 12, 31):
            continue
        lead = it.lead_unit
        county = lead if lead is not None and lead.kind in COUNTY_KINDS else None
        out.append(KeyTask(name=it.title, lead=lead.name if lead else "—", unit_code=county.code if county else None,
                           start=start, due=it.deadline, done=_done(it),
                           reported_pct=str(data.get("reported_pct") or ""), note=str(data.get("note") or "")))
    return out


def read_inspection(url: str | None, year: int) -> list[InspectionItem]:
    """Central and provincial inspection problems of ``year``'s rectification ledger (deadline on
    or after 1 January, or earlier and still open), one entry per responsible county-level unit."""
    out = []
    for it in _items(url, "inspection"):
        data = it.data or {}
        if it.deadline is None or (it.deadline < date(year, 1, 1) and _done(it)):
            continue
        level = "中央" if data.get("inspection_level") == "中央" else "省"
        source = f"{level}督察" + ("转办群众举报" if data.get("problem_type") == "群众举报件" else "")
        counties = _counties([it.lead_unit, *(u.unit for u in it.units)]) or [it.lead_unit]
        for unit in counties:
            out.append(InspectionItem(unit_code=unit.code if unit else "", source=source,
                                      start=_day(data.get("feedback_date")), due=it.deadline, done=_done(it),
                                      reported_pct=str(data.get("reported_pct") or "")))
    return out


def _counts(items: list[LedgerItem], a: date, b: date) -> dict[str, tuple[int, str, int, int, int]]:
    acc: dict[str, list] = {}
    for it in items:
        data = it.data or {}
        filed = _day(data.get("filed_date"))
        if filed is None or not a <= filed <= b or it.lead_unit is None:
            continue
        c = acc.setdefault(it.lead_unit.code, [0, Fraction(0), 0, 0, 0])
        c[0] += 1
        c[1] += Fraction(str(data.get("fine_wan") or "0"))
        c[2] += data.get("seized") == "是"
        c[3] += data.get("restricted") == "是"
        c[4] += data.get("transferred") == "是"
    return {k: (v[0], exact.fraction_to_str(v[1], 2), v[2], v[3], v[4]) for k, v in acc.items()}


def read_enforcement(url: str | None, month: str) -> list[EnforcementCounts]:
    """Per unit with cases: counts of month M and of 1–M月, each with the same period last year."""
    y, m = int(month[:4]), int(month[5:7])
    end = date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
    items = _items(url, "enforcement")
    # last year's counts as they stand today (cases of last year are filed and final)
    periods = {"month": (date(y, m, 1), end), "ytd": (date(y, 1, 1), end)}
    out = []
    for period, (a, b) in periods.items():
        cur = _counts(items, a, b)
        la, lb = a.replace(year=y - 1), (b.replace(year=y - 1) if not (b.month == 2 and b.day == 29)
                                         else date(y - 1, 2, 28))
        last = _counts(items, la, lb)
        zero = (0, "0.00", 0, 0, 0)
        for code in sorted(set(cur) | set(last)):
            c = cur.get(code, zero)
            out.append(EnforcementCounts(code, period, c[0], c[1], c[2], c[3], c[4], last.get(code, zero)))
    return out
