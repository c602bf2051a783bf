"""Tailings-pond hazards (隐患排查治理, soil-waste.md §6.6) as items of the risk-hazard ledger.

A hazard found at a pond is a ledger item of kind ``hazard`` with hazard type 尾矿库 and the
pond's code in 尾矿库编号 (``pond_code``); it is opened by the bureau through
:func:`qingshan.ledgers.service.create_item` (permissions, audit, history) and worked in the
ledger like any other item. Its 销号 is gated: the hazard ``close`` transition carries
:class:`~qingshan.ledgers.workflow.RequireClosureEvidence`, so the ledger engine refuses it until
:func:`qingshan.standards.tailings_ponds.closure_evidence_check` passes (measures, the operator's
self-check date, the bureau's verification, at least one evidence file; see
:mod:`qingshan.ledgers.evidence`).

The ledger's 隐患等级 重大/较大/一般 maps onto the spec's split (UNCONFIRMED, §6.6): 重大 →
``major`` (deadline set per case: required here), 较大 and 一般 → ``minor`` (default deadline:
found + ``hazard_deadline_days["minor"]`` days; a hazard of the pre-flood inspection defaults to
the day before ``flood_season_start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import AuditContext
from qingshan.core.errors import NotFound, ValidationFailed
from qingshan.core.org import BUREAU, Unit, User
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.service import create_item
from qingshan.ledgers.workflow import CLOSED_STATES, state_label
from qingshan.landwaste.ponds.models import Pond
from qingshan.standards import tailings_ponds as tp

SEVERITY = {"重大": "major", "较大": "minor", "一般": "minor"}  # UNCONFIRMED mapping, module doc


@dataclass(frozen=True)
class PondHazard:
    id: int
    pond_code: str
    code: str
    title: str
    grade: str | None
    status: str
    status_label: str
    deadline: date | None
    overdue: bool
    found_on: str | None
    closed: bool
    verified_by: str | None
    verification_on: str | None
    opened_on: date  # Beijing calendar days of the ledger item's creation and closure
    closed_on: date | None

    def open_on(self, day: date) -> bool:
        """Opened on or before ``day`` and not closed by its end (a re-opened item counts as
        open from its first opening)."""
        return self.opened_on <= day and (self.closed_on is None or self.closed_on > day)


def _local_day(moment) -> date:
    return clock.to_local(clock.aware(moment)).date()


def get_pond(session: Session, code: str) -> Pond:
    pond = session.scalar(select(Pond).where(Pond.code == code))
    if pond is None:
        raise NotFound(f"尾矿库「{code[:40]}」不存在。")
    return pond


def open_hazard(session: Session, ctx: AuditContext, user: User | None, code: str, *, title: str, grade: str,
                found_on: date | None = None, deadline: date | None = None, measures: str | None = None,
                pre_flood_inspection: bool = False, settings: tp.Settings = tp.Settings()) -> LedgerItem:
    """Open a hazard of pond ``code`` in the risk-hazard ledger (committed by the ledger service).

    ``grade``: 重大 / 较大 / 一般. ``deadline``: required for 重大; otherwise defaults as in the
    module doc. Lead unit: the pond's county; the bureau supports."""
    pond = get_pond(session, code)
    found = found_on or clock.today()
    if grade not in SEVERITY:
        raise ValidationFailed(f"「隐患等级」：「{str(grade)[:20]}」不是可选值（可选：重大、较大、一般）",
                               errors=[{"field": "隐患等级", "message": "可选：重大、较大、一般"}])
    if deadline is None:
        deadline = tp.hazard_default_deadline(found, SEVERITY[grade], pre_flood_inspection=pre_flood_inspection,
                                              settings=settings)
        if deadline is None:
            raise ValidationFailed("「整治时限」：重大隐患的整治时限须逐项确定，请填写整治时限。",
                                   errors=[{"field": "整治时限", "message": "重大隐患须填写整治时限"}])
    county = session.scalar(select(Unit).where(Unit.code == pond.county_code))
    fields = {"hazard_type": "尾矿库", "site": pond.name, "grade": grade, "found_on": found.isoformat(),
              "pond_code": pond.code}
    if pond.lon is not None and pond.lat is not None:
        fields |= {"longitude": pond.lon, "latitude": pond.lat}
    if measures:
        fields["measures"] = measures
    if pond.demo:
        fields["note"] = "演示：尾矿库与隐患为合成演示数据。"
    return create_item(session, ctx, user, "hazard", {
        "title": title, "lead_unit": county.code if county is not None else BUREAU[1],
        "units": [BUREAU[1]] if county is not None else [], "deadline": deadline.isoformat(), "fields": fields})


def pond_hazards(session: Session, code: str | None = None, *, today: date | None = None) -> list[PondHazard]:
    """The risk-hazard ledger's items of pond ``code`` (of every pond when None), oldest first."""
    today = today or clock.today()
    out = []
    for item in session.scalars(select(LedgerItem).where(LedgerItem.kind == "hazard").order_by(LedgerItem.id)):
        data = item.data or {}
        if data.get("hazard_type") != "尾矿库" or not data.get("pond_code") or (code and data["pond_code"] != code):
            continue
        closed = item.status in CLOSED_STATES
        out.append(PondHazard(item.id, data["pond_code"], item.code, item.title, data.get("grade"), item.status,
                              state_label(item.kind, item.status), item.deadline,
                              bool(not closed and item.deadline and item.deadline < today), data.get("found_on"),
                              closed, data.get("verified_by"), data.get("verification_on"), _local_day(item.created_at),
                              _local_day(item.closed_at) if item.closed_at else None))
    return out
