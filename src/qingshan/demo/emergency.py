"""Demo of the heavy-pollution emergency domain on the Datong demo store.

What it writes (everything invented is labelled 演示/合成):

* Datong's three real coal power plants (names from FACTS.md §6; their credit codes, outlets and
  devices invented, as in :mod:`qingshan.demo.extras`), plus three invented plants: a B-grade and
  a C-grade cement clinker plant and a B-grade coking plant, each named “…（演示）”;
* simulated HJ 212 hourly data (CN 2061) of every listed outlet, written into the HJ 212 store
  through :func:`qingshan.emergency.hj212_store.write_hourly`: ten days of normal operation
  before the alert, then the alert, during which every plant cuts as its measures require —
  except the B-grade cement plant, which keeps running as before (the case the verification
  must catch);
* grades computed by the short-board rule from entered indicators and the plants' own HJ 212
  converted concentrations; the emergency list built as the bureau's Excel workbook and imported
  through the list importer, with a labelled city baseline and non-industrial reductions;
* a heavy-pollution episode found in the synthetic 2025–2026 air series
  (:mod:`qingshan.demo.synthetic`, default seed): the first run of days that meets the orange
  condition of the 2024 rules, turned into a labelled synthetic forecast run (a “perfect
  forecast” of the synthetic days) two days ahead, imported and applied → an orange alert;
* the VERIFY-1 verification of that alert after its lift, stored.
"""

from __future__ import annotations

import io
import math
import random
from datetime import date, datetime, timedelta
from fractions import Fraction

import polars as pl
from openpyxl import load_workbook
from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.demo.extras import DEMO_ENTERPRISES, DEMO_LABEL
from qingshan.demo.stations import CITY_CODE, demo_stations
from qingshan.demo.synthetic import generate
from qingshan.emergency import alerts as alert_svc
from qingshan.emergency import forecasts, grading, listio, lists, report
from qingshan.emergency.air_series import city_daily_aqi
from qingshan.emergency.hj212_store import write_hourly
from qingshan.emergency.models import EmergencyList
from qingshan.emergency.verification import run_verification
from qingshan.sources import registry as src
from qingshan.sources.uscc import check_char
from qingshan.standards.alert_levels import AlertSettings, Block, Level, evaluate_city
from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade

CITY = "大同市"
LEVEL_SHORT = {"yellow": "黄", "orange": "橙", "red": "红"}
PASSWORD = "123456"


