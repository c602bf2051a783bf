"""Audited writes of the section registry: what the web pages, the JSON API and the CLI call.

Every write takes ``(db, ctx, user, …)`` (docs/architecture.md, "Adding a domain"): it checks that
``user`` may change the registry (the bureau: ``admin``/``staff``; the command line acts as
:data:`qingshan.core.audit.SYSTEM` with no user), validates through :mod:`qingshan.water.registry`
(Chinese messages naming the field), writes one audit record per change with the before and after
images in the same transaction, and commits. Errors are :mod:`qingshan.core.errors`, which the web
maps to statuses (403, 404, 422).

A CSV/Excel import (:func:`import_sections`) keeps the rule of the phase-1 importer: every row is
checked on its own, the good rows are applied once, the bad ones come back with file, row, field
and reason in Chinese; the import is one audit record (counts and every change) plus the file's
SHA-256.

The HJ 212 station links (:mod:`qingshan.water.stations`) are registry edits too:
:func:`link_station` and :func:`unlink_station` follow the same rule (bureau only, one audit
record with before/after, one transaction; a bad MN/code/unit/validity is
:class:`~qingshan.core.errors.ValidationFailed` — the MN is checked first, so a malformed MN is
422 whatever else is wrong —, an unknown section or an MN without a link
:class:`~qingshan.core.errors.NotFound`, and nothing is written). :func:`sync_hj212` runs
:func:`qingshan.water.hj212_sync.sync_hj212` for a bureau user (the web) and records the run
(counts and batch) in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from sqlalchemy.orm import Session

from qingshan.core.audit import SYSTEM, Action, AuditContext, record
from qingshan.core.errors import DomainError, NotFound, PermissionDenied, UnsupportedType, ValidationFailed
from qingshan.core.org import BUREAU_ROLES, User, role_label
from qingshan.water import hj212_sync, registry, stations
from qingshan.water.files import FileRefused, sha256_of
from qingshan.water.importer import WaterImportFailed

#: object_type of the audit records written here
SECTION = "water_section"
TARGET = "water_section_target"
STATION = "water_station_link"
SYNC = "water_hj212_sync"
#: file types accepted by the registry import (by name; the content is checked by the reader)
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx")


def require_bureau(ctx: AuditContext, user: User | None, what: str) -> None:
    """Only the bureau (admin/staff) edits the registry; the command line (``SYSTEM``, no user)
    is the operator's own machine."""
    if user is None and ctx == SYSTEM:
        return
    if user is None or user.role not in BUREAU_ROLES:
        raise PermissionDenied(
            f"无权{what}：断面登记仅限市生态环境局（系统管理员、科室工作人员）维护，"
            f"您的角色是{role_label(getattr(user, 'role', None))}。", object_type=SECTION)


def _invalid(exc: registry.SectionError) -> ValidationFailed:
    return ValidationFailed(str(exc), errors=[{"field": None, "message": str(exc)}])


def add_section(db: Session, ctx: AuditContext, user: User | None, data: dict) -> dict:
    """Register a section; returns the new row."""
    require_bureau(ctx, user, "登记断面")
    try:
        after = registry.add_section(db, **data)
    except registry.SectionError as exc:
        db.rollback()
        raise _invalid(exc) from None
    record(db, ctx.as_actor(user) if user is not None else ctx, Action.CREATE, object_type=SECTION,
           object_id=after["code"], object_repr=f"{after['code']} {after['name']}", after=after)
    db.commit()
    return after


def update_section(db: Session, ctx: AuditContext, user: User | None, code: str, changes: dict) -> dict:
    """Change fields of a section; returns the row after the change (audited with before/after)."""
    require_bureau(ctx, user, "修改断面")
    if registry.get_section(db, code) is None:
        raise NotFound(f"断面编码「{code}」未登记。")
    try:
        before, after = registry.update_section(db, code, **changes)
    except registry.SectionError as exc:
        db.rollback()
        raise _invalid(exc) from None
    if before != after:
        record(db, ctx.as_actor(user) if user is not None else ctx, Action.UPDATE, object_type=SECTION,
               object_id=after["code"], object_repr=f"{after['code']} {after['name']}", before=before, after=after)
    db.commit()
    return after


def set_target(db: Session, ctx: AuditContext, user: User | None, code: str, year: int,
               target_class: int | str) -> dict:
    """Set the target class of a section for a year (audited)."""
    require_bureau(ctx, user, "设置断面目标")
    if registry.get_section(db, code) is None:
        raise NotFound(f"断面编码「{code}」未登记。")
    try:
        before, after = registry.set_target(db, code, year, target_class)
    except registry.SectionError as exc:
        db.rollback()
        raise _invalid(exc) from None
    if before != after:
        record(db, ctx.as_actor(user) if user is not None else ctx, Action.UPDATE if before else Action.CREATE,
               object_type=TARGET, object_id=f"{code}/{after['year']}", object_repr=f"{code} {after['year']}年目标",
               before=before, after=after)
    db.commit()
    return after


