"""Overdue manifests open items in the risk-hazard ledger (soil-waste.md §5.5; issue 14 item 3).

**Reading of "open items … when a receipt is overdue": automatic.** Every alarm run
(:func:`run_alarms`: the ``qingshan waste manifests alarms`` command, a manifest import, the
bureau's 「重新计算」 on the manifests page, the demo) evaluates the §5.5 time limits with
:func:`~qingshan.landwaste.waste.manifests.compute_alarms` and then, for each open time-limit
alarm (``receipt_confirmation_overdue``, ``paper_backfill_overdue``), opens one ledger item:

* **one item per manifest**, remembered on the alarm (``waste_hw_alarm.ledger_item_id``):
  re-running opens nothing new; a second time-limit alarm of the same manifest is linked to the
  same item;
* opened **as the system**, not as a person: :func:`qingshan.ledgers.service.open_item_by_rule`
  writes the audit record (actor 「系统」, with the request id when a bureau user started the
  run) and the history line naming the rule;
* kind ``hazard`` (环境风险隐患), hazard type 危险废物, grade 一般 (a procedural time-limit
  breach; no grade is set by the rules — our choice, UNCONFIRMED), 整治时限 = the legal due date
  (so the item shows as late by exactly the manifest's delay), the facts of the alarm in 备注
  and the manifest number in 转移联单编号;
* lead unit: the county (区、县) of the party that must act when it is in Datong — the
  receiver's 接受地区代码 for a late confirmation (Art. 18), the transferor's county for a late
  paper backfill (Art. 20) — else 大同市生态环境局; the bureau supports a county lead.

The item is worked and closed (销号) like any other ledger item. Once it is closed the alarm is
settled (resolved and not re-opened by later runs; re-opening the item re-opens the alarm).
Discrepancy alarms (§5.4) and ``calendar_missing`` open no item: the first is a notice to the
transferor and the receiving bureau, the second a gap in the bureau's working-day calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.core.audit import AuditContext
from qingshan.core.org import BUREAU, Unit, ensure_org
from qingshan.ledgers.service import open_item_by_rule
from qingshan.landwaste.waste.manifests import AlarmRun, compute_alarms, evidence_payload
from qingshan.landwaste.waste.models import HwAlarm, HwManifest
from qingshan.sources.models import Enterprise
from qingshan.standards.cn_calendar import WorkdayCalendar

TIME_LIMIT_KINDS = ("receipt_confirmation_overdue", "paper_backfill_overdue")
RULE = "危险废物转移联单时限预警（危险废物转移管理办法第十八条、第二十条；soil-waste.md §5.5）"
CITY_PREFIX = "1402"  #: GB/T 2260 prefix of Datong's districts and counties


@dataclass(frozen=True)
class AlarmItems:
    """One alarm run and what it did to the ledger."""

    run: AlarmRun
    items_opened: tuple[str, ...]  # "<item code> <manifest number>"
    items_linked: tuple[str, ...]  # alarms attached to their manifest's existing item


def _county_unit(session: Session, code: str | None) -> Unit | None:
    if not code or not code.startswith(CITY_PREFIX) or code == "140200":
        return None
    return session.scalar(select(Unit).where(Unit.code == code))


def item_data(session: Session, alarm: HwAlarm, manifest: HwManifest, transferor: Enterprise) -> dict:
    """The ledger item for ``alarm`` (see the module doc), from its evidence payload."""
    draft = evidence_payload(alarm)
    facts = draft["data"]
    acting = manifest.receiver_region if alarm.kind == "receipt_confirmation_overdue" else transferor.county_code
    lead = _county_unit(session, acting)
    bureau = BUREAU[1]
    done = facts.get("confirmed_on") or facts.get("backfilled_on")
    note = (f"{draft['description']}。依据：{draft['source']}。联单 {manifest.number}：移出人 {transferor.name}"
            f"（{transferor.uscc}），接受单位 {manifest.receiver_name}，废物 {manifest.waste_code} {facts['quantity_t']} t；"
            f"起算日 {facts.get('start')}，期限 {facts.get('due')}（{facts.get('working_days')} 个工作日，"
            f"工作日历 {facts.get('calendar_version')}，{facts.get('calendar_status')}）；"
            + (f"于 {done} 完成，迟 {facts.get('days_late')} 天。" if done else
               f"截至 {facts.get('checked_on')} 未完成，已逾期 {facts.get('days_late')} 天。")
            + ("【演示数据】" if manifest.demo else ""))
    return {
        "title": draft["title"],
        "lead_unit": lead.code if lead is not None else bureau,
        "units": [bureau] if lead is not None else [],
        "deadline": draft["deadline"],
        "fields": {
            "hazard_type": "危险废物",
            "site": f"{draft['lead_unit']}（{'接受单位' if alarm.kind == 'receipt_confirmation_overdue' else '移出人'}）",
            "grade": "一般",
            "found_on": alarm.opened_on.isoformat(),
            "manifest_number": manifest.number,
            "note": note[:2000],
        },
    }


def open_items(session: Session, ctx: AuditContext) -> tuple[list[str], list[str]]:
    """Open (or link) the ledger item of every open time-limit alarm that has none; the caller
    commits. Returns (opened, linked) descriptions."""
    alarms = list(session.scalars(select(HwAlarm).order_by(HwAlarm.id)))
    item_of_manifest = {a.manifest_id: a.ledger_item_id for a in alarms if a.ledger_item_id is not None}
    todo = [a for a in alarms if a.status == "open" and a.kind in TIME_LIMIT_KINDS and a.ledger_item_id is None]
    if not todo:
        return [], []
    ensure_org(session)
    system = AuditContext(request_id=ctx.request_id, ip=ctx.ip, path=ctx.path)  # the rule acts, not the user
    opened, linked = [], []
    for a in todo:
        m, ent = session.execute(select(HwManifest, Enterprise).join(Enterprise, HwManifest.transferor_id == Enterprise.id)
                                 .where(HwManifest.id == a.manifest_id)).one()
        if a.manifest_id in item_of_manifest:
            a.ledger_item_id = item_of_manifest[a.manifest_id]
            linked.append(f"{m.number} {a.kind}")
            continue
        item = open_item_by_rule(session, system, "hazard", item_data(session, a, m, ent), rule=RULE)
        a.ledger_item_id = item_of_manifest[a.manifest_id] = item.id
        opened.append(f"{item.code} {m.number}")
    session.flush()
    return opened, linked


def run_alarms(session: Session, ctx: AuditContext, today: date, *, calendar: WorkdayCalendar | None = None,
               receipt_discrepancy_threshold=0) -> AlarmItems:
    """Evaluate the manifests' time limits on ``today`` and open their ledger items (module doc).
    The caller commits: alarms and items are written in one transaction."""
    run = compute_alarms(session, today, calendar=calendar, receipt_discrepancy_threshold=receipt_discrepancy_threshold)
    opened, linked = open_items(session, ctx)
    return AlarmItems(run, tuple(opened), tuple(linked))
