"""The ledger workflow as data: states of each kind, and which role may make which transition.

One engine (:mod:`qingshan.ledgers.service`) reads these tables for all four kinds; nothing
about states or permissions is hard-coded elsewhere. The conference's accountability cycle
(拉条挂账 → 督办落实 → 办结销号, FACTS.md §5.1 "Accountability") maps to: an item is created on the
ledger by the bureau, the responsible unit reports progress and applies for closure, the bureau
verifies (for inspection problems: on-site verification) and closes (销号), and may re-open.

What a transition does besides changing the state is data too: its ``effects``
(:class:`AssignUnit`, :class:`NoteTo`, :class:`ChoiceFrom`, :class:`CountUp`), applied by the one
engine in order. A new side effect is a new effect class and one case in
:func:`qingshan.ledgers.service.apply_effects`, never an ``if kind == … and action == …``.

``unit_scope=True`` on a transition means a ``unit`` user may make it only on items of its own
unit (lead unit or a supporting/responsible unit); bureau roles are never unit-scoped.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS: dict[str, str] = {
    "key_task": "重点任务",
    "inspection": "督察反馈问题",
    "hazard": "环境风险隐患",
    "complaint": "投诉举报",
    "emergency": "应急减排落实问题",
    "enforcement": "执法案件",
}

# status -> label, per kind; the first state is the initial one, CLOSED_STATES end the cycle
STATES: dict[str, dict[str, str]] = {
    "key_task": {"not_started": "未启动", "in_progress": "推进中", "submitted": "申请办结", "closed": "已办结"},
    "inspection": {"rectifying": "整改中", "submitted": "申请销号", "verified": "已现场核查", "closed": "已销号"},
    "hazard": {"open": "待整治", "rectifying": "整治中", "submitted": "申请销号", "closed": "已销号"},
    "complaint": {"received": "已受理", "assigned": "已交办", "replied": "已答复", "closed": "已办结"},
    # an enterprise found by the online-monitoring check not to have cut during an alert
    # (air-emergency.md §4; opened by the bureau from a verification, qingshan.emergency.ledger)
    "emergency": {"rectifying": "整改中", "submitted": "申请销号", "verified": "已现场核查", "closed": "已销号"},
    # 立案 → 调查取证 → 作出处理决定 → 结案 (the case's own stages; what it counts in Bulletin B
    # Table B4 — 立案, fines, 查封扣押, 限产停产, 移送 — are its fields, assessment-bulletin.md §4.3 item 6)
    "enforcement": {"filed": "已立案", "investigating": "调查取证", "decided": "已作出处理决定", "closed": "已结案"},
}
CLOSED_STATES = frozenset({"closed"})
# States in which the bureau is judging the unit's submission (申请办结/销号, 现场核查): the unit
# may not change the item any more — what was submitted and verified must stay what it was. A
# change goes through 退回 (back to 推进中/整改中) first.
UNIT_LOCKED_STATES = frozenset({"submitted", "verified"}) | CLOSED_STATES

STATE_LABELS: dict[str, str] = {}
for _kind_states in STATES.values():
    for _code, _label in _kind_states.items():
        STATE_LABELS.setdefault(_code, _label)


def initial_state(kind: str) -> str:
    return next(iter(STATES[kind]))


def state_label(kind: str, status: str) -> str:
    return STATES.get(kind, {}).get(status, status)


@dataclass(frozen=True)
class AssignUnit:
    """The transition names a unit (``unit``; required) that becomes the item's lead unit; the
    note defaults to 「交办至<unit>」."""

    label: str = "承办单位"


@dataclass(frozen=True)
class NoteTo:
    """The transition's note is stored in the kind field ``field`` (the reply, the evidence …)."""

    field: str


@dataclass(frozen=True)
class ChoiceFrom:
    """An optional parameter of the transition (``param``) is validated as the kind field
    ``field`` and stored there (a complaint's satisfaction on closing)."""

    param: str
    field: str


@dataclass(frozen=True)
class CountUp:
    """Increment the counter ``field`` (re-openings)."""

    field: str


@dataclass(frozen=True)
class RequireClosureEvidence:
    """A gate: on items whose kind field ``field`` is ``value`` the transition is refused unless
    the evidence soil-waste.md §6.6 requires for a 销号 is there (checked by
    :func:`qingshan.standards.tailings_ponds.closure_evidence_check`, gathered by
    :mod:`qingshan.ledgers.evidence`); the closing bureau user is recorded as the verifier and
    the transition's note as the verification (核查情况). Other items pass unchanged."""

    field: str = "hazard_type"
    value: str = "尾矿库"


Effect = AssignUnit | NoteTo | ChoiceFrom | CountUp | RequireClosureEvidence


@dataclass(frozen=True)
class Transition:
    kind: str
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    unit_scope: bool = True
    note_required: bool = False
    note_label: str = "说明"
    effects: tuple[Effect, ...] = ()
    note_hint: str = ""  # shown under the note field (e.g. that the text will be public)


_B = ("admin", "staff")
_BU = ("admin", "staff", "unit")

