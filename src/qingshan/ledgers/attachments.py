"""Evidence files: type checked by content (magic bytes), size-limited, stored outside the web root.

Accepted types — the evidence bureaus exchange (scanned letters, photos, reports, sheets):

========  =============================  =====================  =================
type      magic bytes                    extensions             MIME
========  =============================  =====================  =================
PDF       ``%PDF-``                      .pdf                   application/pdf
PNG       ``89 50 4E 47 0D 0A 1A 0A``    .png                   image/png
JPEG      ``FF D8 FF``                   .jpg .jpeg             image/jpeg
DOCX      ZIP with ``word/document.xml`` .docx                  (OOXML word)
XLSX      ZIP with ``xl/workbook.xml``   .xlsx                  (OOXML sheet)
========  =============================  =====================  =================

A file is accepted only if its bytes are one of these types AND its extension belongs to that
type: an executable renamed ``.pdf``, or a PNG called ``.docx``, is refused. Files are stored as
``QINGSHAN_HOME/attachments/<item id>/<random>.<ext>`` — never under ``static/`` — and served
only by the API after a permission check, as downloads with ``nosniff``.
"""

from __future__ import annotations

import hashlib
import re
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from qingshan.core.errors import NotFound, TooLarge, UnsupportedType, ValidationFailed


@dataclass(frozen=True)
class FileType:
    name: str
    mime: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG 图片", "image/png", (".png",))
JPEG = FileType("JPEG 图片", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType("Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
XLSX = FileType("Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX)

_KNOWN_BAD = (
    (b"MZ", "Windows 可执行文件"),
    (b"\x7fELF", "Linux 可执行文件"),
    (b"#!", "脚本"),
    (b"<", "HTML/XML 文本"),
)


def sniff(data: bytes) -> FileType | None:
    """The accepted type ``data`` really is, from its leading bytes (and ZIP directory for OOXML)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
    return None


def describe(data: bytes) -> str:
    head = data[:512].lstrip()
    for magic, what in _KNOWN_BAD:
        if head.startswith(magic):
            return what
    return "无法识别的格式"


def display_name(filename: str | None) -> str:
    """The file's own name without any folder part — browsers (old IE, some upload tools) send
    ``C:\\Users\\…\\报告.pdf`` or ``../../x.pdf``; both separators are stripped whatever the
    server's OS."""
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return "" if name in (".", "..") else name


def size_text(n: int) -> str:
    """A size for messages: 字节 / KB / MB with one decimal (never 「0 MB」 for a small limit)."""
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def check(filename: str, data: bytes, max_bytes: int) -> FileType:
    """Validate one upload; raises :class:`~qingshan.core.errors.TooLarge`, ``UnsupportedType`` or ``ValidationFailed`` with a Chinese message naming the file."""
    name = display_name(filename) or "未命名文件"
    if len(data) > max_bytes:
        raise TooLarge(f"附件「{name}」大小 {len(data):,} 字节，超过上限 {max_bytes:,} 字节（{size_text(max_bytes)}）。")
    if not data:
        raise ValidationFailed(f"附件「{name}」是空文件。")
    kind = sniff(data)
    ext = PurePath(name).suffix.lower()
    allowed = "、".join(e for t in ACCEPTED for e in t.extensions)
    if kind is None:
        raise UnsupportedType(
            f"附件「{name}」的内容不是允许的类型（实际为：{describe(data)}）；仅接受 {allowed}。"
        )
    if ext not in kind.extensions:
        raise UnsupportedType(
            f"附件「{name}」的扩展名「{ext or '无'}」与其实际内容（{kind.name}）不符，已拒绝。"
        )
    return kind


def store(home: Path, item_id: int, data: bytes, kind: FileType) -> tuple[str, str]:
    """Write the bytes under ``home/attachments``; returns (path relative to home, sha256)."""
    return store_in(home, str(int(item_id)), data, kind)


def store_in(home: Path, folder: str, data: bytes, kind: FileType) -> tuple[str, str]:
    """Write the bytes under ``home/attachments/<folder>`` (``folder``: the ledger item's id, or
    another owner's ``<kind>-<id>`` such as ``pond-7``; letters, digits and hyphens only) under a
    random name; returns (path relative to home, sha256)."""
    if not re.fullmatch(r"[A-Za-z0-9-]{1,40}", folder):
        raise ValueError(f"bad attachment folder {folder!r}")
    rel = Path("attachments") / folder / f"{secrets.token_hex(16)}{kind.extensions[0]}"
    path = Path(home) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return rel.as_posix(), hashlib.sha256(data).hexdigest()


def resolve(home: Path, stored_path: str) -> Path:
    """Absolute path of a stored attachment, refusing anything outside ``home/attachments``."""
    root = (Path(home) / "attachments").resolve()
    path = (Path(home) / stored_path).resolve()
    if root not in path.parents:
        raise NotFound("附件不存在（存储路径不在附件目录内）。")
    return path
