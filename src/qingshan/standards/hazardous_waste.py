"""Hazardous waste: codes, manifest numbers, the manifest status flow, discrepancies, time limits.

Pure rules of soil-waste.md §5 (no I/O):

* waste codes ``NNN-NNN-NN`` of the 国家危险废物名录（2025年版） (§5.1; the list itself was
  not loaded: a code is checked for shape and category, and against a list only when one is
  passed — ``hw_list``; otherwise the result says ``list_not_loaded``);
* the 14-digit manifest number (联单编号) and its consistency with the transferor (§5.2,
  危险废物转移管理办法 Art. 15);
* the status flow of §5.4 as a state machine (:class:`State`, :class:`Event`,
  :func:`next_state`; the state names are a software design, UNCONFIRMED against the national
  system);
* the receipt discrepancy (§5.4, ``receipt_discrepancy_threshold``);
* the time limits of §5.5 on the official working-day calendar
  (:mod:`qingshan.standards.cn_calendar`): receipt confirmation ≤ 5 working days from the day
  of receipt (Art. 18); electronic backfill of a paper manifest ≤ 10 working days after the
  transfer ends (Art. 20); manifest data kept ≥ 10 years from CLOSED (UNCONFIRMED start).
  The repealed 1999 rule (report 3 days before a transfer) is not applied to anything.

References
----------
.. [1] 危险废物转移管理办法 (部令第23号, in force 2022-01-01) Art. 10–20, 23–28.
.. [2] 国家危险废物名录（2025年版）, code definition.
.. [3] ../shared/standards/soil-waste.md §5, §7 E4, §8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum
from fractions import Fraction

from qingshan.standards.cn_calendar import CalendarMissing, WorkdayCalendar, add_years, load_calendar

HW_LIST_EDITION = "2025"
_HW_CODE = re.compile(r"^(\d{3})-?(\d{3})-?(\d{2})$")
_MANIFEST = re.compile(r"^\d{14}$")

RECEIPT_CONFIRM_WORKING_DAYS = 5  #: Art. 18
PAPER_BACKFILL_WORKING_DAYS = 10  #: Art. 20
RETENTION_YEARS = 10  #: Art. 20 (from CLOSED: UNCONFIRMED)
LEDGER_RETENTION_YEARS = 5  #: HJ 1259—2022 (§5.6)


class CodeError(ValueError):
    """A waste code or manifest number refused (Chinese message)."""


@dataclass(frozen=True)
class HwCode:
    code: str  # normalised NNN-NNN-NN
    industry: str
    sequence: str
    category: int
    list_status: str  # in_list | not_in_list | list_not_loaded

    @property
    def category_label(self) -> str:
        return f"HW{self.category:02d}"


def parse_hw_code(text: str, hw_list: frozenset[str] | None = None) -> HwCode:
    """Normalise and check a hazardous-waste code (§5.1): 8 digits, hyphens optional, category
    01–50; ``900-000-nn`` for a waste found hazardous by testing. With ``hw_list`` (the loaded
    名录 codes) a code outside it is refused; without it the code is marked ``list_not_loaded``."""
    s = str(text or "").strip().replace("—", "-").replace("－", "-")
    m = _HW_CODE.match(s)
    if not m:
        raise CodeError(f"危险废物代码「{text}」格式错误：应为 8 位数字 NNN-NNN-NN（如 900-041-49）")
    cat = int(m[3])
    if not 1 <= cat <= 50:
        raise CodeError(f"危险废物代码「{text}」的类别 HW{m[3]} 不在 HW01–HW50 之间")
    code = f"{m[1]}-{m[2]}-{m[3]}"
    if hw_list is None:
        status = "list_not_loaded"
    elif code in hw_list or (m[1] == "900" and m[2] == "000"):
        status = "in_list"
    else:
        raise CodeError(f"危险废物代码「{code}」不在已载入的《国家危险废物名录（{HW_LIST_EDITION}年版）》中")
    return HwCode(code, m[1], m[2], cat, status)


@dataclass(frozen=True)
class ManifestNumber:
    number: str
    year: int
    province: str
    city: str
    serial: str


def parse_manifest_number(
    text: str, *, transferor_region: str | None = None, year: int | None = None
) -> ManifestNumber:
    """A 14-digit 联单编号 (§5.2): year (4), province (2), city (2), serial (6).

    ``transferor_region``: the transferor's GB/T 2260 code (``140215``; its first 4 digits must
    be the number's province and city). ``year``: the year the manifest was issued.
    """
    s = str(text or "").strip()
    if not _MANIFEST.match(s):
        raise CodeError(f"联单编号「{text}」应为 14 位数字（年份 4 位、省 2 位、市 2 位、流水号 6 位）")
    n = ManifestNumber(s, int(s[:4]), s[4:6], s[6:8], s[8:])
    if transferor_region is not None:
        region = str(transferor_region).strip()
        if region[:4] != s[4:8]:
            raise CodeError(f"联单编号「{s}」的省市代码 {s[4:8]} 与移出人所在地 {region[:4]} 不一致（转移管理办法第十五条）")
    if year is not None and n.year != year:
        raise CodeError(f"联单编号「{s}」的年份 {n.year} 与联单填报年份 {year} 不一致")
    return n


# --- status flow (§5.4) --------------------------------------------------------------------------


class State(str, Enum):
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    IN_TRANSIT = "IN_TRANSIT"
    ARRIVED = "ARRIVED"
    RECEIVED = "RECEIVED"
    RECEIVED_WITH_DISCREPANCY = "RECEIVED_WITH_DISCREPANCY"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class Event(str, Enum):
    SUBMIT = "submit"  # 移出人 submits: a number is assigned
    LOAD = "load"  # carrier confirms loading
    HANDOVER = "handover"  # 联运 hand-over between carriers
    ARRIVE = "arrive"
    ACCEPT = "accept"  # receiver verifies, all as on the manifest
    ACCEPT_WITH_DISCREPANCY = "accept_with_discrepancy"
    REJECT = "reject"
    REPORT_RESULT = "report_result"  # receiver reports use/disposal result
    CANCEL = "cancel"  # before loading


STATE_ZH = {
    State.DRAFT: "草稿", State.ISSUED: "已生成", State.IN_TRANSIT: "运输中", State.ARRIVED: "已到达",
    State.RECEIVED: "已接收", State.RECEIVED_WITH_DISCREPANCY: "接收（有差异）", State.REJECTED: "拒收",
    State.CLOSED: "已办结", State.CANCELLED: "已作废",
}

TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.DRAFT, Event.SUBMIT): State.ISSUED,
    (State.ISSUED, Event.LOAD): State.IN_TRANSIT,
    (State.ISSUED, Event.CANCEL): State.CANCELLED,
    (State.IN_TRANSIT, Event.HANDOVER): State.IN_TRANSIT,
    (State.IN_TRANSIT, Event.ARRIVE): State.ARRIVED,
    (State.ARRIVED, Event.ACCEPT): State.RECEIVED,
    (State.ARRIVED, Event.ACCEPT_WITH_DISCREPANCY): State.RECEIVED_WITH_DISCREPANCY,
    (State.ARRIVED, Event.REJECT): State.REJECTED,
    (State.RECEIVED, Event.REPORT_RESULT): State.CLOSED,
    (State.RECEIVED_WITH_DISCREPANCY, Event.REPORT_RESULT): State.CLOSED,
}
#: states reached when the receiver has verified the waste (receipt confirmed)
RECEIPT_STATES = frozenset({State.RECEIVED, State.RECEIVED_WITH_DISCREPANCY, State.REJECTED, State.CLOSED})


class TransitionError(ValueError):
    """An event not allowed in the manifest's current state."""


