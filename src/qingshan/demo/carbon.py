"""The carbon part of the Datong demo (labelled 演示/合成 wherever it is shown).

What is real: the names of three power companies of Datong (FACTS.md §6, the same three the HJ 212
demo registers, with the same invented credit codes) and the unit sizes FACTS gives — 湖东 2×1000 MW
ultra-supercritical, indirect air cooling, heating 2,800万 m²; 第二发电厂 phase I 6×200 MW. What is
invented and labelled: every monthly figure, the 2×600 MW units of 大同发电 (FACTS has no unit data),
one cement line of an invented 演示 company, the city energy balance 2025–2026 (2025 = the
illustrative C3 example of carbon.md §9, not Datong's statistics), GDP, and the 17 % target (C3's
illustrative value; the real 十五五 target is UNCONFIRMED).

Planted for the checks to catch (each listed in the summary):

* 大同发电 6号机组 2026-08: coal as fired under-reported by 14 % → K-06 ``fail`` (b_s below 280);
* 大同发电 5号机组 2026-06: the lab's sampling period runs into July → K-02 ``fail``, the month's
  carbon is defaulted and K-10 lists the extra tCO2;
* 大同发电 5号机组 2026-04: lodged after the 40-day deadline → K-01 ``warn`` (late).

All records go in through the real importers (an .xlsx per plant in the layout plants use, CSV for
the city), so the demo exercises the same path as a bureau's data.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qingshan.carbon import imports, registry
from qingshan.carbon.city import set_plan
from qingshan.carbon.report import city_report, co2_intensity_status, enterprise_list
from qingshan.sources import registry as src
from qingshan.sources.uscc import check_char

F = Fraction
DEMO_MARK = "（演示）"
DEMO_NOTE = "碳排放演示数据：企业名称真实（FACTS.md §6），月度数据、信用代码、水泥企业与城市能源平衡表均为虚构/合成"


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    capacity: int
    chp: bool
    cooling: str
    b_s: Fraction  # power-share supply coal rate the invented data aims at, gce/kWh
    aux: Fraction
    load: Fraction
    basis: str = "ar"  # carbon reported on this basis


@dataclass(frozen=True)
class DemoPlant:
    name: str
    uscc_body: str
    county: str | None
    industry: str
    facility: str
    facility_name: str
    units: tuple[DemoUnit, ...]
    plant_line_elec: Fraction | None = None


PLANTS = (
    DemoPlant("国电电力大同湖东发电有限公司", "91140200MA0DT0001", "140215", "火力发电（2×1000MW 超超临界）",
              "HUDONG", "湖东电厂（演示数据）",
              tuple(DemoUnit(c, f"{c}号机组", 1000, True, "air", F(281), F("0.055"), F("0.74")) for c in ("1", "2"))),
    DemoPlant("国电电力大同发电有限责任公司", "91140200MA0DT0002", None, "火力发电",
              "DTFD", "大同发电（机组参数为演示虚构）",
              tuple(DemoUnit(c, f"{c}号机组", 600, False, "air", F(312), F("0.075"), F("0.70")) for c in ("5", "6"))),
    DemoPlant("国电电力大同第二发电厂", "91140200MA0DT0003", None, "火力发电（一期 6×200MW，拟关停替代）",
              "DTER", "大同第二发电厂一期（演示数据）",
              tuple(DemoUnit(str(c), f"{c}号机组", 200, False, "water", F(338), F("0.085"), F("0.62"), basis="ad")
                    for c in range(1, 7)), plant_line_elec=F(1500)),
)
CEMENT = ("大同演示水泥有限公司（演示）", "91140200MA0DT0009", "140226", "水泥熟料（演示虚构企业）", "DEMOCEM", "演示水泥熟料线（演示）")
HEATING = {1: F("0.22"), 2: F("0.20"), 3: F("0.15"), 4: F("0.05"), 10: F("0.05"), 11: F("0.18"), 12: F("0.22")}
KJ = F("29307.6")

POWER_HEADER = ["统一社会信用代码", "机组编号", "年份", "月份", "入炉煤量(t)", "低位发热量(GJ/t)", "发热量基准", "元素碳含量(%)",
                "碳含量基准", "全水分(%)", "空干基水分(%)", "氢含量(%)", "全硫(%)", "化验报告编号", "样品编号", "采样开始日期",
                "采样结束日期", "煤源变化", "耗煤数据来源", "柴油(t)", "购入电量(MWh)", "发电量(MWh)", "供电量(MWh)",
                "供热量(GJ)", "供热比(%)", "运行小时数(h)", "存证日期"]


def _t(x: Fraction, nd: int) -> str:
    """Decimal text of x rounded half-even to nd places (the invented data are 'reported' text)."""
    r = round(x, nd)
    return f"{float(r):.{nd}f}" if nd else str(int(r))


def _month_rows(plant: DemoPlant, year: int, months: range) -> list[list]:
    uscc = plant.uscc_body + check_char(plant.uscc_body)
    rows: list[list] = []
    for ui, u in enumerate(plant.units):
        for m in months:
            days = calendar.monthrange(year, m)[1]
            outage = 300 if (plant.facility, u.code, m) in {("HUDONG", "2", 5), ("DTFD", "5", 9), ("DTER", "3", 7)} else 0
            hours = F(days * 24 - outage - 6 * ((m + ui) % 3))
            load = u.load + F((m * 7 + ui * 3) % 9 - 4, 100)
            gen = round(u.capacity * hours * load)
            supply = round(gen * (1 - u.aux))
            hr = HEATING.get(m, F(0)) if u.chp else F(0)
            ncv = F("19.20") + F((m * 5 + ui * 2) % 11 - 5, 10) * F("0.12")
            ncv = round(ncv, 3)
            power_heat = u.b_s * supply * 1000 / 10**6 * KJ / 1000
            coal = round(power_heat / (1 - hr) / ncv)
            if (plant.facility, u.code, m) == ("DTFD", "6", 8):
                coal = round(coal * F("0.86"))  # planted under-reporting (K-06)
            heat = round(coal * ncv * hr * F("0.88")) if hr else 0
            cc = F("0.02660") + F((m + ui) % 5 - 2, 10000)
            c_ar = round(cc * ncv, 4)
            m_t, m_ad = F("0.100") + F(m % 4, 100), F("0.0305")
            c_rep = c_ar if u.basis == "ar" else c_ar * (1 - m_ad) / (1 - m_t)
            first = date(year, m, 1)
            last = date(year, m, days)
            sample_to = last + timedelta(days=2) if (plant.facility, u.code, m) == ("DTFD", "5", 6) else last
            lodged = last + timedelta(days=45 if (plant.facility, u.code, m) == ("DTFD", "5", 4) else 20)
            diesel = 35 if m in (1, 5, 9) else 0
            rows.append([uscc, u.code, year, m, coal, _t(ncv, 3), "收到基", _t(c_rep * 100, 2),
                         "收到基" if u.basis == "ar" else "空气干燥基", _t(m_t * 100, 2), _t(m_ad * 100, 2), "3.30", "0.80",
                         f"{plant.facility}-{year}{m:02d}-{u.code}", f"S{year}{m:02d}{plant.facility}{u.code}",
                         first.isoformat(), sample_to.isoformat(), "否", "生产系统计量", diesel, 0, gen, supply, heat,
                         _t(hr * 100, 1), int(hours), lodged.isoformat()])
    if plant.plant_line_elec is not None:
        for m in months:
            last = date(year, m, calendar.monthrange(year, m)[1])
            rows.append([uscc, "公用", year, m, None, None, None, None, None, None, None, None, None, None, None, None,
                         None, None, None, None, _t(plant.plant_line_elec, 0), None, None, None, None, None,
                         (last + timedelta(days=20)).isoformat()])
    return rows


def _xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cement_csv(year: int, months: range) -> bytes:
    uscc = CEMENT[1] + check_char(CEMENT[1])
    lines = ["统一社会信用代码,生产线编号,年份,月份,熟料产量(t),熟料品种,燃煤量(t),低位发热量(GJ/t),元素碳含量(%),电石渣(t),粉煤灰(t),用电量(MWh),存证日期"]
    for m in months:
        last = date(year, m, calendar.monthrange(year, m)[1])
        stop = m in (1, 2)  # 错峰生产: winter stop
        clinker = 0 if stop else 132000 + (m % 3) * 2500
        coal = 0 if stop else round(clinker * F("0.1226"))
        lines.append(f"{uscc},L1,{year},{m},{clinker},硅酸盐水泥熟料,{coal},22.500,{'' if stop else '58.50'},"
                     f"{0 if stop else 1800},{0 if stop else 5200},{800 if stop else 8100},{(last + timedelta(days=20)).isoformat()}")
    return ("\n".join(lines) + "\n").encode("utf-8")


#: synthetic city balance (quantities of the year; cumulative periods take shares of it)
BALANCE = {
    2025: {("原煤", "火力发电及供热", "t"): 26000000, ("原煤", "终端消费", "t"): 3000000, ("焦炭", "终端消费", "t"): 800000,
           ("柴油", "终端消费", "t"): 400000, ("汽油", "终端消费", "t"): 300000, ("天然气", "终端消费", "万m³"): 80000,
           ("电力", "净调入", "MWh"): -30000000, ("电力", "一次电力", "MWh"): 12000000,
           ("电力", "可再生能源电力消费量", "MWh"): 5200000},
    2026: {("原煤", "火力发电及供热", "t"): 26400000, ("原煤", "终端消费", "t"): 2880000, ("焦炭", "终端消费", "t"): 790000,
           ("柴油", "终端消费", "t"): 398000, ("汽油", "终端消费", "t"): 306000, ("天然气", "终端消费", "万m³"): 86000,
           ("电力", "净调入", "MWh"): -31200000, ("电力", "一次电力", "MWh"): 13500000,
           ("电力", "可再生能源电力消费量", "MWh"): 6000000},
}
SHARES = {"1-3月": F("0.29"), "1-6月": F("0.49"), "1-9月": F("0.70"), "全年": F(1)}
GDP = ["年份,期间,地区生产总值(亿元),地区生产总值指数,来源", "2025,全年,1950,,合成（演示，C3 示例值）",
       "2025,1-3月,,104.8,合成（演示）", "2025,1-6月,,104.9,合成（演示）", "2025,1-9月,,105.0,合成（演示）",
       "2026,全年,,105.3,合成（演示）", "2026,1-3月,,105.0,合成（演示）", "2026,1-6月,,105.2,合成（演示）",
       "2026,1-9月,,105.3,合成（演示）"]


def _balance_csv() -> bytes:
    lines = ["年份,期间,能源品种,用途,数量,单位,备注"]
    for year, items in BALANCE.items():
        for period, share in SHARES.items():
            for (item, use, unit), q in items.items():
                lines.append(f"{year},{period},{item},{use},{_t(F(q) * share, 0)},{unit},合成（演示）")
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class CarbonDemoSummary:
    """What the demo wrote and what the checks and the city accounts say (published texts)."""

    as_of: date
    year: int
    through_month: int
    enterprises: list[str] = field(default_factory=list)
    units: int = 0
    imports: list[dict] = field(default_factory=list)
    enterprise_rows: list[tuple[str, str, str, int, int]] = field(default_factory=list)  # name, status, co2, fails, warns
    planted: list[str] = field(default_factory=list)
    caught: list[str] = field(default_factory=list)
    city: list[tuple[str, str, str, str]] = field(default_factory=list)  # period, CO2, intensity, energy
    intensity_status: str = ""
    notes: list[str] = field(default_factory=list)


def build_carbon_demo(session_or_engine: Session | Engine, *, as_of: date = date(2026, 12, 1), year: int = 2026,
                      through_month: int = 10) -> CarbonDemoSummary:
    """Write the labelled carbon demo into a migrated store and evaluate it (idempotent)."""
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine, expire_on_commit=False) as s:
            return build_carbon_demo(s, as_of=as_of, year=year, through_month=through_month)
    s = session_or_engine
    summary = CarbonDemoSummary(as_of=as_of, year=year, through_month=through_month, notes=[DEMO_NOTE])
    months = range(1, through_month + 1)
    for p in PLANTS:
        ent = src.add_enterprise(s, p.name, p.uscc_body + check_char(p.uscc_body), p.industry + "（演示：信用代码与数据为虚构）",
                                 p.county)
        fac = registry.add_facility(s, ent.uscc, p.facility, p.facility_name, "power", county_code=p.county, demo=True)
        for u in p.units:
            registry.add_unit(s, fac, registry.UnitSpec(u.code, u.name, "unit", str(u.capacity), "conventional", u.chp, u.cooling))
        if p.plant_line_elec is not None:
            registry.add_unit(s, fac, registry.UnitSpec("公用", "全厂公用", "plant_line"))
        summary.enterprises.append(p.name)
        summary.units += len(p.units) + (1 if p.plant_line_elec is not None else 0)
    cname, cbody, ccounty, cind, ccode, cfac = CEMENT
    cent = src.add_enterprise(s, cname, cbody + check_char(cbody), cind, ccounty)
    cf = registry.add_facility(s, cent.uscc, ccode, cfac, "cement", county_code=ccounty, demo=True)
    registry.add_unit(s, cf, registry.UnitSpec("L1", "1号熟料线（演示）", "clinker_line", clinker_type="portland"))
    summary.enterprises.append(cname)
    summary.units += 1
    s.commit()
    for p in PLANTS:
        data = _xlsx(f"{p.name} {year}年1—{through_month}月 发电机组月度存证（演示数据，数值为虚构）", POWER_HEADER,
                     _month_rows(p, year, months))
        res = imports.import_power_months(s, f"{p.facility}-{year}-月度存证（演示）.xlsx", data)
        summary.imports.append(res.summary())
    for fn, name, data in ((imports.import_cement_months, f"{ccode}-{year}-熟料月报（演示）.csv", _cement_csv(year, months)),
                           (imports.import_city_balance, "大同市能源平衡表2025—2026（合成演示）.csv", _balance_csv()),
                           (imports.import_city_gdp, "大同市地区生产总值2025—2026（合成演示）.csv",
                            ("\n".join(GDP) + "\n").encode("utf-8"))):
        kw = {"demo": True} if fn in (imports.import_city_balance, imports.import_city_gdp) else {}
        summary.imports.append(fn(s, name, data, **kw).summary())
    set_plan(s, "十五五（演示目标）", 2025, "0.17", source="carbon.md §9 C3 示例目标（演示；真实十五五目标未核实）",
             status="UNCONFIRMED", projected_gdp_index="105", demo=True)
    s.commit()
    summary.planted = [
        "大同发电 6号机组 2026-08 入炉煤量少报 14%（应由 K-06 查出）",
        "大同发电 5号机组 2026-06 化验采样期跨入 7 月（K-02 不通过，元素碳按缺省值，K-10 列出多计排放）",
        "大同发电 5号机组 2026-04 逾期存证（K-01 预警）",
    ]
    for e in enterprise_list(s, year, as_of=as_of, through_month=through_month):
        summary.enterprise_rows.append((e.name, e.status_zh, e.co2.value, e.fails, e.warns))
        for u in e.units:
            for c in u.failed_checks:
                summary.caught.append(f"{e.name} {u.name} {c.month or ''}{'月' if c.month else '年度'} {c.check} {c.message}")
    for y, months_ in ((2025, 12), (2026, 9), (2026, 12)):
        rep = city_report(s, y, as_of=as_of, months=months_)
        f = rep.figures
        summary.city.append((rep.period, f["co2_total"].value, f.get("co2_intensity").value if "co2_intensity" in f else "—",
                             f["energy_total_assessed"].value))
    st = co2_intensity_status(s, year, as_of=as_of, months=9)
    summary.intensity_status = (f"{st.period}：{st.status_zh or '无数据'}，累计下降 {st.R or '—'}%，完成进度 {st.P or '—'}%，"
                                f"剩余年份需年均下降 {st.r_req or '—'}%（{st.note}）")
    s.commit()
    return summary


def carbon_summary_renderable(summary: CarbonDemoSummary) -> RenderableType:
    """The carbon section of the ``qingshan demo`` printout: the city's CO2-intensity status first,
    then the checks the bureau's rules caught, the enterprises and the city accounts (all 演示)."""
    parts: list[RenderableType] = [Text(f"⚠ {DEMO_NOTE}", style="bold red"),
                                   Text(f"目标任务·单位GDP二氧化碳排放（演示目标 17%）：{summary.intensity_status}", style="bold")]
    parts += [Text(f"校核查出（不通过）：{line}", style="red") for line in summary.caught]
    t = Table("设施", "状态", f"1—{summary.through_month}月排放(tCO2)", "不通过", "预警",
              title=f"重点企业碳排放月度存证校核（{summary.year}年，截至 {summary.as_of.isoformat()}，演示数据）")
    for name, status, co2, fails, warns in summary.enterprise_rows:
        t.add_row(name, status, co2, str(fails), str(warns))
    c = Table("期间", "二氧化碳排放(tCO2)", "强度(tCO2/万元)", "能源消费(tce)", title="大同市碳排放核算（合成演示数据）")
    for row in summary.city:
        c.add_row(*row)
    parts += [t, c, Text("不通过项由局工作人员在网页“碳排放双控”逐项确认后建立整改事项（附计算存证）。", style="dim")]
    return Group(*parts)


def render_carbon_summary(console: Console, summary: CarbonDemoSummary) -> None:
    """Print :func:`carbon_summary_renderable`."""
    console.print(carbon_summary_renderable(summary))
