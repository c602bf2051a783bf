"""Demo content for soil, solid waste, hazardous-waste manifests and tailings ponds.

Everything here is **synthetic** and labelled 演示/合成 in its name (surveys, points, plots,
enterprises, manifests, ponds) or carries the ``demo`` flag; the counties and their codes are
Datong's (FACTS.md §1). The worked examples of soil-waste.md are reused so the figures can be
checked by hand: the E1 and E2 samples, the E3 November ledger, the E4 manifest, the E5 pond.

The content goes through the same importers as a bureau's files (CSV and .xlsx written to a
temporary folder), so the demo exercises the validation a real import gets.

* soil: a farmland survey of 16 points on two rings around a labelled industrial park in
  云冈区, cadmium and lead falling off with distance (deterministic), and a labelled coking-plant
  relocation site evaluated by GB 36600;
* waste: two generators' monthly ledgers for January–November 2026 (one month of the coking
  plant fails the balance check), a city target, an ash yard;
* manifests: four from the coking plant — the E4 one received on 2026-11-19 and never
  confirmed (overdue on the demo's "today"), one closed, one in transit, one paper manifest;
* ponds: four ponds in 灵丘, 浑源, 广灵 and 左云, one of 一级 whose pre-flood check is missing.

With ``ledger=True`` (what ``qingshan demo`` runs, through :func:`build_for_demo`) the demo
also works the ledger the way the bureau would: the alarm run opens the overdue E4 manifest's
item in the risk-hazard ledger (as the system), the 灵丘 pond's leaking return-water pond —
found at the city check — is opened as a hazard by the demo's bureau account and brought to
申请销号, and its 销号 is tried without a photo of the repair, which the §6.6 gate refuses; the
pond's file gets one labelled synthetic photo.
"""

from __future__ import annotations

import math
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.config import home_dir
from qingshan.core.audit import SYSTEM
from qingshan.core.errors import DomainError
from qingshan.core.org import User
from qingshan.ledgers import service as ledger_service
from qingshan.landwaste.ponds import files as pond_files
from qingshan.landwaste.ponds import hazards as pond_hazards
from qingshan.landwaste.ponds import importer as pond_importer
from qingshan.landwaste.ponds.report import pond_supervision
from qingshan.landwaste.soil import importer as soil_importer
from qingshan.landwaste.soil import registry as soil_registry
from qingshan.landwaste.soil.report import soil_overview
from qingshan.landwaste.waste import alarm_items, ledger, manifests
from qingshan.landwaste.waste import registry as waste_registry
from qingshan.landwaste.waste.report import balance_failures, waste_rates
from qingshan.sources import registry as src
from qingshan.web.seed import seed_demo
from qingshan.sources.uscc import check_char

LABEL = "（演示·合成）"
PARK = ("云冈区演示工业园区（合成）", 113.1497, 40.0054)  # at 云冈区's DataV centre (FACTS.md §1)


def _uscc(body: str) -> str:
    return body + check_char(body)


PLANT = ("演示燃煤电厂（合成）", _uscc("91140215MA0D3M0P1"), "火力发电（演示）", "140215")
COKING = ("演示焦化厂（合成）", _uscc("91140214MA0D3M0K2"), "炼焦（演示）", "140214")
RECEIVER = "演示危废处置中心（合成）"


