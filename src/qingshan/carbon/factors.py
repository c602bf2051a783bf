"""The factor library service: the packaged table plus the bureau's rows from the database.

The bureau adds a year's factor (a new Shanxi grid factor, a confirmed default) with
:func:`add_factor` — no code change. :func:`library` builds the :class:`FactorTable` every
computation uses; a bureau row takes precedence over a packaged row of the same table, key, param
and validity start (carbon.md §10; :mod:`qingshan.standards.carbon_factors`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon.models import CarbonFactor
from qingshan.standards.carbon_factors import Factor, FactorError, FactorTable, parse_row


def bureau_factors(session: Session) -> list[Factor]:
    rows = session.scalars(select(CarbonFactor).order_by(CarbonFactor.id)).all()
    return [parse_row({"table": r.table_name, "key": r.key, "param": r.param, "value": r.value, "unit": r.unit,
                       "valid_from": r.valid_from, "valid_to": r.valid_to, "version": r.version, "status": r.status,
                       "source": r.source}, origin="bureau", row_id=r.id) for r in rows]


def library(session: Session) -> FactorTable:
    """Packaged factors overlaid with the bureau's rows."""
    return FactorTable.packaged().with_rows(bureau_factors(session))


def add_factor(session: Session, fields: Mapping[str, object], *, created_by: str | None = None) -> tuple[Factor, dict]:
    """Validate and store a bureau factor row; returns (factor, after dict for the audit trail).

    ``fields``: table, key, param, value, unit, valid_from, valid_to, version, status, source.
    The same (table, key, param, valid_from, version) twice is refused: a correction is a new version.
    """
    f = parse_row(fields, origin="bureau")
    packaged = FactorTable.packaged()
    if not any(r.table == f.table and r.param == f.param for r in packaged.rows):
        raise FactorError(f"因子表“{f.table}”没有参数“{f.param}”")
    dup = session.scalar(select(CarbonFactor).where(
        CarbonFactor.table_name == f.table, CarbonFactor.key == f.key, CarbonFactor.param == f.param,
        CarbonFactor.valid_from.is_(None) if f.valid_from is None else CarbonFactor.valid_from == f.valid_from,
        CarbonFactor.version == f.version))
    if dup is not None:
        raise FactorError(f"因子“{f.table}/{f.key}/{f.param}”起始年份 {f.valid_from or '—'} 的版本“{f.version}”已存在；更正请使用新版本号")
    row = CarbonFactor(table_name=f.table, key=f.key, param=f.param, value=f.text or None, unit=f.unit,
                    valid_from=f.valid_from, valid_to=f.valid_to, version=f.version, status=f.status, source=f.source,
                    created_by=created_by)
    session.add(row)
    session.flush()
    after = f.ref() | {"row_id": row.id, "origin": "bureau"}
    return parse_row(fields, origin="bureau", row_id=row.id), after
