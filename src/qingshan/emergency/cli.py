"""``qingshan emergency …``: heavy-pollution alerts, the emergency list, grades and verification.

``qingshan emergency level FORECAST.csv`` needs no database (it applies air-emergency.md §1 to a
file); every other command works on the configured store (``QINGSHAN_DATABASE_URL``).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.config import database_url
from qingshan.emergency import alerts as alert_svc
from qingshan.emergency import documents, forecasts, grading, listio, lists, queries, report, tables
from qingshan.emergency.errors import EmergencyError, ImportRefused
from qingshan.emergency.verification import local_now, run_verification
from qingshan.sources.models import Enterprise
from qingshan.standards import alert_levels as al
from qingshan.standards.emergency_reduction import LEVEL_ZH, POLLUTANT_ZH
from qingshan.standards.emergency_tables import KINDS, TableError, packaged_version
from qingshan.standards.verify_cuts import FLAG_ZH
from qingshan.store import migrate
from qingshan.store.db import make_engine

app = typer.Typer(no_args_is_help=True, help="重污染天气应急：预警分级、应急减排清单、绩效分级与减排核查")
forecast_app = typer.Typer(no_args_is_help=True, help="预报数据导入")
alerts_app = typer.Typer(no_args_is_help=True, help="预警：研判、发布、调整、解除")
notice_app = typer.Typer(no_args_is_help=True, help="区域预警提示与省级调度令（人工录入）")
list_app = typer.Typer(no_args_is_help=True, help="应急减排清单：导入、导出、城市减排量核算")
grade_app = typer.Typer(no_args_is_help=True, help="绩效分级")
tables_app = typer.Typer(no_args_is_help=True, help="可由市局修订的规则数据表（阈值、比例、限值、参数）")
report_app = typer.Typer(no_args_is_help=True, help="报表：当前预警、月度预警、未落实减排企业")
app.add_typer(forecast_app, name="forecast")
app.add_typer(alerts_app, name="alerts")
app.add_typer(notice_app, name="notice")
app.add_typer(list_app, name="list")
app.add_typer(grade_app, name="grade")
app.add_typer(tables_app, name="tables")
app.add_typer(report_app, name="report")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]错误：{message}[/red]")
    raise typer.Exit(code)


def _session() -> Session:
    url = database_url()
    migrate.upgrade(url)
    return Session(make_engine(url), expire_on_commit=False)


def _time(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        return forecasts.parse_block_start(text)
    except ValueError as exc:
        _fail(f"{what}{exc}")


def _now() -> datetime:
    return local_now()


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        _fail(f"--format 应为 {'、'.join(allowed)} 之一")


# =============================================================================================
# level (no database)
# =============================================================================================

LEVEL_COLUMNS = ("city", "level", "branch", "rules", "alignment", "episode_start", "episode_end", "issue_by",
                 "late_issue", "lift_at", "incomplete", "missing_blocks", "advisories", "status")


def _level_rows(decisions: list[al.CityDecision], rejected: list[str], zh: bool) -> list[dict]:
    rows = []
    for d in decisions:
        # one row per city: its episode columns describe the episode that gives ``level`` (the
        # worst, ties: earliest, §1.4), so the row never mixes two episodes; json lists them all
        ep = d.deciding_episode
        lv = al.Level.PRE_ALERT if d.level_code == "pre_alert" else d.level
        rows.append({
            "city": d.city, "level": lv.zh if zh else lv.code, "branch": d.branch or "", "rules": d.table["version"],
            "alignment": d.alignment or "", "episode_start": al.iso(ep.start) if ep else "",
            "episode_end": al.iso(ep.end) if ep else "", "issue_by": al.iso(ep.issue_by) if ep else "",
            "late_issue": str(ep.late_issue).lower() if ep else "",
            "lift_at": (al.iso(ep.lift_at) or "pending") if ep else "",
            "incomplete": str(d.incomplete).lower(), "missing_blocks": ";".join(al.iso(t) for t in d.missing),
            "advisories": ";".join(f"{a.level.code}:{'/'.join(a.pollutants) or '—'}:{al.iso(a.start)}" for a in d.advisories),
            "status": "no_data" if d.no_data else "ok",
        })
    for c in rejected:
        rows.append({k: "" for k in LEVEL_COLUMNS} | {"city": c, "status": "rejected"})
    return sorted(rows, key=lambda r: r["city"])


@app.command("level")
def level(
    forecast: Path = typer.Argument(..., exists=True, dir_okay=False, help="预报文件（CSV 或 Excel）：city,block_start,aqi[,primary_pollutant][,cause]"),
    rules: Optional[str] = typer.Option(None, "--rules", help="阈值版本 2024 或 2019（默认按预报时间，§0）"),
    fmt: str = typer.Option("table", "--format", help="table、csv 或 json"),
    run_time: Optional[str] = typer.Option(None, "--run-time", help="预报发布时间（ISO 8601，默认现在）"),
    alignment: str = typer.Option("any_step", "--alignment", help="any_step（任意起点，默认）或 natural_day（自然日）"),
    labels: str = typer.Option("code", "--labels", help="级别写法：code（none/yellow/orange/red）或 zh（无/黄色/橙色/红色）"),
    step_hours: Optional[int] = typer.Option(None, "--step-hours", help="文件为逐时段浓度预报（city,step_start,pm25…）时的时段小时数，如 1 或 6"),
) -> None:
    """按 air-emergency.md §1 由预报 AQI 判定各城市预警级别（不需要数据库）。"""
    _check_format(fmt, ("table", "csv", "json"))
    if labels not in ("code", "zh"):
        _fail("--labels 应为 code 或 zh")
    try:
        settings = al.AlertSettings(alert_rules=rules, block_alignment=alignment)
    except ValueError as exc:
        _fail(str(exc))
    rt = _time(run_time, "--run-time ") or _now()
    try:
        parsed = (forecasts.parse_concentration_forecast(forecast.read_bytes(), forecast.name, step_hours) if step_hours
                  else forecasts.parse_forecast(forecast.read_bytes(), forecast.name,
                                                aqi_range_value=settings.aqi_range_value))
    except (ImportRefused, ValueError) as exc:
        _fail(str(exc))
    table = al.thresholds(packaged_version("alert_thresholds", al.rules_for_run(rt, settings)))
    decisions = al.evaluate_forecast(parsed.frame, rt, settings=settings, table=table)
    rows = _level_rows(decisions, parsed.rejected_cities, labels == "zh")
    for e in parsed.errors:
        err_console.print(f"[red]{e}[/red]")
    for w in parsed.warnings:
        err_console.print(f"[yellow]{w}[/yellow]")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=LEVEL_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    elif fmt == "json":
        out = {"run_time": al.iso(rt), "thresholds": table.table.ref, "cities": [d.record() for d in decisions],
               "rejected_cities": parsed.rejected_cities, "errors": [e.as_dict() for e in parsed.errors],
               "warnings": [w.as_dict() for w in parsed.warnings]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        t = Table(title=f"重污染天气预警研判（阈值 {table.table.version}，{table.table.status}；预报时间 {rt:%Y-%m-%d %H:%M}）")
        for col in ("城市", "级别", "判定条件", "起算时刻", "过程", "应发布时间", "解除", "说明"):
            t.add_column(col)
        for r, d in zip(rows, sorted(decisions, key=lambda x: x.city) + [None] * len(parsed.rejected_cities)):
            note = []
            if r["status"] == "rejected":
                note.append("时段重复，预报不予采用")
            if r["incomplete"] == "true":
                note.append("有缺失时段（级别为下限）")
            if r["advisories"]:
                note.append("健康提示：" + r["advisories"])
            lv = al.Level.parse(r["level"]) if r["level"] else None
            t.add_row(r["city"], lv.zh if lv is not None else "—", r["branch"], r["alignment"],
                      f"{r['episode_start'][:16]} — {r['episode_end'][:16]}" if r["episode_start"] else "",
                      r["issue_by"][:16], "待下一次预报" if r["lift_at"] == "pending" else r["lift_at"][:16], "；".join(note))
        console.print(t)
    if parsed.errors:
        raise typer.Exit(1)


# =============================================================================================
# forecasts and alerts
# =============================================================================================


@forecast_app.command("import")
def forecast_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    run_time: str = typer.Option(..., "--run-time", help="预报发布时间（ISO 8601）"),
    kind: str = typer.Option("forecast", "--kind", help="forecast（预报）或 observed（实况）"),
    source: Optional[str] = typer.Option(None, "--source", help="来源，如 大同市环境监测站预报中心"),
    apply: bool = typer.Option(False, "--apply", help="导入后立即研判并更新预警"),
    step_hours: Optional[int] = typer.Option(None, "--step-hours", help="逐时段浓度预报的时段小时数（文件为 city,step_start,pm25… 时）"),
) -> None:
    """导入一次预报（整文件要么全部导入，要么不导入）。"""
    rt = _time(run_time, "--run-time ")
    with _session() as s:
        try:
            res = forecasts.import_forecast_file(s, file, run_time=rt, kind=kind, source=source, step_hours=step_hours)
            changes = alert_svc.apply_batch(s, res.batch_id) if apply and kind == "forecast" else []
            s.commit()
        except (ImportRefused, EmergencyError, ValueError) as exc:
            _fail(str(exc))
    for w in res.warnings:
        err_console.print(f"[yellow]{w}[/yellow]")
    console.print(("该文件此前已导入（批次 %d），未重复写入。" if res.previous else "已导入预报批次 %d") % res.batch_id
                  + f"：{res.rows} 行，城市 {'、'.join(res.cities)}")
    for c in changes:
        console.print(f"{c.city}：{al.Level.parse(c.level).zh} {('、'.join(report.ACTION_ZH.get(a, a) for a in c.actions)) or '无变化'}")


@alerts_app.command("evaluate")
def alerts_evaluate(batch: Optional[int] = typer.Option(None, "--batch", help="预报批次（默认最新）")) -> None:
    """用一次预报研判并更新各城市预警（发布、升级、降级、延长、解除）。"""
    with _session() as s:
        b = batch or (forecasts.latest_batch(s).id if forecasts.latest_batch(s) else None)
        if b is None:
            _fail("没有预报批次，请先 qingshan emergency forecast import")
        try:
            changes = alert_svc.apply_batch(s, b)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    for c in changes:
        console.print(f"{c.city}：研判 {al.Level.parse(c.decision.level_code).zh}；"
                      f"{'、'.join(report.ACTION_ZH.get(a, a) for a in c.actions) or '无变化'}（预警 {c.alert_id or '—'}）")


@alerts_app.command("list")
def alerts_list(city: Optional[str] = typer.Option(None, "--city"), fmt: str = typer.Option("table", "--format")) -> None:
    """列出预警。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        rows = queries.alerts(s, city=city)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title="预警")
    for col in ("ID", "城市", "来源", "状态", "最高级别", "开始", "解除", "阈值版本"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["id"]), r["city"] + ("（演示）" if r["demo"] else ""), r["source"], r["status"],
                  al.Level.parse(r["max_level"]).zh, (r["start"] or "")[:16], (r["lift_at"] or "—")[:16], r["rules"])
    console.print(t)


