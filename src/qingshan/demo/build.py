"""Building the Datong demo database: migrate, register stations, write the synthetic series.

Each step calls the module that owns it — :mod:`qingshan.store.migrate`,
:class:`qingshan.store.registry.StationRegistry`, :class:`qingshan.store.observations.ObservationStore`
— and adds nothing of its own but the demo's data. Every step is idempotent: running the demo
twice (same seed) leaves the same database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from qingshan.demo import stations as demo_st
from qingshan.demo.synthetic import SOURCE

#: ``notes`` of every synthetic station in the registry (shown wherever the registry is shown).
SYNTHETIC_NOTE = "演示虚构站点：大同市六县均无国控站点，为演示区县排名而设，位于县政府驻地附近（DataV 中心点），数据为合成数据"


@dataclass(frozen=True)
class Registered:
    real: int
    synthetic: int
    divisions: int


def migrate_database(url: str) -> None:
    """Bring the schema to the head of every Alembic branch (air, hj212, web…)."""
    from qingshan.store.migrate import upgrade

    upgrade(url)


def register_stations(url: str) -> Registered:
    """Register Datong's divisions, its 10 CNEMC stations with their districts, and the synthetic county stations."""
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry(url)
    try:
        n_div = reg.load_divisions(
            demo_st.data_path(demo_st.DIVISIONS_FILE), city_code=demo_st.CITY_CODE, city_name=demo_st.CITY_NAME
        )
        real = demo_st.real_stations()
        reg.register(real.select("code", "name", "city_name", "city_code", "lon", "lat"), source="cnemc")
        # District assignment is the bureau's explicit decision: from the mapping file (FACTS.md §2).
        reg.assign_from_mapping(demo_st.data_path(demo_st.DISTRICTS_FILE), city_name=demo_st.CITY_NAME)
        syn = demo_st.synthetic_stations()
        reg.register(syn.select("code", "name", "city_name", "city_code", "lon", "lat"), source=SOURCE)
        for row in syn.iter_rows(named=True):
            reg.set(
                row["code"],
                county_code=row["county_code"],
                county_name=row["county_name"],
                city_code=demo_st.CITY_CODE,
                city_name=demo_st.CITY_NAME,
                kind="synthetic",
                notes=SYNTHETIC_NOTE,
            )
    finally:
        reg.close()
    return Registered(real=real.height, synthetic=syn.height, divisions=n_div)


def registry_frame(url: str) -> pl.DataFrame:
    """The city's stations as the registry now holds them (the evaluation reads this)."""
    from qingshan.store.registry import StationRegistry

    reg = StationRegistry(url, auto_migrate=False)
    try:
        return reg.stations_frame(demo_st.CITY_CODE)
    finally:
        reg.close()


def month_chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """Split a series into calendar-month pieces (by the natural day of each hour-end label)."""
    key = (pl.col("time") - pl.duration(hours=1)).dt.strftime("%Y-%m")
    parts = frame.with_columns(_m=key).partition_by("_m", maintain_order=True, as_dict=True)
    return [parts[k].drop("_m") for k in sorted(parts)]


def write_series(
    url: str, frame: pl.DataFrame | list[pl.DataFrame], on_chunk: Callable[[str, int], None] | None = None
) -> int:
    """Write the synthetic series month by month (one transaction each); returns values written.

    ``frame`` is the whole series or its :func:`month_chunks` already split.
    """
    from qingshan.store.observations import ObservationStore

    chunks = frame if isinstance(frame, list) else month_chunks(frame)
    store = ObservationStore(url, auto_migrate=False)
    total = 0
    try:
        for chunk in chunks:
            n = store.write(chunk, source=SOURCE)
            total += n
            if on_chunk is not None:
                day = chunk["time"].min()
                on_chunk(f"{day:%Y-%m}", n)
    finally:
        store.close()
    return total


def stored_count(url: str) -> int:
    """Number of synthetic demo values in the store (every station and period)."""
    from qingshan.store.observations import ObservationStore

    store = ObservationStore(url, auto_migrate=False)
    try:
        return store.count(sources=[SOURCE])
    finally:
        store.close()


def other_observations(url: str) -> int:
    """Number of stored values that are NOT demo data (imports, real monitoring…)."""
    from qingshan.store.observations import ObservationStore

    store = ObservationStore(url, auto_migrate=False)
    try:
        return store.count() - store.count(sources=[SOURCE])
    finally:
        store.close()


def read_hourly(url: str, codes: list[str], start: date, end: date) -> pl.DataFrame:
    """Hourly frame (exact rationals) of ``codes`` for the natural days ``start`` … ``end``."""
    from datetime import datetime, time, timedelta

    from qingshan.store.observations import ObservationStore

    store = ObservationStore(url, auto_migrate=False)
    try:
        return store.hourly_frame(
            codes,
            start=datetime.combine(start, time(1)),
            end=datetime.combine(end + timedelta(days=1), time(0)),
            sources=[SOURCE],
        )
    finally:
        store.close()
