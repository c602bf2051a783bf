"""Storage and landfill sites (GB 18599 class) and rate targets: validated before writing;
updates return (before, after) for the audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.waste.models import WasteSite, WasteTarget
from qingshan.sources.models import Enterprise
from qingshan.standards import solid_waste as sw


class WasteRegistryError(ValueError):
    """A site or target refused (Chinese message)."""


def add_site(session: Session, code: str, name: str, kind: str, gb18599_class: str, *, county_code: str | None = None,
             enterprise_uscc: str | None = None, waste_codes: str | None = None, status: str | None = "在用",
             stopped_on: date | None = None, lon: float | None = None, lat: float | None = None,
             demo: bool = False) -> WasteSite:
    """Register a 贮存场/填埋场 with its GB 18599—2020 class (Ⅰ or Ⅱ, soil-waste.md §4.4)."""
    if kind not in sw.SITE_KINDS:
        raise WasteRegistryError(f"场地「{code}」：类型「{kind}」应为 storage（贮存场）或 landfill（填埋场）")
    cls = {"I": "I", "Ⅰ": "I", "1": "I", "II": "II", "Ⅱ": "II", "2": "II"}.get(str(gb18599_class).strip().upper())
    if cls is None:
        raise WasteRegistryError(f"场地「{code}」：GB 18599 类别「{gb18599_class}」应为 I 或 II")
    if county_code is not None and not re.fullmatch(r"\d{6}", county_code):
        raise WasteRegistryError(f"场地「{code}」：区县代码「{county_code}」应为 6 位 GB/T 2260 代码")
    if status not in (None, "在用", "停用", "闭库"):
        raise WasteRegistryError(f"场地「{code}」：状态「{status}」应为 在用、停用 或 闭库")
    ent_id = None
    if enterprise_uscc:
        ent = session.scalar(select(Enterprise).where(Enterprise.uscc == enterprise_uscc.strip().upper()))
        if ent is None:
            raise WasteRegistryError(f"场地「{code}」：企业「{enterprise_uscc}」未登记")
        ent_id = ent.id
    for c in (waste_codes or "").split(";"):
        if c.strip():
            try:
                sw.parse_sw_code(c.strip())
            except sw.SwCodeError as exc:
                raise WasteRegistryError(f"场地「{code}」：{exc}") from None
    existing = session.scalar(select(WasteSite).where(WasteSite.code == code))
    if existing is not None:
        return existing
    site = WasteSite(code=code, name=name, kind=kind, gb18599_class=cls, county_code=county_code, enterprise_id=ent_id,
                     waste_codes=waste_codes, status=status, stopped_on=stopped_on, lon=lon, lat=lat, demo=demo)
    session.add(site)
    session.flush()
    return site


def closure_due(site: WasteSite) -> date | None:
    """GB 18599—2020: closure must start within 2 years after a site stops receiving waste."""
    if site.stopped_on is None:
        return None
    from qingshan.standards.cn_calendar import add_years

    return add_years(site.stopped_on, sw.CLOSURE_START_YEARS)


def set_target(session: Session, scope: str, scope_code: str, year: int, indicator: str, target_percent: str,
               source: str | None = None) -> tuple[dict, dict]:
    """Set a rate target (≥ percent); returns (before, after)."""
    if scope not in ("enterprise", "county", "city"):
        raise WasteRegistryError(f"目标范围「{scope}」应为 enterprise、county 或 city")
    if indicator not in ("utilisation", "disposal"):
        raise WasteRegistryError(f"指标「{indicator}」应为 utilisation（综合利用率）或 disposal（处置率）")
    try:
        pct = Fraction(str(target_percent).strip().rstrip("%"))
    except (ValueError, ZeroDivisionError):
        raise WasteRegistryError(f"目标值「{target_percent}」不是数字") from None
    if not 0 <= pct <= 100:
        raise WasteRegistryError(f"目标值 {target_percent} 应在 0–100 之间")
    text = str(target_percent).strip().rstrip("%")
    t = session.scalar(select(WasteTarget).where(WasteTarget.scope == scope, WasteTarget.scope_code == scope_code,
                                                 WasteTarget.year == year, WasteTarget.indicator == indicator))
    before: Mapping = {"target_percent": t.target_percent, "source": t.source} if t else {}
    if t is None:
        t = WasteTarget(scope=scope, scope_code=scope_code, year=year, indicator=indicator, target_percent=text, source=source)
        session.add(t)
    else:
        t.target_percent, t.source = text, source
    session.flush()
    return dict(before), {"target_percent": text, "source": source}


def list_sites(session: Session) -> list[dict]:
    """Storage and landfill sites with their GB 18599 class and closure deadline (read side)."""
    ents = {e.id: e for e in session.scalars(select(Enterprise))}
    out = []
    for st in session.scalars(select(WasteSite).order_by(WasteSite.county_code, WasteSite.code)):
        out.append({"code": st.code, "name": st.name, "kind": sw.SITE_KINDS[st.kind], "class": sw.CLASS_ZH[st.gb18599_class],
                    "county": st.county_code, "enterprise": ents[st.enterprise_id].name if st.enterprise_id else None,
                    "waste_codes": st.waste_codes, "status": st.status, "closure_due": closure_due(st), "demo": st.demo})
    return out
