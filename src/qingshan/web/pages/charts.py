"""ECharts options built on the server as plain data (no JavaScript functions).

``static/app.js`` draws any ``<div data-option=ID>`` from the JSON in ``<script id=ID>``. Keeping
options as data means the numbers in a chart are exactly the numbers in the table next to it,
and user text inside an option is escaped once by the ``chart_json`` filter.

The AQI colours come from HJ 633 Table 2 / Appendix A via :func:`qingshan.air.queries.aqi_levels`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Sequence

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"


def _pieces(levels: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """visualMap pieces for the six AQI levels (inclusive integer bounds)."""
    out = []
    for lv in levels:
        piece: dict[str, Any] = {"min": lv["lo"], "label": f"{lv['category']}", "color": lv["colour"]}
        if lv["hi"] is not None and lv["level"] != len(levels):
            piece["max"] = lv["hi"]
        out.append(piece)
    return out


def aqi_calendar(days: Iterable[tuple[date, int | None]], year: int, levels: Sequence[dict[str, Any]], title: str = "") -> dict[str, Any]:
    """Calendar heat map of daily AQI coloured by HJ 633 level.

    Parameters
    ----------
    days : iterable of (date, AQI)
        Daily AQI (integer; ``None`` = no valid AQI that day, drawn as an empty cell).
    year : int
        Calendar year shown.
    levels : sequence of dict
        :func:`qingshan.air.queries.aqi_levels`.
    """
    data = [[d.isoformat(), v] for d, v in days if v is not None and d.year == year]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"position": "top"},
        "visualMap": {
            "type": "piecewise",
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "pieces": _pieces(levels),
        },
        "calendar": {
            "top": 50,
            "left": 40,
            "right": 20,
            "cellSize": ["auto", 16],
            "range": str(year),
            "dayLabel": {"nameMap": "ZH", "firstDay": 1},
            "monthLabel": {"nameMap": "ZH"},
            "yearLabel": {"show": False},
            "itemStyle": {"borderWidth": 0.5, "borderColor": "#fff", "color": "#f0f0f0"},
        },
        "series": [{"type": "heatmap", "coordinateSystem": "calendar", "data": data, "name": "日AQI"}],
    }


def time_series(
    times: Sequence[datetime | date],
    series: dict[str, Sequence[float | int | None]],
    *,
    title: str = "",
    y_name: str = "",
    levels: Sequence[dict[str, Any]] | None = None,
    kind: str = "line",
) -> dict[str, Any]:
    """Line/bar chart over time. With ``levels`` the first series is coloured by AQI level."""
    x = [t.strftime("%m-%d %H:%M") if isinstance(t, datetime) else t.isoformat() for t in times]
    opt: dict[str, Any] = {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "name": y_name},
        "series": [
            {"name": name, "type": kind, "data": list(values), "connectNulls": False, "showSymbol": False}
            for name, values in series.items()
        ],
    }
    if levels:
        opt["visualMap"] = {"show": False, "seriesIndex": 0, "type": "piecewise", "pieces": _pieces(levels)}
    return opt


def ranking_bar(names: Sequence[str], values: Sequence[float | None], *, title: str = "", x_name: str = "") -> dict[str, Any]:
    """Horizontal bar chart, best (smallest) at the top, as a ranking reads."""
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 90, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "name": x_name},
        "yAxis": {"type": "category", "data": list(names), "inverse": True},
        "series": [{"type": "bar", "data": list(values), "label": {"show": True, "position": "right"}}],
    }


def station_map(points: Sequence[dict[str, Any]], levels: Sequence[dict[str, Any]], title: str = "") -> dict[str, Any]:
    """Stations on longitude/latitude axes coloured by AQI level (no map tiles, nothing fetched)."""
    data = [
        {"name": p["name"], "value": [p["lon"], p["lat"], p["aqi"]]}
        for p in points
        if p.get("lon") is not None and p.get("lat") is not None
    ]
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "value", "name": "经度", "scale": True},
        "yAxis": {"type": "value", "name": "纬度", "scale": True},
        "visualMap": {
            "type": "piecewise",
            "dimension": 2,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "pieces": _pieces(levels),
        },
        "series": [
            {
                "type": "scatter",
                "symbolSize": 18,
                "data": data,
                "label": {"show": True, "formatter": "{b}", "position": "right", "fontSize": 11},
            }
        ],
    }
