"""Reads of the water domain for the pages, the JSON API and the portal (plain dicts).

The figures come from the ONE evaluation chain (:func:`qingshan.water.evaluation.evaluate_periods`
and :func:`qingshan.water.report.build_report`); this module only shapes them:

* :func:`sections` — the registry with each section's target of a year;
* :func:`section_detail` — one section with its targets of every year and its rectifications;
* :func:`section_series` — the section's monthly evaluation values of a year, item by item,
  with each item's GB 3838 class limits (water.md §1) and its class per month;
* :func:`class_grid` — month × section classes of a year (water.md §3 per month);
* :func:`class_legend` — the class → status/colour table (water.md §3, versioned rule table).

Values are texts as published (water.md §8: the exact mean rounded once); the pH class is the
class of the unrounded mean, which is given beside the published pH.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from fractions import Fraction

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from qingshan.core.errors import NotFound
from qingshan.standards import gb3838
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.water.evaluation import evaluate_periods
from qingshan.water.models import Observation, Rectification, Section, SectionTarget
from qingshan.water.registry import FIELDS, LABELS, sections_frame, targets
from qingshan.water.store import WaterStore

#: water-body labels (GB 3838 §1: the TP column depends on it)
WATER_BODY_LABELS = dict(gb3838.WATER_BODY_LABELS)
#: items the section page charts first (the ones that decide most classes); the rest follow
CHART_FIRST: tuple[str, ...] = ("do", "codmn", "cod", "bod5", "nh3n", "tp")


def decimal_text(x: Fraction | None) -> str:
    """An exact limit as the standard writes it (0.00005, 1, 7.5); only for terminating decimals."""
    if x is None:
        return ""
    x = Fraction(x)
    for d in range(0, 10):
        if (x * 10**d).denominator == 1:
            n = int(x * 10**d)
            if d == 0:
                return str(n)
            sign, n = ("-" if n < 0 else ""), abs(n)
            return f"{sign}{n // 10**d}.{n % 10**d:0{d}d}"
    return str(float(x))


def class_legend(settings: WaterSettings = DEFAULT_SETTINGS) -> dict:
    """Class → label, status, colour name and RGB (water.md §3) with the table's version and status
    (the colours are UNCONFIRMED: the method names colours, no RGB)."""
    t = settings.rules["status"]
    table = settings.rules.status_table
    rows = [{"class": k, "label": gb3838.class_label(k), "status": v["status"], "colour": v["colour"], "rgb": v["rgb"],
             "text": "#000" if k in (4, 5) else "#fff"} for k, v in sorted(table.items())]
    return {"rows": rows, "version": t.version, "status": t.status, "source": t.source}


def _engine(store: WaterStore | Engine) -> Engine:
    return store.engine if isinstance(store, WaterStore) else store


def sections(store: WaterStore | Engine, year: int | None = None, *, active_only: bool = False) -> list[dict]:
    """Registered sections (registry order) with ``target_class``/``target_label`` of ``year``."""
    eng = _engine(store)
    frame = sections_frame(eng, active_only=active_only)
    t = {c: k for c, _y, k in targets(eng, year).iter_rows()} if year is not None else {}
    out = []
    for r in frame.to_dicts():
        r["water_body_label"] = WATER_BODY_LABELS.get(r["water_body"], r["water_body"])
        r["target_class"] = t.get(r["code"])
        r["target_label"] = gb3838.class_label(r["target_class"])
        out.append(r)
    return out


def rectifications(store: WaterStore | Engine, section_code: str | None = None) -> list[dict]:
    """Rectification items opened from the water pages, newest first."""
    with Session(_engine(store)) as s:
        q = select(Rectification).order_by(Rectification.created_at.desc(), Rectification.id.desc())
        if section_code is not None:
            q = q.where(Rectification.section_code == section_code)
        return [rectification_out(r) for r in s.scalars(q)]


def rectification_out(r: Rectification) -> dict:
    return {"id": r.id, "section_code": r.section_code, "period_start": r.period_start, "period_end": r.period_end,
            "period": r.period, "reason": r.reason, "ledger_item_id": r.ledger_item_id,
            "ledger_item_code": r.ledger_item_code, "created_by": r.created_by, "created_at": r.created_at}


def section_detail(store: WaterStore | Engine, code: str) -> dict:
    """One section: its fields (with Chinese labels), targets of every year, rectifications."""
    eng = _engine(store)
    with Session(eng) as s:
        sec = s.scalar(select(Section).where(Section.code == code))
        if sec is None:
            raise NotFound(f"断面编码「{code}」未登记。")
        row = {f: getattr(sec, f) for f in FIELDS}
        tg = [{"year": y, "target_class": k, "target_label": gb3838.class_label(k)}
              for y, k in s.execute(select(SectionTarget.year, SectionTarget.target_class)
                                    .where(SectionTarget.section_id == sec.id).order_by(SectionTarget.year))]
    row["water_body_label"] = WATER_BODY_LABELS.get(row["water_body"], row["water_body"])
    return {"section": row, "labels": dict(LABELS), "targets": tg, "rectifications": rectifications(eng, code)}


def _months(year: int, through_month: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, through_month + 1)]


def _year_window(year: int, through_month: int) -> tuple[datetime, datetime]:
    end = date(year + (through_month == 12), through_month % 12 + 1, 1)
    return datetime(year, 1, 1), datetime(end.year, end.month, 1)


def section_series(store: WaterStore, code: str, year: int, through_month: int = 12, *,
                   settings: WaterSettings = DEFAULT_SETTINGS) -> dict:
    """The monthly evaluation of one section over ``year`` (months 1…``through_month``).

    Returns ``months`` (labels), ``classes`` (class per month, None without data), ``targets``,
    and ``items``: per item its name, unit, direction, the class limits of Table 1 (lake TP
    column for lakes and reservoirs), the published value and the class of every month, and the
    numbers the chart draws (pH: the unrounded [H⁺] mean; the table shows both).
    """
    eng = store.engine
    secs = sections_frame(eng).filter(pl.col("code") == code)
    if secs.is_empty():
        raise NotFound(f"断面编码「{code}」未登记。")
    water_body = secs["water_body"][0]
    lake = gb3838.is_lake(water_body)
    t0, t1 = _year_window(year, through_month)
    obs = store.observations([code], t0, t1)
    months = _months(year, through_month)
    ev = evaluate_periods(obs, secs, kind="month", targets=targets(eng, year), settings=settings)
    by_month = {r["period_start"]: r for r in ev.sections.to_dicts()}
    means: dict[tuple[date, str], dict] = {(r["period_start"], r["item"]): r for r in ev.means.to_dicts()}
    present = {item for (_, item) in means}
    order = [c for c in CHART_FIRST if c in present] + [
        c for c in gb3838.ITEM_CODES if c in present and c not in CHART_FIRST]
    items = []
    for c in order:
        it = gb3838.ITEM[c]
        # TN has a class only for lakes and reservoirs (water.md §2): no limits drawn for a river
        lim = None if (c == "tn" and not lake) else it.limits_for(lake)
        values, plot, classes = [], [], []
        for m in months:
            r = means.get((m, c))
            ok = r is not None and r["sufficient"] and r["value_nano"] is not None
            values.append(r["published"] if ok else None)
            if ok and c == "ph" and r["ph_exact"]:
                plot.append(float(r["ph_exact"][:12]))
            else:
                plot.append(float(Fraction(r["value_nano"], 10**9)) if ok else None)
            sec = by_month.get(m) or {}
            k = sec.get(f"cls_{c}") if c in gb3838.EVALUATED_ITEMS else sec.get(f"{c}_class")
            classes.append(k if ok else None)
        items.append({
            "code": c, "name": it.name, "unit": it.unit, "direction": it.direction,
            "evaluated": c in gb3838.EVALUATED_ITEMS,
            "limits": [decimal_text(x) for x in lim] if lim is not None else [],
            "values": values, "plot": plot, "classes": classes,
            "ph_exact": [((means.get((m, c)) or {}).get("ph_exact") or "")[:6] if c == "ph" else "" for m in months],
        })
    month_rows = []
    for m in months:
        r = by_month.get(m)
        month_rows.append({
            "month": m, "label": f"{m.month}月", "class": r["class"] if r else None,
            "class_label": gb3838.class_label(r["class"]) if r else "",
            "status": (r or {}).get("status"), "target_class": (r or {}).get("target_class"),
            "attained": (r or {}).get("attained"), "main_pollutants_label": (r or {}).get("main_pollutants_label") or "",
            "partial": bool((r or {}).get("partial")), "limit_tie": bool((r or {}).get("limit_tie")),
        })
    return {"code": code, "year": year, "water_body": water_body, "months": month_rows, "items": items,
            "rules_version": ev.rules_version, "rules_status": ev.rules_status,
            "demo": bool((obs["source"] == "demo").any()) if not obs.is_empty() else False}


def class_grid(store: WaterStore, year: int, through_month: int = 12, *,
               settings: WaterSettings = DEFAULT_SETTINGS, county_names: dict[str, str] | None = None) -> dict:
    """Month × section classes of ``year`` (water.md §3 on each month's evaluation values).

    ``rows``: one per active section (county, river, seq order) with ``classes`` (per month, None
    without data) and ``attained``; ``months``: the month labels.
    """
    eng = store.engine
    secs = sections_frame(eng, active_only=True)
    t0, t1 = _year_window(year, through_month)
    obs = store.observations(start=t0, end=t1)
    months = _months(year, through_month)
    ev = evaluate_periods(obs, secs, kind="month", targets=targets(eng, year), settings=settings)
    cell = {(r["section"], r["period_start"]): r for r in ev.sections.select(
        "section", "period_start", "class", "attained", "target_class").to_dicts()}
    names = county_names or {}
    rows = []
    for s in secs.sort(["county_code", "river", "seq", "code"], nulls_last=True).to_dicts():
        cs = [cell.get((s["code"], m)) for m in months]
        rows.append({
            "code": s["code"], "name": s["name"], "river": s["river"], "county_code": s["county_code"],
            "county_name": names.get(s["county_code"] or "", s["county_code"] or ""),
            "control_level": s["control_level"], "demo": bool(s["demo"]),
            "classes": [c["class"] if c else None for c in cs],
            "labels": [gb3838.class_label(c["class"]) if c else "" for c in cs],
            "attained": [c["attained"] if c else None for c in cs],
        })
    return {"year": year, "months": [f"{m.month}月" for m in months], "rows": rows,
            "rules_version": ev.rules_version, "rules_status": ev.rules_status,
            "demo": bool((obs["source"] == "demo").any()) if not obs.is_empty() else False}


def latest_month(store: WaterStore, before: date) -> date | None:
    """The first day of the latest month before ``before`` holding any observation."""
    with Session(store.engine) as s:
        t = s.scalar(select(func.max(Observation.time)).where(
            Observation.time < datetime(before.year, before.month, before.day)))
    return None if t is None else date(t.year, t.month, 1)


def month_range(first: date) -> tuple[date, date]:
    return first, date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def public_sections(rows: Sequence) -> list[dict]:
    """What the public portal shows of a report's sections: no targets' internals, no notes."""
    return [{"name": r.name, "river": r.river, "county_name": r.county_name, "control_level": r.control_level,
             "class": r.class_, "class_label": r.class_label, "status": r.status, "colour": r.colour,
             "main_pollutants_label": r.main_pollutants_label, "demo": r.demo, "code": r.code}
            for r in rows if r.class_ is not None]
