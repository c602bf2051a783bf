"""ECharts options built on the server as plain data (no JavaScript functions).

``static/app.js`` draws any ``<div data-option=ID>`` from the JSON in ``<script id=ID>``. Keeping
options as data means the numbers in a chart are exactly the numbers in the table next to it,
and user text inside an option is escaped once by the ``chart_json`` filter.

The AQI colours come from HJ 633 Table 2 / Appendix A via :func:`qingshan.air.queries.aqi_levels`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Sequence

from qingshan.web import geo

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


def station_map(points: Sequence[dict[str, Any]], levels: Sequence[dict[str, Any]], title: str = "",
                *, demo: bool = False) -> dict[str, Any]:
    """Stations over Datong's district and county boundaries (:mod:`qingshan.web.geo`, drawn as
    the ECharts map ``datong`` that ``static/app.js`` registers from the shipped GeoJSON),
    markers coloured by HJ 633 AQI level, labels kept inside the chart (margins on every side,
    overlapping labels hidden rather than clipped; hover shows every station)."""
    data = [
        {"name": p["name"] + ("（演示）" if p.get("demo") and "演示" not in p["name"] else ""),
         "value": [p["lon"], p["lat"], p["aqi"]]}
        for p in points
        if p.get("lon") is not None and p.get("lat") is not None
    ]
    subtitle = "区县界线为示意（按 2018 年区划调整合并旧界线，平城区/云冈区分界为近似），非法定界线"
    if demo:
        subtitle = "演示/合成数据，不是监测结果\n" + subtitle
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "subtext": subtitle, "left": "center",
                  "textStyle": {"fontSize": 14}, "subtextStyle": {"fontSize": 11, "color": "#8a4b00" if demo else "#637381"}},
        "tooltip": {"trigger": "item"},
        "geo": {
            "map": geo.MAP_NAME,
            "roam": True,
            "scaleLimit": {"min": 1, "max": 12},
            # the map keeps its aspect ratio inside a box that leaves room for the two-line title
            # above, the legend below and station labels to the right: nothing is clipped
            "layoutCenter": ["44%", "57%"],
            "layoutSize": "70%",
            "itemStyle": {"areaColor": "#f4f7f5", "borderColor": "#9fb3a8", "borderWidth": 1},
            "label": {"show": True, "color": "#9aa5b1", "fontSize": 10},
            "emphasis": {"itemStyle": {"areaColor": "#e6f4ea"}, "label": {"color": "#1f2933"}},
        },
        "visualMap": {
            "type": "piecewise",
            "dimension": 2,
            "seriesIndex": 0,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "pieces": _pieces(levels),
        },
        "series": [
            {
                "type": "scatter",
                "coordinateSystem": "geo",
                "symbolSize": 14,
                "data": data,
                "itemStyle": {"borderColor": "#1f2933", "borderWidth": 0.6},
                "label": {"show": True, "formatter": "{b}", "position": "right", "fontSize": 11,
                          "color": "#1f2933", "backgroundColor": "rgba(255,255,255,0.75)", "padding": [1, 3]},
                "labelLayout": {"hideOverlap": True},
                "emphasis": {"label": {"show": True}},
                "tooltip": {"formatter": "{b}：AQI {@[2]}"},
            }
        ],
    }
