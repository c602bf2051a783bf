"""Hazardous-waste transfer manifests (转移联单): import, state changes, time-limit alarms.

Import layout (CSV or .xlsx, one row per manifest): 联单编号, 移出人信用代码, 接受单位, 废物代码,
数量 (t), and optionally 经营许可证编号, 接受地区代码, 承运单位, 废物名称, 接受数量, 状态, 生成日期,
移出日期, 接收日期, 确认日期, 纸质联单 (是/否), 转移结束日期, 补录日期, 办结日期.

Checks (per row, Chinese): the 14-digit number and its consistency with the transferor's city
and the year of issue (§5.2); the waste code (§5.1; the 2025 list itself is not loaded, so the
code is checked for shape and category only and marked ``list_not_loaded``); quantities exact
and non-negative; the state reachable in the status flow of §5.4 and consistent with the dates
(a quantity difference needs RECEIVED_WITH_DISCREPANCY or REJECTED). A number twice in the file
refuses every row carrying it; a number already stored for another transferor, waste or quantity
is refused; the same manifest with later progress is updated along the state machine, each step
recorded as an event.

:func:`compute_alarms` evaluates the §5.5 time limits on the official working-day calendar and
the §5.4 discrepancy, stores one alarm per manifest and kind with the **evidence payload** of a
rectification-ledger item (:mod:`qingshan.landwaste.waste.alarm_items` opens the item), and
resolves alarms whose cause is gone or whose ledger item is closed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.sheets import (
    ImportRefused,
    LoadResult,
    SheetError,
    cell_text,
    find_table,
    parse_day,
    parse_tonnes,
    read_sheets,
    tonnes_text,
)
from qingshan.landwaste.waste.models import HwAlarm, HwEvent, HwManifest, WasteImport
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.workflow import CLOSED_STATES
from qingshan.sources.models import Enterprise
from qingshan.standards import hazardous_waste as hw
from qingshan.standards.cn_calendar import WorkdayCalendar, load_calendar

ALIASES = {
    "number": ("联单编号", "number"),
    "transferor_uscc": ("移出人信用代码", "移出人统一社会信用代码", "产生单位信用代码", "transferor_uscc"),
    "receiver_name": ("接受单位", "接受人", "receiver_name"),
    "receiver_licence": ("经营许可证编号", "危险废物经营许可证编号", "receiver_licence"),
    "receiver_region": ("接受地区代码", "接受地行政区划代码", "receiver_region"),
    "carrier_name": ("承运单位", "承运人", "carrier_name"),
    "waste_code": ("废物代码", "危险废物代码", "waste_code"),
    "waste_name": ("废物名称", "危险废物名称", "waste_name"),
    "quantity": ("数量", "转移数量", "quantity"),
    "accepted_quantity": ("接受数量", "实际接受数量", "accepted_quantity"),
    "state": ("状态", "联单状态", "state"),
    "issued_on": ("生成日期", "填报日期", "issued_on"),
    "dispatched_on": ("移出日期", "dispatched_on"),
    "received_on": ("接收日期", "接受日期", "received_on"),
    "confirmed_on": ("确认日期", "接收确认日期", "confirmed_on"),
    "paper": ("纸质联单", "paper"),
    "transfer_end": ("转移结束日期", "transfer_end"),
    "backfilled_on": ("补录日期", "backfilled_on"),
    "closed_on": ("办结日期", "closed_on"),
}
STATE_WORDS = {s.value: s for s in hw.State} | {v: k for k, v in hw.STATE_ZH.items()}
DATE_FIELDS = ("issued_on", "dispatched_on", "received_on", "confirmed_on", "transfer_end", "backfilled_on", "closed_on")
IDENTITY = ("transferor_id", "waste_code", "quantity", "receiver_name")
ALARM_ZH = {
    "receipt_confirmation_overdue": "接收确认逾期（转移管理办法第十八条：接收之日起 5 个工作日内确认）",
    "paper_backfill_overdue": "纸质联单补录逾期（第二十条：转移结束后 10 个工作日内补录电子联单）",
    "discrepancy": "接受数量与联单不符（第十八条：通知移出人并报告接受地生态环境主管部门）",
    "calendar_missing": "所需年份的工作日历未载入，期限无法计算",
}


def reachable(src: hw.State, dst: hw.State) -> list[hw.Event] | None:
    """Events from ``src`` to ``dst`` in the §5.4 flow ([] if equal, None if unreachable)."""
    if src == dst:
        return []
    paths: dict[hw.State, list[hw.Event]] = {src: []}
    todo = [src]
    while todo:
        s = todo.pop(0)
        for (a, e), b in hw.TRANSITIONS.items():
            if a == s and b not in paths:
                paths[b] = paths[s] + [e]
                todo.append(b)
    return paths.get(dst)


def _g(cells, roles, f):
    i = roles.get(f)
    return cells[i] if i is not None and i < len(cells) else None


def import_manifests(session: Session, path: str | Path, *, all_or_nothing: bool = False, demo: bool = False) -> LoadResult:
    """Validate and import manifests (module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    result = LoadResult(path.name, "hw_manifests")
    try:
        (rows, enc), = list(read_sheets(path, data).values())[:1]
        sheet, roles = find_table(rows, ALIASES, ("number", "transferor_uscc", "receiver_name", "waste_code", "quantity"), "", enc)
    except (SheetError, ValueError) as exc:
        result.status = "failed"
        result.error(None, None, str(exc))
        session.add(WasteImport(kind="manifests", file_name=str(path), sha256=sha, status="failed",
                                errors=json.dumps([{"reason": str(exc)}], ensure_ascii=False)))
        session.commit()
        raise ImportRefused(result, str(exc)) from None
    hname = {f: sheet.header[i] for f, i in roles.items()}
    enterprises = {e.uscc: e for e in session.scalars(select(Enterprise))}
    result.rows_read = len(sheet.rows)
    staged: dict[str, tuple[int, dict]] = {}
    rows_of: dict[str, list[int]] = {}
    for row, cells in sheet.rows:
        rows_of.setdefault(cell_text(_g(cells, roles, "number")), []).append(row)
    duplicates = {n: rs for n, rs in rows_of.items() if n and len(rs) > 1}
    bad: set[int] = set()
    for row, cells in sheet.rows:
        errs: list[tuple[str | None, str]] = []
        rec: dict = {}
        number = cell_text(_g(cells, roles, "number"))
        uscc = cell_text(_g(cells, roles, "transferor_uscc")).upper()
        ent = enterprises.get(uscc)
        if ent is None:
            errs.append((hname["transferor_uscc"], f"移出人「{uscc}」未登记（先用 qingshan sources enterprise 登记）"))
        for f in DATE_FIELDS:
            if f in roles and cell_text(_g(cells, roles, f)):
                try:
                    rec[f] = parse_day(_g(cells, roles, f))
                except ValueError as exc:
                    errs.append((hname[f], str(exc)))
            else:
                rec[f] = None
        try:
            issued_year = (rec.get("issued_on") or rec.get("dispatched_on"))
            hw.parse_manifest_number(number, transferor_region=ent.county_code if ent and ent.county_code else None,
                                     year=issued_year.year if issued_year else None)
        except hw.CodeError as exc:
            errs.append((hname["number"], str(exc)))
        try:
            code = hw.parse_hw_code(cell_text(_g(cells, roles, "waste_code")))
            rec["waste_code"] = code.code
        except hw.CodeError as exc:
            errs.append((hname["waste_code"], str(exc)))
        for f in ("quantity", "accepted_quantity"):
            raw = _g(cells, roles, f)
            if f == "accepted_quantity" and not cell_text(raw):
                rec[f] = None
                continue
            try:
                rec[f] = parse_tonnes(raw)
            except ValueError as exc:
                errs.append((hname.get(f, f), f"{'数量' if f == 'quantity' else '接受数量'}{exc}"))
        paper_text = cell_text(_g(cells, roles, "paper"))
        rec["paper"] = paper_text in ("是", "Y", "y", "yes", "true", "1", "纸质")
        state_text = cell_text(_g(cells, roles, "state")) or "ISSUED"
        state = STATE_WORDS.get(state_text) or STATE_WORDS.get(state_text.upper())
        if state is None:
            errs.append((hname.get("state"), f"状态「{state_text}」未知（可选：{'、'.join(hw.STATE_ZH.values())}）"))
        else:
            rec["state"] = state
            errs.extend((hname.get(f, f), why) for f, why in _consistency(state, rec))
        rec["receiver_name"] = cell_text(_g(cells, roles, "receiver_name"))
        if not rec["receiver_name"]:
            errs.append((hname["receiver_name"], "接受单位为空"))
        for f in ("receiver_licence", "receiver_region", "carrier_name", "waste_name"):
            rec[f] = cell_text(_g(cells, roles, f)) or None
        if rec.get("receiver_region") and not (len(rec["receiver_region"]) == 6 and rec["receiver_region"].isdigit()):
            errs.append((hname["receiver_region"], "接受地区代码应为 6 位 GB/T 2260 代码"))
        if number in duplicates:
            bad.add(row)
            continue
        if errs:
            for fld, why in errs:
                result.error(row, fld, why)
            bad.add(row)
            continue
        rec["transferor_id"] = ent.id
        staged[number] = (row, rec)
    for number, rows_ in duplicates.items():
        for row in rows_:
            result.error(row, hname["number"], f"联单编号「{number}」在本文件中重复（第 {'、'.join(map(str, rows_))} 行），均未导入")
            bad.add(row)
    imp = WasteImport(kind="manifests", file_name=str(path), sha256=sha, status="ok", rows_read=result.rows_read)
    session.add(imp)
    session.flush()
    for number, (row, rec) in staged.items():
        old = session.scalar(select(HwManifest).where(HwManifest.number == number))
        if old is None:
            m = HwManifest(number=number, demo=demo, import_id=imp.id,
                           **{k: (v.value if isinstance(v, hw.State) else v) for k, v in rec.items() if k != "state"},
                           state=hw.State.DRAFT.value)
            session.add(m)
            session.flush()
            _advance(session, m, rec["state"], rec)
            result.inserted += 1
            continue
        clash = [f for f in IDENTITY if getattr(old, f) != rec[f]]
        if clash:
            result.error(row, hname["number"], f"联单编号「{number}」已存在且{'、'.join(_FIELD_ZH[f] for f in clash)}不同：联单编号重复")
            bad.add(row)
            continue
        events = reachable(hw.State(old.state), rec["state"])
        if events is None:
            result.error(row, hname.get("state"), f"联单「{number}」当前为「{hw.STATE_ZH[hw.State(old.state)]}」，"
                                                  f"不能变为「{hw.STATE_ZH[rec['state']]}」")
            bad.add(row)
            continue
        before = {f: getattr(old, f) for f in (*DATE_FIELDS, "accepted_quantity", "state", "paper")}
        for f in (*DATE_FIELDS, "accepted_quantity", "paper", "receiver_licence", "receiver_region", "carrier_name", "waste_name"):
            setattr(old, f, rec[f])
        _advance(session, old, rec["state"], rec)
        after = {f: getattr(old, f) for f in before}
        if after == before:
            result.unchanged += 1
        else:
            result.updated += 1
            result.changes.append({"number": number, "before": before, "after": after})
    result.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    result.rows_rejected, result.rows_kept = len(bad), result.rows_read - len(bad)
    imp.rows_kept, imp.rows_rejected = result.rows_kept, result.rows_rejected
    imp.errors = json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors], ensure_ascii=False)
    if all_or_nothing and bad:
        session.rollback()
        result.status = "failed"
        result.inserted = result.updated = result.unchanged = 0
        result.rows_kept, result.rows_rejected = 0, result.rows_read
        session.add(WasteImport(kind="manifests", file_name=str(path), sha256=sha, status="failed", rows_read=result.rows_read,
                                rows_rejected=result.rows_read, errors=imp.errors))
        session.commit()
        raise ImportRefused(result, f"{path.name}：有 {len(bad)} 行错误，按“全部或全不”规则本文件未导入任何数据")
    return result


