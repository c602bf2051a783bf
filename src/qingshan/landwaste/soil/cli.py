"""``qingshan soil …``: classify a long table without a database; register surveys; import points
and results; the overview and one sample's detail.

``qingshan soil classify FILE --standard gb15618|gb36600 -o OUT.csv`` reads a long table with
the columns ``sample_id,land_use,ph,item,value,unit`` (``ph`` may be empty, or absent for GB
36600; an optional ``detection_limit`` column completes bare ``ND``) and writes one row per
sample (contract in docs/landwaste-notes.md). Exit status: 0 — written, no row errors; 2 —
written, with row errors (listed, and in ``--errors``); 1 — refused, nothing written.
"""

from __future__ import annotations

import csv
import os
import tempfile
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from qingshan.landwaste.cli_common import OutputFormat, console, emit, err_console, fail, print_load_result, session
from qingshan.landwaste.sheets import ImportRefused, SheetError, cell_text, find_table, read_sheets
from qingshan.landwaste.soil import importer, registry
from qingshan.landwaste.soil.report import sample_detail, soil_overview
from qingshan.standards import gb15618, gb36600

app = typer.Typer(no_args_is_help=True, help="土壤：按 GB 15618、GB 36600 分类，点位与样品导入")


class Standard(str, Enum):
    gb15618 = "gb15618"
    gb36600 = "gb36600"


CLASSIFY_ALIASES = {
    "sample_id": ("样品编号",), "land_use": ("用地类型", "用地类别"), "ph": ("pH值",), "item": ("项目",),
    "value": ("检测值",), "unit": ("单位",), "detection_limit": ("检出限",),
}


def _write_csv_atomically(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("classify")
def classify(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="长表：sample_id,land_use,ph,item,value,unit"),
    standard: Standard = typer.Option(..., "--standard", help="gb15618（农用地）或 gb36600（建设用地）"),
    out: Path = typer.Option(..., "-o", "--out", help="输出 CSV：每个样品一行"),
    items_out: Optional[Path] = typer.Option(None, "--items", help="另输出每个项目一行（含筛选值、管制值、单项指数）"),
    errors_out: Optional[Path] = typer.Option(None, "--errors", help="另输出逐行问题清单 CSV"),
    stage: str = typer.Option("detailed", "--stage", help="GB 36600 调查阶段：initial（初步调查）或 detailed（详细调查）"),
    background: list[str] = typer.Option([], "--background", help="GB 36600 背景值，如 As=30（可重复；须同时给 --background-source）"),
    background_source: Optional[str] = typer.Option(None, "--background-source", help="背景值来源"),
    missing_ph_policy: str = typer.Option("undetermined", "--missing-ph-policy", help="GB 15618 pH 缺失：undetermined 或 strictest"),
    no_intervention_item_policy: str = typer.Option("flag_only", "--no-intervention-item-policy",
                                                    help="无管制值项目超筛选值：flag_only 或 safe_use"),
) -> None:
    """按 GB 15618 或 GB 36600 对长表中的每个样品分类（无需数据库）。"""
    try:
        (rows, enc), = list(read_sheets(file).values())[:1]
        required = ("sample_id", "land_use", "item", "value", "unit") + (("ph",) if standard == Standard.gb15618 else ())
        sheet, roles = find_table(rows, CLASSIFY_ALIASES, required, file.name, enc)
    except (SheetError, ValueError) as exc:
        fail(str(exc))
    records = []
    for row, cells in sheet.rows:
        rec = {f: (cell_text(cells[i]) if i < len(cells) else "") for f, i in roles.items()}
        rec["row"] = row
        records.append(rec)
    if not records:
        fail(f"{file.name}：没有数据行")
    try:
        if standard == Standard.gb15618:
            settings = gb15618.Settings(missing_ph_policy=missing_ph_policy,  # type: ignore[arg-type]
                                        no_intervention_item_policy=no_intervention_item_policy)  # type: ignore[arg-type]
            results, issues = gb15618.classify_rows(records, settings=settings)
            frame = gb15618.results_frame(results)
            items = gb15618.items_frame(results)
        else:
            bg = None
            if background:
                if not background_source:
                    fail("给出背景值时须用 --background-source 注明来源（soil-waste.md §3.5）")
                pairs = dict(b.split("=", 1) for b in background if "=" in b)
                if len(pairs) != len(background):
                    fail("--background 的写法应为 项目=数值，如 As=30")
                bg = gb36600.BackgroundValues(pairs, background_source)
                bg.resolved()
            results, issues = gb36600.classify_rows(records, stage=stage, background_values=bg)
            frame = gb36600.results_frame(results)
            items = gb36600.items_frame(results)
    except ValueError as exc:
        fail(str(exc))
    _write_csv_atomically(out, frame.columns, [list(r) for r in frame.iter_rows()])
    if items_out:
        _write_csv_atomically(items_out, items.columns, [list(r) for r in items.iter_rows()])
    if errors_out:
        _write_csv_atomically(errors_out, ["file", "row", "sample_id", "field", "code", "level", "message"],
                              [[file.name, str(i.row or ""), i.sample_id, i.field, i.code, i.level, i.message] for i in issues])
    counts: dict[str, int] = {}
    for c in frame["class"].to_list():
        counts[c] = counts.get(c, 0) + 1
    table = Table("类别", "样品数", title=f"{file.name}：{len(results)} 个样品（{results[0].table_version}）")
    for c, n in sorted(counts.items()):
        table.add_row(c, str(n))
    console.print(table)
    errors = [i for i in issues if i.level == "error"]
    for i in issues[:100]:
        colour = "red" if i.level == "error" else "yellow"
        where = f"{file.name}，第 {i.row} 行" + (f"，字段「{i.field}」" if i.field else "")
        err_console.print(f"[{colour}]{'错误' if i.level == 'error' else '提示'}[/{colour}] {where}：{i.message}")
    if len(issues) > 100:
        err_console.print(f"……另有 {len(issues) - 100} 条（用 --errors 输出全部）")
    console.print(f"已写出 {out}")
    if errors:
        raise typer.Exit(2)


