"""Issue 9 item 10: Datong's district and county boundaries shipped for the station maps.

Reference values: the 2018 divisions (FACTS.md §1, GB/T 2260 codes in qingshan.core.org) and
the district of each national station (FACTS.md §2 / air_stations.csv: point-in-polygon against
the DataV boundaries, every station ≥ 1.6 km inside) — independent of the source we merged.
"""

from __future__ import annotations

import csv
import json

from qingshan.core.org import DIVISIONS
from qingshan.web import geo


def _encode(points, offset, scale=1024):
    """ECharts' compressed ring encoding (the inverse of decode_ring), for a round trip."""
    out, (x0, y0) = [], offset
    for lon, lat in points:
        x, y = round(lon * scale), round(lat * scale)
        for d in (x - x0, y - y0):
            z = (d << 1) ^ (d >> 31)
            out.append(chr(z + 64))
        x0, y0 = x, y
    return "".join(out)


def test_decode_ring_inverts_the_echarts_encoding():
    pts = [(113.25, 40.0), (113.5, 40.125), (113.375, 39.875)]
    offset = (int(113 * 1024), int(40 * 1024))
    assert geo.decode_ring(_encode(pts, offset), offset) == [list(p) for p in pts]


def test_the_shipped_map_has_todays_ten_units():
    collection = geo.boundaries()
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in collection["features"]] == \
        [(code, name) for code, name, _ in DIVISIONS]
    lon0, lat0, lon1, lat1 = geo.bounds()
    assert 112.5 < lon0 < lon1 < 114.7 and 39.0 < lat0 < lat1 < 40.8  # Datong's extent


def test_every_national_station_lies_in_its_district(shared_dir):
    with open(shared_dir / "data" / "datong" / "air_stations.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10
    for r in rows:
        assert geo.district_of(float(r["longitude"]), float(r["latitude"])) == r["district_code"], r["positionname"]


def test_split_of_the_former_urban_districts_is_marked_approximate():
    props = {f["properties"]["code"]: f["properties"] for f in geo.boundaries()["features"]}
    assert {c for c, p in props.items() if p["approximate"]} == {"140212", "140213", "140214"}
    assert (geo.GEO_DIR / "datong-140200.PROVENANCE.md").is_file() and (geo.GEO_DIR / "LICENSE-echarts-china-cities-pypkg.txt").is_file()


def test_station_map_option_draws_the_boundaries_under_coloured_markers():
    from qingshan.web.pages.charts import station_map

    levels = [{"level": 1, "lo": 0, "hi": 50, "category": "优", "colour": "#00E400"},
              {"level": 2, "lo": 51, "hi": 100, "category": "良", "colour": "#FFFF00"}]
    opt = station_map([{"name": "云冈站", "lon": 113.1367, "lat": 40.1122, "aqi": 40, "demo": True}], levels,
                      title="各站点实时 AQI", demo=True)
    assert opt["geo"]["map"] == geo.MAP_NAME and opt["series"][0]["coordinateSystem"] == "geo"
    assert opt["visualMap"]["dimension"] == 2 and opt["series"][0]["data"][0]["value"] == [113.1367, 40.1122, 40]
    assert opt["series"][0]["labelLayout"]["hideOverlap"] is True and opt["geo"]["layoutSize"] == "70%"
    assert "演示" in opt["title"]["subtext"] and opt["series"][0]["data"][0]["name"] == "云冈站（演示）"
    json.dumps(opt)  # plain data
