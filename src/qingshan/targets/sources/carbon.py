"""Seam to the carbon domain (carbon.md §8.4; assessment-bulletin.md §3.5, §4.3 item 3).

The carbon domain provides the city's CO2-intensity reduction for the year as carbon.md §8.4
tracks it: the annual reduction r and the cumulative R, in % with 2 decimals, the status
(green/yellow/red, ``progress_warning``) and the official inputs' source.

Connected: :func:`read` takes the latest period of the year already over on the bureau's date
(the year, else 1—9/1—6/1—3月 estimated as :func:`qingshan.carbon.report.co2_intensity_status`
does) from :func:`qingshan.carbon.queries.intensity_for_year`, and its runs are stored like
every carbon computation. The seam is by year only (``other_targets`` passes ``d.year``), so a
bulletin re-drawn later in the year shows the latest quarter then available; a published
bulletin keeps its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qingshan.carbon import queries
from qingshan.config import database_url
from qingshan.core import clock
from qingshan.store.db import engine_for


@dataclass(frozen=True)
class Co2Intensity:
    year: int
    r_pub: str | None  # annual reduction %, 2 decimals
    R_pub: str | None  # cumulative reduction since the plan base year, %, 2 decimals
    status: str | None  # green | yellow | red (carbon.md §8.4), None when not assessable
    source: str  # statistics/development-authority documents behind E and the GDP index


def read(url: str | None, year: int) -> Co2Intensity | None:
    """The year's CO2-intensity figures, or None when the carbon domain has none (暂无数据)."""
    with Session(engine_for(url or database_url()), expire_on_commit=False) as session:
        st = queries.intensity_for_year(session, year, as_of=clock.today())
        source = queries.intensity_source(session, st) if st is not None else ""
        session.commit()  # the runs behind the figures, like every carbon computation
    if st is None:
        return None
    return Co2Intensity(year=year, r_pub=st.r, R_pub=st.R, status=st.status, source=source)