@app.command("survey")
def survey(
    code: str = typer.Argument(..., help="调查编号"),
    name: str = typer.Option(..., "--name", help="调查名称"),
    standard: Standard = typer.Option(..., "--standard", help="gb15618 或 gb36600"),
    year: Optional[int] = typer.Option(None, "--year"),
    stage: Optional[str] = typer.Option(None, "--stage", help="建设用地调查阶段：initial 或 detailed"),
) -> None:
    """登记土壤调查（已登记的编号不重复登记）。"""
    with session() as s:
        try:
            sv = registry.add_survey(s, code, name, standard.value, year=year, stage=stage)
        except registry.SoilRegistryError as exc:
            fail(str(exc))
        s.commit()
        console.print(f"调查已登记：{sv.code} {sv.name}（{registry.STANDARDS[sv.standard]}）")


@app.command("import-points")
def import_points(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    all_or_nothing: bool = typer.Option(False, "--all-or-nothing", help="任何一行有错则整个文件不导入"),
) -> None:
    """导入采样点位表（点位编号、调查编号、用地类型、经纬度、区县代码、地块编号）。"""
    with session() as s:
        try:
            result = importer.import_points(s, file, all_or_nothing=all_or_nothing)
        except ImportRefused as exc:
            s.commit()
            print_load_result(exc.result)
            raise typer.Exit(1)
        s.commit()
    print_load_result(result)
    if result.errors:
        raise typer.Exit(2)


@app.command("import")
def import_samples(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    replace: bool = typer.Option(False, "--replace", help="已导入的样品结果不同时，以本文件更正"),
    all_or_nothing: bool = typer.Option(False, "--all-or-nothing", help="任何一行有错则整个文件不导入"),
) -> None:
    """导入样品检测结果长表（样品编号、点位编号、项目、检测值、单位、pH、检出限）。"""
    with session() as s:
        try:
            result = importer.import_samples(s, file, replace=replace, all_or_nothing=all_or_nothing)
        except ImportRefused as exc:
            s.commit()
            print_load_result(exc.result)
            raise typer.Exit(1)
        s.commit()
    print_load_result(result)
    if result.errors:
        raise typer.Exit(2)


@app.command("report")
def report(
    survey_code: Optional[str] = typer.Option(None, "--survey", help="只看一个调查"),
    what: str = typer.Option("points", "--what", help="points（点位）或 plots（地块）"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """点位与地块的分类（点位取最差样品，地块取最差样品）。"""
    with session() as s:
        ov = soil_overview(s, survey_code=survey_code)
    if what == "plots":
        rows = [{"code": p.code, "name": p.name, "county": p.county_code, "standard": p.standard, "class": p.class_key,
                 "class_name": p.class_name, "worst_samples": ";".join(p.worst_samples),
                 "deciding_items": ";".join(p.deciding_items), "decision": p.decision_name or "", "samples": p.samples}
                for p in ov.plots]
        cols = [("code", "地块"), ("name", "名称"), ("county", "区县"), ("standard", "标准"), ("class", "类别"),
                ("class_name", "类别名称"), ("worst_samples", "最差样品"), ("deciding_items", "决定项目"),
                ("decision", "地块结论"), ("samples", "样品数")]
    else:
        rows = [{"code": p.code, "name": p.name, "county": p.county_code, "standard": p.standard, "class": p.class_key,
                 "class_name": p.class_name, "worst_samples": ";".join(p.worst_samples),
                 "deciding_items": ";".join(p.deciding_items), "lon": p.lon, "lat": p.lat, "demo": "演示" if p.demo else ""}
                for p in ov.points]
        cols = [("code", "点位"), ("name", "名称"), ("county", "区县"), ("standard", "标准"), ("class", "类别"),
                ("class_name", "类别名称"), ("worst_samples", "最差样品"), ("deciding_items", "决定项目"),
                ("lon", "经度"), ("lat", "纬度"), ("demo", "标注")]
    emit(rows, cols, fmt, title=f"土壤分类（{'；'.join(ov.table_versions) or '无数据'}）")


@app.command("sample")
def sample(code: str = typer.Argument(..., help="样品编号"), fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """一个样品的逐项结果（含量、筛选值、管制值、类别、单项指数、超标倍数）。"""
    with session() as s:
        d = sample_detail(s, code)
    if d is None:
        fail(f"未找到样品「{code}」")
    if fmt == OutputFormat.table:
        console.print(f"样品 {d.code}（点位 {d.point}，{d.survey}）：[bold]{d.class_name}[/bold]"
                      + (f"，{d.decision_name}" if d.decision_name else "")
                      + (f"；决定项目 {'、'.join(d.deciding_items)}" if d.deciding_items else "")
                      + ("（演示数据）" if d.demo else ""))
    rows = [vars(i) for i in d.items]
    emit(rows, [("item", "项目"), ("name_zh", "名称"), ("content_mg_kg", "含量 mg/kg"), ("screening", "筛选值"),
                ("intervention", "管制值"), ("item_class", "类别"), ("flag", "标注"), ("index", "单项指数"),
                ("multiple", "超标倍数"), ("problem", "问题")], fmt, title=f"{d.table_version}（{d.table_status}）")
