"""``qingshan ponds …``: import pond files, list ponds by grade and county, the supervision
calendar with overdue inspections (``due``), one pond's file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from qingshan.core import clock
from qingshan.landwaste.cli_common import OutputFormat, console, emit, fail, print_load_result, session
from qingshan.landwaste.ponds import importer
from qingshan.landwaste.ponds.report import ATTRIBUTE_ZH, pond_file, pond_supervision
from qingshan.landwaste.sheets import ImportRefused, parse_day
from qingshan.standards import tailings_ponds as tp

app = typer.Typer(no_args_is_help=True, help="尾矿库：一库一档、分级监管日历与逾期检查")


def _day(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return parse_day(text)
    except ValueError as exc:
        fail(str(exc))


def _settings(flood_season_start: str) -> tp.Settings:
    try:
        return tp.Settings(flood_season_start=flood_season_start)
    except ValueError as exc:
        fail(f"汛期开始日「{flood_season_start}」无效（MM-DD）：{exc}")


@app.command("import")
def import_ponds(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="尾矿库工作簿（尾矿库、分级、责任单位、检查记录、闭库监测）")) -> None:
    """导入尾矿库档案（一库一档）。"""
    with session() as s:
        try:
            result = importer.import_ponds(s, file)
        except ImportRefused as exc:
            print_load_result(exc.result)
            raise typer.Exit(1)
        s.commit()
    print_load_result(result)
    if result.errors:
        raise typer.Exit(2)


@app.command("list")
def list_ponds(
    year: Optional[int] = typer.Option(None, "--year", help="年份（默认今年）"),
    county: Optional[str] = typer.Option(None, "--county", help="区县代码"),
    grade: Optional[int] = typer.Option(None, "--grade", help="1、2 或 3"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """按分级与区县列出尾矿库及本年监管状态。"""
    today = clock.today()
    year = year or today.year
    with session() as s:
        rep = pond_supervision(s, year, today if year == today.year else date(year, 12, 31), county=county, grade=grade)
    data = [{"code": r.code, "name": r.name, "county": r.county_code, "status": r.status, "grade": r.grade_zh,
             "source": "省级清单" if r.grade_source == "provincial_list" else "未列入清单（按一级）",
             "document": r.grade_document or "", "review": "需复核" if r.review_required else "",
             "overdue": r.overdue, "next_due": r.next_due or "", "demo": "演示" if r.demo else ""} for r in rep.ponds]
    emit(data, [("code", "库编号"), ("name", "名称"), ("county", "区县"), ("status", "状态"), ("grade", "分级"),
                ("source", "分级来源"), ("document", "清单文件"), ("review", "分级复核"), ("overdue", "逾期项"),
                ("next_due", "下一期限"), ("demo", "标注")], fmt, title=f"{year} 年尾矿库分级监管")
    if fmt == OutputFormat.table:
        console.print("分级统计：" + "，".join(f"{k} {v} 座" for k, v in sorted(rep.by_grade.items())))


@app.command("due")
def due(
    day: Optional[str] = typer.Option(None, "--date", help="检查日期（默认今天）"),
    within: int = typer.Option(30, "--within", help="同时列出此天数内到期的事项"),
    county: Optional[str] = typer.Option(None, "--county"),
    flood_season_start: str = typer.Option("06-01", "--flood-season-start", help="汛期开始日 MM-DD（默认 06-01）"),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """列出逾期和即将到期的检查、排查与监测（按分级生成的监管日历）。"""
    today = _day(day)
    with session() as s:
        rep = pond_supervision(s, today.year, today, settings=_settings(flood_season_start), county=county)
    data = []
    for r in rep.ponds:
        for v in r.obligations:
            soon = v.state == "open" and (v.due - today).days <= within
            if v.state == "overdue" or soon:
                data.append({"code": r.code, "name": r.name, "county": r.county_code, "grade": r.grade_zh, "item": v.label,
                             "party": "生态环境部门" if v.party == "bureau" else "运营单位", "due": v.due,
                             "state": v.state_zh, "days_overdue": v.days_overdue or "", "rule": v.rule_status,
                             "demo": "演示" if r.demo else ""})
    data.sort(key=lambda x: (x["state"] != "已逾期", x["due"], x["code"]))
    emit(data, [("code", "库编号"), ("name", "名称"), ("county", "区县"), ("grade", "分级"), ("item", "事项"), ("party", "责任方"),
                ("due", "期限"), ("state", "状态"), ("days_overdue", "逾期天数"), ("rule", "依据状态"), ("demo", "标注")], fmt,
         title=f"{today} 尾矿库监管到期事项")
    if fmt == OutputFormat.table:
        n = sum(1 for x in data if x["state"] == "已逾期")
        console.print(f"逾期 {n} 项；{within} 天内到期 {len(data) - n} 项")


@app.command("file")
def show_file(code: str = typer.Argument(...), day: Optional[str] = typer.Option(None, "--date", help="日期（默认今天）"),
              fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """一座尾矿库的档案（一库一档）。"""
    with session() as s:
        f = pond_file(s, code, _day(day))
    if f is None:
        fail(f"未找到尾矿库「{code}」")
    rows = [{"field": ATTRIBUTE_ZH[k], "value": "、".join(v) if isinstance(v, list) else ("" if v is None else v)}
            for k, v in f.attributes.items()]
    rows.append({"field": "分级", "value": "；".join(f"{g['grade']}（{g['valid_from']} 起，{g['document'] or '文件未填'}）"
                                                    for g in f.grades) or "未列入省级清单"})
    rows.append({"field": "责任单位", "value": "；".join(f"{r['role']}：{r['unit']}" for r in f.responsible)})
    if f.review_required:
        rows.append({"field": "需复核分级", "value": "；".join(f.review_reasons)})
    if f.leachate_may_end_after:
        rows.append({"field": "渗滤液监测可于此日后结束", "value": f.leachate_may_end_after})
    if f.groundwater_may_end_after:
        rows.append({"field": "地下水监测可于此日后结束", "value": f.groundwater_may_end_after})
    for v in f.status.obligations:
        rows.append({"field": f"{v.label}（{v.due}）", "value": v.state_zh + (f"，{v.done_on}" if v.done_on else "")})
    for h in f.hazards:
        rows.append({"field": f"隐患 {h.code}（{h.grade or ''}）", "value": f"{h.title}：{h.status_label}，整治时限 {h.deadline or '未定'}"
                     + ("，已逾期" if h.overdue else "") + (f"，{h.verified_by} 于 {h.verification_on} 核查销号" if h.closed and h.verified_by else "")})
    for a in f.attachments:
        rows.append({"field": f"档案材料 {a.id}", "value": f"{a.filename}（{a.caption or '无说明'}，{a.at}，{a.uploaded_by or ''}）"})
    emit(rows, [("field", "项目"), ("value", "内容")], fmt, title=f"{f.code} {f.attributes['name']}" + ("（演示）" if f.demo else ""))