@dataclass
class LandwasteDemoSummary:
    today: date
    soil_points: int = 0
    soil_samples: int = 0
    soil_classes: dict[str, int] = field(default_factory=dict)
    site_decision: str | None = None
    waste_months: int = 0
    city_rate_pct: str = "—"
    city_target_met: bool | None = None
    balance_failures: list[str] = field(default_factory=list)
    manifests: int = 0
    manifests_overdue: list[str] = field(default_factory=list)
    ponds_by_grade: dict[str, int] = field(default_factory=dict)
    ponds_overdue: list[str] = field(default_factory=list)
    ledger_items: list[str] = field(default_factory=list)  # items the demo opened in the risk-hazard ledger
    closure_refused: str | None = None  # the §6.6 gate's answer to a 销号 without evidence
    errors: list[str] = field(default_factory=list)


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _soil(s: Session, folder: Path, summary: LandwasteDemoSummary) -> None:
    soil_registry.add_survey(s, "DEMO-FARM-2026", f"2026年工业园区周边农用地土壤加密调查{LABEL}", "gb15618", year=2026, demo=True)
    soil_registry.add_survey(s, "DEMO-SITE-2026", f"焦化厂搬迁地块详细调查{LABEL}", "gb36600", year=2026, stage="detailed",
                             demo=True)
    points, results = [], []
    for ring, radius_km in enumerate((1.2, 3.0)):
        for k in range(8):
            angle = 2 * math.pi * k / 8 + ring * 0.39
            lon = PARK[1] + radius_km / 85.0 * math.cos(angle)
            lat = PARK[2] + radius_km / 111.0 * math.sin(angle)
            code = f"DEMO-T{ring + 1}{k + 1:02d}"
            use = ("水田", "旱地", "旱地", "果园")[k % 4]
            points.append(f"{code},DEMO-FARM-2026,{use},园区周边点位{code[-3:]}{LABEL},DEMO-U{ring + 1},{lon:.5f},{lat:.5f},140214")
            # downwind (east) of the park, nearer points carry more Cd and Pb (synthetic gradient)
            east = max(0.0, math.cos(angle))
            cd = round(0.18 + 0.9 * east / (1 + ring * 2.2), 2)
            pb = round(45 + 70 * east / (1 + ring * 1.5))
            ph = ("6.8", "7.6", "8.1", "7.9")[k % 4]
            sid = f"{code}-0-20"
            for item, value in (("镉", cd), ("铅", pb), ("砷", round(9 + 2 * east, 1)), ("汞", 0.05), ("铬", 61),
                                ("铜", 22), ("镍", 28), ("锌", 70)):
                results.append(f"{sid},{code},{ph},{item},{value},mg/kg,")
    site = [("S-1", 113.1600, 40.0120), ("S-2", 113.1610, 40.0125)]
    for code, lon, lat in site:
        points.append(f"DEMO-{code},DEMO-SITE-2026,2,焦化厂搬迁地块 {code}{LABEL},DEMO-K1,{lon},{lat},140214")
    for sid, point, item, value, unit in (("DEMO-S-1", "DEMO-S-1", "苯", "6.2", "mg/kg"), ("DEMO-S-1", "DEMO-S-1", "铅", "950", "mg/kg"),
                                          ("DEMO-S-2", "DEMO-S-2", "苯", "45", "mg/kg"), ("DEMO-S-2", "DEMO-S-2", "铅", "620", "mg/kg"),
                                          ("DEMO-S-2", "DEMO-S-2", "苯并[a]芘", "1200", "µg/kg")):
        results.append(f"{sid},{point},,{item},{value},{unit},")
    r1 = soil_importer.import_points(s, _csv(folder / "points.csv", "点位编号,调查编号,用地类型,点位名称,地块编号,经度,纬度,区县代码",
                                             points), demo=True)
    r2 = soil_importer.import_samples(s, _csv(folder / "results.csv", "样品编号,点位编号,pH,项目,检测值,单位,检出限", results))
    summary.errors += [str(e) for e in r1.errors + r2.errors]
    ov = soil_overview(s)
    summary.soil_points = len(ov.points)
    summary.soil_samples = r2.inserted + r2.unchanged
    counts: dict[str, int] = {}
    for p in ov.points:
        counts[p.class_name] = counts.get(p.class_name, 0) + 1
    summary.soil_classes = counts
    site_plot = [p for p in ov.plots if p.code == "DEMO-K1"]
    summary.site_decision = site_plot[0].decision_name if site_plot else None


LEDGER_HEAD = ["统一社会信用代码", "月份", "固体废物代码", "固体废物名称", "产生量", "自行综合利用量", "委托综合利用量", "其中利用往年贮存量",
               "自行处置量", "委托处置量", "其中处置往年贮存量", "贮存量", "倾倒丢弃量", "期初贮存量", "期末贮存量"]


