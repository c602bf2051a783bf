"""Helpers of the emergency tests (importable: ``tests`` is on the path): the E2 cement plant of
air-emergency.md §5 registered with an HJ 212 device, and list workbooks in the bureau's layout."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from qingshan.emergency import listio
from qingshan.sources import registry as src
from qingshan.sources.uscc import check_char
from qingshan.store.db import make_engine

E2_BODY = "91140200MA0E2T001"
E2_MN = "010000A8900016F000169DC0"
OTHER_BODY = "91140200MA0E2T002"
OTHER_MN = "010000A8900016F000169DC1"


def uscc(body: str) -> str:
    return body + check_char(body)


def register_plants(url: str) -> dict[str, int]:
    """The E2 cement plant (kiln tail with a device) and a second (coking) plant."""
    eng = make_engine(url)
    out = {}
    try:
        with Session(eng) as s, s.begin():
            e = src.add_enterprise(s, "E2水泥熟料厂（测试）", uscc(E2_BODY), "水泥熟料", "140215")
            o = src.add_outlet(s, e, "DA001", "gas", "窑尾排放口")
            src.add_device(s, E2_MN, "123456", "31", o)
            f = src.add_enterprise(s, "测试焦化厂（测试）", uscc(OTHER_BODY), "焦化", "140212")
            o2 = src.add_outlet(s, f, "DA001", "gas", "焦炉烟囱")
            src.add_device(s, OTHER_MN, "123456", "31", o2)
            out = {"e2": e.id, "coking": f.id}
    finally:
        eng.dispose()
    return out


E2_ROW = {
    "企业名称": "E2水泥熟料厂（测试）", "统一社会信用代码": uscc(E2_BODY), "所在区县": "140215", "行业": "水泥熟料",
    "生产线": "熟料线1", "绩效等级": "B", "排放口MN": E2_MN, "环评批复产能": 5000, "排污许可产能": 4800,
    "上年实际产量": 4500, "当前产量P0": 4400, "产能单位": "t/d", "SO2基准排放量(kg/d)": 132,
    "NOx基准排放量(kg/d)": 1056, "颗粒物基准排放量(kg/d)": 66,
}
COKING_ROW = {
    "企业名称": "测试焦化厂（测试）", "统一社会信用代码": uscc(OTHER_BODY), "行业": "焦化", "生产线": "1号焦炉",
    "绩效等级": "C", "排放口MN": OTHER_MN, "正常结焦时间T0(h)": 20, "当前产量P0": 2000, "SO2基准排放量(kg/d)": 100,
    "NOx基准排放量(kg/d)": 400, "颗粒物基准排放量(kg/d)": 20, "橙色预警措施": "延长结焦时间至40小时",
}
# E2 city check at orange (B in t/d; S = the E2 table's totals minus the plant's own reductions)
OTHERS = [("移动源", "橙色", ("3.876", "7.758", "2.588", "4.3"))]
BASELINES = [("SO2", "6588", "annual_div_365", 2024), ("NOx", "15372", "annual_div_365", 2024),
             ("颗粒物", "4392", "annual_div_365", 2024), ("VOCs", "7320", "annual_div_365", 2024)]


def list_workbook(rows: list[dict], others=OTHERS, baselines=BASELINES, formula: tuple[int, str] | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(listio.template()))
    ws = wb[listio.SHEET]
    heads = [h for h, _ in listio.COLUMNS]
    for i, vals in enumerate(rows, start=3):
        for h, v in vals.items():
            ws.cell(i, heads.index(h) + 1, v)
    if formula:
        ws.cell(formula[0], heads.index(formula[1]) + 1, "=1+1")
    for i, (cat, lv, vals) in enumerate(others, start=2):
        wo = wb[listio.SHEET_OTHER]
        wo.cell(i, 1, cat)
        wo.cell(i, 2, lv)
        for j, v in enumerate(vals, start=3):
            wo.cell(i, j, v)
    for i, row in enumerate(baselines, start=2):
        for j, v in enumerate(row, start=1):
            wb[listio.SHEET_BASE].cell(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
