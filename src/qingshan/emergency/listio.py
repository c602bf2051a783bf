"""Excel exchange of the emergency list (应急减排清单) in the layout the bureau mails around.

Workbook:

* sheet 「应急减排清单」: a title row, one header row (:data:`COLUMNS`, Chinese), one row per
  enterprise × production line (air-emergency.md §2.3). Export adds the computed reductions per
  level and pollutant (§2.4) after the input columns; import ignores them (they are recomputed).
* sheet 「其他减排」: non-industrial reductions S_p(L) [t/d] per category and level (§2.6).
* sheet 「城市排放基准」: the whole-society inventory per pollutant and its basis → B_p (§2.2).

Import is all-or-nothing: every row is checked first — the enterprise must be registered (by
统一社会信用代码, GB 32100 check character), the grade one of §2.3, measures parseable, numbers
decimal, MN registered devices, no repeated enterprise × line — and any problem refuses the whole
file with one Chinese message per row and field; nothing is written. Re-importing the same file
(SHA-256) returns the list already stored. Formula cells are refused (a cached result is not a
value someone typed and checked).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.core import clock
from qingshan.emergency import lists, tables
from qingshan.emergency.errors import ImportRefused, RowError
from qingshan.emergency.models import CityBaseline, EmergencyList, ListOther, ListRow
from qingshan.sources.models import Device, Enterprise
from qingshan.sources.uscc import validate_uscc
from qingshan.standards import emergency_reduction as er
from qingshan.standards import performance_grading as pg
from qingshan.store.models_air import Division
from qingshan.xlsxcheck import package_problem

SHEET, SHEET_OTHER, SHEET_BASE = "应急减排清单", "其他减排", "城市排放基准"
POLLUTANT_HEAD = {"SO2": "SO2", "NOx": "NOx", "PM": "颗粒物", "VOCs": "VOCs"}
COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "seq"), ("企业名称", "name"), ("统一社会信用代码", "uscc"), ("所在区县", "county"), ("行业", "industry"),
    ("生产线", "line_id"), ("绩效等级", "grade"), ("保障类别", "protected"), ("最大允许负荷(%)", "max_load"),
    ("排放口MN", "mn_codes"), ("分表计电编号", "submeters"), ("环评批复产能", "cap_eia"), ("排污许可产能", "cap_permit"),
    ("上年实际产量", "prod_lastyear"), ("当前产量P0", "p0"), ("产能单位", "unit"), ("正常结焦时间T0(h)", "t0"),
    *((f"{POLLUTANT_HEAD[p]}基准排放量(kg/d)", f"e0.{p}") for p in er.POLLUTANTS),
    ("停产保温排放量(kg/d)", "e_hold"),
    *((f"{er.LEVEL_ZH[lv]}预警措施", f"measures.{lv}") for lv in er.LEVELS),
    ("自主减排申报量(kg/d)", "r_declared"), ("关键核查指标", "key_indicators"), ("减排启动时间(h)", "ramp_h"),
    ("备注", "note"),
)
COMPUTED = tuple((f"{er.LEVEL_ZH[lv]}预警{POLLUTANT_HEAD[p]}减排量(kg/d)", f"r.{lv}.{p}")
                 for lv in er.LEVELS for p in er.POLLUTANTS)
OTHER_COLUMNS = ("类别", "预警级别", *(f"{POLLUTANT_HEAD[p]}(t/d)" for p in er.POLLUTANTS))
BASE_COLUMNS = ("污染物", "全社会年排放量(t)", "口径", "清单年份", "采暖季天数", "日均基准(t/d)")
PROTECTED_ALIASES = {**{v: k for k, v in er.PROTECTED.items()}, **{k: k for k in er.PROTECTED}, "": "none", "供热": "heating"}
LEVEL_ALIASES = {**{v: k for k, v in er.LEVEL_ZH.items()}, **{k: k for k in er.LEVELS},
                 **{v + "预警": k for k, v in er.LEVEL_ZH.items()}}
POLLUTANT_ALIASES = {"SO2": "SO2", "二氧化硫": "SO2", "NOX": "NOx", "NOx": "NOx", "氮氧化物": "NOx", "PM": "PM",
                     "颗粒物": "PM", "VOCS": "VOCs", "VOCs": "VOCs", "挥发性有机物": "VOCs"}
CATEGORY_ALIASES = {**{v: k for k, v in lists.OTHER_CATEGORIES.items()}, **{k: k for k in lists.OTHER_CATEGORIES}}
BASIS_ALIASES = {"annual_div_365": "annual_div_365", "年排放量/年天数": "annual_div_365", "年均": "annual_div_365",
                 "heating_season_daily": "heating_season_daily", "采暖季日均": "heating_season_daily"}
MAX_ROWS = 5000
_DEC = re.compile(r"^[+]?(\d+(\.\d*)?|\.\d+)$")


def _dec(text: Any, what: str) -> Fraction | None:
    """A non-negative decimal cell (exact: the text as written)."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"{what}应为数值")
    s = str(text).strip()
    if s == "":
        return None
    if isinstance(text, float):
        s = repr(text)
    if not _DEC.match(s):
        raise ValueError(f"{what}“{s}”不是非负十进制数")
    return Fraction(s)


