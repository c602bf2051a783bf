"""The evidence of a failed check as an Excel workbook (.xlsx), attached to its ledger item.

The responsible unit works in Excel; the workbook shows, on five sheets, what the bureau's check
saw: the check and its offending values (carbon.md §4.2), the monthly record exactly as lodged
(text numbers, file batch and row), the run's figures (exact value and the published text),
the factor rows with source, version and status (UNCONFIRMED rows marked), and the run's
settings. Nothing is recomputed here: every cell is a value of the payload of
:func:`qingshan.carbon.evidence.check_evidence`, and its SHA-256 is printed on the first sheet.
"""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
WARN = PatternFill("solid", fgColor="FFF2CC")
DEMO_TEXT = "演示/合成数据：非真实企业报送数据"

RECORD_LABELS = {
    "year": "年份", "month": "月份", "kind": "类别", "c_basis": "元素碳基准", "lab_report_id": "化验报告编号",
    "sample_id": "样品编号", "ncv_sample_id": "热值样品编号", "coal_data_source": "耗煤量数据来源",
    "coal_data_reason": "数据来源说明", "coal_t": "入炉煤量(t)", "ncv": "收到基低位发热量(GJ/t)", "c": "收到基元素碳含量",
    "m_t": "全水分", "m_ad": "空干基水分", "h": "氢含量", "s_t": "全硫", "purchased_elec_mwh": "购入电量(MWh)",
    "generation_mwh": "发电量(MWh)", "supply_mwh": "供电量(MWh)", "heat_gj": "供热量(GJ)", "heat_ratio": "供热比",
    "running_hours": "运行小时", "sample_from": "采样开始", "sample_to": "采样结束", "lodged_on": "存证日期",
    "coal_source_changed": "煤源变更", "other_fuels": "其他燃料", "batch_id": "导入批次", "source_row": "文件行号",
}


def canonical_json(payload: Any) -> bytes:
    """The payload as canonical JSON (sorted keys, no spaces): what the digest is taken over."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _text(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _sheet(ws: Worksheet, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    ws.append(header)
    for c in ws[ws.max_row]:
        c.font = BOLD
    for r in rows:
        ws.append([_text(v) for v in r])
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    for row in ws.iter_rows(min_row=1):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")


def _figure_rows(results: dict, prefix: str = "") -> list[list[Any]]:
    rows: list[list[Any]] = []
    for key, v in results.items():
        name = f"{prefix}{key}"
        if isinstance(v, dict) and "published" in v:
            rows.append([name, v.get("published"), v.get("unit"), v.get("exact")])
        elif isinstance(v, dict) and v and all(isinstance(x, dict) and "published" in x for x in v.values()):
            rows += _figure_rows(v, prefix=f"{name}.")
        else:
            rows.append([name, v, "", ""])
    return rows


def evidence_xlsx(payload: dict, *, sha256: str) -> bytes:
    """The workbook of one check's evidence (``payload`` = :func:`check_evidence`'s return value)."""
    ev = payload["evidence"]
    chk, subject, run = ev["check"], ev["subject"], ev["run"]
    wb = Workbook()
    ws = wb.active
    ws.title = "校核结果"
    head = [["事项", payload["title"]]]
    if subject.get("demo"):
        head.append(["数据性质", DEMO_TEXT])
    head += [
        ["企业", subject["enterprise"]], ["统一社会信用代码", subject["uscc"]],
        ["设施", f"{subject['facility']}（{subject['facility_code']}）"], ["机组", f"{subject['unit_name']}（{subject['unit']}）"],
        ["期间", f"{subject['year']}年{subject['month']}月" if subject.get("month") else f"{subject['year']}年"],
        ["校核项", f"{chk['id']} {chk['name']}（carbon.md §4.2）"], ["结果", "不通过" if chk["status"] == "fail" else chk["status"]],
        ["说明", chk["message"]],
        *[[f"校核值：{k}", v] for k, v in (chk.get("values") or {}).items()],
        ["核算记录（run）", f"#{run['id']} {run['scope']}，核算日 {run.get('as_of') or '—'}，计算于 {run['computed_at']}（UTC）"],
        ["阈值说明", "校核阈值为项目默认值，非法定限值（carbon.md §4.2、§11 第10项，UNCONFIRMED）"],
        ["存证摘要 SHA-256", sha256],
    ]
    _sheet(ws, ["项目", "内容"], head, [22, 90])
    if subject.get("demo"):
        ws["B3"].fill = WARN  # the 数据性质 row, right under the title
    rec = ev.get("record")
    ws2 = wb.create_sheet("存证记录")
    _sheet(ws2, ["字段", "报送值（原文）"],
           [[RECORD_LABELS.get(k, k), v] for k, v in rec.items()] if rec else [["（无）", "该期间没有存证记录"]], [26, 50])
    ws3 = wb.create_sheet("核算结果")
    _sheet(ws3, ["指标", "发布值", "单位", "精确值"], _figure_rows(run.get("results") or {}), [28, 18, 12, 50])
    ws4 = wb.create_sheet("排放因子")
    factors = ev.get("factors") or []
    _sheet(ws4, ["因子表", "键", "参数", "数值", "单位", "起始年", "终止年", "版本", "状态", "来源", "出处"],
           [[f.get("table"), f.get("key"), f.get("param"), f.get("value"), f.get("unit"), f.get("valid_from"),
             f.get("valid_to"), f.get("version"), f.get("status"), f.get("origin"), f.get("source")] for f in factors],
           [20, 16, 16, 12, 12, 8, 8, 16, 14, 10, 60])
    for row in ws4.iter_rows(min_row=2):
        if row[8].value == "UNCONFIRMED":
            row[8].fill = WARN
    ws5 = wb.create_sheet("核算设置")
    _sheet(ws5, ["设置", "取值"], [[k, v] for k, v in (run.get("settings") or {}).items()], [28, 70])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