_FIELD_ZH = {"transferor_id": "移出人", "waste_code": "废物代码", "quantity": "数量", "receiver_name": "接受单位"}


def _consistency(state: hw.State, rec: Mapping) -> list[tuple[str, str]]:
    """Dates and quantities a state needs (§5.4)."""
    errs = []
    received = state in hw.RECEIPT_STATES
    if received and rec.get("received_on") is None:
        errs.append(("received_on", f"状态为「{hw.STATE_ZH[state]}」须有接收日期"))
    if state == hw.State.CLOSED and rec.get("closed_on") is None:
        errs.append(("closed_on", "状态为「已办结」须有办结日期"))
    acc, qty = rec.get("accepted_quantity"), rec.get("quantity")
    if acc is not None and qty is not None and acc != qty and state in (hw.State.RECEIVED,):
        errs.append(("state", f"接受数量 {tonnes_text(acc)} t 与联单数量 {tonnes_text(qty)} t 不同，状态应为「接收（有差异）」或「拒收」"))
    if state == hw.State.RECEIVED_WITH_DISCREPANCY and acc is None:
        errs.append(("accepted_quantity", "状态为「接收（有差异）」须有接受数量"))
    for a, b in (("dispatched_on", "received_on"), ("received_on", "confirmed_on"), ("received_on", "closed_on"),
                 ("transfer_end", "backfilled_on")):
        if rec.get(a) and rec.get(b) and rec[b] < rec[a]:
            errs.append((b, f"{b} 早于 {a}"))
    if rec.get("paper") and received and rec.get("transfer_end") is None:
        errs.append(("transfer_end", "纸质联单须有转移结束日期（纸质联单上的接收或拒收时间）"))
    return errs