def _pairs(text: Any, what: str, with_level: bool = False) -> dict:
    """``NOx=15；PM=2`` (or ``黄色:NOx=30；橙色:NOx=50``) → dict of exact values."""
    out: dict = {}
    if text is None or not str(text).strip():
        return out
    for part in re.split(r"[；;，,\n]+", str(text)):
        part = part.strip()
        if not part:
            continue
        lv = None
        if with_level:
            lvtext, sep, rest = part.partition(":") if ":" in part else part.partition("：")
            lv = LEVEL_ALIASES.get(lvtext.strip())
            if not sep or lv is None:
                raise ValueError(f"{what}“{part}”应写成 级别:污染物=数值（如 黄色:NOx=30）")
            part = rest
        p, sep, v = part.partition("=")
        pk = POLLUTANT_ALIASES.get(p.strip()) or POLLUTANT_ALIASES.get(p.strip().upper())
        if not sep or pk is None:
            raise ValueError(f"{what}“{part}”应写成 污染物=数值（污染物 SO2/NOx/颗粒物/VOCs）")
        val = _dec(v, what)
        if val is None:
            raise ValueError(f"{what}“{part}”缺少数值")
        if with_level:
            out.setdefault(lv, {})[pk] = lists.frac_text(val)
        else:
            out[pk] = lists.frac_text(val)
    return out


def _split(text: Any) -> list[str]:
    return [x.strip() for x in re.split(r"[、,，;；\s]+", str(text or "")) if x.strip()]


@dataclass
class ListImport:
    list_id: int
    rows: int
    previous: bool = False
    warnings: list[RowError] = field(default_factory=list)


def _read_sheet(ws, file: str, headers: tuple[str, ...], errors: list[RowError]) -> tuple[dict[str, int], list[tuple[int, list]]]:
    rows = list(ws.iter_rows(min_row=1, max_row=min(ws.max_row, MAX_ROWS * 2 + 10)))
    h = None
    for i, row in enumerate(rows[:10]):
        names = [str(c.value or "").strip().replace("\n", "") for c in row]
        if sum(1 for x in headers if x in names) >= 2:
            h = i
            break
    if h is None:
        errors.append(RowError(file, None, None, f"工作表「{ws.title}」找不到表头（应含 {'、'.join(headers[:4])} …）"))
        return {}, []
    col = {}
    for j, c in enumerate(rows[h]):
        name = str(c.value or "").strip().replace("\n", "")
        if name:
            col.setdefault(name, j)
    out = []
    for i, row in enumerate(rows[h + 1:], start=h + 2):
        vals = [c.value for c in row]
        if not any(v is not None and str(v).strip() for v in vals):
            continue
        for j, c in enumerate(row):
            if c.data_type == "f":
                errors.append(RowError(file, i, str(rows[h][j].value or get_column_letter(j + 1)), "不接受公式，请填写数值"))
        out.append((i, vals))
        if len(out) > MAX_ROWS:
            errors.append(RowError(file, i, None, f"数据行超过上限 {MAX_ROWS}"))
            break
    return col, out


