"""Read side of the bulletins — the seam the public portal reads (``/portal/bulletins``).

The portal calls :func:`published_bulletins` directly. Until the bulletin domain stores
published issues this returns an empty list with the reason shown to the public; the bulletin
domain fills it from its own table (published issues only, newest first), keeping the
signature and the row keys below.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qingshan.core.results import Result


def published_bulletins(db: Session, limit: int = 24) -> Result:
    """Published bulletins, newest first.

    Rows: ``title`` (e.g. 「2026年10月大同市环境空气质量通报」), ``published_at`` (date),
    ``url`` (the public HTML or .docx), ``summary`` (one line, optional). Only issues in the
    ``published`` state: drafts and reviewed issues never reach the portal (TEAM rule 7).
    """
    return Result(reason="尚未发布通报")
