"""Hazardous-waste manifests (E4): import, duplicate numbers, status flow, time-limit alarms
with their evidence payload, discrepancies; the HJ 1259 ledger."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.landwaste.waste import hw_ledger, manifests
from qingshan.landwaste.waste.models import HwAlarm, HwEvent, HwManifest
from landwaste_data import COKING, enterprises

HEAD = "联单编号,移出人信用代码,接受单位,经营许可证编号,废物代码,废物名称,数量,接受数量,状态,生成日期,移出日期,接收日期,确认日期,纸质联单,转移结束日期,补录日期,办结日期\n"
# E4: a Datong coking plant (云冈区 140214), 900-041-49, 0.850 t, dispatched 11-18, received Thu 11-19
E4 = f"20261402000123,{COKING},演示处置中心（合成）,演示许可证001,900-041-49,废包装物,0.850,0.842,接收（有差异）,2026-11-18,2026-11-18,2026-11-19,,否,,,\n"
PAPER = f"20261402000124,{COKING},演示处置中心（合成）,演示许可证001,900-041-49,废包装物,1.000,1.000,RECEIVED,2026-11-18,2026-11-18,2026-11-20,,是,2026-11-20,,\n"
ONTIME = f"20261402000125,{COKING},演示处置中心（合成）,,261-001-11,焦油渣,2.5,2.5,RECEIVED,2026-11-20,2026-11-20,2026-11-23,2026-11-24,否,,,\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(HEAD + text, encoding="utf-8")
    return p


def test_e4_import_and_alarms(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    r = manifests.import_manifests(s, write(tmp_path, "m.csv", E4 + PAPER + ONTIME))
    s.commit()
    assert r.inserted == 3 and not r.errors, r.errors
    m = s.scalar(select(HwManifest).where(HwManifest.number == "20261402000123"))
    assert m.state == "RECEIVED_WITH_DISCREPANCY"
    events = [e.event for e in s.scalars(select(HwEvent).where(HwEvent.manifest_id == m.id).order_by(HwEvent.id))]
    assert events == ["submit", "load", "arrive", "accept_with_discrepancy"]
    # 2026-11-26 is the last day: nothing overdue yet, but the discrepancy is reported at once
    run = manifests.compute_alarms(s, date(2026, 11, 26))
    s.commit()
    assert set(run.opened) == {"20261402000123 discrepancy"}
    run = manifests.compute_alarms(s, date(2026, 11, 27))
    s.commit()
    assert set(run.opened) == {"20261402000123 receipt_confirmation_overdue"}
    alarm = s.scalar(select(HwAlarm).where(HwAlarm.kind == "receipt_confirmation_overdue"))
    assert alarm.due == date(2026, 11, 26) and alarm.calendar_version == "cn-workdays 2024–2026"
    ev = manifests.evidence_payload(alarm)
    assert ev["deadline"] == "2026-11-26" and ev["lead_unit"] == "演示处置中心（合成）"
    assert ev["data"]["working_days"] == 5 and ev["data"]["manifest_number"] == "20261402000123"
    assert "第十八条" in ev["source"]
    disc = manifests.evidence_payload(s.scalar(select(HwAlarm).where(HwAlarm.kind == "discrepancy")))
    assert disc["data"]["difference_t"] == "0.008" and disc["data"]["difference_percent"] == "0.94"
    assert disc["data"]["notices"] == ["通知移出人", "报告接受地生态环境主管部门"]
    # the paper manifest ends Fri 11-20: backfill due 12-04
    run = manifests.compute_alarms(s, date(2026, 12, 5))
    s.commit()
    paper = s.scalar(select(HwAlarm).where(HwAlarm.kind == "paper_backfill_overdue"))
    assert paper.due == date(2026, 12, 4) and run.opened == ("20261402000124 paper_backfill_overdue",)
    rep = manifests.manifest_report(s, date(2026, 12, 5))
    assert {r.number for r in rep.overdue} == {"20261402000123", "20261402000124"}
    # received Mon 11-23: Tue 24, Wed 25, Thu 26, Fri 27, Mon 30
    assert [r.confirm_due for r in rep.open if r.number == "20261402000125"] == [date(2026, 11, 30)]
    # confirmation arrives: re-import with progress resolves the alarm; re-running changes nothing
    later = E4.replace("2026-11-19,,否", "2026-11-19,2026-11-30,否")
    r = manifests.import_manifests(s, write(tmp_path, "m2.csv", later))
    s.commit()
    assert r.updated == 1
    run = manifests.compute_alarms(s, date(2026, 12, 5))
    s.commit()
    assert run.resolved == () and run.opened == ()  # confirmed late: the overdue alarm stays open for the bureau
    ev = manifests.evidence_payload(s.scalar(select(HwAlarm).where(HwAlarm.kind == "receipt_confirmation_overdue")))
    assert ev["data"]["confirmed_on"] == "2026-11-30" and ev["data"]["days_late"] == 4
    assert s.scalar(select(func.count()).select_from(HwAlarm)) == 3


def test_calendar_missing_is_an_alarm_not_a_guess(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    late = f"20261402000200,{COKING},演示处置中心（合成）,,900-041-49,,1,1,RECEIVED,2026-12-28,2026-12-28,2026-12-29,,否,,,\n"
    manifests.import_manifests(s, write(tmp_path, "m.csv", late))
    run = manifests.compute_alarms(s, date(2027, 1, 20))
    s.commit()
    assert run.opened == ("20261402000200 calendar_missing",)
    ev = manifests.evidence_payload(s.scalar(select(HwAlarm)))
    assert ev["data"]["problem"] == "calendar_missing:2027" and ev["deadline"] is None


def test_bad_manifests_refused_per_row(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    rows = (
        f"20261402000301,{COKING},A,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"
        f"20261402000301,{COKING},B,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"  # duplicate number
        f"2026140200030,{COKING},A,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"  # 13 digits
        f"20261401000302,{COKING},A,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"  # city 01 ≠ Datong
        f"20251402000303,{COKING},A,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"  # year ≠ issue year
        f"20261402000304,{COKING},A,,900-041-59,,1,,ISSUED,2026-11-01,,,,否,,,\n"  # HW59
        f"20261402000305,{COKING},A,,900-041-49,,-1,,ISSUED,2026-11-01,,,,否,,,\n"  # negative
        f"20261402000306,{COKING},A,,900-041-49,,1,0.9,RECEIVED,2026-11-01,2026-11-01,2026-11-02,,否,,,\n"  # differs: needs discrepancy state
        f"20261402000307,{COKING},A,,900-041-49,,1,,CLOSED,2026-11-01,,2026-11-02,,否,,,\n"  # CLOSED without 办结日期
        f"20261402000308,{COKING},A,,900-041-49,,1,,已到达,2026-11-01,2026-11-01,,,否,,,\n"  # ok (ARRIVED)
    )
    r = manifests.import_manifests(s, write(tmp_path, "bad.csv", rows))
    s.commit()
    by_row = {}
    for e in r.errors:
        by_row.setdefault(e.row, []).append(e.reason)
    assert "重复" in by_row[2][0] and "重复" in by_row[3][0]
    assert "14 位" in by_row[4][0]
    assert "省市代码" in by_row[5][0]
    assert "年份" in by_row[6][0]
    assert "HW01–HW50" in by_row[7][0]
    assert "负数" in by_row[8][0]
    assert "接收（有差异）" in by_row[9][0]
    assert "办结日期" in " ".join(by_row[10])
    assert r.inserted == 1 and s.scalars(select(HwManifest.number)).all() == ["20261402000308"]
    # a stored number reused for other waste is refused; a state that cannot follow is refused
    clash = f"20261402000308,{COKING},A,,261-001-11,,1,,ARRIVED,2026-11-01,2026-11-01,,,否,,,\n"
    r = manifests.import_manifests(s, write(tmp_path, "c.csv", clash))
    assert "联单编号重复" in r.errors[0].reason
    back = f"20261402000308,{COKING},A,,900-041-49,,1,,ISSUED,2026-11-01,,,,否,,,\n"
    r = manifests.import_manifests(s, write(tmp_path, "d.csv", back))
    assert "不能变为" in r.errors[0].reason


def test_hw_ledger(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    p = tmp_path / "hw.csv"
    p.write_text("统一社会信用代码,日期,废物代码,操作,数量,容器编号,联单编号\n"
                 f"{COKING},2026-11-02,900-041-49,产生,0.300,T-01,\n"
                 f"{COKING},2026-11-02,900-041-49,入库,0.300,T-01,\n"
                 f"{COKING},2026-11-18,900-041-49,出库,0.300,T-01,\n"
                 f"{COKING},2026-11-18,900-041-49,转移,0.300,T-01,\n"
                 f"{COKING},2026-11-18,900-041-49,转移,0.300,T-01,20261402000999\n"
                 f"{COKING},2026-11-19,900-041-49,倒掉,0.1,T-02,\n", encoding="utf-8")
    r = hw_ledger.import_hw_ledger(s, p)
    s.commit()
    reasons = {e.row: e.reason for e in r.errors}
    assert "联单编号" in reasons[5] and "操作" in reasons[7]
    assert any("尚未导入" in n.reason for n in r.notes)
    summary = hw_ledger.hw_ledger_summary(s)
    assert summary[0].quantities_t == {"产生": "0.3", "入库": "0.3", "出库": "0.3", "转移": "0.3"}
    assert summary[0].stock_change_t == "0"


def test_cli(cli_db, tmp_path, frozen_clock):
    from qingshan.landwaste.cli_common import session

    with session() as s:
        enterprises(s)
    # the import checks the time limits on "today" (2026-11-29): E4 is late (due 11-26), the paper one not yet
    r = CliRunner().invoke(app, ["waste", "manifests", "import", str(write(tmp_path, "m.csv", E4 + PAPER))])
    assert r.exit_code == 0, r.output
    assert "新开预警 2 条" in r.output and "台账新建事项 1 项" in r.output, r.output
    r = CliRunner().invoke(app, ["waste", "manifests", "alarms", "--date", "2026-12-07"])
    assert r.exit_code == 0 and "新开预警 1 条" in r.output and "台账新建事项 1 项" in r.output, r.output
    r = CliRunner().invoke(app, ["waste", "manifests", "alarms", "--date", "2026-12-07"])
    assert "新开预警 0 条" in r.output and "台账新建事项 0 项" in r.output, r.output
    r = CliRunner().invoke(app, ["waste", "manifests", "list", "--which", "overdue", "--format", "csv", "--date", "2026-12-07"])
    assert r.exit_code == 0 and "20261402000123" in r.output and "20261402000124" in r.output
