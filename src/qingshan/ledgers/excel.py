"""Excel exchange of ledgers in the layout bureaus mail around: one sheet per kind, a title row,
one header row of Chinese column names, then one row per item.

Import is all-or-nothing: every row is validated first; if any cell is wrong the whole file is
refused with one Chinese message per problem naming the row and column, and nothing is written.

* Formula cells are refused (「不接受公式」, row and column): the file is read without evaluating
  anything, and a formula's cached result — absent when a program other than Excel wrote the
  file — is not a value someone typed and checked.
* At most :data:`MAX_IMPORT_ROWS` non-empty data rows; reading stops as soon as the limit is
  passed (and after :data:`MAX_SCAN_ROWS` rows in all, blank ones included), so an oversized
  sheet is never loaded whole.
* A 状态 column may set an item's starting state, but not a state that only the bureau's own
  judgement reaches (:data:`IMPORT_REFUSED_STATES`: 已办结/已销号 and 已现场核查): such a row is a
  row error. Closing an imported item goes through the workflow (申请 → 核查 → 办结/销号), which
  is audited step by step.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import ValidationFailed
from qingshan.ledgers.kinds import COMMON_LABELS, KIND_FIELDS
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.permissions import require
from qingshan.ledgers.privacy import audit_read, may_see_personal
from qingshan.ledgers.queries import item_out, list_items
from qingshan.ledgers.service import _audits_refusals, _next_codes, _progress, build_item, item_snapshot
from qingshan.ledgers.workflow import CLOSED_STATES, KINDS, STATES
from qingshan.xlsxcheck import package_problem

SEQ, CODE, STATUS, OVERDUE, UPDATED, UPDATED_BY = "序号", "编号", "状态", "是否逾期", "最近更新", "更新人"
EXPORT_ONLY = (SEQ, OVERDUE, UPDATED, UPDATED_BY)
MAX_IMPORT_ROWS = 5000
MAX_SCAN_ROWS = 4 * MAX_IMPORT_ROWS  # rows read in all (blank/formatted-only rows included)
#: Largest uncompressed size of the whole .xlsx and of one part [byte]. A real ledger of 5000
#: rows × 20 columns is a few MB uncompressed; a "zip bomb" (107 KB holding a 100 MiB string)
#: must be refused before openpyxl inflates it.
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
#: Most cells (``<c`` elements) in all worksheets together, counted while streaming the XML
#: before anything is parsed: MAX_SCAN_ROWS rows × 50 columns.
MAX_CELLS = MAX_SCAN_ROWS * 50
IMPORT_REFUSED_STATES = CLOSED_STATES | {"verified"}


def columns(kind: str) -> list[tuple[str, str]]:
    """(header, key) in sheet order; keys ``fields.<k>`` address kind-specific fields."""
    labels = COMMON_LABELS[kind]
    cols = [(SEQ, "seq"), (CODE, "code"), (labels["title"], "title"), (labels["lead_unit"], "lead_unit"),
            (labels["units"], "units"), (labels["deadline"], "deadline"), (STATUS, "status"), (OVERDUE, "overdue")]
    cols += [(f.label, f"fields.{f.key}") for f in KIND_FIELDS[kind]]
    cols += [(UPDATED, "updated_at"), (UPDATED_BY, "updated_by")]
    return cols


def export_items(db: Session, user, kind: str, *, ctx: AuditContext | None = None, **filters) -> bytes:
    """The ledger of ``kind`` (with the same filters as the list) as an .xlsx file.

    Personal fields are exported in clear only for items whose personal data ``user`` may see
    (:func:`~qingshan.ledgers.privacy.may_see_personal`) and only with an audit context: each
    such item gets a ``read`` record (committed with the export). Others are masked."""
    require(user, "export")
    if kind not in KINDS:
        raise ValidationFailed(f"未知的台账类型「{kind}」。")
    items, _ = list_items(db, user, kind=kind, limit=100000, **filters)
    wb = Workbook()
    ws = wb.active
    ws.title = KINDS[kind]
    cols = columns(kind)
    now = clock.now_local()
    ws.cell(1, 1, f"大同市{KINDS[kind]}台账（导出时间：{now:%Y-%m-%d %H:%M}）").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, (header, _) in enumerate(cols, start=1):
        c = ws.cell(2, j, header)
        c.font, c.fill = Font(bold=True), fill
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = 40 if header == COMMON_LABELS[kind]["title"] else 14
    today = clock.today()
    revealed = [item for item in items if ctx is not None and may_see_personal(user, item)]
    clear = {item.id for item in revealed}
    for i, item in enumerate(items, start=1):
        out = item_out(item, today=today, personal=item.id in clear)
        values = {
            "seq": i, "code": item.code, "title": item.title,
            "lead_unit": item.lead_unit.name if item.lead_unit else "",
            "units": "、".join(u.unit.name for u in item.units),
            "deadline": item.deadline, "status": out["status_label"], "overdue": "是" if out["overdue"] else "否",
            "updated_at": clock.local_text(item.updated_at),
            "updated_by": item.updated_by or "",
        }
        for j, (_, key) in enumerate(cols, start=1):
            value = out["fields"].get(key[7:]) if key.startswith("fields.") else values[key]
            c = ws.cell(i + 2, j)
            c.value = value if value is not None else ""
            if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                c.data_type = "s"  # text, never a formula
            if key == "deadline" and value:
                c.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C3"
    buf = io.BytesIO()
    wb.save(buf)
    if revealed and audit_read(db, ctx, user, revealed, "导出"):
        db.commit()
    return buf.getvalue()


def check_package(content: bytes, filename: str, *, max_unzipped: int | None = None,
                  max_cells: int | None = None) -> None:
    """Refuse an .xlsx that would inflate beyond ``max_unzipped`` bytes or whose sheets hold more
    than ``max_cells`` cells, before openpyxl parses anything (``ValidationFailed``, nothing
    imported; :func:`qingshan.xlsxcheck.package_problem`). Limits default to this module's
    :data:`MAX_UNZIPPED_BYTES` and :data:`MAX_CELLS`, read at call time."""
    problem = package_problem(content, filename, max_unzipped=max_unzipped or MAX_UNZIPPED_BYTES,
                              max_cells=max_cells or MAX_CELLS)
    if problem is not None:
        raise ValidationFailed(problem)


def _find_header(ws, kind: str) -> int | None:
    title_label = COMMON_LABELS[kind]["title"]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        if any(isinstance(v, str) and v.strip() == title_label for v in row):
            return r
    return None


@_audits_refusals
def import_items(db: Session, ctx: AuditContext, user, kind: str, content: bytes, filename: str = "导入文件.xlsx") -> list[LedgerItem]:
    """Import a sheet of new items of ``kind``; all rows or none.

    Raises
    ------
    ValidationFailed
        ``errors`` lists ``{"row", "column", "message"}`` with Excel row numbers.
    """
    require(user, "import")
    if kind not in KINDS:
        raise ValidationFailed(f"未知的台账类型「{kind}」。")
    check_package(content, filename)
    try:
        # data_only=False: formula cells come back as formulas (data_type "f"), to be refused
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for non-xlsx input
        raise ValidationFailed(f"文件「{filename}」不是有效的 Excel（.xlsx）文件，未导入任何数据。") from None
    ws = wb[KINDS[kind]] if KINDS[kind] in wb.sheetnames else wb.worksheets[0]
    header_row = _find_header(ws, kind)
    if header_row is None:
        raise ValidationFailed(
            f"文件「{filename}」工作表「{ws.title}」前 10 行中找不到表头「{COMMON_LABELS[kind]['title']}」，"
            f"请使用导出的{KINDS[kind]}台账模板。未导入任何数据。"
        )
    by_header = {h: k for h, k in columns(kind)}
    row_iter = ws.iter_rows(min_row=header_row)
    header_cells = next(row_iter, ())
    headers = [str(c.value).strip() if getattr(c, "value", None) is not None else "" for c in header_cells]
    errors: list[dict] = []

    def err(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": f"第 {row} 行「{column}」：{message}"})

    colmap: dict[int, str] = {}
    for j, h in enumerate(headers):
        if not h:
            continue
        if h not in by_header:
            errors.append({"row": header_row, "column": h,
                           "message": f"第 {header_row} 行第 {get_column_letter(j + 1)} 列：未知表头「{h}」"})
        elif h in colmap.values():
            pass
        else:
            colmap[j] = h
    required = [COMMON_LABELS[kind]["title"]] + [f.label for f in KIND_FIELDS[kind] if f.required]
    for h in required:
        if h not in colmap.values():
            errors.append({"row": header_row, "column": h, "message": f"第 {header_row} 行：缺少必填列「{h}」"})
    if errors:
        raise ValidationFailed(f"导入失败：表头有 {len(errors)} 处错误，未导入任何数据。", errors=errors)

    status_by_label = {label: code for code, label in STATES[kind].items()}
    label_of = {f.key: f.label for f in KIND_FIELDS[kind]} | {
        k: v for k, v in COMMON_LABELS[kind].items()
    }
    existing = set(db.scalars(select(LedgerItem.code)).all())
    seen_codes: dict[str, int] = {}
    parsed: list[tuple[int, dict, str | None, str | None]] = []
    non_empty = 0
    for offset, cells in enumerate(row_iter, start=1):
        r = header_row + offset
        if offset > MAX_SCAN_ROWS:
            raise ValidationFailed(f"导入失败：文件「{filename}」表头下超过 {MAX_SCAN_ROWS} 行（含空行），"
                                   f"请删除多余的行或分批导入（每批最多 {MAX_IMPORT_ROWS} 行数据）。")
        formulas = {colmap[j] for j in colmap if j < len(cells) and getattr(cells[j], "data_type", None) == "f"}
        values = {colmap[j]: (None if colmap[j] in formulas else cells[j].value) for j in colmap if j < len(cells)}
        if not formulas and all(v is None or (isinstance(v, str) and not v.strip())
                                for k, v in values.items() if k not in EXPORT_ONLY):
            continue
        non_empty += 1
        if non_empty > MAX_IMPORT_ROWS:
            raise ValidationFailed(f"导入失败：数据超过 {MAX_IMPORT_ROWS} 行（第 {r} 行起），请分批导入。")
        for header in sorted(formulas, key=list(colmap.values()).index):
            col = get_column_letter(next(j for j, h in colmap.items() if h == header) + 1)
            err(r, header, f"第 {col} 列是公式，不接受公式，请粘贴为数值/文本后重新导入")
        if formulas:
            continue  # its other cells would only add follow-on errors (e.g. 必填)
        data: dict[str, Any] = {"fields": {}}
        code = status = None
        for header, value in values.items():
            key = by_header[header]
            if key in ("seq", "overdue", "updated_at", "updated_by"):
                continue
            if isinstance(value, str):
                value = value.strip()
            if key == "code":
                code = str(value).strip() if value not in (None, "") else None
            elif key == "status":
                if value not in (None, ""):
                    if value not in status_by_label:
                        err(r, header, f"「{value}」不是{KINDS[kind]}的状态（可选：{'、'.join(status_by_label)}）")
                    elif status_by_label[value] in IMPORT_REFUSED_STATES:
                        err(r, header, f"不能直接导入为「{value}」状态的事项：请导入为未结状态，"
                                       f"再按流程（申请、核查、办结/销号）办理")
                    else:
                        status = status_by_label[value]
            elif key.startswith("fields."):
                if value not in (None, ""):
                    data["fields"][key[7:]] = value
            elif value not in (None, ""):
                data[key] = value
        if code:
            if code in existing:
                err(r, CODE, f"编号「{code}」已存在于台账中（导入只能新增事项）")
            elif code in seen_codes:
                err(r, CODE, f"编号「{code}」与第 {seen_codes[code]} 行重复")
            seen_codes[code] = r
        _, row_errors = build_item(db, user, kind, data, code or "—", status=status)
        for label, message in row_errors:
            err(r, label_of.get(label, label), message)
        parsed.append((r, data, code, status))
    if errors:
        db.rollback()
        raise ValidationFailed(f"导入失败：共 {len(errors)} 处错误，未导入任何数据。请修改后重新导入整个文件。",
                               errors=errors)
    if not parsed:
        raise ValidationFailed(f"文件「{filename}」没有数据行，未导入任何数据。")

    auto = iter(_next_codes(db, kind, sum(1 for p in parsed if not p[2]), clock.today().year))
    created: list[LedgerItem] = []
    try:
        for r, data, code, status in parsed:
            item, row_errors = build_item(db, user, kind, data, code or next(auto), status=status)
            assert not row_errors
            db.add(item)
            db.flush()
            _progress(db, item, user, "import", f"由「{filename}」第 {r} 行导入", to_status=item.status)
            record(db, ctx.as_actor(user), Action.CREATE, object_type="ledger_item", object_id=item.id,
                      object_repr=f"{item.code} {item.title}", after=item_snapshot(item),
                      message=f"导入：{filename} 第 {r} 行")
            created.append(item)
        record(db, ctx.as_actor(user), Action.IMPORT, object_type="ledger", object_repr=f"{KINDS[kind]} {filename}",
                  after={"count": len(created), "codes": [i.code for i in created]})
        db.commit()
    except Exception:
        db.rollback()
        raise
    return created
