"""Evidence payload for a failed check, ready for an item of the rectification ledger (phase 2 opens it).

:func:`check_evidence` returns everything the ledger item needs — title, kind and fields of
:mod:`qingshan.ledgers.kinds` (``key_task`` in the 碳达峰碳中和 area), and a structured evidence
block: the check and its offending values, the lodged record as lodged (text, file batch and row),
the figures of the run and the factor rows with source and status. Phase 2 passes it to the ledger
service with the acting user; nothing is written here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon import records
from qingshan.carbon.models import CarbonCheck, CarbonFacility, CarbonPowerMonth, CarbonRun, CarbonUnit
from qingshan.sources.models import Enterprise
from qingshan.standards.carbon_checks import CHECK_NAMES


class EvidenceError(LookupError):
    """No such check result (Chinese message)."""


def check_evidence(session: Session, check_row_id: int) -> dict:
    """The ledger payload of one stored check result (typically a ``fail``)."""
    chk = session.get(CarbonCheck, check_row_id)
    if chk is None:
        raise EvidenceError(f"没有编号为 {check_row_id} 的校核结果")
    run = session.get(CarbonRun, chk.run_id)
    unit = session.get(CarbonUnit, chk.unit_id)
    fac = session.get(CarbonFacility, unit.facility_id)
    ent = session.get(Enterprise, fac.enterprise_id)
    period = f"{chk.year}年{chk.month}月" if chk.month else f"{chk.year}年"
    record = None
    if chk.month is not None:
        row = session.scalar(select(CarbonPowerMonth).where(CarbonPowerMonth.unit_id == unit.id, CarbonPowerMonth.year == chk.year,
                                                         CarbonPowerMonth.month == chk.month, CarbonPowerMonth.kind == "monthly"))
        record = records.power_month_payload(row) if row is not None else None
    title = f"{fac.name}{unit.name}{period}碳排放数据校核{chk.check_id}（{CHECK_NAMES[chk.check_id]}）未通过"
    values = "；".join(f"{k}：{v}" for k, v in (chk.values or {}).items())
    return {
        "kind": "key_task",
        "title": title[:300],
        "data": {
            "area": "碳达峰碳中和",
            "source": f"碳排放月度存证校核 {chk.check_id}（carbon.md §4.2）",
            "measures": "核实并更正报送数据或补充证明材料；涉及化验的，提供同一样品的CMA/CNAS化验报告",
            "note": f"{chk.message}。{values}"[:2000],
        },
        "evidence": {
            "check": {"id": chk.check_id, "name": CHECK_NAMES[chk.check_id], "status": chk.status, "message": chk.message,
                      "values": chk.values, "check_row_id": chk.id},
            "subject": {"enterprise": ent.name, "uscc": ent.uscc, "facility": fac.name, "facility_code": fac.code,
                        "unit": unit.code, "unit_name": unit.name, "year": chk.year, "month": chk.month,
                        "county_code": fac.county_code, "demo": fac.demo},
            "record": record,
            "run": {"id": run.id, "scope": run.scope, "computed_at": run.computed_at.isoformat(),
                    "as_of": run.as_of.isoformat() if run.as_of else None, "results": run.results,
                    "settings": run.settings},
            "factors": run.factors,
        },
    }


def failed_checks(session: Session, year: int, month: int | None = None) -> list[int]:
    """Ids of the ``fail`` results in the latest run of each unit-month (and unit-year) of ``year``
    (only ``month`` when given), for opening ledger items."""
    latest: dict[tuple, int] = {}
    for run_id, unit_id, scope, m in session.execute(select(CarbonRun.id, CarbonRun.unit_id, CarbonRun.scope, CarbonRun.month).where(
            CarbonRun.year == year, CarbonRun.scope.in_(("unit_month", "unit_year")))):
        key = (unit_id, scope, m)
        latest[key] = max(latest.get(key, 0), run_id)
    runs = [rid for (_u, scope, m), rid in latest.items() if month is None or (scope == "unit_month" and m == month)]
    if not runs:
        return []
    return sorted(session.scalars(select(CarbonCheck.id).where(CarbonCheck.run_id.in_(runs), CarbonCheck.status == "fail")))