def import_list(session: Session, content: bytes, filename: str, *, name: str | None = None, city: str = "140200",
                season: str | None = None, demo: bool = False) -> ListImport:
    """Import the bureau's list workbook (all-or-nothing); returns the stored list."""
    sha = hashlib.sha256(content).hexdigest()
    prev = session.scalar(select(EmergencyList).where(EmergencyList.sha256 == sha))
    if prev is not None:
        n = len(lists.list_rows(session, prev.id))
        return ListImport(prev.id, n, previous=True)
    if (problem := package_problem(content, filename)) is not None:  # before openpyxl inflates anything
        raise ImportRefused(problem, [RowError(filename, None, None, problem)])
    try:
        wb = load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ImportRefused(f"{filename}：无法读取 Excel 文件（{type(exc).__name__}）", []) from None
    errors: list[RowError] = []
    warnings: list[RowError] = []
    if SHEET not in wb.sheetnames:
        raise ImportRefused(f"{filename}：缺少工作表「{SHEET}」", [RowError(filename, None, None, f"缺少工作表「{SHEET}」")])
    col, data = _read_sheet(wb[SHEET], filename, tuple(h for h, _ in COLUMNS), errors)
    missing = [h for h, k in COLUMNS if k in ("name", "uscc", "line_id", "grade", "industry") and h not in col]
    for h in missing:
        errors.append(RowError(filename, None, h, "缺少该列"))
    key_of = {h: k for h, k in COLUMNS}
    divisions = {d.name: d.code for d in session.scalars(select(Division))}
    known_mn = set(session.scalars(select(Device.mn)))
    measure_table = tables.active(session, "grade_measures")
    new_rows: list[ListRow] = []
    seen: dict[tuple[str, str], int] = {}
    for i, vals in data if not missing else []:
        cell = {key_of[h]: vals[j] if j < len(vals) else None for h, j in col.items() if h in key_of}
        err = lambda fld, reason: errors.append(RowError(filename, i, next(h for h, k in COLUMNS if k == fld), reason))  # noqa: E731
        before = len(errors)
        uscc_raw = str(cell.get("uscc") or "").strip().upper()
        ent = None
        try:
            uscc = validate_uscc(uscc_raw)
            ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
            if ent is None:
                err("uscc", f"企业“{cell.get('name') or ''}”（{uscc}）未在污染源登记中，请先登记（qingshan sources enterprise）")
        except ValueError as exc:
            err("uscc", str(exc))
            uscc = uscc_raw
        row_name = str(cell.get("name") or "").strip()
        if not row_name:
            err("name", "企业名称为空")
        elif ent is not None and ent.name != row_name:
            warnings.append(RowError(filename, i, "企业名称", f"名称“{row_name}”与登记名称“{ent.name}”不同，以登记为准"))
        line_id = str(cell.get("line_id") or "").strip()
        if not line_id:
            err("line_id", "生产线为空（每行对应一个企业的一条生产线）")
        elif (uscc, line_id) in seen:
            err("line_id", f"与第 {seen[(uscc, line_id)]} 行重复（同一企业同一生产线）")
        else:
            seen[(uscc, line_id)] = i
        try:
            grade = pg.normalise_grade(cell.get("grade"))
        except ValueError as exc:
            err("grade", str(exc))
            grade = None
        industry_text = str(cell.get("industry") or "").strip()
        if not industry_text:
            err("industry", "行业为空")
        industry = lists.industry_key(industry_text)
        if industry_text and industry not in measure_table.data.get("industries", {}) and industry not in lists.INDUSTRY_ZH:
            warnings.append(RowError(filename, i, "行业", f"行业“{industry_text}”不在分级措施表中，未填写的措施按通用（default）措施"))
        county_raw = str(cell.get("county") or "").strip()
        county = county_raw if re.fullmatch(r"\d{6}", county_raw) else divisions.get(county_raw)
        if county_raw and county is None:
            err("county", f"区县“{county_raw}”无法识别（应为 6 位 GB/T 2260 代码或已登记的区县名称）")
        if not county_raw and ent is not None:
            county = ent.county_code
        prot = PROTECTED_ALIASES.get(str(cell.get("protected") or "").strip())
        if prot is None:
            err("protected", f"保障类别“{cell.get('protected')}”应为 {'、'.join(er.PROTECTED.values())} 之一或留空")
        nums = {}
        for k in ("max_load", "cap_eia", "cap_permit", "prod_lastyear", "p0", "t0"):
            try:
                nums[k] = _dec(cell.get(k), next(h for h, kk in COLUMNS if kk == k))
            except ValueError as exc:
                err(k, str(exc))
                nums[k] = None
        if nums.get("max_load") is not None:
            if nums["max_load"] > 100:
                err("max_load", "最大允许负荷应不超过 100%")
            nums["max_load"] = nums["max_load"] / 100
        e0 = {}
        for p in er.POLLUTANTS:
            try:
                v = _dec(cell.get(f"e0.{p}"), f"{POLLUTANT_HEAD[p]}基准排放量")
            except ValueError as exc:
                err(f"e0.{p}", str(exc))
                v = None
            e0[p] = lists.frac_text(v if v is not None else Fraction(0))
        try:
            e_hold = _pairs(cell.get("e_hold"), "停产保温排放量")
        except ValueError as exc:
            err("e_hold", str(exc))
            e_hold = {}
        try:
            r_declared = _pairs(cell.get("r_declared"), "自主减排申报量", with_level=True)
        except ValueError as exc:
            err("r_declared", str(exc))
            r_declared = {}
        measures: dict[str, list[str]] = {}
        for lv in er.LEVELS:
            text = cell.get(f"measures.{lv}")
            try:
                ms = er.parse_measures(None if text is None else str(text))
            except er.ReductionError as exc:
                err(f"measures.{lv}", str(exc))
                ms = ()
            if not ms and grade is not None and text in (None, "") and len(errors) == before:
                try:
                    ms = tuple(er.parse_measure(m) for m in pg.grade_measures(industry, grade, lv, table=measure_table))
                except (pg.TableError, ValueError) as exc:
                    err(f"measures.{lv}", f"未填写措施，且无法按等级补齐：{exc}")
            measures[lv] = [m.code for m in ms]
        mns = [m.upper() for m in _split(cell.get("mn_codes"))]
        for mn in mns:
            if mn not in known_mn:
                err("mn_codes", f"排放口MN“{mn}”未在污染源设备中登记（qingshan sources device）")
        ramp = None
        if cell.get("ramp_h") not in (None, ""):
            try:
                ramp = int(str(cell.get("ramp_h")).strip())
                if ramp < 0:
                    raise ValueError
            except ValueError:
                err("ramp_h", f"减排启动时间“{cell.get('ramp_h')}”应为非负整数小时")
        key_ind = {}
        if cell.get("key_indicators") not in (None, ""):
            key_ind = {"text": str(cell.get("key_indicators")).strip()}
        if len(errors) > before or ent is None or grade is None:
            continue
        row = ListRow(row_no=i, enterprise_id=ent.id, uscc=ent.uscc, name=ent.name, county=county, industry=industry,
                      line_id=line_id, grade=grade, protected=prot, max_load=lists.frac_text(nums["max_load"]),
                      mn_codes=mns, submeters=_split(cell.get("submeters")),
                      cap_eia=lists.frac_text(nums["cap_eia"]), cap_permit=lists.frac_text(nums["cap_permit"]),
                      prod_lastyear=lists.frac_text(nums["prod_lastyear"]), p0=lists.frac_text(nums["p0"]),
                      unit=str(cell.get("unit") or "").strip() or None, e0=e0, e_hold=e_hold,
                      t0=lists.frac_text(nums["t0"]), measures=measures, r_declared=r_declared,
                      key_indicators=key_ind, ramp_h=ramp, note=str(cell.get("note") or "").strip() or None)
        try:
            lists.store_reductions(row)
        except er.ReductionError as exc:
            errors.append(RowError(filename, i, None, str(exc)))
            continue
        new_rows.append(row)
    others = _read_others(wb, filename, errors) if SHEET_OTHER in wb.sheetnames else []
    bases = _read_baselines(wb, filename, errors) if SHEET_BASE in wb.sheetnames else []
    if errors:
        raise ImportRefused(f"{filename}：{len(errors)} 处错误，整个清单未导入", errors)
    if not new_rows:
        raise ImportRefused(f"{filename}：清单没有数据行", [RowError(filename, None, None, "没有数据行")])
    lst = EmergencyList(name=name or filename.rsplit(".", 1)[0], city=city, season=season or "", status="active",
                        filename=filename[:255], sha256=sha,
                        tables=[tables.active(session, k).ref for k in ("grade_measures", "required_ratio")], demo=demo)
    session.add(lst)
    session.flush()
    for r in new_rows:
        r.list_id = lst.id
    session.add_all(new_rows + [o for o in others] + [b for b in bases])
    for o in others + bases:
        o.list_id = lst.id
    session.flush()
    return ListImport(lst.id, len(new_rows), warnings=warnings)


