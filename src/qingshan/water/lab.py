"""Reading laboratory results in the long table format (CSV or .xlsx), as monitoring stations
and contracted laboratories deliver them: one result per row.

==========  =======================================================================
section     断面 / 断面名称 / 断面编码 / 点位 / 点位名称 / 监测断面 / section
sampled-at  采样时间 / 采样日期 / 监测时间 / 监测日期 / 时间 / 日期 / sampled_at / time
item        项目 / 监测项目 / 指标 / 因子 / 监测因子 / 分析项目 / item / parameter
value       数值 / 监测值 / 结果 / 测定值 / 浓度 / 监测结果 / value / result
flag        标记 / 数据标记 / 标识 / 质控标记 / flag          (optional)
dl          检出限 / 方法检出限 / dl / detection_limit          (optional)
unit        单位 / 计量单位 / unit                              (optional; default the GB 3838 unit)
==========  =======================================================================

Headers may sit below a title row (the first of the first ten rows naming a section, a time, an
item and a value is the header). Values:

* a decimal number (``0.52``; ``1.2E-3`` is accepted), exact; negative → rejected;
* a non-detect (未检出): ``ND``, ``N.D.``, ``未检出``, ``<DL`` with the detection limit in the
  ``dl`` column, or ``<0.01`` / ``＜0.01`` / ``0.01L`` (the Chinese "L" convention) carrying
  it; stored as a non-detect with its limit (water.md §8: half the limit enters means);
* ``>…`` (above the range) and anything else → rejected with the reason.

Flags: the HJ 212 letters (N, F, M, S, D, C, T, B …) as given; 有效/正常 → N; 无效/作废 → I
(invalidated by QA: never enters a mean, hj212.md §9.3 "any other letter"). Without a flag the
result counts (a laboratory result carries no HJ 212 flag).

Sampling times: ``2025-03-05``, ``2025/3/5 9:30``, ``2025年3月5日``, ``20250305`` or an Excel date;
a date alone stands at 00:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qingshan.standards.water_values import nano_of_text
from qingshan.water import items as I
from qingshan.water.files import FileRefused, RowError, read_sheet

SOURCE = "lab"

ALIASES = {
    "section": ("断面", "断面名称", "断面编码", "断面代码", "点位", "点位名称", "点位编码", "监测断面", "监测点位",
                "section", "section_code", "station", "site"),
    "time": ("采样时间", "采样日期", "监测时间", "监测日期", "时间", "日期", "采样日期时间", "sampled_at", "sampledat",
             "time", "date", "datetime"),
    "item": ("项目", "监测项目", "指标", "因子", "监测因子", "分析项目", "检测项目", "item", "parameter"),
    "value": ("数值", "监测值", "结果", "测定值", "浓度", "监测结果", "检测结果", "value", "result"),
    "flag": ("标记", "数据标记", "标识", "质控标记", "flag"),
    "dl": ("检出限", "方法检出限", "dl", "detection_limit", "detectionlimit"),
    "unit": ("单位", "计量单位", "unit", "units"),
}
_ALIAS = {I.normalise_name(a): role for role, names in ALIASES.items() for a in names}
_ND_WORDS = {"nd", "n.d.", "n.d", "未检出", "<dl", "＜dl", "低于检出限", "未检测出"}
_FLAG_WORDS = {"有效": "N", "正常": "N", "无效": "I", "作废": "I"}
_TIME_RE = re.compile(
    r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:[ T]*(?P<H>\d{1,2})[:时](?P<M>\d{1,2})?分?(?::(?P<S>\d{1,2})(?:\.\d+)?)?秒?)?$"
)
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")


@dataclass
class LabValue:
    """One valid result as read (section as written)."""

    row: int
    section: str
    time: datetime
    item: str
    value_nano: int | None
    nd: bool
    dl_nano: int | None
    flag: str | None
    text: str
    field: str


@dataclass
class LabFile:
    name: str
    encoding: str
    sha256: str
    rows_read: int
    values: list[LabValue]
    errors: list[RowError]
    rejected_rows: set[int]
    header: list[str]


def parse_sampled_at(text: str) -> datetime:
    t = (text or "").strip()
    if not t:
        raise ValueError("采样时间为空")
    m = _TIME_RE.match(t) or _COMPACT_RE.match(t)
    if m is None:
        raise ValueError(f"无法识别的采样时间「{t}」")
    g = m.groupdict()
    try:
        return datetime(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0))
    except ValueError:
        raise ValueError(f"采样时间「{t}」不是有效的日期时间") from None


def parse_value(text: str, dl_text: str) -> tuple[int | None, bool, int | None, str | None]:
    """(value_nano, nd, dl_nano, error) of one result text in its own unit (no conversion)."""
    t = (text or "").strip().replace("＜", "<").replace("﹤", "<").replace("＞", ">")
    low = t.lower().replace(" ", "")
    dl = None
    if dl_text.strip():
        dl = nano_of_text(dl_text)
        if dl is None or dl <= 0:
            return None, False, None, f"检出限「{dl_text.strip()}」不是正数"
    if not t:
        return None, False, None, "数值为空"
    if low in _ND_WORDS:
        if dl is None:
            return None, True, None, f"「{t}」为未检出，但未给出检出限（请填写检出限列）"
        return None, True, dl, None
    m = re.fullmatch(r"<\s*(.+)", t) or re.fullmatch(r"(.+?)\s*[lL]", t)
    if m:
        lim = nano_of_text(m.group(1))
        if lim is None or lim <= 0:
            return None, False, None, f"「{t}」不是有效的未检出表示（应为 <检出限 或 检出限L）"
        if dl is not None and dl != lim:
            return None, False, None, f"「{t}」与检出限列「{dl_text.strip()}」不一致"
        return None, True, lim, None
    if t.startswith(">"):
        return None, False, None, f"「{t}」超出测定上限，不是可用于统计的数值"
    n = nano_of_text(t)
    if n is None:
        return None, False, None, f"数值「{t}」不是数字"
    if n < 0:
        return None, False, None, f"数值为负数（{t}），不是有效的监测值"
    return n, False, dl, None


def _find_header(rows: list[tuple[int, list[str]]]) -> int | None:
    for k, (_i, r) in enumerate(rows[:10]):
        roles = {_ALIAS.get(I.normalise_name(c)) for c in r}
        if {"section", "time", "item", "value"} <= roles:
            return k
    return None


def read_lab(path: str | Path, data: bytes | None = None, *, sheet: str | None = None) -> LabFile:
    """Read a laboratory long table. Raises :class:`~qingshan.water.files.FileRefused` when the
    file cannot be read or has no usable header."""
    s = read_sheet(path, data, sheet)
    name = s.name
    if not s.rows:
        raise FileRefused(RowError(name, None, None, "文件为空"), s.encoding)
    h = _find_header(s.rows)
    if h is None:
        first = "、".join(c for c in s.rows[0][1] if c.strip())
        raise FileRefused(
            RowError(name, s.rows[0][0], None, f"表头缺少必需的列：断面、采样时间、项目、数值（表头为：{first}）"), s.encoding
        )
    header_row, header = s.rows[h]
    while header and not header[-1].strip():
        header = header[:-1]
    roles: dict[str, int] = {}
    for i, c in enumerate(header):
        role = _ALIAS.get(I.normalise_name(c))
        if role and role not in roles:
            roles[role] = i
    ncol = len(header)
    errors: list[RowError] = []
    rejected: set[int] = set()
    values: list[LabValue] = []
    records = s.rows[h + 1 :]
    times: dict[str, datetime] = {}

    def reject(row: int, field: str | None, reason: str) -> None:
        errors.append(RowError(name, row, field, reason))
        rejected.add(row)

    for row, rec in records:
        extra = [c for c in rec[ncol:] if c.strip()]
        rec = rec[:ncol] + [""] * (ncol - len(rec))
        if extra:
            reject(row, None, f"列数不符：表头 {ncol} 列，此行有更多数据")
            continue
        sec = rec[roles["section"]].strip()
        if not sec:
            reject(row, header[roles["section"]], "断面为空")
            continue
        ttext = rec[roles["time"]].strip()
        try:
            if ttext not in times:
                times[ttext] = parse_sampled_at(ttext)
            t = times[ttext]
        except ValueError as exc:
            reject(row, header[roles["time"]], str(exc))
            continue
        itext = rec[roles["item"]].strip()
        code = I.item_code(itext)
        if code is None:
            reject(row, header[roles["item"]], f"未知的监测项目「{itext}」")
            continue
        unit_text = rec[roles["unit"]].strip() if "unit" in roles else ""
        _n, unit_in_item = I.strip_unit(itext)
        unit = unit_text or unit_in_item
        factor = I.unit_factor(code, unit)
        if factor is None:
            reject(row, header[roles["unit"]] if unit_text else header[roles["item"]],
                   f"{I.NAMES[code]}的单位「{unit}」无法识别（应为 {I.UNITS[code]} 或可换算的单位）")
            continue
        flag = None
        if "flag" in roles:
            ftext = rec[roles["flag"]].strip()
            if ftext:
                flag = _FLAG_WORDS.get(ftext, ftext.upper())
                if len(flag) > 4 or not flag.isascii() or not flag.isalpha():
                    reject(row, header[roles["flag"]], f"数据标记「{ftext}」无效（应为 N、F、M、S、D、C、T、B 等字母，或 有效/无效）")
                    continue
        vtext = rec[roles["value"]].strip()
        dl_text = rec[roles["dl"]] if "dl" in roles else ""
        v, nd, dl, why = parse_value(vtext, dl_text)
        if why:
            reject(row, header[roles["value"]], why)
            continue
        if code == "wt" and v is None and not nd:
            reject(row, header[roles["value"]], f"数值「{vtext}」不是数字")
            continue
        v2 = I.convert_nano(v, factor) if v is not None else None
        dl2 = I.convert_nano(dl, factor) if dl is not None else None
        if (v is not None and v2 is None) or (dl is not None and dl2 is None):
            reject(row, header[roles["value"]], f"数值「{vtext}」换算为 {I.UNITS[code]} 后超过 9 位小数")
            continue
        values.append(LabValue(row, sec, t, code, v2, nd, dl2, flag, vtext, header[roles["value"]]))
    return LabFile(name, s.encoding, s.sha256, len(records), values, errors, rejected, header)


def dedupe(values: list[LabValue], key, name: str) -> tuple[list[LabValue], list[RowError], set[int]]:
    """Duplicates within a file (same ``key(v)``): identical results → the later copies are
    skipped; different results → every row of that key is rejected."""
    groups: dict[tuple, list[LabValue]] = {}
    for v in values:
        groups.setdefault(key(v), []).append(v)
    keep: list[LabValue] = []
    errors: list[RowError] = []
    rejected: set[int] = set()
    for k, g in groups.items():
        if len(g) == 1:
            keep.append(g[0])
            continue
        first = g[0]
        what = f"断面 {k[0]} {k[1]:%Y-%m-%d %H:%M} {I.NAMES[k[2]]}"
        if all((x.value_nano, x.nd, x.dl_nano, x.flag) == (first.value_nano, first.nd, first.dl_nano, first.flag) for x in g):
            keep.append(first)
            for x in g[1:]:
                errors.append(RowError(name, x.row, x.field, f"与第 {first.row} 行重复（{what}，结果相同），已跳过"))
                rejected.add(x.row)
        else:
            listed = "、".join(str(x.row) for x in g)
            for x in g:
                errors.append(RowError(name, x.row, x.field, f"{what} 有多个不同结果（第 {listed} 行），均未导入"))
                rejected.add(x.row)
    keep.sort(key=lambda v: v.row)
    return keep, errors, rejected
