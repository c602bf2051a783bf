"""Audited writes of units, station lists, annual targets and manual inputs (issue 11 item 1:
"editable in the web (admin role) and importable from Excel (web upload too), audited").

Every function takes ``(db, ctx, user, …)`` (docs/architecture.md): it checks the role, writes
through :class:`~qingshan.targets.store.TargetStore` on the session's own connection and adds
one audit record per changed row (before/after) in the **same** transaction, then commits. A
bad value raises :class:`~qingshan.core.errors.ValidationFailed` with the store's Chinese
message; an import with any bad row writes nothing and lists every row's error.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

from sqlalchemy.orm import Session

from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import PermissionDenied, ValidationFailed
from qingshan.core.org import ROLES, User, role_label
from qingshan.store.registry import StationRegistry
from qingshan.targets.excel import Change, ImportFailed, ImportSummary, export_workbook, import_workbook
from qingshan.targets.store import TargetsError, TargetStore

#: who may change units, lists, targets and manual inputs (the issue: the admin role)
EDIT_ROLES: tuple[str, ...] = ("admin",)
#: who may read them and download the workbook
READ_ROLES: tuple[str, ...] = ("admin", "staff", "unit", "leader")


def _require(user: User | None, roles: tuple[str, ...], what: str, object_type: str) -> None:
    if user is None or user.role not in roles:
        names = "、".join(ROLES[r] for r in roles)
        raise PermissionDenied(f"无权{what}：此功能仅限{names}，您的角色是{role_label(user.role if user else None)}。",
                               object_type=object_type)


def _store(db: Session) -> TargetStore:
    return TargetStore(str(db.get_bind().url.render_as_string(hide_password=False)), auto_migrate=False,
                       engine=db.get_bind())


def _station_codes(db: Session) -> set[str]:
    """Codes of the station registry (a unit's list may only name registered stations)."""
    return set(StationRegistry(_store(db).url, auto_migrate=False, engine=db.get_bind()).stations_frame()["code"])


def _audit(db: Session, ctx: AuditContext, user: User | None, change: Change, action=Action.UPDATE,
           message: str | None = None) -> None:
    record(db, ctx.as_actor(user), Action.CREATE if change.before is None and action == Action.UPDATE else action,
           object_type=change.object_type, object_id=change.key, object_repr=change.key,
           before=change.before if isinstance(change.before, dict) or change.before is None else {"members": change.before},
           after=change.after if isinstance(change.after, dict) else {"members": change.after}, message=message)


def _write(db: Session, ctx: AuditContext, user: User | None, object_type: str, key: str, fn, what: str) -> dict:
    _require(user, EDIT_ROLES, what, object_type)
    try:
        before, after = fn(_store(db), db.connection())
    except TargetsError as exc:
        db.rollback()
        raise ValidationFailed(str(exc)) from None
    if before != after:
        _audit(db, ctx, user, Change(object_type, key, before, after), message=what)
    db.commit()
    return {"before": before, "after": after, "changed": before != after}


def set_target(db: Session, ctx: AuditContext, user: User | None, year: int, unit_code: str, indicator: str,
               value: str, source_doc: str, *, direction: str | None = None, decimals: int | None = None,
               dust_rule: str = "none", base_value: str | None = None) -> dict:
    """Set one annual target (§3.1); returns ``{before, after, changed}``."""
    return _write(db, ctx, user, "targets_target", f"{year} {unit_code} {indicator}",
                  lambda st, conn: st.upsert_target(year, unit_code, indicator, value, source_doc, direction=direction,
                                                    decimals=decimals, dust_rule=dust_rule, base_value=base_value,
                                                    conn=conn), "修改年度目标")


def delete_target(db: Session, ctx: AuditContext, user: User | None, year: int, unit_code: str,
                  indicator: str) -> dict:
    _require(user, EDIT_ROLES, "删除年度目标", "targets_target")
    before = _store(db).delete_target(year, unit_code, indicator, conn=db.connection())
    if before is None:
        db.rollback()
        raise ValidationFailed(f"{year}年 {unit_code} 没有指标 {indicator} 的目标")
    record(db, ctx.as_actor(user), Action.UPDATE, object_type="targets_target", object_id=f"{year} {unit_code} {indicator}",
           object_repr=f"{year} {unit_code} {indicator}", before=before, after=None, message="删除年度目标")
    db.commit()
    return {"before": before, "after": None, "changed": True}


def set_manual_input(db: Session, ctx: AuditContext, user: User | None, month: str, kind: str, unit_code: str,
                     period: str, indicator: str, value: str, doc_no: str, doc_date: date,
                     note: str | None = None) -> dict:
    """A monthly manual input with its document number and date (§0, §5)."""
    return _write(db, ctx, user, "targets_manual_input", f"{month} {kind} {unit_code} {period} {indicator}",
                  lambda st, conn: st.upsert_manual_input(month, kind, unit_code, period, indicator, value, doc_no,
                                                          doc_date, note, conn=conn), "修改手工录入")


def set_unit(db: Session, ctx: AuditContext, user: User | None, code: str, name: str, kind: str,
             display_order: int, valid_from: date, valid_to: date | None = None) -> dict:
    return _write(db, ctx, user, "targets_unit", code,
                  lambda st, conn: st.upsert_unit(code, name, kind, display_order, valid_from, valid_to, conn=conn),
                  "修改考核单位")


def set_unit_stations(db: Session, ctx: AuditContext, user: User | None, unit_code: str, station_codes: list[str],
                      valid_from: date) -> dict:
    """The unit's air-station list from ``valid_from`` (§0 ``unit_stations``; earlier periods keep
    the list they had)."""
    codes = sorted({c.strip() for c in station_codes if c.strip()})
    known = _station_codes(db)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed(f"站点登记中没有这些站点：{'、'.join(unknown[:20])}（请填写站点代码，如 1723A）")
    def write(st, conn):
        before, after = st.set_unit_stations(unit_code, codes, valid_from, conn=conn)
        return ({"unit_code": unit_code, "stations": before},
                {"unit_code": unit_code, "valid_from": valid_from.isoformat(), "stations": after})

    out = _write(db, ctx, user, "targets_unit_station", f"{unit_code} {valid_from}", write, "修改站点名单")
    out["changed"] = out["before"]["stations"] != out["after"]["stations"]
    return out


def import_upload(db: Session, ctx: AuditContext, user: User | None, content: bytes, filename: str) -> ImportSummary:
    """An uploaded workbook (layout of :mod:`qingshan.targets.excel`): all rows or none, one audit
    record per changed row plus one for the file."""
    _require(user, EDIT_ROLES, "导入目标", "targets_import")
    changes: list[Change] = []
    try:
        summary = import_workbook(_store(db), BytesIO(content), conn=db.connection(), filename=filename,
                                  changes=changes, known_stations=_station_codes(db))
    except ImportFailed as exc:
        db.rollback()
        errors = [{"row": e.row, "column": e.field, "sheet": e.sheet, "message": str(e)} for e in exc.errors]
        raise ValidationFailed(f"{filename}：共 {len(errors)} 处错误，未导入任何数据。", errors=errors) from None
    except TargetsError as exc:
        db.rollback()
        raise ValidationFailed(f"{filename}：{exc}（未导入任何数据）") from None
    for ch in changes:
        _audit(db, ctx, user, ch, message=f"导入 {filename}")
    record(db, ctx.as_actor(user), Action.IMPORT, object_type="targets_import", object_repr=filename,
           after={"file": filename, "units": summary.units, "station_lists": summary.station_lists,
                  "section_lists": summary.section_lists, "targets": summary.targets,
                  "manual_inputs": summary.manual_inputs, "changed": summary.changed},
           message=f"导入目标工作簿 {filename}：变化 {summary.changed} 项")
    db.commit()
    return summary


def export(db: Session, user: User | None, year: int) -> bytes:
    _require(user, READ_ROLES, "导出目标", "targets_export")
    return export_workbook(_store(db), year, conn=db.connection())


__all__ = ["EDIT_ROLES", "READ_ROLES", "delete_target", "export", "import_upload", "set_manual_input", "set_target",
           "set_unit", "set_unit_stations"]