_EVENT_DATE = {hw.Event.SUBMIT: "issued_on", hw.Event.LOAD: "dispatched_on", hw.Event.ARRIVE: "received_on",
               hw.Event.ACCEPT: "received_on", hw.Event.ACCEPT_WITH_DISCREPANCY: "received_on",
               hw.Event.REJECT: "received_on", hw.Event.REPORT_RESULT: "closed_on"}


def _advance(session: Session, m: HwManifest, target: hw.State, rec: Mapping) -> None:
    events = reachable(hw.State(m.state), target) or []
    for ev in events:
        nxt = hw.next_state(m.state, ev)
        session.add(HwEvent(manifest_id=m.id, event=ev.value, from_state=m.state, to_state=nxt.value,
                            event_on=rec.get(_EVENT_DATE.get(ev, "")), note="纸质联单补录" if m.paper else None))
        m.state = nxt.value
    session.flush()


def transition(session: Session, m: HwManifest, event: hw.Event | str, on: date | None = None, note: str | None = None) -> tuple[str, str]:
    """Apply one event (raises :class:`hw.TransitionError`); returns (before, after) states."""
    before = m.state
    nxt = hw.next_state(m.state, event)
    session.add(HwEvent(manifest_id=m.id, event=hw.Event(event).value, from_state=before, to_state=nxt.value, event_on=on,
                        note=note))
    m.state = nxt.value
    session.flush()
    return before, nxt.value


