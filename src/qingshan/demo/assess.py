"""Demo content of the targets, assessment and bulletin packages (labelled 演示).

:func:`build_assess_demo` writes, on a store that already holds the Datong demo stations
(:mod:`qingshan.demo.build`):

* the city 大同市 (140200) and its ten county-level units with their true GB/T 2260 codes and
  names (FACTS.md §1), display order as in FACTS.md's table (districts, then counties);
* each unit's station list from the station registry (national stations of the district; the
  labelled synthetic county stations; the 对照点 果树场 left out as a background site);
* 2026 targets for the city and the units — **invented** (演示; Datong's 2026 targets were not
  found, FACTS.md §3.2), each with a source text saying so;
* manual inputs for the bulletin month (provincial ranks, the regional average) — invented, the
  document number says 演示;
* the demo assessment scheme (:file:`qingshan/assessment/data/datong_2026_demo.json`).

* a few ledger items for Bulletin B (:func:`build_ledger_demo`): key tasks with a schedule and a
  reported percentage, central/provincial inspection problems of the counties and enforcement
  cases of this year and of the same period last year — all titled 「演示：…」, made through the
  ledger engine by the demo's administrator account (after the workspace's own demo items,
  :func:`qingshan.web.seed.seed_demo`).

``qingshan demo`` runs :data:`ASSESS_DEMO` last of :data:`qingshan.demo.domains.DOMAIN_DEMOS`
(:func:`run_demo`): it writes the above for the last complete month of the data and both
bulletins of that month (:func:`write_bulletins`, .docx and HTML under
``QINGSHAN_HOME/bulletins``), and prints where they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from qingshan.targets.store import TargetStore

CITY_CODE, CITY_NAME = "140200", "大同市"
#: FACTS.md §1 (code, name, kind) in the bureau's usual order: districts, then counties
UNITS: tuple[tuple[str, str, str], ...] = (
    ("140213", "平城区", "区"), ("140214", "云冈区", "区"), ("140215", "云州区", "区"), ("140212", "新荣区", "区"),
    ("140221", "阳高县", "县"), ("140222", "天镇县", "县"), ("140223", "广灵县", "县"), ("140224", "灵丘县", "县"),
    ("140225", "浑源县", "县"), ("140226", "左云县", "县"),
)
DEMO_SOURCE = "演示目标（虚构，非大同市正式下达的目标；大同市2026年目标未找到，见 FACTS.md §3.2）"
DEMO_DOC = "演示〔2026〕1号（虚构）"

#: invented 2026 targets: PM2.5 (µg/m³), good-days ratio (%), heavy days, "last year's" PM2.5
#: (invented too: the base of the §3.4 target path)
_UNIT_TARGETS = {
    "140213": ("24", "86.0", "3", "26"), "140214": ("26", "85.0", "3", "28"), "140215": ("23", "86.0", "3", "25"),
    "140212": ("22", "87.0", "2", "24"), "140221": ("25", "84.0", "3", "27"), "140222": ("24", "84.0", "3", "26"),
    "140223": ("22", "85.0", "2", "24"), "140224": ("21", "85.0", "2", "23"), "140225": ("22", "85.0", "2", "24"),
    "140226": ("24", "85.0", "3", "26"),
}


@dataclass
class AssessDemo:
    units: int = 0
    stations: dict[str, int] = field(default_factory=dict)
    targets: int = 0
    manual_inputs: int = 0
    scheme: str = ""
    year: int = 2026


def build_assess_demo(url: str, year: int = 2026, month: int = 10) -> AssessDemo:
    """Write the labelled demo units, station lists, targets, manual inputs and scheme (idempotent)."""
    from qingshan.assessment.scheme import packaged
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry(url, auto_migrate=False)
    try:
        stations = reg.stations_frame(CITY_CODE)
    finally:
        reg.close()
    out = AssessDemo(year=year)
    store = TargetStore(url)
    try:
        start = date(2018, 5, 1)  # 云冈区 formed in May 2018 (FACTS.md §1)
        store.upsert_unit(CITY_CODE, CITY_NAME, "市", 0, start, demo=True)
        for i, (code, name, kind) in enumerate(UNITS, start=1):
            store.upsert_unit(code, name, kind, i, start, demo=True)
            codes = stations.filter((stations["county_code"] == code) & ~stations["is_control"])["code"].to_list()
            store.set_unit_stations(code, sorted(codes), date(year - 1, 1, 1))
            out.stations[name] = len(codes)
        out.units = len(UNITS)
        city = [("pm25", "23", "25"), ("good_ratio", "87.0", None), ("heavy_days", "3", None),
                ("water_good_share", "75.0", None), ("water_worse_v", "0", None), ("co2_intensity", "3.9", None)]
        for ind, v, base in city:
            store.upsert_target(year, CITY_CODE, ind, v, DEMO_SOURCE, base_value=base, demo=True)
            out.targets += 1
        for code, (pm, good, heavy, base) in _UNIT_TARGETS.items():
            store.upsert_target(year, code, "pm25", pm, DEMO_SOURCE, base_value=base, demo=True)
            store.upsert_target(year, code, "good_ratio", good, DEMO_SOURCE, demo=True)
            store.upsert_target(year, code, "heavy_days", heavy, DEMO_SOURCE, demo=True)
            out.targets += 3
        ym = f"{year}-{month:02d}"
        doc_day = date(year + (month == 12), month % 12 + 1, 20)
        for period, rank in (("month", "2"), ("ytd", "1")):
            store.upsert_manual_input(ym, "province_city_rank", CITY_CODE, period, "composite", rank, DEMO_DOC, doc_day,
                                      "演示数据（虚构）", demo=True)
            store.upsert_manual_input(ym, "regional_average", CITY_CODE, period, "composite",
                                      "4.35" if period == "ytd" else "4.10", DEMO_DOC, doc_day, "演示数据（虚构）", demo=True)
            out.manual_inputs += 2
        data = packaged("datong_2026_demo")
        store.save_scheme(year, data["name"], json.dumps(data, ensure_ascii=False), data["source"], demo=True)
        out.scheme = data["name"]
    finally:
        store.close()
    return out


DEMO_LEDGER_NOTE = "演示：事项、时限、完成率与处罚均为虚构的演示数据，非大同市的实际情况。"


@dataclass
class LedgerDemo:
    tasks: int = 0
    inspections: int = 0
    cases: int = 0


def _ledger_items(year: int, month: int) -> list[tuple[str, dict, list[tuple[str, str]]]]:
    """(kind, item data, transitions to apply) of the demo, dated around the bulletin month."""
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    jan1 = date(year, 1, 1)

    def before(days: int) -> str:
        return max(jan1 + timedelta(days=14), end - timedelta(days=days)).isoformat()

    elapsed = ((end - jan1).days + 1) * 100 // ((date(year, 12, 31) - jan1).days + 1)
    task = [("start", ""), ("submit", "演示：已完成。"), ("close", "")]
    insp_close = [("submit", "演示：整改完成，佐证材料已上传。"), ("verify", "演示：现场核查通过。"), ("close", "")]
    items = [
        ("key_task", {"title": "演示：城区建筑工地扬尘在线监控全覆盖", "lead_unit": "平城区", "deadline": before(30),
                      "fields": {"area": "大气", "start_date": jan1.isoformat(), "reported_pct": "100"}}, task),
        ("key_task", {"title": "演示：县城集中供热管网改造", "lead_unit": "阳高县", "deadline": f"{year}-12-31",
                      "fields": {"area": "大气", "reported_pct": str(min(100, elapsed + 5))}}, [("start", "")]),
        ("key_task", {"title": "演示：御河沿线入河排污口排查整治", "lead_unit": "云州区", "deadline": f"{year}-12-31",
                      "fields": {"area": "水", "reported_pct": str(max(0, elapsed - 25))}}, [("start", "")]),
        ("key_task", {"title": "演示：建成区散煤清零", "lead_unit": "大同市住房和城乡建设局", "units": "新荣区",
                      "deadline": before(15), "fields": {"area": "大气", "reported_pct": "80"}}, [("start", "")]),
        ("inspection", {"title": "演示：焦化企业无组织排放问题", "lead_unit": "云冈区", "deadline": before(45),
                        "fields": {"inspection_level": "中央", "round": "演示轮次", "measures": "演示：密闭改造。",
                                   "reported_pct": "100"}}, insp_close),
        ("inspection", {"title": "演示：县城污水处理厂提标改造滞后", "lead_unit": "天镇县", "deadline": before(10),
                        "fields": {"inspection_level": "省级", "round": "演示轮次", "measures": "演示：提标改造。",
                                   "reported_pct": "70"}}, []),
        ("inspection", {"title": "演示：群众反映餐饮油烟扰民", "lead_unit": "平城区", "deadline": f"{year}-12-31",
                        "fields": {"inspection_level": "中央", "round": "演示轮次", "measures": "演示：安装净化设施。",
                                   "problem_type": "群众举报件", "reported_pct": str(min(100, elapsed + 2))}}, []),
        ("inspection", {"title": "演示：河道两岸固体废物倾倒", "lead_unit": "大同市生态环境局", "units": "浑源县、灵丘县",
                        "deadline": f"{year}-12-31",
                        "fields": {"inspection_level": "省级", "round": "演示轮次", "measures": "演示：清运并设置监控。",
                                   "reported_pct": str(max(0, elapsed - 30))}}, []),
    ]
    cases = [  # (unit, filed, fine 万元, 查封扣押, 限产停产, 移送)
        ("平城区", end - timedelta(days=5), "5.5", "是", "否", "否"),
        ("平城区", end - timedelta(days=12), "12", "否", "否", "否"),
        ("平城区", date(year, 1, 20), "2.3", "否", "否", "否"),
        ("平城区", end.replace(year=year - 1, day=min(end.day, 28)) - timedelta(days=3), "8", "否", "否", "否"),
        ("云冈区", end - timedelta(days=2), "20", "否", "是", "是"),
        ("云冈区", date(year - 1, min(month, 12), 10), "6", "是", "否", "否"),
        ("云冈区", date(year - 1, 1, 15), "3", "否", "否", "否"),
        ("浑源县", date(year, 1, 25), "3.2", "否", "是", "否"),
    ]
    for i, (unit, filed, fine, seized, restricted, transferred) in enumerate(cases, start=1):
        items.append(("enforcement", {
            "title": f"演示：{unit}某企业违法排污案（{i}）", "lead_unit": unit,
            "fields": {"filed_date": filed.isoformat(), "party": f"演示企业{i}（虚构）", "fine_wan": fine,
                       "seized": seized, "restricted": restricted, "transferred": transferred}}, []))
    for _, data, _ in items:
        data["fields"]["note"] = DEMO_LEDGER_NOTE
    return items


def build_ledger_demo(url: str, year: int, month: int, *, web_settings=None) -> LedgerDemo:
    """The demo's ledger items for Bulletin B (idempotent: items already there by title are kept).

    The workspace's demo organisation, accounts and items come first
    (:func:`qingshan.web.seed.seed_demo`); these items are created and moved along their workflow
    by its administrator account through :mod:`qingshan.ledgers.service` (audited as the demo)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from qingshan.core.audit import SYSTEM
    from qingshan.core.org import User
    from qingshan.ledgers import service
    from qingshan.ledgers.models import LedgerItem
    from qingshan.store.db import make_engine
    from qingshan.web.security import WebSettings
    from qingshan.web.seed import seed_demo

    seed_demo(url, settings=web_settings or WebSettings.from_env(database_url=url), migrate=False)
    out = LedgerDemo()
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            admin = db.scalar(select(User).where(User.username == "admin"))
            have = set(db.scalars(select(LedgerItem.title).where(LedgerItem.title.like("演示：%"))))
            for kind, data, steps in _ledger_items(year, month):
                if data["title"] not in have:
                    item = service.create_item(db, SYSTEM, admin, kind, data)
                    for action, note in steps:
                        item = service.transition_item(db, SYSTEM, admin, item.id, action, item.version, note=note)
                if kind == "key_task":
                    out.tasks += 1
                elif kind == "inspection":
                    out.inspections += 1
                else:
                    out.cases += 1
    finally:
        engine.dispose()
    return out


