"""Shared test data for the waste tests: enterprises and the E3 ledger workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from qingshan.sources import registry as src
from qingshan.sources.uscc import check_char

# synthetic credit codes (GB 32100 check character computed; the body avoids I, O, S, V, Z)
PLANT = "91140215MA0E3PLAN" + check_char("91140215MA0E3PLAN")
COKING = "91140214MA0E4CKE9" + check_char("91140214MA0E4CKE9")

HEADER = ["统一社会信用代码", "月份", "固体废物代码", "固体废物名称", "产生量", "自行综合利用量", "委托综合利用量", "其中利用往年贮存量",
          "自行处置量", "委托处置量", "其中处置往年贮存量", "贮存量", "倾倒丢弃量", "期初贮存量", "期末贮存量"]
# E3: November 2026 (t). Gypsum: D = 1 200.0 outsourced to a landfill
E3 = [
    [PLANT, "2026-11", "441-001-S02", "粉煤灰", "42350.6", "30000.0", "8900.0", "2100.0", "0", "0", "0", "5550.6", "0", "12000.0", "15450.6"],
    [PLANT, "2026-11", "441-002-S03", "炉渣", "6120.0", "0", "6120.0", "0", "0", "0", "0", "0", "0", "0", "0"],
    [PLANT, "2026-11", "441-003-S06", "脱硫石膏", "9800.4", "0", "7350.0", "0", "0", "1200.0", "300.0", "1550.4", "0", "2640.0", "3890.4"],
]
RECV_HEADER = ["统一社会信用代码", "月份", "固体废物代码", "去向", "方式", "接收单位", "接收单位信用代码", "利用处置方式", "数量"]
RECV = [
    [PLANT, "2026-11", "441-001-S02", "利用", "委托", "演示建材厂（合成）", "", "制砖", "8900.0"],
    [PLANT, "2026-11", "441-002-S03", "利用", "委托", "演示水泥厂（合成）", "", "水泥掺合料", "6120.0"],
    [PLANT, "2026-11", "441-003-S06", "利用", "委托", "演示石膏板厂（合成）", "", "石膏板", "7350.0"],
    [PLANT, "2026-11", "441-003-S06", "处置", "委托", "演示填埋场（合成）", "", "填埋", "1200.0"],
]


def enterprises(session) -> None:
    src.add_enterprise(session, "演示燃煤电厂（合成）", PLANT, "火力发电（演示）", "140215")
    src.add_enterprise(session, "演示焦化厂（合成）", COKING, "炼焦（演示）", "140214")
    session.commit()


def workbook(path: Path, rows=E3, recv=RECV) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "月汇总"
    ws.append(["演示燃煤电厂 2026年11月 一般工业固体废物管理台账（合成）"])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    if recv is not None:
        ws2 = wb.create_sheet("去向")
        ws2.append(RECV_HEADER)
        for r in recv:
            ws2.append(r)
    wb.save(path)
    return path


# E4 (soil-waste.md §7): a Datong coking plant (云冈区 140214), 900-041-49, 0.850 t, dispatched 11-18,
# received Thu 11-19, confirmation due 11-26; accepted 0.842 t. PAPER: a paper manifest whose transfer
# ended Fri 11-20 (backfill due 12-04).
MANIFEST_HEAD = ("联单编号,移出人信用代码,接受单位,经营许可证编号,废物代码,废物名称,数量,接受数量,状态,生成日期,移出日期,接收日期,"
                 "确认日期,纸质联单,转移结束日期,补录日期,办结日期\n")
E4 = f"20261402000123,{COKING},演示处置中心（合成）,演示许可证001,900-041-49,废包装物,0.850,0.842,接收（有差异）,2026-11-18,2026-11-18,2026-11-19,,否,,,\n"
PAPER = f"20261402000124,{COKING},演示处置中心（合成）,演示许可证001,900-041-49,废包装物,1.000,1.000,RECEIVED,2026-11-18,2026-11-18,2026-11-20,,是,2026-11-20,,\n"


def manifest_file(folder: Path, name: str, rows: str) -> Path:
    path = folder / name
    path.write_text(MANIFEST_HEAD + rows, encoding="utf-8")
    return path


# soil-waste.md §7 E1 (paddy, pH 6.8: Cd 0.45, As 28 → 安全利用类 by As) and E2 (coking-plant site, class 2,
# detailed: S-1 benzene 6.2 and Pb 950 → risk assessment; S-2 benzene 45 > I2 40 → control or remediation)
SOIL_POINTS = """点位编号,调查编号,用地类型,点位名称,地块编号,经度,纬度,区县代码
P1,FARM,水田,一号点（合成）,U1,113.60,40.04,140215
C1,SITE,2,焦化厂1（合成）,K1,113.15,40.01,140214
C2,SITE,2,焦化厂2（合成）,K1,113.16,40.02,140214
"""
SOIL_RESULTS = """样品编号,点位编号,pH,项目,检测值,单位,检出限
E1,P1,6.8,镉,0.45,mg/kg,
E1,P1,6.8,砷,28,mg/kg,
S-1,C1,,苯,6.2,mg/kg,
S-1,C1,,铅,950,mg/kg,
S-2,C2,,苯,45,mg/kg,
S-2,C2,,铅,620,mg/kg,
S-2,C2,,苯并[a]芘,1.2,mg/kg,
"""


def soil_e1_e2(session, folder: Path) -> None:
    from qingshan.landwaste.soil import importer, registry

    registry.add_survey(session, "FARM", "演示农用地详查（合成）", "gb15618", year=2026, demo=True)
    registry.add_survey(session, "SITE", "演示焦化厂地块调查（合成）", "gb36600", year=2026, stage="detailed", demo=True)
    (folder / "points.csv").write_text(SOIL_POINTS, encoding="utf-8")
    (folder / "results.csv").write_text(SOIL_RESULTS, encoding="utf-8")
    assert not importer.import_points(session, folder / "points.csv").errors
    assert not importer.import_samples(session, folder / "results.csv").errors
    session.commit()


def e3_rows(month: str) -> list[list[str]]:
    """The E3 ledger rows (November 2026) dated ``month`` instead."""
    return [r[:1] + [month] + r[2:] for r in E3]
