"""Recording computations: every run keeps its settings, the factor rows it used and its exact results.

A figure is stored as ``{"exact": "num/den", "published": "2833469", "unit": "tCO2"}``: the exact
value (so nothing is lost) and the published text (rounded once, half-even, carbon.md §2). A run's
``factors`` are the :meth:`Factor.ref` records (table, key, param, value, unit, validity, version,
status, source). Re-running identical inputs reuses the stored run (same digest), so "latest run"
always means "latest distinct result".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.carbon.models import CarbonCheck, CarbonRun
from qingshan.standards.carbon_checks import CheckResult
from qingshan.standards.carbon_common import fraction_text, publish
from qingshan.standards.carbon_factors import Factor


def fig(x: Fraction | Decimal | None, decimals: int, unit: str) -> dict:
    """A stored figure: exact text, published text (half-even), unit."""
    if x is None:
        return {"exact": None, "published": "—", "unit": unit}
    exact = str(x) if isinstance(x, Decimal) else fraction_text(x)
    return {"exact": exact, "published": publish(x, decimals), "unit": unit}


def pct(x: Fraction | Decimal | None, decimals: int = 2) -> dict:
    """A fraction stored as a percentage figure."""
    if x is None:
        return {"exact": None, "published": "—", "unit": "%"}
    exact = str(x) if isinstance(x, Decimal) else fraction_text(x)
    return {"exact": exact, "published": publish(Fraction(x) * 100, decimals), "unit": "%"}


def factor_refs(factors: Iterable[Factor]) -> list[dict]:
    return [f.ref() | {"label": f.label} for f in factors]


def check_payload(c: CheckResult) -> dict:
    return {"check": c.check, "name": c.name, "status": c.status.value, "message": c.message, "values": c.values,
            "month": c.month}


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def store_run(session: Session, *, scope: str, year: int, month: int | None, unit_id: int | None, as_of: date | None,
              settings: dict, factors: Sequence[Factor], results: dict, inputs: dict, status: str | None,
              checks: Sequence[CheckResult] = ()) -> CarbonRun:
    """Store a run (and its checks) unless the latest run of the same subject is identical."""
    payload = {"scope": scope, "year": year, "month": month, "unit_id": unit_id, "settings": settings,
               "factors": factor_refs(factors), "results": results, "inputs": inputs, "status": status,
               "checks": [check_payload(c) for c in checks]}
    digest = _digest(payload)
    latest = session.scalar(select(CarbonRun).where(CarbonRun.scope == scope, CarbonRun.year == year,
                                              CarbonRun.month.is_(None) if month is None else CarbonRun.month == month,
                                              CarbonRun.unit_id.is_(None) if unit_id is None else CarbonRun.unit_id == unit_id)
                            .order_by(CarbonRun.id.desc()))
    if latest is not None and latest.digest == digest:
        return latest
    run = CarbonRun(scope=scope, unit_id=unit_id, year=year, month=month, status=status, settings=settings,
              factors=payload["factors"], results=results, inputs=inputs, as_of=as_of, digest=digest)
    session.add(run)
    session.flush()
    for c in checks:
        session.add(CarbonCheck(run_id=run.id, unit_id=unit_id, year=c.year, month=c.month, check_id=c.check,
                             status=c.status.value, message=c.message, values=c.values))
    session.flush()
    return run


def latest_run(session: Session, *, scope: str, year: int, month: int | None, unit_id: int | None) -> CarbonRun | None:
    return session.scalar(select(CarbonRun).where(CarbonRun.scope == scope, CarbonRun.year == year,
                                            CarbonRun.month.is_(None) if month is None else CarbonRun.month == month,
                                            CarbonRun.unit_id.is_(None) if unit_id is None else CarbonRun.unit_id == unit_id)
                          .order_by(CarbonRun.id.desc()))
