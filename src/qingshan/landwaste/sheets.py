"""Reading the bureau's tables (CSV in UTF-8 or GBK, or .xlsx) into rows with their row
numbers, and mapping Chinese or English headers to fields.

Shared by the soil, waste and ponds importers. Errors name the file, row and field in Chinese
(:class:`qingshan.ingest.result.RowError`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from qingshan.textcodec import EncodingError, decode_bytes
from qingshan.ingest.result import RowError
from qingshan.xlsxcheck import package_problem


class SheetError(ValueError):
    """The file cannot be read at all (nothing imported)."""


@dataclass
class Sheet:
    """A table: the header row's cells, and data rows as ``(row number, cells)``."""

    name: str
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[object]]]
    encoding: str


def cell_text(v: object) -> str:
    """A cell as a person reads it: floats in their shortest form, dates ISO, text stripped."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()  # names keep their full-width brackets; parsers normalise what they read


def read_sheets(path: str | Path, data: bytes | None = None) -> dict[str, tuple[list[tuple[int, list[object]]], str]]:
    """Every sheet of a workbook (or the one table of a CSV, named ``""``) as non-blank rows."""
    path = Path(path)
    data = path.read_bytes() if data is None else data
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException
        from zipfile import BadZipFile

        if (problem := package_problem(data, path.name)) is not None:  # before openpyxl inflates anything
            raise SheetError(problem)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
            raise SheetError(f"无法读取 Excel 文件：{exc}") from None
        try:
            out = {}
            for ws in wb.worksheets:
                rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
                out[ws.title] = ([(i, r) for i, r in rows if any(c not in (None, "") for c in r)], "xlsx")
            return out
        finally:
            wb.close()
    if suffix == ".xls":
        raise SheetError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    try:
        text, encoding = decode_bytes(data)
    except EncodingError as exc:
        raise SheetError(str(exc)) from None
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    return {"": ([(i, list(rec)) for i, rec in enumerate(reader, start=1) if any(c.strip() for c in rec)], encoding)}


def norm_header(h: object) -> str:
    s = unicodedata.normalize("NFKC", str(h or "")).strip().lower()
    s = s.split("(")[0].strip()  # "产生量(吨)" → "产生量"
    return "".join(s.split())


def find_table(
    rows: list[tuple[int, list[object]]], aliases: Mapping[str, Sequence[str]], required: Sequence[str], name: str, encoding: str
) -> tuple[Sheet, dict[str, int]]:
    """Locate the header (the first of the first 10 rows naming every required field; a title
    row above it is common) and map fields to column indexes."""
    alias = {norm_header(a): f for f, names in aliases.items() for a in (f, *names)}
    for k, (i, r) in enumerate(rows[:10]):
        roles: dict[str, int] = {}
        for ci, h in enumerate(r):
            f = alias.get(norm_header(h))
            if f and f not in roles:
                roles[f] = ci
        if all(f in roles for f in required):
            header = [cell_text(h) for h in r]
            return Sheet(name, i, header, rows[k + 1:], encoding), roles
    first = [cell_text(h) for h in rows[0][1]] if rows else []
    labels = "、".join(aliases[f][0] if aliases[f] else f for f in required)
    raise SheetError(f"{name or '文件'}：表头缺少必需的列（需要：{labels}；实际表头：{'、'.join(first) or '空'}）")


@dataclass
class LoadResult:
    """Outcome of importing one file: rows read, kept and rejected, what was written, the
    per-row errors (Chinese) and notes (accepted with a remark)."""

    file: str
    kind: str
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    status: str = "ok"  # ok | failed
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # before/after of updated records (audit trail)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def error(self, row: int | None, fld: str | None, reason: str) -> None:
        self.errors.append(RowError(self.file, row, fld, reason))

    def note(self, row: int | None, fld: str | None, reason: str) -> None:
        self.notes.append(RowError(self.file, row, fld, reason))


class ImportRefused(RuntimeError):
    """Nothing of the file was written (unreadable, or errors under all-or-nothing)."""

    def __init__(self, result: LoadResult, message: str):
        super().__init__(message)
        self.result = result


def parse_day(v: object) -> date:
    """A date from a cell: 2026-11-19, 2026/11/19, 2026.11.19, 2026年11月19日, or an Excel date."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    import re

    text = unicodedata.normalize("NFKC", cell_text(v))
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if not m:
        raise ValueError(f"日期「{text}」格式应为 YYYY-MM-DD（如 2026-11-19）")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"「{text}」不是有效日期") from None


def parse_month(v: object) -> date:
    """A month (first day): 2026-11, 2026/11, 2026年11月, 202611, or a date in it."""
    import re

    if isinstance(v, (datetime, date)):
        d = v.date() if isinstance(v, datetime) else v
        return date(d.year, d.month, 1)
    text = unicodedata.normalize("NFKC", cell_text(v))
    m = re.fullmatch(r"(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?", text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise ValueError(f"月份「{text}」格式应为 YYYY-MM（如 2026-11）")
    return date(int(m[1]), int(m[2]), 1)


def parse_tonnes(v: object, *, allow_negative: bool = False) -> int:
    """Tonnes → exact integer micro-tonnes (1 µt = 1 g). Refuses text that is not a decimal
    number, more than six decimals (a rounded figure would no longer be exact) and negatives."""
    from fractions import Fraction

    from qingshan.standards.soil_values import parse_number

    if v is None or (isinstance(v, str) and not v.strip()):
        raise ValueError("为空")
    x = parse_number(v if not isinstance(v, str) else v.replace(",", "").replace("，", ""))
    if x is None:
        raise ValueError(f"「{cell_text(v)}」不是数字")
    if x < 0 and not allow_negative:
        raise ValueError(f"{cell_text(v)} 为负数（质量不能为负）")
    micro = x * 10**6
    if micro.denominator != 1:
        raise ValueError(f"{cell_text(v)} 超过 6 位小数（精确到克）")
    return int(micro) if isinstance(micro, Fraction) else micro


def tonnes_text(micro: int | None) -> str:
    """Micro-tonnes → exact decimal text in tonnes (trailing zeros dropped)."""
    if micro is None:
        return ""
    sign, m = ("-" if micro < 0 else ""), abs(int(micro))
    whole, frac = divmod(m, 10**6)
    return f"{sign}{whole}" + (f".{frac:06d}".rstrip("0") if frac else "")
