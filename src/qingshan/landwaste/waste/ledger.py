"""Import the monthly ledger of general industrial solid waste (一般工业固体废物管理台账) from its
Excel layout (or CSV), one workbook per generator or several.

Sheet ``月汇总`` (or the first sheet) — one row per enterprise, month and waste code:

=================  ============================================================================
统一社会信用代码    the generator, registered in the sources registry (``qingshan sources enterprise``)
月份               2026-11 (a date in the month is accepted)
固体废物代码        ``NNN-NNN-SNN`` (2024 catalogue; ``SWnn`` mapped to ``Snn``)
产生量             G (t)
自行综合利用量      own utilisation; 委托综合利用量: by others (the two make U)
其中利用往年贮存量  U_p
自行处置量/委托处置量 own / outsourced disposal (the two make D); 其中处置往年贮存量: D_p
贮存量             S; 倾倒丢弃量: X (optional, 0)
期初贮存量          opening stock; 期末贮存量: closing stock (optional, checked)
=================  ============================================================================

Optional: 企业名称, 固体废物名称, 综合利用量 and 处置量 (checked against the split).

Sheet ``去向`` (optional) — receivers: 统一社会信用代码, 月份, 固体废物代码, 去向 (利用/处置),
方式 (自行/委托), 接收单位, 接收单位信用代码, 利用处置方式, 数量, 批准或备案文号. When a month has
receivers for a flow, the outsourced ones must add up exactly to the outsourced quantity.

Quantities are exact (integer micro-tonnes). Refused per row (Chinese, file/sheet/row/field):
unknown enterprise, bad month or code, non-numeric, negative or over-precise quantities, a
duplicate key, a split that does not add up. Rows that parse but fail the §4.3 balance or stock
rules are **stored as rejected** with their residual and problems — the "offending months" the
bureau follows up — and count in no rate. A corrected row for a stored month replaces it (before
and after are returned for the audit trail). One transaction per file; ``all_or_nothing``: any
row error refuses the whole file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.sheets import (
    ImportRefused,
    LoadResult,
    SheetError,
    cell_text,
    find_table,
    parse_month,
    parse_tonnes,
    read_sheets,
    tonnes_text,
)
from qingshan.landwaste.waste.models import WasteImport, WasteMonthly, WasteReceiver
from qingshan.sources.models import Enterprise
from qingshan.standards import solid_waste as sw

MONTHLY_ALIASES = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "enterprise_name": ("企业名称", "单位名称", "产废单位"),
    "month": ("月份", "年月", "统计月份", "month"),
    "waste_code": ("固体废物代码", "废物代码", "代码", "waste_code"),
    "waste_name": ("固体废物名称", "废物名称", "名称", "waste_name"),
    "generated": ("产生量", "generated"),
    "utilised_self": ("自行综合利用量", "自行利用量", "utilised_self"),
    "utilised_outsourced": ("委托综合利用量", "委托利用量", "utilised_outsourced"),
    "utilised": ("综合利用量", "utilised"),
    "utilised_prior": ("其中利用往年贮存量", "综合利用往年贮存量", "利用往年贮存量", "utilised_prior"),
    "disposed_self": ("自行处置量", "disposed_self"),
    "disposed_outsourced": ("委托处置量", "disposed_outsourced"),
    "disposed": ("处置量", "disposed"),
    "disposed_prior": ("其中处置往年贮存量", "处置往年贮存量", "disposed_prior"),
    "stored": ("贮存量", "本期贮存量", "stored"),
    "dumped": ("倾倒丢弃量", "dumped"),
    "opening_stock": ("期初贮存量", "opening_stock"),
    "closing_stock": ("期末贮存量", "closing_stock"),
}
REQUIRED = ("uscc", "month", "waste_code", "generated", "utilised_self", "utilised_outsourced", "utilised_prior",
            "disposed_self", "disposed_outsourced", "disposed_prior", "stored", "opening_stock")
QUANTITIES = ("generated", "utilised_self", "utilised_outsourced", "utilised_prior", "disposed_self",
              "disposed_outsourced", "disposed_prior", "stored", "dumped", "opening_stock")
RECEIVER_ALIASES = {
    "uscc": ("统一社会信用代码", "信用代码", "产废单位信用代码"),
    "month": ("月份", "年月"),
    "waste_code": ("固体废物代码", "废物代码"),
    "flow": ("去向", "利用/处置"),
    "mode": ("方式", "自行/委托"),
    "receiver_name": ("接收单位", "接收单位名称", "利用处置单位"),
    "receiver_uscc": ("接收单位信用代码", "接收单位统一社会信用代码"),
    "method": ("利用处置方式", "方式说明"),
    "quantity": ("数量", "数量（吨）"),
    "approval_no": ("批准或备案文号", "跨省转移批准文号", "备案号"),
}
FLOW_WORDS = {"利用": "utilise", "综合利用": "utilise", "utilise": "utilise", "处置": "dispose", "dispose": "dispose"}
MODE_WORDS = {"自行": "self", "self": "self", "委托": "outsourced", "outsourced": "outsourced"}


@dataclass
class _Row:
    row: int
    enterprise: Enterprise
    month: date
    code: str
    category: str
    name: str | None
    q: dict[str, int]
    closing: int | None
    receivers: list[dict] = field(default_factory=list)


def _fields(cells: list, roles: Mapping[str, int], f: str) -> object:
    i = roles.get(f)
    return cells[i] if i is not None and i < len(cells) else None


def import_ledger(session: Session, path: str | Path, *, settings: sw.Settings = sw.Settings(),
                  all_or_nothing: bool = False) -> LoadResult:
    """Validate and import one ledger file (see the module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    result = LoadResult(path.name, "waste_ledger")
    sha = hashlib.sha256(data).hexdigest()
    try:
        sheets = read_sheets(path, data)
        main_name = "月汇总" if "月汇总" in sheets else next(iter(sheets))
        rows, enc = sheets[main_name]
        sheet, roles = find_table(rows, MONTHLY_ALIASES, REQUIRED, main_name, enc)
        recv = None
        if "去向" in sheets:
            r_rows, r_enc = sheets["去向"]
            recv = find_table(r_rows, RECEIVER_ALIASES, ("uscc", "month", "waste_code", "flow", "mode", "receiver_name",
                                                         "quantity"), "去向", r_enc)
    except (SheetError, ValueError, StopIteration) as exc:
        return _refused(session, path, sha, result, str(exc))
    where = f"{main_name}：" if main_name else ""
    hname = {f: sheet.header[i] for f, i in roles.items()}
    enterprises = {e.uscc: e for e in session.scalars(select(Enterprise))}
    result.rows_read = len(sheet.rows)
    parsed: dict[tuple, _Row] = {}
    bad_rows: set[int] = set()
    for row, cells in sheet.rows:
        errs: list[tuple[str | None, str]] = []
        uscc = cell_text(_fields(cells, roles, "uscc")).upper()
        ent = enterprises.get(uscc)
        if ent is None:
            errs.append((hname["uscc"], f"统一社会信用代码「{uscc}」的企业未登记（先用 qingshan sources enterprise 登记）"))
        try:
            month = parse_month(_fields(cells, roles, "month"))
        except ValueError as exc:
            errs.append((hname["month"], str(exc)))
            month = None
        try:
            code = sw.parse_sw_code(cell_text(_fields(cells, roles, "waste_code")))
        except sw.SwCodeError as exc:
            errs.append((hname["waste_code"], str(exc)))
            code = None
        q: dict[str, int] = {}
        for f in QUANTITIES:
            raw = _fields(cells, roles, f)
            if f == "dumped" and cell_text(raw) == "":
                q[f] = 0
                continue
            try:
                q[f] = parse_tonnes(raw)
            except ValueError as exc:
                errs.append((hname.get(f, f), f"{sw.SYMBOL.get(f, f)}：{exc}"))
        closing = None
        if "closing_stock" in roles and cell_text(_fields(cells, roles, "closing_stock")):
            try:
                closing = parse_tonnes(_fields(cells, roles, "closing_stock"))
            except ValueError as exc:
                errs.append((hname["closing_stock"], str(exc)))
        for total, parts in (("utilised", ("utilised_self", "utilised_outsourced")),
                             ("disposed", ("disposed_self", "disposed_outsourced"))):
            if total in roles and cell_text(_fields(cells, roles, total)) and all(p in q for p in parts):
                try:
                    given = parse_tonnes(_fields(cells, roles, total))
                except ValueError as exc:
                    errs.append((hname[total], str(exc)))
                    continue
                if given != q[parts[0]] + q[parts[1]]:
                    errs.append((hname[total], f"{hname[total]} {tonnes_text(given)} t ≠ 自行 {tonnes_text(q[parts[0]])} t + "
                                                f"委托 {tonnes_text(q[parts[1]])} t"))
        if ent is not None and month is not None and code is not None:
            key = (ent.id, month, code.code)
            if key in parsed:
                errs.append((hname["waste_code"], f"与第 {parsed[key].row} 行重复（{uscc} {month:%Y-%m} {code.code}）"))
                bad_rows.add(parsed[key].row)
        if errs:
            for fld, why in errs:
                result.error(row, fld, where + why)
            bad_rows.add(row)
            continue
        parsed[key] = _Row(row, ent, month, code.code, code.category, cell_text(_fields(cells, roles, "waste_name")) or None,
                           q, closing)
    for key in [k for k, v in parsed.items() if v.row in bad_rows]:
        result.error(parsed[key].row, None, where + "同一企业、月份、代码有多行重复，均未导入")
        del parsed[key]
    if recv is not None:
        _attach_receivers(recv, parsed, enterprises, result, bad_rows)
    checked = _balance(parsed, settings)
    rec = WasteImport(kind="ledger", file_name=str(path), sha256=sha, status="ok", rows_read=result.rows_read)
    session.add(rec)
    session.flush()
    for key, (r, problems, residual, dumping) in checked.items():
        status = "accepted" if not problems else "rejected"
        if problems:
            zh = "；".join(sw.PROBLEM_ZH[p] for p in problems)
            result.error(r.row, None, f"{where}{r.enterprise.name} {r.month:%Y-%m} {r.code}：{zh}"
                         + (f"（残差 {tonnes_text(residual)} t）" if "residual" in problems else "")
                         + "；已记录为平衡校验未通过，不计入利用率、处置率")
        if dumping:
            result.note(r.row, hname.get("dumped"), f"{r.enterprise.name} {r.month:%Y-%m} {r.code}：倾倒丢弃量 "
                        f"{tonnes_text(r.q['dumped'])} t，不合规（soil-waste.md §4.3）")
        _upsert(session, r, status, problems, residual, dumping, rec.id, result)
    result.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    result.rows_rejected = len(bad_rows)
    result.rows_kept = result.rows_read - len(bad_rows)
    rec.rows_kept, rec.rows_rejected = result.rows_kept, result.rows_rejected
    rec.errors = json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors], ensure_ascii=False)
    if all_or_nothing and bad_rows:
        session.rollback()
        return _refused(session, path, sha, result, f"{path.name}：有 {len(bad_rows)} 行错误，按“全部或全不”规则本文件未导入任何数据",
                        keep_errors=True)
    return result


