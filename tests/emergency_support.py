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


# ---- a whole alert in the store (for the pages, the API and the bulletin) -------------------------
# The E2 plant (air-emergency.md §5) through an orange alert of 48 h: before it, 8 days of kiln-tail
# data at NOx 100 mg/m³ and SO2 20 mg/m³ with 520 000 m³/h (52 kg/h NOx, 10.4 kg/h SO2); during
# it, NOx 95 and SO2 25 mg/m³ with 430 000 m³/h (40.85 and 10.75 kg/h). Against rho_req = 2/11
# (E2, orange): NOx rho = 1 − 40.85/52 = 223/1040 = 21.4 % → PASS; SO2 rho = −7/208 (−3.4 %) → FAIL (§4.2).
SCENARIO_FORECAST = "city,block_start,aqi,primary_pollutant\n{d1},205,PM2.5\n{d2},212,PM2.5\n{d3},120,PM2.5\n{d4},110,PM2.5\n"


def build_scenario(url: str, d1, city: str = "大同市") -> dict:
    """Register the plants, write the hourly data, import the list and the forecast, apply it
    (→ an orange alert from ``d1`` for 48 h) and store a verification 12 h after the lift.
    Idempotent: a second call on the same store reuses what is there and stores no new record."""
    from datetime import timedelta

    import polars as pl
    from sqlalchemy import select

    from qingshan.emergency import alerts, forecasts
    from qingshan.emergency.hj212_store import write_hourly
    from qingshan.emergency.models import Alert, Verification
    from qingshan.emergency.verification import run_verification
    from qingshan.sources.models import Enterprise

    eng = make_engine(url)
    try:
        with Session(eng) as s:
            known = s.scalar(select(Enterprise).where(Enterprise.uscc == uscc(E2_BODY)))
        if known is None:
            register_plants(url)
        issue = d1 - timedelta(hours=24)
        rows = []
        t = issue - timedelta(hours=8 * 24)
        while t < d1 + timedelta(hours=48):
            alert = t >= d1
            nox, so2, v = (95, 25, 430_000) if alert else (100, 20, 520_000)
            rows += [(E2_MN, t, "a21002", str(nox), "N", None), (E2_MN, t, "a21026", str(so2), "N", None),
                     (E2_MN, t, "a00000", f"{v / 3600:.4f}", "N", str(v))]
            t += timedelta(hours=1)
        write_hourly(url, pl.DataFrame(rows, schema=["mn", "hour", "factor", "avg", "flag", "cou"], orient="row"))
        days = {f"d{i}": f"{city},{(d1 + timedelta(days=i - 1)):%Y-%m-%d}" for i in range(1, 5)}
        text = SCENARIO_FORECAST.format(**days).encode()
        with Session(eng) as s, s.begin():
            imp = listio.import_list(s, list_workbook([E2_ROW, COKING_ROW]), "清单（测试）.xlsx", season="测试")
            b = forecasts.import_forecast(s, text, f"预报{d1:%Y%m%d}（测试）.csv", run_time=d1 - timedelta(hours=36))
            alerts.apply_batch(s, b.batch_id)
            a = s.scalars(select(Alert).where(Alert.city == city, Alert.start == d1)).first()
            v = s.scalars(select(Verification).where(Verification.alert_id == a.id)).first()
            if v is None:
                v = run_verification(s, eng, a.id, list_id=imp.list_id, now=a.lift_at + timedelta(hours=12))
            ids = {"alert_id": a.id, "list_id": imp.list_id, "batch_id": b.batch_id, "verification_id": v.id}
        with Session(eng) as s:
            ids["e2"] = s.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(E2_BODY)))
            ids["coking"] = s.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc(OTHER_BODY)))
    finally:
        eng.dispose()
    return ids
