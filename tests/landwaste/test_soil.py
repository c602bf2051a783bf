"""Soil: importing points and results (bad input refused per row, whole samples, nothing
half-imported), the overview and sample detail, on SQLite and PostgreSQL; ``soil classify``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from qingshan.cli import app
from qingshan.landwaste.sheets import ImportRefused
from qingshan.landwaste.soil import importer, registry
from qingshan.landwaste.soil.models import SoilPoint, SoilResult, SoilSample
from qingshan.landwaste.soil.report import sample_detail, soil_overview

POINTS = """点位编号,调查编号,用地类型,点位名称,地块编号,经度,纬度,区县代码
P1,FARM,水田,一号点,U1,113.60,40.04,140215
P2,FARM,旱地,二号点,U1,113.61,40.05,140215
C1,SITE,2,焦化厂1,K1,113.15,40.01,140214
C2,SITE,2,焦化厂2,K1,113.16,40.02,140214
"""
# E1 (paddy, pH 6.8) and E2 (class 2, detailed) as stored results
RESULTS = """样品编号,点位编号,pH,项目,检测值,单位,检出限
E1,P1,6.8,镉,0.45,mg/kg,
E1,P1,6.8,砷,28000,µg/kg,
D1,P2,6.8,Cd(镉),0.45,MG/KG,
D1,P2,6.8,As,28,mg/kg,
D1,P2,6.8,钴,12,mg/kg,
S-1,C1,,苯,6.2,mg/kg,
S-1,C1,,铅,950,mg/kg,
S-2,C2,,benzene,45,mg/kg,
S-2,C2,,Pb,620,mg/kg,
S-2,C2,,苯并[a]芘,ND,mg/kg,0.1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def setup(s, tmp_path):
    registry.add_survey(s, "FARM", "演示农用地详查", "gb15618", demo=True)
    registry.add_survey(s, "SITE", "演示焦化厂地块调查", "gb36600", stage="detailed", demo=True)
    r = importer.import_points(s, write(tmp_path, "points.csv", POINTS))
    assert r.ok and r.inserted == 4 and not r.errors
    s.commit()


def test_import_and_overview(lw_session, tmp_path):
    s = lw_session
    setup(s, tmp_path)
    r = importer.import_samples(s, write(tmp_path, "results.csv", RESULTS))
    s.commit()
    assert r.inserted == 4 and not r.errors
    assert any("MG/KG" in n.reason for n in r.notes)  # normalised, with a note
    assert any("钴" in n.reason for n in r.notes)  # kept, no GB 15618 value
    ov = soil_overview(s)
    pts = {p.code: p for p in ov.points}
    assert pts["P1"].class_key == "2" and pts["P1"].deciding_items == ("As",)  # E1: 28000 µg/kg = 28 mg/kg
    assert pts["P2"].class_key == "2" and pts["P2"].deciding_items == ("Cd",)  # E1 dry land
    assert pts["C2"].class_key == "above_intervention" and pts["C2"].colour == "#c62828"
    plots = {p.code: p for p in ov.plots}
    assert plots["K1"].decision == "control_or_remediation" and plots["K1"].decision_set_by == (("S-2", "苯"),)
    assert plots["K1"].worst_samples == ("S-2",)
    assert plots["U1"].class_key == "2" and set(plots["U1"].worst_samples) == {"E1", "D1"}
    assert ov.counts_by_county == {"140214": {"between": 1, "above_intervention": 1}, "140215": {"2": 2}}
    assert ov.demo
    d = sample_detail(s, "S-2")
    items = {i.item: i for i in d.items}
    assert items["苯"].index == "11.25" and items["BaP"].content_mg_kg == "<0.1"
    assert d.decision == "control_or_remediation"
    d1 = sample_detail(s, "D1")
    assert d1.no_limit_items == ("钴",) and d1.ph == "6.8" and d1.ph_band == "B3"
    # re-import: nothing duplicated
    again = importer.import_samples(s, write(tmp_path, "results.csv", RESULTS))
    s.commit()
    assert again.inserted == 0 and again.unchanged == 4
    assert s.scalar(select(func.count()).select_from(SoilResult)) == 10


BAD = """样品编号,点位编号,pH,项目,检测值,单位
G1,P1,6.8,镉,0.2,mg/kg
B1,P1,6.8,镉1,0.2,mg/kg
B1,P1,6.8,砷,10,mg/kg
B2,P1,15,镉,0.2,mg/kg
B3,P1,6.8,镉,0.2,g/kg
B4,P1,6.8,镉,-0.2,mg/kg
B5,P1,6.8,镉,0.2,mg/kg
B5,P1,6.8,Cd,0.3,mg/kg
B6,P9,6.8,镉,0.2,mg/kg
B7,P1,6.8,镉,0.2,mg/kg
B7,P1,7.0,砷,10,mg/kg
B8,P1,6.8,镉,ND,mg/kg
"""