# --- alarms (§5.4, §5.5) -------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerItemDraft:
    """The evidence payload of a rectification-ledger item for an alarm (phase 2 writes it).

    ``lead_unit`` is the party that must act; ``data`` holds the facts and the rule applied."""

    title: str
    lead_unit: str
    other_units: tuple[str, ...]
    deadline: str | None
    description: str
    source: str
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["other_units"] = list(self.other_units)
        return d


def _draft(kind: str, m: HwManifest, transferor: Enterprise, deadline: hw.Deadline | None, today: date,
           extra: Mapping | None = None) -> LedgerItemDraft:
    data = {"manifest_number": m.number, "transferor": transferor.name, "transferor_uscc": transferor.uscc,
            "receiver": m.receiver_name, "receiver_licence": m.receiver_licence, "waste_code": m.waste_code,
            "quantity_t": tonnes_text(m.quantity), "state": m.state, "paper": m.paper, "checked_on": today.isoformat(),
            "demo": m.demo}
    if deadline is not None:
        data |= {"start": deadline.start.isoformat(), "due": deadline.due.isoformat() if deadline.due else None,
                 "working_days": deadline.working_days, "calendar_version": deadline.calendar_version,
                 "calendar_status": deadline.calendar_status, "problem": deadline.problem}
    data |= dict(extra or {})
    titles = {
        "receipt_confirmation_overdue": (f"危废转移联单 {m.number} 接收确认逾期", m.receiver_name, (transferor.name,),
                                         "危险废物转移管理办法第十八条"),
        "paper_backfill_overdue": (f"纸质危废转移联单 {m.number} 未按期补录电子联单", transferor.name, (m.receiver_name,),
                                   "危险废物转移管理办法第二十条"),
        "discrepancy": (f"危废转移联单 {m.number} 接受数量与联单不符", m.receiver_name, (transferor.name,),
                        "危险废物转移管理办法第十八条"),
        "calendar_missing": (f"危废转移联单 {m.number} 期限无法计算（工作日历未载入）", "市生态环境局", (), "soil-waste.md §5.5"),
    }
    title, lead, others, source = titles[kind]
    return LedgerItemDraft(title + ("（演示）" if m.demo else ""), lead, others,
                           deadline.due.isoformat() if deadline and deadline.due else None, ALARM_ZH[kind], source, data)


@dataclass(frozen=True)
class AlarmRun:
    opened: tuple[str, ...]
    resolved: tuple[str, ...]
    open_total: int
    calendar_version: str


