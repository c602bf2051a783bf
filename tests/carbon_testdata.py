"""Shared data of the carbon tests (importable from every test folder: ``pythonpath = tests``)."""

from __future__ import annotations

from fractions import Fraction as F

from qingshan.sources.uscc import check_char


def uscc(body: str) -> str:
    return body + check_char(body)


PLANT_USCC = uscc("91140200MA0TEXT01")
CEMENT_USCC = uscc("91140200MA0TEXT02")

#: carbon.md §9 C3, base year 2025 (item, use, quantity, unit) — synthetic, illustrative
C3_BALANCE_2025 = (
    ("原煤", "火力发电及供热", "26000000", "t"),
    ("原煤", "终端消费", "3000000", "t"),
    ("焦炭", "终端消费", "800000", "t"),
    ("柴油", "终端消费", "400000", "t"),
    ("汽油", "终端消费", "300000", "t"),
    ("天然气", "终端消费", "80000", "万m³"),
    ("电力", "净调入", "-30000000", "MWh"),
)


def balance_csv(year: int, factor: F) -> str:
    """C3's base-year balance scaled by ``factor`` (exact decimal text), one CSV line per row."""
    lines = []
    for item, use, q, u in C3_BALANCE_2025:
        v = F(q) * factor
        assert v.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100, 125, 250, 500, 1000, 10000, 100000, 1000000)
        text = f"{float(v):.6f}".rstrip("0").rstrip(".")
        assert F(text) == v
        lines.append(f"{year},全年,{item},{use},{text},{u}")
    return "\n".join(lines)


#: carbon.md §9 C3: 2026 CO2 +1.2 %, GDP index 105.3; 2027 CO2 −0.8 %, index 105.0 (GDP 2025 = 1 950 亿元)
C3_BALANCE_CSV = ("年份,期间,能源品种,用途,数量,单位\n" + "\n".join(
    [balance_csv(2025, F(1)), balance_csv(2026, F("1.012")), balance_csv(2027, F("1.012") * F("0.992"))]) + "\n")
C3_GDP_CSV = "年份,期间,地区生产总值(亿元),地区生产总值指数,来源\n2025,全年,1950,,C3\n2026,全年,,105.3,C3\n2027,全年,,105.0,C3\n"
