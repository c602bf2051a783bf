"""``qingshan import``: CNEMC station files and bureau tables (CSV/Excel) into the store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qingshan.ingest.result import ImportFailed, ImportResult

app = typer.Typer(help="导入监测数据：CNEMC 小时数据文件、业务科室导出的 CSV/Excel 表", no_args_is_help=True)
console = Console()


def _summary(results: list[ImportResult], max_errors: int) -> None:
    t = Table(title="导入结果")
    for col in ("文件", "编码", "读取行", "导入行", "拒绝行", "写入数值", "新登记站点", "状态"):
        t.add_column(col)
    for r in results:
        t.add_row(
            r.path.name,
            r.encoding or "",
            str(r.rows_read),
            str(r.rows_kept),
            str(r.rows_rejected),
            str(r.values_written),
            str(r.stations_registered),
            ("成功" if r.previous_batch is None else f"成功（该文件已于批次 {r.previous_batch} 导入，数据未重复）")
            if r.ok
            else "[red]失败，未写入[/red]",
        )
    console.print(t)
    errors = [e for r in results for e in r.errors]
    if not errors:
        return
    et = Table(title=f"被拒绝的行与数值（共 {len(errors)} 条，显示前 {min(max_errors, len(errors))} 条）")
    for col in ("文件", "行", "字段", "原因"):
        et.add_column(col)
    for e in errors[:max_errors]:
        et.add_row(e.file, "" if e.row is None else str(e.row), e.field or "", e.reason)
    console.print(et)
    if len(errors) > max_errors:
        console.print(f"……另有 {len(errors) - max_errors} 条未显示；全部记录在数据库 import_errors 表中。")


def _run(files: list[Path], fn, max_errors: int) -> None:
    from qingshan.store.observations import ObservationStore

    results: list[ImportResult] = []
    failed = False
    with ObservationStore() as store:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=True,
        ) as progress:
            task = progress.add_task("导入", total=len(files))
            for f in files:
                progress.update(task, description=f"导入 {f.name}")
                try:
                    results.append(fn(f, store))
                except ImportFailed as exc:
                    results.append(exc.result)
                    failed = True
                progress.advance(task)
    _summary(results, max_errors)
    if failed:
        raise typer.Exit(code=1)


FilesArg = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="要导入的文件")
MaxErrors = typer.Option(20, "--max-errors", help="汇总表中最多显示的错误条数")


@app.command("cnemc")
def cnemc(
    files: list[Path] = FilesArg,
    register_stations: bool = typer.Option(False, "--register-stations", help="把文件中未登记的站点登记入库"),
    city: str | None = typer.Option(None, "--city", help="只导入该城市（area 列，如 大同市）的行"),
    max_errors: int = MaxErrors,
) -> None:
    """导入 CNEMC 小时站点数据（O₃ 1 小时值取自 o3_24h 列，见 docs/ingest-and-store.md）。"""
    from qingshan.ingest.cnemc import import_cnemc

    _run(files, lambda f, s: import_cnemc(f, s, register_stations=register_stations, city=city), max_errors)


@app.command("table")
def table(
    files: list[Path] = FilesArg,
    hour_label: str = typer.Option("end", "--hour-label", help="时间列表示小时的结束（end，默认）还是开始（start）"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel 工作表名（默认第一个）"),
    max_errors: int = MaxErrors,
) -> None:
    """导入业务表格（CSV 或 .xlsx）：站点、时间、污染物、浓度、标记（可选）。"""
    from qingshan.ingest.table import import_table

    if hour_label not in ("end", "start"):
        raise typer.BadParameter("只能是 end 或 start", param_hint="--hour-label")
    _run(files, lambda f, s: import_table(f, s, hour_label=hour_label, sheet=sheet), max_errors)


@app.command("batches")
def batches(last: int = typer.Option(20, "--last", help="显示最近的批次数")) -> None:
    """列出最近的导入批次（文件、编码、行数、状态）。"""
    from qingshan.store.observations import ObservationStore

    with ObservationStore() as store:
        frame = store.batches()
    t = Table(title="导入批次")
    for col in ("批次", "类型", "文件", "编码", "读取行", "导入行", "拒绝行", "写入数值", "状态", "开始时间"):
        t.add_column(col)
    for r in (frame.tail(last).iter_rows(named=True) if frame.height else []):
        t.add_row(
            str(r["id"]), r["kind"], Path(r["file_name"] or "").name, r["encoding"] or "", str(r["rows_read"]),
            str(r["rows_kept"]), str(r["rows_rejected"]), str(r["values_written"]),
            {"ok": "成功", "failed": "[red]失败[/red]"}.get(r["status"], r["status"]),
            f"{r['started_at']:%Y-%m-%d %H:%M:%S}" if r["started_at"] else "",
        )
    console.print(t)


@app.command("errors")
def errors(
    batch: int = typer.Argument(..., help="批次号（见 qingshan import batches）"),
    max_errors: int = typer.Option(200, "--max-errors", help="最多显示的条数"),
) -> None:
    """显示某个导入批次被拒绝的行与数值。"""
    from qingshan.store.observations import ObservationStore

    with ObservationStore() as store:
        frame = store.errors(batch)
    t = Table(title=f"批次 {batch} 的错误（共 {frame.height} 条）")
    for col in ("行", "字段", "原因"):
        t.add_column(col)
    for r in frame.head(max_errors).iter_rows(named=True):
        t.add_row("" if r["row"] is None else str(r["row"]), r["field"] or "", r["reason"])
    console.print(t)