def _ledgers(s: Session, folder: Path, summary: LandwasteDemoSummary) -> None:
    for name, uscc, industry, county in (PLANT, COKING):
        src.add_enterprise(s, name, uscc, industry, county)
    s.flush()
    wb = Workbook()
    ws = wb.active
    ws.title = "月汇总"
    ws.append([f"一般工业固体废物管理台账 2026年1—11月{LABEL}"])
    ws.append(LEDGER_HEAD)
    plant = PLANT[1]
    # January–October: steady months whose stock neither grows nor shrinks; November is E3 (soil-waste.md §7)
    for m in range(1, 11):
        month = f"2026-{m:02d}"
        ws.append([plant, month, "441-001-S02", "粉煤灰", "40000", "31000", "9000", "2000", "0", "0", "0", "2000", "0",
                   "12000.0", "12000.0"])
        ws.append([plant, month, "441-002-S03", "炉渣", "6000", "0", "6000", "0", "0", "0", "0", "0", "0", "0", "0"])
        ws.append([plant, month, "441-003-S06", "脱硫石膏", "9500", "0", "7200", "0", "0", "2300", "300", "300", "0",
                   "2640.0", "2640.0"])
    ws.append([plant, "2026-11", "441-001-S02", "粉煤灰", "42350.6", "30000.0", "8900.0", "2100.0", "0", "0", "0", "5550.6", "0",
               "12000.0", "15450.6"])
    ws.append([plant, "2026-11", "441-002-S03", "炉渣", "6120.0", "0", "6120.0", "0", "0", "0", "0", "0", "0", "0", "0"])
    ws.append([plant, "2026-11", "441-003-S06", "脱硫石膏", "9800.4", "0", "7350.0", "0", "0", "1200.0", "300.0", "1550.4", "0",
               "2640.0", "3890.4"])
    recv = wb.create_sheet("去向")
    recv.append(["统一社会信用代码", "月份", "固体废物代码", "去向", "方式", "接收单位", "接收单位信用代码", "利用处置方式", "数量"])
    for code, flow, name, method, qty in (("441-001-S02", "利用", f"演示建材厂{LABEL}", "蒸压粉煤灰砖", "8900.0"),
                                          ("441-002-S03", "利用", f"演示水泥厂{LABEL}", "水泥混合材", "6120.0"),
                                          ("441-003-S06", "利用", f"演示石膏板厂{LABEL}", "纸面石膏板", "7350.0"),
                                          ("441-003-S06", "处置", "DEMO-HC-01 演示电厂灰场（合成）", "贮存场暂存后填埋", "1200.0")):
        recv.append([plant, "2026-11", code, flow, "委托", name, "", method, qty])
    coking = COKING[1]
    for m in range(1, 12):
        g, u = 1800, 1750
        row = [coking, f"2026-{m:02d}", "252-001-S59", "焦化除尘灰", str(g), str(u), "0", "0", "0", "0", "0", str(g - u), "0",
               str(50 * (m - 1)), ""]
        if m == 7:  # the balance error the bureau must follow up: 30 t unaccounted for
            row[11] = "20"
        ws.append(row)
    path = folder / "ledger.xlsx"
    wb.save(path)
    r = ledger.import_ledger(s, path)
    summary.waste_months = r.inserted + r.unchanged + r.updated
    waste_registry.set_target(s, "city", "140200", 2026, "utilisation", "75", "演示目标（合成）")
    waste_registry.add_site(s, "DEMO-HC-01", f"演示电厂灰场{LABEL}", "storage", "II", county_code="140215",
                            enterprise_uscc=plant, waste_codes="441-001-S02;441-003-S06", demo=True)
    rep = waste_rates(s, date(2026, 1, 1), date(2026, 11, 30))
    if rep.city:
        summary.city_rate_pct, summary.city_target_met = rep.city.utilisation_pct, rep.city.utilisation_met
    summary.balance_failures = [f"{b.enterprise} {b.month:%Y-%m} {b.waste_code}：{'；'.join(b.problems_zh)}"
                                for b in balance_failures(s) if b.kind == "rejected"]


