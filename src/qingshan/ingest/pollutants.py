"""Pollutant names as bureaus write them → the store's codes ``so2 no2 co o3 pm10 pm25``.

Accepts chemical formulas with or without subscripts (``PM2.5``, ``PM₂.₅``, ``SO₂``), the
Chinese names (``细颗粒物``, ``一氧化碳`` …), both together (``CO 一氧化碳``), full-width
characters, and a unit in brackets (``PM2.5(μg/m³)``). O3 8-hour columns are not hourly
observations and are rejected as unknown.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

POLLUTANT_LABELS = {"so2": "SO₂", "no2": "NO₂", "co": "CO", "o3": "O₃", "pm10": "PM₁₀", "pm25": "PM₂.₅"}

_CHINESE = (
    ("二氧化硫", "so2"),
    ("二氧化氮", "no2"),
    ("一氧化碳", "co"),
    ("臭氧", "o3"),
    ("细颗粒物", "pm25"),
    ("可吸入颗粒物", "pm10"),
)
_FORMULA = {
    "so2": "so2",
    "no2": "no2",
    "co": "co",
    "o3": "o3",
    "o31h": "o3",
    "o31小时": "o3",
    "pm10": "pm10",
    "pm2.5": "pm25",
    "pm25": "pm25",
    "pm2_5": "pm25",
}
_UNIT = re.compile(r"[(\[]\s*(μg|ug|µg|mg|微克|毫克)[^)\]]*[)\]]", re.IGNORECASE)


@lru_cache(maxsize=4096)  # a long table repeats the same few names on every row
def normalise_pollutant(name: str | None) -> str | None:
    """Return the pollutant code, or None when the name is not one of the six."""
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).strip().lower()
    s = _UNIT.sub("", s)
    if re.search(r"8\s*(h|小时)", s):
        return None  # an 8-hour average is not an hourly observation
    for zh, code in _CHINESE:
        if zh in s:
            return code
    s = re.sub(r"[\s\-()（）]", "", s)
    s = re.sub(r"[\u4e00-\u9fff]+$", "", s)  # trailing Chinese like "CO一氧化碳" handled above; drop others
    return _FORMULA.get(s)


#: The store's unit per pollutant (air-aqi.md §1): µg/m³, CO mg/m³.
STORE_UNIT = {"so2": "ug", "no2": "ug", "co": "mg", "o3": "ug", "pm10": "ug", "pm25": "ug"}

_UNIT_TEXT = re.compile(r"(μg|ug|微克|mg|毫克)\s*/\s*(m3|立方米|标准立方米)")


def parse_unit(text: str | None) -> str | None:
    """``μg/m³``, ``ug/m3``, ``微克/立方米`` → ``"ug"``; ``mg/m³``, ``毫克/立方米`` → ``"mg"``;
    anything else → None (no unit stated)."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", str(text)).lower().replace("µ", "μ")
    m = _UNIT_TEXT.search(s)
    if m is None:
        return None
    return "mg" if m.group(1) in ("mg", "毫克") else "ug"
