"""Grades in the store: entered indicators with evidence, emission indicators from HJ 212 hourly
converted concentrations, the short-board rule naming the deciding indicator, grade history."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest
from emergency_support import E2_MN, register_plants
from sqlalchemy.orm import Session

from qingshan.emergency import grading
from qingshan.emergency.errors import EmergencyError
from qingshan.emergency.hj212_store import write_hourly
from qingshan.store.db import make_engine

T0 = datetime(2026, 10, 1)


def zs_data(nox_peak: str) -> pl.DataFrame:
    rows = []
    for i in range(48):
        t = T0 + timedelta(hours=i)
        nox = nox_peak if i == 30 else "92.5"
        rows += [(E2_MN, t, "a21002", "80", nox, "N"), (E2_MN, t, "a21026", "20", "28", "N"),
                 (E2_MN, t, "a34013", "5", "6.5", "N")]
    rows.append((E2_MN, T0 + timedelta(hours=31), "a34013", "5", "99", "D"))  # flagged: not valid, ignored
    return pl.DataFrame(rows, schema=["mn", "hour", "factor", "avg", "zs_avg", "flag"], orient="row")


@pytest.fixture
def store(db_url):
    ids = register_plants(db_url)
    eng = make_engine(db_url)
    yield db_url, eng, ids
    eng.dispose()


def test_short_board_with_online_emissions(store):
    url, eng, ids = store
    write_hourly(url, zs_data("100.00"))
    with Session(eng) as s:
        for key, group, g in (("装备水平", "equipment", "A"), ("无组织排放", "fugitive", "A"),
                              ("监测监控", "monitoring", "A")):
            grading.enter_indicator(s, enterprise_id=ids["e2"], industry="cement", key=key, group=group,
                                    grade_met=g, evidence="现场核查（测试）")
        row, dec = grading.compute_grade(s, eng, ids["e2"], "cement", review_end=T0 + timedelta(days=3),
                                         transport_shares={"clean": Fraction(4, 5)})
        # NOx 100 ≤ A's 100 at every valid hour (≤), SO2 28 ≤ 35, PM 6.5 ≤ 10 → A everywhere
        assert row.grade == "A" and dec.grade == "A"
        s.commit()  # the writer needs the database (SQLite: one writer at a time)
        write_hourly(url, zs_data("100.01").filter(pl.col("hour") == T0 + timedelta(hours=30)))  # duplicate: ignored
        row2, _ = grading.compute_grade(s, eng, ids["e2"], "cement", review_end=T0 + timedelta(days=3))
        assert row2.grade == "A"  # the first stored packet wins (hj212.md §10.5)
        s.commit()


def test_one_hour_above_decides(store):
    url, eng, ids = store
    write_hourly(url, zs_data("100.01"))
    with Session(eng) as s:
        grading.enter_indicator(s, enterprise_id=ids["e2"], industry="cement", key="装备水平", group="equipment",
                                grade_met="A", evidence="环评批复（测试）")
        row, dec = grading.compute_grade(s, eng, ids["e2"], "cement", review_end=T0 + timedelta(days=3),
                                         valid_from=date(2026, 10, 5))
        assert row.grade == "B" and dec.deciding == ("排放限值:窑尾排放口:NOx",)
        assert any(t["kind"] == "grade_limits" and t["status"] == "UNCONFIRMED" for t in row.tables)
        grading.set_grade(s, ids["e2"], "cement", "C", date(2026, 12, 1), source="entered", reason="检查发现问题，降级")
        assert grading.grade_at(s, ids["e2"], date(2026, 11, 1)) == "B"
        assert grading.grade_at(s, ids["e2"], date(2026, 12, 2)) == "C"
        assert grading.grade_at(s, ids["e2"], date(2026, 9, 1)) is None
        with pytest.raises(EmergencyError, match="佐证"):
            grading.enter_indicator(s, enterprise_id=ids["e2"], industry="cement", key="x", group="equipment",
                                    grade_met="A", evidence=" ")
        with pytest.raises(EmergencyError, match="等级"):
            grading.enter_indicator(s, enterprise_id=ids["e2"], industry="power", key="x", group="equipment",
                                    grade_met="B", evidence="e")
        s.commit()
