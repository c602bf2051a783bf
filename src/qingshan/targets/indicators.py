"""The indicators a target can be set on, the manual-input kinds, and the unit kinds — as data.

assessment-bulletin.md §3.1 (indicators with direction and precision; §5 precision), §0 (manual
inputs). Precision: PM2.5 integer (air-evaluation.md §5.2), ratios 1 decimal, CO2-intensity
reduction 2 decimals (carbon.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    decimals: int
    direction: str  # le: value ≤ target attains; ge: value ≥ target attains


INDICATORS: dict[str, Indicator] = {i.code: i for i in (
    Indicator("pm25", "PM2.5年均浓度", "µg/m³", 0, "le"),
    Indicator("good_ratio", "优良天数比例", "%", 1, "ge"),
    Indicator("heavy_days", "重污染天数", "天", 0, "le"),
    Indicator("heavy_ratio", "重污染天数比例", "%", 1, "le"),
    Indicator("water_good_share", "优良水体比例（Ⅰ—Ⅲ类）", "%", 1, "ge"),
    Indicator("water_worse_v", "劣Ⅴ类断面数", "个", 0, "le"),
    Indicator("co2_intensity", "单位GDP二氧化碳排放降低率", "%", 2, "ge"),
)}

#: dust rules (air-evaluation.md §6.5 ``dust_exclusion``)
DUST_RULES: dict[str, str] = {"none": "不扣沙", "ratio": "优良天数比例扣沙", "concentrations": "浓度扣沙",
                              "both": "浓度与比例均扣沙"}

#: manual monthly inputs (§0, §1.1, §1.4): kind → label
MANUAL_KINDS: dict[str, str] = {
    "province_city_rank": "全省11个设区市排名",
    "province_county_rank": "全省县（市、区）排名",
    "regional_average": "京津冀及周边地区平均值",
    "province_amount": "省级空气质量改善奖惩金额（万元）",
}
PERIODS: dict[str, str] = {"month": "当月", "ytd": "1—M月"}

UNIT_KINDS: tuple[str, ...] = ("市", "区", "县", "开发区")
