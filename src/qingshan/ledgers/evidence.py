"""What a hazard's 销号 rests on, gathered from the ledger for the gate
:class:`~qingshan.ledgers.workflow.RequireClosureEvidence` (soil-waste.md §6.6).

The 2022 tailings hazard guide requires a closed loop — inspection → rectification →
verification of the result — and a closure by the bureau or its delegate, never by the operator
alone. The pure test is :func:`qingshan.standards.tailings_ponds.closure_evidence_check`; this
module maps a ledger item onto its :class:`~qingshan.standards.tailings_ponds.ClosureEvidence`:

==========================  ===================================================================
evidence                    taken from
==========================  ===================================================================
state                       the item's status (申请销号 = the operator's self-check is done)
measures                    the item's 整治措施 field
self_check_on               the item's 企业自查完成日期 field (entered by the responsible unit)
verification_on             the day of the 销号 (Beijing calendar day)
verified_by, verifier_role  the closing user and unit; bureau roles verify as ``bureau``
verification_result         ``pass``: closing is the passing verification (a failing one is 退回)
evidence_items              attachments (photos, reports) on the item
found_on                    the item's 发现日期 field, else the day it was opened
==========================  ===================================================================

Settings: :class:`qingshan.standards.tailings_ponds.Settings` (``require_evidence_attachment``
True by default — our reading of "verification of the result", UNCONFIRMED).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.errors import ValidationFailed
from qingshan.core.org import BUREAU_ROLES, User
from qingshan.ledgers.models import Attachment, LedgerItem
from qingshan.standards import tailings_ponds as tp

#: ledger status → the hazard state of soil-waste.md §6.6
HAZARD_STATE = {"open": tp.HazardState.FOUND, "rectifying": tp.HazardState.RECTIFYING,
                "submitted": tp.HazardState.SELF_CHECKED, "closed": tp.HazardState.CLOSED}

#: what the user is told to supply, per evidence field of the check
EVIDENCE_LABELS = {
    "state": "状态", "measures": "整治措施", "self_check_on": "企业自查完成日期", "verifier_role": "核查单位",
    "verified_by": "核查人及单位", "verification_on": "核查日期", "verification_result": "核查结论",
    "evidence_items": "佐证材料（附件）",
}


def _day(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else clock.parse_date(value)


def verifier_name(user: User) -> str:
    unit = user.unit.name if user.unit is not None else ""
    return f"{user.display_name}（{unit}）" if unit else user.display_name


def closure_evidence(db: Session, item: LedgerItem, user: User, data: dict[str, Any],
                     today: date) -> tuple[tp.ClosureEvidence, date]:
    """The evidence of ``item`` (fields ``data``) if ``user`` closes it on ``today``, and the
    day the hazard was found."""
    attachments = db.scalar(select(func.count()).select_from(Attachment).where(Attachment.item_id == item.id)) or 0
    found = _day(data.get("found_on")) or clock.to_local(clock.aware(item.created_at)).date()
    evidence = tp.ClosureEvidence(
        measures=data.get("measures"),
        self_check_on=_day(data.get("self_check_on")),
        verification_on=today,
        verified_by=verifier_name(user),
        verifier_role="bureau" if user.role in BUREAU_ROLES else "operator",
        verification_result="pass",
        evidence_items=int(attachments),
    )
    return evidence, found


def require_closure_evidence(db: Session, item: LedgerItem, user: User, data: dict[str, Any], note: str, *,
                             settings: tp.Settings = tp.Settings()) -> None:
    """Refuse the 销号 (``ValidationFailed``, every missing piece named in Chinese) unless the
    evidence is complete; when it is, record the verification in ``data`` (changed in place)."""
    today = clock.today()
    evidence, found = closure_evidence(db, item, user, data, today)
    missing = tp.closure_evidence_check(HAZARD_STATE.get(item.status, tp.HazardState.FOUND), evidence,
                                        found_on=found, settings=settings)
    if missing:
        msgs = [f"「{EVIDENCE_LABELS.get(key, key)}」：{why}" for key, why in missing]
        raise ValidationFailed(
            f"不能销号：事项「{item.code}」是尾矿库污染隐患，销号须经核查并具备整改佐证（soil-waste.md §6.6）。"
            + "；".join(msgs) + "。",
            errors=[{"field": EVIDENCE_LABELS.get(key, key), "message": m} for (key, _), m in zip(missing, msgs)],
        )
    data["verified_by"] = evidence.verified_by
    data["verification_on"] = today.isoformat()
    if note:
        data["verification"] = note
