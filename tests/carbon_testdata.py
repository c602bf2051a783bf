"""Shared data of the carbon tests (importable from every test folder: ``pythonpath = tests``)."""

from __future__ import annotations

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
