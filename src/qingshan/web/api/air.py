"""Air figures for the workspace, from the observation store (exact decimal text, no floats)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from qingshan import exact
from qingshan.store.observations import ObservationStore
from qingshan.web.api.schemas import AirLatestOut
from qingshan.web.deps import InternalUser, Settings

router = APIRouter(prefix="/api/air", tags=["空气 air"])


def _micro_to_text(value) -> str | None:
    # observation values are integers of 10^-6 units (qingshan.exact.SCALE); exact decimal text
    if value is None:
        return None
    sign, v = ("-" if value < 0 else ""), abs(int(value))
    whole, frac = divmod(v, 10**6)
    return f"{sign}{whole}" + (f".{frac:06d}".rstrip("0") if frac else "")


def _value_to_text(value):
    """A store value → exact decimal text: rational ``{num, den}`` structs (what the observation
    store returns) and plain micro-unit integers alike; other values pass through."""
    if isinstance(value, dict) and "num" in value:
        f = exact.to_fraction(value)
        if f is None:
            return None
        micro = f * exact.SCALE
        return _micro_to_text(int(micro)) if micro.denominator == 1 else exact.fraction_to_str(f, 6)
    if isinstance(value, bool) or not isinstance(value, int):
        return value.isoformat() if hasattr(value, "isoformat") else value
    return _micro_to_text(value)


@router.get("/latest", response_model=AirLatestOut, summary="各站点最新一小时浓度（来自观测库）")
def latest(request: Request, user: InternalUser, settings: Settings) -> dict:
    store = ObservationStore(settings.database_url, auto_migrate=False, engine=request.app.state.engine)
    frame = store.latest()
    rows = []
    for rec in frame.to_dicts():
        rows.append({k: (v if k == "batch_id" else _value_to_text(v)) for k, v in rec.items()})
    return {"stations": rows, "unit_note": "浓度单位：μg/m³（CO 为 mg/m³），数值为观测库中的精确十进制值"}