@alerts_app.command("show")
def alerts_show(alert_id: int = typer.Argument(...), fmt: str = typer.Option("table", "--format")) -> None:
    """一个预警的操作记录与级别时间线。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        try:
            rep = report.alert_report(s, alert_id)
        except EmergencyError as exc:
            _fail(str(exc))
    if fmt == "json":
        sys.stdout.write(json.dumps(asdict(rep), ensure_ascii=False, indent=2, default=str) + "\n")
        return
    t = Table(title=f"预警 {alert_id}：{rep.alert['city']}，最高 {al.Level.parse(rep.alert['max_level']).zh}")
    for col in ("序号", "操作", "级别", "生效时间", "应决策时间", "依据预报", "说明", "文号"):
        t.add_column(col)
    for a in rep.actions:
        t.add_row(str(a.seq), a.action_zh, al.Level.parse(a.level).zh, a.at[:16], (a.decide_by or "")[:16],
                  (a.run_time or "")[:16], a.reason, a.document_no or "")
    console.print(t)


@alerts_app.command("document")
def alerts_document(action_id: int = typer.Argument(..., help="预警操作 ID"),
                    output: Path = typer.Option(..., "-o", "--output", help="输出 .docx 文件")) -> None:
    """生成预警发布、调整或解除通知（Word）。"""
    with _session() as s:
        try:
            data = documents.action_document(s, action_id)
        except EmergencyError as exc:
            _fail(str(exc))
    output.write_bytes(data)
    console.print(f"已生成 {output}")


@notice_app.command("add")
def notice_add(
    source: str = typer.Option(..., "--source", help="regional（区域预警提示）或 provincial（省级调度令）"),
    issuer: str = typer.Option(..., "--issuer", help="发布单位"),
    cities: str = typer.Option(..., "--cities", help="城市，逗号分隔"),
    level_: str = typer.Option(..., "--level", help="黄色/橙色/红色"),
    start: str = typer.Option(..., "--start"),
    end: Optional[str] = typer.Option(None, "--end"),
    document_no: Optional[str] = typer.Option(None, "--doc", help="文号"),
) -> None:
    """录入区域或省级预警通知（其城市的预警只由该通知的解除通知解除）。"""
    with _session() as s:
        try:
            n = alert_svc.add_notice(s, source=source, issuer=issuer, cities=[c for c in cities.replace("，", ",").split(",") if c.strip()],
                                     level=level_, start=_time(start, "--start "), end=_time(end, "--end "),
                                     document_no=document_no)
            s.commit()
        except (EmergencyError, ValueError) as exc:
            _fail(str(exc))
        console.print(f"已录入通知 {n.id}")


@notice_app.command("lift")
def notice_lift(notice_id: int = typer.Argument(...), at: str = typer.Option(..., "--at"),
                document_no: Optional[str] = typer.Option(None, "--doc")) -> None:
    """录入通知的解除。"""
    with _session() as s:
        try:
            alert_svc.lift_notice(s, notice_id, _time(at, "--at "), document_no=document_no)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    console.print(f"通知 {notice_id} 已解除")


# =============================================================================================
# the emergency list
# =============================================================================================


@list_app.command("import")
def list_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="清单 Excel（.xlsx）"),
    name: Optional[str] = typer.Option(None, "--name"),
    season: Optional[str] = typer.Option(None, "--season", help="如 2025-2026 采暖季"),
    city: str = typer.Option("140200", "--city", help="城市代码"),
) -> None:
    """导入应急减排清单（逐行检查，任何一行有错则整表不导入）。"""
    with _session() as s:
        try:
            res = listio.import_list(s, file.read_bytes(), file.name, name=name, season=season, city=city)
            s.commit()
        except ImportRefused as exc:
            _fail(str(exc))
    for w in res.warnings:
        err_console.print(f"[yellow]{w}[/yellow]")
    console.print(("该文件此前已导入（清单 %d），未重复写入。" if res.previous else "已导入清单 %d") % res.list_id
                  + f"：{res.rows} 条生产线")


@list_app.command("export")
def list_export(
    output: Path = typer.Option(..., "-o", "--output", help="输出 .xlsx 文件"),
    list_id: Optional[int] = typer.Option(None, "--list", help="清单 ID（默认最新）"),
    grade: Optional[str] = typer.Option(None, "--grade"),
    industry: Optional[str] = typer.Option(None, "--industry"),
    county: Optional[str] = typer.Option(None, "--county"),
) -> None:
    """导出应急减排清单（含各级别减排量）。"""
    with _session() as s:
        try:
            data = listio.export_list(s, lists.get_list(s, list_id).id, grade=grade, industry=industry, county=county)
        except EmergencyError as exc:
            _fail(str(exc))
    output.write_bytes(data)
    console.print(f"已导出 {output}")


@list_app.command("template")
def list_template(output: Path = typer.Option(..., "-o", "--output")) -> None:
    """空白清单模板。"""
    output.write_bytes(listio.template())
    console.print(f"已生成 {output}")


@list_app.command("check")
def list_check(list_id: Optional[int] = typer.Option(None, "--list"), fmt: str = typer.Option("table", "--format")) -> None:
    """城市减排量核算（§2.6）：各级别、各污染物是否达到要求，缺口多少。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        try:
            rep = report.list_report(s, list_id)
        except EmergencyError as exc:
            _fail(str(exc))
    if fmt == "json":
        sys.stdout.write(json.dumps({"list_id": rep.list_id, "checks": [asdict(c) for c in rep.checks],
                                     "passed": rep.passed, "tables": rep.tables}, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title=f"{rep.name}：城市减排量核算（比例表 {', '.join(x['version'] for x in rep.tables if x['kind'] == 'required_ratio')}）")
    for col in ("级别", "污染物", "基准(t/d)", "要求(t/d)", "实现(t/d)", "实现比例", "结论", "缺口(t/d)"):
        t.add_column(col)
    for c in rep.checks:
        t.add_row(LEVEL_ZH[c.level], POLLUTANT_ZH[c.pollutant], c.baseline_t, c.required_t, c.achieved_t, c.share,
                  "达标" if c.passed else "[red]不足[/red]", c.shortfall_t)
    console.print(t)


# =============================================================================================
# grades
# =============================================================================================


def _ent(s: Session, uscc: str) -> Enterprise:
    e = s.scalar(select(Enterprise).where(Enterprise.uscc == uscc.strip().upper()))
    if e is None:
        _fail(f"未登记统一社会信用代码为“{uscc}”的企业")
    return e


@grade_app.command("indicator")
def grade_indicator(uscc: str = typer.Argument(...), industry: str = typer.Option(..., "--industry"),
                    key: str = typer.Option(..., "--key"), group: str = typer.Option(..., "--group"),
                    grade_met: Optional[str] = typer.Option(None, "--grade", help="该指标达到的最高等级（不填为未达到任何等级）"),
                    evidence: str = typer.Option(..., "--evidence", help="佐证材料说明"),
                    value: Optional[str] = typer.Option(None, "--value")) -> None:
    """录入一项绩效分级指标及佐证。"""
    with _session() as s:
        try:
            grading.enter_indicator(s, enterprise_id=_ent(s, uscc).id, industry=lists.industry_key(industry), key=key,
                                    group=group, grade_met=grade_met, evidence=evidence, value=value)
            s.commit()
        except (EmergencyError, ValueError) as exc:
            _fail(str(exc))
    console.print("已录入")


@grade_app.command("compute")
def grade_compute(uscc: str = typer.Argument(...), industry: str = typer.Option(..., "--industry"),
                  review_end: Optional[str] = typer.Option(None, "--review-end", help="复核截止时间（默认现在）"),
                  a_plus: bool = typer.Option(False, "--a-plus", help="列入生态环境部 A+ 名单")) -> None:
    """按短板原则计算绩效等级（排放限值指标取 HJ 212 在线监测小时折算浓度）。"""
    with _session() as s:
        try:
            url = database_url()
            row, dec = grading.compute_grade(s, make_engine(url), _ent(s, uscc).id, lists.industry_key(industry),
                                             review_end=_time(review_end, "--review-end ") or _now(),
                                             on_mee_a_plus_list=a_plus)
            s.commit()
        except (EmergencyError, TableError, ValueError) as exc:
            _fail(str(exc))
    console.print(f"等级：{row.grade}；{dec.reason}")
    t = Table()
    for col in ("指标", "类别", "达到等级", "数值", "依据"):
        t.add_column(col)
    for i in dec.indicators:
        t.add_row(i.key, i.group, i.grade_met or "未达到", i.value or "", i.evidence or "")
    console.print(t)


@grade_app.command("show")
def grade_show(uscc: str = typer.Argument(...), fmt: str = typer.Option("table", "--format")) -> None:
    """企业的绩效等级历史。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        hist = grading.grade_history(s, _ent(s, uscc).id)
    if fmt == "json":
        sys.stdout.write(json.dumps(hist, ensure_ascii=False, indent=2) + "\n")
        return
    t = Table()
    for col in ("行业", "等级", "来源", "有效期", "决定指标"):
        t.add_column(col)
    for h in hist:
        t.add_row(h["industry"], h["grade"], h["source"], f"{h['valid_from']} — {h['valid_to'] or ''}", "、".join(h["deciding"]))
    console.print(t)


# =============================================================================================
# verification
# =============================================================================================


@app.command("verify")
def verify_cmd(
    alert: int = typer.Option(..., "--alert", help="预警 ID"),
    list_id: Optional[int] = typer.Option(None, "--list", help="清单 ID（默认最新）"),
    fmt: str = typer.Option("table", "--format", help="table 或 json"),
    at: Optional[str] = typer.Option(None, "--at", help="核查时刻（默认现在；预警未解除时结果为暂定）"),
    store: bool = typer.Option(True, "--store/--no-store", help="保存核查结果"),
) -> None:
    """按 VERIFY-1 用 HJ 212 在线监测数据核查清单企业在预警期间的减排（§4.2）。"""
    _check_format(fmt, ("table", "json"))
    url = database_url()
    with _session() as s:
        try:
            with console.status("正在读取在线监测数据并核查……"):
                run = run_verification(s, make_engine(url), alert, list_id=list_id, now=_time(at, "--at "), store=store)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    if fmt == "json":
        out = {"verification_id": run.id, "alert_id": run.alert_id, "list_id": run.list_id,
               "evaluated_at": al.iso(run.evaluated_at), "provisional": run.provisional, "window": run.window,
               "tables": run.tables, "summary": run.summary, "results": [r.as_dict() for r in run.results]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    title = f"预警 {alert} 减排核查（VERIFY-1{'，暂定' if run.provisional else ''}）"
    t = Table(title=title)
    for col in ("企业", "生产线", "污染物", "结论", "削减", "要求", "有效数据", "负荷比", "标记"):
        t.add_column(col)
    unit_rows = {u.unit.unit: u.rows for u in run.units}
    order = {"FAIL": 0, "STOP_BREACH": 0, "INDETERMINATE": 1}
    for r in sorted(run.results, key=lambda x: (order.get(x.status, 2), x.unit)):
        rows = unit_rows[r.unit]
        colour = "red" if r.status in ("FAIL", "STOP_BREACH") else ("green" if r.status == "PASS" else "white")
        t.add_row(rows[0].name, "、".join(x.line_id for x in rows), POLLUTANT_ZH.get(r.pollutant, r.pollutant),
                  f"[{colour}]{r.status_zh}[/{colour}]", r.rho_pub, r.rho_req_pub, r.coverage_pub, r.load_ratio_pub,
                  "、".join(FLAG_ZH.get(f, f) for f in r.flags))
    console.print(t)
    if run.id:
        console.print(f"核查记录 {run.id} 已保存。")
    used = "；".join(f"{x['kind']} {x['version']}（{x['status']}）" for x in run.tables)
    console.print(f"使用的数据表：{used}")


# =============================================================================================
# tables and reports
# =============================================================================================


@tables_app.command("list")
def tables_list(kind: Optional[str] = typer.Option(None, "--kind")) -> None:
    """各数据表的版本、状态与来源。"""
    with _session() as s:
        rows = tables.versions(s, kind)
        s.commit()
    t = Table(title="规则数据表")
    for col in ("类型", "版本", "状态", "启用", "来源"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["kind_zh"], r["version"], r["status"], "是" if r["active"] else "", r["source"][:80])
    console.print(t)


@tables_app.command("show")
def tables_show(kind: str = typer.Argument(..., help=f"类型：{'、'.join(KINDS)}"),
                version: Optional[str] = typer.Option(None, "--version")) -> None:
    """以 JSON 显示一个版本（可编辑后用 add 导入为新版本）。"""
    with _session() as s:
        try:
            t = tables.get(s, kind, version) if version else tables.active(s, kind)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    sys.stdout.write(json.dumps(t.to_dict(), ensure_ascii=False, indent=2) + "\n")


@tables_app.command("add")
def tables_add(file: Path = typer.Argument(..., exists=True, dir_okay=False),
               activate: bool = typer.Option(False, "--activate")) -> None:
    """导入市局修订的新版本（JSON：kind、version、status、source、data）。"""
    try:
        doc = json.loads(file.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{file.name} 不是 UTF-8 JSON：{exc}")
    with _session() as s:
        try:
            _, after = tables.add_version(s, doc, activate_it=activate)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    console.print(f"已保存 {after['kind']} {after['version']}（{after['status']}）{'并启用' if activate else ''}")


@tables_app.command("activate")
def tables_activate(kind: str = typer.Argument(...), version: str = typer.Argument(...)) -> None:
    """启用一个版本。"""
    with _session() as s:
        try:
            before, after = tables.activate(s, kind, version)
            s.commit()
        except EmergencyError as exc:
            _fail(str(exc))
    console.print(f"{KINDS.get(kind, kind)}：{(before or {}).get('version', '—')} → {after['version']}")


@report_app.command("current")
def report_current(city: str = typer.Argument(...), at: Optional[str] = typer.Option(None, "--at"),
                   fmt: str = typer.Option("table", "--format")) -> None:
    """城市当前预警级别及其减排措施。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        cur = report.current_alert(s, city, _time(at, "--at "))
    if fmt == "json":
        sys.stdout.write(json.dumps(asdict(cur), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"{city}{'（演示）' if cur.demo else ''}：{cur.level_zh}{'预警' if cur.level != 'none' else ''}"
                  f"{('，' + cur.response + '响应') if cur.response else ''}（来源 {cur.source}）")
    for g in cur.measures:
        console.print(f"  {g.industry} {g.grade}（{g.enterprises} 条生产线）：{g.measures}")


@report_app.command("month")
def report_month(month: str = typer.Argument(..., help="YYYY-MM"), city: Optional[str] = typer.Option(None, "--city"),
                 fmt: str = typer.Option("table", "--format")) -> None:
    """某月的预警及各级别持续小时数（通报用）。"""
    _check_format(fmt, ("table", "json"))
    try:
        y, m = (int(x) for x in month.split("-"))
        date(y, m, 1)
    except ValueError:
        _fail("月份应为 YYYY-MM")
    with _session() as s:
        rep = report.alerts_in_month(s, y, m, city=city)
    if fmt == "json":
        sys.stdout.write(json.dumps(asdict(rep), ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title=f"{y}年{m}月重污染天气预警{'（演示）' if rep.demo else ''}")
    for col in ("预警", "城市", "来源", "最高级别", "开始", "解除", "各级别小时数"):
        t.add_column(col)
    for a in rep.alerts:
        t.add_row(str(a.alert_id), a.city, a.source, al.Level.parse(a.max_level).zh, a.start[:16], (a.lift_at or "—")[:16],
                  "；".join(f"{al.Level.parse(k).zh} {v:g}" for k, v in a.hours_by_level.items()))
    console.print(t)


@report_app.command("noncomplying")
def report_noncomplying(start: str = typer.Option(..., "--from"), end: str = typer.Option(..., "--to"),
                        city: Optional[str] = typer.Option(None, "--city"),
                        provisional: bool = typer.Option(False, "--provisional", help="包括预警进行中的暂定结果"),
                        fmt: str = typer.Option("table", "--format")) -> None:
    """期间内预警核查未落实减排的企业。"""
    _check_format(fmt, ("table", "json"))
    with _session() as s:
        rows = report.non_complying(s, _time(start, "--from "), _time(end, "--to "), city=city,
                                    include_provisional=provisional)
    if fmt == "json":
        sys.stdout.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n")
        return
    t = Table(title="未落实应急减排措施的企业")
    for col in ("企业", "区县", "预警", "级别", "污染物", "结论"):
        t.add_column(col)
    for r in rows:
        t.add_row(r.name + ("（演示）" if r.demo and "演示" not in r.name else ""), r.county or "", str(r.alert_id), al.Level.parse(r.max_level).zh,
                  "、".join(POLLUTANT_ZH.get(p, p) for p in r.pollutants), "、".join(r.statuses))
    console.print(t)

