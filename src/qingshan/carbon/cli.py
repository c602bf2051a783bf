"""``qingshan carbon …``: factor library, facilities and units, imports, checks, city accounts, tracking.

``qingshan carbon track --series FILE.csv`` touches no database; every other command works on the
configured store (``QINGSHAN_DATABASE_URL``, default the embedded SQLite), migrating it first.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon import imports, registry, service
from qingshan.carbon.accounting import evaluate_power_unit, power_units
from qingshan.carbon.city import CityDataError, set_balance_row, set_gdp, set_plan
from qingshan.carbon.evidence import check_evidence, failed_checks
from qingshan.carbon.factors import add_factor, library
from qingshan.carbon.models import CarbonFacility
from qingshan.carbon.progress import SeriesFileError, json_text, read_series
from qingshan.carbon.report import city_report, city_trend, co2_intensity_status, enterprise_list, unit_detail
from qingshan.config import database_url, home_dir
from qingshan.core import clock
from qingshan.core.audit import SYSTEM
from qingshan.core.errors import DomainError
from qingshan.core.org import User
from qingshan.standards.carbon_checks import STATUS_ZH as CHECK_ZH
from qingshan.standards.carbon_checks import CheckStatus
from qingshan.standards.carbon_city import CitySettings
from qingshan.standards.carbon_factors import FactorError, FactorMissing
from qingshan.standards.carbon_tracking import STATUS_ZH, TrackingError, json_rows, track
from qingshan.store import migrate
from qingshan.store.db import make_engine

app = typer.Typer(no_args_is_help=True, help="碳排放核算与双控：因子库、企业月度存证与校核、城市核算、目标跟踪")
import_app = typer.Typer(no_args_is_help=True, help="导入企业月度存证、年报、水泥月报、城市能源平衡表与GDP")
app.add_typer(import_app, name="import")
console = Console()
#: Size cap for the evidence workbook attached from the command line (the web passes its own setting).
CLI_ATTACHMENT_MAX = 20 * 1024 * 1024
STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "n/a": "dim", "green": "green", "yellow": "yellow",
                "red": "red", "no_data": "dim"}


def _session() -> Session:
    url = database_url()
    migrate.upgrade(url)
    return Session(make_engine(url), expire_on_commit=False)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]错误：{message}[/red]")
    raise typer.Exit(code)


def _as_of(text: Optional[str]) -> date:
    if text is None:
        return clock.today()  # Beijing: the deadlines of carbon.md §4.2 are Beijing dates
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"日期“{text}”应为 YYYY-MM-DD")


def _fmt(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        _fail(f"--format 应为 {'、'.join(allowed)}")
    return fmt


# --- registry and factors ------------------------------------------------------------------------------


@app.command("facility")
def facility(
    uscc: str = typer.Argument(..., help="企业统一社会信用代码（须已在污染源登记中）"),
    code: str = typer.Argument(..., help="设施编号（如 HUDONG）"),
    name: str = typer.Option(..., "--name", help="设施名称"),
    sector: str = typer.Option(..., "--sector", help="power（发电）或 cement（水泥熟料）"),
    county: Optional[str] = typer.Option(None, "--county", help="区县 GB/T 2260 代码"),
) -> None:
    """登记重点企业的核算设施（电厂或水泥厂）。"""
    with _session() as s:
        try:
            fac = registry.add_facility(s, uscc, code, name, sector, county_code=county)
        except registry.CarbonRegistryError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"设施已登记：{fac.code} {fac.name}（{registry.SECTORS[fac.sector]}）")


@app.command("unit")
def unit(
    facility_code: str = typer.Argument(..., help="设施编号"),
    code: str = typer.Argument(..., help="机组/生产线编号（如 1、#2、L1）"),
    name: str = typer.Option(..., "--name", help="名称，如 1号机组"),
    kind: str = typer.Option("unit", "--kind", help="unit（发电机组）、plant_line（全厂公用）或 clinker_line（熟料生产线）"),
    capacity: Optional[str] = typer.Option(None, "--capacity", help="装机容量 MW"),
    unit_class: str = typer.Option("conventional", "--class", help="conventional、cfb、gangue、low_calorific、gas"),
    chp: bool = typer.Option(False, "--chp/--no-chp", help="热电联产机组"),
    cooling: str = typer.Option("water", "--cooling", help="water（湿冷）或 air（空冷）"),
    clinker_type: str = typer.Option("portland", "--clinker-type", help="熟料品种：portland、white、sulfoaluminate、aluminate"),
) -> None:
    """登记或更新机组（容量、类型、热电联产、冷却方式）或熟料生产线。"""
    with _session() as s:
        fac = s.scalar(select(CarbonFacility).where(CarbonFacility.code == facility_code))
        if fac is None:
            _fail(f"没有编号为“{facility_code}”的设施（先用 qingshan carbon facility 登记）")
        try:
            u, before, _after = registry.add_unit(s, fac, registry.UnitSpec(code, name, kind, capacity, unit_class, chp,
                                                                            cooling, clinker_type))
        except registry.CarbonRegistryError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"{'已更新' if before else '已登记'}：{fac.name} {u.code} {u.name}")


factor_app = typer.Typer(no_args_is_help=True, help="排放因子库：列出与新增（无需改代码）")
app.add_typer(factor_app, name="factor")


@factor_app.command("list")
def factor_list(
    table: Optional[str] = typer.Option(None, "--table", help="只列出一张表，如 grid_statistical"),
    fmt: str = typer.Option("table", "--format", help="table、csv 或 json"),
) -> None:
    """列出因子库（随软件提供的表 + 本局新增），每行注明来源、状态与有效期。"""
    _fmt(fmt, ("table", "csv", "json"))
    with _session() as s:
        rows = [r for r in library(s).rows if table is None or r.table == table]
    recs = [r.ref() | {"label": r.label} for r in rows]
    if fmt == "json":
        typer.echo(json.dumps(recs, ensure_ascii=False, indent=1))
        return
    cols = ("table", "key", "param", "value", "unit", "valid_from", "valid_to", "version", "status", "origin", "source")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(recs)
        typer.echo(buf.getvalue(), nl=False)
        return
    t = Table("表", "键", "参数", "数值", "单位", "有效期", "版本", "状态", "来源", title="碳排放因子库")
    for r in rows:
        period = f"{r.valid_from or '—'}—{r.valid_to or ''}" if r.valid_from or r.valid_to else "—"
        t.add_row(r.table, r.key, r.param, r.text or "（未载入）", r.unit, period, r.version,
                  f"[yellow]{r.status}[/yellow]" if r.status != "confirmed" else r.status, r.source[:40])
    console.print(t)


@factor_app.command("add")
def factor_add(
    table: str = typer.Option(..., "--table", help="因子表，如 grid_statistical"),
    key: str = typer.Option(..., "--key", help="键，如 shanxi"),
    param: str = typer.Option(..., "--param", help="参数，如 ef"),
    value: str = typer.Option(..., "--value", help="数值（按文本精确保存）"),
    unit_: str = typer.Option(..., "--unit", help="单位，如 tCO2/MWh"),
    valid_from: Optional[int] = typer.Option(None, "--from", help="起始年份"),
    valid_to: Optional[int] = typer.Option(None, "--to", help="终止年份"),
    version: str = typer.Option(..., "--version", help="版本号，如 2026-12-局录入"),
    status: str = typer.Option("UNCONFIRMED", "--status", help="confirmed 或 UNCONFIRMED"),
    source: str = typer.Option(..., "--source", help="来源（文件名、文号、网址）"),
) -> None:
    """新增一个因子（如某年的山西省电力排放因子），此后的核算自动采用。"""
    with _session() as s:
        try:
            f, _after = add_factor(s, {"table": table, "key": key, "param": param, "value": value, "unit": unit_,
                                       "valid_from": valid_from, "valid_to": valid_to, "version": version,
                                       "status": status, "source": source})
        except FactorError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"因子已新增：{f.label} = {f.text} {f.unit}（{f.status}）")


@app.command("plan")
def plan(
    name: str = typer.Option("十五五", "--name", help="规划名称"),
    base: int = typer.Option(..., "--base", help="基年，如 2025"),
    target: str = typer.Option(..., "--target", help="单位GDP二氧化碳排放降低目标（小数，如 0.17）"),
    source: str = typer.Option(..., "--source", help="目标来源（文件与文号）"),
    status: str = typer.Option("UNCONFIRMED", "--status", help="confirmed 或 UNCONFIRMED"),
    gdp_growth_index: Optional[str] = typer.Option(None, "--projected-gdp-index", help="预测GDP指数（上年=100，用于期末允许排放量）"),
) -> None:
    """设置五年规划二氧化碳强度目标（carbon.md §8.4 fyp_co2_intensity_target）。"""
    with _session() as s:
        try:
            p, before, _ = set_plan(s, name, base, target, source=source, status=status, projected_gdp_index=gdp_growth_index)
        except CityDataError as exc:
            _fail(str(exc))
        s.commit()
        console.print(f"{'已更新' if before else '已设置'}目标：{p.name} 基年 {p.base_year}，下降 {Fraction(p.target) * 100}%（{p.target_status}）")


@app.command("balance-set")
def balance_set(
    year: int = typer.Option(..., "--year"),
    period: str = typer.Option("全年", "--period", help="全年、1-3月、1-6月 或 1-9月"),
    item: str = typer.Option(..., "--item", help="能源品种，如 原煤、天然气、电力"),
    use: str = typer.Option(..., "--use", help="用途，如 火力发电及供热、终端消费、净调入、一次电力"),
    quantity: str = typer.Option(..., "--quantity", help="数量（按文本精确保存）"),
    unit_: Optional[str] = typer.Option(None, "--unit", help="单位，如 万t、亿m³、亿kWh（默认 t、万m³、MWh、GJ）"),
    demo: bool = typer.Option(False, "--demo", help="标记为演示/合成数据"),
) -> None:
    """录入能源平衡表的一项（全年或 1—N月累计）。"""
    try:
        months = imports.period_months(period)
    except ValueError as exc:
        _fail(str(exc))
    key, use_key, q, problems = imports.parse_balance_entry(item, use, quantity, unit_)
    if problems:
        _fail("；".join(f"{f}：{r}" for f, r in problems))
    with _session() as s:
        try:
            before, after = set_balance_row(s, year, months, key, use_key, imports.decimal_text(q), demo=demo)
        except CityDataError as exc:
            _fail(str(exc))
        s.commit()
    console.print(f"{'已更新' if before else '已录入'}：{year}年{imports.PERIOD_NAMES[months]} {item}/{use} = {after['quantity']}"
                  + (f"（原为 {before['quantity']}）" if before else ""))


@app.command("gdp-set")
def gdp_set(
    year: int = typer.Option(..., "--year"),
    period: str = typer.Option("全年", "--period", help="全年、1-3月、1-6月 或 1-9月"),
    nominal: Optional[str] = typer.Option(None, "--nominal", help="现价地区生产总值（亿元）"),
    index: Optional[str] = typer.Option(None, "--index", help="不变价指数（上年同期=100）"),
    source: Optional[str] = typer.Option(None, "--source", help="来源（统计公报等）"),
    demo: bool = typer.Option(False, "--demo"),
) -> None:
    """录入地区生产总值与不变价指数。"""
    try:
        months = imports.period_months(period)
    except ValueError as exc:
        _fail(str(exc))
    with _session() as s:
        try:
            before, after = set_gdp(s, year, months, nominal=nominal, index=index, source=source, demo=demo)
        except CityDataError as exc:
            _fail(str(exc))
        s.commit()
    console.print(f"{'已更新' if before else '已录入'}：{year}年{imports.PERIOD_NAMES[months]} 地区生产总值 "
                  f"{after['gdp_nominal'] or '—'} 亿元，指数 {after['gdp_index'] or '—'}")


# --- imports ---------------------------------------------------------------------------------------------


def _print_import(res: imports.CarbonImportResult, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(res.summary(), ensure_ascii=False, indent=1))
    else:
        colour = {"ok": "green", "partial": "yellow", "failed": "red"}[res.status]
        label = {"ok": "已导入", "partial": "部分导入（错误行未导入）", "failed": "未导入（整份文件拒收）"}[res.status]
        console.print(f"[{colour}]{res.file}：{label}[/{colour}]　读取 {res.rows_read} 行，新增 {res.inserted}，"
                      f"更新 {res.updated}，未变 {res.unchanged}" + (f"（与第 {res.previous_batch} 批内容相同）" if res.previous_batch else ""))
        for w in res.warnings:
            console.print(f"[yellow]提示：{w}[/yellow]")
        if res.errors:
            t = Table("行", "字段", "原因", title=f"错误 {len(res.errors)} 处")
            for e in res.errors[:200]:
                t.add_row(str(e.row or "—"), e.field or "—", e.reason)
            console.print(t)
    if res.status == "failed":
        raise typer.Exit(1)


def _run_import(fn, path: Path, fmt: str, **kw) -> None:
    _fmt(fmt, ("table", "json"))
    if not path.is_file():
        _fail(f"文件不存在：{path}")
    data = path.read_bytes()
    with _session() as s:
        try:
            res = fn(s, path, data, **kw)
        except imports.ImportRefused as exc:
            res = exc.result
    _print_import(res, fmt)


@import_app.command("power")
def import_power(
    path: Path = typer.Argument(..., help="月度存证表（.xlsx 或 .csv）"),
    uscc: Optional[str] = typer.Option(None, "--uscc", help="表中无信用代码列时指明企业"),
    keep_valid: bool = typer.Option(False, "--keep-valid", help="有错误行时仍导入正确的行（默认整份拒收）"),
    allow_incomplete_lab: bool = typer.Option(False, "--allow-incomplete-lab", help="化验数据不全的行也存证（交由 K-01/K-02 校核）"),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="工作表名"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """导入发电机组月度存证（燃料、低位发热量、元素碳、化验报告、发电量、供电量、供热量、运行小时）。"""
    _run_import(imports.import_power_months, path, fmt, uscc=uscc, keep_valid=keep_valid,
                strict_lab=not allow_incomplete_lab, sheet=sheet)


@import_app.command("annual")
def import_annual(
    path: Path = typer.Argument(..., help="年度排放报告（月度参数 + 年度排放量）"),
    uscc: Optional[str] = typer.Option(None, "--uscc"),
    keep_valid: bool = typer.Option(False, "--keep-valid"),
    sheet: Optional[str] = typer.Option(None, "--sheet"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """导入企业年度排放报告（供 K-09 与月度存证核对）。"""
    _run_import(imports.import_power_months, path, fmt, kind="annual", uscc=uscc, keep_valid=keep_valid, sheet=sheet)


@import_app.command("cement")
def import_cement(
    path: Path = typer.Argument(..., help="熟料生产线月报"),
    uscc: Optional[str] = typer.Option(None, "--uscc"),
    keep_valid: bool = typer.Option(False, "--keep-valid"),
    sheet: Optional[str] = typer.Option(None, "--sheet"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """导入水泥熟料生产线月报（熟料产量、燃煤、替代原料、氧化物、用电量）。"""
    _run_import(imports.import_cement_months, path, fmt, uscc=uscc, keep_valid=keep_valid, sheet=sheet)


@import_app.command("balance")
def import_balance(
    path: Path = typer.Argument(..., help="城市能源平衡表（年份、期间、能源品种、用途、数量、单位）"),
    demo: bool = typer.Option(False, "--demo", help="标记为演示/合成数据"),
    keep_valid: bool = typer.Option(False, "--keep-valid"),
    sheet: Optional[str] = typer.Option(None, "--sheet"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """导入城市能源平衡表（全年或 1—N月累计）。"""
    _run_import(imports.import_city_balance, path, fmt, demo=demo, keep_valid=keep_valid, sheet=sheet)


@import_app.command("gdp")
def import_gdp(
    path: Path = typer.Argument(..., help="地区生产总值（年份、期间、现价亿元、指数 上年同期=100）"),
    demo: bool = typer.Option(False, "--demo", help="标记为演示/合成数据"),
    keep_valid: bool = typer.Option(False, "--keep-valid"),
    sheet: Optional[str] = typer.Option(None, "--sheet"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """导入地区生产总值及不变价指数。"""
    _run_import(imports.import_city_gdp, path, fmt, demo=demo, keep_valid=keep_valid, sheet=sheet)


# --- checks, enterprises, units ----------------------------------------------------------------------------


def _month(text: str) -> tuple[int, int]:
    try:
        y, m = text.split("-")
        year, month = int(y), int(m)
        if not 1 <= month <= 12:
            raise ValueError
        return year, month
    except ValueError:
        _fail(f"月份“{text}”应为 YYYY-MM，如 2026-10")


@app.command("check")
def check(
    month: str = typer.Option(..., "--month", help="核算月份 YYYY-MM；校核当年 1 月至该月"),
    facility_code: Optional[str] = typer.Option(None, "--facility", help="只校核一个设施"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="按哪天判断存证期限（默认今天，北京时间）"),
    fmt: str = typer.Option("table", "--format", help="table、csv 或 json"),
) -> None:
    """校核月度存证 K-01…K-10（carbon.md §4.2），每台机组一行，列出不通过与预警的数值。"""
    _fmt(fmt, ("table", "csv", "json"))
    year, m = _month(month)
    day = _as_of(as_of)
    with _session() as s:
        units = power_units(s, facility_code)
        if not units:
            _fail("没有已登记的发电机组" + (f"（设施 {facility_code}）" if facility_code else ""))
        factors = library(s)
        evs = []
        with Progress(console=Console(file=sys.stderr), transient=True) as progress:
            task = progress.add_task("校核月度存证", total=len(units))
            for u in units:
                evs.append(evaluate_power_unit(s, u, year, as_of=day, through_month=m, factors=factors))
                progress.update(task, advance=1)
        s.commit()
    rows = []
    for ue in evs:
        me = ue.evaluation.months[m - 1]
        checks = list(me.checks) + (list(ue.evaluation.year_checks) if m == 12 else [])
        for c in checks:
            rows.append({"facility": ue.facility_name, "unit": ue.unit_code, "year": year, "month": c.month, "check": c.check,
                         "name": c.name, "status": c.status.value, "message": c.message, "values": c.values,
                         "run_id": ue.month_run_ids.get(m) if c.month else ue.year_run_id})
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["facility", "unit", "year", "month", "check", "status", "message"])
        for r in rows:
            w.writerow([r["facility"], r["unit"], r["year"], r["month"] or "", r["check"], r["status"], r["message"]])
        typer.echo(buf.getvalue(), nl=False)
        return
    t = Table("设施", "机组", *[f"K-0{i}" for i in range(1, 9)], "结论", title=f"{year}年{m}月 月度存证校核（截至 {day.isoformat()}）")
    for ue in evs:
        me = ue.evaluation.months[m - 1]
        cells = {c.check: c.status.value for c in me.checks}
        t.add_row(ue.facility_name, ue.unit_code,
                  *[f"[{STATUS_STYLE[cells.get(f'K-0{i}', 'n/a')]}]{CHECK_ZH[CheckStatus(cells[f'K-0{i}'])] if f'K-0{i}' in cells else '—'}[/]"
                    for i in range(1, 9)],
                  f"[{STATUS_STYLE[me.status.value]}]{CHECK_ZH[me.status]}[/]")
    console.print(t)
    for r in rows:
        if r["status"] in ("fail", "warn"):
            colour = STATUS_STYLE[r["status"]]
            vals = "；".join(f"{k} {v}" for k, v in r["values"].items())
            console.print(f"[{colour}]{r['facility']} {r['unit']} {r['check']} {r['name']}：{r['message']}[/]" + (f"（{vals}）" if vals else ""))
    fails = sum(1 for r in rows if r["status"] == "fail")
    warns = sum(1 for r in rows if r["status"] == "warn")
    console.print(f"共 {len(evs)} 个核算单元（机组与全厂公用）：不通过 {fails} 项，预警 {warns} 项。不通过项可用 qingshan carbon rectify 校核结果编号 --user 局账号 建立整改事项（编号见 qingshan carbon evidence）。")


@app.command("enterprises")
def enterprises(
    year: int = typer.Option(..., "--year"),
    through: int = typer.Option(12, "--through", help="截至月份（1—12）"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """重点企业清单：各设施的校核状态与累计排放。"""
    _fmt(fmt, ("table", "json"))
    with _session() as s:
        rows = enterprise_list(s, year, as_of=_as_of(as_of), through_month=through)
        s.commit()
    if fmt == "json":
        typer.echo(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=1))
        return
    t = Table("设施", "企业", "行业", "机组", "状态", "不通过", "预警", f"1—{through}月排放(tCO2)", title=f"{year}年 重点企业碳排放")
    for r in rows:
        t.add_row(r.name + ("（演示）" if r.demo else ""), r.enterprise, "发电" if r.sector == "power" else "水泥熟料",
                  str(len(r.units)), f"[{STATUS_STYLE[r.status]}]{r.status_zh}[/]", str(r.fails), str(r.warns), r.co2.value)
    console.print(t)


@app.command("detail")
def detail(
    unit_id: int = typer.Argument(..., help="机组编号（数据库 id，见 enterprises --format json）"),
    year: int = typer.Option(..., "--year"),
    through: int = typer.Option(12, "--through"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """一台机组的逐月明细：排放、煤耗、强度与校核。"""
    _fmt(fmt, ("table", "json"))
    with _session() as s:
        try:
            d = unit_detail(s, unit_id, year, as_of=_as_of(as_of), through_month=through)
        except CityDataError as exc:
            _fail(str(exc))
        s.commit()
    if fmt == "json":
        typer.echo(json.dumps(d.model_dump(), ensure_ascii=False, indent=1))
        return
    t = Table("月", "排放(tCO2)", "采用CC(tC/GJ)", "供电煤耗(gce/kWh)", "厂用电率(%)", "负荷系数", "状态",
              title=f"{d.facility} {d.name} {year}年" + ("（演示数据）" if d.demo else ""))
    for m in d.months:
        f = m.figures
        get = lambda k: f[k].value if k in f else "—"  # noqa: E731
        t.add_row(str(m.month), get("e_total"), get("cc_used"), get("supply_coal_rate"), get("aux_rate"), get("load_factor"),
                  f"[{STATUS_STYLE[m.status]}]{m.status_zh}[/]")
    console.print(t)
    yf = d.year_figures
    console.print(f"年度：排放 {yf['e_total'].value} tCO2，供电煤耗 {yf['supply_coal_rate'].value} gce/kWh，"
                  f"供电碳排放强度 {yf['supply_intensity'].value} tCO2/MWh（因子状态：{yf['e_total'].status}）")


# --- city and tracking -------------------------------------------------------------------------------------


_PERIODS = {"全年": 12, "1-3月": 3, "1-6月": 6, "1-9月": 9, "12": 12, "3": 3, "6": 6, "9": 9}


@app.command("city")
def city(
    year: int = typer.Option(..., "--year"),
    period: str = typer.Option("全年", "--period", help="全年、1-3月、1-6月 或 1-9月"),
    trade: str = typer.Option("net_import_adjusted", "--electricity-trade",
                              help="net_import_adjusted（含净调入电力，默认）或 territorial（属地）"),
    no_enterprise: bool = typer.Option(False, "--no-enterprise-data", help="电厂不采用企业核算数据（use_enterprise_data_for_power=false）"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """城市能源活动二氧化碳排放与双控指标（carbon.md §8.1—§8.3）。"""
    _fmt(fmt, ("table", "json"))
    if period not in _PERIODS:
        _fail("--period 应为 全年、1-3月、1-6月 或 1-9月")
    if trade not in ("net_import_adjusted", "territorial"):
        _fail("--electricity-trade 应为 net_import_adjusted 或 territorial")
    settings = CitySettings(electricity_trade_treatment=trade, use_enterprise_data_for_power=not no_enterprise)
    with _session() as s:
        try:
            rep = city_report(s, year, as_of=_as_of(as_of), months=_PERIODS[period], settings=settings)
        except (CityDataError, FactorMissing) as exc:
            _fail(str(exc))
        s.commit()
    if fmt == "json":
        typer.echo(json.dumps(rep.model_dump(), ensure_ascii=False, indent=1))
        return
    if rep.demo:
        console.print(f"[bold red]⚠ {rep.demo_note}[/bold red]")
    t = Table("指标", "数值", "单位", "因子状态", title=f"大同市 {rep.period} 碳排放与双控指标（{'含净调入电力' if trade == 'net_import_adjusted' else '属地口径'}）")
    for f in rep.figures.values():
        t.add_row(f.label, f.value, f.unit, f"[yellow]{f.status}[/yellow]" if f.status == "UNCONFIRMED" else f.status)
    console.print(t)
    for w in rep.warnings:
        console.print(f"[yellow]提示：{w}[/yellow]")


def _track_table(rows, title: str, demo: bool) -> None:
    t = Table("年份", "年降幅 r(%)", "累计降幅 R(%)", "完成进度 P(%)", "时序进度 τ(%)", "所需年均降幅(%)", "状态", title=title)
    for r in rows:
        p = r.published()
        st = r.status
        t.add_row(str(r.year), p["r"] or "—", p["R"] or "—", p["P"] or "—", p["tau"], p["r_req"] or "—",
                  f"[{STATUS_STYLE.get(st, 'dim')}]{STATUS_ZH.get(st, '—') if st else '—'}[/]")
    if demo:
        console.print("[bold red]⚠ 演示/合成数据：非大同市真实统计[/bold red]")
    console.print(t)


@app.command("track")
def track_cmd(
    base: int = typer.Option(..., "--base", help="基年，如 2025"),
    target: Optional[str] = typer.Option(None, "--target", help="降低目标（小数，如 0.17）；不给则用已设置的规划目标"),
    series: Optional[Path] = typer.Option(None, "--series", help="CSV：year,co2_t,gdp_index（不读数据库）"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """五年二氧化碳强度目标跟踪（carbon.md §8.4）：年降幅、累计降幅、完成进度、所需年均降幅与红黄绿状态。"""
    _fmt(fmt, ("table", "json"))
    tgt = None
    if target is not None:
        try:
            tgt = Fraction(target.strip())
        except (ValueError, ZeroDivisionError):
            _fail(f"目标“{target}”不是数字")
    if series is not None:
        if not series.is_file():
            _fail(f"文件不存在：{series}")
        try:
            rows = read_series(series, series.read_bytes())
            t = track(rows, base, tgt)
        except SeriesFileError as exc:
            for e in exc.errors:
                console.print(f"[red]{e}[/red]")
            raise typer.Exit(1)
        except TrackingError as exc:
            _fail(str(exc))
        for w in t.warnings:
            Console(file=sys.stderr).print(f"[yellow]提示：{w}[/yellow]")
        if fmt == "json":
            typer.echo(json_text(json_rows(t)))
        else:
            _track_table(t.rows, f"二氧化碳强度目标跟踪（{series.name}，基年 {base}）", False)
        return
    with _session() as s:
        try:
            rep = city_trend(s, as_of=_as_of(as_of), base_year=base, target=tgt)
        except (CityDataError, TrackingError, FactorMissing) as exc:
            _fail(str(exc))
        s.commit()
    if fmt == "json":
        keys = ("year", "r", "R", "P", "tau", "r_req", "status")
        typer.echo(json_text([{k: getattr(r, k) for k in keys} for r in rep.rows if r.year > base]))
        return
    if rep.target is None:
        console.print("[yellow]未给出目标：只列年降幅与累计降幅[/yellow]")
    t = Table("年份", "排放(tCO2)", "强度(tCO2/万元)", "强度指数", "目标路径", "r(%)", "R(%)", "P(%)", "τ(%)", "所需年均降幅(%)", "状态",
              title=f"大同市二氧化碳强度目标跟踪（基年 {base}，目标下降 {rep.target or '—'}%）")
    for r in rep.rows:
        t.add_row(str(r.year), r.co2.value if r.co2 else "—", r.co2_intensity.value if r.co2_intensity else "—",
                  r.intensity_index or "—", r.target_path_index, r.r or "—", r.R or "—", r.P or "—", r.tau, r.r_req or "—",
                  f"[{STATUS_STYLE.get(r.status or '', 'dim')}]{r.status_zh or '—'}[/]")
    if rep.demo:
        console.print("[bold red]⚠ 演示/合成数据：非大同市真实统计[/bold red]")
    console.print(t)
    if rep.allowed_intensity_end:
        console.print(f"{rep.allowed_intensity_end.label}：{rep.allowed_intensity_end.value} {rep.allowed_intensity_end.unit}")
    if rep.allowed_co2_end:
        console.print(f"{rep.allowed_co2_end.label}：{rep.allowed_co2_end.value} tCO2")
    for w in rep.warnings:
        console.print(f"[yellow]提示：{w}[/yellow]")


@app.command("status")
def status(
    year: int = typer.Option(..., "--year"),
    months: int = typer.Option(12, "--months", help="1—N月（12 为全年）"),
    as_of: Optional[str] = typer.Option(None, "--as-of"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """通报“目标任务”一栏：二氧化碳强度进度状态与所需年均降幅。"""
    _fmt(fmt, ("table", "json"))
    if not 1 <= months <= 12:
        _fail("--months 应在 1—12 之间")
    with _session() as s:
        st = co2_intensity_status(s, year, as_of=_as_of(as_of), months=months)
        s.commit()
    if fmt == "json":
        typer.echo(json.dumps(st.model_dump(), ensure_ascii=False, indent=1))
        return
    colour = STATUS_STYLE.get(st.status or "", "dim")
    console.print(f"{st.period} 单位GDP二氧化碳排放：[{colour}]{st.status_zh or '无数据'}[/]；"
                  f"累计下降 {st.R or '—'}%，完成进度 {st.P or '—'}%（时序进度 {st.tau or '—'}%），"
                  f"剩余年份需年均下降 {st.r_req or '—'}%。{st.note}" + ("（演示/合成数据）" if st.demo else ""))


@app.command("evidence")
def evidence(
    year: int = typer.Option(..., "--year"),
    month: Optional[int] = typer.Option(None, "--month"),
) -> None:
    """列出不通过的校核项，输出整改台账所需材料（JSON；立项用 qingshan carbon rectify 或网页）。"""
    with _session() as s:
        ids = failed_checks(s, year, month)
        typer.echo(json.dumps([check_evidence(s, i) for i in ids], ensure_ascii=False, indent=1, default=str))



@app.command("rectify")
def rectify(
    check_row_id: int = typer.Argument(..., help="校核结果编号（qingshan carbon evidence 输出的 check_row_id）"),
    username: str = typer.Option(..., "--user", help="办理人：局系统管理员或局科室工作人员的账号"),
    lead_unit: Optional[str] = typer.Option(None, "--lead-unit", help="牵头单位（名称或代码；默认为设施所在区县）"),
    deadline: Optional[str] = typer.Option(None, "--deadline", help="整改时限 YYYY-MM-DD"),
) -> None:
    """为一项不通过的校核结果建立整改台账事项（附校核计算存证），并记入审计日志。"""
    with _session() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            _fail(f"账号“{username}”不存在或已停用")
        try:
            item = service.open_rectification(s, SYSTEM, user, check_row_id, lead_unit=lead_unit, deadline=deadline,
                                              home=home_dir(), max_bytes=CLI_ATTACHMENT_MAX)
        except DomainError as exc:
            _fail(exc.message)
    console.print(f"已建立整改事项 {item.code}（校核结果 {check_row_id}，存证 SHA-256 {item.evidence_sha256}）")
