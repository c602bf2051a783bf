"""Importing plants' monthly records, annual reports, cement months, the city energy balance and GDP.

Every importer validates the whole file first and reports every problem per row (file, row,
field, reason — Chinese). **All or nothing per file** (default): a file with any bad row writes
nothing, and its attempt is recorded as a ``failed`` batch with the errors. ``keep_valid=True``
writes the good rows of such a file instead (in one transaction) and records the bad ones.
Re-importing duplicates nothing: rows are keyed (unit, year, month, kind), (year, period, item,
use) …; an unchanged row is counted ``unchanged``, a changed one ``updated`` with its before/after
values kept in the batch (``changes``).

Power monthly layout (one row per unit-month; Chinese headers, any order, unit in brackets):
统一社会信用代码, 机组编号, 年份, 月份, 入炉煤量(t), 低位发热量(GJ/t), 发热量基准, 元素碳含量(%),
碳含量基准, 全水分(%), 空干基水分(%), 氢含量(%), 全硫(%), 化验报告编号, 样品编号, 发热量样品编号,
采样开始日期, 采样结束日期, 煤源变化, 耗煤数据来源, 数据来源说明, 柴油(t), 燃料油(t), 天然气(万Nm³),
购入电量(MWh), 发电量(MWh), 供电量(MWh), 供热量(GJ), 供热比(%), 运行小时数(h), 存证日期 — and for an
annual report 年度排放量(tCO2). See :data:`POWER_COLUMNS` for aliases and accepted units.

Refused per row: text in a number, a negative number, a fraction above 1 without a ``(%)`` header,
a unit that is not registered, a record with a basis other than as-received (收到基) or air-dried
(空气干燥基) carbon and as-received NCV, an air-dried carbon without both moistures, incomplete lab
values (when elemental carbon is reported, the same sample's NCV, H, S_t, M_t, report number and
sample number must be there — carbon.md §4.1; ``strict_lab=False`` lodges them for K-01/K-02 to
flag instead), supply above generation, the same unit-month twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon.models import (
    CarbonAnnualReport,
    CarbonCementMonth,
    CarbonCityBalance,
    CarbonCityGdp,
    CarbonImportBatch,
    CarbonPowerMonth,
    CarbonUnit,
)
from qingshan.carbon.registry import find_unit
from qingshan.carbon.sheets import (
    Column,
    Layout,
    RowError,
    SheetError,
    cell_text,
    decimal_text,
    map_header,
    norm,
    parse_number,
    read_rows,
    row_values,
    split_header,
)
from qingshan.standards.carbon_cement import CLINKER_TYPES
from qingshan.standards.carbon_city import FUEL_USES, FUELS, SPECIAL_ITEMS
from qingshan.standards.carbon_factors import FactorTable
from qingshan.standards.carbon_power import OTHER_FUELS
from qingshan.standards.standard_coal import ENERGIES, GASES


@dataclass
class CarbonImportResult:
    """Outcome of importing one file."""

    file: str
    kind: str
    sha256: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    status: str = "ok"  # ok | failed | partial
    batch_id: int | None = None
    previous_batch: int | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> dict:
        return {"file": self.file, "kind": self.kind, "status": self.status, "rows_read": self.rows_read,
                "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "batch_id": self.batch_id, "previous_batch": self.previous_batch,
                "errors": [e.as_dict() for e in self.errors], "warnings": self.warnings}


def _col(f: str, label: str, aliases: tuple[str, ...] = (), kind: str = "number", family: str = "plain",
         required: bool = False) -> Column:
    return Column(f, label, aliases, kind, family, required)


IDENTITY = (
    _col("uscc", "统一社会信用代码", ("企业信用代码", "信用代码", "uscc"), "text"),
    _col("unit", "机组编号", ("机组", "机组代码", "单元编号", "生产线编号", "生产线", "unit"), "text", required=True),
    _col("year", "年份", ("年", "核算年份", "year"), "int", required=True),
    _col("month", "月份", ("月", "核算月份", "month"), "int", required=True),
)
POWER_COLUMNS: tuple[Column, ...] = IDENTITY + (
    _col("coal_t", "入炉煤量", ("燃煤消耗量", "入炉煤消耗量", "耗煤量", "燃煤量"), family="mass"),
    _col("ncv", "低位发热量", ("入炉煤低位发热量", "收到基低位发热量", "qnet,ar"), family="ncv"),
    _col("ncv_basis", "发热量基准", ("低位发热量基准",), "text"),
    _col("c", "元素碳含量", ("入炉煤元素碳含量", "碳含量", "收到基元素碳含量"), family="fraction"),
    _col("c_basis", "碳含量基准", ("元素碳基准", "元素碳含量基准"), "text"),
    _col("m_t", "全水分", ("全水分mt", "mt"), family="fraction"),
    _col("m_ad", "空干基水分", ("空气干燥基水分", "mad"), family="fraction"),
    _col("h", "氢含量", ("氢",), family="fraction"),
    _col("s_t", "全硫", ("全硫含量", "st"), family="fraction"),
    _col("lab_report_id", "化验报告编号", ("检测报告编号", "报告编号"), "text"),
    _col("sample_id", "样品编号", ("元素碳样品编号",), "text"),
    _col("ncv_sample_id", "发热量样品编号", (), "text"),
    _col("sample_from", "采样开始日期", ("采样开始", "采样起始日期"), "date"),
    _col("sample_to", "采样结束日期", ("采样结束", "采样截止日期"), "date"),
    _col("coal_source_changed", "煤源变化", ("煤种变化", "是否煤源变化"), "bool"),
    _col("coal_data_source", "耗煤数据来源", ("燃煤量数据来源",), "text"),
    _col("coal_data_reason", "数据来源说明", ("来源说明",), "text"),
    _col("diesel", "柴油", ("柴油消耗量",), family="mass"),
    _col("fuel_oil", "燃料油", ("燃料油消耗量",), family="mass"),
    _col("natural_gas", "天然气", ("天然气消耗量",), family="gas"),
    _col("coke_oven_gas", "焦炉煤气", (), family="gas"),
    _col("blast_furnace_gas", "高炉煤气", (), family="gas"),
    _col("purchased_elec_mwh", "购入电量", ("购入使用电量", "外购电量"), family="elec"),
    _col("generation_mwh", "发电量", (), family="elec"),
    _col("supply_mwh", "供电量", (), family="elec"),
    _col("heat_gj", "供热量", (), family="heat"),
    _col("heat_ratio", "供热比", (), family="fraction"),
    _col("running_hours", "运行小时数", ("运行小时",), family="hours"),
    _col("lodged_on", "存证日期", ("报送日期",), "date"),
    _col("emission_t", "年度排放量", ("年报排放量",), family="co2"),
)
COAL_DATA_SOURCES = {"生产系统计量": "metered", "入炉煤计量": "metered", "库存台账": "ledger", "购销存台账": "ledger",
                     "供应商结算": "settlement", "结算单": "settlement"}
_AR = ("收到基", "ar", "收到基(ar)")
_AD = ("空气干燥基", "空干基", "ad", "空气干燥基(ad)")

CEMENT_COLUMNS: tuple[Column, ...] = IDENTITY + (
    _col("clinker_t", "熟料产量", ("熟料产量", "熟料"), family="mass"),
    _col("clinker_type", "熟料品种", (), "text"),
    _col("coal_t", "燃煤量", ("入窑煤量", "燃煤消耗量"), family="mass"),
    _col("ncv", "低位发热量", ("燃煤低位发热量",), family="ncv"),
    _col("c", "元素碳含量", ("收到基元素碳含量", "碳含量"), family="fraction"),
    _col("c_basis", "碳含量基准", (), "text"),
    _col("cao", "熟料CaO含量", ("氧化钙", "cao"), family="fraction"),
    _col("cao_nc", "非碳酸盐CaO", ("非碳酸盐氧化钙", "cao_nc"), family="fraction"),
    _col("mgo", "熟料MgO含量", ("氧化镁", "mgo"), family="fraction"),
    _col("mgo_nc", "非碳酸盐MgO", ("非碳酸盐氧化镁", "mgo_nc"), family="fraction"),
    _col("kiln_dust_t", "窑头粉尘", ("窑炉排气筒粉尘",), family="mass"),
    _col("bypass_dust_t", "旁路放风粉尘", (), family="mass"),
    _col("elec_mwh", "用电量", ("购入电量", "消耗电量"), family="elec"),
    _col("alt_q", "替代燃料量", (), family="mass"),
    _col("alt_ncv", "替代燃料低位发热量", (), family="ncv"),
    _col("alt_cc", "替代燃料单位热值含碳量", (), family="cc"),
    _col("alt_fossil", "替代燃料化石碳比例", (), family="fraction"),
    _col("lodged_on", "存证日期", ("报送日期",), "date"),
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _begin(session: Session, path: Path, data: bytes, kind: str) -> CarbonImportResult:
    res = CarbonImportResult(file=path.name, kind=kind, sha256=_sha(data))
    prev = session.scalar(select(CarbonImportBatch.id).where(CarbonImportBatch.sha256 == res.sha256, CarbonImportBatch.kind == kind,
                                                       CarbonImportBatch.status.in_(("ok", "partial"))).order_by(CarbonImportBatch.id.desc()))
    res.previous_batch = prev
    return res


def _finish(session: Session, res: CarbonImportResult, write: Callable[[CarbonImportBatch], None], keep_valid: bool) -> CarbonImportResult:
    """Write in one transaction (the session's), or record the refusal; never half a file."""
    if res.errors and not keep_valid:
        res.status = "failed"
        session.rollback()
        batch = CarbonImportBatch(kind=res.kind, file_name=res.file, sha256=res.sha256, status="failed",
                            rows_read=res.rows_read, errors=[e.as_dict() for e in res.errors], changes=[])
        session.add(batch)
        session.commit()
        res.batch_id = batch.id
        return res
    batch = CarbonImportBatch(kind=res.kind, file_name=res.file, sha256=res.sha256, status="partial" if res.errors else "ok",
                        rows_read=res.rows_read, errors=[e.as_dict() for e in res.errors], changes=[])
    session.add(batch)
    session.flush()
    try:
        write(batch)
        batch.rows_inserted, batch.rows_updated, batch.rows_unchanged = res.inserted, res.updated, res.unchanged
        batch.changes = res.changes[:2000]
        session.commit()
    except Exception as exc:  # roll back everything of this file, then record the failed attempt
        session.rollback()
        res.status = "failed"
        res.inserted = res.updated = res.unchanged = 0
        res.errors.append(RowError(res.file, None, None, f"写入数据库失败，本文件未导入任何数据：{type(exc).__name__}: {exc}"))
        failed = CarbonImportBatch(kind=res.kind, file_name=res.file, sha256=res.sha256, status="failed",
                             rows_read=res.rows_read, errors=[e.as_dict() for e in res.errors], changes=[])
        session.add(failed)
        session.commit()
        res.batch_id = failed.id
        raise ImportRefused(res) from exc
    res.status = batch.status
    res.batch_id = batch.id
    return res


class ImportRefused(RuntimeError):
    """The file could not be written (nothing was); ``result`` carries the errors."""

    def __init__(self, result: CarbonImportResult):
        super().__init__("；".join(str(e) for e in result.errors[-3:]))
        self.result = result


def _read(path: Path, data: bytes, columns: Sequence[Column], res: CarbonImportResult, sheet: str | None,
          min_known: int = 3) -> tuple[Layout, list[tuple[int, list]]] | None:
    try:
        rows = read_rows(path, data, sheet)
        if not rows:
            raise SheetError("文件为空")
        return map_header(res.file, rows, columns, min_known=min_known)
    except SheetError as exc:
        res.errors.append(RowError(res.file, None, None, str(exc)))
        return None


def _upsert(session: Session, res: CarbonImportResult, existing, new_values: dict, make, label: str) -> None:
    """Insert, update (recording before/after) or count unchanged."""
    if existing is None:
        session.add(make(**new_values))
        res.inserted += 1
        return
    before = {k: _plain(getattr(existing, k)) for k in new_values if k not in ("batch_id", "source_row")}
    after = {k: _plain(v) for k, v in new_values.items() if k not in ("batch_id", "source_row")}
    if before == after:
        res.unchanged += 1
        return
    for k, v in new_values.items():
        setattr(existing, k, v)
    res.updated += 1
    changed = [k for k in after if before[k] != after[k]]
    res.changes.append({"row": label, "before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}})


def _plain(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


# --- power monthly records and annual reports -----------------------------------------------------


def _basis(value: str | None, *, for_ncv: bool) -> str:
    if value is None:
        return "ar"
    t = norm(value)
    if t in _AR:
        return "ar"
    if not for_ncv and t in _AD:
        return "ad"
    if for_ncv:
        raise ValueError(f"低位发热量基准“{value}”不对：应为收到基（与入炉煤同一样品的收到基低位发热量）")
    raise ValueError(f"碳含量基准“{value}”不支持：应为收到基（ar）或空气干燥基（ad）")


def import_power_months(
    session: Session,
    path: str | Path,
    data: bytes,
    *,
    kind: str = "monthly",
    uscc: str | None = None,
    strict_lab: bool = True,
    keep_valid: bool = False,
    sheet: str | None = None,
) -> CarbonImportResult:
    """Import a plant's monthly records (``kind="monthly"``) or its annual report (``"annual"``)."""
    if kind not in ("monthly", "annual"):
        raise ValueError("kind 应为 monthly 或 annual")
    path = Path(path)
    res = _begin(session, path, data, f"power_{kind}")
    read = _read(path, data, POWER_COLUMNS, res, sheet)
    if read is None:
        return _finish(session, res, lambda b: None, keep_valid=False)
    layout, rows = read
    if layout.extra:
        res.warnings.append(f"未识别的列已忽略：{'、'.join(layout.extra.values())}")
    if "uscc" not in layout.columns and uscc is None:
        res.errors.append(RowError(res.file, layout.header_row, "统一社会信用代码", "表中没有信用代码列，须用 --uscc 指明企业"))
        return _finish(session, res, lambda b: None, keep_valid=False)
    if kind == "monthly" and "emission_t" in layout.columns:
        res.warnings.append("月度存证中的“年度排放量”列已忽略（年报请用 qingshan carbon import annual）")
    res.rows_read = len(rows)
    good: list[tuple[int, CarbonUnit, dict]] = []
    seen: dict[tuple[int, int, int], int] = {}
    emissions: dict[tuple[int, int], tuple[Fraction, int]] = {}
    for row_no, rec in rows:
        v, errs = row_values(res.file, row_no, rec, layout, POWER_COLUMNS)

        def err(field_: str | None, reason: str) -> None:
            errs.append(RowError(res.file, row_no, field_, reason))

        code = v.get("uscc") or uscc
        unit = None
        if v.get("unit") and code:
            unit = find_unit(session, str(code), str(v["unit"]))
            if unit is None:
                err("机组编号", f"企业“{code}”没有编号为“{v['unit']}”的机组（先用 qingshan carbon unit 登记）")
            elif unit.kind == "clinker_line":
                err("机组编号", f"“{v['unit']}”是熟料生产线，不是发电机组（水泥月报请用 qingshan carbon import cement）")
        year, month = v.get("year"), v.get("month")
        if isinstance(year, int) and not 2000 <= year <= 2100:
            err("年份", f"年份 {year} 不合理")
        if isinstance(month, int) and not 1 <= month <= 12:
            err("月份", f"月份 {month} 应在 1—12 之间")
        try:
            v["c_basis"] = _basis(v.get("c_basis"), for_ncv=False)
        except ValueError as exc:
            err("碳含量基准", str(exc))
        try:
            _basis(v.get("ncv_basis"), for_ncv=True)
        except ValueError as exc:
            err("发热量基准", str(exc))
        if v.get("c_basis") == "ad" and v.get("c") is not None and (v.get("m_t") is None or v.get("m_ad") is None):
            err("碳含量基准", "空气干燥基元素碳须同时报送全水分和空干基水分，才能换算为收到基")
        if v.get("m_ad") is not None and v["m_ad"] >= 1:
            err("空干基水分", "空干基水分应小于 100%")
        lab = [("元素碳含量", "c"), ("低位发热量", "ncv"), ("氢含量", "h"), ("全硫", "s_t"), ("全水分", "m_t"),
               ("化验报告编号", "lab_report_id"), ("样品编号", "sample_id")]
        if strict_lab and any(v.get(k) is not None for k in ("c", "h", "s_t", "lab_report_id", "sample_id")):
            missing = [label for label, k in lab if v.get(k) is None and not any(e.field == label for e in errs)]
            if missing:
                err("化验报告", f"化验数据不全，缺少：{'、'.join(missing)}（实测元素碳时须报送同一样品的低位发热量、氢、全硫、全水分及报告和样品编号，carbon.md §4.1）")
        if v.get("sample_from") and v.get("sample_to") and v["sample_from"] > v["sample_to"]:
            err("采样结束日期", "采样结束日期早于开始日期")
        if v.get("generation_mwh") is not None and v.get("supply_mwh") is not None and v["supply_mwh"] > v["generation_mwh"]:
            err("供电量", "供电量大于发电量")
        src = v.get("coal_data_source")
        if src is not None:
            if str(src) not in COAL_DATA_SOURCES:
                err("耗煤数据来源", f"“{src}”应为 生产系统计量、库存台账 或 供应商结算")
            elif COAL_DATA_SOURCES[str(src)] != "metered" and not v.get("coal_data_reason"):
                err("数据来源说明", "未采用生产系统计量时须说明原因（生态环境部答疑，2023-02-09）")
        if unit is not None and isinstance(year, int) and isinstance(month, int):
            key = (unit.id, year, month)
            if key in seen:
                err("月份", f"与第 {seen[key]} 行重复（同一机组同一月份）")
            else:
                seen[key] = row_no
        if kind == "annual" and v.get("emission_t") is not None and unit is not None and isinstance(year, int):
            k2 = (unit.id, year)
            if k2 in emissions and emissions[k2][0] != v["emission_t"]:
                err("年度排放量", f"与第 {emissions[k2][1]} 行的年度排放量不同")
            emissions.setdefault(k2, (v["emission_t"], row_no))
        if errs:
            res.errors.extend(errs)
            continue
        good.append((row_no, unit, v))

    def write(batch: CarbonImportBatch) -> None:
        for row_no, unit, v in good:
            values = {
                "unit_id": unit.id, "year": v["year"], "month": v["month"], "kind": kind,
                **{k: decimal_text(v.get(k)) for k in ("coal_t", "ncv", "c", "m_t", "m_ad", "h", "s_t",
                                                       "purchased_elec_mwh", "generation_mwh", "supply_mwh", "heat_gj",
                                                       "heat_ratio", "running_hours")},
                "c_basis": v["c_basis"],
                **{k: (str(v[k]) if v.get(k) is not None else None) for k in ("lab_report_id", "sample_id", "ncv_sample_id", "coal_data_reason")},
                "coal_data_source": COAL_DATA_SOURCES.get(str(v.get("coal_data_source"))) if v.get("coal_data_source") else None,
                "sample_from": v.get("sample_from"), "sample_to": v.get("sample_to"),
                "coal_source_changed": bool(v.get("coal_source_changed")),
                "other_fuels": {f: decimal_text(v[f]) for f in OTHER_FUELS if v.get(f) is not None},
                "lodged_on": v.get("lodged_on"), "batch_id": batch.id, "source_row": row_no,
            }
            existing = session.scalar(select(CarbonPowerMonth).where(
                CarbonPowerMonth.unit_id == unit.id, CarbonPowerMonth.year == v["year"], CarbonPowerMonth.month == v["month"],
                CarbonPowerMonth.kind == kind))
            _upsert(session, res, existing, values, CarbonPowerMonth, f"{unit.code} {v['year']}-{v['month']:02d}")
        for (unit_id, year), (emission, _row) in emissions.items():
            if not any(u.id == unit_id for _r, u, _v in good):
                continue
            ar = session.scalar(select(CarbonAnnualReport).where(CarbonAnnualReport.unit_id == unit_id, CarbonAnnualReport.year == year))
            if ar is None:
                session.add(CarbonAnnualReport(unit_id=unit_id, year=year, emission_t=decimal_text(emission), batch_id=batch.id))
            else:
                ar.emission_t, ar.batch_id = decimal_text(emission), batch.id
        session.flush()

    return _finish(session, res, write, keep_valid)


# --- cement -----------------------------------------------------------------------------------------

_CLINKER_BY_NAME = {**{v: k for k, v in CLINKER_TYPES.items()}, **{k: k for k in CLINKER_TYPES}, "硅酸盐熟料": "portland"}


def import_cement_months(session: Session, path: str | Path, data: bytes, *, uscc: str | None = None,
                         keep_valid: bool = False, sheet: str | None = None,
                         factors: FactorTable | None = None) -> CarbonImportResult:
    """Import a clinker line's monthly records (carbon.md §6.2). Columns named after a material of
    the deduction table (e.g. ``电石渣(t)``, ``粉煤灰(t)``) are substitute raw materials."""
    path = Path(path)
    factors = factors or FactorTable.packaged()
    materials = set(factors.keys("clinker_deduction"))
    res = _begin(session, path, data, "cement_monthly")
    read = _read(path, data, CEMENT_COLUMNS, res, sheet)
    if read is None:
        return _finish(session, res, lambda b: None, keep_valid=False)
    layout, rows = read
    subst_cols: dict[int, tuple[str, Fraction]] = {}
    for idx, header in layout.extra.items():
        name, unit = split_header(header)
        if name in materials:
            if unit not in ("", "t", "吨"):
                res.errors.append(RowError(res.file, layout.header_row, header, "替代原料用量单位应为 t"))
            subst_cols[idx] = (name, Fraction(1))
    unknown = [h for i, h in layout.extra.items() if i not in subst_cols]
    if unknown:
        res.warnings.append(f"未识别的列已忽略：{'、'.join(unknown)}")
    if "uscc" not in layout.columns and uscc is None:
        res.errors.append(RowError(res.file, layout.header_row, "统一社会信用代码", "表中没有信用代码列，须用 --uscc 指明企业"))
    if res.errors:
        return _finish(session, res, lambda b: None, keep_valid=False)
    res.rows_read = len(rows)
    good: list[tuple[int, CarbonUnit, dict]] = []
    seen: dict[tuple[int, int, int], int] = {}
    for row_no, rec in rows:
        v, errs = row_values(res.file, row_no, rec, layout, CEMENT_COLUMNS)

        def err(field_: str | None, reason: str) -> None:
            errs.append(RowError(res.file, row_no, field_, reason))

        code = v.get("uscc") or uscc
        unit = find_unit(session, str(code), str(v["unit"])) if v.get("unit") and code else None
        if v.get("unit") and code and unit is None:
            err("生产线编号", f"企业“{code}”没有编号为“{v['unit']}”的熟料生产线")
        elif unit is not None and unit.kind != "clinker_line":
            err("生产线编号", f"“{v['unit']}”不是熟料生产线")
        if isinstance(v.get("month"), int) and not 1 <= v["month"] <= 12:
            err("月份", f"月份 {v['month']} 应在 1—12 之间")
        ct = v.get("clinker_type")
        if ct is not None and norm(ct) not in {norm(k) for k in _CLINKER_BY_NAME}:
            err("熟料品种", f"“{ct}”应为 {'、'.join(CLINKER_TYPES.values())}")
        else:
            v["clinker_type"] = next((k2 for k, k2 in _CLINKER_BY_NAME.items() if norm(k) == norm(ct)), None) if ct else (
                unit.clinker_type if unit is not None else "portland")
        if v.get("c_basis") is not None and norm(v["c_basis"]) not in _AR:
            err("碳含量基准", f"碳含量基准“{v['c_basis']}”不对：水泥燃煤元素碳应为收到基")
        alt = [v.get(k) for k in ("alt_q", "alt_ncv", "alt_cc", "alt_fossil")]
        if any(a is not None for a in alt) and any(a is None for a in alt):
            err("替代燃料", "替代燃料须同时给出用量、低位发热量、单位热值含碳量和化石碳比例")
        subs: dict[str, str] = {}
        for idx, (name, _f) in subst_cols.items():
            text = cell_text(rec[idx]) if idx < len(rec) else None
            if text is None:
                continue
            try:
                q = parse_number(text)
                if q < 0:
                    raise ValueError(f"“{text}”不能为负数")
                subs[name] = decimal_text(q)
            except ValueError as exc:
                err(layout.extra[idx], str(exc))
        v["substitutes"] = subs
        if unit is not None and isinstance(v.get("year"), int) and isinstance(v.get("month"), int):
            key = (unit.id, v["year"], v["month"])
            if key in seen:
                err("月份", f"与第 {seen[key]} 行重复（同一生产线同一月份）")
            seen.setdefault(key, row_no)
        if errs:
            res.errors.extend(errs)
            continue
        good.append((row_no, unit, v))

    def write(batch: CarbonImportBatch) -> None:
        for row_no, unit, v in good:
            alt = []
            if v.get("alt_q") is not None:
                alt = [{"name": "替代燃料", **{k: decimal_text(v[k]) for k in ("alt_q", "alt_ncv", "alt_cc", "alt_fossil")}}]
            values = {
                "unit_id": unit.id, "year": v["year"], "month": v["month"], "clinker_type": v["clinker_type"],
                **{k: decimal_text(v.get(k)) for k in ("clinker_t", "coal_t", "ncv", "cao", "cao_nc", "mgo", "mgo_nc",
                                                       "kiln_dust_t", "bypass_dust_t", "elec_mwh")},
                "c_ar": decimal_text(v.get("c")), "substitutes": v["substitutes"], "alt_fuels": alt,
                "lodged_on": v.get("lodged_on"), "batch_id": batch.id, "source_row": row_no,
            }
            existing = session.scalar(select(CarbonCementMonth).where(
                CarbonCementMonth.unit_id == unit.id, CarbonCementMonth.year == v["year"], CarbonCementMonth.month == v["month"]))
            _upsert(session, res, existing, values, CarbonCementMonth, f"{unit.code} {v['year']}-{v['month']:02d}")
        session.flush()

    return _finish(session, res, write, keep_valid)


# --- city energy balance and GDP -------------------------------------------------------------------

ITEM_NAMES: dict[str, str] = {
    **{name: key for key, (name, _u) in ENERGIES.items() if key in FUELS},
    "其他洗煤": "middlings", "电力": "electricity", "电": "electricity", "热力": "heat", "二氧化碳": "co2", "co2": "co2",
}
USE_NAMES: dict[str, str] = {
    "火力发电及供热": "power_heat", "火力发电": "power_heat", "火电及供热投入": "power_heat", "发电供热": "power_heat",
    "终端消费": "final", "终端消费量": "final", "原料": "feedstock", "原料用能": "feedstock", "非能源利用": "feedstock",
    "加工转换投入": "transform_input", "洗选": "transform_input", "炼焦": "transform_input",
    "净调入": "net_import", "调入调出净额": "net_import", "一次电力": "primary", "本地非化石能源发电": "primary",
    "可再生能源电力消费": "renewable_consumption", "可再生能源电力消费量": "renewable_consumption",
    "加工转换碳损失": "transform", "工业过程": "process", "工业过程排放": "process",
}
#: quantity units by item family → factor to the store unit
ITEM_UNITS: dict[str, dict[str, Fraction]] = {
    "solid": {"": Fraction(1), "t": Fraction(1), "吨": Fraction(1), "万t": Fraction(10**4), "万吨": Fraction(10**4)},
    "gas": {"": Fraction(1), "万m³": Fraction(1), "万立方米": Fraction(1), "亿m³": Fraction(10**4), "亿立方米": Fraction(10**4)},
    "electricity": {"": Fraction(1), "mwh": Fraction(1), "万kwh": Fraction(10), "亿kwh": Fraction(10**5), "万千瓦时": Fraction(10),
                    "亿千瓦时": Fraction(10**5)},
    "heat": {"": Fraction(1), "gj": Fraction(1), "tj": Fraction(1000), "万gj": Fraction(10**4)},
    "co2": {"": Fraction(1), "t": Fraction(1), "tco2": Fraction(1), "万t": Fraction(10**4), "万tco2": Fraction(10**4)},
}
PERIODS: dict[str, int] = {"全年": 12, "1-12月": 12, "1—12月": 12, "1-3月": 3, "1—3月": 3, "一季度": 3, "1-6月": 6, "1—6月": 6,
                           "上半年": 6, "1-9月": 9, "1—9月": 9, "前三季度": 9}
PERIOD_NAMES = {12: "全年", 3: "1—3月", 6: "1—6月", 9: "1—9月"}


def _family(item: str) -> str:
    if item in ("electricity", "heat", "co2"):
        return item
    return "gas" if item in GASES else "solid"


BALANCE_COLUMNS: tuple[Column, ...] = (
    _col("year", "年份", ("年",), "int", required=True),
    _col("period", "期间", ("时期", "统计期"), "text"),
    _col("item", "能源品种", ("品种", "项目"), "text", required=True),
    _col("use", "用途", ("流向", "环节"), "text", required=True),
    _col("quantity", "数量", ("实物量", "消费量"), "text", required=True),
    _col("unit", "单位", ("计量单位",), "text"),
    _col("ncv", "低位发热量", ("实测低位发热量",), family="plain"),
    _col("note", "备注", (), "text"),
)
GDP_COLUMNS: tuple[Column, ...] = (
    _col("year", "年份", ("年",), "int", required=True),
    _col("period", "期间", ("时期", "统计期"), "text"),
    _col("gdp_nominal", "地区生产总值", ("gdp", "现价地区生产总值"), family="money"),
    _col("gdp_index", "地区生产总值指数", ("指数", "gdp指数"), family="index"),
    _col("source", "来源", ("数据来源",), "text"),
)


def period_months(text: str | None) -> int:
    if text is None:
        return 12
    t = norm(text).replace("–", "-")
    for k, n in PERIODS.items():
        if norm(k) == t:
            return n
    raise ValueError(f"期间“{text}”应为 全年、1-3月、1-6月 或 1-9月（1—N月累计）")


def parse_balance_entry(item_name: str | None, use_name: str | None, quantity: str | None,
                        unit: str | None) -> tuple[str | None, str | None, Fraction | None, list[tuple[str, str]]]:
    """One balance entry (Chinese item and use names, quantity text, unit) → (item, use, exact
    quantity in the store unit, problems as (field, reason)). Used by the importer and the CLI."""
    problems: list[tuple[str, str]] = []
    item = ITEM_NAMES.get(norm(item_name or "")) or ITEM_NAMES.get(str(item_name or "").strip())
    use = USE_NAMES.get(str(use_name or "").strip())
    if item_name and item is None:
        problems.append(("能源品种", f"“{item_name}”不是能源平衡表的品种（如 原煤、焦炭、柴油、汽油、天然气、电力、热力）"))
    if use_name and use is None:
        problems.append(("用途", f"“{use_name}”不是已知用途（如 火力发电及供热、终端消费、原料、净调入、一次电力）"))
    if item and use and (item in FUELS and use not in FUEL_USES or item not in FUELS and (item, use) not in SPECIAL_ITEMS):
        problems.append(("用途", f"“{item_name}”不能用于“{use_name}”"))
    q = None
    if quantity is not None and item:
        try:
            q = parse_number(str(quantity))
            units = ITEM_UNITS[_family(item)]
            u = norm(unit or "").replace("m3", "m³")
            if u not in units:
                raise ValueError(f"单位“{unit}”不适用于{item_name}，可用：{'、'.join(x for x in units if x)}")
            q *= units[u]
            if q < 0 and (item, use) not in (("electricity", "net_import"), ("heat", "net_import")):
                raise ValueError("只有净调入可以为负数")
        except ValueError as exc:
            problems.append(("数量", str(exc)))
            q = None
    return item, use, q, problems


def import_city_balance(session: Session, path: str | Path, data: bytes, *, demo: bool = False,
                        keep_valid: bool = False, sheet: str | None = None) -> CarbonImportResult:
    """Import energy-balance rows (year, period 1—N月, item, use, quantity, unit, NCV)."""
    path = Path(path)
    res = _begin(session, path, data, "city_balance")
    read = _read(path, data, BALANCE_COLUMNS, res, sheet)
    if read is None:
        return _finish(session, res, lambda b: None, keep_valid=False)
    layout, rows = read
    res.rows_read = len(rows)
    good: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for row_no, rec in rows:
        v, errs = row_values(res.file, row_no, rec, layout, BALANCE_COLUMNS)

        def err(field_: str | None, reason: str) -> None:
            errs.append(RowError(res.file, row_no, field_, reason))

        try:
            v["months"] = period_months(v.get("period"))
        except ValueError as exc:
            err("期间", str(exc))
        item, use, q, problems = parse_balance_entry(v.get("item"), v.get("use"), v.get("quantity"), v.get("unit"))
        for field_, reason in problems:
            err(field_, reason)
        v["quantity_exact"] = q
        key = (v.get("year"), v.get("months"), item, use)
        if None not in key:
            if key in seen:
                err("能源品种", f"与第 {seen[key]} 行重复")
            seen.setdefault(key, row_no)
        v["item_key"], v["use_key"] = item, use
        if errs:
            res.errors.extend(errs)
            continue
        good.append((row_no, v))

    def write(batch: CarbonImportBatch) -> None:
        for row_no, v in good:
            values = {"year": v["year"], "months": v["months"], "item": v["item_key"], "use": v["use_key"],
                      "quantity": decimal_text(v["quantity_exact"]), "ncv": decimal_text(v.get("ncv")),
                      "note": v.get("note"), "demo": demo, "batch_id": batch.id}
            existing = session.scalar(select(CarbonCityBalance).where(
                CarbonCityBalance.year == v["year"], CarbonCityBalance.months == v["months"],
                CarbonCityBalance.item == v["item_key"], CarbonCityBalance.use == v["use_key"]))
            _upsert(session, res, existing, values, CarbonCityBalance, f"{v['year']} {PERIOD_NAMES[v['months']]} {v['item']}/{v['use']}")
        session.flush()

    return _finish(session, res, write, keep_valid)


def import_city_gdp(session: Session, path: str | Path, data: bytes, *, demo: bool = False,
                    keep_valid: bool = False, sheet: str | None = None) -> CarbonImportResult:
    """Import GDP rows: 年份, 期间, 地区生产总值(亿元, current prices), 地区生产总值指数(上年同期=100), 来源."""
    path = Path(path)
    res = _begin(session, path, data, "city_gdp")
    read = _read(path, data, GDP_COLUMNS, res, sheet, min_known=2)
    if read is None:
        return _finish(session, res, lambda b: None, keep_valid=False)
    layout, rows = read
    res.rows_read = len(rows)
    good: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for row_no, rec in rows:
        v, errs = row_values(res.file, row_no, rec, layout, GDP_COLUMNS)
        try:
            v["months"] = period_months(v.get("period"))
        except ValueError as exc:
            errs.append(RowError(res.file, row_no, "期间", str(exc)))
        if v.get("gdp_nominal") is None and v.get("gdp_index") is None:
            errs.append(RowError(res.file, row_no, "地区生产总值", "地区生产总值与指数至少填一项"))
        if v.get("gdp_index") is not None and not 50 <= v["gdp_index"] <= 200:
            errs.append(RowError(res.file, row_no, "地区生产总值指数", f"指数 {v['gdp_index']} 不合理（上年同期=100）"))
        key = (v.get("year"), v.get("months"))
        if None not in key:
            if key in seen:
                errs.append(RowError(res.file, row_no, "年份", f"与第 {seen[key]} 行重复"))
            seen.setdefault(key, row_no)
        if errs:
            res.errors.extend(errs)
            continue
        good.append((row_no, v))

    def write(batch: CarbonImportBatch) -> None:
        for row_no, v in good:
            values = {"year": v["year"], "months": v["months"], "gdp_nominal": decimal_text(v.get("gdp_nominal")),
                      "gdp_index": decimal_text(v.get("gdp_index")), "source": v.get("source"), "demo": demo,
                      "batch_id": batch.id}
            existing = session.scalar(select(CarbonCityGdp).where(CarbonCityGdp.year == v["year"], CarbonCityGdp.months == v["months"]))
            _upsert(session, res, existing, values, CarbonCityGdp, f"{v['year']} {PERIOD_NAMES[v['months']]}")
        session.flush()

    return _finish(session, res, write, keep_valid)
