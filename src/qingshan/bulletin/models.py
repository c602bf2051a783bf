"""Table of the ``bulletin`` branch: one row per bulletin (kind, month) with its state and, once
published, its frozen input snapshot (assessment-bulletin.md §4, §5: "a bulletin is reproducible
from stored inputs plus §7").

``state`` follows :data:`qingshan.bulletin.workflow.TRANSITIONS` (draft → reviewed → published).
``snapshot`` is the canonical JSON of every input the documents are generated from; regenerating
from it gives byte-identical .docx and HTML (``docx_sha256``/``html_sha256`` recorded at freeze).
``remarks`` is the editable text of Bulletin B §4.3 item 8 (pre-filled, edited before publishing).

The review freezes what is reviewed: ``review`` stores the assembled bulletin as ``snapshot``,
``publish`` signs that same snapshot (only the signature date is set then) and stores the two
documents themselves (``docx``, ``html``) for the public portal; ``return`` clears it.
``reviewed_by``/``published_by`` name the accounts (the audit trail has the full history).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.store.base import Base


class BulletinIssue(Base):
    __tablename__ = "bulletin_issue"
    __table_args__ = (UniqueConstraint("kind", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # air | work
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    state: Mapped[str] = mapped_column(String(16))
    remarks: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot: Mapped[str | None] = mapped_column(Text, nullable=True)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    docx_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    html_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    docx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
