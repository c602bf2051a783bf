"""Import units, station/section lists, targets and manual inputs from an Excel workbook.

Sheets (any may be absent; header row first, columns by their Chinese names):

* ``单位``: 代码, 名称, 类型 (市/区/县/开发区), 排序, 起始日期, 终止日期
* ``站点``: 单位代码, 站点代码, 起始日期 — one row per station; the unit's list from that date
* ``断面``: 单位代码, 断面代码, 起始日期
* ``目标``: 年度, 单位代码, 指标, 目标值, 依据文件, 方向, 小数位, 扣沙规则, 基准值
* ``手工录入``: 月份, 类别, 单位代码, 时段, 指标, 数值, 文号, 日期, 备注

All-or-nothing per file: every row is checked first (unknown unit codes — neither in the store
nor in the file's 单位 sheet —, unknown indicators, duplicate keys, bad numbers or dates) and
nothing is written when any row fails; the errors name file, sheet, row, field and reason in
Chinese. Re-importing the same file changes nothing (upserts on the natural keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from qingshan.targets.indicators import DUST_RULES, INDICATORS, MANUAL_KINDS, PERIODS, UNIT_KINDS
from qingshan.targets.store import TargetsError, TargetStore, check_decimal, check_month
from qingshan.xlsxcheck import package_problem

SHEETS = {
    "单位": ("代码", "名称", "类型", "排序", "起始日期", "终止日期"),
    "站点": ("单位代码", "站点代码", "起始日期"),
    "断面": ("单位代码", "断面代码", "起始日期"),
    "目标": ("年度", "单位代码", "指标", "目标值", "依据文件", "方向", "小数位", "扣沙规则", "基准值"),
    "手工录入": ("月份", "类别", "单位代码", "时段", "指标", "数值", "文号", "日期", "备注"),
}
REQUIRED = {
    "单位": ("代码", "名称", "类型", "排序", "起始日期"),
    "站点": ("单位代码", "站点代码", "起始日期"),
    "断面": ("单位代码", "断面代码", "起始日期"),
    "目标": ("年度", "单位代码", "指标", "目标值", "依据文件"),
    "手工录入": ("月份", "类别", "单位代码", "时段", "指标", "数值", "文号", "日期"),
}


@dataclass(frozen=True)
class RowError:
    file: str
    sheet: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} 工作表“{self.sheet}”第 {self.row} 行 字段“{self.field}”：{self.reason}"


class ImportFailed(ValueError):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("导入失败，未写入任何数据：\n" + "\n".join(str(e) for e in errors))


@dataclass
class ImportSummary:
    file: str
    units: int = 0
    station_lists: int = 0
    section_lists: int = 0
    targets: int = 0
    manual_inputs: int = 0
    changed: int = 0
    notes: list[str] = field(default_factory=list)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _date(v) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(_text(v))


def _rows(ws, sheet: str, fname: str, errors: list[RowError]) -> list[tuple[int, dict]]:
    it = ws.iter_rows(values_only=True)
    try:
        header = [_text(h) for h in next(it)]
    except StopIteration:
        return []
    missing = [c for c in REQUIRED[sheet] if c not in header]
    if missing:
        errors.append(RowError(fname, sheet, 1, "、".join(missing), "表头缺少必填列"))
        return []
    unknown = [h for h in header if h and h not in SHEETS[sheet]]
    if unknown:
        errors.append(RowError(fname, sheet, 1, "、".join(unknown), f"未知的列（可用：{'、'.join(SHEETS[sheet])}）"))
        return []
    out = []
    for i, values in enumerate(it, start=2):
        rec = {h: v for h, v in zip(header, values) if h}
        if all(_text(v) == "" for v in rec.values()):
            continue
        out.append((i, rec))
    return out


def read_workbook(path: str | Path | BinaryIO, known_units: set[str], *, filename: str | None = None,
                  known_stations: set[str] | None = None) -> tuple[dict[str, list], list[RowError]]:
    """Parse and check every row; returns (plan, errors). ``known_units``: codes in the store;
    ``known_stations``: the station registry's codes (None: not checked). ``path`` may be an
    open binary file (an upload); ``filename`` then names it in the errors."""
    from openpyxl import load_workbook

    fname = filename or (Path(path).name if isinstance(path, (str, Path)) else "上传的文件")
    problem = package_problem(Path(path) if isinstance(path, str) else path, fname)  # before openpyxl inflates anything
    if not isinstance(path, (str, Path)):
        path.seek(0)
    if problem is not None:
        return {}, [RowError(fname, "—", 0, "—", problem)]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        return {}, [RowError(fname, "—", 0, "—", f"无法作为 Excel 工作簿打开（{type(exc).__name__}）")]
    errors: list[RowError] = []
    plan: dict[str, list] = {k: [] for k in SHEETS}
    unknown_sheets = [s for s in wb.sheetnames if s not in SHEETS]
    if unknown_sheets:
        errors.append(RowError(fname, "、".join(unknown_sheets), 0, "—", f"未知的工作表（可用：{'、'.join(SHEETS)}）"))
    rows = {s: _rows(wb[s], s, fname, errors) for s in SHEETS if s in wb.sheetnames}
    wb.close()
    units = set(known_units)
    seen: dict[str, set] = {k: set() for k in SHEETS}

    def err(sheet, row, fld, reason):
        errors.append(RowError(fname, sheet, row, fld, reason))

    def need(sheet, row, rec, fld) -> str | None:
        v = _text(rec.get(fld))
        if v == "":
            err(sheet, row, fld, "必填")
            return None
        return v

    def day(sheet, row, rec, fld, required=True):
        v = rec.get(fld)
        if _text(v) == "":
            if required:
                err(sheet, row, fld, "必填")
            return None
        try:
            return _date(v)
        except ValueError:
            err(sheet, row, fld, f"日期应为 YYYY-MM-DD，收到 {_text(v)!r}")
            return None

    for row, rec in rows.get("单位", []):
        code, name, kind, order = (need("单位", row, rec, f) for f in ("代码", "名称", "类型", "排序"))
        vf, vt = day("单位", row, rec, "起始日期"), day("单位", row, rec, "终止日期", required=False)
        ok = None not in (code, name, kind, order, vf)
        if code and not (len(code) == 6 and code.isdigit()):
            err("单位", row, "代码", f"应为 6 位 GB/T 2260 代码，收到 {code!r}"); ok = False
        if kind and kind not in UNIT_KINDS:
            err("单位", row, "类型", f"应为 {'、'.join(UNIT_KINDS)} 之一"); ok = False
        if order and not order.lstrip("-").isdigit():
            err("单位", row, "排序", "应为整数"); ok = False
        if code in seen["单位"]:
            err("单位", row, "代码", f"单位 {code} 重复"); ok = False
        if ok:
            seen["单位"].add(code)
            units.add(code)
            plan["单位"].append((code, name, kind, int(order), vf, vt))
    for sheet, col in (("站点", "站点代码"), ("断面", "断面代码")):
        lists: dict[tuple[str, date], list[str]] = {}
        for row, rec in rows.get(sheet, []):
            u, c = need(sheet, row, rec, "单位代码"), need(sheet, row, rec, col)
            vf = day(sheet, row, rec, "起始日期")
            if u and u not in units:
                err(sheet, row, "单位代码", f"未知的单位 {u}"); continue
            if sheet == "站点" and c and known_stations is not None and c not in known_stations:
                err(sheet, row, col, f"站点 {c} 未在站点登记中（请先登记站点）"); continue
            if None in (u, c, vf):
                continue
            if (c, vf) in seen[sheet]:
                err(sheet, row, col, f"{c} 在 {vf} 起的名单中重复"); continue
            seen[sheet].add((c, vf))
            lists.setdefault((u, vf), []).append(c)
        plan[sheet] = [(u, codes, vf) for (u, vf), codes in sorted(lists.items())]
    for row, rec in rows.get("目标", []):
        vals = {f: need("目标", row, rec, f) for f in REQUIRED["目标"]}
        if None in vals.values():
            continue
        ok = True
        if not vals["年度"].isdigit():
            err("目标", row, "年度", "应为四位年份"); ok = False
        if vals["单位代码"] not in units:
            err("目标", row, "单位代码", f"未知的单位 {vals['单位代码']}"); ok = False
        ind = INDICATORS.get(vals["指标"])
        if ind is None:
            err("目标", row, "指标", f"未知的指标（可选 {'、'.join(INDICATORS)}）"); ok = False
        try:
            check_decimal(vals["目标值"], "目标值")
        except TargetsError as exc:
            err("目标", row, "目标值", str(exc)); ok = False
        direction = _text(rec.get("方向")) or (ind.direction if ind else "")
        if direction not in ("le", "ge"):
            err("目标", row, "方向", "应为 le 或 ge"); ok = False
        dust = _text(rec.get("扣沙规则")) or "none"
        if dust not in DUST_RULES:
            err("目标", row, "扣沙规则", f"应为 {'、'.join(DUST_RULES)} 之一"); ok = False
        dec = _text(rec.get("小数位"))
        if dec and not dec.isdigit():
            err("目标", row, "小数位", "应为非负整数"); ok = False
        base = _text(rec.get("基准值"))
        if base:
            try:
                check_decimal(base, "基准值")
            except TargetsError as exc:
                err("目标", row, "基准值", str(exc)); ok = False
        key = (vals["年度"], vals["单位代码"], vals["指标"])
        if key in seen["目标"]:
            err("目标", row, "指标", f"{key[0]} 年 {key[1]} 的 {key[2]} 目标重复"); ok = False
        seen["目标"].add(key)
        if ok:
            plan["目标"].append(dict(year=int(vals["年度"]), unit_code=vals["单位代码"], indicator=vals["指标"],
                                     value=vals["目标值"], source_doc=vals["依据文件"], direction=direction,
                                     decimals=int(dec) if dec else None, dust_rule=dust, base_value=base or None))
    for row, rec in rows.get("手工录入", []):
        vals = {f: need("手工录入", row, rec, f) for f in ("月份", "类别", "单位代码", "时段", "指标", "数值", "文号")}
        d = day("手工录入", row, rec, "日期")
        if None in vals.values() or d is None:
            continue
        ok = True
        try:
            check_month(vals["月份"])
        except TargetsError as exc:
            err("手工录入", row, "月份", str(exc)); ok = False
        if vals["类别"] not in MANUAL_KINDS:
            err("手工录入", row, "类别", f"未知的类别（可选 {'、'.join(MANUAL_KINDS)}）"); ok = False
        if vals["时段"] not in PERIODS:
            err("手工录入", row, "时段", "应为 month 或 ytd"); ok = False
        if vals["单位代码"] not in units:
            err("手工录入", row, "单位代码", f"未知的单位 {vals['单位代码']}"); ok = False
        try:
            check_decimal(vals["数值"], "数值")
        except TargetsError as exc:
            err("手工录入", row, "数值", str(exc)); ok = False
        key = tuple(vals[f] for f in ("月份", "类别", "单位代码", "时段", "指标"))
        if key in seen["手工录入"]:
            err("手工录入", row, "指标", "同一月份、类别、单位、时段、指标的录入重复"); ok = False
        seen["手工录入"].add(key)
        if ok:
            plan["手工录入"].append(dict(month=vals["月份"], kind=vals["类别"], unit_code=vals["单位代码"],
                                       period=vals["时段"], indicator=vals["指标"], value=vals["数值"],
                                       doc_no=vals["文号"], doc_date=d, note=_text(rec.get("备注")) or None))
    return plan, errors


@dataclass(frozen=True)
class Change:
    """One row the import changed: what (``targets_target`` …), its key, before and after."""

    object_type: str
    key: str
    before: dict | list | None
    after: dict | list


def import_workbook(store: TargetStore, path: str | Path | BinaryIO, *, demo: bool = False, conn=None,
                    filename: str | None = None, changes: list[Change] | None = None,
                    known_stations: set[str] | None = None) -> ImportSummary:
    """Check the whole file, then write it (nothing is written when any row fails).

    ``conn``: write in the caller's transaction (the web's session, so the audit records commit
    with the change); ``changes``: a list that receives every changed row (before/after)."""
    known = {u.code for u in store.units(conn=conn)}
    plan, errors = read_workbook(path, known, filename=filename, known_stations=known_stations)
    if errors:
        raise ImportFailed(errors)
    name = filename or (Path(path).name if isinstance(path, (str, Path)) else "上传的文件")
    s = ImportSummary(name)
    out = changes if changes is not None else []

    def note(kind: str, key: str, b, a) -> None:
        if b != a:
            s.changed += 1
            out.append(Change(kind, key, b, a))

    with store._tx(conn) as conn:  # one transaction: the whole file or nothing
        for code, name_, kind, order, vf, vt in plan["单位"]:
            b, a = store.upsert_unit(code, name_, kind, order, vf, vt, demo=demo, conn=conn)
            s.units += 1
            note("targets_unit", code, b, a)
        for u, codes, vf in plan["站点"]:
            b, a = store.set_unit_stations(u, codes, vf, conn=conn)
            s.station_lists += 1
            note("targets_unit_station", f"{u} {vf}", b, a)
        for u, codes, vf in plan["断面"]:
            b, a = store.set_unit_sections(u, codes, vf, conn=conn)
            s.section_lists += 1
            note("targets_unit_section", f"{u} {vf}", b, a)
        for t in plan["目标"]:
            b, a = store.upsert_target(**t, demo=demo, conn=conn)
            s.targets += 1
            note("targets_target", f"{t['year']} {t['unit_code']} {t['indicator']}", b, a)
        for m in plan["手工录入"]:
            b, a = store.upsert_manual_input(**m, demo=demo, conn=conn)
            s.manual_inputs += 1
            note("targets_manual_input", f"{m['month']} {m['kind']} {m['unit_code']} {m['period']} {m['indicator']}", b, a)
    return s


def export_workbook(store: TargetStore, year: int, *, conn=None) -> bytes:
    """The year's units (in force on 31 December), station and section lists, targets and the
    year's manual inputs in the import layout (:data:`SHEETS`): download, edit, upload."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    on = date(year, 12, 31)
    wb = Workbook()
    wb.remove(wb.active)

    def sheet(name: str, rows: list[list]) -> None:
        ws = wb.create_sheet(name)
        ws.append(list(SHEETS[name]))
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in r])
        for cell in ws["A"] + ws["B"]:
            cell.number_format = "@"

    units = store.units(on, conn=conn)
    sheet("单位", [[u.code, u.name, u.kind, u.display_order, u.valid_from, u.valid_to] for u in units])
    for what, name in (("stations", "站点"), ("sections", "断面")):
        # a list is the whole list from its start: the date its latest member joined
        rows = store.member_rows(what, on, conn=conn)
        start = {}
        for u, _, vf in rows:
            start[u] = max(start.get(u, vf), vf)
        sheet(name, [[u, c, start[u]] for u, c, _ in rows])
    sheet("目标", [[t.year, t.unit_code, t.indicator, t.value, t.source_doc, t.direction, t.decimals, t.dust_rule,
                  t.base_value] for t in store.targets(year, conn=conn)])
    manual = []
    for m in range(1, 13):
        manual += [[r.month, r.kind, r.unit_code, r.period, r.indicator, r.value, r.doc_no, r.doc_date, r.note]
                   for r in store.manual_inputs(f"{year}-{m:02d}", conn=conn)]
    sheet("手工录入", manual)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["Change", "ImportFailed", "ImportSummary", "RowError", "SHEETS", "export_workbook", "import_workbook",
           "read_workbook"]
