"""Tailings-pond hazards in the risk-hazard ledger (soil-waste.md §6.6): default deadlines, and the
销号 gate of the ledger's hazard ``close`` transition (closure_evidence_check) — refused until the
measures, the operator's self-check date and an evidence file are there, the verifier recorded."""

from __future__ import annotations

from datetime import date

import pytest

from qingshan.core.audit import SYSTEM
from qingshan.core.errors import ValidationFailed
from qingshan.landwaste.ponds import hazards
from qingshan.landwaste.ponds.models import Pond, PondGrade
from qingshan.ledgers import service

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def pond(lw_session):
    p = Pond(code="DT-WK-007", name="演示铅锌尾矿库（合成，E5）", county_code="140224", status="在用", lon=114.2, lat=39.4,
             demo=True)
    lw_session.add(p)
    lw_session.flush()
    lw_session.add(PondGrade(pond_id=p.id, grade=1, valid_from=date(2026, 1, 1), list_year=2026, document="（假设）清单"))
    lw_session.commit()
    return p


def _open(s, staff, **kw):
    args = {"title": "回水池防渗膜破损", "grade": "较大", "found_on": date(2026, 8, 12)} | kw
    return hazards.open_hazard(s, SYSTEM, staff, "DT-WK-007", **args)


def test_default_deadlines_and_the_ledger_item(lw_session, staff, pond, frozen_clock):
    s = lw_session
    item = _open(s, staff)
    assert item.kind == "hazard" and item.deadline == date(2026, 9, 11)  # minor: found + 30 days (§6.6 default)
    assert item.data["hazard_type"] == "尾矿库" and item.data["pond_code"] == "DT-WK-007"
    assert item.data["found_on"] == "2026-08-12" and item.data["longitude"] == 114.2
    assert item.lead_unit.name == "灵丘县" and [u.unit.name for u in item.units] == ["大同市生态环境局"]
    # found in the pre-flood inspection: due the day before the flood season (06-01 default)
    early = _open(s, staff, title="坝坡渗水", grade="一般", found_on=date(2026, 5, 10), pre_flood_inspection=True)
    assert early.deadline == date(2026, 5, 31)
    with pytest.raises(ValidationFailed, match="重大隐患的整治时限须逐项确定"):
        _open(s, staff, grade="重大")
    major = _open(s, staff, title="排洪设施堵塞", grade="重大", deadline=date(2026, 10, 1))
    listed = hazards.pond_hazards(s, "DT-WK-007", today=date(2026, 11, 29))
    assert [h.code for h in listed] == [item.code, early.code, major.code]
    assert all(h.overdue for h in listed)


def test_closure_needs_the_evidence_of_6_6(lw_session, staff, pond, frozen_clock, tmp_path):
    s = lw_session
    item = _open(s, staff)
    item = service.transition_item(s, SYSTEM, staff, item.id, "start", item.version)
    item = service.transition_item(s, SYSTEM, staff, item.id, "submit", item.version, note="企业报告已整改")
    with pytest.raises(ValidationFailed) as refused:
        service.transition_item(s, SYSTEM, staff, item.id, "close", item.version, note="现场核查")
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"整治措施", "企业自查完成日期", "佐证材料（附件）"}
    assert "企业不能自行销号" not in refused.value.message  # the bureau closes: the verifier is right
    s.refresh(item)
    assert item.status == "submitted"
    # 退回 (the verification fails) and the unit completes the record
    item = service.transition_item(s, SYSTEM, staff, item.id, "return", item.version, note="缺整改照片")
    item = service.update_item(s, SYSTEM, staff, item.id, item.version,
                               {"fields": {"measures": "更换防渗膜并检漏", "self_check_on": "2026-12-05"}})
    service.add_progress(s, SYSTEM, staff, item.id, "整改后照片", [("整改后.png", PNG)], home=tmp_path, max_bytes=1 << 20)
    s.refresh(item)
    item = service.transition_item(s, SYSTEM, staff, item.id, "submit", item.version, note="企业自查完成")
    # a self-check dated after today's verification is refused
    with pytest.raises(ValidationFailed, match="核查日期早于企业自查完成日期"):
        service.transition_item(s, SYSTEM, staff, item.id, "close", item.version)
    s.refresh(item)
    item = service.update_item(s, SYSTEM, staff, item.id, item.version, {"fields": {"self_check_on": "2026-11-20"}})
    item = service.transition_item(s, SYSTEM, staff, item.id, "close", item.version, note="现场核查：防渗膜已更换，无渗漏")
    assert item.status == "closed"
    assert item.data["verified_by"] == "固废科 测试（大同市生态环境局）"
    assert item.data["verification_on"] == "2026-11-29" and item.data["verification"].startswith("现场核查")
    [h] = hazards.pond_hazards(s, "DT-WK-007")
    assert h.closed and h.verified_by == item.data["verified_by"]


def test_other_hazards_close_without_the_pond_gate(lw_session, staff, frozen_clock):
    s = lw_session
    item = service.create_item(s, SYSTEM, staff, "hazard", {"title": "重金属企业周边土壤风险", "lead_unit": "灵丘县",
                                                            "fields": {"hazard_type": "重金属", "site": "灵丘县", "grade": "一般"}})
    for action, note in (("start", None), ("submit", "已完成"), ("close", None)):
        item = service.transition_item(s, SYSTEM, staff, item.id, action, item.version, note=note)
    assert item.status == "closed" and "verified_by" not in item.data