def last_complete_month_of_data(url: str) -> tuple[int, int] | None:
    """(year, month) of the last calendar month the stored hours cover to its end, or None."""
    from qingshan.demo.calendar import last_complete_month
    from qingshan.store.observations import ObservationStore

    store = ObservationStore(url, auto_migrate=False)
    try:
        latest = store.latest()
    finally:
        store.close()
    if latest.is_empty():
        return None
    last_day = (latest["time"].max() - timedelta(hours=1)).date()  # the natural day of the last hour
    if last_day < date(2000, 1, 1):
        return None
    return last_complete_month(last_day)


@dataclass
class AssessRun:
    summary: AssessDemo
    ledger: LedgerDemo
    paths: list[Path]
    month: str


def run_demo(engine) -> AssessRun | None:
    """The ``qingshan demo`` step: units, targets, ledger items and both bulletins of the last
    complete month of the data (None when the store holds no hours)."""
    from qingshan.config import home_dir

    url = engine.url.render_as_string(hide_password=False)
    ym = last_complete_month_of_data(url)
    if ym is None:
        return None
    year, month = ym
    summary = build_assess_demo(url, year, month)
    ledger = build_ledger_demo(url, year, month)
    paths = write_bulletins(url, year, month, Path(home_dir()) / "bulletins")
    return AssessRun(summary, ledger, paths, f"{year}-{month:02d}")