def next_state(state: State | str, event: Event | str) -> State:
    """The state after ``event`` (§5.4); raises :class:`TransitionError` otherwise."""
    st, ev = State(state), Event(event)
    try:
        return TRANSITIONS[(st, ev)]
    except KeyError:
        allowed = "、".join(e.value for (s, e) in TRANSITIONS if s == st) or "无（终态）"
        raise TransitionError(f"联单状态为「{STATE_ZH[st]}」时不能执行「{ev.value}」（可执行：{allowed}）") from None


def path_to(state: State | str) -> list[Event]:
    """The events that take a new manifest from DRAFT to ``state`` (for a backfilled paper
    manifest: "the state reached on paper")."""
    target = State(state)
    paths: dict[State, list[Event]] = {State.DRAFT: []}
    frontier = [State.DRAFT]
    while frontier:
        s = frontier.pop(0)
        for (a, e), b in TRANSITIONS.items():
            if a == s and b not in paths:
                paths[b] = paths[s] + [e]
                frontier.append(b)
    if target not in paths:
        raise TransitionError(f"无法到达状态「{target.value}」")
    return paths[target]


# --- discrepancy (§5.4) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    shipped_t: Fraction
    accepted_t: Fraction
    difference_t: Fraction  # |shipped − accepted|
    percent: Fraction | None  # of the shipped quantity
    flagged: bool
    notices: tuple[str, ...]