def test_bad_rows_are_refused_per_row_and_whole_samples(lw_session, tmp_path):
    s = lw_session
    setup(s, tmp_path)
    r = importer.import_samples(s, write(tmp_path, "bad.csv", BAD))
    s.commit()
    assert r.inserted == 1  # only G1
    by_row = {}
    for e in r.errors:
        by_row.setdefault(e.row, []).append(e.reason)
    text = lambda row: " ".join(by_row.get(row, []))  # noqa: E731
    assert "未知项目「镉1」" in text(3) and "整个样品未导入" in text(3)
    assert "超出 0–14" in text(5)
    assert "单位无法识别" in text(6)
    assert "数值无效" in text(7)
    assert "重复" in text(9)
    assert "P9" in text(10) and "未登记" in text(10)
    assert "pH 不一致" in text(12)
    assert "未给出检出限" in text(13)
    assert r.rows_read == 12 and r.rows_rejected == 11 and r.rows_kept == 1
    assert s.scalars(select(SoilSample.code)).all() == ["G1"]
    assert all(e.file == "bad.csv" for e in r.errors)


def test_all_or_nothing_and_conflicting_reimport(lw_session, tmp_path):
    s = lw_session
    setup(s, tmp_path)
    with pytest.raises(ImportRefused, match="全部或全不"):
        importer.import_samples(s, write(tmp_path, "bad.csv", BAD), all_or_nothing=True)
    assert s.scalar(select(func.count()).select_from(SoilSample)) == 0
    ok = importer.import_samples(s, write(tmp_path, "a.csv", "样品编号,点位编号,pH,项目,检测值,单位\nA,P1,6.8,镉,0.2,mg/kg\n"))
    s.commit()
    changed = write(tmp_path, "b.csv", "样品编号,点位编号,pH,项目,检测值,单位\nA,P1,6.8,镉,0.7,mg/kg\n")
    r = importer.import_samples(s, changed)
    assert ok.inserted == 1 and r.inserted == 0 and "--replace" in r.errors[0].reason
    r = importer.import_samples(s, changed, replace=True)
    s.commit()
    assert r.updated == 1 and r.changes[0]["before"]["results"]["Cd"][1] == "0.2"
    assert sample_detail(s, "A").class_key == "2"


def test_points_errors(lw_session, tmp_path):
    s = lw_session
    registry.add_survey(s, "FARM", "x", "gb15618")
    r = importer.import_points(s, write(tmp_path, "p.csv", "点位编号,调查编号,用地类型,经度,纬度,区县代码\n"
                                        "A,FARM,水田,113.6,40.0,140215\nB,NOPE,水田,,,\nC,FARM,草地,,,\n"
                                        "D,FARM,水田,200,40,\nE,FARM,水田,113,40,大同\nA,FARM,旱地,,,\n"))
    s.commit()
    reasons = {e.row: e.reason for e in r.errors}
    assert "未登记" in reasons[3] and "农用地类型" in reasons[4] and "坐标" in reasons[5]
    assert "区县代码" in reasons[6] and "重复" in reasons[7]
    assert s.scalars(select(SoilPoint.code)).all() == ["A"]


def test_missing_header_is_refused(lw_session, tmp_path):
    with pytest.raises(ImportRefused, match="表头缺少"):
        importer.import_samples(lw_session, write(tmp_path, "x.csv", "a,b\n1,2\n"))


# --- soil classify: the CSV contract ---------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(app, ["soil", *args])


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_classify_gb15618_contract(tmp_path):
    src = write(tmp_path, "in.csv", "sample_id,land_use,ph,item,value,unit\n"
                "E1,paddy,6.8,镉,0.45,mg/kg\nE1,paddy,6.8,As,28,mg/kg\n"
                "E1b,other,6.8,Cd,450,µg/kg\nE1b,other,6.8,砷,28,mg/kg\n"
                "E1c,paddy_dry_rotation,6.8,Cd,0.45,mg/kg\nE1c,paddy_dry_rotation,6.8,As,28,mg/kg\n"
                "E1d,paddy,6.5,Cd,0.45,mg/kg\nE1d,paddy,6.5,As,28,mg/kg\n"
                "E1e,paddy,5.2,Cd,1.62,mg/kg\n")
    out = tmp_path / "out.csv"
    r = run("classify", str(src), "--standard", "gb15618", "-o", str(out))
    assert r.exit_code == 0, r.output
    rows = read_csv(out)
    assert list(rows[0])[:3] == ["sample_id", "class", "deciding_items"]
    got = {x["sample_id"]: (x["class"], x["deciding_items"], x["class_name"]) for x in rows}
    assert got == {"E1": ("2", "As", "安全利用类"), "E1b": ("2", "Cd", "安全利用类"), "E1c": ("2", "Cd;As", "安全利用类"),
                   "E1d": ("2", "Cd", "安全利用类"), "E1e": ("3", "Cd", "严格管控类")}


