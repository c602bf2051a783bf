"""The bulletin's publishing workflow as data: draft → reviewed → published (issue item 4).

A published bulletin is frozen: its inputs are snapshotted (:mod:`qingshan.bulletin.service`)
and nothing changes it any more. Roles are named for the phase-2 web layer, which checks them
and writes the audit trail; this module only decides whether a transition is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES: dict[str, str] = {"draft": "草稿", "reviewed": "已审核", "published": "已发布"}
INITIAL = "draft"
FROZEN = frozenset({"published"})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    source: str
    target: str
    roles: tuple[str, ...]


TRANSITIONS: tuple[Transition, ...] = (
    Transition("review", "审核通过", "draft", "reviewed", ("bureau_reviewer", "admin")),
    Transition("return", "退回修改", "reviewed", "draft", ("bureau_reviewer", "bureau_leader", "admin")),
    Transition("publish", "签发", "reviewed", "published", ("bureau_leader", "admin")),
)


class WorkflowError(ValueError):
    """A transition that the workflow does not allow (message in Chinese)."""


def next_state(state: str, action: str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and t.source == state:
            return t
    allowed = [t.label for t in TRANSITIONS if t.source == state]
    raise WorkflowError(f"通报当前为“{STATES.get(state, state)}”，不能执行“{action}”"
                        + (f"（可执行：{'、'.join(allowed)}）" if allowed else "（已发布的通报不可再修改）"))


__all__ = ["FROZEN", "INITIAL", "STATES", "TRANSITIONS", "Transition", "WorkflowError", "next_state"]