def _read_others(wb, filename: str, errors: list[RowError]) -> list[ListOther]:
    col, data = _read_sheet(wb[SHEET_OTHER], filename, OTHER_COLUMNS, errors)
    out = []
    for i, vals in data:
        get = lambda h: vals[col[h]] if h in col and col[h] < len(vals) else None  # noqa: E731
        cat = CATEGORY_ALIASES.get(str(get("类别") or "").strip())
        lv = LEVEL_ALIASES.get(str(get("预警级别") or "").strip())
        if cat is None:
            errors.append(RowError(f"{filename}「{SHEET_OTHER}」", i, "类别", f"类别应为 {'、'.join(lists.OTHER_CATEGORIES.values())}"))
            continue
        if lv is None:
            errors.append(RowError(f"{filename}「{SHEET_OTHER}」", i, "预警级别", "应为 黄色/橙色/红色"))
            continue
        for p in er.POLLUTANTS:
            h = f"{POLLUTANT_HEAD[p]}(t/d)"
            try:
                v = _dec(get(h), h)
            except ValueError as exc:
                errors.append(RowError(f"{filename}「{SHEET_OTHER}」", i, h, str(exc)))
                continue
            if v is not None:
                out.append(ListOther(category=cat, level=lv, pollutant=p, t_per_day=lists.frac_text(v)))
    return out


