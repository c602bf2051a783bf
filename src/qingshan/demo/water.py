"""The surface-water part of the Datong demo: sections, targets, a synthetic monthly series.

What is real and what is not (FACTS.md §4):

* **Real names** — 固定桥 (桑干河, 国考), 利仁皂 (御河, 国考), 大白登 (南洋河), 宣家塔 (南洋河),
  五一桥 (口泉河) and 洗马庄 (壶流河, 广灵县) are Datong sections named in the sources. Their
  counties (except 洗马庄), 大白登's control level, all coordinates and all targets are **demo
  assumptions**, stated in each section's notes.
* **Invented** — five more sections make up the eight national sections Datong had in 2025 and
  a reservoir point; each is named ``…（演示断面）`` / ``（演示点位）`` and has ``demo = True``.
* **Synthetic data** — every observation is generated (source ``demo``, batch kind ``demo``,
  file label ``合成数据``): one laboratory-style sample a month, 2025-01 to 2026-12, all 21
  evaluated items plus TN, faecal coliform and water temperature (the reservoir also chlorophyll-a
  and Secchi depth), values rounded as laboratories report them, a few non-detects, one missing
  item, and a 劣Ⅴ episode (ammonia nitrogen and total phosphorus) at 十里河（演示断面） in
  February–April 2026. 2026 is slightly cleaner than 2025.

:func:`build_water_demo` writes it; :func:`render_water_summary` prints the 1—N月 evaluation
(the report of :mod:`qingshan.water.report`) with Rich.

**Automatic station (HJ 212)** — :func:`link_demo_station` (called by :func:`run_for_demo`)
registers one more invented section, 自动站演示断面（演示断面）, and links to it the first water
device of the gateway demo's simulator (:func:`qingshan.hj212.simulator.make_devices`, the same
devices and seed as :func:`qingshan.demo.extras.run_gateway_with_simulator`). That device is a
simulated *wastewater* outlet (ST 32: COD w01018, NH3-N w21003, pH w01001, flow w00000); its
COD, NH3-N and pH codes are in the surface-water factor table and map, flow does not (a mapping
note). After the gateway run ``qingshan demo`` calls :func:`sync_for_demo` over the simulated
period and prints one line.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl
from rich.console import Console, Group, RenderableType
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from qingshan.core.audit import SYSTEM
from qingshan.demo.stations import divisions
from qingshan.hj212.simulator import make_devices
from qingshan.standards.water_rules import DEFAULT_SETTINGS
from qingshan.standards.water_values import nano_of_text
from qingshan.water.importer import import_frame
from qingshan.water.registry import add_section, get_section, set_target
from qingshan.core import clock
from qingshan.water.render import print_report, report_renderable
from qingshan.water.report import WaterReport, build_report
from qingshan.water import service as water_service
from qingshan.water.store import WRITE_SCHEMA, WaterStore

DEFAULT_SEED = 20231117
SYNTHETIC_LABEL = "合成数据（演示）"
ASSUMED = "演示假设"

#: code, name, river, basin/system, water body, county, level, seq, downstream, demo, note, profile
SECTIONS: tuple[dict, ...] = (
    dict(code="DT-GDQ", name="固定桥", river="桑干河", water_body="river", county_code="140215", control_level="国考",
         seq=1, downstream_code="DT-D6", demo=False,
         notes="真实断面名（FACTS.md §4.2，国考）；所在区县、坐标与目标为演示假设", profile="mid"),
    dict(code="DT-LRZ", name="利仁皂", river="御河", water_body="river", county_code="140215", control_level="国考",
         seq=2, downstream_code="DT-GDQ", demo=False,
         notes="真实断面名（FACTS.md §4.2，国考，御河入桑干河处附近）；区县、坐标与目标为演示假设", profile="mid"),
    dict(code="DT-DBD", name="大白登", river="南洋河", water_body="river", county_code="140221", control_level="国考",
         seq=1, downstream_code="DT-XJT", demo=False,
         notes="真实断面名（FACTS.md §4.2）；阳高县为推断，控制级别（国考）、坐标与目标为演示假设", profile="mid"),
    dict(code="DT-XJT", name="宣家塔", river="南洋河", water_body="river", county_code="140222", control_level="省考",
         seq=2, downstream_code=None, demo=False,
         notes="真实断面名（FACTS.md §4.2，省级监测）；区县、坐标与目标为演示假设", profile="good"),
    dict(code="DT-WYQ", name="五一桥", river="口泉河", water_body="river", county_code="140214", control_level="省考",
         seq=1, downstream_code=None, demo=False,
         notes="真实断面名（FACTS.md §4.2，省级监测）；区县、坐标与目标为演示假设", profile="mid"),
    dict(code="DT-XMZ", name="洗马庄", river="壶流河", water_body="river", county_code="140223", control_level="省考",
         seq=1, downstream_code=None, demo=False,
         notes="真实断面名（FACTS.md §4.2，广灵县，省级监测）；坐标与目标为演示假设", profile="good"),
    dict(code="DT-D1", name="十里河（演示断面）", river="十里河", water_body="river", county_code="140226",
         control_level="国考", seq=1, downstream_code="DT-LRZ", demo=True,
         notes="演示虚构断面；2026 年 2—4 月有劣Ⅴ类演示情景", profile="poor"),
    dict(code="DT-D2", name="浑河（演示断面）", river="浑源河", water_body="river", county_code="140225",
         control_level="国考", seq=1, downstream_code=None, demo=True, notes="演示虚构断面", profile="good"),
    dict(code="DT-D3", name="唐河（演示断面）", river="唐河", water_body="river", county_code="140224",
         control_level="国考", seq=1, downstream_code=None, demo=True, notes="演示虚构断面", profile="clean"),
    dict(code="DT-D4", name="御河上游（演示断面）", river="御河", water_body="river", county_code="140212",
         control_level="国考", seq=1, downstream_code="DT-LRZ", demo=True, notes="演示虚构断面", profile="good"),
    dict(code="DT-D6", name="桑干河出境（演示断面）", river="桑干河", water_body="river", county_code="140221",
         control_level="国考", seq=2, downstream_code=None, demo=True, notes="演示虚构断面", profile="mid"),
    dict(code="DT-R1", name="演示水库（演示点位）", river="演示水库", water_body="reservoir", county_code="140212",
         control_level="市考", seq=None, downstream_code=None, demo=True, notes="演示虚构水库点位（湖库总磷限值、总氮单独评价、营养状态）",
         profile="reservoir"),
)
#: target class per section code (demo assumptions), 2025 and 2026
TARGETS = {"DT-GDQ": 3, "DT-LRZ": 3, "DT-DBD": 3, "DT-XJT": 3, "DT-WYQ": 4, "DT-XMZ": 3, "DT-D1": 4, "DT-D2": 3,
           "DT-D3": 2, "DT-D4": 3, "DT-D6": 3, "DT-R1": 3}

#: typical concentrations per profile: (DO, CODMn, COD, BOD5, NH3-N, TP, TN)
_PROFILES = {
    "clean": (8.6, 2.2, 9.0, 1.4, 0.12, 0.035, 1.2),
    "good": (7.8, 3.2, 13.0, 2.3, 0.32, 0.085, 2.6),
    "mid": (6.6, 4.6, 17.0, 3.1, 0.62, 0.150, 4.8),
    "poor": (5.4, 6.8, 24.0, 4.3, 1.15, 0.230, 7.5),
    "reservoir": (8.0, 3.6, 14.0, 2.4, 0.22, 0.032, 0.9),
}
#: W7 background (water.md §10), all Class Ⅰ; detection limits for the non-detect examples
_BACKGROUND = {"cu": 0.005, "zn": 0.02, "f": 0.4, "se": 0.0004, "as": 0.001, "hg": 0.00002, "cd": 0.0002,
               "cr6": 0.004, "pb": 0.002, "cn": 0.002, "phenol": 0.0008, "petroleum": 0.02, "las": 0.05, "sulfide": 0.01}
_DL = {"hg": "0.00004", "cr6": "0.004", "cn": "0.004", "sulfide": "0.005"}


@dataclass(frozen=True)
class WaterDemoSummary:
    sections: int
    demo_sections: int
    targets: int
    observations: int
    first: date
    last: date
    worse_than_v_episode: str


#: The invented section the simulated automatic station reports for (no control level and no
#: target: it never enters an assessment or a bulletin).
STATION_SECTION = dict(
    code="DT-ZDZ", name="自动站演示断面（演示断面）", river="御河", water_body="river", county_code="140212",
    demo=True, notes="虚构断面：演示 HJ 212 自动站关联与同步；数据来自网关演示的模拟设备（模拟废水排口 ST 32，"
                     "其 COD、氨氮、pH 按地表水项目导入，仅作演示），不是监测数据")


def demo_station_mn(devices: int = 20) -> str:
    """MN of the first water device the gateway demo simulates (same ``make_devices`` call and seed
    as :func:`qingshan.demo.extras.run_gateway_with_simulator`)."""
    return next(d.mn for d in make_devices(devices, seed=1) if d.kind == "water")


def link_demo_station(engine: Engine) -> tuple[str, str]:
    """Register :data:`STATION_SECTION` (once) and link the simulated water device to it through the
    audited service (as the command line: ``SYSTEM``). Returns (MN, section code)."""
    mn = demo_station_mn()
    with Session(engine) as s:
        if get_section(s, STATION_SECTION["code"]) is None:
            add_section(s, **STATION_SECTION)
            s.commit()
        water_service.link_station(s, SYSTEM, None, mn, STATION_SECTION["code"])
    return mn, STATION_SECTION["code"]


def simulated_since() -> datetime:
    """Start of the period the gateway demo's simulator covers: its devices start one day before
    now (Beijing, naive, hj212.md §11) — an hour earlier for the rounding of their start."""
    return clock.now_local().replace(tzinfo=None, minute=0, second=0, microsecond=0) - timedelta(days=1, hours=1)


def sync_for_demo(engine: Engine, since: datetime) -> str:
    """After the gateway run: import the linked device's hourly values from ``since`` to an hour
    from now (audited, as ``SYSTEM``) and say what happened in one line."""
    mn, code = demo_station_mn(), STATION_SECTION["code"]
    until = clock.now_local().replace(tzinfo=None) + timedelta(hours=1)
    with Session(engine) as s:
        res = water_service.sync_hj212(s, SYSTEM, None, since, until, cn="2061")
    line = (f"自动站（演示）MN {mn} → 断面 {code}（{STATION_SECTION['name']}）："
            f"读取 {res.values_read} 个数值，写入 {res.observations_written} 条")
    if res.notes:  # e.g. flow w00000 is no surface-water item; when nothing maps, this says why
        line += "；" + "；".join(n.reason for n in res.notes)
    return line + "。"


def _text(value: float, code: str) -> str:
    d = DEFAULT_SETTINGS.decimals.get(code, 2)
    q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_EVEN)
    if q == 0:
        q = Decimal(repr(value)).quantize(Decimal(1).scaleb(-(d + 1)), rounding=ROUND_HALF_EVEN)
    return f"{q:f}"


def _months(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def synthetic_series(seed: int = DEFAULT_SEED, first: date = date(2025, 1, 1), last: date = date(2026, 12, 1)) -> pl.DataFrame:
    """The synthetic monthly samples (:data:`qingshan.water.store.WRITE_SCHEMA`), deterministic."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for s in SECTIONS:
        do, codmn, cod, bod5, nh3n, tp, tn = _PROFILES[s["profile"]]
        lake = s["water_body"] != "river"
        for m in _months(first, last):
            winter = 1 + 0.25 * math.cos(2 * math.pi * (m.month - 1) / 12)  # low flow in winter
            trend = 1 - 0.05 * (m.year - 2025)
            f = trend * winter

            def jit(x: float, spread: float = 0.12) -> float:
                return x * math.exp(rng.gauss(0, spread))

            v = {
                "wt": max(0.5, 12 - 11 * math.cos(2 * math.pi * (m.month - 1) / 12) + rng.gauss(0, 1)),
                "ph": 7.6 + rng.gauss(0, 0.25),
                "do": max(2.5, jit(do, 0.08) / (0.9 + 0.1 * winter)),
                "codmn": jit(codmn * f), "cod": jit(cod * f), "bod5": jit(bod5 * f),
                "nh3n": jit(nh3n * f, 0.2), "tp": jit(tp * f, 0.18), "tn": jit(tn * f, 0.15),
                "fc": jit(2400.0 if not lake else 300.0, 0.5),
                **{c: jit(x, 0.2) for c, x in _BACKGROUND.items()},
            }
            if s["code"] == "DT-D1" and m.year == 2026 and m.month in (2, 3, 4):  # the 劣Ⅴ episode
                v["nh3n"] = 2.3 + 0.35 * (m.month - 2) + rng.uniform(0, 0.2)
                v["tp"] = 0.42 + 0.03 * (m.month - 2)
                v["do"] = 3.4
            if lake:
                v["chla"] = jit(9.0 if m.month in (6, 7, 8, 9) else 4.0, 0.25)
                v["sd"] = jit(1.3, 0.15)
            t = datetime(m.year, m.month, 10, 10, 0)
            for code, x in v.items():
                if s["code"] == "DT-XMZ" and (m.year, m.month) == (2026, 7) and code == "petroleum":
                    continue  # not measured that month: the section leaves that month's CWQI
                text = _text(x, code) if code in DEFAULT_SETTINGS.decimals else f"{Decimal(repr(x)).quantize(Decimal('0.01')):f}"
                nd = code in _DL and Decimal(text) < Decimal(_DL[code])
                rows.append({
                    "section_code": s["code"], "time": t, "item": code,
                    "value_nano": None if nd else nano_of_text(text), "nd": nd,
                    "dl_nano": nano_of_text(_DL[code]) if nd else None, "flag": None,
                    "text": f"<{_DL[code]}" if nd else text,
                })
    return pl.DataFrame(rows, schema=WRITE_SCHEMA, orient="row")


