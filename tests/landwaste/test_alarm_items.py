"""Overdue manifests open items in the risk-hazard ledger (soil-waste.md §5.5, E4): automatically,
once per manifest, as the system; closing the item (销号) settles the alarm, re-opening it
re-opens the alarm."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from qingshan.core.audit import SYSTEM, AuditRecord
from qingshan.landwaste.waste import alarm_items, manifests
from qingshan.landwaste.waste.models import HwAlarm, HwManifest
from qingshan.ledgers import service
from qingshan.ledgers.models import LedgerItem, ProgressEntry
from landwaste_data import E4, PAPER, enterprises, manifest_file as write



def _items(s) -> list[LedgerItem]:
    return list(s.scalars(select(LedgerItem).where(LedgerItem.kind == "hazard").order_by(LedgerItem.id)))


def test_overdue_receipt_opens_one_item_as_the_system(lw_session, tmp_path, staff):
    s = lw_session
    audit_from = s.scalar(select(func.max(AuditRecord.id))) or 0  # the audit trail is append-only: earlier runs' stay
    enterprises(s)
    manifests.import_manifests(s, write(tmp_path, "m.csv", E4 + PAPER))
    s.commit()
    # 11-26 is E4's last day: a discrepancy alarm, but no time limit passed → no ledger item
    done = alarm_items.run_alarms(s, SYSTEM, date(2026, 11, 26))
    s.commit()
    assert done.items_opened == () and _items(s) == []
    done = alarm_items.run_alarms(s, SYSTEM, date(2026, 11, 27))
    s.commit()
    [item] = _items(s)
    assert done.items_opened == (f"{item.code} 20261402000123",)
    assert item.deadline == date(2026, 11, 26)  # E4: confirmation due 2026-11-26
    assert item.data["hazard_type"] == "危险废物" and item.data["manifest_number"] == "20261402000123"
    assert item.data["grade"] == "一般" and item.data["found_on"] == "2026-11-27"
    assert "2026-11-26" in item.data["note"] and "第十八条" in item.data["note"]
    assert item.lead_unit.name == "大同市生态环境局" and item.units == []  # receiver region unknown
    assert item.updated_by == "系统"
    alarm = s.scalar(select(HwAlarm).where(HwAlarm.kind == "receipt_confirmation_overdue"))
    assert alarm.ledger_item_id == item.id
    [rec] = s.scalars(select(AuditRecord).where(AuditRecord.id > audit_from, AuditRecord.object_type == "ledger_item",
                                                AuditRecord.object_id == str(item.id)))
    assert rec.action == "create" and rec.username == "系统" and rec.user_id is None and "rule" in rec.message
    [entry] = s.scalars(select(ProgressEntry).where(ProgressEntry.item_id == item.id))
    assert entry.username == "系统" and "第十八条" in entry.text
    # idempotent: the same day again, and later days, open nothing more for this manifest
    for day in (date(2026, 11, 27), date(2026, 11, 30)):
        done = alarm_items.run_alarms(s, SYSTEM, day)
        s.commit()
        assert done.items_opened == ()
    assert len(_items(s)) == 1
    # the paper manifest (transfer ended Fri 11-20) is late on 12-07: its own item, led by the
    # transferor's county (云冈区, 140214), the bureau supporting
    done = alarm_items.run_alarms(s, SYSTEM, date(2026, 12, 7))
    s.commit()
    paper = _items(s)[1]
    assert done.items_opened == (f"{paper.code} 20261402000124",)
    assert paper.deadline == date(2026, 12, 4) and paper.lead_unit.name == "云冈区"
    assert [u.unit.name for u in paper.units] == ["大同市生态环境局"]


def test_closing_the_item_settles_the_alarm(lw_session, tmp_path, staff):
    s = lw_session
    enterprises(s)
    manifests.import_manifests(s, write(tmp_path, "m.csv", E4))
    s.commit()
    alarm_items.run_alarms(s, SYSTEM, date(2026, 11, 30))
    s.commit()
    [item] = _items(s)
    # the receiver confirms late; the alarm stays on record until the bureau closes the item
    m = s.scalar(select(HwManifest).where(HwManifest.number == "20261402000123"))
    m.confirmed_on = date(2026, 12, 1)
    s.commit()
    alarm_items.run_alarms(s, SYSTEM, date(2026, 12, 2))
    s.commit()
    assert [r.number for r in manifests.manifest_report(s, date(2026, 12, 2)).overdue] == ["20261402000123"]
    for action, note in (("start", None), ("submit", "接受单位已于12月1日确认接收，已约谈。")):
        item = service.transition_item(s, SYSTEM, staff, item.id, action, item.version, note=note)
    item = service.transition_item(s, SYSTEM, staff, item.id, "close", item.version)  # not a pond: no §6.6 gate
    done = alarm_items.run_alarms(s, SYSTEM, date(2026, 12, 3))
    s.commit()
    assert done.run.resolved == ("20261402000123 receipt_confirmation_overdue",) and done.items_opened == ()
    assert manifests.manifest_report(s, date(2026, 12, 3)).overdue == ()
    assert alarm_items.run_alarms(s, SYSTEM, date(2026, 12, 4)).run.opened == ()  # settled: not re-opened
    s.commit()
    # re-opening the item re-opens its alarm (and opens no second item)
    service.transition_item(s, SYSTEM, staff, item.id, "reopen", item.version, note="确认记录有误，重新核查")
    done = alarm_items.run_alarms(s, SYSTEM, date(2026, 12, 5))
    s.commit()
    assert done.run.opened == ("20261402000123 receipt_confirmation_overdue",) and done.items_opened == ()
    assert len(_items(s)) == 1
