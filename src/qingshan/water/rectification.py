"""Open a rectification (整改) item for a section that is 劣Ⅴ or misses its target.

One action by a bureau user, never automatic (issue 10 item 4): :func:`open_rectification`
evaluates the section over the period (:func:`qingshan.water.evidence.rectification_evidence`:
class against the target, every item worse than Ⅲ or than the target with its evaluation value,
Class Ⅲ limit and exact multiple, the observations behind the means, the flags excluded, the
rules' version and status), refuses a section that is neither 劣Ⅴ nor failing its target, and
opens **one** item per section × period in the ledger:

* a ``water_rectifications`` row is claimed first (unique section × period): a second click, or
  two at once, finds it and gets the same item back — the action is idempotent;
* the ledger item is a 重点任务 of the area 「水」 (the existing ledger kind for the conference's
  碧水 tasks, e.g. 「消除劣Ⅴ类水体」): title, lead unit (the section's responsible unit, else
  its county), the period's facts in 任务来源/节点目标/备注;
* the evidence goes with it as an Excel workbook attached to the item's first progress entry
  (概要, 超标项目, 监测数据), and stays in the row as JSON as it was when the item was opened.

The water domain does not import the ledgers (independent parts of the domain layer): the web
passes a :class:`LedgerPort` that creates and attaches through
:mod:`qingshan.ledgers.service` (which audits both). This module audits the link
(``water_rectification``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import Conflict, NotFound, ValidationFailed
from qingshan.core.org import Unit, User
from qingshan.standards import gb3838
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.water.evidence import rectification_evidence
from qingshan.water.models import Rectification
from qingshan.water.queries import rectification_out
from qingshan.water.service import require_bureau
from qingshan.water.store import WaterStore

OBJECT_TYPE = "water_rectification"
#: the ledger kind and area the item is opened in
LEDGER_KIND = "key_task"
LEDGER_AREA = "水"
#: a claim without its ledger item older than this is taken as abandoned (a crash between the
#: two commits) and may be claimed again
STALE_CLAIM = timedelta(minutes=10)


class LedgerPort(Protocol):
    """What the rectification needs of the ledger (given by the web layer)."""

    def open_item(self, db: Session, ctx: AuditContext, user: User, kind: str, data: dict) -> tuple[int, str]:
        """Create the item (committing), return (id, code)."""

    def attach(self, db: Session, ctx: AuditContext, user: User, item_id: int, text: str,
               files: list[tuple[str, bytes]]) -> None:
        """Add a progress entry with files to the item (committing)."""


@dataclass(frozen=True)
class Opened:
    rectification: dict
    created: bool


def reason_of(evidence: dict) -> str | None:
    """Why the section needs a rectification over the period, or None (neither 劣Ⅴ nor failing)."""
    k, target = evidence.get("class"), evidence.get("target_class")
    parts = []
    if k == gb3838.WORSE_THAN_V:
        parts.append("水质为劣Ⅴ类")
    if evidence.get("attained") is False:
        parts.append(f"未达到{gb3838.class_label(target)}类目标（{gb3838.class_label(k)}类）")
    return "，".join(parts) or None


def _lead_unit(db: Session, section: dict) -> str | None:
    """The section's responsible unit when it is a unit of the organisation, else its county."""
    for ref in (section.get("responsible_unit"), section.get("county_code")):
        if ref:
            unit = db.scalar(select(Unit).where((Unit.name == ref) | (Unit.code == ref)))
            if unit is not None:
                return unit.code
    return None


