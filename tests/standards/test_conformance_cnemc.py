"""Conformance on real data: every CNEMC station-hour with a published AQI (air-aqi.md §8.2a).

For each station-hour of ../shared/data/cnemc/ that has a published AQI, our AQI and primary
pollutant string must equal the published ones exactly (100%). Rows without a published AQI
must get a null AQI, except the documented residuals below.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from qingshan.ingest.cnemc_format import read_cnemc
from qingshan.standards.hj633 import realtime_aqi

FILES = ("2022-01-02T09.csv", "2022-07-15T16.csv")

#: Station-hours with values but no published AQI, which the standard's rules cannot explain
#: (docs/air-aqi-notes.md): five have all six pollutants; three miss one and exceed 100 —
#: while six other published rows of the same files (same situation) do carry an AQI, so the
#: §10 "> 100 still published" branch holds and CNEMC withheld these for a reason not in the data.
WITHHELD = {
    "2022-01-02T09.csv": {"1433A", "1492A", "1610A", "1752A", "1768A", "2167A", "3521A"},
    "2022-07-15T16.csv": {"2320A"},
}
PUBLISHED_COUNTS = {"2022-01-02T09.csv": 1692, "2022-07-15T16.csv": 1574}


@pytest.fixture(scope="module", params=FILES)
def computed(request, cnemc_dir: Path):
    frame = read_cnemc(cnemc_dir / request.param)
    return request.param, realtime_aqi(frame, time_column="timepoint")


def test_every_published_aqi_and_primary_reproduced(computed):
    name, r = computed
    assert r["edition"].unique().to_list() == ["2012"]
    pub = r.filter(pl.col("published_aqi").is_not_null())
    aqi_ok = pub.filter(pl.col("aqi") == pl.col("published_aqi"))
    both_ok = aqi_ok.filter(pl.col("primary_pollutant") == pl.col("published_primary"))
    print(f"{name}: {pub.height} published station-hours, AQI equal {aqi_ok.height}, AQI and primary equal {both_ok.height}")
    assert pub.height == PUBLISHED_COUNTS[name]
    bad = pub.join(both_ok.select("stationcode"), on="stationcode", how="anti")
    assert bad.is_empty(), bad.select("stationcode", "published_aqi", "aqi", "published_primary", "primary_pollutant")
    # levels follow the published AQI bands (HJ 633—2012 Table 2)
    assert pub.filter(pl.col("level").is_null()).is_empty()


def test_unpublished_rows_get_no_aqi(computed):
    name, r = computed
    unpub = r.filter(pl.col("published_aqi").is_null())
    ours = unpub.filter(pl.col("aqi").is_not_null())
    print(f"{name}: {unpub.height} station-hours without a published AQI; null here {unpub.height - ours.height}; withheld residuals {ours.height}")
    assert set(ours["stationcode"]) == WITHHELD[name]
    # those rows are empty for primary pollutant in the archive as well
    assert (unpub["published_primary"] == "").all()


def test_o3_mapping_is_what_reproduces(cnemc_dir: Path):
    # §8.2a: taking O3 1-h from the archive column "o3" (a running maximum) breaks the match
    frame = read_cnemc(cnemc_dir / "2022-07-15T16.csv")
    wrong = realtime_aqi(frame.with_columns(o3=pl.col("o3_max_24h")), time_column="timepoint")
    pub = wrong.filter(pl.col("published_aqi").is_not_null())
    assert pub.filter(pl.col("aqi") != pl.col("published_aqi")).height > 100
