"""``qingshan water …``: classify files, import data, the section registry, the report.

``qingshan water stations link|list|unlink`` keeps the HJ 212 device ↔ section links
(:mod:`qingshan.water.stations`); ``qingshan water sync-hj212`` imports the linked stations'
values from the gateway's values table (:mod:`qingshan.water.hj212_sync`).

``qingshan water import FILE --kind cnemc|lab`` is the water importer; when the domains are
merged it is also mounted as ``qingshan import water``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from qingshan.config import database_url
from qingshan.core.audit import SYSTEM
from qingshan.core.errors import DomainError
from qingshan.standards import gb3838
from qingshan.water.files import FileRefused, RowError

app = typer.Typer(no_args_is_help=True, help="地表水：断面水质类别、数据导入、断面登记与评价报告")
sections_app = typer.Typer(no_args_is_help=True, help="断面登记：列出、新增、修改、目标、导入与导出")
app.add_typer(sections_app, name="sections")
stations_app = typer.Typer(no_args_is_help=True, help="自动站设备（HJ 212 MN）与断面的关联：关联、列出、解除")
app.add_typer(stations_app, name="stations")
console = Console()
err = Console(stderr=True)


def _print_errors(errors: list[RowError], max_errors: int, title: str = "被拒绝的行与数值") -> None:
    if not errors:
        return
    t = Table(title=f"{title}（共 {len(errors)} 条，显示前 {min(max_errors, len(errors))} 条）")
    for col in ("文件", "行", "字段", "原因"):
        t.add_column(col)
    for e in errors[:max_errors]:
        t.add_row(e.file, "" if e.row is None else str(e.row), e.field or "", e.reason)
    err.print(t)


def _registry_water_bodies() -> dict[str, str]:
    """Section name/code → water body from the configured registry, if one exists. Never
    creates a database: a missing SQLite file or a missing table means "no registry"."""
    url = database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return {}
    eng = create_engine(url)
    try:
        if not inspect(eng).has_table("water_sections"):
            return {}
        from qingshan.water.registry import sections_frame

        frame = sections_frame(eng)
    except DBAPIError as exc:
        err.print(f"[yellow]未能读取断面登记（{type(exc).__name__}），未登记的断面按河流评价[/yellow]")
        return {}
    finally:
        eng.dispose()
    out: dict[str, str] = {}
    for code, name, wb in frame.select("code", "name", "water_body").iter_rows():
        out[code] = wb
        out.setdefault(name, wb)
    return out


@app.command("classify")
def classify_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="数据文件（CSV 或 .xlsx）"),
    fmt: str = typer.Option("cnemc", "--format", help="cnemc：国家地表水自动监测实时数据（两种类别编码均可）；table：实验室长表"),
    sections: Path | None = typer.Option(None, "--sections", exists=True, dir_okay=False,
                                         help="断面文件（至少 name,water_body 两列；river/lake/reservoir）"),
    out: Path | None = typer.Option(None, "-o", "--output", help="输出 CSV（默认打印到标准输出）"),
    year: int | None = typer.Option(None, "--year", help="监测时间只有月日时所用的年份（默认：文件的抓取年份列，否则当年）"),
    use_registry: bool = typer.Option(True, "--registry/--no-registry", help="未列入断面文件的断面是否查询已有的断面登记"),
    max_errors: int = typer.Option(20, "--max-errors", help="最多显示的错误条数"),
) -> None:
    """按 GB 3838—2002 单因子评价法给出每行的水质类别（不需要数据库）。

    输出列：section,time,class,main_pollutants,items_evaluated,limit_tie。
    limit_tie 为 true 表示起决定作用的数值恰在类别限值上（发布类别可能为更差一类）。
    """
    from qingshan.water.classify_file import OUTPUT_COLUMNS, classify_cnemc, classify_table, read_water_bodies

    if fmt not in ("cnemc", "table"):
        raise typer.BadParameter("只能是 cnemc 或 table", param_hint="--format")
    try:
        bodies = _registry_water_bodies() if use_registry else {}
        if sections is not None:
            bodies.update(read_water_bodies(sections))
        if fmt == "cnemc":
            result = classify_cnemc(file, water_bodies=bodies, year=year)
        else:
            result = classify_table(file, water_bodies=bodies)
    except FileRefused as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(OUTPUT_COLUMNS)
    for r in result.rows:
        w.writerow([r[c] for c in OUTPUT_COLUMNS])
    if out is None:
        sys.stdout.write(buf.getvalue())
    else:
        out.write_text(buf.getvalue(), encoding="utf-8")
    n_pub, n_eq, n_tie, bad = result.agreement()
    ties = sum(1 for r in result.rows if r["limit_tie"] == "true")
    msg = f"{file.name}：{len(result.rows)} 行，给出类别 {result.n_classified} 行，限值边界 {ties} 行"
    if n_pub:
        msg += f"；与文件中发布的类别一致 {n_eq}/{n_pub}（不一致且非限值边界 {len(bad)} 行）"
    if result.water_bodies:
        msg += "；水体类型 " + "、".join(f"{k} {v}" for k, v in sorted(result.water_bodies.items()))
    err.print(msg)
    _print_errors(result.errors, max_errors)


def _written(r) -> str:
    """The 写入数值 cell: values inserted or replaced; of them the replaced ones, and apart the
    values already stored unchanged (not rewritten), so that a re-import does not claim to have
    written what it left as it was — e.g. ``8``, ``2（替换 1，未变 7）``, ``0（未变 8）``."""
    more = [f"{label} {n}" for label, n in (("替换", r.values_replaced), ("未变", r.values_unchanged)) if n]
    return f"{r.values_written}（{'，'.join(more)}）" if more else str(r.values_written)


@app.command("import")
def import_command(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="要导入的文件"),
    kind: str = typer.Option(..., "--kind", help="cnemc：国家地表水自动监测数据；lab：实验室监测结果长表"),
    register_sections: bool = typer.Option(False, "--register-sections", help="（cnemc）把未登记的断面登记入库"),
    year: int | None = typer.Option(None, "--year", help="（cnemc）监测时间只有月日时所用的年份"),
    sheet: str | None = typer.Option(None, "--sheet", help="（lab）Excel 工作表名"),
    fmt: str = typer.Option("table", "--format", help="table 或 json（导入摘要）"),
    max_errors: int = typer.Option(20, "--max-errors", help="最多显示的错误条数"),
) -> None:
    """导入地表水监测数据（每个文件一个事务；逐行报告错误，有效行只导入一次）。"""
    from qingshan.water.importer import WaterImportFailed, import_cnemc, import_lab
    from qingshan.water.store import WaterStore

    if kind not in ("cnemc", "lab"):
        raise typer.BadParameter("只能是 cnemc 或 lab", param_hint="--kind")
    if fmt not in ("table", "json"):
        raise typer.BadParameter("只能是 table 或 json", param_hint="--format")
    results = []
    failed = False
    with WaterStore() as store, Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=err, transient=True,
    ) as progress:
        task = progress.add_task("导入", total=len(files))
        for f in files:
            progress.update(task, description=f"导入 {f.name}")
            try:
                if kind == "cnemc":
                    results.append(import_cnemc(f, store, year=year, register_sections=register_sections))
                else:
                    results.append(import_lab(f, store, sheet=sheet))
            except WaterImportFailed as exc:
                results.append(exc.result)
                failed = True
            progress.advance(task)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2) + "\n")
    else:
        t = Table(title="导入结果")
        for col in ("文件", "编码", "读取行", "导入行", "拒绝行", "写入数值", "新登记断面", "状态"):
            t.add_column(col)
        for r in results:
            state = ("成功" if r.previous_batch is None else f"成功（该文件已于批次 {r.previous_batch} 导入，数据未重复）") \
                if r.ok else "[red]失败，未写入[/red]"
            t.add_row(r.path.name, r.encoding or "", str(r.rows_read), str(r.rows_kept), str(r.rows_rejected),
                      _written(r), str(r.sections_registered), state)
        console.print(t)
        _print_errors([e for r in results for e in r.errors], max_errors)
    if failed:
        raise typer.Exit(code=1)


@app.command("report")
def report_command(
    start: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD（含当日）"),
    fmt: str = typer.Option("table", "--format", help="table、csv（断面表）或 json（完整报告）"),
    city_levels: str = typer.Option("国考", "--city-levels", help="参与全市 CWQI 的断面级别，逗号分隔"),
) -> None:
    """地表水评价报告：断面类别、目标与达标、主要污染指标，区县与全市 CWQI 排名及变化，劣Ⅴ类断面。"""
    from qingshan.water.render import print_report
    from qingshan.water.report import NO_DATA, build_report

    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("只能是 table、csv 或 json", param_hint="--format")
    try:
        d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise typer.BadParameter("日期格式应为 YYYY-MM-DD") from None
    if d1 < d0:
        raise typer.BadParameter("结束日期早于开始日期", param_hint="--to")
    report = build_report(None, d0, d1 + timedelta(days=1), city_levels=tuple(x.strip() for x in city_levels.split(",") if x.strip()))
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["断面编码", "断面", "河流", "区县", "级别", "类别", "目标", "达标", "水质状况", "主要污染指标", "CWQI",
                    "上年同期类别", "变化", "演示"])
        for r in report.sections:
            w.writerow([r.code, r.name, r.river or "", r.county_name or r.county_code or "", r.control_level or "",
                        r.class_label, r.target_label, "" if r.attained is None else ("是" if r.attained else "否"),
                        NO_DATA if r.no_data else (r.status or ""), r.main_pollutants_label, r.cwqi_text, r.previous_label, r.change,
                        "是" if r.demo else ""])
        sys.stdout.write(buf.getvalue())
    else:
        print_report(console, report)


@app.command("batches")
def batches_command(last: int = typer.Option(20, "--last", help="显示最近的批次数")) -> None:
    """列出最近的地表水导入批次。"""
    from qingshan.water.store import WaterStore

    with WaterStore() as store:
        frame = store.batches()
    t = Table(title="地表水导入批次")
    for col in ("批次", "类型", "文件", "编码", "读取行", "导入行", "拒绝行", "写入数值", "状态"):
        t.add_column(col)
    for r in (frame.tail(last).iter_rows(named=True) if frame.height else []):
        t.add_row(str(r["id"]), r["kind"], Path(r["file_name"] or "").name, r["encoding"] or "", str(r["rows_read"]),
                  str(r["rows_kept"]), str(r["rows_rejected"]), str(r["values_written"]),
                  {"ok": "成功", "failed": "[red]失败[/red]"}.get(r["status"], r["status"]))
    console.print(t)


# --- sections ------------------------------------------------------------------------------


def _session():
    from qingshan.water.store import WaterStore

    store = WaterStore()
    return store, Session(store.engine)


@sections_app.command("list")
def sections_list(
    fmt: str = typer.Option("table", "--format", help="table、csv 或 json"),
    year: int | None = typer.Option(None, "--year", help="同时列出该年的目标类别"),
) -> None:
    """列出已登记的断面。"""
    import polars as pl

    from qingshan.water.registry import LABELS, sections_frame, targets

    store, s = _session()
    try:
        frame = sections_frame(store.engine)
        if year is not None:
            t = targets(store.engine, year).select(pl.col("code"), pl.col("target_class"))
            frame = frame.join(t, on="code", how="left")
    finally:
        s.close()
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(frame.to_dicts(), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":
        sys.stdout.write(frame.write_csv())
        return
    t = Table(title=f"断面登记（共 {frame.height} 个）")
    cols = ("code", "name", "river", "water_body", "county_code", "control_level", "seq", "downstream_code", "demo")
    for c in cols:
        t.add_column(LABELS[c])
    if year is not None:
        t.add_column(f"{year}年目标")
    for r in frame.iter_rows(named=True):
        cells = ["" if r[c] is None else ("是" if r[c] is True else "" if r[c] is False else str(r[c])) for c in cols]
        if year is not None:
            cells.append(gb3838.class_label(r.get("target_class")))
        t.add_row(*cells)
    console.print(t)


@sections_app.command("add")
def sections_add(
    code: str = typer.Option(..., "--code", help="断面编码"),
    name: str = typer.Option(..., "--name", help="断面名称"),
    river: str | None = typer.Option(None, "--river", help="河流（湖库点位填湖库名称）"),
    basin: str | None = typer.Option(None, "--basin", help="流域"),
    water_body: str = typer.Option("river", "--water-body", help="river / lake / reservoir"),
    county_code: str | None = typer.Option(None, "--county", help="区县代码（GB/T 2260）"),
    control_level: str | None = typer.Option(None, "--level", help="国考 / 省考 / 市考"),
    lon: float | None = typer.Option(None, "--lon"),
    lat: float | None = typer.Option(None, "--lat"),
    responsible_unit: str | None = typer.Option(None, "--unit", help="责任单位"),
    seq: int | None = typer.Option(None, "--seq", help="沿河顺序（上游在前）"),
    downstream_code: str | None = typer.Option(None, "--downstream", help="下游断面编码"),
) -> None:
    """登记一个断面（记入审计日志）。"""
    from qingshan.water import service

    store, s = _session()
    try:
        row = service.add_section(s, SYSTEM, None, dict(
            code=code, name=name, river=river, basin=basin, water_body=water_body, county_code=county_code,
            control_level=control_level, lon=lon, lat=lat, responsible_unit=responsible_unit, seq=seq,
            downstream_code=downstream_code))
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    console.print(f"已登记断面 {row['code']} {row['name']}")


@sections_app.command("set")
def sections_set(
    code: str = typer.Argument(..., help="断面编码"),
    values: list[str] = typer.Argument(..., help="字段=值，如 control_level=国考 water_body=lake"),
) -> None:
    """修改断面字段（字段=值），并显示修改前后（记入审计日志）。"""
    from qingshan.water import service
    from qingshan.water.registry import LABELS, get_section

    changes = {}
    for v in values:
        if "=" not in v:
            raise typer.BadParameter(f"「{v}」应为 字段=值")
        k, val = v.split("=", 1)
        changes[k.strip()] = val
    store, s = _session()
    try:
        before = get_section(s, code) or {}
        after = service.update_section(s, SYSTEM, None, code, changes)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    for k in changes:
        console.print(f"{LABELS.get(k, k)}：{before.get(k)!s} → {after.get(k)!s}")


@sections_app.command("target")
def sections_target(
    code: str = typer.Argument(..., help="断面编码"),
    year: int = typer.Argument(..., help="年份"),
    target_class: str = typer.Argument(..., help="目标类别（Ⅲ、III 或 3；劣Ⅴ 为 6）"),
) -> None:
    """设置断面某年的考核目标类别（记入审计日志）。"""
    from qingshan.water import service
    from qingshan.water.registry import targets

    store, s = _session()
    try:
        old = {c: k for c, _y, k in targets(store.engine, year).iter_rows()}.get(code)
        after = service.set_target(s, SYSTEM, None, code, year, target_class)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    console.print(f"{code} {year} 年目标：{gb3838.class_label(old) or '无'} → {gb3838.class_label(after['target_class'])}")


@sections_app.command("import")
def sections_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV 或 .xlsx"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel 工作表名"),
    max_errors: int = typer.Option(20, "--max-errors"),
) -> None:
    """从 CSV/Excel 登记或更新断面（含 YYYY年目标 列）；逐行报告错误（记入审计日志）。"""
    from qingshan.water import service

    store, s = _session()
    try:
        try:
            res = service.import_sections(s, SYSTEM, None, file.name, file.read_bytes(), sheet=sheet)
        except DomainError as exc:
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    console.print(f"{file.name}：读取 {res.rows_read} 行，新增 {res.added}，更新 {res.updated}，设置目标 {res.targets_set}，错误 {len(res.errors)}")
    _print_errors(res.errors, max_errors)
    if res.errors:
        raise typer.Exit(code=1)


@sections_app.command("export")
def sections_export(
    file: Path = typer.Argument(..., help="输出文件（.csv 或 .xlsx）"),
    year: int | None = typer.Option(None, "--year", help="同时导出该年的目标类别"),
) -> None:
    """导出断面登记（CSV 为带 BOM 的 UTF-8，便于 Excel 打开）。"""
    from qingshan.water.registry import export_sections
    from qingshan.water.store import WaterStore

    with WaterStore() as store:
        n = export_sections(store.engine, file, year=year)
    console.print(f"已导出 {n} 个断面到 {file}")


# --- HJ 212 automatic stations ----------------------------------------------------------------


def _pairs(values: list[str], what: str, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        k, sep, val = v.partition("=")
        if not sep or not k.strip() or not val.strip():
            raise typer.BadParameter(f"「{v}」应为 {what}", param_hint=option)
        out[k.strip()] = val.strip()
    return out


def _day(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("日期格式应为 YYYY-MM-DD", param_hint=option) from None
    return datetime(d.year, d.month, d.day)


@stations_app.command("link")
def stations_link(
    mn: str = typer.Argument(..., help="设备 MN（HJ 212 表 3：24 位十六进制）"),
    section_code: str = typer.Argument(..., help="断面编码（须已登记）"),
    code: list[str] = typer.Option([], "--code", help="项目=因子编码，如 as=w20141（该站上报此项目所用的编码）"),
    unit: list[str] = typer.Option([], "--unit", help="因子编码=单位，如 w20141=μg/L（与因子表默认单位不同时）"),
    valid_from: str | None = typer.Option(None, "--valid-from", help="有效期开始 YYYY-MM-DD（含）"),
    valid_to: str | None = typer.Option(None, "--valid-to", help="有效期结束 YYYY-MM-DD（不含）"),
) -> None:
    """把自动站设备（MN）关联到断面；已关联的 MN 改为新的关联（记入审计日志）。"""
    from qingshan.water import service

    codes, units = _pairs(code, "项目=因子编码", "--code"), _pairs(unit, "因子编码=单位", "--unit")
    t0, t1 = _day(valid_from, "--valid-from"), _day(valid_to, "--valid-to")
    store, s = _session()
    try:
        row = service.link_station(s, SYSTEM, None, mn, section_code, codes=codes, units=units,
                                   valid_from=t0, valid_to=t1)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    extra = "；".join(x for x in (
        "编码 " + "、".join(f"{k}={v}" for k, v in sorted(row["codes"].items())) if row["codes"] else "",
        "单位 " + "、".join(f"{k}={v}" for k, v in sorted(row["units"].items())) if row["units"] else "") if x)
    console.print(f"已关联设备 {row['mn']} → 断面 {row['section_code']}" + (f"（{extra}）" if extra else ""))


@stations_app.command("list")
def stations_list(fmt: str = typer.Option("table", "--format", help="table 或 json")) -> None:
    """列出自动站设备与断面的关联（含已解除的）。"""
    from qingshan.water.stations import list_links

    if fmt not in ("table", "json"):
        raise typer.BadParameter("只能是 table 或 json", param_hint="--format")
    store, s = _session()
    try:
        rows = list_links(s)
    finally:
        s.close()
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    t = Table(title=f"自动站设备关联（共 {len(rows)} 个）")
    for col in ("设备 MN", "断面编码", "项目编码", "单位", "有效期", "状态"):
        t.add_column(col, no_wrap=col in ("设备 MN", "断面编码"))  # copied by operators: never broken
    for r in rows:
        span = "" if r["valid_from"] is None and r["valid_to"] is None else (
            f"{r['valid_from']:%Y-%m-%d}" if r["valid_from"] else "") + "～" + (
            f"{r['valid_to']:%Y-%m-%d}" if r["valid_to"] else "")
        t.add_row(r["mn"], r["section_code"], "、".join(f"{k}={v}" for k, v in sorted(r["codes"].items())),
                  "、".join(f"{k}={v}" for k, v in sorted(r["units"].items())), span,
                  "有效" if r["active"] else "已解除")
    console.print(t)


@stations_app.command("unlink")
def stations_unlink(mn: str = typer.Argument(..., help="设备 MN")) -> None:
    """解除设备与断面的关联（保留记录，不再同步其数据；记入审计日志）。"""
    from qingshan.water import service

    store, s = _session()
    try:
        before = service.unlink_station(s, SYSTEM, None, mn)
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        s.close()
        store.close()
    console.print(f"已解除设备 {mn} 与断面 {before['section_code']} 的关联")


@app.command("sync-hj212")
def sync_hj212_command(
    start: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD（含当日）"),
    cn: str = typer.Option("2061", "--cn", help="2061 小时数据或 2031 日数据"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
) -> None:
    """把已关联自动站的 HJ 212 数据导入为地表水监测值（重复运行不会重复写入）。"""
    from qingshan.water.hj212_sync import SYNC_CNS, sync_hj212
    from qingshan.water.importer import WaterImportFailed

    if cn not in SYNC_CNS:
        raise typer.BadParameter("只能是 2061（小时）或 2031（日）", param_hint="--cn")
    if fmt not in ("table", "json"):
        raise typer.BadParameter("只能是 table 或 json", param_hint="--format")
    t0, t1 = _day(start, "--from"), _day(end, "--to")
    if t1 < t0:
        raise typer.BadParameter("结束日期早于开始日期", param_hint="--to")
    try:
        res = sync_hj212(None, t0, t1 + timedelta(days=1), cn=cn)
    except WaterImportFailed as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from None
    if fmt == "json":
        sys.stdout.write(json.dumps(res.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    # soft_wrap: a line per count and per note, never broken mid-sentence (operators grep them)
    console.print(f"HJ 212 同步（CN {cn}，{start} 至 {end}）", soft_wrap=True)
    console.print(f"关联设备 {res.devices} 台；读取数值 {res.values_read} 个（有效期外 {res.values_outside_validity} 个）；"
                  f"写入观测值 {res.observations_written} 个（新增 {res.observations_new} 个）；批次 {res.batch_id}",
                  soft_wrap=True)
    if res.notes:
        console.print(f"未导入或按默认处理（{len(res.notes)} 条）：", soft_wrap=True)
        for n in res.notes:
            console.print(f"  设备 {n.mn}{f' 因子 {n.factor}' if n.factor else ''}：{n.reason}", soft_wrap=True,
                          markup=False)
