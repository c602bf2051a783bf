"""The soil report builder: one builder for the CLI, the web pages (map and sample detail), the
bulletin and the demo. Returns plain dataclasses; nothing here formats for a medium.

* :func:`soil_overview` — points coloured by class (a point = its worst sample), plots
  summarised by their worst samples (GB 36600 plots also by the site decision of §3.4), and
  class counts per county.
* :func:`sample_detail` — one sample's items with content, S, G, class, P and multiple.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.landwaste.soil.evaluation import EvaluatedSample, evaluate_samples
from qingshan.landwaste.soil.models import SoilPlot, SoilPoint, SoilResult, SoilSample, SoilSurvey
from qingshan.standards import gb15618, gb36600
from qingshan.standards.soil_values import decimal_text

#: class key → (label, map colour). One table for pages, bulletin and demo.
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "1": ("优先保护类", "#2e7d32"), "2": ("安全利用类", "#f9a825"), "3": ("严格管控类", "#c62828"),
    "below_screening": ("不高于筛选值", "#2e7d32"), "between": ("筛选值～管制值之间", "#f9a825"),
    "above_intervention": ("高于管制值", "#c62828"), "undetermined": ("无法判定", "#9e9e9e"),
}


@dataclass(frozen=True)
class PointClass:
    code: str
    name: str | None
    survey: str
    standard: str
    county_code: str | None
    lon: float | None
    lat: float | None
    land_use: str | None
    class_key: str
    class_name: str
    colour: str
    worst_samples: tuple[str, ...]
    deciding_items: tuple[str, ...]
    samples: int
    demo: bool


@dataclass(frozen=True)
class PlotSummary:
    code: str
    name: str
    county_code: str | None
    standard: str
    class_key: str
    class_name: str
    worst_samples: tuple[str, ...]
    deciding_items: tuple[str, ...]
    samples: int
    points: int
    decision: str | None = None  # GB 36600 site decision (§3.4)
    decision_name: str | None = None
    decision_set_by: tuple[tuple[str, str], ...] = ()
    unit_class: str | None = None  # the 2019 guide's unit class as stored (UNCONFIRMED)
    demo: bool = False


@dataclass(frozen=True)
class SoilOverview:
    survey: str | None
    points: tuple[PointClass, ...]
    plots: tuple[PlotSummary, ...]
    counts_by_county: dict[str, dict[str, int]]
    table_versions: tuple[str, ...]
    incomplete_samples: int
    demo: bool
    legend: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(CLASS_STYLE))


def _worst(samples: list[EvaluatedSample]) -> tuple[str, list[EvaluatedSample]]:
    ranked = [s for s in samples if s.rank is not None]
    if not ranked:
        return "undetermined", []
    top = max(s.rank for s in ranked)
    worst = [s for s in ranked if s.rank == top]
    return worst[0].class_key, worst


def _items(worst: list[EvaluatedSample]) -> tuple[str, ...]:
    out: list[str] = []
    for s in worst:
        for i in s.result.deciding_items:
            if i not in out:
                out.append(i)
    return tuple(out)


def soil_overview(session: Session, *, survey_code: str | None = None) -> SoilOverview:
    """Points and plots with their classes (see the module doc)."""
    evaluated = evaluate_samples(session, survey_code=survey_code)
    by_point: dict[int, list[EvaluatedSample]] = {}
    by_plot: dict[int, list[EvaluatedSample]] = {}
    for e in evaluated:
        by_point.setdefault(e.point.id, []).append(e)
        if e.plot is not None:
            by_plot.setdefault(e.plot.id, []).append(e)
    points = []
    counts: dict[str, Counter] = {}
    for group in by_point.values():
        p, sv = group[0].point, group[0].survey
        key, worst = _worst(group)
        label, colour = CLASS_STYLE[key]
        points.append(PointClass(p.code, p.name, sv.code, sv.standard, p.county_code, p.lon, p.lat, p.land_use, key, label,
                                 colour, tuple(s.sample.code for s in worst), _items(worst), len(group), p.demo))
        counts.setdefault(p.county_code or "", Counter())[key] += 1
    plots = []
    for group in by_plot.values():
        pl_, sv = group[0].plot, group[0].survey
        key, worst = _worst(group)
        decision = name = None
        set_by: tuple = ()
        if sv.standard == "gb36600":
            site = gb36600.site_decision([e.result for e in group])
            decision, set_by = site.decision, site.set_by
            name = gb36600.DECISION_ZH.get(decision or "")
        plots.append(PlotSummary(pl_.code, pl_.name, pl_.county_code, sv.standard, key, CLASS_STYLE[key][0],
                                 tuple(s.sample.code for s in worst), _items(worst), len(group),
                                 len({e.point.id for e in group}), decision, name, set_by, pl_.unit_class, pl_.demo))
    versions = sorted({f"{e.result.table_version}（{e.result.table_status}）" for e in evaluated})
    return SoilOverview(survey_code, tuple(sorted(points, key=lambda x: x.code)), tuple(sorted(plots, key=lambda x: x.code)),
                        {k: dict(v) for k, v in sorted(counts.items())}, tuple(versions),
                        sum(e.result.status == "incomplete" for e in evaluated),
                        any(p.demo for p in points))


@dataclass(frozen=True)
class ItemRow:
    item: str
    name_zh: str
    content_mg_kg: str
    screening: str
    intervention: str
    item_class: str
    flag: str
    index: str
    multiple: str
    problem: str


@dataclass(frozen=True)
class SampleDetail:
    code: str
    point: str
    survey: str
    standard: str
    county_code: str | None
    ph: str | None
    ph_band: str | None
    land_use: str | None
    class_key: str
    class_name: str
    status: str
    deciding_items: tuple[str, ...]
    decision: str | None
    decision_name: str | None
    undetermined: tuple[tuple[str, str], ...]
    no_limit_items: tuple[str, ...]
    items: tuple[ItemRow, ...]
    table_version: str
    table_status: str
    demo: bool


def sample_detail(session: Session, code: str) -> SampleDetail | None:
    """One sample in full; None if unknown."""
    found = evaluate_samples(session, sample_codes=[code])
    if not found:
        return None
    e = found[0]
    r = e.result
    if e.survey.standard == "gb15618":
        frame = gb15618.items_frame([r]).to_dicts()
        rows = tuple(ItemRow(x["item"], x["name_zh"], x["content_mg_kg"], x["screening"], x["intervention"],
                             x["item_class"], x["flagged"], x["index"], x["multiple"], x["problem"]) for x in frame)
        decision = decision_name = None
        ph, band = (decimal_text(r.ph) if r.ph is not None else None), r.band
    else:
        frame = gb36600.items_frame([r]).to_dicts()
        rows = tuple(ItemRow(x["item"], x["name_zh"], x["content_mg_kg"], x["screening"], x["intervention"],
                             x["item_class"], x["background_exception"] and "背景值例外", x["index"], x["multiple"],
                             x["problem"]) for x in frame)
        decision, decision_name = r.decision, gb36600.DECISION_ZH.get(r.decision or "")
        ph, band = e.sample.ph_text, None
    key = e.class_key
    return SampleDetail(e.sample.code, e.point.code, e.survey.code, e.survey.standard, e.point.county_code, ph, band,
                        e.point.land_use, key, CLASS_STYLE[key][0], r.status, r.deciding_items, decision, decision_name,
                        r.undetermined, r.no_limit_items, rows, r.table_version, r.table_status, e.point.demo)


#: class keys above the screening value, and above the intervention value (GB 15618 §2.5, GB 36600 §3.4)
OVER_SCREENING = frozenset({"2", "3", "between", "above_intervention"})
OVER_INTERVENTION = frozenset({"3", "above_intervention"})


@dataclass(frozen=True)
class SampleCounts:
    """Samples evaluated up to a day, for the bulletin (soil-waste.md §2.5, §3.4).

    ``over_screening`` counts a sample whose class is above the screening value (GB 15618 class
    2 or 3; GB 36600 between or above intervention) or that has an item above its screening
    value without an intervention value (``flag_only``: Cu, Ni, Zn, Table 2 items)."""

    until: date
    assessed: int  # samples with a determined class
    over_screening: int
    over_intervention: int
    undetermined: int
    table_versions: tuple[str, ...]
    demo: bool


def sample_counts(session: Session, until: date) -> SampleCounts | None:
    """Samples taken on or before ``until`` (a sample without a sampling date counts when its
    survey's year is not after ``until``'s); None when there is none."""
    chosen = [e for e in evaluate_samples(session)
              if (e.sample.sampled_on <= until if e.sample.sampled_on is not None
                  else (e.survey.year is None or e.survey.year <= until.year))]
    if not chosen:
        return None
    determined = [e for e in chosen if e.class_key != "undetermined"]
    over = [e for e in determined
            if e.class_key in OVER_SCREENING or (isinstance(e.result, gb15618.SampleResult) and e.result.flagged)]
    return SampleCounts(until, len(determined), len(over),
                        sum(e.class_key in OVER_INTERVENTION for e in determined), len(chosen) - len(determined),
                        tuple(sorted({f"{e.result.table_version}（{e.result.table_status}）" for e in chosen})),
                        any(e.point.demo for e in chosen))


def data_version(session: Session) -> str:
    """A digest of everything :func:`soil_overview` depends on (surveys, plots, points with their
    attributes, and the samples' and results' counts and highest ids — a replaced result gets a new
    id): equal digests, equal overviews. Lets a page reuse an overview safely (classification is
    exact and per sample, ≈ 1,400 samples per CPU-second)."""
    digest = hashlib.sha256()
    for table in (SoilSurvey, SoilPlot, SoilPoint):
        for row in session.execute(select(table.__table__).order_by(table.__table__.c.id)):
            digest.update(repr(tuple(row)).encode())
    for table in (SoilSample, SoilResult):
        digest.update(repr(tuple(session.execute(select(func.count(), func.max(table.id), func.sum(table.id))).one())).encode())
    return digest.hexdigest()
