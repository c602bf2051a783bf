"""Evaluate stored samples by their survey's standard (one function per standard's call, so a
change of the standards' signatures is adapted in one place)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.soil.models import SoilPlot, SoilPoint, SoilResult, SoilSample, SoilSurvey
from qingshan.landwaste.soil.registry import plot_background
from qingshan.standards import gb15618, gb36600
from qingshan.standards.soil_values import Reading, parse_ph, parse_reading

SampleResult = gb15618.SampleResult | gb36600.SampleResult


@dataclass(frozen=True)
class EvaluatedSample:
    sample: SoilSample
    point: SoilPoint
    survey: SoilSurvey
    plot: SoilPlot | None
    result: SampleResult

    @property
    def class_key(self) -> str:
        """``1``/``2``/``3`` (GB 15618) or ``below_screening``/``between``/``above_intervention``
        (GB 36600); ``undetermined`` when no item could be classed."""
        c = self.result.sample_class
        return str(c) if c is not None else "undetermined"

    @property
    def rank(self) -> int | None:
        """Worse is higher; None when undetermined."""
        c = self.result.sample_class
        if c is None:
            return None
        return int(c) if self.survey.standard == "gb15618" else gb36600.ITEM_CLASSES.index(c) + 1


def readings_of(results: Sequence[SoilResult]) -> tuple[dict[str, Reading], list[str]]:
    """Stored results → readings keyed by canonical item, and the items without a value."""
    readings, no_limit = {}, []
    for r in results:
        if r.item_key.startswith("-"):
            no_limit.append(r.item_text)
        else:
            readings[r.item_key] = parse_reading(r.value_text, r.unit_text, r.detection_limit_text)
    return readings, no_limit


def classify_stored(sample: SoilSample, point: SoilPoint, survey: SoilSurvey, plot: SoilPlot | None,
                    results: Sequence[SoilResult]) -> SampleResult:
    readings, no_limit = readings_of(results)
    if survey.standard == "gb15618":
        ph, _why = parse_ph(sample.ph_text)
        return gb15618.classify_sample(sample.code, point.land_use, ph, readings, no_limit_items=no_limit)
    land_class, note = gb36600.parse_land_class(point.land_use)
    return gb36600.classify_sample(sample.code, readings, land_class, survey.stage or "detailed",
                                   background_values=plot_background(plot), no_limit_items=no_limit,
                                   land_class_note=note)


def evaluate_samples(session: Session, *, survey_code: str | None = None, point_codes: Sequence[str] | None = None,
                     sample_codes: Sequence[str] | None = None) -> list[EvaluatedSample]:
    """Every stored sample (optionally of one survey, some points or some samples), classified."""
    q = (select(SoilSample, SoilPoint, SoilSurvey)
         .join(SoilPoint, SoilSample.point_id == SoilPoint.id)
         .join(SoilSurvey, SoilPoint.survey_id == SoilSurvey.id))
    if survey_code:
        q = q.where(SoilSurvey.code == survey_code)
    if point_codes is not None:
        q = q.where(SoilPoint.code.in_(list(point_codes)))
    if sample_codes is not None:
        q = q.where(SoilSample.code.in_(list(sample_codes)))
    rows = session.execute(q.order_by(SoilSample.code)).all()
    ids = [s.id for s, _p, _v in rows]
    results: dict[int, list[SoilResult]] = {}
    for r in session.scalars(select(SoilResult).where(SoilResult.sample_id.in_(ids)).order_by(SoilResult.id)) if ids else ():
        results.setdefault(r.sample_id, []).append(r)
    plots = {p.id: p for p in session.scalars(select(SoilPlot))}
    out = []
    for sample, point, survey in rows:
        plot = plots.get(point.plot_id) if point.plot_id else None
        out.append(EvaluatedSample(sample, point, survey, plot,
                                   classify_stored(sample, point, survey, plot, results.get(sample.id, []))))
    return out


def ph_value(sample: SoilSample) -> Fraction | None:
    return parse_ph(sample.ph_text)[0]