def _refused(session: Session, path: Path, sha: str, result: LoadResult, message: str, *, keep_errors: bool = False) -> LoadResult:
    if not keep_errors:
        result.error(None, None, message)
    result.status = "failed"
    result.inserted = result.updated = result.unchanged = 0
    result.rows_kept, result.rows_rejected = 0, result.rows_read
    session.add(WasteImport(kind="ledger", file_name=str(path), sha256=sha, status="failed", rows_read=result.rows_read,
                            rows_rejected=result.rows_read,
                            errors=json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors],
                                              ensure_ascii=False)))
    session.commit()
    raise ImportRefused(result, message)


def _attach_receivers(recv, parsed: dict[tuple, _Row], enterprises, result: LoadResult, bad_rows: set[int]) -> None:
    sheet, roles = recv
    by_key: dict[tuple, list[dict]] = {}
    for row, cells in sheet.rows:
        g = lambda f: cell_text(_fields(cells, roles, f))  # noqa: E731
        try:
            ent = enterprises.get(g("uscc").upper())
            if ent is None:
                raise ValueError(f"统一社会信用代码「{g('uscc')}」的企业未登记")
            month = parse_month(_fields(cells, roles, "month"))
            code = sw.parse_sw_code(g("waste_code")).code
            flow, mode = FLOW_WORDS.get(g("flow")), MODE_WORDS.get(g("mode"))
            if flow is None or mode is None:
                raise ValueError(f"去向「{g('flow')}」应为 利用/处置，方式「{g('mode')}」应为 自行/委托")
            if not g("receiver_name"):
                raise ValueError("接收单位为空")
            qty = parse_tonnes(_fields(cells, roles, "quantity"))
        except (ValueError, sw.SwCodeError) as exc:
            result.error(row, None, f"去向：{exc}")
            continue
        by_key.setdefault((ent.id, month, code), []).append(
            {"row": row, "flow": flow, "mode": mode, "receiver_name": g("receiver_name"),
             "receiver_uscc": g("receiver_uscc") or None, "method": g("method") or None, "quantity": qty,
             "approval_no": g("approval_no") or None})
    for key, items in by_key.items():
        r = parsed.get(key)
        if r is None:
            for it in items:
                result.error(it["row"], None, "去向：月汇总中没有对应的企业、月份、代码（或该行有错误）")
            continue
        for flow, col in (("utilise", "utilised_outsourced"), ("dispose", "disposed_outsourced")):
            out = [it for it in items if it["flow"] == flow and it["mode"] == "outsourced"]
            total = sum(it["quantity"] for it in out)
            if (out or r.q[col]) and total != r.q[col]:
                result.error(r.row, None, f"去向：委托{'利用' if flow == 'utilise' else '处置'}接收单位合计 {tonnes_text(total)} t "
                                          f"≠ 月汇总 {tonnes_text(r.q[col])} t，该月未导入")
                bad_rows.add(r.row)
        r.receivers = items
    for key in [k for k, v in parsed.items() if v.row in bad_rows]:
        del parsed[key]