def _manifests(s: Session, folder: Path, today: date, summary: LandwasteDemoSummary, ledger: bool) -> None:
    head = "联单编号,移出人信用代码,接受单位,经营许可证编号,废物代码,废物名称,数量,接受数量,状态,生成日期,移出日期,接收日期,确认日期,纸质联单,转移结束日期,补录日期,办结日期"
    c = COKING[1]
    rows = [
        f"20261402000123,{c},{RECEIVER},演示许可证（合成）,900-041-49,废包装物（演示）,0.850,0.842,接收（有差异）,2026-11-18,2026-11-18,2026-11-19,,否,,,",
        f"20261402000098,{c},{RECEIVER},演示许可证（合成）,261-001-11,焦油渣（演示）,3.200,3.200,已办结,2026-10-09,2026-10-09,2026-10-10,2026-10-12,否,,,2026-10-30",
        f"20261402000131,{c},{RECEIVER},演示许可证（合成）,900-249-08,废矿物油（演示）,1.150,,运输中,2026-11-27,2026-11-27,,,否,,,",
        f"20261402000127,{c},{RECEIVER},演示许可证（合成）,772-007-50,废催化剂（演示）,0.600,0.600,已接收,2026-11-20,2026-11-20,2026-11-20,,是,2026-11-20,2026-11-24,",
    ]
    r = manifests.import_manifests(s, _csv(folder / "manifests.csv", head, rows), demo=True)
    summary.errors += [str(e) for e in r.errors]
    if ledger:
        done = alarm_items.run_alarms(s, SYSTEM, today)
        summary.ledger_items += [f"{x}（系统按联单时限自动建立）" for x in done.items_opened]
    else:
        manifests.compute_alarms(s, today)
    rep = manifests.manifest_report(s, today)
    summary.manifests = r.inserted + r.unchanged + r.updated
    summary.manifests_overdue = [f"{m.number}（{m.received_on} 接收，确认期限 {m.confirm_due}）" for m in rep.overdue]


POND_HEAD = ["库编号", "库名称", "区县代码", "运行状态", "经度", "纬度", "运营单位", "矿种", "尾矿属性", "是否排放尾矿水", "排放月份",
             "是否排放有毒有害物质", "下游敏感目标", "环保设施", "应急预案备案编号"]


