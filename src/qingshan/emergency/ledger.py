"""Rectification-ledger items for enterprises that did not cut during an alert (issue 12 item 4).

One bureau action per verification (「生成整改台账」, :func:`open_items`): every enterprise whose
result is ``FAIL`` or ``STOP_BREACH`` (air-emergency.md §4.2) gets one item of the ledger kind
``emergency`` (应急减排落实问题, :mod:`qingshan.ledgers.workflow`) through the ledger's own
:func:`qingshan.ledgers.service.create_item` — responsible unit the enterprise's county, deadline
:data:`DEADLINE_DAYS` days on —, with the computation attached as evidence: an Excel workbook
(:func:`computation_workbook`: the results with their exact values, the hourly emission rates
and flags, the windows, parameters and table versions) added as the item's first progress entry.

Idempotent: one item per enterprise × alert (``emergency_ledger_link``, unique), whichever
verification of the alert found it; a second click reports the items already opened. The
action is audited (one record naming what was created and what existed), and the ledger
records its own creation and attachment entries.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.org import User
from qingshan.emergency.errors import NotFound
from qingshan.emergency.models import Alert, LedgerLink, Verification, VerificationResult
from qingshan.emergency.report import EnterpriseDetail, enterprise_verification
from qingshan.emergency.service import require_bureau
from qingshan.emergency.verification import FAILING, evidence_payload
from qingshan.ledgers.models import LedgerItem
from qingshan.ledgers.service import add_progress, create_item
from qingshan.sources.models import Enterprise
from qingshan.standards.emergency_reduction import LEVEL_ZH

#: Days from the ledger item's creation to its rectification deadline (PROJECT DEFAULT: no rule
#: for this deadline was found; the bureau edits the item's deadline as it decides).
DEADLINE_DAYS = 30
#: The city's own unit (市生态环境局 side) when the enterprise has no county on record.
CITY_UNIT = "140200"


@dataclass
class LedgerOutcome:
    verification_id: int
    created: list[dict[str, Any]] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)


def alert_label(alert: Alert) -> str:
    level = LEVEL_ZH.get(alert.max_level, alert.max_level)
    return f"预警 {alert.id}：{alert.city}{level}预警（{alert.start:%Y-%m-%d %H:%M} 起）"


def _item_of(db: Session, link: LedgerLink, label: str, uscc: str) -> LedgerItem | None:
    """The item of a link; for a link whose second commit was lost, the item carrying its keys."""
    if link.ledger_item_id is not None:
        return db.get(LedgerItem, link.ledger_item_id)
    for item in db.scalars(select(LedgerItem).where(LedgerItem.kind == "emergency")):
        if (item.data or {}).get("alert") == label and (item.data or {}).get("uscc") == uscc:
            return item
    return None


def open_items(db: Session, engine: Engine, ctx: AuditContext, user: User | None, verification_id: int, *,
               home, max_bytes: int, deadline_days: int = DEADLINE_DAYS) -> LedgerOutcome:
    """Open the ledger items of a verification's failing enterprises (see module doc)."""
    require_bureau(user, "生成整改台账")
    v = db.get(Verification, verification_id)
    if v is None:
        raise NotFound(f"核查记录 {verification_id} 不存在")
    alert = db.get(Alert, v.alert_id)
    label = alert_label(alert)
    failing = sorted({r.enterprise_id for r in db.scalars(select(VerificationResult).where(
        VerificationResult.verification_id == v.id, VerificationResult.status.in_(FAILING)))})
    out = LedgerOutcome(v.id)
    for eid in failing:
        ent = db.get(Enterprise, eid)
        link = db.scalar(select(LedgerLink).where(LedgerLink.alert_id == alert.id, LedgerLink.enterprise_id == eid))
        if link is not None:
            item = _item_of(db, link, label, ent.uscc)
            if item is not None:
                if link.ledger_item_id is None:
                    link.ledger_item_id = item.id
                    db.commit()
                out.existing.append({"enterprise_id": eid, "enterprise": ent.name, "item_id": item.id,
                                     "code": item.code, "verification_id": link.verification_id})
                continue
        try:
            out.created.append(_open_one(db, engine, ctx, user, v, alert, label, ent, link, home=home,
                                         max_bytes=max_bytes, deadline_days=deadline_days))
        except BaseException:
            db.rollback()  # nothing of this enterprise's item stays half-written
            raise
    try:
        record(db, ctx.as_actor(user), Action.CREATE, object_type="emergency_ledger", object_id=v.id,
               object_repr=f"核查记录 {v.id} 生成整改台账", after={"created": out.created, "existing": out.existing},
               message=f"生成整改台账：新建 {len(out.created)} 项，已有 {len(out.existing)} 项")
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return out


