"""Tables of the accountability ledgers: one item table for the four kinds, their units,
the progress log and attachments.

The kinds share the workflow columns (status, lead unit, deadline, version); what only one kind
has (an inspection's round and batch, a hazard's coordinates, a complaint's channel …) lives in
``data`` and is validated by :mod:`qingshan.ledgers.kinds`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qingshan.core.clock import now_utc
from qingshan.core.org import Unit
from qingshan.store.base import Base


class LedgerItem(Base):
    __tablename__ = "ledger_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # key_task | inspection | hazard | complaint  (qingshan.ledgers.kinds.KINDS)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("web_unit.id"), nullable=True, index=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    tracking_no: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    # optimistic concurrency: SQLAlchemy adds "AND version = :old" to every UPDATE
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    lead_unit: Mapped[Unit | None] = relationship(lazy="joined")
    units: Mapped[list[LedgerItemUnit]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="LedgerItemUnit.id"
    )

    __mapper_args__ = {"version_id_col": version}


class LedgerItemUnit(Base):
    """A supporting (配合) or responsible (责任) unit of an item besides the lead unit."""

    __tablename__ = "ledger_item_unit"
    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ledger_item.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("web_unit.id"))
    unit: Mapped[Unit] = relationship(lazy="joined")


class ProgressEntry(Base):
    """One line of an item's history: a progress note, a transition, a verification, a reply."""

    __tablename__ = "ledger_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ledger_item.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unit_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entry_type: Mapped[str] = mapped_column(String(16))  # progress | transition | create | import
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")


class Attachment(Base):
    """Evidence file. Bytes live under ``QINGSHAN_HOME/attachments`` (outside any web root)."""

    __tablename__ = "ledger_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ledger_item.id", ondelete="CASCADE"), index=True)
    progress_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_progress.id"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(300))  # relative to QINGSHAN_HOME
    uploaded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_utc)