def _ponds(s: Session, folder: Path, today: date, summary: LandwasteDemoSummary) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "尾矿库"
    ws.append(POND_HEAD)
    ws.append(["DT-WK-007", f"灵丘演示铅锌尾矿库{LABEL}", "140224", "在用", 114.21, 39.41, f"演示选矿厂{LABEL}", "铅锌", "II", "是",
               "1-12", "是", "河流", "防渗；渗滤液收集；回水池；事故池", "演示备案（合成）"])
    ws.append(["DT-WK-012", f"浑源演示铁矿尾矿库{LABEL}", "140225", "在用", 113.72, 39.66, f"演示铁矿{LABEL}", "铁", "I", "否", "",
               "否", "村庄", "防渗", ""])
    ws.append(["DT-WK-015", f"广灵演示金矿尾矿库{LABEL}", "140223", "停用", 114.16, 39.74, f"演示金矿{LABEL}", "金", "II", "否", "",
               "否", "", "防渗；地下水监测井", ""])
    ws.append(["DT-WK-020", f"左云演示尾矿库（未列入清单）{LABEL}", "140226", "在用", 112.74, 40.00, f"演示选厂{LABEL}", "高岭土", "I",
               "否", "", "否", "", "", ""])
    g = wb.create_sheet("分级")
    g.append(["库编号", "等级", "起始日期", "截止日期", "清单年份", "文件"])
    doc = "（演示）2026年度山西省尾矿库分类分级环境监督管理清单（合成）"
    for code, grade in (("DT-WK-007", "一级"), ("DT-WK-012", "二级"), ("DT-WK-015", "三级")):
        g.append([code, grade, date(2026, 1, 1), None, 2026, doc])
    r = wb.create_sheet("检查记录")
    r.append(["库编号", "类型", "日期", "单位", "发现问题", "隐患数"])
    y = today.year
    for row in (("DT-WK-007", "市级检查", date(y, 8, 12), "大同市生态环境局灵丘分局（演示）", "回水池防渗膜破损", 1),
                ("DT-WK-007", "运营单位排查", date(y, 5, 18), f"演示选矿厂{LABEL}", "", 0),
                ("DT-WK-007", "年度报告", date(y, 1, 26), "", "", 0),
                ("DT-WK-012", "市级检查", date(y, 4, 22), "大同市生态环境局浑源分局（演示）", "", 0),
                ("DT-WK-012", "运营单位排查", date(y, 5, 6), f"演示铁矿{LABEL}", "", 0),
                ("DT-WK-012", "年度报告", date(y, 1, 20), "", "", 0),
                ("DT-WK-015", "年度报告", date(y, 1, 29), "", "", 0)):
        r.append(list(row))
    for m in range(1, today.month + (1 if today.day > 5 else 0)):
        r.append(["DT-WK-007", "排放监测", date(y, m, 5), "演示监测公司（合成）", "", 0])
    for q in range(1, 4):
        r.append(["DT-WK-007", "受纳水体监测", date(y, 3 * q, 20), "演示监测公司（合成）", "", 0])
    path = folder / "ponds.xlsx"
    wb.save(path)
    res = pond_importer.import_ponds(s, path, demo=True)
    summary.errors += [str(e) for e in res.errors]
    rep = pond_supervision(s, today.year, today)
    summary.ponds_by_grade = rep.by_grade
    summary.ponds_overdue = [f"{name}：{v.label}（期限 {v.due}）" for _c, name, _k, v in rep.overdue]