def ledger_data(evidence: dict, reason: str, lead_unit: str | None, deadline: date | None) -> dict:
    """The 重点任务 fields of the item (texts within the ledger's limits)."""
    sec = evidence["section"]
    demo = "（演示断面）" if sec.get("demo") and "演示" not in sec["name"] else ""
    over = "；".join(
        f"{e['name']} {e['value']}（{e['class_label']}类" + (f"，超Ⅲ类标准 {e['multiple']} 倍" if e["multiple"] else "")
        + "）" for e in evidence["exceedances"]) or "—"
    target = evidence.get("target_class")
    note = (f"{evidence['period']} {sec['name']}{demo}断面水质 {evidence['class_label']} 类"
            f"（目标 {gb3838.class_label(target) or '未设定'} 类）；超标及未达目标项目：{over}。"
            f"评价口径：{evidence['rules_version']}（{evidence['rules_status']}）。佐证表见附件。")
    return {
        "title": f"地表水断面整改：{sec['name']}（{evidence['period']}，{reason}）"[:300],
        "lead_unit": lead_unit,
        "deadline": deadline.isoformat() if deadline else None,
        "fields": {
            "area": LEDGER_AREA,
            "source": f"水环境质量监测评价（GB 3838—2002，环办〔2011〕22号）：断面 {sec['code']} {evidence['period']}"[:300],
            "milestones": (f"{date.fromisoformat(evidence['start']).year}年达到{gb3838.class_label(target)}类目标"
                           if target else "消除劣Ⅴ类"),
            "note": note[:2000],
        },
    }


