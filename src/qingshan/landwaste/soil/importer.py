"""Import sampling points and sample results from the bureau's tables (CSV or .xlsx).

Points (one row per point): 点位编号, 调查编号, 用地类型, and optionally 点位名称, 地块编号, 经度,
纬度, 区县代码. A plot code not yet registered is registered with the point's county.

Results (long table, one row per sample and item): 样品编号, 点位编号, 项目, 检测值, 单位, and
optionally pH, 检出限, 采样日期, 采样深度. Units and non-detects follow soil-waste.md §1: mg/kg,
µg/kg (÷1000) and ng/kg (÷10⁶) converted exactly when evaluated; unit text in another case
(``MG/KG``) is **normalised** as the spec says, with a note on the row; any other unit is an
error. ``<x``, ``xL``, ``ND(x)``, ``未检出(x)`` are non-detects; a bare ``ND`` needs the 检出限
column.

What is refused (per row, in Chinese: file, row, field, reason) — and then the **whole sample**,
so no sample is stored with a missing result:

* an item in neither GB 15618 nor GB 36600 (an item of the other standard is kept and listed
  as having no value under the survey's standard);
* a unit other than mg/kg, µg/kg, ng/kg; a negative or non-numeric value; ``ND`` without limit;
* pH outside 0–14 or not a number; pH differing between rows of a sample;
* the same item twice for a sample; a sample whose point is not registered or changes between
  rows; a sample already stored with different results (unless ``replace``).

Good samples are written in one transaction with the file's import record; a re-import of the
same results changes nothing. ``all_or_nothing``: any error refuses the whole file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.sheets import (
    ImportRefused,
    LoadResult,
    SheetError,
    cell_text,
    find_table,
    parse_day,
    read_sheets,
)
from qingshan.landwaste.soil.models import SoilImport, SoilPlot, SoilPoint, SoilResult, SoilSample, SoilSurvey
from qingshan.landwaste.soil.registry import (
    SoilRegistryError,
    add_plot,
    add_point,
    match_for,
    normalise_land_use,
    validate_coordinates,
)
from qingshan.standards import gb15618, gb36600
from qingshan.standards.soil_values import PROBLEM_ZH, item_key, parse_ph, parse_reading

POINT_ALIASES = {
    "code": ("点位编号", "点位代码", "点位", "point", "point_code"),
    "survey": ("调查编号", "调查", "survey", "survey_code"),
    "land_use": ("用地类型", "土地利用类型", "用地类别", "land_use", "land_class"),
    "name": ("点位名称", "名称", "name"),
    "plot": ("地块编号", "地块", "单元", "plot", "plot_code"),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "county": ("区县代码", "区县", "county", "county_code"),
}
RESULT_ALIASES = {
    "sample_id": ("样品编号", "样品", "sample_id", "sample"),
    "point": ("点位编号", "点位", "point", "point_code"),
    "item": ("项目", "检测项目", "监测项目", "指标", "item"),
    "value": ("检测值", "检测结果", "含量", "结果", "value"),
    "unit": ("单位", "计量单位", "unit"),
    "ph": ("ph", "pH值", "酸碱度"),
    "detection_limit": ("检出限", "方法检出限", "detection_limit", "dl"),
    "sampled_on": ("采样日期", "采样时间", "sampled_on", "date"),
    "depth": ("采样深度", "深度", "depth"),
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(session: Session, kind: str, path: Path, sha: str, result: LoadResult) -> SoilImport:
    rec = SoilImport(kind=kind, file_name=str(path), sha256=sha, status=result.status, rows_read=result.rows_read,
                     rows_kept=result.rows_kept, rows_rejected=result.rows_rejected,
                     errors=json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors],
                                       ensure_ascii=False))
    session.add(rec)
    session.flush()
    return rec


def _float(text: str, label: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise SoilRegistryError(f"{label}「{text}」不是数字") from None


def import_points(session: Session, path: str | Path, *, all_or_nothing: bool = False, demo: bool = False) -> LoadResult:
    """Import sampling points (see the module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    result = LoadResult(path.name, "soil_points")
    try:
        (rows, enc), = list(read_sheets(path, data).values())[:1]
        sheet, roles = find_table(rows, POINT_ALIASES, ("code", "survey", "land_use"), "", enc)
    except (SheetError, ValueError) as exc:
        result.status = "failed"
        result.error(None, None, str(exc))
        _record(session, "points", path, _sha(data), result)
        raise ImportRefused(result, str(exc)) from None
    result.rows_read = len(sheet.rows)
    surveys = {s.code: s for s in session.scalars(select(SoilSurvey))}
    staged = []
    seen: dict[str, int] = {}
    for row, cells in sheet.rows:
        get = lambda f: cell_text(cells[roles[f]]) if f in roles and roles[f] < len(cells) else ""  # noqa: E731
        code = get("code")
        try:
            if not code:
                raise SoilRegistryError("点位编号为空")
            if code in seen:
                raise SoilRegistryError(f"点位编号「{code}」与第 {seen[code]} 行重复")
            survey = surveys.get(get("survey"))
            if survey is None:
                raise SoilRegistryError(f"调查「{get('survey')}」未登记（先用 qingshan soil survey 登记）")
            staged.append((row, code, survey, get("land_use"), get("name") or None, get("plot"),
                           _float(get("lon"), "经度"), _float(get("lat"), "纬度"), get("county") or None))
            seen[code] = row
        except SoilRegistryError as exc:
            result.error(row, None, str(exc))
    written = 0
    for row, code, survey, lu, name, plot_code, lon, lat, county in staged:
        try:  # add_plot/add_point validate everything before they write
            normalise_land_use(survey.standard, lu)
            validate_coordinates(lon, lat)
            plot = None
            if plot_code:
                plot = session.scalar(select(SoilPlot).where(SoilPlot.code == plot_code)) or add_plot(
                    session, survey, plot_code, county_code=county, demo=demo or survey.demo)
            _p, created = add_point(session, survey, code, land_use=lu, name=name, plot=plot, lon=lon, lat=lat,
                                    county_code=county, demo=demo or survey.demo)
            written += created
            result.unchanged += not created
        except SoilRegistryError as exc:
            result.error(row, None, f"点位「{code}」：{exc}")
    result.inserted = written
    rejected = {e.row for e in result.errors}
    result.rows_rejected = len(rejected)
    result.rows_kept = result.rows_read - len(rejected)
    if all_or_nothing and result.errors:
        return _refuse(session, "points", path, data, result)
    _record(session, "points", path, _sha(data), result)
    return result


def _refuse(session: Session, kind: str, path: Path, data: bytes, result: LoadResult) -> LoadResult:
    session.rollback()
    result.status = "failed"
    result.inserted = result.updated = 0
    result.rows_kept = 0
    result.rows_rejected = result.rows_read
    _record(session, kind, path, _sha(data), result)
    session.commit()
    raise ImportRefused(result, f"{path.name}：有 {len(result.errors)} 处错误，按“全部或全不”规则本文件未导入任何数据")


@dataclass
class _Sample:
    code: str
    point: SoilPoint | None = None
    rows: list[int] = field(default_factory=list)
    ph_text: str | None = None
    sampled_on: object = None
    depth: str | None = None
    results: dict[str, tuple[str, str, str, str | None]] = field(default_factory=dict)  # key → (item, value, unit, dl)
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)
    seen_rows: dict[str, int] = field(default_factory=dict)