def _balance(parsed: dict[tuple, _Row], settings: sw.Settings) -> dict[tuple, tuple[_Row, list[str], int, bool]]:
    if not parsed:
        return {}
    keys = list(parsed)
    frame = pl.DataFrame({
        "k": list(range(len(keys))),
        **{c: [parsed[k].q[c] if c in parsed[k].q else None for k in keys] for c in QUANTITIES},
        "closing_stock": [parsed[k].closing for k in keys],
    }, schema_overrides={c: pl.Int64 for c in (*QUANTITIES, "closing_stock")})
    frame = frame.with_columns(utilised=pl.col("utilised_self") + pl.col("utilised_outsourced"),
                               disposed=pl.col("disposed_self") + pl.col("disposed_outsourced"))
    checked = sw.balance_check(frame, settings)
    out = {}
    for k, problems, residual, dumping in zip(checked["k"], checked["problems"], checked["residual"], checked["dumping"],
                                              strict=True):
        out[keys[k]] = (parsed[keys[k]], list(problems), int(residual), bool(dumping))
    return out


SNAPSHOT = ("generated", "utilised_self", "utilised_outsourced", "utilised_prior", "disposed_self", "disposed_outsourced",
            "disposed_prior", "stored", "dumped", "opening_stock", "closing_stock", "status")


