"""Station registry: CNEMC names, Datong's mapping and divisions files, explicit edits."""

from __future__ import annotations

import polars as pl
import pytest

from qingshan.store.registry import RegistryError, StationRegistry, parse_station_name


@pytest.mark.parametrize(
    ("name", "control", "notes"),
    [
        ("果树场(对照点)", True, None),
        ("云冈宾馆", False, None),
        ("中站许衡医院(新增191226)", False, "新增191226"),
        ("原李万街道办（启用20220628）", False, "启用20220628"),
        ("定陵（对照点）", True, None),
        (" 大同 市卫生学校 ", False, None),
    ],
)
def test_parse_station_name(name, control, notes):
    clean, is_control, got_notes = parse_station_name(name)
    assert clean == name.strip()
    assert is_control is control
    assert got_notes == notes


@pytest.fixture
def reg(db_url):
    r = StationRegistry(db_url)
    yield r
    r.close()


def test_datong_mapping_and_divisions(reg, shared_dir):
    datong = shared_dir / "data" / "datong"
    assert reg.load_divisions(datong / "divisions.csv", city_name="大同市") == 12
    div = reg.divisions_frame()
    assert div.filter(pl.col("level") == "county").height == 10  # FACTS.md §1: 4 districts + 6 counties
    assert div.filter(pl.col("level") == "zone")["code"].to_list() == ["140271"]
    assert div.filter(pl.col("code") == "140200").row(0, named=True)["name"] == "大同市"
    n, skipped = reg.assign_from_mapping(datong / "air_stations.csv", city_name="大同市")
    assert (n, skipped) == (10, [])
    f = reg.stations_frame("140200")
    assert f.columns == ["code", "name", "city_code", "city_name", "county_code", "county_name", "lon", "lat", "is_control", "kind"]
    assert set(f["kind"]) == {"national"}  # the ten CNEMC stations
    assert f.height == 10
    assert reg.stations_frame("大同市").height == 10
    row = f.filter(pl.col("code") == "3567A").row(0, named=True)
    assert (row["county_code"], row["county_name"], row["lat"]) == ("140215", "云州区", 40.0461)
    assert f.filter(pl.col("is_control"))["code"].to_list() == ["1721A"]
    assert f.filter(pl.col("county_code") == "140213").height == 7


def test_register_does_not_overwrite_county(reg):
    st = pl.DataFrame({"code": ["3566A"], "name": ["图书馆"], "city_name": ["大同市"], "lon": [113.1186], "lat": [40.2556]})
    assert reg.register(st, source="cnemc") == (1, 0)
    reg.set("3566A", county_code="140212", county_name="新荣区")
    assert reg.register(st.with_columns(lon=pl.lit(113.2)), source="cnemc") == (0, 1)
    rec = reg.get("3566A")
    assert (rec["county_code"], rec["county_name"], rec["lon"]) == ("140212", "新荣区", 113.2)
    assert rec["city_code"] == "140200"


def test_set_validates(reg):
    with pytest.raises(RegistryError, match="未登记"):
        reg.set("0000X", name="x")
    reg.register(pl.DataFrame({"code": ["1721A"], "name": ["果树场(对照点)"]}), source="cnemc")
    with pytest.raises(RegistryError, match="不能修改"):
        reg.set("1721A", id=5)
    assert reg.set("1721A", active=False)["active"] is False
    assert reg.stations_frame().height == 0
    assert reg.stations_frame(include_inactive=True).height == 1