def evidence_workbook(evidence: dict, reason: str) -> bytes:
    """The evidence as an Excel workbook: 概要, 超标项目, 监测数据."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sec = evidence["section"]
    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    rows = [
        ("断面编码", sec["code"]), ("断面名称", sec["name"]), ("河流", sec.get("river") or ""),
        ("水体类型", gb3838.WATER_BODY_LABELS.get(sec.get("water_body") or "", "")),
        ("区县代码", sec.get("county_code") or ""), ("控制级别", sec.get("control_level") or ""),
        ("评价时段", evidence["period"]), ("水质类别", evidence["class_label"]),
        ("水质状况", evidence.get("status") or ""), ("目标类别", evidence.get("target_label") or "未设定"),
        ("是否达标", "" if evidence.get("attained") is None else ("是" if evidence["attained"] else "否")),
        ("整改原因", reason),
        ("主要污染指标", "、".join(f"{m['name']}({m['multiple']})" if m["multiple"] else m["name"]
                                 for m in evidence["main_pollutants"]) or "—"),
        ("参评项目数", str(len(evidence.get("items_evaluated") or []))),
        ("评价口径", f"{evidence['rules_version']}（{evidence['rules_status']}）"),
        ("依据", "GB 3838—2002 表1；地表水环境质量评价办法（试行）环办〔2011〕22号（单因子评价、超标倍数）"),
        ("数据说明", "演示断面，数据为合成演示数据" if sec.get("demo") else "监测数据（见「监测数据」表的来源列）"),
    ]
    for k, v in rows:
        ws.append([k, v])
    for c in ws["A"]:
        c.font = Font(bold=True)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 80
    ex = wb.create_sheet("超标项目")
    ex.append(["项目", "类别", "评价值", "Ⅲ类标准限值", "超标倍数（对Ⅲ类）"])
    for e in evidence["exceedances"]:
        ex.append([e["name"], e["class_label"], e["value"], e["limit_iii"], e["multiple"]])
    ob = wb.create_sheet("监测数据")
    ob.append(["采样时间", "项目", "报告值", "未检出", "数据标记", "来源"])
    for o in evidence["observations"]:
        ob.append([o["time"], o["name"], o["text"] or "", "是" if o["nd"] else "", o["flag"] or "", o["source"]])
    excl = evidence.get("excluded_values") or {}
    if excl:
        ob.append([])
        ob.append(["按数据标记未参与统计的数值：" + "、".join(f"{k} {v} 个" for k, v in sorted(excl.items()))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _find(db: Session, code: str, start: date, end: date) -> Rectification | None:
    return db.scalar(select(Rectification).where(
        Rectification.section_code == code, Rectification.period_start == start, Rectification.period_end == end))


def open_rectification(
    db: Session,
    ctx: AuditContext,
    user: User,
    store: WaterStore,
    section_code: str,
    start: date,
    end: date,
    *,
    ledger: LedgerPort,
    deadline: date | None = None,
    settings: WaterSettings = DEFAULT_SETTINGS,
    cumulative: bool = False,
) -> Opened:
    """Open (or find) the rectification item of ``section_code`` over ``[start, end)``.

    Raises ``PermissionDenied`` (not the bureau), ``NotFound`` (unknown section),
    ``ValidationFailed`` (no class in the period, or 达标 and not 劣Ⅴ) and ``Conflict`` (the same
    item is being opened by another request at this moment). ``cumulative``: 1—N月 as a
    cumulative period (the page's and the report's choice).
    """
    require_bureau(ctx, user, "发起断面整改")
    if end <= start:
        raise ValidationFailed("结束日期必须晚于开始日期。")
    existing = _find(db, section_code, start, end)
    if existing is not None and existing.ledger_item_id is not None:
        return Opened(rectification_out(existing), False)
    if existing is not None and clock.now_local().replace(tzinfo=None) - existing.created_at < STALE_CLAIM:
        raise Conflict("该断面本时段的整改事项正在由他人创建，请稍后刷新页面。", object_id=existing.id)
    try:
        evidence = rectification_evidence(store, section_code, start, end, settings=settings, cumulative=cumulative)
    except KeyError:
        raise NotFound(f"断面编码「{section_code}」未登记。") from None
    if evidence.get("class") is None:
        raise ValidationFailed(f"断面「{section_code}」{evidence['period']}没有评价结果（无有效监测数据），不能发起整改。")
    reason = reason_of(evidence)
    if reason is None:
        raise ValidationFailed(
            f"断面「{evidence['section']['name']}」{evidence['period']}为{evidence['class_label']}类，"
            f"达到{evidence.get('target_label') or '—'}类目标，不是劣Ⅴ类，无需发起整改。")
    now = clock.now_local().replace(tzinfo=None)
    if existing is not None:  # an abandoned claim: take it over
        row = existing
        row.evidence, row.reason, row.created_at, row.created_by = evidence, reason, now, user.username
    else:
        row = Rectification(section_code=section_code, period_start=start, period_end=end, period=evidence["period"],
                            reason=reason, evidence=evidence, created_by=user.username, created_at=now)
        db.add(row)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        other = _find(db, section_code, start, end)
        if other is not None and other.ledger_item_id is not None:
            return Opened(rectification_out(other), False)
        raise Conflict("该断面本时段的整改事项正在由他人创建，请稍后刷新页面。") from None
    claim = {"section_code": section_code, "period_start": start, "period_end": end}
    data = ledger_data(evidence, reason, _lead_unit(db, evidence["section"]), deadline)
    item_id, item_code = ledger.open_item(db, ctx, user, LEDGER_KIND, data)  # commits the claim with it
    row = _find(db, section_code, start, end)
    if row is None:  # the ledger retried after a code race and rolled our claim back
        row = Rectification(**claim, period=evidence["period"], reason=reason, evidence=evidence,
                            created_by=user.username, created_at=now)
        db.add(row)
    row.ledger_item_id, row.ledger_item_code = item_id, item_code
    db.flush()
    out = rectification_out(row)
    record(db, ctx.as_actor(user), Action.CREATE, object_type=OBJECT_TYPE, object_id=row.id,
           object_repr=f"{section_code} {evidence['period']} → {item_code}",
           after={**out, "class": evidence["class"], "target_class": evidence.get("target_class"),
                  "rules_version": evidence["rules_version"], "rules_status": evidence["rules_status"]})
    db.commit()
    name = f"断面水质评价佐证-{section_code}-{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}.xlsx"
    ledger.attach(db, ctx, user, item_id, f"系统附：{evidence['period']}断面水质评价佐证（{reason}）",
                  [(name, evidence_workbook(evidence, reason))])
    return Opened(out, True)

