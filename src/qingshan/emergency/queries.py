"""Read side of the emergency domain (lists of things for pages, the CLI and the API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.emergency import alerts as alert_svc
from qingshan.emergency.models import Alert, EmergencyList, ForecastBatch, Notice, Verification
from qingshan.standards.alert_levels import iso


def alerts(session: Session, *, city: str | None = None, status: str | None = None, limit: int = 200) -> list[dict]:
    q = select(Alert).order_by(Alert.start.desc(), Alert.id.desc()).limit(limit)
    if city:
        q = q.where(Alert.city == city)
    if status:
        q = q.where(Alert.status == status)
    return [alert_svc.describe(a) for a in session.scalars(q)]


def batches(session: Session, *, kind: str = "forecast", limit: int = 100) -> list[dict]:
    q = (select(ForecastBatch).where(ForecastBatch.kind == kind)
         .order_by(ForecastBatch.run_time.desc(), ForecastBatch.id.desc()).limit(limit))
    return [{"id": b.id, "kind": b.kind, "filename": b.filename, "run_time": iso(b.run_time), "source": b.source,
             "rows": b.n_rows, "cities": b.n_cities, "warnings": len(b.warnings or []), "demo": b.demo}
            for b in session.scalars(q)]


def emergency_lists(session: Session) -> list[dict]:
    return [{"id": x.id, "name": x.name, "city": x.city, "season": x.season, "status": x.status,
             "filename": x.filename, "imported_at": x.imported_at.isoformat(), "demo": x.demo}
            for x in session.scalars(select(EmergencyList).order_by(EmergencyList.id.desc()))]


def notices(session: Session, *, active_at: datetime | None = None) -> list[dict]:
    out = []
    for n in session.scalars(select(Notice).order_by(Notice.start.desc())):
        if active_at is not None and not (n.start <= active_at and (n.end is None or active_at < n.end)):
            continue
        out.append({"id": n.id, "source": n.source, "issuer": n.issuer, "document_no": n.document_no,
                    "cities": n.cities, "level": n.level, "start": iso(n.start), "end": iso(n.end),
                    "lift_document_no": n.lift_document_no})
    return out


def verifications(session: Session, alert_id: int) -> list[dict]:
    q = select(Verification).where(Verification.alert_id == alert_id).order_by(Verification.evaluated_at.desc())
    return [{"id": v.id, "evaluated_at": iso(v.evaluated_at), "provisional": v.provisional, "summary": v.summary,
             "tables": v.tables} for v in session.scalars(q)]
