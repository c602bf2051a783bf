"""Reading the sheets plants and the statistics bureau send: CSV or Excel (.xlsx), Chinese headers.

Headers are matched by name (any order, aliases, full-width characters folded), with the unit in
brackets: ``低位发热量(GJ/t)``, ``元素碳含量(%)``, ``发电量（万kWh）``. Values are converted to the
store's units exactly (``Fraction`` of the cell's text; a numeric Excel cell is taken in its
shortest decimal form). Errors are :class:`RowError` (file, row, field, reason — Chinese).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path

from qingshan.core.errors import RowError
from qingshan.xlsxcheck import package_problem

#: unit families: unit text (normalised) → factor to the store unit
UNITS: dict[str, dict[str, Fraction]] = {
    "mass": {"": Fraction(1), "t": Fraction(1), "吨": Fraction(1), "万t": Fraction(10**4), "万吨": Fraction(10**4)},
    "ncv": {"": Fraction(1), "gj/t": Fraction(1), "mj/kg": Fraction(1), "kj/kg": Fraction(1, 1000),
            "kcal/kg": Fraction("4.1868") / 1000, "大卡/kg": Fraction("4.1868") / 1000},
    "elec": {"": Fraction(1), "mwh": Fraction(1), "kwh": Fraction(1, 1000), "万kwh": Fraction(10),
             "亿kwh": Fraction(10**5)},
    "heat": {"": Fraction(1), "gj": Fraction(1), "tj": Fraction(1000)},
    "gas": {"": Fraction(1), "万nm³": Fraction(1), "万m³": Fraction(1), "10⁴nm³": Fraction(1), "10⁴m³": Fraction(1),
            "亿m³": Fraction(10**4), "亿nm³": Fraction(10**4)},
    "hours": {"": Fraction(1), "h": Fraction(1), "小时": Fraction(1)},
    "fraction": {"": Fraction(1), "%": Fraction(1, 100)},
    "co2": {"": Fraction(1), "t": Fraction(1), "tco2": Fraction(1), "万t": Fraction(10**4), "万tco2": Fraction(10**4)},
    "cc": {"": Fraction(1), "tc/gj": Fraction(1), "tc/tj": Fraction(1, 1000)},
    "plain": {"": Fraction(1)},
    "money": {"": Fraction(1), "亿元": Fraction(1), "万元": Fraction(1, 10**4)},
    "index": {"": Fraction(1), "上年=100": Fraction(1), "上年同期=100": Fraction(1), "%": Fraction(1)},
}


class SheetError(ValueError):
    """The file cannot be read at all (nothing imported)."""


@dataclass(frozen=True)
class Column:
    """A column the importer knows: its field, header aliases and value kind/unit family."""

    field: str
    label: str
    aliases: tuple[str, ...]
    kind: str = "number"  # number | text | date | bool | int
    family: str = "plain"
    required: bool = False


def norm(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def split_header(h: object) -> tuple[str, str]:
    """``"低位发热量(GJ/t)"`` → (``"低位发热量"``, ``"gj/t"``)."""
    s = norm(h)
    m = re.match(r"^(.*?)\((.*)\)$", s)
    if m:
        return m[1], m[2].replace("m3", "m³")
    return s, ""


def cell_text(v: object) -> str | None:
    """A cell as a person reads it; None for empty and the usual blanks."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    s = str(v).strip()
    return None if s in ("", "—", "-", "/", "NA", "N/A", "无") else s


def decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise SheetError("无法识别文件编码（应为 UTF-8 或 GB18030/GBK）")