def synthetic_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG (one colour, a darker band): the demo's synthetic "photo"."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    dark = bytes(c // 2 for c in rgb)
    rows = b"".join(b"\0" + (dark if height // 3 <= y < height // 2 else bytes(rgb)) * width for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _pond_ledger(s: Session, home: Path, summary: LandwasteDemoSummary) -> None:
    """The 灵丘 pond's hazard in the risk-hazard ledger and a photo in its file (module doc)."""
    staff = s.scalar(select(User).where(User.username == "staff"))
    if staff is None:
        summary.errors.append("未找到演示账号 staff：尾矿库隐患未建立（先运行 Web 演示数据初始化）")
        return
    code = "DT-WK-007"
    pond = pond_hazards.get_pond(s, code)
    if not pond_files.list_files(s, pond):
        pond_files.add_file(s, SYSTEM, staff, code, "回水池现场照片（演示合成图像）.png", synthetic_png(96, 64, (96, 140, 180)),
                            home=home, max_bytes=1 << 20, caption="回水池防渗膜破损处（演示：合成图像，非真实照片）",
                            taken_on=date(summary.today.year, 8, 12))
    if pond_hazards.pond_hazards(s, code):
        return  # built before: the demo is idempotent
    item = pond_hazards.open_hazard(s, SYSTEM, staff, code, title="回水池防渗膜破损（演示）", grade="较大",
                                    found_on=date(summary.today.year, 8, 12))
    summary.ledger_items.append(f"{item.code} {item.title}（市级检查发现，整治时限 {item.deadline}）")
    item = ledger_service.transition_item(s, SYSTEM, staff, item.id, "start", item.version)
    item = ledger_service.update_item(s, SYSTEM, staff, item.id, item.version, {"fields": {
        "measures": "演示：更换回水池破损防渗膜并做渗漏检测。", "self_check_on": f"{summary.today.year}-11-20"}})
    item = ledger_service.transition_item(s, SYSTEM, staff, item.id, "submit", item.version,
                                          note="演示：企业已完成更换并自查。")
    try:
        ledger_service.transition_item(s, SYSTEM, staff, item.id, "close", item.version, note="演示：现场核查")
    except DomainError as exc:  # the gate refuses: no photo of the repair on the item
        summary.closure_refused = exc.message


def build_landwaste_demo(bind: Session | Engine, *, today: date = date(2026, 12, 1), ledger: bool = False,
                         home: Path | None = None) -> LandwasteDemoSummary:
    """Write the labelled demo content (see the module doc) in one transaction; returns a summary.

    ``bind``: a Session (the caller commits) or an Engine (committed here). ``today``: the demo's
    "today" for alarms and the supervision calendar (default 2026-12-01). ``ledger``: also open
    the demo's ledger items and the pond photo (needs the workspace's demo accounts, see
    :func:`build_for_demo`); ``home``: where attachments go (default ``QINGSHAN_HOME``).
    """
    own = isinstance(bind, Engine)
    s = Session(bind) if own else bind
    summary = LandwasteDemoSummary(today)
    try:
        with tempfile.TemporaryDirectory(prefix="qingshan-landwaste-") as tmp:
            folder = Path(tmp)
            _soil(s, folder, summary)
            _ledgers(s, folder, summary)
            _manifests(s, folder, today, summary, ledger)
            _ponds(s, folder, today, summary)
        if own:
            s.commit()
        else:
            s.flush()
        if ledger:  # the ledger service commits what it writes
            _pond_ledger(s, home or home_dir(), summary)
    finally:
        if own:
            s.close()
    return summary


def build_for_demo(engine: Engine) -> LandwasteDemoSummary:
    """The ``qingshan demo`` step: the workspace's demo organisation, accounts and ledger first
    (:func:`qingshan.web.seed.seed_demo` seeds an empty ledger only, so it must run before this
    domain opens items), then the content with its ledger items."""
    seed_demo(engine.url.render_as_string(hide_password=False), migrate=False)
    return build_landwaste_demo(engine, ledger=True)


def render_landwaste_demo(summary: LandwasteDemoSummary) -> RenderableType:
    """The demo printout's section for soil, waste, manifests and ponds (Rich)."""
    t = Table("领域", "演示内容（合成数据）", title=f"净土与风险底线（{summary.today}）")
    t.add_row("土壤", f"{summary.soil_points} 个点位、{summary.soil_samples} 个样品；"
              + "，".join(f"{k} {v}" for k, v in sorted(summary.soil_classes.items()))
              + (f"；搬迁地块结论：{summary.site_decision}" if summary.site_decision else ""))
    t.add_row("工业固废", f"{summary.waste_months} 条月度台账；全市 2026年1—11月 综合利用率 {summary.city_rate_pct}%"
              + ({True: "（达到 75% 演示目标）", False: "（未达 75% 演示目标）", None: ""}[summary.city_target_met]))
    for f in summary.balance_failures:
        t.add_row("", f"[red]平衡校验未通过[/red]：{f}")
    t.add_row("危废联单", f"{summary.manifests} 张；逾期 {len(summary.manifests_overdue)} 张")
    for m in summary.manifests_overdue:
        t.add_row("", f"[red]接收确认逾期[/red]：{m}")
    order = {"一级": 1, "二级": 2, "三级": 3}
    t.add_row("尾矿库", "，".join(f"{k} {v} 座" for k, v in sorted(summary.ponds_by_grade.items(), key=lambda kv: order[kv[0]])))
    for p in summary.ponds_overdue:
        t.add_row("", f"[red]逾期[/red]：{p}")
    for i in summary.ledger_items:
        t.add_row("台账", f"环境风险隐患：{i}")
    if summary.closure_refused:
        t.add_row("", f"[yellow]销号被拒（§6.6 佐证校验）[/yellow]：{summary.closure_refused}")
    parts: list[RenderableType] = [t]
    if summary.errors:
        parts.append(Text(f"演示数据导入提示 {len(summary.errors)} 条：" + "；".join(summary.errors[:3]), style="yellow"))
    return Group(*parts)
