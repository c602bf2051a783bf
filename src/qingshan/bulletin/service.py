"""Build, render, publish and regenerate the two bulletins (assessment-bulletin.md §4; issue
items 3–4). One builder used by the CLI, the demo and (phase 2) the web pages.

* :func:`build` assembles a :class:`~qingshan.bulletin.model.Bulletin` from stored data (air
  engine, targets, manual inputs, seams); a **published** bulletin is read from its snapshot.
* :func:`render_docx` / :func:`render_html` draw it (deterministic).
* :func:`act` moves an issue through :mod:`qingshan.bulletin.workflow`; ``publish`` freezes the
  assembled bulletin (canonical JSON) with the SHA-256 of the snapshot, the .docx and the HTML.
* :func:`regenerate` re-draws a published bulletin from its snapshot and checks the hashes
  (byte-identical).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select, update

from qingshan.bulletin import air_bulletin, docx_writer, html, work_bulletin
from qingshan.bulletin.figures import BulletinSettings
from qingshan.bulletin.model import Bulletin, from_json, to_json
from qingshan.bulletin.models import BulletinIssue
from qingshan.bulletin.workflow import FROZEN, INITIAL, STATES, WorkflowError, next_state
from qingshan.store.db import DatabaseClient
from qingshan.air.settings import DEFAULT, EvaluationSettings
from qingshan.targets.context import AirContext
from qingshan.targets.store import TargetStore, check_month
from qingshan.targets.tracking import TrackingSettings, air_status, other_targets

KINDS = {"air": "各县（区）环境空气质量状况通报", "work": "全市生态环境保护重点工作情况通报"}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"未知的通报类型 {kind!r}（可选 air、work）")
    return kind


def _month(month: str) -> tuple[int, int]:
    check_month(month)
    return int(month[:4]), int(month[5:])


@dataclass(frozen=True)
class IssueInfo:
    kind: str
    month: str
    state: str
    remarks: str | None
    snapshot_sha256: str | None
    docx_sha256: str | None
    html_sha256: str | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]


class IssueStore(DatabaseClient):
    def get(self, kind: str, month: str) -> tuple[IssueInfo, str | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(BulletinIssue.__table__).where(
                BulletinIssue.kind == kind, BulletinIssue.month == month)).mappings().first()
        if row is None:
            return None
        return IssueInfo(kind, month, row["state"], row["remarks"], row["snapshot_sha256"], row["docx_sha256"],
                         row["html_sha256"]), row["snapshot"]

    def ensure(self, kind: str, month: str) -> IssueInfo:
        got = self.get(kind, month)
        if got is not None:
            return got[0]
        with self.engine.begin() as conn:
            conn.execute(BulletinIssue.__table__.insert().values(kind=kind, month=month, state=INITIAL))
        return self.get(kind, month)[0]

    def save(self, kind: str, month: str, **values) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(BulletinIssue).where(BulletinIssue.kind == kind, BulletinIssue.month == month)
                         .values(**values))


def build(url: str | None, kind: str, month: str, *, issued: date | None = None,
          settings: BulletinSettings = BulletinSettings(), tracking: TrackingSettings = TrackingSettings(),
          air: EvaluationSettings = DEFAULT, ctx: AirContext | None = None) -> Bulletin:
    """The bulletin of ``kind`` for ``month`` (YYYY-MM): from its snapshot when published, else
    assembled from the stored data as of the end of the month."""
    _kind(kind)
    year, m = _month(month)
    issues = IssueStore(url)
    try:
        got = issues.get(kind, month)
    finally:
        issues.close()
    if got is not None and got[0].state in FROZEN and got[1]:
        return from_json(got[1])
    remarks = got[0].remarks if got else None
    from qingshan.targets import air_link

    end = air_link.month_period(year, m)[1]
    issued = issued or datetime.now(timezone.utc).astimezone().date()
    store = TargetStore(url)
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
    b.meta["state"] = got[0].state if got else INITIAL
    return b


def render_docx(b: Bulletin) -> bytes:
    return docx_writer.render(b)


def render_html(b: Bulletin) -> str:
    return html.render(b)


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def write_files(b: Bulletin, out_dir: Path | None = None, *, docx_path: Path | None = None,
                html_path: Path | None = None) -> list[Path]:
    """Write the .docx and the HTML; default names ``<kind>-<month>.docx/.html`` in ``out_dir``."""
    stem = f"bulletin-{b.kind}-{b.month}"
    docx_path = docx_path or Path(out_dir or ".") / f"{stem}.docx"
    html_path = html_path or docx_path.with_suffix(".html")
    docx_path.parent.mkdir(parents=True, exist_ok=True)
    docx_path.write_bytes(render_docx(b))
    html_path.write_text(render_html(b), encoding="utf-8")
    return [docx_path, html_path]


def set_remarks(url: str | None, month: str, text: str) -> IssueInfo:
    """Edit Bulletin B §4.3 item 8 before publishing (draft only)."""
    issues = IssueStore(url)
    try:
        info = issues.ensure("work", check_month(month))
        if info.state != "draft":
            raise WorkflowError(f"通报当前为“{info.state_label}”，只有草稿可以修改“存在问题和下步要求”")
        issues.save("work", month, remarks=text)
        return issues.get("work", month)[0]
    finally:
        issues.close()


def act(url: str | None, kind: str, month: str, action: str, *, issued: date | None = None,
        bulletin: Bulletin | None = None) -> IssueInfo:
    """Apply a workflow action; ``publish`` freezes the snapshot and records the hashes."""
    _kind(kind)
    check_month(month)
    issues = IssueStore(url)
    try:
        info = issues.ensure(kind, month)
        t = next_state(info.state, action)
        values: dict = {"state": t.target}
        if t.target == "published":
            b = bulletin or build(url, kind, month, issued=issued)
            b.meta["state"] = "published"
            snap = to_json(b)
            frozen = from_json(snap)
            values |= {"snapshot": snap, "snapshot_sha256": sha256(snap),
                       "docx_sha256": sha256(render_docx(frozen)), "html_sha256": sha256(render_html(frozen)),
                       "published_at": datetime.now(timezone.utc).replace(tzinfo=None)}
        issues.save(kind, month, **values)
        return issues.get(kind, month)[0]
    finally:
        issues.close()


def regenerate(url: str | None, kind: str, month: str) -> tuple[bytes, str, bool]:
    """(.docx, HTML, identical?) of a published bulletin re-drawn from its snapshot."""
    issues = IssueStore(url)
    try:
        got = issues.get(kind, month)
    finally:
        issues.close()
    if got is None or got[0].state not in FROZEN or not got[1]:
        raise WorkflowError(f"{month} 的{KINDS[_kind(kind)]}尚未发布，没有快照")
    info, snap = got
    b = from_json(snap)
    d, h = render_docx(b), render_html(b)
    same = sha256(snap) == info.snapshot_sha256 and sha256(d) == info.docx_sha256 and sha256(h) == info.html_sha256
    return d, h, same


def issue(url: str | None, kind: str, month: str) -> IssueInfo | None:
    issues = IssueStore(url)
    try:
        got = issues.get(_kind(kind), check_month(month))
        return None if got is None else got[0]
    finally:
        issues.close()


__all__ = ["IssueInfo", "KINDS", "act", "build", "issue", "regenerate", "render_docx", "render_html", "set_remarks",
           "sha256", "write_files"]