def test_classify_gb36600_contract_with_background(tmp_path):
    src = write(tmp_path, "in.csv", "sample_id,land_use,item,value,unit\n"
                "S-1,2,苯,6.2,mg/kg\nS-1,2,铅,950,mg/kg\nS-2,2,benzene,45,mg/kg\nS-2,2,Pb,620,mg/kg\n"
                "S-2,2,BaP,1.2,mg/kg\nA,1,As,25,mg/kg\nB,1,砷,34,mg/kg\nN,,苯,0.5,mg/kg\n")
    out, items = tmp_path / "out.csv", tmp_path / "items.csv"
    r = run("classify", str(src), "--standard", "gb36600", "-o", str(out), "--items", str(items),
            "--background", "As=30", "--background-source", "假设值（spec E2）")
    assert r.exit_code == 0, r.output
    got = {x["sample_id"]: x for x in read_csv(out)}
    assert got["S-1"]["class"] == "between" and got["S-1"]["decision"] == "risk_assessment"
    assert got["S-2"]["class"] == "above_intervention" and got["S-2"]["deciding_items"] == "苯"
    assert got["A"]["class"] == "between" and got["A"]["decision"] == "background_exception"
    assert got["B"]["decision"] == "risk_assessment"
    assert got["N"]["land_class"] == "1" and "第一类" in got["N"]["notes"]
    assert {x["class"] for x in read_csv(out)} <= {"below_screening", "between", "above_intervention"}
    assert any(x["item"] == "苯" and x["index"] == "11.25" for x in read_csv(items))


def test_classify_bad_input(tmp_path):
    src = write(tmp_path, "in.csv", "sample_id,land_use,ph,item,value,unit\n"
                "A,paddy,6.8,镉,0.2,Mg/Kg\nA,paddy,6.8,铅,x,mg/kg\nB,paddy,-1,Cd,0.2,mg/kg\nC,paddy,6.8,Zz,1,mg/kg\n"
                "D,paddy,6.8,Cd,1,g/kg\n")
    out, err = tmp_path / "out.csv", tmp_path / "err.csv"
    r = run("classify", str(src), "--standard", "gb15618", "-o", str(out), "--errors", str(err))
    assert r.exit_code == 2  # written, with row errors
    issues = read_csv(err)
    by_row = {(x["row"], x["code"]) for x in issues}
    assert {("2", "unit_spelling"), ("3", "bad_value"), ("4", "ph_missing"), ("5", "no_limit"), ("6", "bad_unit")} <= by_row
    got = {x["sample_id"]: x for x in read_csv(out)}
    assert got["A"]["class"] == "1" and got["A"]["undetermined_items"] == "Pb(bad_value)"
    assert got["D"]["class"] == "undetermined"
    r = run("classify", str(write(tmp_path, "h.csv", "a,b\n1,2\n")), "--standard", "gb15618", "-o", str(tmp_path / "n.csv"))
    assert r.exit_code == 1 and not (tmp_path / "n.csv").exists()


def test_classify_reads_xlsx(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["土壤样品检测结果"])  # a title row above the header
    ws.append(["sample_id", "land_use", "ph", "item", "value", "unit"])
    ws.append(["E1", "paddy", 6.8, "镉", 0.45, "mg/kg"])
    ws.append(["E1", "paddy", 6.8, "As", 28, "mg/kg"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    out = tmp_path / "o.csv"
    r = run("classify", str(path), "--standard", "gb15618", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert read_csv(out)[0]["class"] == "2" and read_csv(out)[0]["ph"] == "6.8"


def test_cli_import_and_report(cli_db, tmp_path):
    assert run("survey", "FARM", "--name", "演示详查", "--standard", "gb15618").exit_code == 0
    assert run("survey", "SITE", "--name", "演示地块", "--standard", "gb36600", "--stage", "detailed").exit_code == 0
    r = run("import-points", str(write(tmp_path, "p.csv", POINTS)))
    assert r.exit_code == 0, r.output
    r = run("import", str(write(tmp_path, "r.csv", RESULTS)))
    assert r.exit_code == 0, r.output
    r = run("report", "--format", "csv")
    assert r.exit_code == 0 and "P1" in r.output and "above_intervention" in r.output
    r = run("sample", "E1", "--format", "json")
    assert r.exit_code == 0 and '"index": "1.12"' in r.output
    r = run("import", str(write(tmp_path, "bad.csv", BAD)))
    assert r.exit_code == 2 and "未知项目" in r.output
