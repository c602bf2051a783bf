"""The demo's station list is Datong's real registry (from the shared facts) plus labelled synthetic stations."""

from __future__ import annotations

import polars as pl

from qingshan.demo.stations import SYNTHETIC_MARK, data_path, divisions


def test_packaged_copies_equal_shared_facts(shared_dir):
    datong = shared_dir / "data" / "datong"
    assert data_path("datong_air_stations.csv").read_bytes() == (datong / "air_stations.csv").read_bytes()
    assert data_path("datong_divisions.csv").read_bytes() == (datong / "divisions.csv").read_bytes()
    cnemc = (shared_dir / "data" / "cnemc" / "2022-01-02T09.csv").read_text(encoding="utf-8").splitlines()
    copied = data_path("cnemc_datong_2022-01-02T09.csv").read_text(encoding="utf-8").splitlines()
    assert copied == [cnemc[0]] + [line for line in cnemc[1:] if ",大同市," in line]


def test_real_stations_and_districts(stations):
    real = stations.filter(~pl.col("synthetic"))
    # FACTS.md §2: ten CNEMC stations; 7 in 平城区, one each in 云冈/新荣/云州; 1721A is the 对照点.
    assert real.height == 10
    counts = dict(real.group_by("county_name").len().iter_rows())
    assert counts == {"平城区": 7, "云冈区": 1, "新荣区": 1, "云州区": 1}
    assert real.filter(pl.col("is_control"))["code"].to_list() == ["1721A"]
    row = real.filter(pl.col("code") == "3567A").row(0, named=True)
    assert (row["name"], row["county_code"], row["lon"], row["lat"]) == ("区一中", "140215", 113.5931, 40.0461)
    assert set(real["city_code"]) == {"140200"}


def test_synthetic_county_stations_are_labelled(stations):
    syn = stations.filter(pl.col("synthetic"))
    counties = divisions().filter(pl.col("kind") == "县")
    assert sorted(syn["county_code"]) == sorted(counties["code"])  # every county, none of the districts
    assert all(n.endswith(SYNTHETIC_MARK) for n in syn["name"])
    assert all(c == f"DT-{cc}-S1" for c, cc in zip(syn["code"], syn["county_code"]))
    seat = syn.join(counties, left_on="county_code", right_on="code")
    assert (seat["lon"] == seat["lon_right"]).all() and (seat["lat"] == seat["lat_right"]).all()
    # Every division of the city now has at least one station, so all ten can be ranked.
    assert stations["county_code"].n_unique() == 10