def read_rows(path: Path, data: bytes, sheet: str | None = None) -> list[tuple[int, list]]:
    """Every non-blank row with its 1-based row number as the user sees it."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        if (problem := package_problem(data, path.name)) is not None:  # before openpyxl inflates anything
            raise SheetError(problem)
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise SheetError(f"无法读取 Excel 文件：{exc}") from None
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise SheetError(f"工作簿中没有名为「{sheet}」的工作表")
            ws = wb[sheet] if sheet else wb.worksheets[0]
            rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
    elif suffix == ".xls":
        raise SheetError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    else:
        text = decode(data)
        first = text.split("\n", 1)[0]
        delim = "\t" if first.count("\t") > first.count(",") else ","
        rows = [(i, rec) for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim), start=1)]
    return [(i, r) for i, r in rows if any(cell_text(c) is not None for c in r)]


@dataclass(frozen=True)
class Layout:
    """The header of a sheet mapped to known columns."""

    header_row: int
    columns: dict[str, tuple[int, Fraction]]  # field → (index, unit factor)
    units: dict[str, str]  # field → unit text as written
    extra: dict[int, str]  # index → header of an unknown column
    headers: dict[int, str]


def map_header(file: str, rows: list[tuple[int, list]], columns: Sequence[Column], *, min_known: int = 3) -> tuple[Layout, list[tuple[int, list]]]:
    """Find the header among the first 10 rows (a title row above it is common) and map it."""
    alias: dict[str, Column] = {}
    for c in columns:
        for a in (c.label, *c.aliases):
            alias[split_header(a)[0]] = c
    for k, (row_no, r) in enumerate(rows[:10]):
        known = sum(1 for h in r if split_header(h)[0] in alias)
        if known >= min_known:
            break
    else:
        raise SheetError(f"{file}：前 10 行中找不到表头（应含 {'、'.join(c.label for c in columns if c.required)} 等列）")
    cols: dict[str, tuple[int, Fraction]] = {}
    units: dict[str, str] = {}
    extra: dict[int, str] = {}
    headers: dict[int, str] = {}
    for i, h in enumerate(r):
        if cell_text(h) is None:
            continue
        headers[i] = str(h).strip()
        name, unit = split_header(h)
        col = alias.get(name)
        if col is None:
            extra[i] = str(h).strip()
            continue
        if col.field in cols:
            raise SheetError(f"{file} 第 {row_no} 行：列「{col.label}」出现两次")
        fam = UNITS[col.family] if col.kind == "number" else {"": Fraction(1)}
        if unit not in fam:
            raise SheetError(f"{file} 第 {row_no} 行：列「{h}」的单位“{unit}”不支持，可用：{'、'.join(u for u in fam if u) or '无单位'}")
        cols[col.field] = (i, fam[unit])
        units[col.field] = unit
    missing = [c.label for c in columns if c.required and c.field not in cols]
    if missing:
        raise SheetError(f"{file} 第 {row_no} 行：表头缺少必需的列：{'、'.join(missing)}")
    return Layout(row_no, cols, units, extra, headers), rows[k + 1:]


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
TRUE = ("是", "y", "yes", "true", "1", "有", "变化")
FALSE = ("否", "n", "no", "false", "0", "无变化")


def parse_number(text: str) -> Fraction:
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if t.endswith("%"):
        raise ValueError(f"“{text}”带百分号：请在表头注明单位（%），单元格只填数字")
    if not _NUMBER.match(t):
        raise ValueError(f"“{text}”不是数字")
    return Fraction(t)


def parse_date(text: str) -> date:
    m = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if not m:
        raise ValueError(f"“{text}”不是日期（应为 2026-10-05 或 2026年10月5日）")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期") from None


def parse_bool(text: str) -> bool:
    t = norm(text)
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    raise ValueError(f"“{text}”应为 是 或 否")


def parse_int(text: str) -> int:
    t = norm(text)
    if t.endswith("月"):
        t = t[:-1]
    if t.endswith("年"):
        t = t[:-1]
    if not re.fullmatch(r"\d{1,4}", t):
        raise ValueError(f"“{text}”不是整数")
    return int(t)


def row_values(file: str, row_no: int, rec: list, layout: Layout, columns: Sequence[Column]) -> tuple[dict[str, object], list[RowError]]:
    """Parse one data row: field → value (Fraction in the store unit, str, date, bool, int) or None."""
    out: dict[str, object] = {}
    errors: list[RowError] = []
    by_field = {c.field: c for c in columns}
    for field_, (idx, factor) in layout.columns.items():
        col = by_field[field_]
        text = cell_text(rec[idx]) if idx < len(rec) else None
        if text is None:
            out[field_] = None
            if col.required:
                errors.append(RowError(file, row_no, col.label, "必填项为空"))
            continue
        try:
            if col.kind == "number":
                v = parse_number(text) * factor
                if v < 0:
                    raise ValueError(f"“{text}”不能为负数")
                if col.family == "fraction" and v > 1:
                    raise ValueError(f"“{text}”大于 1：小数请填 0.52，百分数请在表头注明（%）")
                out[field_] = v
            elif col.kind == "date":
                out[field_] = parse_date(text)
            elif col.kind == "bool":
                out[field_] = parse_bool(text)
            elif col.kind == "int":
                out[field_] = parse_int(text)
            else:
                out[field_] = text
        except ValueError as exc:
            errors.append(RowError(file, row_no, layout.headers.get(idx, col.label), str(exc)))
            out[field_] = None
    return out, errors


def decimal_text(x: Fraction | None) -> str | None:
    """Exact decimal text of a value that came from decimal text (× a unit factor), else ``num/den``."""
    if x is None:
        return None
    d = x.denominator
    k = 0
    while d % 2 == 0 or d % 5 == 0:
        d //= 2 if d % 2 == 0 else 5
        k += 1
        if k > 60:
            break
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    scale = 0
    while (x * 10**scale).denominator != 1:
        scale += 1
    n = x * 10**scale
    s = str(abs(int(n))).rjust(scale + 1, "0")
    body = s if scale == 0 else f"{s[:-scale]}.{s[-scale:]}"
    return ("-" if x < 0 else "") + body


def fraction_of(text: str | None) -> Fraction | None:
    """Inverse of :func:`decimal_text` (stored text → exact value)."""
    if text is None or text == "":
        return None
    return Fraction(text)

