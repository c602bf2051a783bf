"""The demo's station list: Datong's 10 real CNEMC stations and 6 labelled synthetic county stations.

Everything is read from the packaged copies in ``qingshan/demo/data`` (provenance in
``data/SOURCES.md``), so the demo works without the developers' ``../shared`` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl

CITY_CODE = "140200"
CITY_NAME = "大同市"

CNEMC_FILE = "cnemc_datong_2022-01-02T09.csv"
DISTRICTS_FILE = "datong_air_stations.csv"
DIVISIONS_FILE = "datong_divisions.csv"
SYNTHETIC_FILE = "synthetic_county_stations.csv"

#: Marker every synthetic station name ends with (and every user-facing label of synthetic data uses).
SYNTHETIC_MARK = "（演示站点）"

REGISTRY_COLUMNS = [
    "code",
    "name",
    "city_code",
    "city_name",
    "county_code",
    "county_name",
    "lon",
    "lat",
    "is_control",
    "synthetic",
]


def data_path(name: str) -> Path:
    """Filesystem path of a packaged demo data file."""
    return Path(str(resources.files("qingshan.demo") / "data" / name))


def _read(name: str) -> pl.DataFrame:
    # Codes such as 140213 and 1721A must stay text, never be parsed as numbers.
    return pl.read_csv(data_path(name), infer_schema_length=0)


def divisions() -> pl.DataFrame:
    """The 10 county-level divisions of 大同市 (GB/T 2260 code, name, kind, DataV centre)."""
    d = _read(DIVISIONS_FILE)
    return d.filter(pl.col("kind").is_in(["区", "县"])).select(
        pl.col("code"),
        pl.col("name"),
        pl.col("kind"),
        pl.col("datav_center_lon").cast(pl.Float64).alias("lon"),
        pl.col("datav_center_lat").cast(pl.Float64).alias("lat"),
    )


def real_stations() -> pl.DataFrame:
    """Datong's 10 national stations: registry fields from the CNEMC rows, district from air_stations.csv."""
    cnemc = _read(CNEMC_FILE).filter(pl.col("area") == CITY_NAME)
    districts = _read(DISTRICTS_FILE).select(
        pl.col("stationcode"), pl.col("district").alias("county_name"), pl.col("district_code").alias("county_code")
    )
    return (
        cnemc.join(districts, on="stationcode", how="left")
        .select(
            pl.col("stationcode").alias("code"),
            pl.col("positionname").alias("name"),
            pl.lit(CITY_CODE).alias("city_code"),
            pl.col("area").alias("city_name"),
            pl.col("county_code"),
            pl.col("county_name"),
            pl.col("longitude").cast(pl.Float64).alias("lon"),
            pl.col("latitude").cast(pl.Float64).alias("lat"),
            pl.col("positionname").str.contains("对照点", literal=True).alias("is_control"),
            pl.lit(False).alias("synthetic"),
        )
        .sort("code")
    )


def synthetic_stations() -> pl.DataFrame:
    """One invented station per county (none of the six counties has a national station)."""
    s = _read(SYNTHETIC_FILE)
    return s.select(
        pl.col("code"),
        pl.col("name"),
        pl.lit(CITY_CODE).alias("city_code"),
        pl.lit(CITY_NAME).alias("city_name"),
        pl.col("county_code"),
        pl.col("county_name"),
        pl.col("longitude").cast(pl.Float64).alias("lon"),
        pl.col("latitude").cast(pl.Float64).alias("lat"),
        pl.lit(False).alias("is_control"),
        (pl.col("synthetic") == "true").alias("synthetic"),
    ).sort("code")


def demo_stations() -> pl.DataFrame:
    """All demo stations in registry shape (:data:`REGISTRY_COLUMNS`): real first, then synthetic."""
    return pl.concat([real_stations(), synthetic_stations()]).select(REGISTRY_COLUMNS)
