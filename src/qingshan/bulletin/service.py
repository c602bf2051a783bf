"""Build, render, review, publish and regenerate the two bulletins (assessment-bulletin.md §4,
§5; issue items 3–4). One builder used by the CLI, the demo, the web pages and the API.

* :func:`build` assembles a :class:`~qingshan.bulletin.model.Bulletin` from stored data (air
  engine, targets, manual inputs, the seams); a **reviewed or published** issue is read from its
  snapshot (what was reviewed is what is published).
* :func:`render_docx` / :func:`render_html` draw it (deterministic).
* :func:`transition` moves an issue through :mod:`qingshan.bulletin.workflow` for a user (or the
  command line: ``user=None``), checks the roles, and writes the audit trail in the same
  transaction: ``review`` freezes the assembled bulletin (canonical JSON, SHA-256), ``return``
  discards it, ``publish`` signs it (sets the signature date) and stores the .docx and HTML with
  their SHA-256.
* :func:`regenerate` re-draws a published bulletin from its snapshot and checks that the result
  is byte-identical to what was published.

Writes take ``(db, ctx, user, …)`` (docs/architecture.md); the command-line wrappers at the end
open their own session and act as :data:`qingshan.core.audit.SYSTEM`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.bulletin import air_bulletin, docx_writer, html, work_bulletin
from qingshan.bulletin.figures import BulletinSettings
from qingshan.bulletin.model import Bulletin, from_json, to_json
from qingshan.bulletin.models import BulletinIssue
from qingshan.bulletin.workflow import (
    FOUR_EYES,
    FROZEN,
    INITIAL,
    REMARKS_ROLES,
    SNAPSHOTTED,
    STATES,
    TRANSITIONS,
    WorkflowError,
    next_state,
)
from qingshan.core import clock
from qingshan.core.audit import SYSTEM, Action, AuditContext, record
from qingshan.core.errors import NotFound, PermissionDenied, ValidationFailed
from qingshan.core.org import ROLES, User, role_label
from qingshan.store.db import session_factory
from qingshan.targets import air_link
from qingshan.targets.context import AirContext
from qingshan.targets.store import TargetsError, TargetStore, check_month
from qingshan.targets.tracking import TrackingSettings, air_status, other_targets

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
KINDS = {"air": "各县（区）环境空气质量状况通报", "work": "全市生态环境保护重点工作情况通报"}
REMARKS_MAX = 4000
#: who the command line is in the audit trail
CLI_NAME = "命令行（系统）"


def _session(url: str | None) -> Session:
    """A session on the configured database, migrated to the heads first (as every store client
    does: the command line may meet a database of an older version)."""
    from qingshan.config import database_url
    from qingshan.store import migrate

    u = url or database_url()
    if not migrate.is_up_to_date(u):
        migrate.upgrade(u)
    return session_factory(u)()


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationFailed(f"未知的通报类型「{str(kind)[:20]}」（可选 air、work）")
    return kind


def _month(month: str) -> tuple[int, int]:
    try:
        check_month(month)
    except TargetsError as exc:
        raise ValidationFailed(str(exc)) from None
    if not 1900 <= int(month[:4]) <= 2100:
        raise ValidationFailed(f"月份应在 1900—2100 年之间，收到 {month!r}")
    return int(month[:4]), int(month[5:])


def issue_key(kind: str, month: str) -> tuple[str, str]:
    """``(kind, month)`` checked (:class:`~qingshan.core.errors.ValidationFailed` in Chinese)."""
    _kind(kind)
    _month(month)
    return kind, month


@dataclass(frozen=True)
class IssueInfo:
    id: int
    kind: str
    month: str
    state: str
    title: str | None
    remarks: str | None
    snapshot_sha256: str | None
    docx_sha256: str | None
    html_sha256: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    published_by: str | None
    published_at: datetime | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _info(row: BulletinIssue) -> IssueInfo:
    return IssueInfo(row.id, row.kind, row.month, row.state, row.title, row.remarks, row.snapshot_sha256,
                     row.docx_sha256, row.html_sha256, row.reviewed_by, row.reviewed_at, row.published_by,
                     row.published_at)


def _row(db: Session, kind: str, month: str) -> BulletinIssue | None:
    return db.scalar(select(BulletinIssue).where(BulletinIssue.kind == kind, BulletinIssue.month == month))


def _ensure(db: Session, kind: str, month: str) -> BulletinIssue:
    row = _row(db, kind, month)
    if row is None:
        row = BulletinIssue(kind=kind, month=month, state=INITIAL)
        db.add(row)
        db.flush()
    return row


def issue(db: Session, kind: str, month: str) -> IssueInfo | None:
    """The issue of ``kind`` and ``month`` (None: never reviewed nor edited — a fresh draft)."""
    _kind(kind)
    _month(month)
    row = _row(db, kind, month)
    return None if row is None else _info(row)


def list_issues(db: Session, *, state: str | None = None, limit: int = 48) -> list[IssueInfo]:
    """Stored issues, newest month first (drafts that were never touched are not stored)."""
    q = select(BulletinIssue).order_by(BulletinIssue.month.desc(), BulletinIssue.kind)
    if state is not None:
        q = q.where(BulletinIssue.state == state)
    return [_info(r) for r in db.scalars(q.limit(limit))]


# --- building -----------------------------------------------------------------------------------

def month_end(month: str) -> date:
    year, m = _month(month)
    return air_link.month_period(year, m)[1]


def load_context(url: str | None, month: str, *, air: EvaluationSettings = DEFAULT,
                 tracking: TrackingSettings = TrackingSettings()) -> AirContext:
    """The air context of a bulletin month (read the hours once; both bulletins can share it)."""
    return AirContext.load(url, month_end(month), settings=air, history_years=tracking.history_years)


def build(url: str | None, kind: str, month: str, *, issued: date | None = None,
          settings: BulletinSettings = BulletinSettings(), tracking: TrackingSettings = TrackingSettings(),
          air: EvaluationSettings = DEFAULT, ctx: AirContext | None = None) -> Bulletin:
    """The bulletin of ``kind`` for ``month`` (YYYY-MM): its snapshot once reviewed or published,
    else assembled from the stored data as of the end of the month. ``ctx`` (from
    :func:`load_context`) saves reading the hours again."""
    _kind(kind)
    year, m = _month(month)
    with _session(url) as db:
        row = _row(db, kind, month)
        state, snap, remarks = (row.state, row.snapshot, row.remarks) if row else (INITIAL, None, None)
    if state in SNAPSHOTTED and snap:
        return from_json(snap)
    end = month_end(month)
    issued = issued or clock.today()
    store = TargetStore(url, auto_migrate=False)
    try:
        targets = store.targets(year)
        manual = store.manual_inputs(month)
        ctx = ctx or AirContext.load(url, end, settings=air, history_years=tracking.history_years, store=store)
    finally:
        store.close()
    status = air_status(ctx, end, targets, tracking)
    demo = any(t.demo for t in targets) or any(u.demo for u in ctx.units) or any(x.demo for x in manual)
    if kind == "air":
        b = air_bulletin.build(ctx, year, m, manual=manual, targets=targets, status=status, settings=settings,
                               issued=issued, demo=demo)
    else:
        b = work_bulletin.build(url, ctx, year, m, manual=manual, targets=targets, status=status,
                                other=other_targets(url, end, targets, ctx.city.code), settings=settings,
                                issued=issued, demo=demo, remarks=remarks)
    b.meta["tracking"] = tracking.as_dict()
    b.meta["state"] = state
    return b


def render_docx(b: Bulletin) -> bytes:
    return docx_writer.render(b)


def render_html(b: Bulletin) -> str:
    return html.render(b)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def file_stem(kind: str, month: str) -> str:
    return f"bulletin-{kind}-{month}"


def write_files(b: Bulletin, out_dir: Path | None = None, *, docx_path: Path | None = None,
                html_path: Path | None = None) -> list[Path]:
    """Write the .docx and the HTML; default names ``bulletin-<kind>-<month>.docx/.html`` in ``out_dir``."""
    docx_path = docx_path or Path(out_dir or ".") / f"{file_stem(b.kind, b.month)}.docx"
    html_path = html_path or docx_path.with_suffix(".html")
    docx_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    docx_path.write_bytes(render_docx(b))
    html_path.write_text(render_html(b), encoding="utf-8")
    return [docx_path, html_path]


def signed(b: Bulletin, on: date) -> Bulletin:
    """The bulletin with its signature date set to ``on`` (the only change publishing makes)."""
    return replace(b, date_text=f"{on.year}年{on.month}月{on.day}日", doc_date=on.isoformat(),
                   meta=b.meta | {"state": "published"})


# --- workflow -----------------------------------------------------------------------------------

def _who(user: User | None) -> str:
    return CLI_NAME if user is None else user.username


def _check_role(user: User | None, roles: tuple[str, ...], what: str, object_id) -> None:
    """The command line (``user=None``) acts for the bureau; a web user needs one of ``roles``."""
    if user is not None and user.role not in roles:
        names = "、".join(ROLES[r] for r in roles)
        raise PermissionDenied(f"无权{what}：此操作仅限{names}，您的角色是{role_label(user.role)}。",
                               object_type="bulletin_issue", object_id=object_id)


def _audit(db: Session, ctx: AuditContext, user: User | None, action: Action, row: BulletinIssue, before: dict,
           message: str) -> None:
    after = {"state": row.state, "remarks": row.remarks, "snapshot_sha256": row.snapshot_sha256,
             "docx_sha256": row.docx_sha256, "html_sha256": row.html_sha256}
    record(db, ctx.as_actor(user), action, object_type="bulletin_issue", object_id=row.id,
           object_repr=f"{row.month} {KINDS[row.kind]}", before=before, after=after, message=message,
           username=CLI_NAME if user is None else None)


def _before(row: BulletinIssue) -> dict:
    return {"state": row.state, "remarks": row.remarks, "snapshot_sha256": row.snapshot_sha256,
            "docx_sha256": row.docx_sha256, "html_sha256": row.html_sha256}


def set_remarks(db: Session, ctx: AuditContext, user: User | None, month: str, text: str) -> IssueInfo:
    """Edit Bulletin B §4.3 item 8 before review (draft only; audited with before/after)."""
    _month(month)
    text = (text or "").strip()
    if _CONTROL.search(text):
        raise ValidationFailed("“存在问题和下步要求”含有不可见的控制字符，请删除后再保存。")
    if len(text) > REMARKS_MAX:
        raise ValidationFailed(f"“存在问题和下步要求”最多 {REMARKS_MAX} 个字，现为 {len(text)} 个字。")
    row = _ensure(db, "work", month)
    _check_role(user, REMARKS_ROLES, "修改通报", row.id)
    if row.state != "draft":
        raise WorkflowError(f"通报当前为“{STATES[row.state]}”，只有草稿可以修改“存在问题和下步要求”", object_id=row.id)
    before = _before(row)
    row.remarks = text or None
    _audit(db, ctx, user, Action.UPDATE, row, before, "修改“存在问题和下步要求”" if text else "恢复为自动生成的“存在问题和下步要求”")
    db.commit()
    return _info(row)


def transition(db: Session, ctx: AuditContext, user: User | None, kind: str, month: str, action: str, *,
               url: str | None = None, issued: date | None = None, bulletin: Bulletin | None = None,
               air_ctx: AirContext | None = None) -> IssueInfo:
    """Apply a workflow action for ``user`` (None: the command line).

    ``review`` assembles the bulletin (or takes ``bulletin``) and freezes it; ``publish`` signs the
    reviewed snapshot with ``issued`` (default today) and stores both documents; ``return``
    discards the snapshot. Refusals raise :class:`~qingshan.core.errors.PermissionDenied` (audited
    by the caller's error mapping) or :class:`~qingshan.bulletin.workflow.WorkflowError`.
    """
    _kind(kind)
    _month(month)
    if action not in {t.action for t in TRANSITIONS}:
        raise ValidationFailed(f"未知的操作「{str(action)[:20]}」（可选 review 审核通过、return 退回修改、publish 签发）")
    row = _ensure(db, kind, month)
    try:
        t = next_state(row.state, action)
    except WorkflowError as exc:
        exc.object_id = row.id
        raise
    _check_role(user, t.roles, t.label, row.id)
    if t.action == "publish" and FOUR_EYES and user is not None and row.reviewed_by == user.username:
        raise PermissionDenied(f"无权签发：本期通报由您（{user.username}）审核，审核人与签发人不能是同一人。",
                               object_type="bulletin_issue", object_id=row.id)
    before = _before(row)
    now = clock.now_utc().replace(tzinfo=None)
    if t.action == "review":
        b = bulletin or build(url, kind, month, issued=issued, ctx=air_ctx)
        b.meta["state"] = "reviewed"
        snap = to_json(b)
        row.snapshot, row.snapshot_sha256, row.title = snap, sha256(snap), b.title
        row.reviewed_by, row.reviewed_at = _who(user), now
    elif t.action == "return":
        row.snapshot = row.snapshot_sha256 = None
        row.reviewed_by = row.reviewed_at = None
    elif t.action == "publish":
        if not row.snapshot:
            raise WorkflowError("已审核的通报没有快照，请退回后重新审核", object_id=row.id)
        b = signed(from_json(row.snapshot), issued or clock.today())
        snap = to_json(b)
        frozen = from_json(snap)
        d, h = render_docx(frozen), render_html(frozen)
        row.snapshot, row.snapshot_sha256 = snap, sha256(snap)
        row.docx, row.html, row.docx_sha256, row.html_sha256 = d, h, sha256(d), sha256(h)
        row.title, row.published_by, row.published_at = b.title, _who(user), now
    row.state = t.target
    _audit(db, ctx, user, Action.PUBLISH if t.action == "publish" else Action.TRANSITION, row, before,
           f"{t.label}：{STATES[t.source]} → {STATES[t.target]}")
    db.commit()
    return _info(row)


def regenerate(db: Session, kind: str, month: str) -> tuple[bytes, str, bool]:
    """(.docx, HTML, identical?) of a published bulletin re-drawn from its snapshot, compared with
    the documents and hashes stored at publication."""
    _kind(kind)
    row = _row(db, kind, month)
    if row is None or row.state not in FROZEN or not row.snapshot:
        raise WorkflowError(f"{month} 的{KINDS[kind]}尚未发布，没有快照")
    b = from_json(row.snapshot)
    d, h = render_docx(b), render_html(b)
    same = (sha256(row.snapshot) == row.snapshot_sha256 and sha256(d) == row.docx_sha256 == sha256(row.docx or b"")
            and sha256(h) == row.html_sha256 == sha256(row.html or ""))
    return d, h, same


def published_document(db: Session, kind: str, month: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of a **published** issue's stored document (the public
    portal's download; drafts and reviewed issues are not found)."""
    _kind(kind)
    _month(month)
    row = _row(db, kind, month)
    if row is None or row.state != "published" or row.docx is None or row.html is None:
        raise NotFound(f"{month} 的{KINDS[kind]}尚未发布。")
    if fmt == "docx":
        return (row.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                f"{file_stem(kind, month)}.docx")
    if fmt == "html":
        return row.html.encode("utf-8"), "text/html; charset=utf-8", f"{file_stem(kind, month)}.html"
    raise ValidationFailed(f"未知的格式「{str(fmt)[:10]}」（可选 docx、html）")


# --- command line ------------------------------------------------------------------------------

def cli_transition(url: str | None, kind: str, month: str, action: str, *, issued: date | None = None,
                   bulletin: Bulletin | None = None) -> IssueInfo:
    with _session(url) as db:
        return transition(db, SYSTEM, None, kind, month, action, url=url, issued=issued, bulletin=bulletin)


def cli_set_remarks(url: str | None, month: str, text: str) -> IssueInfo:
    with _session(url) as db:
        return set_remarks(db, SYSTEM, None, month, text)


def cli_regenerate(url: str | None, kind: str, month: str) -> tuple[bytes, str, bool]:
    with _session(url) as db:
        return regenerate(db, kind, month)


def cli_issue(url: str | None, kind: str, month: str) -> IssueInfo | None:
    with _session(url) as db:
        return issue(db, kind, month)


__all__ = ["CLI_NAME", "IssueInfo", "KINDS", "build", "issue_key", "cli_issue", "cli_regenerate", "cli_set_remarks",
           "cli_transition", "file_stem", "issue", "list_issues", "load_context", "month_end", "published_document",
           "regenerate", "render_docx", "render_html", "set_remarks", "sha256", "signed", "transition",
           "write_files"]