NOTICE_TARGETS = ("transferor", "receiving_bureau")  #: §5.4: tell the transferor, report to the receiving-area bureau
NOTICE_ZH = {"transferor": "通知移出人", "receiving_bureau": "报告接受地生态环境主管部门"}


def receipt_discrepancy(
    shipped_t: Fraction | str, accepted_t: Fraction | str, *, receipt_discrepancy_threshold: Fraction | str = 0
) -> Discrepancy:
    """Quantity difference on receipt (§5.4): flagged when |shipped − accepted| > the threshold
    (default 0 t; the national tolerance, if any, is UNCONFIRMED); then both notices are due."""
    s, a, th = Fraction(shipped_t), Fraction(accepted_t), Fraction(receipt_discrepancy_threshold)
    if s < 0 or a < 0 or th < 0:
        raise ValueError("数量与阈值不能为负")
    diff = abs(s - a)
    pct = diff / s * 100 if s else None
    flagged = diff > th
    return Discrepancy(s, a, diff, pct, flagged, NOTICE_TARGETS if flagged else ())


# --- time limits (§5.5) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A computed time limit, or why it could not be computed (``calendar_missing``)."""

    kind: str
    start: date
    due: date | None
    working_days: int | None
    calendar_version: str
    calendar_status: str
    problem: str | None = None

    def overdue(self, done_on: date | None, today: date) -> bool | None:
        """Late: done after ``due``, or not done and ``today`` is past ``due`` (the last day
        counts in full). None when the deadline could not be computed."""
        if self.due is None:
            return None
        if done_on is not None:
            return done_on > self.due
        return today > self.due


def _working_deadline(kind: str, start: date, n: int, cal: WorkdayCalendar) -> Deadline:
    try:
        due = cal.add_working_days(start, n)
    except CalendarMissing as exc:
        return Deadline(kind, start, None, n, cal.version, cal.status, problem=f"calendar_missing:{exc.year}")
    return Deadline(kind, start, due, n, cal.version, cal.status)


def receipt_confirmation_deadline(received_on: date, calendar: WorkdayCalendar | None = None) -> Deadline:
    """Receiver confirms receipt in the system ≤ 5 working days from the day of receipt
    (Art. 18; E4: received Thu 2026-11-19 → 2026-11-26)."""
    return _working_deadline("receipt_confirmation", received_on, RECEIPT_CONFIRM_WORKING_DAYS, calendar or load_calendar())


def paper_backfill_deadline(transfer_end: date, calendar: WorkdayCalendar | None = None) -> Deadline:
    """Electronic copy of a paper manifest ≤ 10 working days after the transfer ends, i.e. the
    receipt or rejection time on the paper (Art. 20; E4: Fri 2026-11-20 → 2026-12-04)."""
    return _working_deadline("paper_backfill", transfer_end, PAPER_BACKFILL_WORKING_DAYS, calendar or load_calendar())


def retention_until(closed_on: date, years: int = RETENTION_YEARS) -> date:
    """Keep electronic manifest data ≥ 10 years (Art. 20), counted from CLOSED (UNCONFIRMED)."""
    return add_years(closed_on, years)
