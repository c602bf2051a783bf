"""What things are called: the one table of display names and units.

Codes are owned by the modules that define them (pollutant columns by the observation store and
the standards, HJ 212 factor codes by :mod:`qingshan.hj212.codes`, alarm kinds by
:mod:`qingshan.hj212.alarms`, edition and stage codes by :mod:`qingshan.standards.editions`);
their Chinese names for pages, reports and the CLI are here, once. ``tests/core/test_labels.py``
checks that every code the owners emit has a label.
"""

from __future__ import annotations

#: Air pollutant columns of the observation store → (display name, unit of the stored value).
POLLUTANTS: dict[str, tuple[str, str]] = {
    "pm25": ("PM2.5", "µg/m³"),
    "pm10": ("PM10", "µg/m³"),
    "o3": ("O3", "µg/m³"),
    "no2": ("NO2", "µg/m³"),
    "so2": ("SO2", "µg/m³"),
    "co": ("CO", "mg/m³"),
}
POLLUTANT_LABELS: dict[str, str] = {k: v[0] for k, v in POLLUTANTS.items()}
POLLUTANT_UNITS: dict[str, str] = {k: v[1] for k, v in POLLUTANTS.items()}

#: HJ 212 factor codes most often seen at Datong's outlets (hj212.md Appendix B) → display name.
FACTORS: dict[str, str] = {
    "a21026": "SO2", "a21002": "NOx", "a34013": "颗粒物", "a19001": "O2", "a01012": "烟温", "a01011": "流速",
    "a00000": "废气流量", "w01018": "COD", "w21003": "氨氮", "w21011": "总磷", "w21001": "总氮", "w01001": "pH",
    "w00000": "废水流量",
}

#: Alarm kinds as :mod:`qingshan.hj212.alarms` records them (hj212.md §9.3, §11).
ALARM_KINDS: dict[str, str] = {
    "exceedance": "超标",
    "abnormal_flag": "异常标记",
    "flag_missing": "缺少数据标记",
    "constant": "恒值",
    "zero": "零值",
    "missing": "数据缺失",
}

#: Outlet kinds of :mod:`qingshan.sources.models`.
OUTLET_KINDS: dict[str, str] = {"gas": "废气", "water": "废水"}

#: HJ 633 editions (air-aqi.md §0).
EDITIONS: dict[str, str] = {"2012": "HJ 633—2012", "2026": "HJ 633—2026"}

#: GB 3095 limit stages (air-evaluation.md §0): the full name in reports and table headers …
STAGES: dict[str, str] = {
    "2012": "GB 3095—2012",
    "2026-1": "GB 3095—2026 第一阶段（过渡）",
    "2026-2": "GB 3095—2026 第二阶段",
}
#: … and the short name on the pages' edition switch.
STAGE_SHORT: dict[str, str] = {"2012": "2012 版", "2026-1": "2026 版第一阶段", "2026-2": "2026 版第二阶段"}


def label(table: dict[str, str], code: str | None) -> str:
    """The name of ``code`` in ``table``, or the code itself when it has none (never blank)."""
    if code is None:
        return ""
    return table.get(code, code)
