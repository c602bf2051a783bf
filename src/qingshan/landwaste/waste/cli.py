"""``qingshan waste …``: general industrial solid-waste ledgers (import, balance check, rates
against targets, one generator's ledger), storage and landfill sites, targets; hazardous-waste
manifests (import, time-limit alarms, open/overdue list) and the HJ 1259 ledger.

Exit status of the imports: 0 — imported, no errors; 2 — imported with row errors (listed);
1 — refused, nothing imported.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Optional

import typer

from qingshan.landwaste.cli_common import OutputFormat, console, emit, fail, print_load_result, session
from qingshan.landwaste.sheets import ImportRefused, parse_day, parse_month
from qingshan.core import clock
from qingshan.core.audit import SYSTEM
from qingshan.landwaste.waste import alarm_items, hw_ledger, ledger, manifests, registry
from qingshan.landwaste.waste.report import balance_failures, generator_ledger, waste_rates
from qingshan.standards import solid_waste as sw
from qingshan.standards.cn_calendar import add_months

app = typer.Typer(no_args_is_help=True, help="工业固体废物台账、利用处置率，危险废物转移联单")
manifests_app = typer.Typer(no_args_is_help=True, help="危险废物转移联单：导入、时限预警、在途与逾期")
hw_app = typer.Typer(no_args_is_help=True, help="危险废物管理台账（HJ 1259—2022）")
app.add_typer(manifests_app, name="manifests")
app.add_typer(hw_app, name="hw-ledger")


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError as exc:
        fail(str(exc))


def _month_end(text: str) -> date:
    first = _month(text)
    return add_months(first, 1) - timedelta(days=1)


def _day(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return parse_day(text)
    except ValueError as exc:
        fail(str(exc))


def _run_import(fn, file: Path, **kw) -> None:
    with session() as s:
        try:
            result = fn(s, file, **kw)
        except ImportRefused as exc:
            s.commit()
            print_load_result(exc.result)
            raise typer.Exit(1)
        s.commit()
    print_load_result(result)
    if result.errors:
        raise typer.Exit(2)


@app.command("import")
def import_ledger(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="台账 Excel（月汇总、去向）或 CSV"),
    all_or_nothing: bool = typer.Option(False, "--all-or-nothing", help="任何一行有错则整个文件不导入"),
) -> None:
    """导入一般工业固体废物月度台账（平衡校验未通过的月份记录为“被拒”，不计入利用率）。"""
    _run_import(ledger.import_ledger, file, all_or_nothing=all_or_nothing)


@app.command("balance")
def balance(
    enterprise: Optional[str] = typer.Option(None, "--enterprise", help="企业统一社会信用代码"),
    first: Optional[str] = typer.Option(None, "--from", help="起始月份 YYYY-MM"),
    last: Optional[str] = typer.Option(None, "--to", help="截止月份 YYYY-MM"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """列出平衡校验未通过的月份（残差、问题）和期初期末不衔接的月份。"""
    with session() as s:
        rows = balance_failures(s, uscc=enterprise, first=_month(first) if first else None,
                                last=_month_end(last) if last else None)
    data = [{"uscc": b.uscc, "enterprise": b.enterprise, "month": f"{b.month:%Y-%m}", "waste_code": b.waste_code,
             "residual_t": b.residual_t, "problems": "；".join(b.problems_zh), "row": b.source_row, "kind": b.kind} for b in rows]
    emit(data, [("enterprise", "企业"), ("uscc", "信用代码"), ("month", "月份"), ("waste_code", "代码"), ("residual_t", "残差 t"),
                ("problems", "问题"), ("row", "台账行号"), ("kind", "类型")], fmt,
         title="平衡校验：G = (U − U_p) + S + (D − D_p) + X" if data else "平衡校验：全部通过")
    if not data and fmt == OutputFormat.table:
        console.print("没有未通过平衡校验的月份")


@app.command("rates")
def rates(
    first: str = typer.Option(..., "--from", help="起始月份 YYYY-MM"),
    last: str = typer.Option(..., "--to", help="截止月份 YYYY-MM"),
    level: str = typer.Option("county", "--level", help="city、county 或 enterprise"),
    comparison: str = typer.Option("exact", "--comparison", help="与目标比较：exact（不修约）或 published（两位小数）"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """综合利用率、处置率（企业、区县、全市）与目标比较。"""
    try:
        settings = sw.Settings(rate_target_comparison=comparison)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(str(exc))
    with session() as s:
        rep = waste_rates(s, _month(first), _month_end(last), settings=settings)
    rows = {"city": [rep.city] if rep.city else [], "county": list(rep.counties), "enterprise": list(rep.enterprises)}.get(level)
    if rows is None:
        fail("--level 应为 city、county 或 enterprise")
    met = {True: "达标", False: "未达标", None: ""}
    data = [{"code": r.code, "name": r.name, "generated_t": r.generated_t, "utilised_t": r.utilised_t,
             "utilised_prior_t": r.utilised_prior_t, "utilisation_pct": r.utilisation_pct,
             "utilisation_target": r.utilisation_target_pct or "", "utilisation_met": met[r.utilisation_met],
             "disposed_t": r.disposed_t, "disposal_pct": r.disposal_pct, "incomplete": len(r.incomplete),
             "demo": "演示" if r.demo else ""} for r in rows]
    emit(data, [("name", "名称"), ("code", "代码"), ("generated_t", "产生量 t"), ("utilised_t", "利用量 t"),
                ("utilised_prior_t", "利用往年贮存 t"), ("utilisation_pct", "综合利用率 %"), ("utilisation_target", "目标 %"),
                ("utilisation_met", "是否达标"), ("disposed_t", "处置量 t"), ("disposal_pct", "处置率 %"),
                ("incomplete", "缺月/被拒"), ("demo", "标注")], fmt, title=f"{rep.label} 一般工业固体废物利用处置")
    if fmt == OutputFormat.table:
        for n in rep.notes:
            console.print(f"注：{n}")


@app.command("ledger")
def show_ledger(
    enterprise: str = typer.Argument(..., help="企业统一社会信用代码"),
    first: Optional[str] = typer.Option(None, "--from"),
    last: Optional[str] = typer.Option(None, "--to"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """一家产废单位的月度台账（含去向）。"""
    with session() as s:
        led = generator_ledger(s, enterprise, first=_month(first) if first else None, last=_month_end(last) if last else None)
    if led is None:
        fail(f"未登记信用代码为「{enterprise}」的企业")
    data = [{"month": f"{m.month:%Y-%m}", "waste_code": m.waste_code, "waste_name": m.waste_name or "", **m.figures_t,
             "status": "通过" if m.status == "accepted" else "被拒：" + "；".join(m.problems_zh),
             "rate": m.utilisation_pct, "receivers": "；".join(f"{r['receiver']} {r['quantity_t']} t" for r in m.receivers)}
            for m in led.months]
    emit(data, [("month", "月份"), ("waste_code", "代码"), ("waste_name", "名称"), ("generated", "产生 t"),
                ("utilised_self", "自行利用 t"), ("utilised_outsourced", "委托利用 t"), ("utilised_prior", "利用往年 t"),
                ("disposed_self", "自行处置 t"), ("disposed_outsourced", "委托处置 t"), ("disposed_prior", "处置往年 t"),
                ("stored", "贮存 t"), ("dumped", "倾倒丢弃 t"), ("opening_stock", "期初 t"), ("closing_stock", "期末 t"),
                ("rate", "利用率 %"), ("status", "平衡校验"), ("receivers", "去向")], fmt, title=f"{led.name}（{led.uscc}）")


@app.command("target")
def target(
    scope: str = typer.Option(..., "--scope", help="city、county 或 enterprise"),
    code: str = typer.Option(..., "--code", help="区划代码或信用代码"),
    year: int = typer.Option(..., "--year"),
    indicator: str = typer.Option("utilisation", "--indicator", help="utilisation 或 disposal"),
    percent: str = typer.Option(..., "--percent", help="目标值（%，≥）"),
    source: Optional[str] = typer.Option(None, "--source", help="目标来源文件"),
) -> None:
    """设定利用率或处置率目标（≥）。"""
    with session() as s:
        try:
            before, after = registry.set_target(s, scope, code, year, indicator, percent, source)
        except registry.WasteRegistryError as exc:
            fail(str(exc))
        s.commit()
    console.print(f"目标已设定：{scope} {code} {year} {indicator} ≥ {after['target_percent']}%"
                  + (f"（原为 {before['target_percent']}%）" if before else ""))


@app.command("site")
def site(
    code: str = typer.Argument(...),
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option(..., "--kind", help="storage（贮存场）或 landfill（填埋场）"),
    cls: str = typer.Option(..., "--class", help="GB 18599 类别 I 或 II"),
    county: Optional[str] = typer.Option(None, "--county"),
    enterprise: Optional[str] = typer.Option(None, "--enterprise", help="运营企业信用代码"),
    waste_codes: Optional[str] = typer.Option(None, "--codes", help="贮存/填埋的废物代码，分号分隔"),
) -> None:
    """登记贮存场、填埋场及其 GB 18599 类别。"""
    with session() as s:
        try:
            st = registry.add_site(s, code, name, kind, cls, county_code=county, enterprise_uscc=enterprise,
                                   waste_codes=waste_codes)
        except registry.WasteRegistryError as exc:
            fail(str(exc))
        s.commit()
        console.print(f"场地已登记：{st.code} {st.name}（{sw.SITE_KINDS[st.kind]}，{sw.CLASS_ZH[st.gb18599_class]}）")


@app.command("sites")
def sites(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """列出贮存场、填埋场（GB 18599 类别、停用后应启动封场的期限）。"""
    with session() as s:
        rows = registry.list_sites(s)
    for r in rows:
        r["demo"] = "演示" if r["demo"] else ""
    emit(rows, [("code", "编号"), ("name", "名称"), ("kind", "类型"), ("class", "GB 18599 类别"), ("county", "区县"),
                ("enterprise", "运营企业"), ("waste_codes", "废物代码"), ("status", "状态"), ("closure_due", "封场启动期限"),
                ("demo", "标注")], fmt, title="一般工业固体废物贮存场、填埋场")


@manifests_app.command("import")
def manifests_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    all_or_nothing: bool = typer.Option(False, "--all-or-nothing"),
) -> None:
    """导入危险废物转移联单（联单编号、移出人、接受单位、废物代码、数量、状态与日期），随后按今天计算时限预警。"""
    try:
        _run_import(manifests.import_manifests, file, all_or_nothing=all_or_nothing)
    except typer.Exit as exc:
        if exc.exit_code == 2:  # imported with row errors: what was kept is checked too
            _alarms(clock.today(), "0", show_overdue=False)
        raise
    _alarms(clock.today(), "0", show_overdue=False)


def _alarms(today: date, threshold: str, *, show_overdue: bool = True) -> None:
    with session() as s:
        done = alarm_items.run_alarms(s, SYSTEM, today, receipt_discrepancy_threshold=threshold)
        s.commit()
        rep = manifests.manifest_report(s, today)
    run = done.run
    console.print(f"{today}：新开预警 {len(run.opened)} 条，解除 {len(run.resolved)} 条，在办 {run.open_total} 条（{run.calendar_version}）；"
                  f"台账新建事项 {len(done.items_opened)} 项")
    for x in run.opened:
        console.print(f"[red]新预警[/red] {x}")
    for x in done.items_opened:
        console.print(f"[red]已建台账事项[/red]（环境风险隐患·危险废物，系统自动）{x}")
    if show_overdue:
        _print_manifests(list(rep.overdue), OutputFormat.table, "逾期联单")


@manifests_app.command("alarms")
def manifests_alarms(
    day: Optional[str] = typer.Option(None, "--date", help="检查日期（默认今天）"),
    threshold: str = typer.Option("0", "--threshold", help="接受数量差异阈值（t，默认 0）"),
) -> None:
    """计算时限预警（接收确认 5 个工作日、纸质联单补录 10 个工作日）与数量差异并保存；逾期联单自动在环境风险隐患台账建立事项（每张联单一项）。"""
    _alarms(_day(day), threshold)


def _print_manifests(rows, fmt: OutputFormat, title: str) -> None:
    data = [{"number": r.number, "transferor": r.transferor, "receiver": r.receiver, "waste_code": r.waste_code,
             "quantity_t": r.quantity_t, "accepted_t": r.accepted_t, "state": r.state_zh,
             "received_on": r.received_on, "confirm_due": r.confirm_due, "confirmed_on": r.confirmed_on,
             "alarms": "；".join(manifests.ALARM_ZH[a].split("（")[0] for a in r.alarms), "demo": "演示" if r.demo else ""}
            for r in rows]
    emit(data, [("number", "联单编号"), ("transferor", "移出人"), ("receiver", "接受单位"), ("waste_code", "废物代码"),
                ("quantity_t", "数量 t"), ("accepted_t", "接受 t"), ("state", "状态"), ("received_on", "接收日期"),
                ("confirm_due", "确认期限"), ("confirmed_on", "确认日期"), ("alarms", "预警"), ("demo", "标注")], fmt, title=title)


@manifests_app.command("list")
def manifests_list(
    which: str = typer.Option("open", "--which", help="open（在途未办结）、overdue（逾期）或 discrepancy（数量差异）"),
    day: Optional[str] = typer.Option(None, "--date", help="日期（默认今天）"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """列出在途、逾期或有数量差异的联单（预警以最近一次 alarms 计算为准）。"""
    with session() as s:
        rep = manifests.manifest_report(s, _day(day))
    rows = {"open": rep.open, "overdue": rep.overdue, "discrepancy": rep.discrepancies}.get(which)
    if rows is None:
        fail("--which 应为 open、overdue 或 discrepancy")
    _print_manifests(list(rows), fmt, {"open": "在途联单", "overdue": "逾期联单", "discrepancy": "数量差异联单"}[which])


@hw_app.command("import")
def hw_import(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """导入危险废物管理台账记录（产生、入库、出库、转移、自行利用、自行处置）。"""
    _run_import(hw_ledger.import_hw_ledger, file)


@hw_app.command("summary")
def hw_summary(enterprise: Optional[str] = typer.Option(None, "--enterprise"),
               fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """按企业、月份、废物代码汇总危险废物台账。"""
    with session() as s:
        rows = hw_ledger.hw_ledger_summary(s, uscc=enterprise)
    data = [{"enterprise": r.enterprise, "month": f"{r.month:%Y-%m}", "waste_code": r.waste_code,
             **{k: v for k, v in r.quantities_t.items()}, "stock_change_t": r.stock_change_t} for r in rows]
    cols = [("enterprise", "企业"), ("month", "月份"), ("waste_code", "废物代码")] + [
        (zh, f"{zh} t") for zh in hw_ledger.ACTION_ZH.values()] + [("stock_change_t", "库存变化 t")]
    emit(data, cols, fmt, title="危险废物管理台账（HJ 1259—2022）")
