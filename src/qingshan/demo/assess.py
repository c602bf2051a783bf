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

:func:`render_summary` prints what was written (Rich). Not wired into ``qingshan demo`` yet (the
lead wires it in phase 2); :func:`write_bulletins` is what ``qingshan demo`` will call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
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

#: invented 2026 targets: PM2.5 (µg/m³), good-days ratio (%), heavy days, last year's PM2.5
_UNIT_TARGETS = {
    "140213": ("24", "86.0", "3", "24"), "140214": ("26", "85.0", "3", "26"), "140215": ("23", "86.0", "3", "23"),
    "140212": ("22", "87.0", "2", "22"), "140221": ("25", "84.0", "3", "25"), "140222": ("24", "84.0", "3", "24"),
    "140223": ("22", "85.0", "2", "22"), "140224": ("21", "85.0", "2", "21"), "140225": ("22", "85.0", "2", "22"),
    "140226": ("24", "85.0", "3", "24"),
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
        city = [("pm25", "23", "23"), ("good_ratio", "87.0", None), ("heavy_days", "3", None),
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


def write_bulletins(url: str, year: int, month: int, out_dir: Path) -> list[Path]:
    """Both bulletins of ``year``-``month`` as .docx and HTML into ``out_dir`` (what ``qingshan demo``
    prints the paths of)."""
    from qingshan.bulletin import service

    paths = []
    for kind in ("air", "work"):
        b = service.build(url, kind, f"{year}-{month:02d}")
        paths += service.write_files(b, out_dir)
    return paths


def render_summary(console, summary: AssessDemo, paths: list[Path] | None = None) -> None:
    from rich.table import Table

    t = Table(title=f"考核与通报演示数据（{summary.year}年，演示）")
    t.add_column("内容")
    t.add_column("数量", justify="right")
    t.add_row("县（区）单位", str(summary.units))
    t.add_row("站点名单（演示站点含“（演示站点）”）", "、".join(f"{k} {v}" for k, v in summary.stations.items()))
    t.add_row("年度目标（演示，虚构）", str(summary.targets))
    t.add_row("手工录入（演示，虚构）", str(summary.manual_inputs))
    t.add_row("考核方案", summary.scheme)
    console.print(t)
    for p in paths or []:
        console.print(f"通报：{p}")


__all__ = ["AssessDemo", "UNITS", "build_assess_demo", "render_summary", "write_bulletins"]
