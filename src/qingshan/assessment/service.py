"""Run an assessment scheme over the units of a year (assessment-bulletin.md §2.2).

Inputs per unit come from an inputs file (JSON or Excel) and, for items whose ``evidence`` is a
platform key (:data:`qingshan.assessment.scheme.AUTO_EVIDENCE`), from the platform itself: x the
unit's published 1 January – d value from the air engine, t the unit's target, b the target's
stored last-year value. Entered values win over platform values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qingshan.standards.assessment_score import Assessment, Scheme, SchemeError, assess
from qingshan.targets.store import TargetStore
from qingshan.xlsxcheck import package_problem


@dataclass
class UnitResult:
    code: str
    name: str
    result: Assessment | None
    error: str | None = None
    filled: dict[str, dict] = field(default_factory=dict)  # item id → platform-filled inputs


def read_inputs(path: str | Path) -> dict:
    """Inputs JSON ``{"units": {code: {"items": {id: {...}}, "bonus": [], "minus": [], "vetoes": {}}}}``
    or Excel (sheet 评分输入: 单位代码, 考核项编号, 输入, 数值; sheet 否决: 单位代码, 否决项编号, 是否触发;
    sheet 加减分: 单位代码, 类型 加分/减分, 分值)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemeError(f"{p.name}：无法读取评分输入（{exc}）") from None
        if not isinstance(data, dict) or not isinstance(data.get("units", {}), dict):
            raise SchemeError(f"{p.name}：评分输入应为 {{\"units\": {{单位代码: …}}}}")
        return data.get("units", {})
    if p.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        if (problem := package_problem(p, p.name)) is not None:  # before openpyxl inflates anything
            raise SchemeError(problem)
        wb = load_workbook(p, read_only=True, data_only=True)
        units: dict[str, dict] = {}

        def rows(name):
            if name not in wb.sheetnames:
                return []
            it = wb[name].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(it, [])]
            return [dict(zip(header, ["" if v is None else str(v).strip() for v in vals])) for vals in it if any(vals)]

        for r in rows("评分输入"):
            u = units.setdefault(r["单位代码"], {"items": {}, "bonus": [], "minus": [], "vetoes": {}})
            item = r["考核项编号"]
            if "." in item:  # a part: "1.1a"
                parent, part = item.split(".", 1)
                u["items"].setdefault(parent, {}).setdefault(part, {})[r["输入"]] = r["数值"]
            else:
                u["items"].setdefault(item, {})[r["输入"]] = r["数值"]
        for r in rows("否决"):
            units.setdefault(r["单位代码"], {"items": {}, "bonus": [], "minus": [], "vetoes": {}})["vetoes"][
                r["否决项编号"]] = r["是否触发"]
        for r in rows("加减分"):
            u = units.setdefault(r["单位代码"], {"items": {}, "bonus": [], "minus": [], "vetoes": {}})
            (u["bonus"] if r["类型"] == "加分" else u["minus"]).append(r["分值"])
        wb.close()
        return units
    raise SchemeError(f"{p.name}：评分输入应为 .json 或 .xlsx 文件")


def run(url: str | None, year: int, scheme: Scheme, inputs: dict, *, day: date | None = None) -> list[UnitResult]:
    """Score every county-level unit of ``year`` (unknown unit codes in ``inputs`` are an error)."""
    store = TargetStore(url, auto_migrate=False)
    try:
        day = day or date(year, 12, 31)
        units = store.units(day, include_city=False)
        targets = store.targets(year)
    finally:
        store.close()
    codes = {u.code for u in units}
    unknown = sorted(set(inputs) - codes)
    if unknown:
        raise SchemeError(f"评分输入中有未知的单位：{'、'.join(unknown)}（已登记：{'、'.join(sorted(codes))}）")
    auto = [it for it in scheme.items if it.evidence in ("air.pm25", "air.good_ratio")]
    air_rows: dict[str, dict] = {}
    if auto:
        from qingshan.targets.context import AirContext

        ctx = AirContext.load(url, day, history_years=1)
        per = ctx.period(date(year, 1, 1), day)
        air_rows = {r["county_code"]: r for r in per.units.to_dicts()}
    tmap = {(t.unit_code, t.indicator): t for t in targets}
    out = []
    for u in units:
        given = inputs.get(u.code, {})
        items = {k: dict(v) for k, v in (given.get("items") or {}).items()}
        filled = {}
        for it in auto:
            ind = it.evidence.split(".", 1)[1]
            row = air_rows.get(u.code, {})
            t = tmap.get((u.code, ind))
            platform = {"x": row.get(f"{ind}_pub")}
            if t is not None:
                platform |= {"t": t.value, "b": t.base_value}
            platform = {k: v for k, v in platform.items() if v is not None}
            cur = items.setdefault(it.id, {})
            for k, v in platform.items():
                if k not in cur:
                    cur[k] = v
                    filled.setdefault(it.id, {})[k] = v
        try:
            res = assess(scheme, u.code, items, bonus=given.get("bonus") or (), minus=given.get("minus") or (),
                         vetoes=given.get("vetoes") or {})
            out.append(UnitResult(u.code, u.name, res, None, filled))
        except SchemeError as exc:
            out.append(UnitResult(u.code, u.name, None, str(exc), filled))
    return out


__all__ = ["UnitResult", "read_inputs", "run"]
