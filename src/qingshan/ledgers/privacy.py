"""Personal data in the ledgers: who may see it, how it is masked, how a read is audited.

Fields marked ``personal=True`` in :data:`qingshan.ledgers.kinds.KIND_FIELDS` (a complainant's
name and phone) are seen in clear only by

* the bureau's complaint staff (role ``staff``, :data:`PERSONAL_DATA_ROLES`), and
* the handling unit: a ``unit`` user whose unit is the item's lead unit (承办单位) — not the
  supporting units, not other units, not leaders, and not the system administrator (system
  administration and complaint handling are separate duties; an administrator who must handle
  complaints is given the ``staff`` role).

Everyone else gets masked values (``张**``, ``139****0000``): in lists, in the item view, in
Excel exports and in the audit trail's before/after images (:func:`mask_data`). Lists always
mask, so a read in clear happens only on an item's own page or API view and in an export, and
each such read writes an audit record ``read`` naming the fields (:func:`audit_read`). A caller
without an audit context gets masked values: no read in clear goes unrecorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from qingshan.core.audit import Action, AuditContext, record
from qingshan.ledgers.kinds import KIND_FIELDS
from qingshan.ledgers.models import LedgerItem

#: Roles that see personal data of every item (besides the item's handling unit).
PERSONAL_DATA_ROLES = frozenset({"staff"})

PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.key for f in specs if f.personal) for kind, specs in KIND_FIELDS.items()
}
TEXT_FIELDS_WITH_PERSONAL: dict[str, tuple[str, ...]] = {
    kind: tuple(f.key for f in specs if f.may_hold_personal) for kind, specs in KIND_FIELDS.items()
}
_LABELS = {(kind, f.key): f.label for kind, specs in KIND_FIELDS.items() for f in specs}


def personal_fields(kind: str) -> tuple[str, ...]:
    return PERSONAL_FIELDS.get(kind, ())


def may_see_personal(user: Any, item: LedgerItem) -> bool:
    """Whether ``user`` may see ``item``'s personal fields in clear."""
    if user is None or not personal_fields(item.kind):
        return False
    if user.role in PERSONAL_DATA_ROLES:
        return True
    return user.role == "unit" and user.unit_id is not None and item.lead_unit_id == user.unit_id


def mask(value: Any) -> Any:
    """A masked copy of one personal value: a phone keeps its first 3 and last 4 digits, a
    name its first character; anything else becomes 「***」."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    digits = [c for c in text if c.isdigit()]
    if len(digits) >= 7 and len(digits) >= len(text) - 3:
        return f"{''.join(digits[:3])}****{''.join(digits[-4:])}"
    if len(text) >= 2:
        return text[0] + "*" * min(len(text) - 1, 3)
    return "*"


#: Runs of 7 or more digits (blanks or hyphens between them allowed, an ID number's final X):
#: phone, mobile and ID numbers a complainant types into free text.
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ -]?){6,}[0-9Xx](?![0-9A-Za-z])")


def scrub_text(text: Any) -> Any:
    """``text`` with every phone-like or ID-like number masked as :func:`mask` masks a phone."""
    if not isinstance(text, str):
        return text
    return _NUMBER_IN_TEXT.sub(lambda m: mask(m.group(0).rstrip("Xx")), text)


def mask_data(kind: str, data: dict | None) -> dict:
    """``data`` with the personal fields of ``kind`` masked and the free texts that may hold
    personal data (``FieldSpec.may_hold_personal``) scrubbed of numbers (a copy)."""
    out = dict(data or {})
    for key in personal_fields(kind):
        if key in out:
            out[key] = mask(out[key])
    for key in TEXT_FIELDS_WITH_PERSONAL.get(kind, ()):
        if key in out:
            out[key] = scrub_text(out[key])
    return out


def present_personal(item: LedgerItem) -> list[str]:
    """Labels of the personal fields ``item`` actually holds."""
    data = item.data or {}
    return [_LABELS[(item.kind, k)] for k in personal_fields(item.kind) if data.get(k) not in (None, "")]


def audit_read(db: Session, ctx: AuditContext, user: Any, items: Iterable[LedgerItem], how: str) -> int:
    """Record that ``user`` read the personal fields of ``items`` in clear (``how``: 查看 / 导出);
    one record per item, in ``db``'s transaction (the caller commits). Returns the count."""
    n = 0
    for item in items:
        labels = present_personal(item)
        if not labels:
            continue
        record(db, ctx.as_actor(user), Action.READ, object_type="ledger_item", object_id=item.id,
               object_repr=f"{item.code} {item.title}"[:200],
               message=f"{how}个人信息：{'、'.join(labels)}")
        n += 1
    return n
