"""``qingshan targets``: import units/targets/manual inputs, list them, set one, track status."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from qingshan.standards import target_tracking as tt
from qingshan.targets.indicators import INDICATORS

app = typer.Typer(help="年度目标：单位与站点名单、目标、手工录入、目标跟踪", no_args_is_help=True)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{what} 应为 YYYY-MM-DD，收到 {text!r}") from None


@app.command("import")
def import_cmd(path: Path = typer.Argument(..., help="Excel 工作簿（工作表：单位、站点、断面、目标、手工录入）")) -> None:
    """从 Excel 导入单位、站点/断面名单、年度目标和手工录入（整个文件要么全部导入，要么不导入）。"""
    from qingshan.targets.excel import ImportFailed, import_workbook
    from qingshan.targets.store import TargetStore

    if not path.exists():
        typer.echo(f"错误：找不到文件 {path}", err=True)
        raise typer.Exit(1)
    from qingshan.store.registry import StationRegistry

    store = TargetStore()
    reg = StationRegistry(store.url, auto_migrate=False, engine=store.engine)
    try:
        s = import_workbook(store, path, known_stations=set(reg.stations_frame()["code"]))
    except ImportFailed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    typer.echo(f"已导入 {s.file}：单位 {s.units}，站点名单 {s.station_lists}，断面名单 {s.section_lists}，"
               f"目标 {s.targets}，手工录入 {s.manual_inputs}；其中有变化 {s.changed} 项。")


@app.command("list")
def list_cmd(year: int = typer.Option(..., "--year", help="年度"),
             format: str = typer.Option("table", "--format", help="table 或 json")) -> None:  # noqa: A002
    """列出某年度的目标。"""
    from qingshan.targets.store import TargetStore, row_dict

    store = TargetStore()
    try:
        rows = store.targets(year)
        units = {u.code: u.name for u in store.units()}
    finally:
        store.close()
    if format == "json":
        typer.echo(json.dumps([row_dict(r) for r in rows], ensure_ascii=False, indent=1, default=str))
        return
    t = Table(title=f"{year}年年度目标")
    for c in ("单位", "指标", "方向", "目标值", "扣沙", "上年值", "依据文件"):
        t.add_column(c)
    for r in rows:
        ind = INDICATORS.get(r.indicator)
        t.add_row(units.get(r.unit_code, r.unit_code), ind.label if ind else r.indicator,
                  "≤" if r.direction == "le" else "≥", r.value, r.dust_rule, r.base_value or "", r.source_doc)
    Console().print(t)


@app.command("set")
def set_cmd(year: int = typer.Option(..., "--year"), unit: str = typer.Option(..., "--unit", help="单位代码"),
            indicator: str = typer.Option(..., "--indicator", help="、".join(INDICATORS)),
            value: str = typer.Option(..., "--value", help="目标值（如 27、85.0）"),
            source: str = typer.Option(..., "--source", help="依据文件（文号）"),
            base: str = typer.Option(None, "--base", help="上年值（序时进度用）"),
            dust: str = typer.Option("none", "--dust", help="扣沙规则：none、ratio、concentrations、both")) -> None:
    """设置一项年度目标（显示修改前后）。"""
    from qingshan.targets.store import TargetsError, TargetStore

    store = TargetStore()
    try:
        before, after = store.upsert_target(year, unit, indicator, value, source, base_value=base, dust_rule=dust)
    except TargetsError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    typer.echo(f"修改前：{before['value'] if before else '（无）'}；修改后：{after['value']}（{after['source_doc']}）")


@app.command("status")
def status_cmd(day: str = typer.Option(..., "--date", help="数据截止日期 YYYY-MM-DD（含）"),
               format: str = typer.Option("table", "--format", help="table 或 json")) -> None:  # noqa: A002
    """年度目标跟踪：年剩余日控制值、优良天数与重污染天数余量、可达性（assessment-bulletin.md §3）。"""
    from qingshan.targets.context import NoUnitsError
    from qingshan.targets.tracking import build_status, to_json_dict

    if format not in ("table", "json"):
        raise typer.BadParameter("--format 只能是 table 或 json")
    d = _day(day, "--date")
    console = Console(stderr=True)
    try:
        with console.status(f"读取并评价 {d.year}年1月1日至{d} 的空气质量数据…"):
            rep = build_status(None, d)
    except NoUnitsError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    if format == "json":
        typer.echo(json.dumps(to_json_dict(rep), ensure_ascii=False, indent=1, default=str))
        return
    print_status(Console(), rep)


def print_status(out: Console, rep) -> None:
    """The tracking report as Rich tables (``qingshan targets status``)."""
    # imported here like the command's other heavy modules (keeps ``qingshan --help`` fast);
    # ``rep`` was built by this module, so it is loaded already
    from qingshan.targets.tracking import heavy_cell

    if rep.demo:
        out.print("[red]【演示】目标为虚构的演示目标。[/red]")
    t = Table(title=f"{rep.year}年空气质量目标跟踪（数据截至 {rep.day}，剩余 {rep.remaining_days} 天）")
    for c in ("单位", "PM2.5目标", "1月1日至今", "剩余日控制值", "同期历史最好/中位/最差", "可达性", "优良天数目标/已达/尚需/可超标",
              "可达性", "重污染上限/已发生/剩余"):
        t.add_column(c)
    for r in rep.rows:
        t.add_row("全市" if r.is_city else r.name, r.pm25_target, r.pm25_ytd,
                  r.pm25_R + (f" {r.pm25_verdict}" if r.pm25_verdict else ""),
                  f"{r.pm25_hist_best}/{r.pm25_hist_median}/{r.pm25_hist_worst}",
                  tt.FEASIBILITY_LABELS.get(r.pm25_class or "", "—"),
                  f"{r.good_target}/{r.good_so_far if r.good_so_far is not None else '—'}/"
                  f"{r.good_need if r.good_need is not None else '—'}/"
                  f"{r.polluted_allowed if r.polluted_allowed is not None else '—'}",
                  tt.FEASIBILITY_LABELS.get(r.good_class or "", "—"),
                  heavy_cell(r))
    out.print(t)
    if rep.other:
        o = Table(title="水环境与碳排放强度目标")
        for c in ("指标", "目标", "实际", "状态"):
            o.add_column(c)
        for x in rep.other:
            o.add_row(x.label, x.target, x.actual, x.status)
        out.print(o)
    out.print("[dim]剩余日控制值按 target_rounding=exact 计算、向下取整（§3.2，UNCONFIRMED）；可达性分级为设计规则（§3.4）。[/dim]")


__all__ = ["app", "print_status"]
