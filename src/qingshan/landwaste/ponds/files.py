"""Photos and documents of a pond's file (一库一档, soil-waste.md §6.5).

Stored through the ledger's attachment store (:mod:`qingshan.ledgers.attachments`): the type is
sniffed from the bytes and must match the extension (PDF, PNG, JPEG, DOCX, XLSX), the size is
limited, the bytes live under ``QINGSHAN_HOME/attachments/pond-<id>/`` (never under the web
root) and are served only after a permission check, as downloads.

Who may add a file: the bureau (``admin``, ``staff``) for every pond, a ``unit`` user for the
ponds of its own county (the county supervises them, §6.2). Every internal user may read. Each
addition is audited; a refused one too (by the web's error mapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.core import clock
from qingshan.core.audit import Action, AuditContext, record
from qingshan.core.errors import NotFound, PermissionDenied
from qingshan.core.org import BUREAU_ROLES, INTERNAL_ROLES, User, role_label
from qingshan.ledgers import attachments as att
from qingshan.ledgers.kinds import clean_text
from qingshan.landwaste.ponds.hazards import get_pond
from qingshan.landwaste.ponds.models import Pond, PondAttachment


@dataclass(frozen=True)
class FileOut:
    id: int
    filename: str
    content_type: str
    size: int
    caption: str | None
    taken_on: date | None
    uploaded_by: str | None
    at: str
    is_image: bool


def may_add(user: User | None, pond: Pond) -> bool:
    if user is None:
        return False
    if user.role in BUREAU_ROLES:
        return True
    return user.role == "unit" and user.unit is not None and user.unit.code == pond.county_code


def _require_read(user: User | None, pond: Pond) -> None:
    if user is None or user.role not in INTERNAL_ROLES:
        raise PermissionDenied(f"无权查看尾矿库档案：{role_label(user.role if user else None)}不能查看。",
                               object_type="pond", object_id=pond.code)


def file_out(a: PondAttachment) -> FileOut:
    return FileOut(a.id, a.filename, a.content_type, a.size, a.caption, a.taken_on, a.uploaded_by,
                   clock.local_text(a.at, "%Y-%m-%d %H:%M") or "", a.content_type in (att.PNG.mime, att.JPEG.mime))


def list_files(session: Session, pond: Pond) -> list[FileOut]:
    return [file_out(a) for a in session.scalars(select(PondAttachment).where(PondAttachment.pond_id == pond.id)
                                                 .order_by(PondAttachment.id))]


def add_file(session: Session, ctx: AuditContext, user: User | None, code: str, filename: str, data: bytes, *,
             home: Path, max_bytes: int, caption: str | None = None, taken_on: date | None = None) -> PondAttachment:
    """Check and store one photo or document of pond ``code``; commits (file and record together:
    a failed commit removes the stored bytes)."""
    pond = get_pond(session, code)
    if not may_add(user, pond):
        raise PermissionDenied(
            f"无权上传尾矿库「{pond.code}」档案材料：仅市生态环境局和尾矿库所在县（区）的用户可以上传。",
            object_type="pond", object_id=pond.code)
    kind = att.check(filename, data, max_bytes)
    name = clean_text(att.display_name(filename), 255, "文件名") or "未命名"
    caption = clean_text(caption or "", 200, "说明") or None
    rel, digest = att.store_in(home, f"pond-{pond.id}", data, kind)
    try:
        row = PondAttachment(pond_id=pond.id, filename=name, content_type=kind.mime, size=len(data), sha256=digest,
                             stored_path=rel, caption=caption, taken_on=taken_on, uploaded_by=user.username)
        session.add(row)
        session.flush()
        record(session, ctx.as_actor(user), Action.CREATE, object_type="pond_attachment", object_id=row.id,
               object_repr=f"{pond.code} {name}",
               after={"pond": pond.code, "filename": name, "size": len(data), "sha256": digest, "caption": caption,
                      "taken_on": taken_on})
        session.commit()
    except Exception:
        session.rollback()
        att.resolve(home, rel).unlink(missing_ok=True)  # nothing half-written
        raise
    return row


def get_file(session: Session, user: User | None, code: str, file_id: int, *, home: Path) -> tuple[PondAttachment, Path]:
    """One stored file of pond ``code`` and its path, for an internal user."""
    pond = get_pond(session, code)
    _require_read(user, pond)
    a = session.get(PondAttachment, file_id)
    if a is None or a.pond_id != pond.id:
        raise NotFound(f"尾矿库「{pond.code}」没有编号为 {file_id} 的档案材料。")
    return a, att.resolve(home, a.stored_path)
