"""Tailings ponds: import of pond files, supervision calendar with overdue inspections (E5),
review flags, closure monitoring; on SQLite and PostgreSQL; ``qingshan ponds due``."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.landwaste.ponds import importer
from qingshan.landwaste.ponds.report import pond_file, pond_supervision

POND_HEAD = ["库编号", "库名称", "区县代码", "运行状态", "经度", "纬度", "运营单位", "矿种", "尾矿属性", "是否排放尾矿水", "排放月份",
             "是否排放有毒有害物质", "下游敏感目标", "环保设施", "闭库日期"]


def book(path, ponds, grades=(), records=(), monitoring=()):
    wb = Workbook()
    ws = wb.active
    ws.title = "尾矿库"
    ws.append(POND_HEAD)
    for p in ponds:
        ws.append(p)
    for name, head, rows in (("分级", ["库编号", "等级", "起始日期", "截止日期", "清单年份", "文件"], grades),
                             ("检查记录", ["库编号", "类型", "日期", "单位", "发现问题", "隐患数"], records),
                             ("闭库监测", ["库编号", "介质", "月份", "是否达标"], monitoring)):
        w = wb.create_sheet(name)
        w.append(head)
        for r in rows:
            w.append(r)
    wb.save(path)
    return path


E5 = ["DT-WK-007", "演示尾矿库（合成，E5）", "140224", "在用", 114.2, 39.4, "演示选矿厂（合成）", "铅锌", "II", "是", "1-12", "是",
      "河流", "防渗；渗滤液收集", None]
SMALL = ["DT-WK-101", "演示尾矿库乙（合成）", "140225", "在用", 113.7, 39.7, "演示铁矿（合成）", "铁", "I", "否", "", "否", "", "", None]
CLOSED = ["DT-WK-201", "演示已闭库尾矿库（合成）", "140223", "闭库", None, None, "", "金", "II", "否", "", "否", "", "", date(2024, 6, 30)]
GRADES = [["DT-WK-007", "一级", date(2026, 1, 1), None, 2026, "（假设）2026年省级清单"],
          ["DT-WK-101", "三级", date(2026, 1, 1), None, 2026, "（假设）2026年省级清单"]]
RECORDS = [["DT-WK-007", "市级检查", date(2027, 7, 3), "灵丘县分局", "", 0],
           ["DT-WK-007", "运营单位排查", date(2027, 5, 20), "演示选矿厂", "坝体渗水", 1],
           ["DT-WK-007", "年度报告", date(2027, 1, 25), "", "", 0]]


def test_e5_pond_supervision(lw_session, tmp_path):
    s = lw_session
    r = importer.import_ponds(s, book(tmp_path / "p.xlsx", [E5, SMALL, CLOSED], GRADES, RECORDS), demo=True)
    s.commit()
    assert r.ok and not r.errors, r.errors
    rep = pond_supervision(s, 2027, date(2027, 8, 1))
    rows = {x.code: x for x in rep.ponds}
    e5 = rows["DT-WK-007"]
    assert e5.grade == 1 and e5.key_discharger_list and e5.grade_document == "（假设）2026年省级清单"
    checks = [v for v in e5.obligations if v.kind == "city_check"]
    assert [(v.due, v.state) for v in checks] == [(date(2027, 5, 31), "overdue"), (date(2027, 12, 31), "done")]
    assert len([v for v in e5.obligations if v.kind == "discharge_monitoring"]) == 12
    assert len([v for v in e5.obligations if v.kind == "receiving_water"]) == 4
    assert rows["DT-WK-101"].grade == 3 and rows["DT-WK-101"].random_check_pool
    assert not [v for v in rows["DT-WK-101"].obligations if v.kind == "city_check"]
    assert rows["DT-WK-201"].grade_source == "ungraded_default" and rows["DT-WK-201"].grade == 1
    assert rep.by_grade == {"一级": 2, "三级": 1}
    assert ("DT-WK-007", "演示尾矿库（合成，E5）", "140224") in {o[:3] for o in rep.overdue}
    assert rep.calendar[0].day <= rep.calendar[-1].day


def test_review_flag_and_closure_monitoring(lw_session, tmp_path):
    s = lw_session
    months = []
    d = date(2024, 7, 1)
    while d <= date(2027, 6, 1):
        months.append(["DT-WK-201", "渗滤液", d.strftime("%Y-%m"), "否" if date(2025, 1, 1) <= d <= date(2025, 3, 1) else "是"])
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    importer.import_ponds(s, book(tmp_path / "a.xlsx", [E5, CLOSED], GRADES[:1], monitoring=months))
    s.commit()
    f = pond_file(s, "DT-WK-201", date(2027, 6, 1))
    assert f.leachate_may_end_after == date(2027, 3, 31)  # E5 closure variant: 2025-04 … 2027-03
    # a drinking-water protection zone newly designated downstream: review flagged, grade unchanged
    changed = E5[:12] + ["河流；饮用水水源保护区"] + E5[13:]
    r = importer.import_ponds(s, book(tmp_path / "b.xlsx", [changed, CLOSED]))
    s.commit()
    assert r.updated == 1 and any("需复核分级" in n.reason for n in r.notes)
    f = pond_file(s, "DT-WK-007", date(2027, 6, 1))
    assert f.review_required and "敏感目标" in f.review_reasons[0]
    assert f.grades[0]["grade"] == "一级"
    assert f.attributes["downstream_receptors"] == ["河流", "饮用水水源保护区"]


def test_bad_rows(lw_session, tmp_path):
    s = lw_session
    bad = [E5, ["X1", "x", "大同", "在用"] + [""] * 11, ["X2", "x", "140224", "废弃"] + [""] * 11,
           ["X3", "x", "140224", "闭库"] + [""] * 11, E5]
    r = importer.import_ponds(s, book(tmp_path / "x.xlsx", bad, [["NOPE", "一级", date(2026, 1, 1), None, 2026, ""],
                                                               ["DT-WK-007", "四级", date(2026, 1, 1), None, 2026, ""]]))
    s.commit()
    reasons = " ".join(e.reason for e in r.errors)
    assert "区县代码" in reasons and "运行状态" in reasons and "闭库日期" in reasons and "重复" in reasons
    assert "不在尾矿库表中" in reasons and "一级、二级 或 三级" in reasons
    assert r.inserted == 1


def test_cli_due(cli_db, tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["ponds", "import", str(book(tmp_path / "p.xlsx", [E5, SMALL], GRADES, RECORDS))])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["ponds", "due", "--date", "2027-08-01", "--format", "csv"])
    assert r.exit_code == 0 and "DT-WK-007" in r.output and "已逾期" in r.output, r.output
    r = runner.invoke(app, ["ponds", "due", "--date", "2027-05-20", "--flood-season-start", "05-01", "--format", "json"])
    assert r.exit_code == 0 and "2027-04-30" in r.output
    r = runner.invoke(app, ["ponds", "list", "--year", "2027", "--grade", "1", "--format", "csv"])
    assert r.exit_code == 0 and "DT-WK-007" in r.output and "DT-WK-101" not in r.output
    r = runner.invoke(app, ["ponds", "file", "DT-WK-007", "--date", "2027-08-01", "--format", "csv"])
    assert r.exit_code == 0 and "铅锌" in r.output
    assert runner.invoke(app, ["ponds", "due", "--date", "2027-13-01"]).exit_code == 1
