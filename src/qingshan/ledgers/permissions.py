"""Who may do what with a ledger item — read from the tables of :mod:`qingshan.ledgers.workflow`.

The service enforces these (:func:`require`), the pages show only what they allow
(:func:`allowed_actions`); both call the same functions, so a button never appears for an
action the service refuses.
"""

from __future__ import annotations

from typing import Any

from qingshan.core.errors import PermissionDenied
from qingshan.core.org import User, role_label
from qingshan.ledgers.kinds import KIND_FIELDS
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.workflow import (
    CLOSED_STATES,
    ITEM_ACTIONS,
    PUBLISHABLE_STATES,
    UNIT_LOCKED_STATES,
    AssignUnit,
    ChoiceFrom,
    Transition,
    transitions_for,
)

ACTION_LABELS = {
    "view": "查看台账", "export": "导出台账", "create": "新建事项", "import": "导入台账",
    "update": "修改事项", "progress": "报送进展", "attach": "上传附件", "download": "下载附件",
    "publish": "审核公开答复",
}


def is_own(user: User | None, item: LedgerItem) -> bool:
    """Whether ``user``'s unit is the lead unit or one of the other units of ``item``."""
    if user is None or user.unit_id is None:
        return False
    return item.lead_unit_id == user.unit_id or any(u.unit_id == user.unit_id for u in item.units)


def may(user: User | None, action: str, item: LedgerItem | None = None) -> bool:
    if user is None:
        return False
    scope = ITEM_ACTIONS[action].get(user.role)
    if scope is None:
        return False
    if scope == "own" and item is not None:
        return is_own(user, item)
    return True


def require(user: User | None, action: str, item: LedgerItem | None = None) -> None:
    """Raise :class:`~qingshan.core.errors.PermissionDenied` (Chinese: what and why) unless allowed."""
    if may(user, action, item):
        return
    what = ACTION_LABELS.get(action, action)
    if user is not None and ITEM_ACTIONS[action].get(user.role) == "own":
        unit = user.unit.name if user.unit else "（无单位）"
        raise PermissionDenied(
            f"无权{what}：事项「{item.code}」不属于{unit}，责任单位用户只能{what}本单位牵头或参与的事项。",
            object_id=item.id,
        )
    raise PermissionDenied(f"无权{what}：{role_label(user.role if user else None)}不能{what}。",
                           object_id=getattr(item, "id", None))


def may_transition(user: User | None, item: LedgerItem, t: Transition) -> bool:
    if user is None or user.role not in t.roles:
        return False
    return not (t.unit_scope and user.role == "unit" and not is_own(user, item))


def allowed_actions(user: User | None, item: LedgerItem) -> dict[str, Any]:
    """What ``user`` may do with ``item`` now: ``update``, ``progress``, ``attach`` (bool) and
    ``transitions`` (``action, label, note_required, note_label``)."""
    if user is None:
        return {"update": False, "progress": False, "attach": False, "publish": False, "transitions": []}
    open_ = item.status not in CLOSED_STATES
    return {
        "publish": bool(item.kind == "complaint" and item.status in PUBLISHABLE_STATES
                        and (item.data or {}).get("reply") and may(user, "publish", item)),
        "update": open_ and may(user, "update", item) and not (user.role == "unit" and item.status in UNIT_LOCKED_STATES),
        "progress": open_ and may(user, "progress", item),
        "attach": open_ and may(user, "attach", item),
        "transitions": [transition_form(t) for t in transitions_for(item.kind)
                        if item.status in t.sources and may_transition(user, item, t)],
    }


def transition_form(t: Transition) -> dict[str, Any]:
    """What a form for ``t`` asks: its note, the unit it assigns (``unit_label``, from an
    :class:`~qingshan.ledgers.workflow.AssignUnit` effect) and its choices (``ChoiceFrom``)."""
    unit = next((e for e in t.effects if isinstance(e, AssignUnit)), None)
    choices = []
    for e in t.effects:
        if isinstance(e, ChoiceFrom):
            spec = next(f for f in KIND_FIELDS[t.kind] if f.key == e.field)
            choices.append({"param": e.param, "label": spec.label, "options": list(spec.choices)})
    return {"action": t.action, "label": t.label, "note_required": t.note_required, "note_label": t.note_label,
            "note_hint": t.note_hint, "unit_label": unit.label if unit else None, "choices": choices}