# (key, name, county, industry, USCC body, grade basis, outlet name, E0 kg/d SO2/NOx/PM, capacity, P0,
#  hourly profile: flow m³/s, measured SO2/NOx/PM mg/m³, O2 %, conversion factor to the reference O2,
#  behaviour during the alert)
PLANTS = (
    dict(key="hudong", name=DEMO_ENTERPRISES[0][0], county=DEMO_ENTERPRISES[0][1], body=DEMO_ENTERPRISES[0][3],
         industry="power", outlet="DA001", outlet_name="1号机组烟囱（演示）", line="1号机组",
         e0=(520, 760, 150), cap=(24000, 24000, 22000), p0=21000, unit="MWh/d",
         flow=850.0, conc=(22.0, 31.0, 4.5), o2=6.2, zs=1.0, during="normal", grade="A"),
    dict(key="datong", name=DEMO_ENTERPRISES[1][0], county=DEMO_ENTERPRISES[1][1], body=DEMO_ENTERPRISES[1][3],
         industry="power", outlet="DA001", outlet_name="1号机组烟囱（演示）", line="1号机组",
         e0=(310, 460, 90), cap=(14400, 14400, 13000), p0=12500, unit="MWh/d",
         flow=520.0, conc=(24.0, 33.0, 5.0), o2=6.3, zs=1.0, during="normal", grade="A"),
    dict(key="second", name=DEMO_ENTERPRISES[2][0], county=DEMO_ENTERPRISES[2][1], body=DEMO_ENTERPRISES[2][3],
         industry="power", outlet="DA001", outlet_name="供热机组烟囱（演示）", line="供热机组",
         e0=(420, 640, 120), cap=(4800, 4800, 4500), p0=4500, unit="MWh/d", protected="heating", max_load="80",
         flow=610.0, conc=(26.0, 38.0, 6.0), o2=6.5, zs=1.0, during="cut", cut=Fraction(22, 100), grade="A"),
    dict(key="cement_b", name="大同演示水泥有限公司（演示）", county="140215", body="91140200MA0DTE001",
         industry="cement", outlet="DA001", outlet_name="窑尾排放口（演示）", line="5000t/d熟料线",
         e0=(132, 1056, 66), cap=(5000, 4800, 4500), p0=4400, unit="t熟料/d",
         flow=144.0, conc=(20.0, 96.0, 6.0), o2=11.0, zs=Fraction(110, 100), during="normal", grade=None),
    dict(key="cement_c", name="云冈演示建材有限公司（演示）", county="140214", body="91140200MA0DTE002",
         industry="cement", outlet="DA001", outlet_name="窑尾排放口（演示）", line="2500t/d熟料线",
         e0=(90, 600, 45), cap=(2500, 2500, 2300), p0=2300, unit="t熟料/d",
         flow=80.0, conc=(40.0, 210.0, 12.0), o2=11.5, zs=Fraction(115, 100), during="stop", grade=None),
    dict(key="coking_b", name="大同演示焦化有限公司（演示）", county="140212", body="91140200MA0DTE003",
         industry="coking", outlet="DA001", outlet_name="焦炉烟囱（演示）", line="1号焦炉（6.0米）",
         e0=(160, 720, 48), cap=(2600, 2600, 2500), p0=2500, unit="t焦炭/d", t0=19,
         flow=60.0, conc=(24.0, 125.0, 9.0), o2=8.4, zs=Fraction(103, 100), during="cut", cut=Fraction(35, 100),
         grade=None),
)
# Indicators entered by the bureau for the invented plants (with evidence), by industry (§3.1):
ENTERED = {
    "cement_b": [("装备水平:新型干法窑", "equipment", "A"), ("无组织排放:物料封闭储存", "fugitive", "A"),
                 ("监测监控:CEMS联网", "monitoring", "A"), ("环境管理:台账", "management", "A")],
    "cement_c": [("装备水平:新型干法窑", "equipment", "B"), ("无组织排放:物料封闭储存", "fugitive", "C"),
                 ("监测监控:CEMS联网", "monitoring", "A"), ("环境管理:台账", "management", "B")],
    "coking_b": [("装备水平:6米顶装焦炉", "equipment", "A"), ("无组织排放:装煤推焦除尘", "fugitive", "B"),
                 ("监测监控:CEMS联网", "monitoring", "A"), ("环境管理:台账", "management", "A")],
}
TRANSPORT = {"cement_b": {"clean": Fraction(35, 100), "g5_plus": Fraction(62, 100)},
             "cement_c": {"clean": Fraction(10, 100), "g5_plus": Fraction(30, 100)},
             "coking_b": {"clean": Fraction(55, 100), "g5_plus": Fraction(70, 100)}}


def mn_of(i: int) -> str:
    """Invented device numbers (24 hex digits, hj212.md §3), one per demo plant."""
    return f"DE0E{i:020X}"


def find_orange_episode(seed: int | None = None) -> tuple[list[Block], Level, str]:
    """The first orange-or-worse episode of the synthetic 2025–2026 Datong series (2024 rules).

    The synthetic station hours (:func:`qingshan.demo.synthetic.generate`, the demo's series) give
    the city's daily AQI (:func:`qingshan.emergency.air_series.city_daily_aqi`); those days are
    read as a perfect forecast of 24-h natural-day blocks.
    """
    stations = demo_stations()
    hourly = generate(stations) if seed is None else generate(stations, seed=seed)
    daily = city_daily_aqi(hourly, stations, CITY_CODE)
    blocks = [Block(datetime.combine(r["date"], datetime.min.time()), r["aqi"], tuple(r["primary_pollutants"] or ()))
              for r in daily.iter_rows(named=True)]
    d = evaluate_city(CITY, blocks, datetime(2025, 1, 1), settings=AlertSettings(alert_rules="2024"))
    for ep in d.episodes:
        if ep.level >= Level.ORANGE:
            return blocks, ep.level, f"{ep.start:%Y-%m-%d} 起 {len(ep.runs[0].blocks)} 天，判定条件 {ep.branch}"
    raise RuntimeError("合成序列中没有达到橙色预警条件的过程")