def _alarm_causes(m: HwManifest, transferor: Enterprise, today: date, cal: WorkdayCalendar,
                  threshold) -> dict[str, tuple[LedgerItemDraft, date | None]]:
    causes: dict[str, tuple[LedgerItemDraft, date | None]] = {}
    if m.received_on is not None and not m.paper:
        d = hw.receipt_confirmation_deadline(m.received_on, cal)
        late = d.overdue(m.confirmed_on, today)
        if d.problem:
            causes["calendar_missing"] = (_draft("calendar_missing", m, transferor, d, today), None)
        elif late:  # a late confirmation stays on record until the bureau closes the item
            done = m.confirmed_on
            causes["receipt_confirmation_overdue"] = (_draft("receipt_confirmation_overdue", m, transferor, d, today, {
                "confirmed_on": done.isoformat() if done else None,
                "days_late": ((done or today) - d.due).days}), d.due)
    if m.paper and m.transfer_end is not None:
        d = hw.paper_backfill_deadline(m.transfer_end, cal)
        if d.problem:
            causes["calendar_missing"] = (_draft("calendar_missing", m, transferor, d, today), None)
        elif d.overdue(m.backfilled_on, today):
            done = m.backfilled_on
            causes["paper_backfill_overdue"] = (_draft("paper_backfill_overdue", m, transferor, d, today, {
                "backfilled_on": done.isoformat() if done else None,
                "days_late": ((done or today) - d.due).days}), d.due)
    if m.accepted_quantity is not None and m.state != hw.State.CLOSED.value:
        disc = hw.receipt_discrepancy(_t(m.quantity), _t(m.accepted_quantity), receipt_discrepancy_threshold=threshold)
        if disc.flagged:
            from qingshan.exact import fraction_to_str

            causes["discrepancy"] = (_draft("discrepancy", m, transferor, None, today, {
                "accepted_t": tonnes_text(m.accepted_quantity), "difference_t": tonnes_text(int(disc.difference_t * 10**6)),
                "difference_percent": fraction_to_str(disc.percent, 2) if disc.percent is not None else None,
                "notices": [hw.NOTICE_ZH[n] for n in disc.notices]}), None)
    return causes


def _t(micro: int):
    from fractions import Fraction

    return Fraction(micro, 10**6)


def compute_alarms(session: Session, today: date, *, calendar: WorkdayCalendar | None = None,
                   receipt_discrepancy_threshold=0) -> AlarmRun:
    """Evaluate every manifest on ``today``; open new alarms, resolve those whose cause is gone.

    An alarm stays one row per manifest and kind (re-running changes nothing); its ``evidence``
    is the :class:`LedgerItemDraft` as JSON.
    """
    cal = calendar or load_calendar()
    opened, resolved = [], []
    rows = session.execute(select(HwManifest, Enterprise).join(Enterprise, HwManifest.transferor_id == Enterprise.id)).all()
    existing = {(a.manifest_id, a.kind): a for a in session.scalars(select(HwAlarm))}
    settled = _settled(session, existing.values())
    for m, ent in rows:
        causes = _alarm_causes(m, ent, today, cal, receipt_discrepancy_threshold)
        for kind, (draft, due) in causes.items():
            a = existing.get((m.id, kind))
            payload = json.dumps(draft.to_dict(), ensure_ascii=False, default=str)
            if a is None:
                session.add(HwAlarm(manifest_id=m.id, kind=kind, due=due, status="open", opened_on=today,
                                    calendar_version=cal.version, calendar_status=cal.status, evidence=payload))
                opened.append(f"{m.number} {kind}")
            elif a.id in settled:  # its ledger item is closed (销号): the case is settled
                a.evidence = payload
                if a.status == "open":
                    a.status, a.resolved_on = "resolved", today
                    resolved.append(f"{m.number} {kind}")
            elif a.status == "resolved":
                a.status, a.resolved_on, a.opened_on, a.evidence = "open", None, today, payload
                opened.append(f"{m.number} {kind}")
            else:
                a.evidence = payload
        for (mid, kind), a in existing.items():
            if mid == m.id and kind not in causes and a.status == "open":
                a.status, a.resolved_on = "resolved", today
                resolved.append(f"{m.number} {kind}")
    session.flush()
    total = len([a for a in session.scalars(select(HwAlarm).where(HwAlarm.status == "open"))])
    return AlarmRun(tuple(opened), tuple(resolved), total, cal.version)


