"""HJ 633 data tables: IAQI breakpoints, levels, colours, labels, listing orders, advice texts.

Everything the AQI engine (:mod:`qingshan.standards.hj633`) needs from the standard lives here,
as data, once. The engine contains no number from the standard.

Units: µg/m³, except CO in mg/m³.

References
----------
.. [1] HJ 633—2012 环境空气质量指数（AQI）技术规定（试行）, Table 1 (IAQI breakpoints),
   Table 2 (levels, categories, health advice), Appendix A (colours).
.. [2] HJ 633—2026 环境空气质量指数（AQI）技术规定, Table 3 (breakpoints; only the PM10 and
   PM2.5 IAQI-100 nodes move), Table 2 (sensitive groups).
.. [3] ../shared/standards/air-aqi.md §2, §6, §7, §12 (the machine form used below).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

#: IAQI nodes; a column with fewer breakpoints uses the first ``len`` nodes (air-aqi.md §2).
IAQI_NODES: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# --- breakpoint table (air-aqi.md §2, §12) ----------------------------------------------------
#: Breakpoints per column and edition, in the column's unit (µg/m³; CO mg/m³).
#: Column keys: ``<POLLUTANT>_<AVERAGING>``; "24H" is the daily (日平均) column, also used for
#: the 1-h PM values in real time (air-aqi.md §8.2, §12).
BREAKPOINTS: Mapping[str, Mapping[str, tuple[int, ...]]] = MappingProxyType(
    {
        "2012": MappingProxyType(
            {
                "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
                "SO2_1H": (0, 150, 500, 650, 800),
                "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
                "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
                "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
                "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
                "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
                "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
                "O3_8H": (0, 100, 160, 215, 265, 800),
                "PM25_24H": (0, 35, 75, 115, 150, 250, 350, 500),
            }
        ),
        "2026": MappingProxyType(
            {
                "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
                "SO2_1H": (0, 150, 500, 650, 800),
                "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
                "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
                # HJ 633—2026 Table 3: the IAQI-100 node is 120 (2012: 150)
                "PM10_24H": (0, 50, 120, 250, 350, 420, 500, 600),
                "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
                "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
                "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
                "O3_8H": (0, 100, 160, 215, 265, 800),
                # HJ 633—2026 Table 3: the IAQI-100 node is 60 (2012: 75); IAQI-50 stays 35
                "PM25_24H": (0, 35, 60, 115, 150, 250, 350, 500),
            }
        ),
    }
)

#: Decimals to which a concentration is published and rounded before the IAQI
#: (air-evaluation.md §5.2; HJ 633—2026 §4.2.2): integers, CO 0.1 mg/m³.
DECIMALS: Mapping[str, int] = MappingProxyType(
    {"so2": 0, "no2": 0, "pm10": 0, "co": 1, "o3": 0, "pm25": 0}
)

#: What happens above the last breakpoint of a column, per edition (air-aqi.md §5):
#: ``("cap", 500)`` — IAQI 500 (§5.3, UNCONFIRMED);
#: ``("value", v)`` — IAQI v (2026: SO2 1-h → 200, O3 8-h → 300);
#: ``("so2_24h", None)`` — 2012 SO2 1-h > 800: IAQI of the SO2 24-h value (§5.1);
#: ``("drop", None)`` — 2012 O3 8-h > 800: no O3 8-h IAQI (§5.2).
ABOVE_TOP: Mapping[str, Mapping[str, tuple[str, int | None]]] = MappingProxyType(
    {
        "2012": MappingProxyType({"SO2_1H": ("so2_24h", None), "O3_8H": ("drop", None)}),
        "2026": MappingProxyType({"SO2_1H": ("value", 200), "O3_8H": ("value", 300)}),
    }
)
CAP_IAQI = 500

# --- levels, categories, colours (HJ 633—2012 Table 2 and Appendix A; unchanged in 2026) -----
#: (level, lowest AQI, highest AQI, category, colour name, RGB, hex, CMYK). Level 6 has no upper
#: bound in the standard; the IAQI cap makes 500 the largest AQI.
LEVELS: tuple[tuple[int, int, int, str, str, tuple[int, int, int], str, tuple[int, int, int, int]], ...] = (
    (1, 0, 50, "优", "绿色", (0, 228, 0), "#00E400", (40, 0, 100, 0)),
    (2, 51, 100, "良", "黄色", (255, 255, 0), "#FFFF00", (0, 0, 100, 0)),
    (3, 101, 150, "轻度污染", "橙色", (255, 126, 0), "#FF7E00", (0, 52, 100, 0)),
    (4, 151, 200, "中度污染", "红色", (255, 0, 0), "#FF0000", (0, 100, 100, 0)),
    (5, 201, 300, "重度污染", "紫色", (153, 0, 76), "#99004C", (10, 100, 40, 30)),
    (6, 301, 500, "严重污染", "褐红色", (126, 0, 35), "#7E0023", (30, 100, 100, 30)),
)
LEVEL_NAMES: Mapping[int, str] = MappingProxyType(
    {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级", 6: "六级"}
)
CATEGORY: Mapping[int, str] = MappingProxyType({lv[0]: lv[3] for lv in LEVELS})
COLOUR_HEX: Mapping[int, str] = MappingProxyType({lv[0]: lv[6] for lv in LEVELS})
COLOUR_RGB: Mapping[int, tuple[int, int, int]] = MappingProxyType({lv[0]: lv[5] for lv in LEVELS})
COLOUR_CMYK: Mapping[int, tuple[int, int, int, int]] = MappingProxyType({lv[0]: lv[7] for lv in LEVELS})

#: Health effects and advice of HJ 633—2012 Table 2, as configurable text (air-aqi.md §6: free
#: text, never used by logic). HJ 633—2026 rewords some terms (易感人群 → 敏感人群, 儿童 →
#: 青少年儿童, 心脏病 → 心血管系统疾病, 肺病 → 呼吸系统疾病; air-2026-revision.md §2.2); its
#: full wording was not transcribed, so the 2012 text is the default for both editions.
HEALTH_EFFECTS: Mapping[int, str] = MappingProxyType(
    {
        1: "空气质量令人满意，基本无空气污染",
        2: "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
        3: "易感人群症状有轻度加剧，健康人群出现刺激症状",
        4: "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        5: "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        6: "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
    }
)
HEALTH_ADVICE: Mapping[int, str] = MappingProxyType(
    {
        1: "各类人群可正常活动",
        2: "极少数异常敏感人群应减少户外活动",
        3: "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
        4: "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动",
        5: "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
        6: "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    }
)
#: HJ 633—2026 Table 2: sensitive groups per pollutant whose IAQI exceeds 100 (text data).
SENSITIVE_GROUPS_2026: Mapping[str, str] = MappingProxyType(
    {
        "SO2": "哮喘患者、青少年儿童和老年人",
        "NO2": "呼吸系统疾病（如哮喘）患者、青少年儿童和老年人",
        "CO": "心血管系统疾病患者",
        "O3": "呼吸系统疾病（如哮喘）患者、青少年儿童、户外活动频繁的人和老年人",
        "PM10": "心血管或呼吸系统疾病（如哮喘）患者、青少年儿童、户外活动频繁的人和老年人",
        "PM2.5": "心血管或呼吸系统疾病（如哮喘）患者、青少年儿童、户外活动频繁的人和老年人",
    }
)

# --- indicator codes, labels and listing order (air-aqi.md §7, §12) ---------------------------
#: Indicator codes used in ``primary_pollutants`` / ``over_standard`` lists:
#: edition 2012 keeps O3 1-h and O3 8-h apart ("O3_1H", "O3_8H"); edition 2026 has one ozone
#: indicator per report, coded "O3".
INDICATORS_2012: tuple[str, ...] = ("SO2", "NO2", "PM10", "CO", "O3_1H", "O3_8H", "PM2.5")
INDICATORS_2026: tuple[str, ...] = ("SO2", "NO2", "CO", "O3", "PM10", "PM2.5")

#: CNEMC label strings (setting ``labels``). "臭氧" for edition 2026 is UNCONFIRMED (§12).
LABELS: Mapping[str, str] = MappingProxyType(
    {
        "SO2": "二氧化硫",
        "NO2": "二氧化氮",
        "PM10": "颗粒物(PM10)",
        "CO": "一氧化碳",
        "O3_1H": "臭氧1小时",
        "O3_8H": "臭氧8小时",
        "PM2.5": "细颗粒物(PM2.5)",
        "O3": "臭氧",
    }
)
#: Accepted on input, label → code (older feeds wrote "颗粒物(PM2.5)"; full-width brackets and
#: blanks are normalised by :func:`code_for_label`).
LABEL_ALIASES: Mapping[str, str] = MappingProxyType(
    {**{v: k for k, v in LABELS.items()}, "颗粒物(PM2.5)": "PM2.5", "臭氧(O3)": "O3"}
)

#: Listing order of ties (setting ``pollutant_order``).
#:
#: * 2012: the CNEMC order observed in real data — PM10 before PM2.5 (row 1064A, E4) **and
#:   PM2.5 before O3 1-h**: 2022-07-15T16 rows 2386A "颗粒物(PM10),细颗粒物(PM2.5),臭氧1小时"
#:   and 2865A "细颗粒物(PM2.5),臭氧1小时" (../shared/data/cnemc/). This DEVIATES from
#:   air-aqi.md §7, whose UNCONFIRMED default (HJ 633—2012 Table 4 column order) lists
#:   臭氧1小时 before PM2.5 and so fails those two published rows. The other relative
#:   positions keep the Table 4 order (UNCONFIRMED: no tie involving them was seen).
#: * 2026: the column order of HJ 633—2026 Tables 4 and 5 (air-aqi.md §7, UNCONFIRMED).
POLLUTANT_ORDER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "2012": ("SO2", "NO2", "PM10", "CO", "PM2.5", "O3_1H", "O3_8H"),
        "2026": INDICATORS_2026,
    }
)
#: The order air-aqi.md §7 states for edition 2012 (Table 4 column order), for ``pollutant_order``.
POLLUTANT_ORDER_2012_TABLE4: tuple[str, ...] = INDICATORS_2012
SEPARATOR = ","


def code_for_label(label: str) -> str | None:
    """The indicator code of a published label (CNEMC string or accepted alias), else None."""
    s = "".join(label.split()).replace("（", "(").replace("）", ")")
    return LABEL_ALIASES.get(s)


def level_for_aqi(aqi: int | None) -> int | None:
    """AQI level 1–6 of an integer AQI (HJ 633—2012 Table 2). AQI 0 is level 1 (air-aqi.md §6)."""
    if aqi is None:
        return None
    for lv, lo, hi, *_ in LEVELS:
        if aqi <= hi:
            return lv
    return 6