def _snapshot(m: WasteMonthly) -> dict:
    return {k: getattr(m, k) for k in SNAPSHOT}


def _upsert(session: Session, r: _Row, status: str, problems: list[str], residual: int, dumping: bool, import_id: int,
            result: LoadResult) -> None:
    existing = session.scalar(select(WasteMonthly).where(WasteMonthly.enterprise_id == r.enterprise.id,
                                                         WasteMonthly.month == r.month, WasteMonthly.waste_code == r.code))
    values = dict(r.q, closing_stock=r.closing, status=status)
    if existing is not None:
        old_recv = sorted((x.flow, x.mode, x.receiver_name, x.quantity) for x in
                          session.scalars(select(WasteReceiver).where(WasteReceiver.monthly_id == existing.id)))
        new_recv = sorted((x["flow"], x["mode"], x["receiver_name"], x["quantity"]) for x in r.receivers)
        if _snapshot(existing) == values and (not r.receivers or old_recv == new_recv):
            result.unchanged += 1
            return
        before = _snapshot(existing)
        for k, v in values.items():
            setattr(existing, k, v)
        m = existing
        result.updated += 1
        result.changes.append({"enterprise": r.enterprise.uscc, "month": r.month.isoformat(), "waste_code": r.code,
                               "before": before, "after": values})
        if r.receivers:
            for x in session.scalars(select(WasteReceiver).where(WasteReceiver.monthly_id == existing.id)):
                session.delete(x)
    else:
        m = WasteMonthly(enterprise_id=r.enterprise.id, month=r.month, waste_code=r.code, **values)
        session.add(m)
        result.inserted += 1
    m.category, m.waste_name = r.category, r.name or sw.CATEGORY_NAMES.get(r.category)
    m.residual, m.problems, m.dumping = residual, json.dumps(problems), dumping
    m.source_row, m.import_id = r.row, import_id
    session.flush()
    for it in r.receivers:
        session.add(WasteReceiver(monthly_id=m.id, flow=it["flow"], mode=it["mode"], receiver_name=it["receiver_name"],
                                  receiver_uscc=it["receiver_uscc"], method=it["method"], quantity=it["quantity"],
                                  approval_no=it["approval_no"]))
    session.flush()