def _read_baselines(wb, filename: str, errors: list[RowError]) -> list[CityBaseline]:
    col, data = _read_sheet(wb[SHEET_BASE], filename, BASE_COLUMNS, errors)
    out = []
    where = f"{filename}「{SHEET_BASE}」"
    for i, vals in data:
        get = lambda h: vals[col[h]] if h in col and col[h] < len(vals) else None  # noqa: E731
        p = POLLUTANT_ALIASES.get(str(get("污染物") or "").strip())
        basis = BASIS_ALIASES.get(str(get("口径") or "annual_div_365").strip())
        try:
            amount = _dec(get("全社会年排放量(t)"), "全社会年排放量")
            year = int(str(get("清单年份")).strip()) if get("清单年份") not in (None, "") else None
            days = int(str(get("采暖季天数")).strip()) if get("采暖季天数") not in (None, "") else None
        except ValueError as exc:
            errors.append(RowError(where, i, None, str(exc)))
            continue
        if p is None or basis is None or amount is None:
            errors.append(RowError(where, i, None, "污染物、口径（annual_div_365/heating_season_daily）与年排放量均须填写"))
            continue
        try:
            b = er.city_baseline(amount, basis=basis, year=year, season_days=days)
        except ValueError as exc:
            errors.append(RowError(where, i, "口径", str(exc)))
            continue
        out.append(CityBaseline(pollutant=p, amount_t=lists.frac_text(amount), basis=basis, year=year,
                                season_days=days, t_per_day=lists.frac_text(b)))
    return out


def _num_out(text: str | None) -> Any:
    """Exact text → a cell value: integers and short decimals as numbers, other fractions as text."""
    if text in (None, ""):
        return None
    x = Fraction(text)
    if x.denominator == 1:
        return x.numerator
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        return float(exact.fraction_to_str(x, 6).rstrip("0"))
    return exact.fraction_to_str(x, 3)


