"""Import tailings-pond files (一库一档) from a workbook (sheets below) or one CSV of ponds.

* ``尾矿库`` — one row per pond: 库编号, 库名称, 区县代码, 运行状态 (在用/停用/闭库), and optionally
  经度, 纬度, 运营单位, 运营单位信用代码, 矿种, 尾矿属性, 设计库容, 现状库容, 坝高, 建库日期, 闭库日期,
  环评批复, 环保验收, 排污许可证编号, 闭库文件, 环保设施 (separated by ；), 下游敏感目标 (；),
  是否排放尾矿水, 排放月份 (1-12 or 5,6,7), 是否排放有毒有害物质, HJ740风险等级, 风险评估日期,
  应急预案备案编号, 预案修订日期.
* ``分级`` — 库编号, 等级 (一级/二级/三级), 起始日期, and optionally 截止日期, 清单年份, 文件.
* ``责任单位`` — 库编号, 角色, 单位, 负责人.
* ``检查记录`` — 库编号, 类型 (市级检查/运营单位排查/年度报告/排放监测/受纳水体监测), 日期, 单位,
  发现问题, 隐患数.
* ``闭库监测`` — 库编号, 介质 (渗滤液/地下水), 月份, 是否达标 (是/否; empty = not monitored).

A changed ore type, tailings property, downstream receptors, facilities or status of a stored
pond sets ``grade_review_required`` with the reasons (soil-waste.md §6.2); the grade itself
only changes through the 分级 sheet (the provincial list). Per-row errors in Chinese; one
transaction per file; re-imports duplicate nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.ponds.models import Pond, PondGrade, PondImport, PondMonitoring, PondRecord, PondResponsible
from qingshan.landwaste.sheets import ImportRefused, LoadResult, SheetError, cell_text, find_table, parse_day, parse_month, read_sheets
from qingshan.sources.models import Enterprise
from qingshan.standards import tailings_ponds as tp

POND_ALIASES = {
    "code": ("库编号", "尾矿库编号", "code"), "name": ("库名称", "尾矿库名称", "name"), "county": ("区县代码", "county"),
    "status": ("运行状态", "状态", "status"), "lon": ("经度",), "lat": ("纬度",), "operator_name": ("运营单位",),
    "operator_uscc": ("运营单位信用代码", "统一社会信用代码"), "ore_type": ("矿种", "矿种类型"), "tailings_property": ("尾矿属性",),
    "design_capacity_m3": ("设计库容",), "current_capacity_m3": ("现状库容",), "dam_height_m": ("坝高",),
    "built_on": ("建库日期",), "closed_on": ("闭库日期",), "eia_approval": ("环评批复",), "eia_acceptance": ("环保验收",),
    "permit_no": ("排污许可证编号",), "closure_documents": ("闭库文件",), "facilities": ("环保设施",),
    "downstream_receptors": ("下游敏感目标",), "discharges": ("是否排放尾矿水",), "discharge_months": ("排放月份",),
    "toxic_discharge": ("是否排放有毒有害物质",), "hj740_level": ("HJ740风险等级", "环境风险等级"),
    "hj740_assessed_on": ("风险评估日期",), "emergency_plan_filing": ("应急预案备案编号",),
    "emergency_plan_revised_on": ("预案修订日期",),
}
GRADE_ALIASES = {"code": ("库编号",), "grade": ("等级", "分级"), "valid_from": ("起始日期", "生效日期"),
                 "valid_to": ("截止日期",), "list_year": ("清单年份",), "document": ("文件", "清单文件")}
RESP_ALIASES = {"code": ("库编号",), "role": ("角色",), "unit_name": ("单位", "单位名称"), "person": ("负责人",)}
RECORD_ALIASES = {"code": ("库编号",), "kind": ("类型",), "done_on": ("日期",), "by_unit": ("单位", "检查单位"),
                  "findings": ("发现问题",), "hazards_found": ("隐患数",)}
MON_ALIASES = {"code": ("库编号",), "medium": ("介质",), "month": ("月份",), "compliant": ("是否达标",)}
RECORD_WORDS = {"市级检查": "city_check", "运营单位排查": "operator_inspection", "全面排查": "operator_inspection",
                "年度报告": "annual_report", "排放监测": "discharge_monitoring", "受纳水体监测": "receiving_water"}
RECORD_WORDS.update({v: v for v in list(RECORD_WORDS.values())})
RECORD_ZH = {"city_check": "市级检查", "operator_inspection": "运营单位全面排查", "annual_report": "年度报告",
             "discharge_monitoring": "排放监测", "receiving_water": "受纳水体监测"}
GRADE_WORDS = {"一级": 1, "二级": 2, "三级": 3, "1": 1, "2": 2, "3": 3}
YES = {"是": True, "有": True, "Y": True, "y": True, "1": True, "否": False, "无": False, "N": False, "n": False, "0": False, "": False}
REVIEW_FIELDS = ("ore_type", "tailings_property", "downstream_receptors", "facilities", "status")


class PondError(ValueError):
    pass


def _list(text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[；;、,，]", text) if x.strip()]


def parse_months(text: str) -> list[int]:
    """``1-12``, ``5-10``, ``5,6,7`` → month numbers."""
    out: set[int] = set()
    for part in re.split(r"[,，、;；]", text or ""):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d{1,2})\s*[-–~至]\s*(\d{1,2})", part)
        a, b = (int(m[1]), int(m[2])) if m else (int(part), int(part)) if part.isdigit() else (0, 0)
        if not (1 <= a <= b <= 12):
            raise PondError(f"排放月份「{text}」应写作 1-12、5-10 或 5,6,7")
        out.update(range(a, b + 1))
    return sorted(out)


def _pond_values(get, row, ents: dict[str, Enterprise]) -> dict:
    v: dict = {}
    v["code"] = get("code")
    if not v["code"]:
        raise PondError("库编号为空")
    v["name"] = get("name") or v["code"]
    county = get("county")
    if not re.fullmatch(r"\d{6}", county):
        raise PondError(f"区县代码「{county}」应为 6 位 GB/T 2260 代码")
    v["county_code"] = county
    status = get("status") or "在用"
    if status not in tp.STATUS_ZH:
        raise PondError(f"运行状态「{status}」应为 在用、停用 或 闭库")
    v["status"] = status
    for f in ("lon", "lat"):
        t = get(f)
        try:
            v[f] = float(t) if t else None
        except ValueError:
            raise PondError(f"{'经度' if f == 'lon' else '纬度'}「{t}」不是数字") from None
    if (v["lon"] is None) != (v["lat"] is None) or (v["lon"] is not None and not (73 <= v["lon"] <= 136 and 3 <= v["lat"] <= 54)):
        raise PondError(f"坐标（{v['lon']}, {v['lat']}）不完整或不在中国境内")
    for f in ("operator_name", "ore_type", "tailings_property", "design_capacity_m3", "current_capacity_m3", "dam_height_m",
              "eia_approval", "eia_acceptance", "permit_no", "closure_documents", "hj740_level", "emergency_plan_filing"):
        v[f] = get(f) or None
    uscc = get("operator_uscc").upper()
    v["operator_uscc"] = uscc or None
    v["enterprise_id"] = ents[uscc].id if uscc in ents else None
    for f in ("built_on", "closed_on", "hj740_assessed_on", "emergency_plan_revised_on"):
        v[f] = parse_day(get(f)) if get(f) else None
    if v["status"] == "闭库" and v["closed_on"] is None:
        raise PondError("运行状态为闭库须有闭库日期")
    v["facilities"] = json.dumps(_list(get("facilities")), ensure_ascii=False)
    v["downstream_receptors"] = json.dumps(_list(get("downstream_receptors")), ensure_ascii=False)
    for f in ("discharges", "toxic_discharge"):
        t = get(f)
        if t not in YES:
            raise PondError(f"「{t}」应为 是 或 否")
        v[f] = YES[t]
    months = parse_months(get("discharge_months"))
    if months and not v["discharges"]:
        raise PondError("填写了排放月份，但“是否排放尾矿水”为否")
    v["discharge_months"] = ",".join(map(str, months)) or None
    return v


def _review(old: Pond, new: dict) -> list[str]:
    def norm(p, f):
        x = getattr(p, f) if isinstance(p, Pond) else p.get(f)
        return json.loads(x) if f in ("facilities", "downstream_receptors") and x else x

    before = {f: norm(old, f) for f in REVIEW_FIELDS}
    after = {f: norm(new, f) for f in REVIEW_FIELDS}
    before["tailings_constituents"], after["tailings_constituents"] = before.pop("tailings_property"), after.pop("tailings_property")
    return tp.grade_review_reasons(before, after)


def import_ponds(session: Session, path: str | Path, *, demo: bool = False) -> LoadResult:
    """Validate and import pond files (module doc). The caller commits."""
    path = Path(path)
    data = path.read_bytes()
    result = LoadResult(path.name, "ponds")
    try:
        sheets = read_sheets(path, data)
        main = "尾矿库" if "尾矿库" in sheets else next(iter(sheets))
        ponds_sheet = find_table(sheets[main][0], POND_ALIASES, ("code", "county"), main, sheets[main][1])
        extra = {}
        for name, aliases, req in (("分级", GRADE_ALIASES, ("code", "grade", "valid_from")),
                                   ("责任单位", RESP_ALIASES, ("code", "role", "unit_name")),
                                   ("检查记录", RECORD_ALIASES, ("code", "kind", "done_on")),
                                   ("闭库监测", MON_ALIASES, ("code", "medium", "month"))):
            if name in sheets:
                extra[name] = find_table(sheets[name][0], aliases, req, name, sheets[name][1])
    except (SheetError, ValueError, StopIteration) as exc:
        result.status = "failed"
        result.error(None, None, str(exc))
        raise ImportRefused(result, str(exc)) from None
    ents = {e.uscc: e for e in session.scalars(select(Enterprise))}
    imp = PondImport(file_name=str(path), sha256=hashlib.sha256(data).hexdigest(), status="ok")
    session.add(imp)
    session.flush()
    ponds = {p.code: p for p in session.scalars(select(Pond))}
    sheet, roles = ponds_sheet
    seen: set[str] = set()
    for row, cells in sheet.rows:
        result.rows_read += 1
        get = lambda f: cell_text(cells[roles[f]]) if f in roles and roles[f] < len(cells) else ""  # noqa: E731
        try:
            v = _pond_values(get, row, ents)
            if v["code"] in seen:
                raise PondError(f"库编号「{v['code']}」在本表中重复")
            seen.add(v["code"])
        except (PondError, ValueError) as exc:
            result.error(row, None, f"{main}：{exc}")
            result.rows_rejected += 1
            continue
        old = ponds.get(v["code"])
        if old is None:
            p = Pond(**v, demo=demo)
            session.add(p)
            session.flush()
            ponds[p.code] = p
            result.inserted += 1
        else:
            before = {k: getattr(old, k) for k in v}
            if before == v:
                result.unchanged += 1
                continue
            reasons = _review(old, v)
            for k, val in v.items():
                setattr(old, k, val)
            if reasons:
                old.grade_review_required = True
                old.review_reasons = json.dumps(sorted(set(json.loads(old.review_reasons or "[]")) | set(reasons)),
                                                ensure_ascii=False)
                result.note(row, None, f"{old.code}：{'；'.join(reasons)}，已标记“需复核分级”（等级以省级清单为准）")
            result.updated += 1
            result.changes.append({"pond": old.code, "before": before, "after": v})
    for name, (sh, rl) in extra.items():
        for row, cells in sh.rows:
            result.rows_read += 1
            get = lambda f: cell_text(cells[rl[f]]) if f in rl and rl[f] < len(cells) else ""  # noqa: E731
            try:
                pond = ponds.get(get("code"))
                if pond is None:
                    raise PondError(f"库编号「{get('code')}」不在尾矿库表中")
                _extra_row(session, name, pond, get, cells, rl, result)
            except (PondError, ValueError) as exc:
                result.error(row, None, f"{name}：{exc}")
                result.rows_rejected += 1
    session.flush()
    result.rows_kept = result.rows_read - result.rows_rejected
    imp.rows_read, imp.rows_kept, imp.rows_rejected = result.rows_read, result.rows_kept, result.rows_rejected
    imp.errors = json.dumps([{"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors], ensure_ascii=False)
    return result


def _extra_row(session: Session, sheet: str, pond: Pond, get, cells, roles, result: LoadResult) -> None:
    if sheet == "分级":
        grade = GRADE_WORDS.get(get("grade"))
        if grade is None:
            raise PondError(f"等级「{get('grade')}」应为 一级、二级 或 三级")
        start = parse_day(cells[roles["valid_from"]])
        end = parse_day(cells[roles["valid_to"]]) if get("valid_to") else None
        if end is not None and end < start:
            raise PondError("截止日期早于起始日期")
        year = int(get("list_year")) if get("list_year").isdigit() else None
        old = session.scalar(select(PondGrade).where(PondGrade.pond_id == pond.id, PondGrade.valid_from == start))
        if old is None:
            session.add(PondGrade(pond_id=pond.id, grade=grade, valid_from=start, valid_to=end, list_year=year,
                                  document=get("document") or None))
            result.inserted += 1
        elif (old.grade, old.valid_to, old.list_year, old.document) != (grade, end, year, get("document") or None):
            old.grade, old.valid_to, old.list_year, old.document = grade, end, year, get("document") or None
            result.updated += 1
        else:
            result.unchanged += 1
    elif sheet == "责任单位":
        old = session.scalar(select(PondResponsible).where(PondResponsible.pond_id == pond.id,
                                                           PondResponsible.role == get("role")))
        if old is None:
            session.add(PondResponsible(pond_id=pond.id, role=get("role"), unit_name=get("unit_name"), person=get("person") or None))
            result.inserted += 1
        else:
            old.unit_name, old.person = get("unit_name"), get("person") or None
            result.unchanged += 1
    elif sheet == "检查记录":
        kind = RECORD_WORDS.get(get("kind"))
        if kind is None:
            raise PondError(f"类型「{get('kind')}」应为 {'、'.join(RECORD_ZH.values())} 之一")
        on = parse_day(cells[roles["done_on"]])
        n = get("hazards_found")
        if n and not n.isdigit():
            raise PondError(f"隐患数「{n}」应为非负整数")
        old = session.scalar(select(PondRecord).where(PondRecord.pond_id == pond.id, PondRecord.kind == kind,
                                                      PondRecord.done_on == on))
        if old is None:
            session.add(PondRecord(pond_id=pond.id, kind=kind, done_on=on, by_unit=get("by_unit") or None,
                                   findings=get("findings") or None, hazards_found=int(n or 0)))
            result.inserted += 1
        else:
            result.unchanged += 1
    else:
        medium = {"渗滤液": "leachate", "地下水": "groundwater", "leachate": "leachate", "groundwater": "groundwater"}.get(get("medium"))
        if medium is None:
            raise PondError(f"介质「{get('medium')}」应为 渗滤液 或 地下水")
        month = parse_month(cells[roles["month"]])
        text = get("compliant") if "compliant" in roles else ""
        compliant = None if text == "" else YES.get(text)
        if text and compliant is None:
            raise PondError(f"是否达标「{text}」应为 是 或 否（未监测留空）")
        old = session.scalar(select(PondMonitoring).where(PondMonitoring.pond_id == pond.id, PondMonitoring.medium == medium,
                                                          PondMonitoring.month == month))
        if old is None:
            session.add(PondMonitoring(pond_id=pond.id, medium=medium, month=month, compliant=compliant))
            result.inserted += 1
        elif old.compliant != compliant:
            old.compliant = compliant
            result.updated += 1
        else:
            result.unchanged += 1