def _coordinates() -> dict[str, tuple[float, float]]:
    d = divisions()
    return {c: (lon, lat) for c, lon, lat in d.select("code", "lon", "lat").iter_rows()}


def build_water_demo(target: Engine | str | None = None, *, seed: int = DEFAULT_SEED,
                     first: date = date(2025, 1, 1), last: date = date(2026, 12, 1)) -> WaterDemoSummary:
    """Write the water demo (sections, targets 2025–2026, the synthetic series) into the store at
    ``target`` (an Engine, a URL, or the configured database). Re-running changes nothing."""
    store = WaterStore(target.url.render_as_string(hide_password=False) if isinstance(target, Engine) else target,
                       engine=target if isinstance(target, Engine) else None)
    try:
        centres = _coordinates()
        n_targets = 0
        with Session(store.engine) as s:
            for i, sec in enumerate(SECTIONS):
                fields = {k: v for k, v in sec.items() if k != "profile"}
                lon, lat = centres.get(sec["county_code"], (113.3, 40.1))
                fields["lon"], fields["lat"] = round(lon + 0.03 * ((i % 3) - 1), 4), round(lat + 0.02 * ((i % 2) * 2 - 1), 4)
                fields["notes"] = f"{fields['notes']}；坐标为演示近似位置"
                fields["basin"], fields["water_system"] = "海河流域", "永定河水系" if sec["river"] != "唐河" else "大清河水系"
                if get_section(s, sec["code"]) is None:
                    add_section(s, **fields)
                for year in (2025, 2026):
                    set_target(s, sec["code"], year, TARGETS[sec["code"]])
                    n_targets += 1
            s.commit()
        series = synthetic_series(seed, first, last)
        import_frame(series, store, source="demo", kind="demo", label=SYNTHETIC_LABEL)
        return WaterDemoSummary(
            sections=len(SECTIONS), demo_sections=sum(1 for s in SECTIONS if s["demo"]), targets=n_targets,
            observations=series.height, first=first, last=last,
            worse_than_v_episode="十里河（演示断面）2026 年 2—4 月：氨氮、总磷劣Ⅴ类（合成）",
        )
    finally:
        store.close()