def import_sections(db: Session, ctx: AuditContext, user: User | None, filename: str, data: bytes,
                    *, sheet: str | None = None) -> registry.SectionImportResult:
    """Import a section list (CSV UTF-8/GBK or .xlsx): per-row Chinese errors, good rows applied.

    Raises :class:`~qingshan.core.errors.UnsupportedType` for another file type and
    :class:`~qingshan.core.errors.ValidationFailed` when the whole file cannot be read (encoding,
    header); nothing is written then.
    """
    require_bureau(ctx, user, "导入断面")
    name = PurePath(str(filename or "").replace("\\", "/")).name or "未命名"
    if PurePath(name).suffix.lower() not in IMPORT_SUFFIXES:
        raise UnsupportedType(f"不支持的文件类型「{name}」：请上传 CSV（UTF-8 或 GBK）或 Excel（.xlsx）文件。")
    try:
        res = registry.import_sections(db, name, data, sheet=sheet)
    except FileRefused as exc:
        db.rollback()
        e = exc.error
        raise ValidationFailed(str(e), errors=[{"field": e.field, "message": str(e), "row": e.row}]) from None
    if res.added or res.updated or res.targets_set:
        record(db, ctx.as_actor(user) if user is not None else ctx, Action.IMPORT, object_type=SECTION,
               object_repr=f"断面登记导入 {name}",
               after={"file": name, "sha256": sha256_of(data), "rows_read": res.rows_read, "added": res.added,
                      "updated": res.updated, "targets_set": res.targets_set, "rejected": len(res.errors),
                      "changes": [{"before": b, "after": a} for b, a in res.changes]})
    db.commit()
    return res


def _checked_mn(mn: str) -> str:
    # before any lookup: a malformed MN is bad input (422), not an unknown device or section (404)
    try:
        return stations.check_mn(mn)
    except stations.StationLinkError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": "mn", "message": str(exc)}]) from None


def link_station(db: Session, ctx: AuditContext, user: User | None, mn: str, section_code: str, *,
                 codes: dict[str, str] | None = None, units: dict[str, str] | None = None,
                 valid_from: datetime | None = None, valid_to: datetime | None = None) -> dict:
    """Link an HJ 212 device (MN) to a section with its factor codes and units (hj212.md §12.3)."""
    require_bureau(ctx, user, "关联自动站设备")
    mn = _checked_mn(mn)
    if registry.get_section(db, section_code) is None:
        raise NotFound(f"断面编码「{section_code}」未登记，设备 {mn} 未关联（请先用 qingshan water sections add 登记断面）。")
    try:
        before, after = stations.link(db, mn, section_code, codes=codes, units=units, valid_from=valid_from,
                                      valid_to=valid_to)
    except stations.StationLinkError as exc:
        db.rollback()
        raise ValidationFailed(str(exc), errors=[{"field": None, "message": str(exc)}]) from None
    if before != after:
        record(db, ctx.as_actor(user) if user is not None else ctx, Action.UPDATE if before else Action.CREATE,
               object_type=STATION, object_id=after["mn"], object_repr=f"设备 {after['mn']} → 断面 {after['section_code']}",
               before=before, after=after)
    db.commit()
    return after


def unlink_station(db: Session, ctx: AuditContext, user: User | None, mn: str) -> dict:
    """Deactivate a device's link (the row stays; the sync no longer takes its values)."""
    require_bureau(ctx, user, "解除自动站设备关联")
    mn = _checked_mn(mn)
    try:
        before, after = stations.unlink(db, mn)
    except stations.StationLinkError as exc:
        db.rollback()
        raise NotFound(str(exc)) from None
    if before != after:
        record(db, ctx.as_actor(user) if user is not None else ctx, Action.UPDATE, object_type=STATION,
               object_id=mn, object_repr=f"设备 {mn} 解除关联断面 {before['section_code']}", before=before, after=after)
    db.commit()
    return after


def sync_hj212(db: Session, ctx: AuditContext, user: User | None, start: datetime, end: datetime, *,
               cn: str = "2061") -> hj212_sync.SyncResult:
    """Import the linked stations' HJ 212 values of ``[start, end)`` (bureau only; one audit record
    with the counts and the batch). The sync writes through its own connection on ``db``'s engine
    and commits there; the audit record follows in ``db``."""
    require_bureau(ctx, user, "同步 HJ 212 数据")
    try:
        res = hj212_sync.sync_hj212(db.get_bind(), start, end, cn=cn)
    except ValueError as exc:  # an unsupported CN or an empty period (Chinese, nothing read)
        raise ValidationFailed(str(exc), errors=[{"field": None, "message": str(exc)}]) from None
    except WaterImportFailed as exc:  # the batch is recorded as failed; nothing was written
        raise DomainError(f"HJ 212 数据同步失败：{exc}") from None
    d = res.as_dict()
    record(db, ctx.as_actor(user) if user is not None else ctx, Action.IMPORT, object_type=SYNC,
           object_id=str(res.batch_id) if res.batch_id is not None else None,
           object_repr=f"HJ 212 同步 CN {cn} {start:%Y-%m-%d %H:%M}～{end:%Y-%m-%d %H:%M}",
           after={k: v for k, v in d.items() if k != "notes"} | {"notes": len(res.notes)})
    db.commit()
    return res