def write_bulletins(url: str, year: int, month: int, out_dir: Path) -> list[Path]:
    """Both bulletins of ``year``-``month`` as .docx and HTML into ``out_dir`` (what ``qingshan demo``
    prints the paths of)."""
    from qingshan.bulletin import service

    month_text = f"{year}-{month:02d}"
    ctx = service.load_context(url, month_text)  # one read of the hours for both bulletins
    paths = []
    for kind in ("air", "work"):
        b = service.build(url, kind, month_text, ctx=ctx)
        paths += service.write_files(b, out_dir)
    return paths


def summary_table(summary: AssessDemo):
    from rich.table import Table

    t = Table(title=f"考核与通报演示数据（{summary.year}年，演示）")
    t.add_column("内容")
    t.add_column("数量", justify="right")
    t.add_row("县（区）单位", str(summary.units))
    t.add_row("站点名单（演示站点含“（演示站点）”）", "、".join(f"{k} {v}" for k, v in summary.stations.items()))
    t.add_row("年度目标（演示，虚构）", str(summary.targets))
    t.add_row("手工录入（演示，虚构）", str(summary.manual_inputs))
    t.add_row("考核方案", summary.scheme)
    return t


def render_summary(console, summary: AssessDemo, paths: list[Path] | None = None) -> None:
    console.print(summary_table(summary))
    for p in paths or []:
        console.print(f"通报：{p}")


def render_run(run: AssessRun | None):
    """What ``qingshan demo`` prints for this step (a Rich renderable)."""
    from rich.console import Group
    from rich.text import Text

    if run is None:
        return Text("考核与通报演示：观测库中没有完整月份的数据，未生成通报。", style="yellow")
    lines = [Text(f"台账演示事项：重点任务 {run.ledger.tasks} 项、督察问题 {run.ledger.inspections} 个、"
                  f"执法案件 {run.ledger.cases} 件（均标注“演示”）"),
             Text(f"{run.month} 月度通报（草稿，演示数据）已写入：", style="bold")]
    lines += [Text(f"  {p}") for p in run.paths]
    return Group(summary_table(run.summary), *lines)


ASSESS_DEMO_TITLE = "考核与月度通报"


__all__ = ["AssessDemo", "AssessRun", "LedgerDemo", "UNITS", "build_assess_demo", "build_ledger_demo",
           "last_complete_month_of_data", "render_run", "render_summary", "run_demo", "summary_table",
           "write_bulletins"]
