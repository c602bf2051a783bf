"""The hazardous-waste ledger of HJ 1259—2022 (危险废物管理台账): import and monthly summary.

Layout (CSV or .xlsx, one record per container or package, or per day when piped to storage,
§5.6): 统一社会信用代码, 日期, 废物代码, 操作 (产生/入库/出库/转移/自行利用/自行处置), 数量 (t), and
optionally 容器编号, 设施编号, 联单编号 (required for 转移). Kept ≥ 5 years (HJ 1259).

A transfer naming a manifest that is not stored gets a note; a duplicate record (same
enterprise, day, code, operation, container) is refused; identical re-imports change nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.sheets import (
    ImportRefused,
    LoadResult,
    SheetError,
    cell_text,
    find_table,
    parse_day,
    parse_tonnes,
    read_sheets,
    tonnes_text,
)
from qingshan.landwaste.waste.models import HwLedgerEntry, HwManifest, WasteImport
from qingshan.sources.models import Enterprise
from qingshan.standards import hazardous_waste as hw

ALIASES = {
    "uscc": ("统一社会信用代码", "信用代码"),
    "entry_on": ("日期", "记录日期"),
    "waste_code": ("废物代码", "危险废物代码"),
    "action": ("操作", "类型", "环节"),
    "quantity": ("数量", "重量"),
    "container_code": ("容器编号", "包装编号"),
    "facility_code": ("设施编号", "贮存设施编号"),
    "manifest_number": ("联单编号",),
}
ACTIONS = {"产生": "generate", "入库": "store_in", "出库": "store_out", "转移": "transfer_out", "自行利用": "self_utilise",
           "自行处置": "self_dispose"}
ACTIONS.update({v: v for v in list(ACTIONS.values())})
ACTION_ZH = {v: k for k, v in ACTIONS.items() if k != v}


def import_hw_ledger(session: Session, path: str | Path) -> LoadResult:
    """Validate and import HJ 1259 ledger records (module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    result = LoadResult(path.name, "hw_ledger")
    try:
        (rows, enc), = list(read_sheets(path, data).values())[:1]
        sheet, roles = find_table(rows, ALIASES, ("uscc", "entry_on", "waste_code", "action", "quantity"), "", enc)
    except (SheetError, ValueError) as exc:
        result.status = "failed"
        result.error(None, None, str(exc))
        raise ImportRefused(result, str(exc)) from None
    hname = {f: sheet.header[i] for f, i in roles.items()}
    ents = {e.uscc: e for e in session.scalars(select(Enterprise))}
    numbers = set(session.scalars(select(HwManifest.number)))
    result.rows_read = len(sheet.rows)
    imp = WasteImport(kind="hw_ledger", file_name=str(path), sha256=hashlib.sha256(data).hexdigest(), status="ok",
                      rows_read=result.rows_read)
    session.add(imp)
    session.flush()
    seen: dict[tuple, int] = {}
    bad = 0
    for row, cells in sheet.rows:
        g = lambda f: cells[roles[f]] if f in roles and roles[f] < len(cells) else None  # noqa: E731
        errs = []
        ent = ents.get(cell_text(g("uscc")).upper())
        if ent is None:
            errs.append((hname["uscc"], f"企业「{cell_text(g('uscc'))}」未登记"))
        try:
            on = parse_day(g("entry_on"))
        except ValueError as exc:
            errs.append((hname["entry_on"], str(exc)))
        try:
            code = hw.parse_hw_code(cell_text(g("waste_code"))).code
        except hw.CodeError as exc:
            errs.append((hname["waste_code"], str(exc)))
        action = ACTIONS.get(cell_text(g("action")))
        if action is None:
            errs.append((hname["action"], f"操作「{cell_text(g('action'))}」应为 {'、'.join(ACTION_ZH.values())} 之一"))
        try:
            qty = parse_tonnes(g("quantity"))
        except ValueError as exc:
            errs.append((hname["quantity"], f"数量{exc}"))
        manifest = cell_text(g("manifest_number")) or None
        if action == "transfer_out" and not manifest:
            errs.append((hname.get("manifest_number", "联单编号"), "转移记录须有联单编号"))
        if errs:
            for f, why in errs:
                result.error(row, f, why)
            bad += 1
            continue
        container = cell_text(g("container_code"))
        key = (ent.id, on, code, action, container)
        if key in seen:
            result.error(row, hname.get("container_code"), f"与第 {seen[key]} 行重复（同一企业、日期、代码、操作、容器）")
            bad += 1
            continue
        seen[key] = row
        if manifest and manifest not in numbers:
            result.note(row, hname.get("manifest_number"), f"联单「{manifest}」尚未导入")
        old = session.scalar(select(HwLedgerEntry).where(HwLedgerEntry.enterprise_id == ent.id, HwLedgerEntry.entry_on == on,
                                                         HwLedgerEntry.waste_code == code, HwLedgerEntry.action == action,
                                                         HwLedgerEntry.container_code == container))
        if old is not None:
            if old.quantity == qty:
                result.unchanged += 1
                continue
            result.changes.append({"key": [ent.uscc, on.isoformat(), code, action, container],
                                   "before": {"quantity": old.quantity}, "after": {"quantity": qty}})
            old.quantity, old.import_id = qty, imp.id
            result.updated += 1
            continue
        session.add(HwLedgerEntry(enterprise_id=ent.id, entry_on=on, waste_code=code, action=action, quantity=qty,
                                  container_code=container, facility_code=cell_text(g("facility_code")) or None,
                                  manifest_number=manifest, import_id=imp.id))
        result.inserted += 1
    session.flush()
    result.rows_rejected, result.rows_kept = bad, result.rows_read - bad
    imp.rows_kept, imp.rows_rejected = result.rows_kept, bad
    imp.errors = json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors], ensure_ascii=False)
    return result


@dataclass(frozen=True)
class HwMonth:
    uscc: str
    enterprise: str
    month: date
    waste_code: str
    quantities_t: dict[str, str]  # per action
    stock_change_t: str  # store_in − store_out


def hw_ledger_summary(session: Session, *, uscc: str | None = None) -> list[HwMonth]:
    """Monthly totals per enterprise, code and operation (HJ 1259 ledger)."""
    q = select(HwLedgerEntry, Enterprise).join(Enterprise, HwLedgerEntry.enterprise_id == Enterprise.id)
    if uscc:
        q = q.where(Enterprise.uscc == uscc.strip().upper())
    sums: dict[tuple, dict[str, int]] = {}
    names: dict[str, str] = {}
    for e, ent in session.execute(q).all():
        key = (ent.uscc, date(e.entry_on.year, e.entry_on.month, 1), e.waste_code)
        names[ent.uscc] = ent.name
        d = sums.setdefault(key, {})
        d[e.action] = d.get(e.action, 0) + e.quantity
    out = []
    for (u, m, code), d in sorted(sums.items()):
        out.append(HwMonth(u, names[u], m, code, {ACTION_ZH[a]: tonnes_text(v) for a, v in d.items()},
                           tonnes_text(d.get("store_in", 0) - d.get("store_out", 0))))
    return out
