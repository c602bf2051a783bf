"""Solid-waste ledgers: import (E3), balance failures, rates against targets per enterprise,
county and city; bad input refused per row; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.landwaste.sheets import ImportRefused
from qingshan.landwaste.waste import ledger, registry
from qingshan.landwaste.waste.models import WasteMonthly, WasteReceiver
from qingshan.landwaste.waste.report import balance_failures, generator_ledger, waste_rates
from qingshan.standards import solid_waste as sw
from landwaste_data import COKING, E3, PLANT, RECV, enterprises, workbook


def test_e3_import_and_rates(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    r = ledger.import_ledger(s, workbook(tmp_path / "e3.xlsx"))
    s.commit()
    assert r.ok and r.inserted == 3 and not r.errors, r.errors
    assert s.scalar(select(func.count()).select_from(WasteReceiver)) == 4
    registry.set_target(s, "enterprise", PLANT, 2026, "utilisation", "75", "演示目标")
    registry.set_target(s, "county", "140215", 2026, "utilisation", "86.75")
    s.commit()
    rep = waste_rates(s, date(2026, 11, 1), date(2026, 11, 30))
    ent = rep.enterprises[0]
    assert ent.utilisation_rate == Fraction(52370, 60371) and ent.utilisation_pct == "86.75"
    assert ent.generated_t == "58271" and ent.stored_t == "7101"
    assert ent.utilisation_met is True
    county = rep.counties[0]
    assert county.code == "140215" and county.utilisation_met is False  # 86.7494… < 86.75 exact
    published = waste_rates(s, date(2026, 11, 1), date(2026, 11, 30), settings=sw.Settings(rate_target_comparison="published"))
    assert published.counties[0].utilisation_met is True
    assert rep.city.code == "140200" and rep.city.utilisation_pct == "86.75" and rep.label == "2026年11月"
    led = generator_ledger(s, PLANT)
    gypsum = [m for m in led.months if m.waste_code == "441-003-S06"][0]
    assert gypsum.utilisation_pct == "75.00" and gypsum.status == "accepted"
    assert {x["receiver"] for x in gypsum.receivers} == {"演示石膏板厂（合成）", "演示填埋场（合成）"}
    # re-import: nothing duplicated
    again = ledger.import_ledger(s, workbook(tmp_path / "e3.xlsx"))
    s.commit()
    assert again.unchanged == 3 and again.inserted == 0
    assert s.scalar(select(func.count()).select_from(WasteMonthly)) == 3


def test_gypsum_month_fails_75_target(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    ledger.import_ledger(s, workbook(tmp_path / "g.xlsx", rows=[E3[2]], recv=None))
    registry.set_target(s, "enterprise", PLANT, 2026, "utilisation", "75")
    s.commit()
    ent = waste_rates(s, date(2026, 11, 1), date(2026, 11, 30)).enterprises[0]
    assert ent.utilisation_rate == Fraction(6125, 8167) and ent.utilisation_pct == "75.00"
    assert ent.utilisation_met is False
    assert ent.disposal_pct == "11.88"


def test_balance_error_is_stored_as_rejected_and_listed(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    bad = [E3[0][:7] + ["0"] + E3[0][8:14] + [""]]  # fly ash with U_p = 0: residual −2 100.0 t
    r = ledger.import_ledger(s, workbook(tmp_path / "bad.xlsx", rows=bad, recv=None))
    s.commit()
    assert r.inserted == 1 and any("残差 -2100 t" in e.reason for e in r.errors)
    fails = balance_failures(s)
    assert [(f.month, f.waste_code, f.residual_t, f.problems) for f in fails] == [
        (date(2026, 11, 1), "441-001-S02", "-2100", ("residual",))]
    assert fails[0].source_row == 3
    rep = waste_rates(s, date(2026, 11, 1), date(2026, 11, 30))
    assert rep.enterprises[0].utilisation_rate is None and rep.enterprises[0].incomplete  # rejected months count in no rate
    # the corrected month replaces it
    fixed = ledger.import_ledger(s, workbook(tmp_path / "fixed.xlsx", rows=[E3[0]], recv=None))
    s.commit()
    assert fixed.updated == 1 and fixed.changes[0]["before"]["status"] == "rejected"
    assert balance_failures(s) == []


def test_bad_rows_refused_per_row(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    rows = [
        E3[1],
        [PLANT, "2026-13", "441-002-S03", "", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],  # bad month
        [PLANT, "2026-10", "441-002-S08", "", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],  # S08 not industrial
        [PLANT, "2026-10", "441-002-S03", "", "-1", "0", "0", "0", "0", "0", "0", "-1", "0", "0", ""],  # negative mass
        [PLANT, "2026-09", "441-002-S03", "", "1.0000001", "0", "0", "0", "0", "0", "0", "1.0000001", "0", "0", ""],
        ["91140200XXXXXXXXXX", "2026-10", "441-002-S03", "", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],
        [PLANT, "2026-08", "441-002-S03", "", "abc", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],
        [PLANT, "2026-07", "441-002-S03", "", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],
        [PLANT, "2026-07", "441-002-S03", "", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", ""],  # duplicate
    ]
    r = ledger.import_ledger(s, workbook(tmp_path / "x.xlsx", rows=rows, recv=None))
    s.commit()
    by_row = {}
    for e in r.errors:
        by_row.setdefault(e.row, []).append(e.reason)
    assert "月份" in by_row[4][0]
    assert "不是工业固体废物" in by_row[5][0]
    assert any("负数" in x for x in by_row[6])
    assert any("6 位小数" in x for x in by_row[7])
    assert "未登记" in by_row[8][0]
    assert any("不是数字" in x for x in by_row[9])
    assert any("重复" in x for x in by_row[10]) and any("重复" in x for x in by_row[11])
    assert r.inserted == 1 and r.rows_rejected == 8
    assert all(e.reason.startswith("月汇总：") or "重复" in e.reason for e in r.errors)
    with pytest.raises(ImportRefused):
        ledger.import_ledger(s, workbook(tmp_path / "y.xlsx", rows=rows[1:3], recv=None), all_or_nothing=True)
    assert s.scalar(select(func.count()).select_from(WasteMonthly)) == 1


def test_receivers_must_add_up(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    recv = [x[:] for x in RECV]
    recv[0][8] = "8000.0"  # fly ash: 8 000 ≠ 8 900 outsourced
    r = ledger.import_ledger(s, workbook(tmp_path / "r.xlsx", recv=recv))
    s.commit()
    assert r.inserted == 2 and any("接收单位合计 8000 t ≠ 月汇总 8900 t" in e.reason for e in r.errors)


def test_quarter_and_counties(lw_session, tmp_path):
    s = lw_session
    enterprises(s)
    rows = [
        [PLANT, "2026-10", "441-002-S03", "", "100", "100", "0", "0", "0", "0", "0", "0", "0", "0", ""],
        [PLANT, "2026-11", "441-002-S03", "", "100", "60", "0", "0", "0", "0", "0", "40", "0", "0", ""],
        [PLANT, "2026-12", "441-002-S03", "", "100", "140", "0", "40", "0", "0", "0", "0", "0", "40", ""],
        [COKING, "2026-10", "252-001-S59", "", "50", "25", "0", "0", "0", "0", "0", "25", "0", "0", ""],
    ]
    ledger.import_ledger(s, workbook(tmp_path / "q.xlsx", rows=rows, recv=None))
    s.commit()
    rep = waste_rates(s, date(2026, 10, 1), date(2026, 12, 31))
    plant = [e for e in rep.enterprises if e.code == PLANT][0]
    # the stock withdrawn in December was stored in November: not prior storage for the quarter
    assert plant.utilised_prior_t == "0" and plant.utilisation_pct == "100.00"
    coking = [e for e in rep.enterprises if e.code == COKING][0]
    assert len(coking.incomplete) == 2  # November and December missing
    assert {c.code for c in rep.counties} == {"140214", "140215"}
    assert rep.city.generated_t == "350" and rep.city.utilised_t == "325"
    assert rep.city.utilisation_rate == Fraction(325, 350) and rep.label == "2026年10—12月"


def run(*args):
    return CliRunner().invoke(app, ["waste", *args])


def test_cli(cli_db, tmp_path):
    from qingshan.landwaste.cli_common import session

    with session() as s:
        enterprises(s)
    bad = [E3[0][:7] + ["0"] + E3[0][8:14] + [""], E3[1], E3[2]]
    r = run("import", str(workbook(tmp_path / "w.xlsx", rows=bad)))
    assert r.exit_code == 2 and "平衡式不成立" in r.output, r.output
    r = run("balance", "--format", "csv")
    assert r.exit_code == 0 and "2026-11" in r.output and "-2100" in r.output
    assert run("target", "--scope", "city", "--code", "140200", "--year", "2026", "--percent", "75").exit_code == 0
    r = run("rates", "--from", "2026-11", "--to", "2026-11", "--level", "city", "--format", "json")
    assert r.exit_code == 0 and '"utilisation_pct"' in r.output
    r = run("ledger", PLANT, "--format", "csv")
    assert r.exit_code == 0 and "被拒" in r.output
    r = run("site", "DT-HG-01", "--name", "演示灰场（合成）", "--kind", "storage", "--class", "II", "--county", "140215")
    assert r.exit_code == 0 and "第Ⅱ类" in r.output
    assert run("site", "X", "--name", "x", "--kind", "pit", "--class", "I").exit_code == 1
    r = run("sites", "--format", "csv")
    assert r.exit_code == 0 and "DT-HG-01" in r.output and "第Ⅱ类一般工业固体废物" in r.output
