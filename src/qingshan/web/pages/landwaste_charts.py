"""ECharts options (plain data) of the soil, solid-waste and tailings-pond pages.

* :func:`point_map` — soil points on longitude/latitude coloured by class. It is the one place
  a map option is built for this domain: the Datong base map (issue 9) is added here as a
  ``geo`` component, and the series switch to ``coordinateSystem: "geo"``.
* :func:`pond_calendar` — the year's supervision obligations on an ECharts calendar, coloured by
  state (done, done late, not yet due, overdue).
* :func:`rate_bars` — the counties' utilisation rates against the target.

Numbers in an option are the published texts of the report builder (exact figures rounded
half-even once, never floats computed here), so a chart shows what the table beside it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"

#: obligation state → (label, colour) on the supervision calendar
STATE_STYLE: dict[str, tuple[str, str]] = {
    "done": ("已完成", "#2e7d32"), "done_late": ("逾期完成", "#f9a825"), "open": ("未到期", "#1e88e5"),
    "overdue": ("已逾期", "#c62828"),
}


def point_map(points: Sequence[Any], legend: Mapping[str, tuple[str, str]], title: str = "") -> dict[str, Any]:
    """Scatter of points (``code``, ``name``, ``lon``, ``lat``, ``class_key``) with one series per
    class present, in ``legend`` order (key → (label, colour)); points without coordinates are
    left out (the table lists them)."""
    series = []
    for key, (label, colour) in legend.items():
        data = [{"name": f"{p.code} {p.name or ''}".strip() + f"：{label}", "value": [p.lon, p.lat]}
                for p in points if p.class_key == key and p.lon is not None and p.lat is not None]
        if data:
            series.append({"name": label, "type": "scatter", "symbolSize": 13, "itemStyle": {"color": colour},
                           "data": data})
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "legend": {"bottom": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "value", "name": "经度", "scale": True},
        "yAxis": {"type": "value", "name": "纬度", "scale": True},
        "series": series,
    }


def pond_calendar(entries: Sequence[Any], year: int, title: str = "") -> dict[str, Any]:
    """Calendar of ``entries`` (``day``, ``pond``, ``label``, ``state``): one series per state,
    one mark per day and state naming every obligation on it."""
    by_day: dict[tuple[str, str], list[str]] = {}
    for e in entries:
        if e.day.year == year:
            by_day.setdefault((e.state, e.day.isoformat()), []).append(f"{e.pond} {e.label}")
    series = []
    for state, (label, colour) in STATE_STYLE.items():
        data = [{"name": "；".join(names), "value": [day, len(names)]}
                for (st, day), names in sorted(by_day.items()) if st == state]
        series.append({"name": label, "type": "scatter", "coordinateSystem": "calendar", "symbolSize": 11,
                       "itemStyle": {"color": colour}, "data": data})
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{a}：{b}"},
        "legend": {"bottom": 0},
        "calendar": {
            "top": 70, "left": 40, "right": 20, "cellSize": ["auto", 18], "range": str(year),
            "dayLabel": {"nameMap": "ZH", "firstDay": 1}, "monthLabel": {"nameMap": "ZH"}, "yearLabel": {"show": False},
            "itemStyle": {"borderWidth": 0.5, "borderColor": "#fff", "color": "#f4f6f8"},
        },
        "series": series,
    }


def rate_bars(rows: Sequence[Any], target_pct: str | None, title: str = "") -> dict[str, Any]:
    """Utilisation rate (published %, 2 decimals) of each row (``name``, ``utilisation_pct``);
    rows with an undefined rate are left out; the target as a marked line."""
    shown = [r for r in rows if r.utilisation_pct not in ("—", "", None)]
    series: dict[str, Any] = {"type": "bar", "data": [r.utilisation_pct for r in shown], "name": "综合利用率",
                              "label": {"show": True, "position": "right", "formatter": "{c}%"}}
    if target_pct:
        series["markLine"] = {"symbol": "none", "data": [{"xAxis": target_pct, "name": "目标"}],
                              "label": {"formatter": f"目标 {target_pct}%"}}
    return {
        "textStyle": {"fontFamily": FONT},
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 110, "right": 60, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "name": "%", "max": 100},
        "yAxis": {"type": "category", "data": [r.name for r in shown], "inverse": True},
        "series": [series],
    }