def _hourly_frame(plants: list[dict], t0: datetime, t1: datetime, alert: tuple[datetime, datetime]) -> pl.DataFrame:
    """Simulated hourly CN 2061 values: daily cycle, noise, occasional maintenance/fault flags; during
    the alert each plant behaves as its ``during`` says (normal / cut by a share / stop)."""
    rng = random.Random(20260220)
    rows = []
    n = int((t1 - t0) / timedelta(hours=1))
    for p in plants:
        for i in range(n):
            h = t0 + timedelta(hours=i)
            in_alert = alert[0] <= h < alert[1]
            cyc = 1 + 0.06 * math.sin(2 * math.pi * (h.hour - 9) / 24)
            flow = p["flow"] * cyc * (1 + rng.gauss(0, 0.02))
            conc = [c * (1 + rng.gauss(0, 0.04)) for c in p["conc"]]
            if in_alert and p["during"] == "cut":
                flow *= float(1 - p["cut"])
            if in_alert and p["during"] == "stop":
                flow *= 0.02  # kiln off: the fan keeps a draught of ~2 % (§4.2 shutdown hour)
                conc = [c * 0.1 for c in conc]
            r = rng.random()
            flag = "M" if r < 0.01 else ("D" if r < 0.015 else "N")
            cou_flow = flow * 3600
            for code, c in zip(("a21026", "a21002", "a34013"), conc):
                rows.append((p["mn"], h, code, f"{c:.2f}", f"{c * float(p['zs']):.2f}", None, flag))
            rows.append((p["mn"], h, "a00000", f"{flow:.2f}", None, f"{cou_flow:.1f}", "N"))
            rows.append((p["mn"], h, "a19001", f"{p['o2'] + rng.gauss(0, 0.2):.2f}", None, None, "N"))
    return pl.DataFrame(rows, schema=["mn", "hour", "factor", "avg", "zs_avg", "cou", "flag"], orient="row")


