"""web: phone and ID numbers masked in the titles of complaints already received

Revision ID: web_0003
Revises: web_0002
Create Date: 2026-12-07

A public complaint's title is the start of its text (:func:`qingshan.ledgers.service.complaint_title`),
shown in every list, to leaders and in the audit trail. Since this revision the title is made
from the text with phone and ID numbers masked; this migration masks the titles stored before.
The text itself (``data.content``) is kept: it is masked on reading for everyone who may not
see personal data (:func:`qingshan.ledgers.privacy.mask_data`). Downgrade leaves the masked
titles as they are (the numbers are still in the complaint's text for the handling staff).

The masking rule is copied here as it was at this revision, so the migration does not change
when the application's rule does.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "web_0003"
down_revision = "web_0002"
branch_labels = None
depends_on = None

_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ -]?){6,}[0-9Xx](?![0-9A-Za-z])")


def _mask(number: str) -> str:
    text = number.rstrip("Xx")
    digits = [c for c in text if c.isdigit()]
    if len(digits) >= 7 and len(digits) >= len(text) - 3:
        return f"{''.join(digits[:3])}****{''.join(digits[-4:])}"
    return text[0] + "*" * min(len(text) - 1, 3)


def upgrade() -> None:
    bind = op.get_bind()
    item = sa.table("ledger_item", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("title", sa.String))
    rows = bind.execute(sa.select(item.c.id, item.c.title).where(item.c.kind == "complaint")).all()
    for item_id, title in rows:
        masked = _NUMBER_IN_TEXT.sub(lambda m: _mask(m.group(0)), title or "")
        if masked != title:
            bind.execute(sa.update(item).where(item.c.id == item_id).values(title=masked))


def downgrade() -> None:
    pass
