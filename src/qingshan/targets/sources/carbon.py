"""Seam to the carbon domain (carbon.md §8.4; assessment-bulletin.md §3.5, §4.3 item 3).

The carbon domain provides the city's CO2-intensity reduction for the year as carbon.md §8.4
tracks it: the annual reduction r and the cumulative R, in % with 2 decimals, the status
(green/yellow/red, ``progress_warning``) and the official inputs' source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Co2Intensity:
    year: int
    r_pub: str | None  # annual reduction %, 2 decimals
    R_pub: str | None  # cumulative reduction since the plan base year, %, 2 decimals
    status: str | None  # green | yellow | red (carbon.md §8.4), None when not assessable
    source: str  # statistics/development-authority documents behind E and the GDP index


def read(url: str | None, year: int) -> Co2Intensity | None:
    """The year's CO2-intensity figures, or None until the carbon domain is connected (暂无数据)."""
    return None
