"""The bureau-editable versions of the UNCONFIRMED tables (air-emergency.md §1.2, §2.1, §3.2–§3.4, §4.2).

Each kind has one active version. The packaged defaults (``standards/data/emergency_*.json``)
are seeded on first use; the bureau adds a version (its own source and status), which is
validated by the standards module that uses it before it is stored, and activates it.
:func:`add_version` and :func:`activate` return before/after dicts for the audit trail (phase 2).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.emergency.errors import EmergencyError, NotFound
from qingshan.emergency.models import TableVersionRow
from qingshan.standards import alert_levels, emergency_reduction, performance_grading, verify_cuts
from qingshan.standards.emergency_tables import KINDS, TableError, TableVersion, from_dict, packaged


def _validate(t: TableVersion) -> None:
    """Every kind is checked by the module that uses it (a table that cannot be used is refused)."""
    if t.kind == "alert_thresholds":
        alert_levels.thresholds(t)
    elif t.kind == "required_ratio":
        emergency_reduction.validate_required_ratio(t)
    elif t.kind == "grade_limits":
        performance_grading.validate_grade_limits(t)
    elif t.kind == "verify_params":
        verify_cuts.VerifyParams.from_table(t)
    elif t.kind == "grade_measures":
        for ind, grades in t.data.get("industries", {}).items():
            for g, levels in grades.items():
                for lv in ("yellow", "orange", "red"):
                    for m in levels.get(lv, ()):
                        try:
                            emergency_reduction.parse_measure(m)
                        except emergency_reduction.ReductionError as exc:
                            raise TableError(f"分级减排措施 {t.version} {ind}/{g}/{lv}：{exc}") from None
    elif t.kind == "transport_rule":
        for g, alts in t.data.get("grades", {}).items():
            for alt in alts:
                if not set(alt) <= {"clean", "g6_ne", "g5_plus"}:
                    raise TableError(f"运输方式指标 {t.version} 等级 {g}：未知比例 {sorted(set(alt))}")


def seed(session: Session) -> int:
    """Store every packaged version not yet stored; the first one of a kind becomes active."""
    n = 0
    for kind in KINDS:
        have = {r.version: r for r in session.scalars(select(TableVersionRow).where(TableVersionRow.kind == kind))}
        any_active = any(r.active for r in have.values())
        for i, t in enumerate(packaged(kind)):
            if t.version in have:
                continue
            session.add(TableVersionRow(kind=kind, version=t.version, status=t.status, source=t.source,
                                        data=dict(t.to_dict()["data"]), active=(i == 0 and not any_active),
                                        packaged=True, created_by="packaged"))
            n += 1
    session.flush()
    return n


def _to_table(r: TableVersionRow) -> TableVersion:
    return TableVersion(r.kind, r.version, r.status, r.source, r.data)


def active(session: Session, kind: str) -> TableVersion:
    """The active version of ``kind`` (seeding the packaged defaults when the store has none)."""
    if kind not in KINDS:
        raise EmergencyError(f"未知的数据表类型“{kind}”")
    r = session.scalar(select(TableVersionRow).where(TableVersionRow.kind == kind, TableVersionRow.active.is_(True)))
    if r is None:
        seed(session)
        r = session.scalar(select(TableVersionRow).where(TableVersionRow.kind == kind,
                                                         TableVersionRow.active.is_(True)))
    return _to_table(r)


def get(session: Session, kind: str, version: str) -> TableVersion:
    r = session.scalar(select(TableVersionRow).where(TableVersionRow.kind == kind, TableVersionRow.version == version))
    if r is None:
        seed(session)
        r = session.scalar(select(TableVersionRow).where(TableVersionRow.kind == kind,
                                                         TableVersionRow.version == version))
    if r is None:
        raise NotFound(f"{KINDS.get(kind, kind)}没有版本“{version}”")
    return _to_table(r)


def versions(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    seed(session)
    q = select(TableVersionRow).order_by(TableVersionRow.kind, TableVersionRow.id)
    if kind:
        q = q.where(TableVersionRow.kind == kind)
    return [{"kind": r.kind, "kind_zh": KINDS[r.kind], "version": r.version, "status": r.status, "source": r.source,
             "active": r.active, "packaged": r.packaged, "created_by": r.created_by,
             "created_at": r.created_at.isoformat() if r.created_at else None} for r in session.scalars(q)]


def add_version(session: Session, doc: dict[str, Any], *, user: str | None = None, activate_it: bool = False,
                note: str | None = None) -> tuple[None, dict[str, Any]]:
    """Store a bureau-edited version (validated first); returns (before, after) for the audit trail."""
    try:
        t = from_dict(doc)
        _validate(t)
    except TableError as exc:
        raise EmergencyError(str(exc)) from None
    except (TypeError, AttributeError, KeyError, ValueError, ZeroDivisionError) as exc:
        # a shape the module's reader did not expect (a list where a mapping belongs …): refused
        raise EmergencyError(f"数据表格式不符（{type(exc).__name__}：{str(exc)[:200]}），请对照现有版本的 JSON 修改") from None
    seed(session)
    if session.scalar(select(TableVersionRow).where(TableVersionRow.kind == t.kind,
                                                    TableVersionRow.version == t.version)) is not None:
        raise EmergencyError(f"{KINDS[t.kind]}已有版本“{t.version}”，请使用新的版本号")
    row = TableVersionRow(kind=t.kind, version=t.version, status=t.status, source=t.source,
                          data=dict(t.to_dict()["data"]), active=False, packaged=False, created_by=user, note=note)
    session.add(row)
    session.flush()
    if activate_it:
        activate(session, t.kind, t.version)
    return None, {**t.ref, "source": t.source, "active": row.active}


def activate(session: Session, kind: str, version: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Make ``version`` the active one of ``kind``; returns (before, after) refs."""
    get(session, kind, version)
    before = None
    for r in session.scalars(select(TableVersionRow).where(TableVersionRow.kind == kind)):
        if r.active:
            before = {"kind": kind, "version": r.version, "status": r.status}
        r.active = r.version == version
    session.flush()
    after = active(session, kind).ref
    return before, after
