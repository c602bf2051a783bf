"""The bulletin's publishing workflow as data: draft → reviewed → published (issue item 4).

The review freezes what was reviewed (the assembled bulletin's snapshot), publishing signs that
same snapshot and nothing changes it any more (:mod:`qingshan.bulletin.service`, which checks
the roles below and writes the audit trail). Roles are :data:`qingshan.core.org.ROLES`: the
bureau's staff review and return; publishing (签发) is the administrator's — the platform's
leadership role is read-only (``core.org``), so the account that signs for the bureau's leader
is an admin account (a choice, docs/assess-notes.md). Four eyes: the account that reviewed an
issue cannot publish it (:data:`FOUR_EYES`); the command line acts as the system.
"""

from __future__ import annotations

from dataclasses import dataclass

from qingshan.core.errors import Conflict

STATES: dict[str, str] = {"draft": "草稿", "reviewed": "已审核", "published": "已发布"}
INITIAL = "draft"
FROZEN = frozenset({"published"})
#: states whose content is the stored snapshot (what was reviewed is what is published)
SNAPSHOTTED = frozenset({"reviewed", "published"})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    source: str
    target: str
    roles: tuple[str, ...]


TRANSITIONS: tuple[Transition, ...] = (
    Transition("review", "审核通过", "draft", "reviewed", ("admin", "staff")),
    Transition("return", "退回修改", "reviewed", "draft", ("admin", "staff")),
    Transition("publish", "签发", "reviewed", "published", ("admin",)),
)
#: who may edit Bulletin B §4.3 item 8 while the issue is a draft
REMARKS_ROLES: tuple[str, ...] = ("admin", "staff")
#: the reviewer of an issue may not also publish it
FOUR_EYES = True


class WorkflowError(Conflict):
    """A transition that the issue's current state does not allow (message in Chinese; HTTP 409
    through the one error mapping)."""

    def __init__(self, message: str, object_id=None):
        super().__init__(message, object_id=object_id, object_type="bulletin_issue")


def next_state(state: str, action: str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and t.source == state:
            return t
    allowed = [t.label for t in TRANSITIONS if t.source == state]
    raise WorkflowError(f"通报当前为“{STATES.get(state, state)}”，不能执行“{action}”"
                        + (f"（可执行：{'、'.join(allowed)}）" if allowed else "（已发布的通报不可再修改）"))


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state]


__all__ = ["FOUR_EYES", "FROZEN", "INITIAL", "REMARKS_ROLES", "SNAPSHOTTED", "STATES", "TRANSITIONS", "Transition", "WorkflowError",
           "next_state", "transitions_from"]
