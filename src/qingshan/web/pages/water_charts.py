"""ECharts options of the water pages, built on the server as plain data (see ``charts.py``).

Class colours come from the versioned status table of water.md §3
(:func:`qingshan.water.queries.class_legend`; the RGB values are UNCONFIRMED and the pages say
so). The map is one function (:func:`section_map`) so that the Datong base map (issue 9) can add
its ``geo`` layer in one place; until then the sections are drawn on longitude/latitude axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qingshan.web.pages.charts import FONT


def _class_pieces(legend: dict) -> list[dict[str, Any]]:
    return [{"value": r["class"], "label": f"{r['label']}类", "color": r["rgb"]} for r in legend["rows"]]


def section_map(points: Sequence[dict[str, Any]], legend: dict, title: str = "") -> dict[str, Any]:
    """Sections at their coordinates, coloured by class (``points``: name, lon, lat, class,
    class_label, status, river). Sections without a class are grey; without coordinates left out."""
    data = [
        {"name": p["name"], "value": [p["lon"], p["lat"], p.get("class") or 0],
         "tip": f"{p['name']}（{p.get('river') or ''}）：{p.get('class_label') or '无数据'}类 {p.get('status') or ''}"}
        for p in points if p.get("lon") is not None and p.get("lat") is not None
    ]
    pieces = [{"value": 0, "label": "无数据", "color": "#bdbdbd"}, *_class_pieces(legend)]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 70},
        "xAxis": {"type": "value", "name": "经度", "scale": True},
        "yAxis": {"type": "value", "name": "纬度", "scale": True},
        "visualMap": {"type": "piecewise", "dimension": 2, "orient": "horizontal", "left": "center", "bottom": 0,
                      "pieces": pieces},
        "series": [{
            "type": "scatter", "symbolSize": 16, "data": data, "name": "断面",
            "label": {"show": True, "formatter": "{b}", "position": "right", "fontSize": 11},
        }],
    }


def class_grid(grid: dict, legend: dict, title: str = "") -> dict[str, Any]:
    """Month × section heat map of classes (cells without a class stay empty)."""
    names = [r["name"] for r in grid["rows"]]
    data = [[j, i, k] for i, r in enumerate(grid["rows"]) for j, k in enumerate(r["classes"]) if k is not None]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"position": "top"},
        "grid": {"left": 170, "right": 20, "top": 40, "bottom": 70},
        "xAxis": {"type": "category", "data": grid["months"], "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": names, "inverse": True, "splitArea": {"show": True}},
        "visualMap": {"type": "piecewise", "orient": "horizontal", "left": "center", "bottom": 0,
                      "pieces": _class_pieces(legend)},
        "series": [{"type": "heatmap", "data": data, "name": "水质类别",
                    "label": {"show": False}, "itemStyle": {"borderColor": "#fff", "borderWidth": 1}}],
    }


def item_series(item: dict, months: Sequence[str], legend: dict, title: str = "") -> dict[str, Any]:
    """One item's monthly evaluation values against its GB 3838 class limits (mark lines; equal
    limits of adjacent classes drawn once, labelled with every class they bound)."""
    colours = {r["class"]: r["rgb"] for r in legend["rows"]}
    lines: list[dict[str, Any]] = []
    if item["direction"] == "range":
        lines = [{"yAxis": float(x), "name": f"pH {x}", "lineStyle": {"color": colours[6]}} for x in item["limits"]]
    else:
        seen: dict[str, list[int]] = {}
        for k, x in enumerate(item["limits"], start=1):
            seen.setdefault(x, []).append(k)
        for x, ks in seen.items():
            label = "/".join({1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ"}[k] for k in ks) + f"类 {x}"
            lines.append({"yAxis": float(x), "name": label, "lineStyle": {"color": colours[ks[-1]]}})
    lo, hi = _axis_range([v for v in item["plot"] if v is not None], [float(x) for x in item["limits"]],
                         item["direction"])
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title or f"{item['name']}（{item['unit']}）", "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 90, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "data": list(months)},
        "yAxis": {"type": "value", "name": item["unit"], "min": lo, "max": hi},
        "series": [{
            "name": item["name"], "type": "line", "data": item["plot"], "connectNulls": False, "showSymbol": True,
            "markLine": {"symbol": "none", "silent": True, "data": lines,
                         "label": {"formatter": "{b}", "position": "end", "fontSize": 10}},
        }],
    }


def _axis_range(values: list[float], limits: list[float], direction: str) -> tuple[float | None, float | None]:
    """A y range that shows the data and the limits next to it: for "≤" items from 0 to the first
    limit at or above the largest value (the Ⅴ limit at most, the data beyond it), for DO from
    the first limit at or below the smallest value, for pH the 6–9 range around the data."""
    if not values or not limits:
        return None, None
    vmin, vmax = min(values), max(values)
    if direction == "range":
        return round(min(vmin, limits[0]) - 0.5, 1), round(max(vmax, limits[-1]) + 0.5, 1)
    if direction == "ge":
        below = [x for x in limits if x <= vmin]
        low = max(below) if below else vmin
        return round(low * 0.9, 6), round(max(vmax, limits[0]) * 1.05, 6)
    above = [x for x in limits if x >= vmax]
    top = min(above) if above else vmax
    return 0, round(top * 1.1, 9)


def cwqi_ranking(counties: Sequence[Any], title: str = "") -> dict[str, Any]:
    """Counties' CWQI as a ranking (smaller = better water, at the top); published 4-decimal texts."""
    rows = [u for u in counties if u.cwqi_text]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 90, "right": 40, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "name": "CWQI"},
        "yAxis": {"type": "category", "data": [u.name for u in rows], "inverse": True},
        "series": [{"type": "bar", "data": [u.cwqi_text for u in rows], "name": "CWQI",
                    "label": {"show": True, "position": "right"}}],
    }
