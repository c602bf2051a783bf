"""The section registry (断面登记): add, change, list, targets, import and export.

Every write validates first (Chinese messages naming the field; nothing half-written) and
returns plain dicts — :func:`update_section` and :func:`set_target` return ``(before, after)``
so the web layer can write its audit trail (phase 2) without reading the row twice.

Fields (the CSV/Excel headers in brackets; Chinese or English):

==================  ======================================================================
code (断面编码)       unique code (national section code where there is one)
name (断面名称)       section name as the monitoring network writes it
river (河流)          the river — for a lake or reservoir point, the lake's or reservoir's name
basin (流域)          basin, e.g. 海河流域
water_system (水系)   water system, e.g. 永定河水系
water_body (水体类型) river / lake / reservoir (河流 / 湖泊 / 水库) — selects the TP column
county_code (区县代码) GB/T 2260 six-digit code
control_level (控制级别) 国考 / 省考 / 市考
lon, lat (经度, 纬度) WGS-84 degrees
responsible_unit (责任单位)
seq (顺序)            position along its river, upstream first
downstream_code (下游断面) code of the next section downstream
active (启用), demo (演示), notes (备注)
target_YYYY (YYYY年目标)  target class of year YYYY (Ⅰ…Ⅴ, 劣Ⅴ, or 1–6)
==================  ======================================================================
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan.standards import gb3838
from qingshan.water import items as I
from qingshan.water.files import FileRefused, RowError, read_sheet
from qingshan.water.models import CONTROL_LEVELS, Section, SectionTarget

FIELDS: tuple[str, ...] = (
    "code", "name", "river", "basin", "water_system", "water_body", "county_code", "control_level", "lon", "lat",
    "responsible_unit", "seq", "downstream_code", "active", "demo", "notes",
)
LABELS = {
    "code": "断面编码", "name": "断面名称", "river": "河流", "basin": "流域", "water_system": "水系",
    "water_body": "水体类型", "county_code": "区县代码", "control_level": "控制级别", "lon": "经度", "lat": "纬度",
    "responsible_unit": "责任单位", "seq": "顺序", "downstream_code": "下游断面", "active": "启用", "demo": "演示",
    "notes": "备注",
}
_HEADER_ALIASES = {
    **{I.normalise_name(v): k for k, v in LABELS.items()},
    **{k: k for k in FIELDS},
    "断面代码": "code", "编码": "code", "断面": "name", "名称": "name", "河流名称": "river", "所在河流": "river",
    "湖库": "river", "类型": "water_body", "水体": "water_body", "区县": "county_code", "行政区划代码": "county_code",
    "级别": "control_level", "断面级别": "control_level", "考核级别": "control_level", "longitude": "lon",
    "latitude": "lat", "责任部门": "responsible_unit", "上下游顺序": "seq", "note": "notes", "说明": "notes",
}
_WATER_BODY_WORDS = {"河流": "river", "河": "river", "湖泊": "lake", "湖": "lake", "水库": "reservoir", "库": "reservoir"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "yes", "y", "是", "启用", "t"}
_FALSE = {"0", "false", "no", "n", "否", "停用", "f"}


class SectionError(ValueError):
    """A registry change refused; the message (Chinese) names the section and the field."""


def _as_dict(s: Section) -> dict:
    return {f: getattr(s, f) for f in FIELDS}


def normalise_fields(fields: dict, *, who: str = "") -> dict:
    """Validate and normalise section fields (any subset); raises :class:`SectionError`."""
    out: dict = {}
    prefix = f"断面「{who}」：" if who else ""

    def fail(f: str, why: str) -> None:
        raise SectionError(f"{prefix}{LABELS.get(f, f)} {why}")

    for f, v in fields.items():
        if f not in FIELDS:
            raise SectionError(f"{prefix}未知字段「{f}」")
        if isinstance(v, str):
            if _CONTROL.search(v):
                fail(f, "含有控制字符")
            v = v.strip()
            if v == "" and f not in ("code", "name"):
                v = None
        if f in ("code", "name"):
            if not v:
                fail(f, "不能为空")
            if len(str(v)) > (32 if f == "code" else 128):
                fail(f, "过长")
            if f == "code" and re.search(r"[/\\?#%\s\x00-\x1f]", str(v)):
                fail(f, f"「{v}」不能含有空白或 / \\ ? # % 字符（编码用于网址和文件名）")
            out[f] = str(v)
        elif f == "water_body":
            v = _WATER_BODY_WORDS.get(v, v) if v is not None else "river"
            if v not in gb3838.WATER_BODIES:
                fail(f, f"「{v}」应为 river/lake/reservoir（河流/湖泊/水库）")
            out[f] = v
        elif f == "county_code":
            if v is not None and not re.fullmatch(r"\d{6}", str(v)):
                fail(f, f"「{v}」应为 6 位 GB/T 2260 行政区划代码")
            out[f] = None if v is None else str(v)
        elif f == "control_level":
            if v is not None and v not in CONTROL_LEVELS:
                fail(f, f"「{v}」应为 国考、省考 或 市考")
            out[f] = v
        elif f in ("lon", "lat"):
            if v is None:
                out[f] = None
                continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                fail(f, f"「{v}」不是数字")
            lo, hi = (73.0, 136.0) if f == "lon" else (3.0, 54.0)
            if not lo <= x <= hi:
                fail(f, f"{x} 不在中国境内（{lo}–{hi}）")
            out[f] = x
        elif f == "seq":
            if v is None:
                out[f] = None
                continue
            try:
                out[f] = int(str(v))
            except ValueError:
                fail(f, f"「{v}」不是整数")
        elif f in ("active", "demo"):
            if isinstance(v, bool):
                out[f] = v
            elif v is None:
                out[f] = f == "active"
            elif str(v).lower() in _TRUE:
                out[f] = True
            elif str(v).lower() in _FALSE:
                out[f] = False
            else:
                fail(f, f"「{v}」应为 是/否")
        else:
            out[f] = None if v is None else str(v)
            limit = {"river": 64, "basin": 64, "water_system": 64, "responsible_unit": 128, "downstream_code": 32}.get(f)
            if limit and out[f] is not None and len(out[f]) > limit:
                fail(f, "过长")
    return out


def get_section(session: Session, code: str) -> dict | None:
    s = session.scalar(select(Section).where(Section.code == code))
    return _as_dict(s) if s is not None else None


def add_section(session: Session, **fields) -> dict:
    """Register a section; returns the new row. Refuses a code already registered."""
    data = normalise_fields({"water_body": "river", "active": True, "demo": False, **fields},
                            who=str(fields.get("code") or fields.get("name") or ""))
    for need in ("code", "name"):
        if need not in data:
            raise SectionError(f"缺少{LABELS[need]}")
    if session.scalar(select(Section.id).where(Section.code == data["code"])) is not None:
        raise SectionError(f"断面编码「{data['code']}」已登记")
    s = Section(**data)
    session.add(s)
    session.flush()
    return _as_dict(s)


def update_section(session: Session, code: str, /, **changes) -> tuple[dict, dict]:
    """Change fields of a registered section; returns (before, after) for the audit trail."""
    s = session.scalar(select(Section).where(Section.code == code))
    if s is None:
        raise SectionError(f"断面编码「{code}」未登记")
    data = normalise_fields(changes, who=code)
    if "code" in data and data["code"] != code and session.scalar(select(Section.id).where(Section.code == data["code"])):
        raise SectionError(f"断面编码「{data['code']}」已登记")
    before = _as_dict(s)
    for k, v in data.items():
        setattr(s, k, v)
    session.flush()
    return before, _as_dict(s)


def set_target(session: Session, code: str, year: int, target_class: int | str) -> tuple[dict | None, dict]:
    """Set the target class of ``code`` for ``year``; returns (before, after)."""
    s = session.scalar(select(Section).where(Section.code == code))
    if s is None:
        raise SectionError(f"断面编码「{code}」未登记")
    if not 1900 <= int(year) <= 2200:
        raise SectionError(f"断面「{code}」：年份 {year} 无效")
    try:
        cls = gb3838.parse_class(str(target_class))
    except ValueError as exc:
        raise SectionError(f"断面「{code}」：{exc}") from None
    if cls is None:
        raise SectionError(f"断面「{code}」：目标类别不能为空")
    t = session.scalar(select(SectionTarget).where(SectionTarget.section_id == s.id, SectionTarget.year == int(year)))
    before = None if t is None else {"code": code, "year": int(year), "target_class": t.target_class}
    if t is None:
        t = SectionTarget(section_id=s.id, year=int(year), target_class=cls)
        session.add(t)
    else:
        t.target_class = cls
    session.flush()
    return before, {"code": code, "year": int(year), "target_class": cls}


def sections_frame(engine: Engine, *, active_only: bool = False) -> pl.DataFrame:
    """Every registered section as a frame (:data:`FIELDS`), ordered by river, seq, code."""
    with Session(engine) as s:
        q = select(Section)
        if active_only:
            q = q.where(Section.active.is_(True))
        rows = [_as_dict(x) for x in s.scalars(q)]
    schema = {f: pl.Utf8 for f in FIELDS} | {"lon": pl.Float64, "lat": pl.Float64, "seq": pl.Int64,
                                               "active": pl.Boolean, "demo": pl.Boolean}
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.sort(["river", "seq", "code"], nulls_last=True)


def targets(engine: Engine, year: int | None = None) -> pl.DataFrame:
    """Targets: ``code, year, target_class``."""
    with Session(engine) as s:
        q = select(Section.code, SectionTarget.year, SectionTarget.target_class).join(
            Section, Section.id == SectionTarget.section_id)
        if year is not None:
            q = q.where(SectionTarget.year == year)
        rows = s.execute(q.order_by(Section.code, SectionTarget.year)).all()
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "year": pl.Int64, "target_class": pl.Int64}, orient="row")


# --- import / export -------------------------------------------------------------------------


@dataclass
class SectionImportResult:
    file: str
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    targets_set: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[tuple[dict | None, dict]] = field(default_factory=list)


_TARGET_RE = re.compile(r"^(?:target_?(\d{4})|(\d{4})年?目标(?:类别)?|目标(\d{4}))$")


def import_sections(session: Session, path: str | Path, data: bytes | None = None,
                    *, sheet: str | None = None) -> SectionImportResult:
    """Register or update sections from CSV/Excel; per-row errors, good rows applied once.

    A row whose code is registered updates the fields present in the file; a new code is
    added. Without a ``code`` column the name is the code. Re-importing the same file changes
    nothing.
    """
    s = read_sheet(path, data, sheet)
    res = SectionImportResult(s.name)
    if not s.rows:
        raise FileRefused(RowError(s.name, None, None, "文件为空"), s.encoding)
    header_row, header = s.rows[0]
    cols: dict[str, int] = {}
    target_cols: dict[int, int] = {}
    for i, h in enumerate(header):
        key = I.normalise_name(h)
        m = _TARGET_RE.match(key)
        if m:
            target_cols[int(next(g for g in m.groups() if g))] = i
            continue
        f = _HEADER_ALIASES.get(key)
        if f and f not in cols:
            cols[f] = i
    if "name" not in cols and "code" not in cols:
        raise FileRefused(RowError(s.name, header_row, None, "表头缺少断面名称或断面编码列"), s.encoding)
    seen: dict[str, int] = {}
    for row, rec in s.rows[1:]:
        res.rows_read += 1
        rec = rec + [""] * (len(header) - len(rec))
        raw = {f: rec[i] for f, i in cols.items()}
        if "code" not in raw or not raw["code"].strip():
            raw["code"] = raw.get("name", "")
        code = raw["code"].strip()
        if code in seen:
            res.errors.append(RowError(s.name, row, LABELS["code"], f"断面编码「{code}」与第 {seen[code]} 行重复，已跳过"))
            continue
        seen[code] = row
        try:
            with session.begin_nested():
                fields = normalise_fields(raw, who=code)
                if get_section(session, code) is None:
                    if "name" not in fields:
                        fields["name"] = code
                    after = add_section(session, **fields)
                    res.added += 1
                    res.changes.append((None, after))
                else:
                    before, after = update_section(session, code, **{k: v for k, v in fields.items() if k != "code"})
                    if before != after:
                        res.updated += 1
                        res.changes.append((before, after))
                for year, ci in target_cols.items():
                    text = rec[ci].strip()
                    if text:
                        tb, ta = set_target(session, code, year, text)
                        if tb != ta:
                            res.targets_set += 1
        except SectionError as exc:
            res.errors.append(RowError(s.name, row, None, str(exc)))
    return res


def export_sections(engine: Engine, path: str | Path, *, year: int | None = None) -> int:
    """Write the registry (with the targets of ``year`` when given) as CSV (UTF-8 with BOM, for
    Excel) or .xlsx by the file suffix; returns the number of sections."""
    frame = sections_frame(engine)
    tcol = None
    if year is not None:
        t = targets(engine, year).select(pl.col("code"), pl.col("target_class").alias("_t"))
        frame = frame.join(t, on="code", how="left")
        tcol = f"{year}年目标"
        frame = frame.with_columns(gb3838.class_label_expr(pl.col("_t")).alias(tcol)).drop("_t")
    headers = [LABELS[f] for f in FIELDS] + ([tcol] if tcol else [])
    rows = [
        ["" if v is None else ("是" if v is True else "否" if v is False else v) for v in r]
        for r in frame.select(*FIELDS, *([tcol] if tcol else [])).iter_rows()
    ]
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "断面"
        ws.append(headers)
        for r in rows:
            ws.append(r)
        wb.save(path)
    else:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(headers)
        w.writerows(rows)
        path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    return frame.height