def _open_one(db: Session, engine: Engine, ctx: AuditContext, user: User, v: Verification, alert: Alert, label: str,
              ent: Enterprise, link: LedgerLink | None, *, home, max_bytes: int, deadline_days: int) -> dict[str, Any]:
    payload = evidence_payload(db, v.id, ent.id)
    if link is None:
        # claimed first: a concurrent second click fails on the unique key, not with a second item
        link = LedgerLink(alert_id=alert.id, enterprise_id=ent.id, verification_id=v.id, created_by=user.username)
        db.add(link)
        db.flush()
    fields = payload["fields"]
    data = {
        "title": payload["title"][:200],
        "lead_unit": ent.county_code or CITY_UNIT,
        "deadline": (clock.today() + timedelta(days=deadline_days)).isoformat(),
        "fields": {"enterprise": ent.name, "uscc": ent.uscc, "alert": label,
                   "check_result": fields["evidence"][:4000] or "见附件核查计算表",
                   "requirement": fields["measures"],
                   "note": (fields["note"] + ("；演示数据" if payload["demo"] else ""))[:2000]},
    }
    item = create_item(db, ctx, user, "emergency", data)  # commits the item with the claimed link
    link.ledger_item_id = item.id
    book = computation_workbook(payload, enterprise_verification(db, engine, v.id, ent.id))
    add_progress(db, ctx, user, item.id, f"核查计算（VERIFY-1，核查记录 {v.id}）作为佐证附后",
                 [(f"减排核查计算_预警{alert.id}_{ent.uscc}.xlsx", book)], home=home, max_bytes=max_bytes)
    return {"enterprise_id": ent.id, "enterprise": ent.name, "item_id": item.id, "code": item.code,
            "verification_id": v.id}


def links(db: Session, alert_id: int) -> dict[int, dict[str, Any]]:
    """Enterprise id → the ledger item opened for it in this alert (for the pages)."""
    out = {}
    for link in db.scalars(select(LedgerLink).where(LedgerLink.alert_id == alert_id)):
        item = db.get(LedgerItem, link.ledger_item_id) if link.ledger_item_id else None
        if item is not None:
            out[link.enterprise_id] = {"item_id": item.id, "code": item.code, "status": item.status}
    return out


def computation_workbook(payload: dict[str, Any], detail: EnterpriseDetail) -> bytes:
    """The computation as the bureau reads it: results, hourly rates, windows and tables (.xlsx)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "核查结论"
    c = payload["computation"]
    ws.append([payload["title"] + ("（演示数据）" if payload["demo"] else "")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"企业：{detail.name}（{detail.uscc}）；核查记录 {c['verification_id']}，核查时刻 {c['evaluated_at']}"
               + ("，预警进行中（暂定）" if c["provisional"] else "")])
    ws.append(["依据：air-emergency.md §4.2–§4.3 规则 VERIFY-1（项目默认规则，非官方方法）"])
    ws.append([])
    heads = ["生产线", "污染物", "结论", "削减比例", "要求削减", "有效数据比例", "负荷比", "基准排放速率(kg/h)",
             "预警期排放速率(kg/h)", "允许排放速率(kg/h)", "基准来源", "标记", "停产期间仍排放小时数",
             "削减比例（精确值）", "要求（精确值）"]
    ws.append(heads)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    exact = {(r["unit"], r["pollutant"]): r for r in c["results"]}
    for s in detail.series:
        r = exact.get((s.unit, s.pollutant), {})
        ws.append(["、".join(s.line_ids), s.pollutant_zh, s.status_zh, s.rho_pub, s.rho_req_pub, s.coverage_pub,
                   s.load_ratio_pub, s.r_base_kg_h, s.r_alert_kg_h, s.r_allowed_kg_h,
                   {"list": "清单（E0/24）"}.get(r.get("baseline_source"), "在线监测"),
                   "、".join(r.get("flags") or ()), len(s.stop_breach_hours), r.get("rho"), r.get("rho_req")])
    hs = wb.create_sheet("逐时排放速率")
    hs.append(["生产线", "污染物", "时段起点（北京时间）", "窗口", "有效", "停产小时", "排放速率(kg/h)"])
    for s in detail.series:
        for t, w, rate, ok, off in zip(s.hours, s.windows, s.rates_kg_h, s.valid, s.shutdown):
            hs.append(["、".join(s.line_ids), s.pollutant_zh, t[:16].replace("T", " "), {"baseline": "基准期",
                       "alert": "预警期"}.get(w, w), "是" if ok else "否", "是" if off else "", rate])
    ts = wb.create_sheet("窗口参数与数据表")
    ts.append(["项目", "内容"])
    ts.append(["预警", payload["fields"].get("note", "")])
    for k, val in (("窗口", c["window"]), ("参数", c["params"]), ("数据表版本", c["tables"]),
                   ("各小时排除统计", {s.pollutant: s.excluded for s in detail.series})):
        ts.append([k, json.dumps(val, ensure_ascii=False)])
    ts.append(["说明", "逐时速率按核查时刻与同一参数版本重新读取在线监测数据计算" +
               ("" if detail.same_as_stored else "；重新计算的结论与核查记录不一致（其后有数据补传），以核查记录为准")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