def county_names() -> dict[str, str]:
    return {c: n for c, n in divisions().select("code", "name").iter_rows()}


def render_water_summary(console: Console, target: str | None, year: int, through_month: int) -> WaterReport:
    """Print the 1—N月 surface-water evaluation of ``year`` (Rich) and return the report."""
    end = date(year + (through_month == 12), through_month % 12 + 1, 1)
    report = build_report(target, date(year, 1, 1), end, county_names=county_names())
    print_report(console, report)
    return report


@dataclass(frozen=True)
class WaterDemoRun:
    """What ``qingshan demo`` prints for water: what was written and the 1—N月 evaluation."""

    summary: WaterDemoSummary
    report: WaterReport
    station: tuple[str, str] | None = None  # (MN, section code) of the simulated automatic station


def demo_period(first: date = date(2025, 1, 1), last: date = date(2026, 12, 1)) -> tuple[int, int]:
    """The 1—N月 the demo prints: this year up to the last complete month (Beijing), kept inside
    the synthetic series ``[first, last]``."""
    today = clock.today()
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if (y, m) > (last.year, last.month):
        y, m = last.year, last.month
    if (y, m) < (first.year, first.month):
        y, m = first.year, 12 if first.year < last.year else last.month
    return y, m


def run_for_demo(engine: Engine) -> WaterDemoRun:
    """The demo hook (:data:`qingshan.demo.domains.DOMAIN_DEMOS`): write the water demo on the demo
    database and evaluate 1—N月 with the one report builder (the page /water shows the same)."""
    summary = build_water_demo(engine)
    y, m = demo_period(summary.first, summary.last)
    end = date(y + (m == 12), m % 12 + 1, 1)
    store = WaterStore(engine.url.render_as_string(hide_password=False), auto_migrate=False, engine=engine)
    report = build_report(store, date(y, 1, 1), end, county_names=county_names())
    # after the report: the station's section has no values before the gateway run anyway
    return WaterDemoRun(summary, report, link_demo_station(engine))


def render_for_demo(run: WaterDemoRun) -> RenderableType:
    s = run.summary
    head = Text(f"地表水演示：登记断面 {s.sections} 个（其中虚构演示断面 {s.demo_sections} 个），目标 {s.targets} 项，"
                f"合成监测值 {s.observations:,} 个（{s.first:%Y-%m}—{s.last:%Y-%m}，{SYNTHETIC_LABEL}）；"
                f"演示情景：{s.worse_than_v_episode}。工作台页面：/water，公众门户：/portal/water。")
    parts: list[RenderableType] = [head, report_renderable(run.report)]
    if run.station is not None:
        parts.append(Text(f"自动站（演示）：模拟设备 MN {run.station[0]} 已关联断面 {run.station[1]}"
                          f"（{STATION_SECTION['name']}），网关演示后同步其小时数据；关联见 /water/sections。"))
    return Group(*parts)
