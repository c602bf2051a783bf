"""The emergency list in the bureau's Excel layout: per-row errors, nothing half-imported,
export → import round trip, and the city check of E2 through the store."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from emergency_support import COKING_ROW, E2_ROW, list_workbook, register_plants
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.emergency import listio, lists, report
from qingshan.emergency.errors import ImportRefused
from qingshan.emergency.models import EmergencyList, ListRow
from qingshan.store.db import make_engine


@pytest.fixture
def store(db_url):
    ids = register_plants(db_url)
    eng = make_engine(db_url)
    yield eng, ids
    eng.dispose()


def test_import_computes_reductions_and_city_check_e2(store):
    eng, ids = store
    with Session(eng) as s:
        res = listio.import_list(s, list_workbook([E2_ROW]), "清单.xlsx", season="2025-2026")
        s.commit()
        row = lists.list_rows(s, res.list_id)[0]
        # measures filled from the grade table (B cement, §3.2) and reductions of E2 (§2.4)
        assert row.measures["orange"] == ["cut 20", "truck_ban_le4"]
        assert row.r["orange"] == {"SO2": "24", "NOx": "192", "PM": "12", "VOCs": "0"}
        assert row.r["red"]["NOx"] == "1056" and row.r["yellow"]["NOx"] == "0"
        chk = lists.check_for(s, res.list_id, "orange")
        got = {i.pollutant: i for i in chk.items}
        assert {p: got[p].achieved_t for p in got} == {"SO2": Fraction("3.9"), "NOx": Fraction("7.95"),
                                                       "PM": Fraction("2.6"), "VOCs": Fraction("4.3")}
        assert got["NOx"].shortfall_t == Fraction("0.45") and got["NOx"].share_pub == "18.9%"
        assert not chk.passed and chk.failing == ("NOx",)
        rep = report.list_report(s, res.list_id)
        assert rep.passed["orange"] is False


def test_bad_rows_refuse_whole_file(store):
    eng, ids = store
    unknown = dict(E2_ROW, 统一社会信用代码="91140200MA0ZZZ0019", 生产线="x")  # valid check char? see below
    rows = [
        E2_ROW,
        dict(E2_ROW),  # same enterprise × line again
        dict(COKING_ROW, 绩效等级="E"),  # unknown grade
        dict(COKING_ROW, 生产线="2号焦炉", 红色预警措施="减产一点"),
        dict(COKING_ROW, 生产线="3号焦炉", 排放口MN="AAAAAAAAAAAAAAAAAAAAAAAA"),
        dict(COKING_ROW, 生产线="4号焦炉", **{"NOx基准排放量(kg/d)": "很多"}),
        unknown,
    ]
    with Session(eng) as s:
        with pytest.raises(ImportRefused) as exc:
            listio.import_list(s, list_workbook(rows, formula=(3, "当前产量P0")), "坏清单.xlsx")
        s.rollback()
        errs = exc.value.row_errors
        by = {(e.row, e.field) for e in errs}
        assert (3, "当前产量P0") in by  # formula refused
        assert (4, "生产线") in by  # duplicate enterprise × line
        assert (5, "绩效等级") in by
        assert (6, "红色预警措施") in by
        assert (7, "排放口MN") in by
        assert (8, "NOx基准排放量(kg/d)") in by
        assert (9, "统一社会信用代码") in by  # unknown enterprise (or bad check character)
        assert all(e.file == "坏清单.xlsx" for e in errs)
        assert s.scalar(select(func.count()).select_from(ListRow)) == 0
        assert s.scalar(select(func.count()).select_from(EmergencyList)) == 0


def test_export_import_round_trip_and_filters(store):
    eng, ids = store
    with Session(eng) as s:
        book = list_workbook([E2_ROW, COKING_ROW])
        res = listio.import_list(s, book, "清单.xlsx")
        s.commit()
        again = listio.import_list(s, book, "清单（副本）.xlsx")
        assert again.previous and again.list_id == res.list_id  # same file: nothing duplicated
        data = listio.export_list(s, res.list_id)
        only_c = listio.export_list(s, res.list_id, grade="C")
        back = listio.import_list(s, data, "导出.xlsx")
        s.commit()
        a = {(r.uscc, r.line_id): r for r in lists.list_rows(s, res.list_id)}
        b = {(r.uscc, r.line_id): r for r in lists.list_rows(s, back.list_id)}
        assert a.keys() == b.keys()
        for k in a:
            assert (a[k].grade, a[k].measures, a[k].e0, a[k].r, a[k].p0, a[k].t0) == \
                   (b[k].grade, b[k].measures, b[k].e0, b[k].r, b[k].p0, b[k].t0)
        coke = [r for r in b.values() if r.industry == "coking"][0]
        assert coke.measures["orange"] == ["coking_time 40"]
        assert coke.r["orange"]["NOx"] == "200"  # E0 × (1 − 20/40)
        ws = load_workbook(io.BytesIO(only_c))[listio.SHEET]
        names = [ws.cell(r, 2).value for r in range(3, ws.max_row + 1)]
        assert names == ["测试焦化厂（测试）"]