def import_samples(session: Session, path: str | Path, *, replace: bool = False, all_or_nothing: bool = False) -> LoadResult:
    """Import sample results (long table, see the module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    result = LoadResult(path.name, "soil_samples")
    try:
        (rows, enc), = list(read_sheets(path, data).values())[:1]
        sheet, roles = find_table(rows, RESULT_ALIASES, ("sample_id", "point", "item", "value", "unit"), "", enc)
    except (SheetError, ValueError) as exc:
        result.status = "failed"
        result.error(None, None, str(exc))
        _record(session, "samples", path, _sha(data), result)
        raise ImportRefused(result, str(exc)) from None
    result.rows_read = len(sheet.rows)
    hname = {f: sheet.header[i] for f, i in roles.items()}
    points = {p.code: p for p in session.scalars(select(SoilPoint))}
    surveys = {s.id: s for s in session.scalars(select(SoilSurvey))}
    samples: dict[str, _Sample] = {}
    orphan_rows: set[int] = set()
    for row, cells in sheet.rows:
        get = lambda f: cell_text(cells[roles[f]]) if f in roles and roles[f] < len(cells) else ""  # noqa: E731
        sid = get("sample_id")
        if not sid:
            result.error(row, hname["sample_id"], "样品编号为空，此行未导入")
            orphan_rows.add(row)
            continue
        s = samples.setdefault(sid, _Sample(sid))
        s.rows.append(row)
        pcode = get("point")
        point = points.get(pcode)
        if point is None:
            s.problems.append((row, hname["point"], f"点位「{pcode}」未登记（先导入点位表）"))
            continue
        if s.point is not None and s.point.id != point.id:
            s.problems.append((row, hname["point"], f"样品「{sid}」的点位前后不一致（{s.point.code} 与 {pcode}）"))
            continue
        s.point = point
        standard = surveys[point.survey_id].standard
        if "ph" in roles:
            ph_text = get("ph")
            if s.ph_text is None:
                s.ph_text = ph_text
                _ph, why = parse_ph(ph_text)
                if why:
                    s.problems.append((row, hname["ph"], why.replace("，按缺失处理", "")))
            elif ph_text != s.ph_text:
                s.problems.append((row, hname["ph"], f"同一样品的 pH 不一致（「{s.ph_text}」与「{ph_text}」）"))
        if "sampled_on" in roles and get("sampled_on") and s.sampled_on is None:
            try:
                s.sampled_on = parse_day(cells[roles["sampled_on"]])
            except ValueError as exc:
                s.problems.append((row, hname["sampled_on"], str(exc)))
        if "depth" in roles and get("depth"):
            s.depth = s.depth or get("depth")
        item_text = get("item")
        key = match_for(standard)(item_text)
        if key is None:
            other = gb36600.match_item(item_text) if standard == "gb15618" else gb15618.match_item(item_text)
            if other is None:
                s.problems.append((row, hname["item"], f"未知项目「{item_text}」（不在 GB 15618、GB 36600 的项目中）"))
                continue
            key = "-" + item_key(item_text)
            result.note(row, hname["item"], f"项目「{item_text}」在{'GB 15618' if standard == 'gb15618' else 'GB 36600'}中无限值，保存但不参与分类")
        value, unit, dl = get("value"), get("unit"), (get("detection_limit") or None)
        reading = parse_reading(value, unit, dl)
        if reading.problem:
            fld = hname["unit"] if reading.problem == "bad_unit" else hname["value"]
            shown = unit if reading.problem == "bad_unit" else value
            s.problems.append((row, fld, f"「{shown}」：{PROBLEM_ZH[reading.problem]}"))
            continue
        if reading.unit_note:
            result.note(row, hname["unit"], reading.unit_note)
        if key in s.seen_rows:
            s.problems.append((row, hname["item"], f"项目「{item_text}」与第 {s.seen_rows[key]} 行重复"))
            continue
        s.seen_rows[key] = row
        s.results[key] = (item_text, value, unit, dl)

    existing = {x.code: x for x in session.scalars(select(SoilSample).where(SoilSample.code.in_(list(samples))))} if samples else {}
    import_rec = _record(session, "samples", path, _sha(data), result)
    rejected_rows = set(orphan_rows)
    for s in samples.values():
        if not s.problems and s.code in existing:
            old = existing[s.code]
            old_results = {r.item_key: (r.item_text, r.value_text, r.unit_text, r.detection_limit_text)
                           for r in session.scalars(select(SoilResult).where(SoilResult.sample_id == old.id))}
            same = old.point_id == s.point.id and (old.ph_text or "") == (s.ph_text or "") and old_results == s.results
            if same:
                result.unchanged += 1
                continue
            if not replace:
                s.problems.append((s.rows[0], None, f"样品「{s.code}」已导入且结果不同；确认更正请加 --replace"))
            else:
                result.changes.append({"sample": s.code, "before": {"ph": old.ph_text, "results": old_results},
                                       "after": {"ph": s.ph_text, "results": s.results}})
                for r in session.scalars(select(SoilResult).where(SoilResult.sample_id == old.id)):
                    session.delete(r)
                old.point_id, old.ph_text, old.import_id = s.point.id, s.ph_text or None, import_rec.id
                old.sampled_on, old.depth = s.sampled_on, s.depth
                session.flush()
                _write_results(session, old.id, s.results)
                result.updated += 1
                continue
        if s.problems:
            for row, fld, reason in s.problems:
                result.error(row, fld, reason)
            result.error(s.rows[0], None, f"样品「{s.code}」有错误，整个样品未导入（{len(s.rows)} 行）")
            rejected_rows.update(s.rows)
            continue
        sample = SoilSample(code=s.code, point_id=s.point.id, sampled_on=s.sampled_on, depth=s.depth,
                            ph_text=s.ph_text or None, import_id=import_rec.id)
        session.add(sample)
        session.flush()
        _write_results(session, sample.id, s.results)
        result.inserted += 1
    result.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    result.rows_rejected = len(rejected_rows)
    result.rows_kept = result.rows_read - len(rejected_rows)
    if all_or_nothing and result.errors:
        return _refuse(session, "samples", path, data, result)
    import_rec.rows_kept, import_rec.rows_rejected = result.rows_kept, result.rows_rejected
    import_rec.errors = json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors],
                                   ensure_ascii=False)
    return result


def _write_results(session: Session, sample_id: int, results: dict[str, tuple[str, str, str, str | None]]) -> None:
    for key, (item, value, unit, dl) in results.items():
        session.add(SoilResult(sample_id=sample_id, item_key=key, item_text=item, value_text=value, unit_text=unit,
                               detection_limit_text=dl))
    session.flush()
