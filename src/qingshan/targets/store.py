"""Units, dated station/section lists, annual targets, manual inputs and schemes on the database.

Every write returns ``(before, after)`` dicts (None for a new row) so that the web layer's audit
trail (phase 2) is a thin wrapper. Codes are GB/T 2260 strings ('140215'); values are decimal text
kept exactly as the source prints them (assessment-bulletin.md §5).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import Connection, and_, delete, or_, select, update

from qingshan.core.errors import ValidationFailed
from qingshan.store.db import DatabaseClient
from qingshan.targets.indicators import DUST_RULES, INDICATORS, MANUAL_KINDS, PERIODS, UNIT_KINDS
from qingshan.targets.models import AnnualTarget as Target
from qingshan.targets.models import TargetsManualInput as ManualInput
from qingshan.targets.models import TargetsScheme as SchemeRecord
from qingshan.targets.models import TargetsUnit as Unit
from qingshan.targets.models import TargetsUnitSection as UnitSection
from qingshan.targets.models import TargetsUnitStation as UnitStation

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class TargetsError(ValidationFailed, ValueError):
    """A user error in the targets store (message in Chinese): HTTP 422 through the one mapping."""


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    display_order: int
    valid_from: date
    valid_to: date | None
    demo: bool

    @property
    def is_city(self) -> bool:
        return self.kind == "市"


@dataclass(frozen=True)
class TargetRow:
    year: int
    unit_code: str
    indicator: str
    direction: str
    value: str
    decimals: int
    dust_rule: str
    base_value: str | None
    source_doc: str
    demo: bool


@dataclass(frozen=True)
class ManualRow:
    month: str
    kind: str
    unit_code: str
    period: str
    indicator: str
    value: str
    doc_no: str
    doc_date: date
    note: str | None
    demo: bool


def _active(model, on: date):
    return and_(model.valid_from <= on, or_(model.valid_to.is_(None), model.valid_to >= on))


def _same(before: dict | None, after: dict) -> bool:
    """The same values (the demo flag aside): writing them again changes nothing, so re-importing
    an exported workbook keeps the rows — and their 演示 label — as they are."""
    return before is not None and all(before.get(k) == v for k, v in after.items() if k != "demo")


def check_decimal(text: str, what: str) -> str:
    s = str(text).strip()
    try:
        Fraction(s)
    except (ValueError, ZeroDivisionError):
        raise TargetsError(f"{what}：不是数值（{text!r}）") from None
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", s):
        raise TargetsError(f"{what}：应为十进制数（{text!r}）")
    return s


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(text, what: str, max_len: int, *, required: bool = True) -> str | None:
    """A text field: stripped, no control characters (PostgreSQL refuses NUL), at most ``max_len``."""
    s = str(text or "").strip()
    if not s:
        if required:
            raise TargetsError(f"{what}：必填")
        return None
    if _CONTROL.search(s):
        raise TargetsError(f"{what}：含有不可见的控制字符")
    if len(s) > max_len:
        raise TargetsError(f"{what}：最多 {max_len} 个字，现为 {len(s)} 个字")
    return s


def check_code(code, what: str = "单位代码") -> str:
    s = str(code or "").strip()
    if not re.fullmatch(r"\d{6}", s):
        raise TargetsError(f"{what}应为 6 位 GB/T 2260 代码，收到 {s[:20]!r}")
    return s


def check_month(text: str) -> str:
    s = str(text).strip()
    if not _MONTH.match(s):
        raise TargetsError(f"月份应为 YYYY-MM，收到 {text!r}")
    return s


class TargetStore(DatabaseClient):
    """Read and write the targets tables (same URL rules as the other stores).

    Every write takes an optional ``conn``: several writes then share the caller's transaction
    (an import is all-or-nothing).
    """

    @contextmanager
    def _tx(self, conn: Connection | None):
        if conn is not None:
            yield conn
            return
        with self.engine.begin() as c:
            yield c

    # --- units ------------------------------------------------------------------------------
    @contextmanager
    def _read(self, conn: Connection | None):
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as c:
            yield c

    def units(self, on: date | None = None, *, include_city: bool = True, conn=None) -> list[UnitRow]:
        q = select(Unit).order_by(Unit.display_order, Unit.code)
        if on is not None:
            q = q.where(_active(Unit, on))
        with self._read(conn) as conn:
            rows = [UnitRow(r.code, r.name, r.kind, r.display_order, r.valid_from, r.valid_to, r.demo)
                    for r in conn.execute(q)]
        return [r for r in rows if include_city or not r.is_city]

    def upsert_unit(self, code: str, name: str, kind: str, display_order: int, valid_from: date,
                    valid_to: date | None = None, *, demo: bool = False, conn=None) -> tuple[dict | None, dict]:
        code = check_code(code)
        if kind not in UNIT_KINDS:
            raise TargetsError(f"单位类型应为 {'、'.join(UNIT_KINDS)} 之一，收到 {str(kind)[:10]!r}")
        name = check_text(name, "单位名称", 64)
        after = {"code": code, "name": name, "kind": kind, "display_order": int(display_order),
                 "valid_from": valid_from, "valid_to": valid_to, "demo": demo}
        with self._tx(conn) as conn:
            old = conn.execute(select(Unit.__table__).where(Unit.code == code)).mappings().first()
            before = dict(old) if old else None
            if _same(before, after):
                return before, before
            if old:
                conn.execute(update(Unit).where(Unit.code == code).values(**after))
            else:
                conn.execute(Unit.__table__.insert().values(**after))
        return before, after

    def _set_members(self, model, col: str, unit_code: str, codes: list[str], valid_from: date, conn=None
                     ) -> tuple[list, list]:
        """Close the open list of ``unit_code`` the day before ``valid_from`` and open the new one
        (an identical list already open is kept as it is: re-import duplicates nothing)."""
        unit_code = check_code(unit_code)
        with self._tx(conn) as conn:
            if conn.execute(select(Unit.code).where(Unit.code == unit_code)).first() is None:
                raise TargetsError(f"未知的单位 {unit_code}")
            open_rows = conn.execute(select(model.__table__).where(model.unit_code == unit_code,
                                                                    model.valid_to.is_(None))).mappings().all()
            before = sorted(r[col] for r in open_rows)
            if before == sorted(codes) and all(r["valid_from"] <= valid_from for r in open_rows):
                return before, before
            # rows starting on or after valid_from are replaced, earlier open rows are closed
            conn.execute(delete(model).where(model.unit_code == unit_code, model.valid_from >= valid_from))
            conn.execute(update(model).where(model.unit_code == unit_code, model.valid_to.is_(None))
                         .values(valid_to=valid_from - timedelta(days=1)))
            for c in codes:
                conn.execute(model.__table__.insert().values(unit_code=unit_code, **{col: c}, valid_from=valid_from))
        return before, sorted(codes)

    def set_unit_stations(self, unit_code: str, station_codes: list[str], valid_from: date, *, conn=None):
        return self._set_members(UnitStation, "station_code", unit_code, station_codes, valid_from, conn)

    def set_unit_sections(self, unit_code: str, section_codes: list[str], valid_from: date, *, conn=None):
        return self._set_members(UnitSection, "section_code", unit_code, section_codes, valid_from, conn)

    def _members(self, model, col: str, on: date, conn=None) -> dict[str, list[str]]:
        member = model.__table__.c[col]
        q = select(model.unit_code, member).where(_active(model, on)).order_by(model.unit_code, member)
        out: dict[str, list[str]] = {}
        with self._read(conn) as conn:
            for u, c in conn.execute(q):
                out.setdefault(u, []).append(c)
        return out

    def member_rows(self, what: str, on: date, *, conn=None) -> list[tuple[str, str, date]]:
        """(unit, station or section code, valid from) of the lists in force on ``on``;
        ``what`` is ``"stations"`` or ``"sections"``."""
        model, col = {"stations": (UnitStation, "station_code"), "sections": (UnitSection, "section_code")}[what]
        member = model.__table__.c[col]
        q = select(model.unit_code, member, model.valid_from).where(_active(model, on)).order_by(model.unit_code, member)
        with self._read(conn) as conn:
            return [(u, c, vf) for u, c, vf in conn.execute(q)]

    def unit_stations(self, on: date, *, conn=None) -> dict[str, list[str]]:
        """Station list of each unit in force on ``on`` (§0 ``unit_stations``)."""
        return self._members(UnitStation, "station_code", on, conn)

    def unit_sections(self, on: date, *, conn=None) -> dict[str, list[str]]:
        return self._members(UnitSection, "section_code", on, conn)

    # --- targets ----------------------------------------------------------------------------
    def upsert_target(self, year: int, unit_code: str, indicator: str, value: str, source_doc: str, *,
                      direction: str | None = None, decimals: int | None = None, dust_rule: str = "none",
                      base_value: str | None = None, demo: bool = False, conn=None) -> tuple[dict | None, dict]:
        """Set one annual target (§3.1); direction and decimals default to the indicator's."""
        ind = INDICATORS.get(indicator)
        if ind is None:
            raise TargetsError(f"未知的指标 {str(indicator)[:32]!r}（可选 {'、'.join(INDICATORS)}）")
        unit_code = check_code(unit_code)
        direction = direction or ind.direction
        if direction not in ("le", "ge"):
            raise TargetsError(f"方向应为 le（不高于）或 ge（不低于），收到 {direction!r}")
        if dust_rule not in DUST_RULES:
            raise TargetsError(f"扣沙规则应为 {'、'.join(DUST_RULES)} 之一，收到 {dust_rule!r}")
        source_doc = check_text(source_doc, "依据文件（目标须注明依据文件）", 2000)
        after = {"year": int(year), "unit_code": unit_code, "indicator": indicator, "direction": direction,
                 "value": check_decimal(value, f"{unit_code} {ind.label} 目标值"),
                 "decimals": ind.decimals if decimals is None else int(decimals), "dust_rule": dust_rule,
                 "base_value": None if base_value in (None, "") else check_decimal(base_value, "基准值"),
                 "source_doc": source_doc, "demo": demo}
        with self._tx(conn) as conn:
            if conn.execute(select(Unit.code).where(Unit.code == unit_code)).first() is None:
                raise TargetsError(f"未知的单位 {unit_code}")
            key = (Target.year == after["year"], Target.unit_code == unit_code, Target.indicator == indicator)
            old = conn.execute(select(Target.__table__).where(*key)).mappings().first()
            before = {k: old[k] for k in after} if old else None
            if _same(before, after):
                return before, before
            if old:
                conn.execute(update(Target).where(*key).values(**after))
            else:
                conn.execute(Target.__table__.insert().values(**after))
        return before, after

    def delete_target(self, year: int, unit_code: str, indicator: str, *, conn=None) -> dict | None:
        """Remove one target; returns it as it was (None when there was none)."""
        unit_code = check_code(unit_code)
        if indicator not in INDICATORS:
            raise TargetsError(f"未知的指标 {str(indicator)[:32]!r}（可选 {'、'.join(INDICATORS)}）")
        key = (Target.year == int(year), Target.unit_code == unit_code, Target.indicator == indicator)
        with self._tx(conn) as conn:
            old = conn.execute(select(Target.__table__).where(*key)).mappings().first()
            if old is None:
                return None
            conn.execute(delete(Target).where(*key))
        return {k: old[k] for k in ("year", "unit_code", "indicator", "direction", "value", "decimals", "dust_rule",
                                    "base_value", "source_doc", "demo")}

    def targets(self, year: int, *, conn=None) -> list[TargetRow]:
        q = select(Target).where(Target.year == year).order_by(Target.unit_code, Target.indicator)
        with self._read(conn) as conn:
            return [TargetRow(r.year, r.unit_code, r.indicator, r.direction, r.value, r.decimals, r.dust_rule,
                              r.base_value, r.source_doc, r.demo) for r in conn.execute(q)]

    # --- manual inputs ----------------------------------------------------------------------
    def upsert_manual_input(self, month: str, kind: str, unit_code: str, period: str, indicator: str, value: str,
                            doc_no: str, doc_date: date, note: str | None = None, *, demo: bool = False,
                            conn=None) -> tuple[dict | None, dict]:
        """A monthly manual input with its document number and date (§0, §5)."""
        month = check_month(month)
        if kind not in MANUAL_KINDS:
            raise TargetsError(f"未知的手工录入类别 {kind!r}（可选 {'、'.join(MANUAL_KINDS)}）")
        if period not in PERIODS:
            raise TargetsError(f"时段应为 month（当月）或 ytd（1—M月），收到 {period!r}")
        unit_code = check_code(unit_code)
        doc_no = check_text(doc_no, "文号（手工录入须注明文号）", 128)
        indicator = check_text(indicator, "指标", 32)
        note = check_text(note, "备注", 2000, required=False)
        after = {"month": month, "kind": kind, "unit_code": unit_code, "period": period, "indicator": indicator,
                 "value": check_decimal(value, f"{MANUAL_KINDS[kind]} 数值"), "doc_no": doc_no,
                 "doc_date": doc_date, "note": note, "demo": demo}
        with self._tx(conn) as conn:
            if conn.execute(select(Unit.code).where(Unit.code == unit_code)).first() is None:
                raise TargetsError(f"未知的单位 {unit_code}")
            key = (ManualInput.month == month, ManualInput.kind == kind, ManualInput.unit_code == unit_code,
                   ManualInput.period == period, ManualInput.indicator == indicator)
            old = conn.execute(select(ManualInput.__table__).where(*key)).mappings().first()
            before = {k: old[k] for k in after} if old else None
            if _same(before, after):
                return before, before
            if old:
                conn.execute(update(ManualInput).where(*key).values(**after))
            else:
                conn.execute(ManualInput.__table__.insert().values(**after))
        return before, after

    def manual_inputs(self, month: str, *, conn=None) -> list[ManualRow]:
        q = select(ManualInput).where(ManualInput.month == check_month(month)).order_by(
            ManualInput.kind, ManualInput.unit_code, ManualInput.period, ManualInput.indicator)
        with self._read(conn) as conn:
            return [ManualRow(r.month, r.kind, r.unit_code, r.period, r.indicator, r.value, r.doc_no, r.doc_date,
                              r.note, r.demo) for r in conn.execute(q)]

    # --- schemes ----------------------------------------------------------------------------
    def save_scheme(self, year: int, name: str, content: str, source: str, *, demo: bool = False,
                    conn=None) -> None:
        with self._tx(conn) as conn:
            key = (SchemeRecord.year == year, SchemeRecord.name == name)
            if conn.execute(select(SchemeRecord.id).where(*key)).first():
                conn.execute(update(SchemeRecord).where(*key).values(content=content, source=source, demo=demo))
            else:
                conn.execute(SchemeRecord.__table__.insert().values(year=year, name=name, content=content,
                                                                    source=source, demo=demo))

    def scheme(self, year: int) -> tuple[str, str] | None:
        """(name, JSON content) of the year's scheme (the first by name), or None."""
        q = select(SchemeRecord.name, SchemeRecord.content).where(SchemeRecord.year == year).order_by(SchemeRecord.name)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return (row[0], row[1]) if row else None


def row_dict(row) -> dict:
    return asdict(row)


__all__ = ["ManualRow", "TargetRow", "TargetStore", "TargetsError", "UnitRow", "check_code", "check_decimal",
           "check_month", "check_text", "row_dict"]
