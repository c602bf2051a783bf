"""The carbon domain's audited writes for an acting user (web pages, JSON API).

* :func:`add_factor` — a bureau user adds a factor row (a year's Shanxi grid factor, a confirmed
  default) to the library without code (issue 13 item 1; carbon.md §10), audited with the row.
* :func:`open_rectification` — a bureau user opens an item of the rectification ledger for a
  failed check (issue 13 item 2; carbon.md §4.2): never automatic, one item per failed result,
  the computation attached as evidence.

Both take ``(db, ctx, user, …)``, check the role themselves (the routes check it too), write the
audit record in the transaction of the change and commit; refusals raise
:mod:`qingshan.core.errors`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qingshan.carbon import factors as factor_lib
from qingshan.carbon import queries
from qingshan.carbon.evidence import check_evidence
from qingshan.carbon.evidence_sheet import canonical_json, evidence_xlsx
from qingshan.carbon.models import CarbonCheckItem, CarbonFacility, CarbonUnit
from qingshan.carbon.report import FactorRef
from qingshan.core import clock
from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import Conflict, PermissionDenied, ValidationFailed
from qingshan.core.org import BUREAU_ROLES, Unit, User, role_label
from qingshan.ledgers import service as ledger_service
from qingshan.standards.carbon_factors import FactorError

#: Column widths of ``carbon_factor`` (checked before the database, which would refuse on PostgreSQL).
FACTOR_FIELD_MAX = {"table": 40, "key": 60, "param": 40, "value": 40, "unit": 30, "version": 60, "source": 500}
FACTOR_FIELD_LABELS = {"table": "因子表", "key": "键", "param": "参数", "value": "数值", "unit": "单位",
                       "valid_from": "起始年份", "valid_to": "终止年份", "version": "版本", "status": "状态",
                       "source": "来源"}


def _require_bureau(user: User | None, what: str, object_type: str) -> None:
    if user is None or user.role not in BUREAU_ROLES:
        raise PermissionDenied(f"无权{what}：此操作仅限局系统管理员和局科室工作人员，"
                               f"您的角色是{role_label(user.role if user else None)}。", object_type=object_type)


# --- the factor library --------------------------------------------------------------------------------


def add_factor(db: Session, ctx: AuditContext, user: User | None, fields: Mapping[str, object]) -> FactorRef:
    """Add a bureau factor row (validated as every library row; a correction is a new version).

    ``fields``: table, key, param, value, unit, valid_from, valid_to, version, status, source.
    """
    _require_bureau(user, "新增排放因子", "carbon_factor")
    errors = []
    for k, n in FACTOR_FIELD_MAX.items():
        v = fields.get(k)
        if v is not None and len(str(v).strip()) > n:
            errors.append({"field": k, "message": f"「{FACTOR_FIELD_LABELS[k]}」：长度超过 {n} 个字符"})
    if not str(fields.get("value") or "").strip():
        errors.append({"field": "value", "message": f"「{FACTOR_FIELD_LABELS['value']}」：必填"})
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), errors=errors)
    try:
        f, after = factor_lib.add_factor(db, fields, created_by=user.username)
    except FactorError as exc:
        db.rollback()
        raise ValidationFailed(f"因子未保存：{exc}", errors=[{"field": "", "message": str(exc)}]) from None
    record(db, ctx.as_actor(user), Action.CREATE, object_type="carbon_factor", object_id=f.row_id,
           object_repr=f.label[:200], after=after)
    db.commit()
    return FactorRef(**{k: (f.ref() | {"label": f.label}).get(k) for k in FactorRef.model_fields})


# --- rectification items for failed checks --------------------------------------------------------------


def _default_lead_unit(db: Session, unit_id: int) -> Unit | None:
    """The county (district) unit of the plant, when the facility has a county code the org knows."""
    fac = db.get(CarbonFacility, db.get(CarbonUnit, unit_id).facility_id)
    if not fac.county_code:
        return None
    return db.scalar(select(Unit).where(Unit.code == fac.county_code))


def open_rectification(db: Session, ctx: AuditContext, user: User | None, check_row_id: int, *,
                       lead_unit: int | str | None = None, deadline: date | str | None = None,
                       home: Path, max_bytes: int) -> queries.LinkedItem:
    """Open a key-task item of the rectification ledger for one failed check, with its evidence.

    The check must be a ``fail`` of the latest run of its unit-month (a result superseded by a
    newer computation is refused: the data changed). The evidence — check, lodged record, run
    figures, factor rows (:func:`qingshan.carbon.evidence.check_evidence`) — is stored with the
    link (canonical JSON and its SHA-256) and attached to the item as an Excel workbook.

    Steps (the ledger service commits on its own): (1) the link row is written and committed as a
    claim — a second request for the same result gets :class:`Conflict`; (2) the item is created
    by :func:`qingshan.ledgers.service.create_item` (audited there); a refusal there removes the
    claim; (3) the link gets the item id and its audit record; (4) the workbook is attached as
    the item's first progress entry (:func:`qingshan.ledgers.service.add_progress`, audited).
    """
    _require_bureau(user, "建立整改事项", "carbon_check")
    chk = queries.check_row(db, check_row_id)
    if chk.status != "fail":
        raise ValidationFailed(f"校核结果 {check_row_id}（{chk.check_id}）为“{chk.status}”，只有“不通过”的结果可以建立整改事项",
                               errors=[{"field": "check_row_id", "message": "只有“不通过”的校核结果可以建立整改事项"}])
    if not queries.is_latest(db, chk):
        raise Conflict(f"校核结果 {check_row_id} 已被更新的核算取代（数据已变更），请刷新页面后对最新结果操作。",
                       object_id=check_row_id, object_type="carbon_check")
    existing = queries.item_for_check(db, check_row_id)
    if existing is not None:
        raise Conflict(f"已为该校核结果建立整改事项 {existing.code or '（建立中）'}。", object_id=check_row_id,
                       object_type="carbon_check")
    with queries.domain_errors():
        payload = check_evidence(db, check_row_id)
    digest = hashlib.sha256(canonical_json(payload["evidence"])).hexdigest()
    subject = payload["evidence"]["subject"]
    title = payload["title"]
    if subject.get("demo") and "演示" not in title:
        title = "（演示）" + title
    if lead_unit in (None, ""):
        default = _default_lead_unit(db, chk.unit_id)
        lead_unit = default.id if default is not None else None
    fields = dict(payload["data"])
    fields["note"] = (f"{fields['note']}\n计算存证：/carbon/checks/{check_row_id}（SHA-256 {digest}）")[:2000]
    data = {"title": title[:300], "lead_unit": lead_unit, "deadline": deadline, "fields": fields}

    claim = CarbonCheckItem(check_row_id=chk.id, unit_id=chk.unit_id, year=chk.year, month=chk.month,
                            check_id=chk.check_id, evidence=payload["evidence"], evidence_sha256=digest,
                            opened_by=user.username)
    db.add(claim)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("另一位用户正在为该校核结果建立整改事项，请刷新页面。", object_id=check_row_id,
                       object_type="carbon_check") from None
    claim_id = claim.id
    try:
        item = ledger_service.create_item(db, ctx, user, "key_task", data)
    except Exception:  # re-raised: the claim must not outlive a refused or failed creation
        db.rollback()
        stale = db.get(CarbonCheckItem, claim_id)
        if stale is not None:
            db.delete(stale)
            db.commit()
        raise
    claim = db.get(CarbonCheckItem, claim_id)
    claim.ledger_item_id = item.id
    record(db, ctx.as_actor(user), Action.CREATE, object_type="carbon_check_item", object_id=claim.id,
           object_repr=f"{item.code} {chk.check_id} {subject['facility_code']}/{subject['unit']}"[:200],
           after={"check_row_id": chk.id, "check": chk.check_id, "unit_id": chk.unit_id, "year": chk.year,
                  "month": chk.month, "ledger_item_id": item.id, "ledger_item_code": item.code,
                  "evidence_sha256": digest, "run_id": chk.run_id})
    db.commit()
    sheet = evidence_xlsx(payload, sha256=digest)
    period = f"{chk.year}-{chk.month:02d}" if chk.month else str(chk.year)
    name = f"碳排放校核存证_{subject['facility_code']}_{subject['unit']}_{period}_{chk.check_id}.xlsx"
    ledger_service.add_progress(
        db, ctx, user, item.id,
        f"系统附校核计算存证（{chk.check_id}，核算记录 #{chk.run_id}，SHA-256 {digest}）。"
        + ("本事项所涉为演示/合成数据。" if subject.get("demo") else ""),
        [(name, sheet)], home=home, max_bytes=max_bytes)
    return queries.linked_item(db, db.get(CarbonCheckItem, claim_id))


def rectify_deadline_default(today: date | None = None, days: int = 30) -> date:
    """The deadline the form proposes (project choice, editable: 30 days; no rule sets one)."""
    return (today or clock.today()) + timedelta(days=days)