def _list_workbook(plants: list[dict], grades: dict[str, str]) -> bytes:
    """The demo's emergency list in the bureau's Excel layout (then imported like any list)."""
    wb = load_workbook(io.BytesIO(listio.template()))
    ws = wb[listio.SHEET]
    heads = [h for h, _ in listio.COLUMNS]
    for i, p in enumerate(plants, start=1):
        vals = {
            "序号": i, "企业名称": p["name"], "统一社会信用代码": p["uscc"], "所在区县": p["county"],
            "行业": {"power": "燃煤发电", "cement": "水泥熟料", "coking": "焦化"}[p["industry"]], "生产线": p["line"],
            "绩效等级": grades[p["key"]], "保障类别": {"heating": "供暖"}.get(p.get("protected"), ""),
            "最大允许负荷(%)": p.get("max_load"), "排放口MN": p["mn"], "环评批复产能": p["cap"][0],
            "排污许可产能": p["cap"][1], "上年实际产量": p["cap"][2], "当前产量P0": p["p0"], "产能单位": p["unit"],
            "正常结焦时间T0(h)": p.get("t0"), "SO2基准排放量(kg/d)": p["e0"][0], "NOx基准排放量(kg/d)": p["e0"][1],
            "颗粒物基准排放量(kg/d)": p["e0"][2], "VOCs基准排放量(kg/d)": 0,
            "关键核查指标": "分表计电（演示）", "备注": "演示数据",
        }
        for j, h in enumerate(heads, start=1):
            if vals.get(h) is not None:
                ws.cell(i + 2, j, vals[h])
    wo = wb[listio.SHEET_OTHER]
    # Non-industrial reductions (mobile, dust) per level, invented t/d (§2.6)
    for i, (cat, lv, vals) in enumerate((("移动源", "黄色", (0.3, 2.6, 0.4, 1.6)), ("扬尘源", "黄色", (0, 0, 1.2, 0)),
                                         ("移动源", "橙色", (0.6, 4.6, 0.8, 3.1)), ("扬尘源", "橙色", (0, 0, 2.0, 0)),
                                         ("移动源", "红色", (0.9, 7.2, 1.2, 4.6)), ("扬尘源", "红色", (0, 0, 2.8, 0))),
                                        start=2):
        wo.cell(i, 1, cat)
        wo.cell(i, 2, lv)
        for j, v in enumerate(vals, start=3):
            wo.cell(i, j, v)
    wbase = wb[listio.SHEET_BASE]
    # whole-society inventory (invented, labelled): t per year of 2024 (leap year → /366)
    for i, (p, t) in enumerate((("SO2", 1464), ("NOx", 10980), ("颗粒物", 4392), ("VOCs", 5490)), start=2):
        for j, v in enumerate((p, t, "annual_div_365", 2024, None), start=1):
            if v is not None:
                wbase.cell(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _forecast_csv(blocks: list[Block], start: datetime, days: int) -> bytes:
    lines = ["city,block_start,aqi,primary_pollutant"]
    for b in blocks:
        if start <= b.start < start + timedelta(days=days):
            lines.append(f"{CITY},{b.start:%Y-%m-%d},{'' if b.aqi is None else b.aqi},{','.join(b.primary or ())}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _grades_and_list(engine, plants: list[dict], first_issue: datetime, list_name: str,
                     summary: report.DemoSummary) -> None:
    """Grades (power plants from an invented provincial list, the others by the short-board rule)
    and the emergency list workbook, imported through the list importer."""
    grades = {}
    with Session(engine) as s, s.begin():
        for p in plants:
            if p["grade"]:
                grading.set_grade(s, p["enterprise_id"], p["industry"], p["grade"], date(2025, 10, 1),
                                  reason="超低排放机组（演示：按 A 级管理）")
                grades[p["key"]] = p["grade"]
                continue
            for key, group, g in ENTERED[p["key"]]:
                grading.enter_indicator(s, enterprise_id=p["enterprise_id"], industry=p["industry"], key=key,
                                        group=group, grade_met=g, evidence="现场核查记录（演示）", user="demo")
            row, _ = grading.compute_grade(s, engine, p["enterprise_id"], p["industry"], review_end=first_issue,
                                           valid_from=date(2025, 10, 1), transport_shares=TRANSPORT[p["key"]])
            grades[p["key"]] = row.grade
    with Session(engine) as s, s.begin():
        res = listio.import_list(s, _list_workbook(plants, grades), "大同市2025-2026年秋冬季应急减排清单（演示）.xlsx",
                                 name=list_name, season="2025-2026", city="140200", demo=True)
        summary.list_id = res.list_id

def build_emergency_demo(url: str, *, seed: int | None = None, progress=None) -> report.DemoSummary:
    """Write the emergency demo into the store at ``url`` (migrated first); returns a summary.

    Idempotent for the store's content that has natural keys (enterprises, devices, HJ 212 index,
    forecast and list files by SHA-256); a second run adds a new verification record only.
    """
    upgrade(url)
    engine = make_engine(url)
    summary = report.DemoSummary()
    try:
        blocks, level, note = find_orange_episode(seed)
        summary.episode_note = f"合成序列（演示，种子 {seed or '默认'}）中首个橙色及以上过程：{note}"
        d = evaluate_city(CITY, blocks, datetime(2025, 1, 1), settings=AlertSettings(alert_rules="2024"))
        ep = next(e for e in d.episodes if e.level >= Level.ORANGE)
        run_time = ep.start - timedelta(hours=40)  # the forecast centre's run 40 h before the first block
        first_issue = ep.start - timedelta(hours=24)
        lift = ep.lift_at or ep.end
        plants = [dict(p, mn=mn_of(i), uscc=p["body"] + check_char(p["body"])) for i, p in enumerate(PLANTS, start=1)]
        with Session(engine) as s, s.begin():
            for p in plants:
                label = DEMO_LABEL if p["key"] in ("hudong", "datong", "second") else "（演示企业）"
                ent = src.add_enterprise(s, p["name"], p["uscc"], {"power": "火力发电", "cement": "水泥熟料",
                                                                    "coking": "焦化"}[p["industry"]] + label, p["county"])
                out = src.add_outlet(s, ent, p["outlet"], "gas", p["outlet_name"])
                src.add_device(s, p["mn"], PASSWORD, "31", out)
                p["enterprise_id"] = ent.id
                summary.enterprises.append({"name": p["name"], "uscc": p["uscc"], "mn": p["mn"], "industry": p["industry"]})
        # HJ 212 hourly data: 10 days before the first issue to one day after the lift
        t0 = first_issue - timedelta(days=10)
        t1 = lift + timedelta(days=1)
        summary.packets = write_hourly(url, _hourly_frame(plants, t0, t1, (ep.start, lift)), password=PASSWORD,
                                       progress=progress)
        list_name = "大同市2025—2026年秋冬季重污染天气应急减排清单（演示）"
        with Session(engine) as s:
            existing = s.scalar(select(EmergencyList).where(EmergencyList.name == list_name, EmergencyList.demo.is_(True)))
        if existing is not None:  # built before: grades and list are there (a workbook's bytes differ per save)
            summary.list_id = existing.id
        else:
            _grades_and_list(engine, plants, first_issue, list_name, summary)
        with Session(engine) as s:
            summary.city_check = {lv: lists.check_for(s, summary.list_id, lv).passed for lv in ("yellow", "orange", "red")}
        # the forecast run and the alert
        with Session(engine) as s, s.begin():
            fc = forecasts.import_forecast(s, _forecast_csv(blocks, ep.start - timedelta(days=1), 7),
                                           "合成预报（演示）.csv", run_time=run_time, source="合成预报（由演示合成序列生成）",
                                           demo=True)
            summary.batch_id = fc.batch_id
            alert_svc.apply_batch(s, fc.batch_id)
            a = alert_svc.active_local_alert(s, CITY) or next(iter(alert_svc.alerts_between(s, ep.start, lift, city=CITY)))
            summary.alert_id, summary.alert_level = a.id, a.max_level
            summary.alert_start, summary.alert_lift = a.start.isoformat(), a.lift_at.isoformat() if a.lift_at else None
        # verification after the lift
        with Session(engine) as s, s.begin():
            run = run_verification(s, engine, summary.alert_id, list_id=summary.list_id, now=lift + timedelta(hours=12))
            summary.verification_id = run.id
            rep = report.verification_report(s, run.id)
            summary.failing = [e.name for e in rep.enterprises if e.failed]
    finally:
        engine.dispose()
    return summary


def build_on_engine(engine: Engine) -> report.DemoSummary:
    """The ``qingshan demo`` hook (:data:`qingshan.demo.domains.DOMAIN_DEMOS`): the demo on the
    demo database's engine."""
    return build_emergency_demo(engine.url.render_as_string(hide_password=False))


def render_summary(summary: report.DemoSummary) -> Group:
    """The emergency part of the ``qingshan demo`` printout (Rich)."""
    t = Table(title="重污染天气应急（演示）")
    t.add_column("项目")
    t.add_column("内容")
    t.add_row("过程", summary.episode_note)
    t.add_row("预警", f"预警 {summary.alert_id}：{Level.parse(summary.alert_level or 'none').zh}，"
                     f"{(summary.alert_start or '')[:16]} 至 {(summary.alert_lift or '待定')[:16]}")
    t.add_row("清单", f"清单 {summary.list_id}，{len(summary.enterprises)} 家企业；城市减排量核算："
                     + "、".join(f"{LEVEL_SHORT[k]}{'达标' if v else '不足'}" for k, v in summary.city_check.items()))
    t.add_row("在线监测", f"写入 HJ 212 小时数据包 {summary.packets} 个（模拟）")
    t.add_row("减排核查", f"核查记录 {summary.verification_id}；未落实：{'、'.join(summary.failing) or '无'}")
    t.add_row("网页", f"/emergency/alerts/{summary.alert_id}（预警）、/emergency/verifications/{summary.verification_id}"
                     f"（核查结果，市局可「生成整改台账」）")
    return Group(t, Text("企业名称真实者仅限三家国电电厂；其信用代码、排放口、设备、等级与数据均为演示虚构。", style="dim"))
