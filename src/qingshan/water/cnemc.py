"""Reading the CNEMC surface-water automatic-station export (国家地表水水质自动监测实时数据发布系统).

Format (../shared/data/water/SOURCE.md): CSV with a header row; the columns the system names
``抓取年份`` (optional: the year the archive fetched the row), ``省份``, ``流域``, ``断面名称``,
``监测时间`` (``MM-DD HH:MM``, Beijing time; a full date is accepted too), ``水质类别``, then the
items with their units in brackets: ``水温(℃)``, ``pH(无量纲)``, ``溶解氧(mg/L)``,
``电导率(μS/cm)``, ``浊度(NTU)``, ``高锰酸盐指数(mg/L)``, ``氨氮(mg/L)``, ``总磷(mg/L)``,
``总氮(mg/L)``, ``叶绿素α(mg/L)``, ``藻密度(cells/L)``. Columns are matched by name in any order;
any other GB 3838 item column is read too, unknown columns are ignored.

The published class comes in **both codings** of the system: ``1``–``5`` = Ⅰ–Ⅴ, ``6`` = 劣Ⅴ,
``-1`` = no data; or ``Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ`` (ASCII ``I … V`` and ``劣V`` too) with ``--`` for no
data. ``--`` (and the other missing markers) in a value cell means the item is missing.

Year: ``抓取年份`` when present, else ``year`` (the caller's option), else the current year —
unless that puts the reading more than a day in the future, then the year before (a file of
31 December read on 1 January).

Per row, nothing is raised: a row with the wrong column count, an empty section name or an
unreadable time is kept with its error (the classify command still prints a row for it); a
non-numeric or negative value is an error of that value alone (the row's other values stand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from qingshan.standards import gb3838
from qingshan.standards.water_values import nano_of_text
from qingshan.water import items as I
from qingshan.water.files import FileRefused, RowError, read_sheet

SOURCE = "cnemc"
MISSING = frozenset({"", "--", "-", "—", "——", "/", "na", "n/a", "nan", "null", "none", "无", "缺测", "#n/a", "*"})

_META = {
    "抓取年份": "year", "年份": "year", "年": "year",
    "省份": "province", "省": "province", "省份名称": "province",
    "流域": "basin", "所属流域": "basin",
    "断面名称": "section", "断面": "section", "站点名称": "section", "点位名称": "section", "监测断面": "section",
    "监测时间": "time", "时间": "time", "数据时间": "time",
    "水质类别": "class", "类别": "class", "水质类别(类)": "class",
}
_TIME_RE = re.compile(
    r"^(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s*(?P<H>\d{1,2})[:时](?P<M>\d{2})(?::(?P<S>\d{2}))?分?$"
)


@dataclass
class CnemcRow:
    """One data row as read (``time`` None when unreadable)."""

    row: int
    section: str
    time_text: str
    time: datetime | None
    province: str = ""
    basin: str = ""
    published_class: int | None = None
    class_text: str = ""
    #: item code → nano-units in the stored unit (only valid values)
    values: dict[str, int] = field(default_factory=dict)
    #: item code → text as written (valid values only)
    texts: dict[str, str] = field(default_factory=dict)
    broken: bool = False  # wrong column count: the values cannot be trusted
    importable: bool = True  # False also for an empty section name or an unreadable time


@dataclass
class CnemcFile:
    name: str
    encoding: str
    sha256: str
    rows: list[CnemcRow]
    errors: list[RowError]
    items: list[str]  # item codes of the file's columns, in column order
    coding: str  # "numeric" | "roman" | "none"


def _header_map(header: list[str]) -> tuple[dict[str, int], dict[str, tuple[int, tuple[int, int]]], list[str]]:
    meta: dict[str, int] = {}
    cols: dict[str, tuple[int, tuple[int, int]]] = {}
    problems: list[str] = []
    for i, h in enumerate(header):
        text = h.strip().lstrip("\ufeff")
        key = I.normalise_name(text)
        if key in {I.normalise_name(k) for k in _META}:
            role = next(v for k, v in _META.items() if I.normalise_name(k) == key)
            meta.setdefault(role, i)
            continue
        code = I.item_code(text)
        if code is None:
            continue
        _name, unit = I.strip_unit(text)
        factor = I.unit_factor(code, unit)
        if factor is None:
            problems.append(f"列「{text}」的单位「{unit}」无法换算为{I.NAMES[code]}的单位 {I.UNITS[code]}")
            continue
        cols.setdefault(code, (i, factor))
    return meta, cols, problems


def parse_time(text: str, year: int | None, now: datetime | None = None) -> datetime:
    """``08-26 13:00`` / ``2026-08-26 13:00`` → datetime (see the module doc for the year)."""
    m = _TIME_RE.match(text.strip())
    if m is None:
        raise ValueError(f"无法识别的监测时间「{text.strip()}」（应为 MM-DD HH:MM 或 YYYY-MM-DD HH:MM）")
    g = m.groupdict()
    now = now or datetime.now()
    y = int(g["y"]) if g["y"] else year
    guessed = y is None
    y = y or now.year
    parts = (int(g["m"]), int(g["d"]), int(g["H"]), int(g["M"]), int(g["S"] or 0))
    # a guessed year: the latest year that makes it a real date not more than a day ahead
    for year_try in ([y] if not guessed else [y, y - 1, y - 2, y - 3, y - 4]):
        try:
            t = datetime(year_try, *parts)
        except ValueError:
            continue
        if not guessed or t <= now + timedelta(days=1):
            return t
    raise ValueError(f"监测时间「{text.strip()}」不是有效的日期时间")


def read_cnemc(path: str | Path, data: bytes | None = None, *, year: int | None = None) -> CnemcFile:
    """Read a CNEMC surface-water file (either class coding). Raises
    :class:`~qingshan.water.files.FileRefused` when the file is not such a file at all."""
    sheet = read_sheet(path, data)
    name = sheet.name
    if not sheet.rows:
        raise FileRefused(RowError(name, None, None, "文件为空"), sheet.encoding)
    header_row, header = sheet.rows[0]
    meta, cols, problems = _header_map(header)
    missing = [z for z, k in (("断面名称", "section"), ("监测时间", "time")) if k not in meta]
    if missing or not cols:
        need = "、".join(missing + ([] if cols else ["监测项目列（pH、溶解氧、高锰酸盐指数、氨氮、总磷…）"]))
        raise FileRefused(RowError(name, header_row, None, f"不是 CNEMC 地表水自动监测数据文件：表头缺少 {need}"), sheet.encoding)
    if problems:
        raise FileRefused(RowError(name, header_row, None, "；".join(problems)), sheet.encoding)
    ncol = len(header)
    errors: list[RowError] = []
    rows: list[CnemcRow] = []
    codings: set[str] = set()
    cache: dict[tuple[str, int | None], datetime] = {}
    for row, rec in sheet.rows[1:]:
        if len(rec) != ncol:
            errors.append(RowError(name, row, None, f"列数不符：表头 {ncol} 列，此行 {len(rec)} 列"))
            sec = rec[meta["section"]].strip() if meta["section"] < len(rec) else ""
            tt = rec[meta["time"]].strip() if meta["time"] < len(rec) else ""
            rows.append(CnemcRow(row, sec, tt, None, broken=True, importable=False))
            continue
        section = rec[meta["section"]].strip()
        time_text = rec[meta["time"]].strip()
        r = CnemcRow(
            row, section, time_text, None,
            province=rec[meta["province"]].strip() if "province" in meta else "",
            basin=rec[meta["basin"]].strip() if "basin" in meta else "",
        )
        rows.append(r)
        if not section:
            errors.append(RowError(name, row, header[meta["section"]], "断面名称为空"))
            r.importable = False
        row_year = year
        if "year" in meta:
            ytext = rec[meta["year"]].strip()
            if ytext:
                if re.fullmatch(r"\d{4}", ytext):
                    row_year = int(ytext)
                else:
                    errors.append(RowError(name, row, header[meta["year"]], f"年份「{ytext}」不是四位数字"))
                    r.importable = False
        try:
            key = (time_text, row_year)
            if key not in cache:
                cache[key] = parse_time(time_text, row_year)
            r.time = cache[key]
        except ValueError as exc:
            errors.append(RowError(name, row, header[meta["time"]], str(exc)))
            r.importable = False
        if "class" in meta:
            ctext = rec[meta["class"]].strip()
            r.class_text = ctext
            try:
                r.published_class = gb3838.parse_class(ctext)
            except ValueError as exc:
                errors.append(RowError(name, row, header[meta["class"]], str(exc)))
            if ctext:
                codings.add("numeric" if re.fullmatch(r"-?\d", ctext) else ("none" if ctext in ("--", "—") else "roman"))
        for code, (ci, factor) in cols.items():
            text = rec[ci].strip()
            if text.lower() in MISSING:
                continue
            n = nano_of_text(text)
            if n is None:
                errors.append(RowError(name, row, header[ci], f"数值「{text}」不是数字"))
                continue
            if n < 0 and code != "wt":
                errors.append(RowError(name, row, header[ci], f"数值为负数（{text}），不是有效的监测值"))
                continue
            conv = I.convert_nano(n, factor)
            if conv is None:
                errors.append(RowError(name, row, header[ci], f"数值「{text}」换算单位后超过 9 位小数"))
                continue
            r.values[code] = conv
            r.texts[code] = text
    coding = "numeric" if "numeric" in codings else ("roman" if "roman" in codings else "none")
    return CnemcFile(name, sheet.encoding, sheet.sha256, rows, errors, list(cols), coding)
