"""Item names and units as water files write them → GB 3838 item codes and stored units.

The GB 3838 items keep their Table 1 codes (:mod:`qingshan.standards.gb3838`). Automatic
stations also publish parameters outside Table 1; they are stored as reported (never classified):

=========  ===============  ==========  ===========================================
code       name             unit        use
=========  ===============  ==========  ===========================================
chla       叶绿素a           mg/m³       TLI (water.md §7); CNEMC writes mg/L: ×1000
sd         透明度            m           TLI
cond       电导率            μS/cm       reported
turb       浊度              NTU         reported
algae      藻密度            cells/L     reported
=========  ===============  ==========  ===========================================

Unit conversion is exact on the nano-unit integers (μg/L → mg/L ÷ 1000, refused if the result
would need more than nine decimals).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from qingshan.standards import gb3838

EXTRA_ITEMS: Mapping[str, tuple[str, str]] = {
    "chla": ("叶绿素a", "mg/m³"),
    "sd": ("透明度", "m"),
    "cond": ("电导率", "μS/cm"),
    "turb": ("浊度", "NTU"),
    "algae": ("藻密度", "cells/L"),
}
ALL_ITEMS: tuple[str, ...] = gb3838.ITEM_CODES + tuple(EXTRA_ITEMS)
NAMES: Mapping[str, str] = {**gb3838.NAMES, **{k: v[0] for k, v in EXTRA_ITEMS.items()}}
UNITS: Mapping[str, str] = {**{it.code: it.unit for it in gb3838.ITEMS}, **{k: v[1] for k, v in EXTRA_ITEMS.items()}}

#: name as written (after normalisation: NFKC, lower case, no blanks) → code
_ALIASES: dict[str, str] = {}
for _code, _names in {
    "wt": ("水温", "温度", "watertemperature", "wt", "temp"),
    "ph": ("ph", "ph值", "酸碱度"),
    "do": ("溶解氧", "do", "dissolvedoxygen"),
    "codmn": ("高锰酸盐指数", "codmn", "高锰酸钾指数", "permanganateindex"),
    "cod": ("化学需氧量", "cod", "codcr", "cod(cr)"),
    "bod5": ("五日生化需氧量", "生化需氧量", "bod5", "bod"),
    "nh3n": ("氨氮", "nh3-n", "nh3n", "nh4-n", "ammonia", "氨氮(nh3-n)"),
    "tp": ("总磷", "tp", "总磷(以p计)", "totalphosphorus"),
    "tn": ("总氮", "tn", "总氮(以n计)", "totalnitrogen"),
    "cu": ("铜", "总铜", "cu"),
    "zn": ("锌", "总锌", "zn"),
    "f": ("氟化物", "氟化物(以f-计)", "f-", "f", "fluoride"),
    "se": ("硒", "总硒", "se"),
    "as": ("砷", "总砷", "as"),
    "hg": ("汞", "总汞", "hg"),
    "cd": ("镉", "总镉", "cd"),
    "cr6": ("铬(六价)", "六价铬", "铬六价", "cr6+", "cr(vi)", "cr6", "crvi"),
    "pb": ("铅", "总铅", "pb"),
    "cn": ("氰化物", "总氰化物", "cn-", "cn", "cyanide"),
    "phenol": ("挥发酚", "挥发性酚", "phenol", "volatilephenol"),
    "petroleum": ("石油类", "petroleum", "oil"),
    "las": ("阴离子表面活性剂", "las", "阴离子合成洗涤剂"),
    "sulfide": ("硫化物", "sulfide", "s2-"),
    "fc": ("粪大肠菌群", "粪大肠杆菌", "fc", "faecalcoliform", "fecalcoliform"),
    "chla": ("叶绿素a", "叶绿素α", "叶绿素", "chla", "chl-a", "chlorophyll"),
    "sd": ("透明度", "sd", "secchi"),
    "cond": ("电导率", "conductivity"),
    "turb": ("浊度", "浑浊度", "turbidity"),
    "algae": ("藻密度", "algae", "algaedensity"),
}.items():
    for _n in _names:
        _ALIASES[_n] = _code


def normalise_name(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return re.sub(r"\s+", "", s)


def strip_unit(header: str) -> tuple[str, str | None]:
    """``溶解氧(mg/L)`` → (``溶解氧``, ``mg/L``); full-width brackets accepted. A bracket that is
    part of the item name (``铬（六价）``) is kept."""
    s = unicodedata.normalize("NFKC", str(header or "")).strip()
    m = re.match(r"^(.*)[(\[]([^()\[\]]*)[)\]]\s*$", s)
    if m and normalise_name(s) not in _ALIASES:
        return m.group(1).strip(), m.group(2).strip()
    return s, None


def item_code(text: str) -> str | None:
    """Item as written (name, formula, with or without a unit) → code, or None."""
    key = normalise_name(text)
    if key in _ALIASES:
        return _ALIASES[key]
    name, _unit = strip_unit(text)
    return _ALIASES.get(normalise_name(name))


#: unit as written → (canonical unit, factor numerator, factor denominator) into the stored unit
_UNIT_FACTORS: Mapping[str, Mapping[str, tuple[int, int]]] = {
    "mg/L": {"mg/l": (1, 1), "毫克/升": (1, 1), "μg/l": (1, 1000), "ug/l": (1, 1000), "µg/l": (1, 1000),
             "微克/升": (1, 1000), "ng/l": (1, 1_000_000), "g/l": (1000, 1)},
    "个/L": {"个/l": (1, 1), "mpn/l": (1, 1), "cfu/l": (1, 1), "个/100ml": (10, 1), "mpn/100ml": (10, 1)},
    "无量纲": {"无量纲": (1, 1), "": (1, 1), "-": (1, 1)},
    "℃": {"℃": (1, 1), "°c": (1, 1), "c": (1, 1), "摄氏度": (1, 1)},
    "mg/m³": {"mg/m3": (1, 1), "mg/m³": (1, 1), "μg/l": (1, 1), "ug/l": (1, 1), "µg/l": (1, 1), "mg/l": (1000, 1)},
    "m": {"m": (1, 1), "米": (1, 1), "cm": (1, 100), "厘米": (1, 100)},
    "μS/cm": {"μs/cm": (1, 1), "us/cm": (1, 1), "µs/cm": (1, 1), "ms/m": (10, 1)},
    "NTU": {"ntu": (1, 1)},
    "cells/L": {"cells/l": (1, 1), "个/l": (1, 1)},
}


def unit_factor(code: str, unit: str | None) -> tuple[int, int] | None:
    """(num, den) converting a value in ``unit`` to the stored unit of ``code``; None when the
    unit is not known for that item. No unit = already the stored unit."""
    if unit is None or not unit.strip():
        return (1, 1)
    key = unicodedata.normalize("NFKC", unit).strip().lower().replace(" ", "").replace("µ", "μ")
    want = UNITS[code]
    table = _UNIT_FACTORS.get(want, {})
    if key in table:
        return table[key]
    if key == normalise_name(want):
        return (1, 1)
    return None


def convert_nano(nano: int, factor: tuple[int, int]) -> int | None:
    """Exact unit conversion of nano-units; None if the result is not a whole nano-unit."""
    num, den = factor
    q, r = divmod(nano * num, den)
    return None if r else q
