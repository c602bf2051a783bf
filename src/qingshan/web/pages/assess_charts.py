"""ECharts options of the target and bulletin pages, built on the server as plain data (like
:mod:`qingshan.web.pages.charts`): the leader view's PM2.5 trend against the target path, and
the bulletins' three charts (assessment-bulletin.md §4.2) drawn from the bulletin's own chart
data — the numbers of the chart are the numbers of the tables next to it.

Values are published decimal text; they are handed to ECharts as numbers for drawing only.
"""

from __future__ import annotations

from typing import Any

from qingshan.standards.hj633_tables import CATEGORY, COLOUR_HEX
from qingshan.targets.tracking import TrendPoint
from qingshan.web.pages.charts import FONT


def _num(v: Any) -> float | None:
    if v in (None, "", "—"):
        return None
    try:
        return float(str(v))
    except ValueError:
        return None


def _base(title: str) -> dict[str, Any]:
    return {"textStyle": {"fontFamily": FONT}, "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
            "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0, "textStyle": {"fontSize": 11}},
            "grid": {"left": 44, "right": 16, "top": 36, "bottom": 48}}


def trend_option(name: str, points: list[TrendPoint]) -> dict[str, Any]:
    """1—M月 (line) and M月 (bars) PM2.5 of a unit against the §3.4 straight-line path and the
    target (dashed lines)."""
    opt = _base(f"{name} PM2.5 与目标路径")
    opt["xAxis"] = {"type": "category", "data": [f"{p.month}月" for p in points]}
    opt["yAxis"] = {"type": "value", "name": "µg/m³", "scale": True}
    series = [
        {"name": "当月", "type": "bar", "data": [_num(p.month_pm25) for p in points], "itemStyle": {"color": "#b8d4ea"}},
        {"name": "1月至当月累计", "type": "line", "data": [_num(p.ytd_pm25) for p in points], "itemStyle": {"color": "#1f5fa8"},
         "lineStyle": {"width": 2.5}},
    ]
    if any(p.path for p in points):
        series.append({"name": "目标路径（直线序时）", "type": "line", "data": [_num(p.path) for p in points],
                       "lineStyle": {"type": "dashed", "color": "#c0392b"}, "itemStyle": {"color": "#c0392b"},
                       "showSymbol": False})
    if any(p.target for p in points):
        series.append({"name": "年度目标", "type": "line", "data": [_num(p.target) for p in points],
                       "lineStyle": {"type": "dotted", "color": "#555"}, "itemStyle": {"color": "#555"},
                       "showSymbol": False})
    opt["series"] = series
    return opt


def bulletin_option(key: str, title: str, data: dict[str, Any]) -> dict[str, Any]:
    """One of the bulletin's charts (``composite_bar``, ``pm25_monthly``, ``aqi_days``)."""
    opt = _base(title)
    if key == "composite_bar":
        opt["xAxis"] = {"type": "category", "data": data["names"], "axisLabel": {"interval": 0, "fontSize": 11}}
        opt["yAxis"] = {"type": "value", "name": "综合指数", "scale": True}
        series = [{"name": "综合指数", "type": "bar", "data": [_num(v) for v in data["values"]],
                   "label": {"show": True, "position": "top", "fontSize": 10}, "itemStyle": {"color": "#4a90c2"}}]
        if data.get("city") not in (None, ""):
            series[0]["markLine"] = {"symbol": "none", "data": [{"yAxis": _num(data["city"]), "name": "全市"}],
                                     "lineStyle": {"color": "#c0392b", "type": "dashed"},
                                     "label": {"formatter": f"全市 {data['city']}"}}
        opt["series"] = series
    elif key == "pm25_monthly":
        opt["xAxis"] = {"type": "category", "data": [f"{m}月" for m in data["months"]]}
        opt["yAxis"] = {"type": "value", "name": "µg/m³"}
        opt["series"] = [
            {"name": "本年", "type": "bar", "data": [_num(v) for v in data["this_year"]], "itemStyle": {"color": "#4a90c2"}},
            {"name": "上年同月", "type": "line", "data": [_num(v) for v in data["last_year"]], "itemStyle": {"color": "#888"}},
        ]
        if data.get("path"):
            opt["series"].append({"name": "目标路径（直线序时）", "type": "line", "data": [_num(v) for v in data["path"]],
                                  "lineStyle": {"type": "dashed", "color": "#c0392b"}, "itemStyle": {"color": "#c0392b"}})
    elif key == "aqi_days":
        opt["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
        opt["xAxis"] = {"type": "category", "data": data["names"], "axisLabel": {"interval": 0, "fontSize": 11}}
        opt["yAxis"] = {"type": "value", "name": "天数"}
        opt["series"] = [{"name": CATEGORY[lv], "type": "bar", "stack": "days", "data": data["levels"][str(lv)],
                          "itemStyle": {"color": COLOUR_HEX[lv], "borderColor": "#555", "borderWidth": 0.3}}
                         for lv in range(1, 7)]
    else:
        raise ValueError(f"未知的图表 {key!r}")
    return opt


__all__ = ["bulletin_option", "trend_option"]
