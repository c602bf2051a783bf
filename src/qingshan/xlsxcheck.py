"""Refusing an .xlsx that would inflate before anything parses it (a "zip bomb").

An .xlsx is a ZIP of XML parts. A 107 KB upload can hold a 100 MiB shared string or a million
empty cells, and openpyxl inflates and parses all of it — even in read-only mode the shared
strings are loaded whole — before any importer sees a row. :func:`package_problem` looks at the
ZIP directory (declared sizes) and streams the worksheets counting ``<c`` elements, stopping at
the first limit passed, so the cost is bounded by the limits, not by the file.

It returns the reason in Chinese (or None) instead of raising: every importer refuses a file
with its own error type (ledgers ``ValidationFailed``, emergency ``ImportRefused``, water
``FileRefused`` …), and all of them call this first. Standard library only, at the bottom of
the layers like :mod:`qingshan.textcodec`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

#: Largest uncompressed size of all parts together [byte]. A bureau's sheet of a few thousand
#: rows × tens of columns is a few MB uncompressed.
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
#: Most cells in all worksheets together (20,000 rows × 50 columns).
MAX_CELLS = 1_000_000


def package_problem(content: bytes | Path | BinaryIO, filename: str, *, max_unzipped: int = MAX_UNZIPPED_BYTES,
                    max_cells: int = MAX_CELLS) -> str | None:
    """Why the workbook must be refused before parsing, in Chinese, or None when it may be handed
    to openpyxl (also when it is not a readable ZIP: then the importer's own "cannot read" answer
    applies, and nothing can inflate).

    Parameters
    ----------
    content : bytes, Path or binary file object
        The uploaded file (a file object is read from its current position; seek it back
        before parsing).
    filename : str
        Shown in the message.
    max_unzipped : int
        Limit on the inflated size of all parts [byte]; checked on the directory's declared
        sizes and again while streaming (a directory can lie).
    max_cells : int
        Limit on the ``<c>`` elements of all worksheets together.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(content) if isinstance(content, bytes) else content)
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # not a ZIP at all: nothing to inflate; the importer says it cannot read it
    with zf:
        total = sum(i.file_size for i in infos)
        if total > max_unzipped:
            return (f"文件「{filename}」解压后达 {total / 1048576:.0f} MB，超过上限 {max_unzipped / 1048576:.0f} MB"
                    "（压缩包内有异常大的内容），未导入任何数据。请另存为普通的 .xlsx 或分批导入。")
        cells = read = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            tail = b""
            try:
                with zf.open(info) as part:
                    while chunk := part.read(1 << 20):
                        read += len(chunk)
                        if read > max_unzipped:  # the directory understated the sizes
                            return f"文件「{filename}」解压后超过上限 {max_unzipped / 1048576:.0f} MB，未导入任何数据。"
                        block = tail + chunk
                        cells += block.count(b"<c ") + block.count(b"<c>")
                        tail = chunk[-2:]  # a 3-byte tag split between chunks is counted once, in the next block
                        if cells > max_cells:
                            return (f"文件「{filename}」的工作表超过 {max_cells:,} 个单元格，未导入任何数据。"
                                    "请删除多余的行列或分批导入。")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                return None  # damaged: openpyxl fails on it just as fast, with the importer's own message
    return None


__all__ = ["MAX_CELLS", "MAX_UNZIPPED_BYTES", "package_problem"]