def _settled(session: Session, alarms) -> set[int]:
    """Ids of the alarms whose ledger item is closed (销号): a late confirmation stays on record
    until then, and is settled from then on — re-opening the item re-opens the alarm."""
    linked = {a.ledger_item_id: a.id for a in alarms if a.ledger_item_id is not None}
    if not linked:
        return set()
    closed = session.scalars(select(LedgerItem.id).where(LedgerItem.id.in_(list(linked)),
                                                         LedgerItem.status.in_(list(CLOSED_STATES))))
    return {linked[i] for i in closed}


def evidence_payload(alarm: HwAlarm) -> dict:
    """The stored evidence of an alarm: what phase 2 turns into a rectification-ledger item."""
    return json.loads(alarm.evidence)


# --- read side -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    number: str
    transferor: str
    receiver: str
    waste_code: str
    quantity_t: str
    accepted_t: str
    state: str
    state_zh: str
    received_on: date | None
    confirm_due: date | None
    confirmed_on: date | None
    paper: bool
    alarms: tuple[str, ...]
    demo: bool
    ledger_item_id: int | None = None  # the risk-hazard ledger item opened for it (alarm_items)


@dataclass(frozen=True)
class ManifestReport:
    today: date
    open: tuple[ManifestRow, ...]  # not CLOSED/CANCELLED/REJECTED
    overdue: tuple[ManifestRow, ...]  # with an open time-limit alarm
    discrepancies: tuple[ManifestRow, ...]
    calendar_version: str
    calendar_status: str


def manifest_report(session: Session, today: date, *, calendar: WorkdayCalendar | None = None) -> ManifestReport:
    """Open and overdue manifests as of ``today`` (alarms as last computed by :func:`compute_alarms`)."""
    cal = calendar or load_calendar()
    alarms: dict[int, list[str]] = {}
    items: dict[int, int] = {}
    for a in session.scalars(select(HwAlarm)):
        if a.status == "open":
            alarms.setdefault(a.manifest_id, []).append(a.kind)
        if a.ledger_item_id is not None:
            items[a.manifest_id] = a.ledger_item_id
    rows = []
    for m, ent in session.execute(select(HwManifest, Enterprise).join(Enterprise, HwManifest.transferor_id == Enterprise.id)
                                  .order_by(HwManifest.number)).all():
        due = None
        if m.received_on is not None and not m.paper:
            due = hw.receipt_confirmation_deadline(m.received_on, cal).due
        rows.append(ManifestRow(m.number, ent.name, m.receiver_name, m.waste_code, tonnes_text(m.quantity),
                                tonnes_text(m.accepted_quantity), m.state, hw.STATE_ZH[hw.State(m.state)], m.received_on, due,
                                m.confirmed_on, m.paper, tuple(alarms.get(m.id, ())), m.demo, items.get(m.id)))
    closed = {hw.State.CLOSED.value, hw.State.CANCELLED.value, hw.State.REJECTED.value}
    time_kinds = {"receipt_confirmation_overdue", "paper_backfill_overdue"}
    return ManifestReport(today, tuple(r for r in rows if r.state not in closed),
                          tuple(r for r in rows if time_kinds & set(r.alarms)),
                          tuple(r for r in rows if "discrepancy" in r.alarms), cal.version, cal.status)


@dataclass(frozen=True)
class ManifestCounts:
    """Manifests of a period and those late on its last day (§5.5), for the bulletin."""

    first: date
    last: date
    manifests: int  # dispatched (else issued) within first…last
    overdue: int  # of these, late on ``last``: confirmation or paper backfill past its limit
    not_computed: int  # deadline not computable (calendar_missing)
    calendar_version: str
    demo: bool


def manifest_counts(session: Session, first: date, last: date, *, calendar: WorkdayCalendar | None = None) -> ManifestCounts:
    """Counts as the record stood on ``last`` (a confirmation dated later is not yet done), with
    the same time limits as :func:`compute_alarms`."""
    cal = calendar or load_calendar()
    n = late = unknown = 0
    demo = False
    for m in session.scalars(select(HwManifest)):
        day = m.dispatched_on or m.issued_on
        if day is None or not first <= day <= last:
            continue
        n += 1
        demo = demo or m.demo
        if m.paper:
            start, done, rule = m.transfer_end, m.backfilled_on, hw.paper_backfill_deadline
        else:
            start, done, rule = m.received_on, m.confirmed_on, hw.receipt_confirmation_deadline
        if start is None or start > last:
            continue
        d = rule(start, cal)
        verdict = d.overdue(done if done is not None and done <= last else None, last)
        if verdict is None:
            unknown += 1
        elif verdict:
            late += 1
    return ManifestCounts(first, last, n, late, unknown, cal.version, demo)
