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
