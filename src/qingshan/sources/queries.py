"""Read side of the pollution-source registry: enterprises, outlets and which device is where.

Only the registry (:mod:`qingshan.sources.models`): the direction between the two domains is
``qingshan.hj212`` → ``qingshan.sources`` (the gateway authenticates devices against this
registry), so monitoring reads (packets, alarms) live with :mod:`qingshan.hj212` and a page that
shows both composes them (:mod:`qingshan.web.pages.sources`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.core.labels import OUTLET_KINDS, label
from qingshan.core.results import Result
from qingshan.sources.models import Device, Enterprise, Outlet


def enterprises(db: Session) -> Result:
    """Registered enterprises: ``id, name, uscc, industry, county_code, outlets`` (count)."""
    outlet_counts = dict(db.execute(select(Outlet.enterprise_id, func.count()).group_by(Outlet.enterprise_id)).all())
    rows = [
        {"id": e.id, "name": e.name, "uscc": e.uscc, "industry": e.industry or "", "county_code": e.county_code or "",
         "outlets": outlet_counts.get(e.id, 0)}
        for e in db.scalars(select(Enterprise).order_by(Enterprise.county_code, Enterprise.name))
    ]
    return Result(rows=rows, reason="" if rows else "尚未登记排污单位")


def outlets(db: Session, enterprise_id: int | None = None) -> Result:
    """Outlets with their enterprise: ``id, enterprise_id, enterprise, code, name, kind`` (废气/废水),
    ``lon, lat``."""
    stmt = select(Outlet, Enterprise.name).join(Enterprise, Enterprise.id == Outlet.enterprise_id)
    if enterprise_id:
        stmt = stmt.where(Outlet.enterprise_id == enterprise_id)
    rows = [
        {"id": o.id, "enterprise_id": o.enterprise_id, "enterprise": ename, "code": o.code, "name": o.name,
         "kind": label(OUTLET_KINDS, o.kind), "lon": o.lon, "lat": o.lat}
        for o, ename in db.execute(stmt.order_by(Enterprise.name, Outlet.code)).all()
    ]
    return Result(rows=rows, reason="" if rows else "尚未登记排放口")


def device_outlets(db: Session) -> dict[str, int | None]:
    """MN → outlet id of every registered device."""
    return dict(db.execute(select(Device.mn, Device.outlet_id)).all())


def where_is(db: Session) -> dict[str, dict[str, str]]:
    """MN → ``{enterprise, outlet}`` names (empty strings for a device without an outlet)."""
    by_outlet = {o["id"]: o for o in outlets(db).rows}
    out = {}
    for mn, outlet_id in device_outlets(db).items():
        o = by_outlet.get(outlet_id, {})
        out[mn] = {"enterprise": o.get("enterprise", ""), "outlet": o.get("name", "")}
    return out


def outlet_names(db: Session) -> dict[int, dict[str, str]]:
    """Outlet id → ``{enterprise, outlet}`` names."""
    return {o["id"]: {"enterprise": o["enterprise"], "outlet": o["name"]} for o in outlets(db).rows}
