"""Registering surveys, plots and sampling points (validated before anything is written).

Update functions return ``(before, after)`` dicts of the changed fields, for the audit trail
the web layer writes (phase 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.landwaste.soil.models import SoilPlot, SoilPoint, SoilSurvey
from qingshan.standards import gb15618, gb36600

STANDARDS = {"gb15618": "GB 15618—2018（农用地）", "gb36600": "GB 36600—2018（建设用地）"}
#: Chinese land-use words accepted for GB 15618 points (soil-waste.md §2.2 ``farmland_use``)
FARMLAND_USE_WORDS = {
    "paddy": "paddy", "水田": "paddy", "other": "other", "旱地": "other", "水浇地": "other", "菜地": "other",
    "其他": "other", "orchard": "orchard", "果园": "orchard", "园地": "orchard",
    "paddy_dry_rotation": "paddy_dry_rotation", "水旱轮作": "paddy_dry_rotation",
}
LAND_CLASS_WORDS = {"1": "1", "2": "2", "第一类用地": "1", "第二类用地": "2", "一类": "1", "二类": "2", "": ""}


class SoilRegistryError(ValueError):
    """A registry item refused (Chinese message naming the field)."""


def _county(code: str | None) -> str | None:
    if code is None or not str(code).strip():
        return None
    c = str(code).strip()
    if not re.fullmatch(r"\d{6}", c):
        raise SoilRegistryError(f"区县代码「{c}」应为 6 位 GB/T 2260 数字代码（如 140215）")
    return c


def normalise_land_use(standard: str, text: str | None) -> str:
    """A point's land use: GB 15618 ``farmland_use`` or GB 36600 land class ``1``/``2``
    (empty: planned use unknown → evaluated as class 1, §3.1)."""
    t = (text or "").strip()
    if standard == "gb15618":
        if t.lower() in FARMLAND_USE_WORDS or t in FARMLAND_USE_WORDS:
            return FARMLAND_USE_WORDS.get(t.lower(), FARMLAND_USE_WORDS.get(t))
        raise SoilRegistryError(f"农用地类型「{t}」无效（水田、旱地/其他、果园、水旱轮作，或 paddy/other/orchard/paddy_dry_rotation）")
    if t in LAND_CLASS_WORDS:
        return LAND_CLASS_WORDS[t]
    raise SoilRegistryError(f"建设用地类别「{t}」无效（1 或 2；规划用途不明可留空，按第一类评价）")


def add_survey(session: Session, code: str, name: str, standard: str, *, year: int | None = None,
               stage: str | None = None, demo: bool = False, note: str | None = None) -> SoilSurvey:
    """Register a survey (已登记的编号不重复登记)."""
    if standard not in STANDARDS:
        raise SoilRegistryError(f"调查「{code}」：评价标准「{standard}」应为 gb15618 或 gb36600")
    if standard == "gb36600":
        stage = stage or "detailed"
        if stage not in gb36600.STAGES:
            raise SoilRegistryError(f"调查「{code}」：调查阶段「{stage}」应为 initial（初步调查）或 detailed（详细调查）")
    elif stage:
        raise SoilRegistryError(f"调查「{code}」：调查阶段只适用于建设用地（GB 36600）")
    existing = session.scalar(select(SoilSurvey).where(SoilSurvey.code == code))
    if existing is not None:
        return existing
    s = SoilSurvey(code=code, name=name, standard=standard, year=year, stage=stage, demo=demo, note=note)
    session.add(s)
    session.flush()
    return s


def add_plot(session: Session, survey: SoilSurvey, code: str, name: str | None = None, *, county_code: str | None = None,
             background_values: Mapping[str, str] | None = None, background_source: str | None = None,
             unit_class: str | None = None, demo: bool = False) -> SoilPlot:
    """Register a plot (地块 / 耕地单元). Background values (GB 36600 §3.5) need their source."""
    bg_json = None
    if background_values:
        if not background_source:
            raise SoilRegistryError(f"地块「{code}」：背景值须注明来源（soil-waste.md §3.5）")
        try:
            gb36600.BackgroundValues(dict(background_values), background_source).resolved()
        except ValueError as exc:
            raise SoilRegistryError(f"地块「{code}」：{exc}") from None
        bg_json = json.dumps({k: str(Fraction(v)) if not isinstance(v, str) else v for k, v in background_values.items()},
                             ensure_ascii=False)
    existing = session.scalar(select(SoilPlot).where(SoilPlot.code == code))
    if existing is not None:
        return existing
    p = SoilPlot(code=code, name=name or code, survey_id=survey.id, county_code=_county(county_code),
                 background_values=bg_json, background_source=background_source, unit_class=unit_class, demo=demo)
    session.add(p)
    session.flush()
    return p


def validate_coordinates(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None or not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise SoilRegistryError(f"坐标（{lon}, {lat}）不完整或不在中国境内（经度 73–136，纬度 3–54）")
    return lon, lat


def add_point(session: Session, survey: SoilSurvey, code: str, *, land_use: str | None, name: str | None = None,
              plot: SoilPlot | None = None, lon: float | None = None, lat: float | None = None,
              county_code: str | None = None, demo: bool = False) -> tuple[SoilPoint, bool]:
    """Register a sampling point; returns (point, created). An existing code keeps its record."""
    lu = normalise_land_use(survey.standard, land_use)
    lon, lat = validate_coordinates(lon, lat)
    county = _county(county_code)
    existing = session.scalar(select(SoilPoint).where(SoilPoint.code == code))
    if existing is not None:
        return existing, False
    p = SoilPoint(code=code, name=name, survey_id=survey.id, plot_id=plot.id if plot else None, land_use=lu,
                  lon=lon, lat=lat, county_code=county, demo=demo)
    session.add(p)
    session.flush()
    return p, True


POINT_FIELDS = ("name", "land_use", "lon", "lat", "county_code", "plot_id")


def update_point(session: Session, point: SoilPoint, changes: Mapping[str, object]) -> tuple[dict, dict]:
    """Change a point's fields; returns (before, after) of the changed fields (audit trail)."""
    unknown = set(changes) - set(POINT_FIELDS)
    if unknown:
        raise SoilRegistryError(f"点位没有字段：{'、'.join(sorted(unknown))}")
    survey = session.get(SoilSurvey, point.survey_id)
    clean = dict(changes)
    if "land_use" in clean:
        clean["land_use"] = normalise_land_use(survey.standard, clean["land_use"])  # type: ignore[arg-type]
    if "lon" in clean or "lat" in clean:
        clean["lon"], clean["lat"] = validate_coordinates(clean.get("lon", point.lon), clean.get("lat", point.lat))  # type: ignore[arg-type]
    if "county_code" in clean:
        clean["county_code"] = _county(clean["county_code"])  # type: ignore[arg-type]
    before = {k: getattr(point, k) for k in clean if getattr(point, k) != clean[k]}
    after = {k: clean[k] for k in before}
    for k, v in after.items():
        setattr(point, k, v)
    session.flush()
    return before, after


def plot_background(plot: SoilPlot | None) -> gb36600.BackgroundValues | None:
    if plot is None or not plot.background_values:
        return None
    return gb36600.BackgroundValues(json.loads(plot.background_values), plot.background_source or "")


def match_for(standard: str):
    """The item matcher of a standard."""
    return gb15618.match_item if standard == "gb15618" else gb36600.match_item
