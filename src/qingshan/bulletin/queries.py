"""Read side of the bulletins — the seam the public portal reads (``/portal/bulletins``).

Only issues in the ``published`` state are listed: drafts and reviewed issues never reach the
portal (TEAM rule 7). A published issue is its frozen snapshot and the two documents stored at
publication (:mod:`qingshan.bulletin.service`); the portal links to them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.bulletin.models import BulletinIssue
from qingshan.core import clock
from qingshan.core.results import Result

KIND_SHORT = {"air": "空气质量通报", "work": "重点工作通报"}


def public_url(kind: str, month: str, fmt: str = "html") -> str:
    """Where the portal serves a published issue's document."""
    return f"/portal/bulletins/{kind}/{month}.{fmt}"


def published_bulletins(db: Session, limit: int = 24) -> Result:
    """Published bulletins, newest first.

    Rows: ``title`` (e.g. 「2026年10月及1—10月各县（区）环境空气质量状况通报」), ``period``
    (``YYYY-MM``), ``kind``, ``kind_label``, ``published_at`` (Beijing date), ``url`` (the public
    HTML), ``docx_url`` (the Word file), ``summary`` (one line). Only issues in the
    ``published`` state.
    """
    q = (select(BulletinIssue.kind, BulletinIssue.month, BulletinIssue.title, BulletinIssue.published_at)
         .where(BulletinIssue.state == "published")
         .order_by(BulletinIssue.month.desc(), BulletinIssue.kind).limit(limit))
    rows = []
    for kind, month, title, published_at in db.execute(q):
        at = clock.to_local(published_at)
        rows.append({"title": title or f"{month} {KIND_SHORT.get(kind, kind)}", "period": month, "kind": kind,
                     "kind_label": KIND_SHORT.get(kind, kind), "published_at": at.date().isoformat() if at else None,
                     "url": public_url(kind, month, "html"), "docx_url": public_url(kind, month, "docx"),
                     "summary": f"{month[:4]}年{int(month[5:])}月{KIND_SHORT.get(kind, kind)}（已签发）"})
    return Result(rows=rows, reason="" if rows else "尚未发布通报")


__all__ = ["KIND_SHORT", "public_url", "published_bulletins"]
