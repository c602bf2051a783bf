"""Reading water files: CSV (UTF-8 with or without BOM, or GBK/GB18030) and Excel (.xlsx).

Every non-blank row comes back with its 1-based row number as a spreadsheet shows it (header =
row 1 when it is the first line), cells as text. Errors are Chinese and name the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from qingshan.core.errors import RowError
from qingshan.textcodec import EncodingError, decode_bytes
from qingshan.xlsxcheck import package_problem


class FileRefused(ValueError):
    """The whole file cannot be read (encoding, format, header); nothing is imported."""

    def __init__(self, error: RowError, encoding: str | None = None):
        super().__init__(str(error))
        self.error = error
        self.encoding = encoding


@dataclass
class Sheet:
    """The rows of one file as text."""

    name: str
    encoding: str
    sha256: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cell_text(v) -> str:
    """Spreadsheet cell → text as a person reads it (floats in their shortest form)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    if isinstance(v, datetime):
        return f"{v:%Y-%m-%d %H:%M:%S}" if (v.hour or v.minute or v.second) else f"{v:%Y-%m-%d}"
    if isinstance(v, date):
        return f"{v:%Y-%m-%d}"
    return str(v)


def read_sheet(path: str | Path, data: bytes | None = None, sheet: str | None = None) -> Sheet:
    """Rows of a CSV or .xlsx file as text. Raises :class:`FileRefused`."""
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    name = path.name
    digest = sha256_of(data)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        if (problem := package_problem(data, name)) is not None:  # before openpyxl inflates anything
            raise FileRefused(RowError(name, None, None, problem), "xlsx")
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - a corrupt workbook is a user error, not a crash
            raise FileRefused(RowError(name, None, None, f"无法读取 Excel 文件：{exc}"), "xlsx") from exc
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise FileRefused(RowError(name, None, None, f"工作簿中没有名为「{sheet}」的工作表"), "xlsx")
            ws = wb[sheet] if sheet else wb.worksheets[0]
            rows = [(i, [cell_text(c) for c in r]) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
        rows = [(i, r) for i, r in rows if any(c.strip() for c in r)]
        return Sheet(name, "xlsx", digest, rows)
    if suffix == ".xls":
        raise FileRefused(RowError(name, None, None, "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV"))
    try:
        text, encoding = decode_bytes(data)
    except EncodingError as exc:
        raise FileRefused(RowError(name, None, None, str(exc))) from exc
    if "\x00" in text:
        raise FileRefused(RowError(name, None, None, "文件含有二进制内容（NUL 字节），不是 CSV 文本"), encoding)
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    try:
        recs = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise FileRefused(RowError(name, None, None, f"CSV 格式错误：{exc}"), encoding) from exc
    rows = [(i, [c for c in rec]) for i, rec in enumerate(recs, start=1) if any(c.strip() for c in rec)]
    return Sheet(name, encoding, digest, rows)