def export_list(session: Session, list_id: int, *, grade: str | None = None, industry: str | None = None,
                county: str | None = None) -> bytes:
    """The list (with the page's filters) as the bureau's workbook, computed reductions included."""
    lst = lists.get_list(session, list_id)
    rows = lists.list_rows(session, lst.id, grade=grade, industry=industry, county=county)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    heads = [h for h, _ in COLUMNS] + [h for h, _ in COMPUTED]
    label = "（演示数据）" if lst.demo else ""
    ws.cell(1, 1, f"{lst.name}{label}（导出时间：{clock.now_local():%Y-%m-%d %H:%M}）").font = Font(bold=True, size=14)
    fill, calc = PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="E2EFDA")
    for j, h in enumerate(heads, start=1):
        c = ws.cell(2, j, h)
        c.font, c.fill = Font(bold=True), (calc if j > len(COLUMNS) else fill)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = 30 if h in ("企业名称", "排放口MN") or "措施" in h else 14
    for i, r in enumerate(rows, start=1):
        red = lists.reductions_of(r)
        vals: dict[str, Any] = {
            "seq": i, "name": r.name, "uscc": r.uscc, "county": r.county, "industry": lists.INDUSTRY_ZH.get(r.industry, r.industry),
            "line_id": r.line_id, "grade": pg.GRADE_ZH.get(r.grade, r.grade), "protected": er.PROTECTED[r.protected],
            "max_load": _num_out(lists.frac_text(Fraction(r.max_load) * 100)) if r.max_load else None,
            "mn_codes": "、".join(r.mn_codes or []), "submeters": "、".join(r.submeters or []),
            "cap_eia": _num_out(r.cap_eia), "cap_permit": _num_out(r.cap_permit),
            "prod_lastyear": _num_out(r.prod_lastyear), "p0": _num_out(r.p0), "unit": r.unit, "t0": _num_out(r.t0),
            "e_hold": "；".join(f"{POLLUTANT_HEAD[p]}={v}" for p, v in (r.e_hold or {}).items()),
            "r_declared": "；".join(f"{er.LEVEL_ZH[lv]}:{POLLUTANT_HEAD[p]}={v}" for lv, d in (r.r_declared or {}).items()
                                   for p, v in d.items()),
            "key_indicators": (r.key_indicators or {}).get("text"), "ramp_h": r.ramp_h, "note": r.note,
        }
        for p in er.POLLUTANTS:
            vals[f"e0.{p}"] = _num_out((r.e0 or {}).get(p))
        for lv in er.LEVELS:
            vals[f"measures.{lv}"] = lists.measures_text(r, lv)
            for p in er.POLLUTANTS:
                vals[f"r.{lv}.{p}"] = _num_out(lists.frac_text(red[lv][p]))
        for j, (_, key) in enumerate(list(COLUMNS) + list(COMPUTED), start=1):
            v = vals.get(key)
            c = ws.cell(i + 2, j, "" if v is None else v)
            if isinstance(v, str) and v.startswith(("=", "+", "-", "@")):
                c.data_type = "s"
    ws.freeze_panes = "C3"
    wo = wb.create_sheet(SHEET_OTHER)
    for j, h in enumerate(OTHER_COLUMNS, start=1):
        wo.cell(1, j, h).font = Font(bold=True)
    others: dict[tuple[str, str], dict[str, str]] = {}
    for o in session.scalars(select(ListOther).where(ListOther.list_id == lst.id)):
        others.setdefault((o.category, o.level), {})[o.pollutant] = o.t_per_day
    for i, ((cat, lv), d) in enumerate(sorted(others.items()), start=2):
        wo.cell(i, 1, lists.OTHER_CATEGORIES[cat])
        wo.cell(i, 2, er.LEVEL_ZH[lv])
        for j, p in enumerate(er.POLLUTANTS, start=3):
            wo.cell(i, j, _num_out(d.get(p)))
    wbase = wb.create_sheet(SHEET_BASE)
    for j, h in enumerate(BASE_COLUMNS, start=1):
        wbase.cell(1, j, h).font = Font(bold=True)
    for i, b in enumerate(session.scalars(select(CityBaseline).where(CityBaseline.list_id == lst.id)), start=2):
        for j, v in enumerate((POLLUTANT_HEAD[b.pollutant], _num_out(b.amount_t), b.basis, b.year, b.season_days,
                               exact.fraction_to_str(Fraction(b.t_per_day), 4)), start=1):
            wbase.cell(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template() -> bytes:
    """An empty workbook in the import layout (headers only)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(1, 1, "大同市重污染天气应急减排清单").font = Font(bold=True, size=14)
    for j, (h, _) in enumerate(COLUMNS, start=1):
        ws.cell(2, j, h).font = Font(bold=True)
    for name, heads in ((SHEET_OTHER, OTHER_COLUMNS), (SHEET_BASE, BASE_COLUMNS)):
        s = wb.create_sheet(name)
        for j, h in enumerate(heads, start=1):
            s.cell(1, j, h).font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
