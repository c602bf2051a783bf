"""Seam to the heavy-pollution emergency domain (air-emergency.md §1, §4) for Bulletin B.

Connected to the emergency domain's one report builder (:mod:`qingshan.emergency.report`):

* ``episodes`` — the city's alerts in force during the month (:func:`report.alerts_in_month`),
  each with the highest level in force **within the month** and its own start and lift dates
  (an alert still running ends 「至今」);
* ``enterprises_checked`` / ``enterprises_failed`` — distinct enterprises in the latest
  **final** verification (VERIFY-1, §4.2; after the lift, not provisional) of each of those
  alerts, and those of them that did not cut (``FAIL`` / ``STOP_BREACH``,
  :func:`report.non_complying`).

``read`` returns None (「暂无数据」) while the store holds no emergency data at all (no alert and
no emergency list): the domain is not in use there. A month without an alert in a store that
uses the domain reads as 「未启动预警」 with zero enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.config import database_url
from qingshan.core.org import CITY
from qingshan.emergency import report
from qingshan.emergency.models import Alert, EmergencyList, Verification, VerificationResult
from qingshan.standards.alert_levels import Level
from qingshan.store.db import make_engine

RANK = {"yellow": 1, "orange": 2, "red": 3}


@dataclass(frozen=True)
class AlertEpisode:
    level: str  # 黄色 | 橙色 | 红色
    start: str  # YYYY-MM-DD
    end: str


@dataclass(frozen=True)
class EmergencySummary:
    month: str
    episodes: tuple[AlertEpisode, ...]
    enterprises_checked: int
    enterprises_failed: int  # VERIFY-1 failures (air-emergency.md §4.2)


def read(url: str | None, month: str) -> EmergencySummary | None:
    """The month's (``YYYY-MM``) alerts and verification counts of the city, or None when the
    store has no emergency data (暂无数据)."""
    year, m = (int(x) for x in month.split("-"))
    m0 = datetime(year, m, 1)
    m1 = datetime(year + (m == 12), m % 12 + 1, 1)
    city = CITY[1]
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as s:
            in_use = (s.scalar(select(func.count()).select_from(Alert)) or 0) + (
                s.scalar(select(func.count()).select_from(EmergencyList)) or 0)
            if not in_use:
                return None
            ma = report.alerts_in_month(s, year, m, city=city)
            episodes, checked = [], set()
            for a in ma.alerts:
                levels = [lv for lv, h in a.hours_by_level.items() if h > 0 and lv in RANK]
                if not levels:
                    continue
                top = max(levels, key=RANK.__getitem__)
                episodes.append(AlertEpisode(Level.parse(top).zh, a.start[:10], a.lift_at[:10] if a.lift_at else "至今"))
                v = s.scalars(select(Verification).where(Verification.alert_id == a.alert_id)
                              .order_by(Verification.evaluated_at.desc(), Verification.id.desc()).limit(1)).first()
                if v is not None and not v.provisional:
                    checked |= set(s.scalars(select(VerificationResult.enterprise_id)
                                             .where(VerificationResult.verification_id == v.id)))
            failed = {r.enterprise_id for r in report.non_complying(s, m0, m1, city=city)
                      if any(e for e in ma.alerts if e.alert_id == r.alert_id)}
    finally:
        engine.dispose()
    return EmergencySummary(month, tuple(episodes), len(checked), len(failed))
