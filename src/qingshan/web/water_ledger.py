"""The ledger as the water rectification sees it (:class:`qingshan.water.rectification.LedgerPort`).

The water domain and the ledgers are independent parts of the domain layer (neither imports the
other); the web, above both, joins them here: items are created and evidence attached through
:mod:`qingshan.ledgers.service`, which checks permissions and writes the audit records.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from qingshan.core.audit import AuditContext
from qingshan.core.org import User
from qingshan.ledgers import service


class LedgerAdapter:
    """Create ledger items and attach files under this application's attachment settings."""

    def __init__(self, home: Path, max_bytes: int):
        self.home = home
        self.max_bytes = max_bytes

    def open_item(self, db: Session, ctx: AuditContext, user: User, kind: str, data: dict) -> tuple[int, str]:
        item = service.create_item(db, ctx, user, kind, data)
        return item.id, item.code

    def attach(self, db: Session, ctx: AuditContext, user: User, item_id: int, text: str,
               files: list[tuple[str, bytes]]) -> None:
        service.add_progress(db, ctx, user, item_id, text, files, home=self.home, max_bytes=self.max_bytes)