TRANSITIONS: tuple[Transition, ...] = (
    # 重点任务
    Transition("key_task", "start", "启动", ("not_started",), "in_progress", _BU),
    Transition("key_task", "submit", "申请办结", ("in_progress",), "submitted", _BU, note_required=True,
               note_label="完成情况"),
    Transition("key_task", "return", "退回", ("submitted",), "in_progress", _B, note_required=True,
               note_label="退回理由"),
    Transition("key_task", "close", "办结", ("submitted",), "closed", _B),
    Transition("key_task", "reopen", "重新打开", ("closed",), "in_progress", _B, note_required=True,
               note_label="重新打开理由", effects=(CountUp("reopen_count"),)),
    # 督察反馈问题
    Transition("inspection", "submit", "申请销号", ("rectifying",), "submitted", _BU, note_required=True,
               note_label="整改完成情况及佐证", effects=(NoteTo("evidence"),)),
    Transition("inspection", "return", "退回", ("submitted", "verified"), "rectifying", _B, note_required=True,
               note_label="退回理由"),
    Transition("inspection", "verify", "现场核查", ("submitted",), "verified", _B, note_required=True,
               note_label="现场核查情况", effects=(NoteTo("verification"),)),
    Transition("inspection", "close", "销号", ("verified",), "closed", _B),
    Transition("inspection", "reopen", "重新打开", ("closed",), "rectifying", _B, note_required=True,
               note_label="重新打开理由（如问题反弹）", effects=(CountUp("reopen_count"),)),
    # 环境风险隐患
    Transition("hazard", "start", "开始整治", ("open",), "rectifying", _BU),
    Transition("hazard", "submit", "申请销号", ("rectifying",), "submitted", _BU, note_required=True,
               note_label="整治完成情况"),
    Transition("hazard", "return", "退回", ("submitted",), "rectifying", _B, note_required=True,
               note_label="退回理由"),
    Transition("hazard", "close", "销号", ("submitted",), "closed", _B, note_label="核查情况",
               effects=(RequireClosureEvidence("hazard_type", "尾矿库"),)),
    Transition("hazard", "reopen", "重新打开", ("closed",), "rectifying", _B, note_required=True,
               note_label="重新打开理由", effects=(CountUp("reopen_count"),)),
    # 投诉举报
    Transition("complaint", "assign", "交办", ("received",), "assigned", _B, effects=(AssignUnit(),)),
    Transition("complaint", "reply", "答复", ("assigned",), "replied", _BU, note_required=True,
               note_label="答复内容", effects=(NoteTo("reply"),),
               note_hint="答复内容经市生态环境局审核后将在公众查询页公开，请勿填写投诉人姓名、电话等个人信息。"),
    Transition("complaint", "close", "办结", ("replied",), "closed", _B,
               effects=(ChoiceFrom("satisfaction", "satisfaction"),)),
    Transition("complaint", "reopen", "重新办理", ("replied", "closed"), "assigned", _B, note_required=True,
               note_label="重新办理理由", effects=(CountUp("reopen_count"),)),
    # 应急减排落实问题 (same cycle as an inspection problem: rectify, on-site check, close)
    Transition("emergency", "submit", "申请销号", ("rectifying",), "submitted", _BU, note_required=True,
               note_label="整改完成情况及佐证", effects=(NoteTo("evidence"),)),
    Transition("emergency", "return", "退回", ("submitted", "verified"), "rectifying", _B, note_required=True,
               note_label="退回理由"),
    Transition("emergency", "verify", "现场核查", ("submitted",), "verified", _B, note_required=True,
               note_label="现场核查情况", effects=(NoteTo("verification"),)),
    Transition("emergency", "close", "销号", ("verified",), "closed", _B),
    Transition("emergency", "reopen", "重新打开", ("closed",), "rectifying", _B, note_required=True,
               note_label="重新打开理由", effects=(CountUp("reopen_count"),)),
    # 执法案件: the bureau's enforcement officers move a case; units see it (their county's cases)
    Transition("enforcement", "investigate", "开始调查取证", ("filed",), "investigating", _B),
    Transition("enforcement", "decide", "作出处理决定", ("investigating",), "decided", _B, note_required=True,
               note_label="处理决定（文号及内容）", effects=(NoteTo("decision"),)),
    Transition("enforcement", "close", "结案", ("decided",), "closed", _B),
    Transition("enforcement", "reopen", "重新打开", ("closed",), "investigating", _B, note_required=True,
               note_label="重新打开理由", effects=(CountUp("reopen_count"),)),
)


def transitions_for(kind: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.kind == kind]


def find_transition(kind: str, action: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.kind == kind and t.action == action:
            return t
    return None


# Non-transition actions on an item, by role. "own" = unit users on their own unit's items only.
# Closed items accept no edits, progress or attachments until re-opened.
ITEM_ACTIONS: dict[str, dict[str, str]] = {
    # action: {role: "all" | "own"}
    "view": {"admin": "all", "staff": "all", "unit": "all", "leader": "all"},
    "export": {"admin": "all", "staff": "all", "unit": "all", "leader": "all"},
    "create": {"admin": "all", "staff": "all"},
    "import": {"admin": "all", "staff": "all"},
    "update": {"admin": "all", "staff": "all", "unit": "own"},
    "progress": {"admin": "all", "staff": "all", "unit": "own"},
    "attach": {"admin": "all", "staff": "all", "unit": "own"},
    "download": {"admin": "all", "staff": "all", "unit": "all", "leader": "all"},
    # review a complaint's reply and make it public (ledgers.service.publish_reply)
    "publish": {"admin": "all", "staff": "all"},
}
#: Complaint states whose reply may be reviewed and published.
PUBLISHABLE_STATES = frozenset({"replied", "closed"})

# Fields a unit user may change on its own items (the ledger's "what/who/when" is the bureau's).
UNIT_EDITABLE_FIELDS = frozenset({"measures", "milestones", "evidence", "site", "longitude", "latitude",
                                  "last_inspected", "location", "self_check_on", "reported_pct"})
