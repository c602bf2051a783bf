"""``qingshan import``: CNEMC station files and bureau tables (CSV/Excel) into the store."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qingshan.ingest.result import ImportFailed, ImportReport, ImportResult, IssueKind, IssueModel, RowError
from qingshan.store.staging import AcrossFiles, WithinFile

app = typer.Typer(help="导入监测数据：CNEMC 小时数据文件、业务科室导出的 CSV/Excel 表", no_args_is_help=True)
console = Console()

_KIND_LABEL = {
    IssueKind.REJECTED: "未导入", IssueKind.FLAGGED: "已标记", IssueKind.SKIPPED: "重复跳过",
    IssueKind.REPLACED: "已替换", IssueKind.KEPT: "保留已存",
}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _status(r: ImportResult) -> str:
    if r.status == "skipped":
        return f"已跳过（同一文件已于批次 {r.previous_batch} 导入，内容未变；加 --force 重新导入）"
    return "成功" if r.ok else "[red]失败，未写入[/red]"


def _summary(results: list[ImportResult], max_errors: int) -> None:
    t = Table(title="导入结果")
    for col in ("文件", "编码", "读取/导入/拒绝行", "写入/标记/拒绝数值", "新站点", "状态"):
        t.add_column(col)
    for r in results:
        t.add_row(
            r.path.name, r.encoding or "", f"{r.rows_read}/{r.rows_kept}/{r.rows_rejected}",
            f"{r.values_written}/{r.values_flagged}/{r.values_rejected}", str(r.stations_registered), _status(r),
        )
    console.print(t)
    errors = [e for r in results for e in r.errors]
    total = sum(r.issues_total for r in results)
    if not total:
        return
    et = Table(title=f"被拒绝、标记或替换的行与数值（共 {total} 条，显示前 {min(max_errors, len(errors))} 条）")
    for col in ("文件", "行", "字段", "处理", "原因"):
        et.add_column(col)
    for e in errors[:max_errors]:
        et.add_row(e.file, "" if e.row is None else str(e.row), e.field or "", _KIND_LABEL[e.kind], e.reason)
    console.print(et)
    if total > max_errors:
        console.print(f"……另有 {total - max_errors} 条未显示；全部记录在数据库 import_errors 表中"
                      "（qingshan import errors 批次号）。")


def _all_issues(store, r: ImportResult) -> list[RowError] | None:
    """Every issue of the file: from memory, or from ``import_errors`` when memory kept only some."""
    if r.batch_id is None or len(r.errors) >= r.issues_total:
        return None
    frame = store.errors(r.batch_id)
    return [RowError(r.path.name, row, field, reason, IssueKind(kind))
            for row, field, reason, kind in frame.select("row", "field", "reason", "kind").iter_rows()]


def _run(files: list[Path], fn, max_errors: int, fmt: OutputFormat) -> None:
    from qingshan.store.observations import ObservationStore

    results: list[ImportResult] = []
    failed = False
    quiet = fmt is OutputFormat.json
    with ObservationStore() as store:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True, disable=quiet,
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
        if quiet:
            report = ImportReport(ok=not failed, files=[r.summary(_all_issues(store, r)) for r in results])
            typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=1))
    if not quiet:
        _summary(results, max_errors)
    if failed:
        raise typer.Exit(code=1)


FilesArg = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="要导入的文件")
MaxErrors = typer.Option(20, "--max-errors", help="汇总表中最多显示的错误条数")
Format = typer.Option(OutputFormat.table, "--format", help="table：表格；json：机器可读的汇总与每条问题（供自动化使用）")
Force = typer.Option(False, "--force", help="即使同一文件（SHA-256 相同、选项相同）已导入过，也重新导入")
WithinOpt = typer.Option(WithinFile.REJECT, "--within-file",
                         help="同一文件内同一站点同一小时有不同数值：reject 均不导入（默认）、first 取第一行、last 取最后一行")
AcrossOpt = typer.Option(AcrossFiles.REPLACE, "--across-files",
                         help="与其他文件已存的数值不同：replace 以本文件替换（默认，逐条报告）、keep 保留已存数值")
BoundsOpt = typer.Option(None, "--bounds", exists=True, dir_okay=False,
                         help="合理性上限配置文件（TOML，按污染物与来源；默认为内置 HJ 653/654 量程）")
TrustLast = typer.Option(False, "--trust-last-line", help="文件末行没有换行符时也导入该行（默认视为可能被截断而拒绝）")


def _settings(force: bool, within: WithinFile, across: AcrossFiles, bounds: Path | None, trust_last_line: bool):
    from qingshan.ingest.plausibility import BoundsError, PlausibilityBounds
    from qingshan.ingest.writer import ImportSettings

    try:
        loaded = PlausibilityBounds.load(bounds) if bounds is not None else None
    except BoundsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--bounds") from None
    return ImportSettings(within_file=within, across_files=across, bounds=loaded, force=force,
                          trust_last_line=trust_last_line)


@app.command("cnemc")
def cnemc(
    files: list[Path] = FilesArg,
    register_stations: bool = typer.Option(False, "--register-stations", help="把文件中未登记的站点登记入库"),
    city: str | None = typer.Option(None, "--city", help="只导入该城市（area 列，如 大同市）的行"),
    max_errors: int = MaxErrors,
    fmt: OutputFormat = Format,
    force: bool = Force,
    within_file: WithinFile = WithinOpt,
    across_files: AcrossFiles = AcrossOpt,
    bounds: Path | None = BoundsOpt,
    trust_last_line: bool = TrustLast,
) -> None:
    """导入 CNEMC 小时站点数据（O₃ 1 小时值取自 o3_24h 列，见 docs/ingest-and-store.md）。"""
    from qingshan.ingest.cnemc import import_cnemc

    settings = _settings(force, within_file, across_files, bounds, trust_last_line)
    _run(files, lambda f, s: import_cnemc(f, s, register_stations=register_stations, city=city, settings=settings),
         max_errors, fmt)


@app.command("table")
def table(
    files: list[Path] = FilesArg,
    hour_label: str = typer.Option("end", "--hour-label", help="时间列表示小时的结束（end，默认）还是开始（start）"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel 工作表名（默认第一个）"),
    max_errors: int = MaxErrors,
    fmt: OutputFormat = Format,
    force: bool = Force,
    within_file: WithinFile = WithinOpt,
    across_files: AcrossFiles = AcrossOpt,
    bounds: Path | None = BoundsOpt,
    trust_last_line: bool = TrustLast,
) -> None:
    """导入业务表格（CSV 或 .xlsx）：站点、时间、污染物、浓度、标记（可选）。"""
    from qingshan.ingest.table import import_table

    if hour_label not in ("end", "start"):
        raise typer.BadParameter("只能是 end 或 start", param_hint="--hour-label")
    settings = _settings(force, within_file, across_files, bounds, trust_last_line)
    _run(files, lambda f, s: import_table(f, s, hour_label=hour_label, sheet=sheet, settings=settings), max_errors, fmt)


_STATUS = {"ok": "成功", "failed": "[red]失败[/red]", "skipped": "已跳过（文件未变）", "running": "进行中",
           "publishing": "写入中"}


@app.command("batches")
def batches(last: int = typer.Option(20, "--last", help="显示最近的批次数")) -> None:
    """列出最近的导入批次（文件、编码、行数、状态）。"""
    from qingshan.store.observations import ObservationStore

    with ObservationStore() as store:
        frame = store.batches()
    t = Table(title="导入批次")
    for col in ("批次", "类型", "文件", "编码", "读取/导入/拒绝行", "写入/标记数值", "状态", "开始时间"):
        t.add_column(col)
    for r in (frame.tail(last).iter_rows(named=True) if frame.height else []):
        status = _STATUS.get(r["status"], r["status"])
        if r["status"] == "skipped" and r.get("previous_batch_id"):
            status = f"已跳过（同批次 {r['previous_batch_id']}）"
        t.add_row(
            str(r["id"]), r["kind"], Path(r["file_name"] or "").name, r["encoding"] or "",
            f"{r['rows_read']}/{r['rows_kept']}/{r['rows_rejected']}", f"{r['values_written']}/{r['values_flagged']}",
            status, f"{r['started_at']:%Y-%m-%d %H:%M:%S}" if r["started_at"] else "",
        )
    console.print(t)


@app.command("errors")
def errors(
    batch: int = typer.Argument(..., help="批次号（见 qingshan import batches）"),
    max_errors: int = typer.Option(200, "--max-errors", help="最多显示的条数"),
    fmt: OutputFormat = Format,
) -> None:
    """显示某个导入批次被拒绝、标记或替换的行与数值。"""
    from qingshan.store.observations import ObservationStore

    with ObservationStore() as store:
        frame = store.errors(batch)
    if fmt is OutputFormat.json:
        issues = [IssueModel(row=r, field=f, kind=k, reason=w).model_dump()
                  for r, f, w, k in frame.select("row", "field", "reason", "kind").iter_rows()]
        typer.echo(json.dumps({"batch_id": batch, "issues": issues}, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"批次 {batch} 的问题（共 {frame.height} 条）")
    for col in ("行", "字段", "处理", "原因"):
        t.add_column(col)
    for r in frame.head(max_errors).iter_rows(named=True):
        t.add_row("" if r["row"] is None else str(r["row"]), r["field"] or "", _KIND_LABEL[IssueKind(r["kind"])],
                  r["reason"])
    console.print(t)
