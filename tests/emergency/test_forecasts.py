"""Forecast files: per-row errors for bad input, all-or-nothing import, no duplicate re-import."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.emergency import forecasts
from qingshan.emergency.errors import ImportRefused
from qingshan.emergency.models import ForecastBatch, ForecastBlock
from qingshan.store.db import make_engine

RUN = datetime(2026, 11, 29, 16)
GOOD = """city,block_start,aqi,primary_pollutant
大同市,2026-12-01,169,PM2.5
大同市,2026-12-02,215,细颗粒物(PM2.5)
大同市,2026-12-03T00:00+08:00,236,PM2.5
朔州市,2026-12-01,120,
""".encode()
BAD = """city,block_start,aqi,primary_pollutant
大同市,2026-12-01,169,PM2.5
大同市,2026-12-02,2O5,PM2.5
大同市,2026-12-04,236,PM2.5
忻州市,2026-12-01,160,PM2.5
忻州市,2026-12-01,170,PM2.5
朔州市,12/01/2026,120,PM2.5
朔州市,2026-12-02,120,XX
""".encode()


def test_bad_file_gives_per_row_errors():
    p = forecasts.parse_forecast(BAD, "bad.csv")
    got = {(e.row, e.field) for e in p.errors}
    assert (3, "aqi") in got  # non-numeric AQI
    assert (6, "block_start") in got  # repeated (city, block_start)
    assert (7, "block_start") in got  # not ISO 8601
    assert (8, "primary_pollutant") in got
    assert all(e.file == "bad.csv" for e in p.errors)
    assert "忻州市" in p.rejected_cities and "忻州市" not in p.cities
    # the gap (2026-12-03) and the unreadable 12-02 block are missing blocks, reported as such
    assert any("2026-12-03 00:00" in w.reason for w in p.warnings)
    row3 = p.frame.filter(p.frame["row"] == 3)
    assert row3["aqi"].to_list() == [None]
    assert "第 3 行，字段「aqi」" in str(p.errors[0])


def test_offset_is_converted_to_beijing_time():
    assert forecasts.parse_block_start("2026-12-01T00:00Z") == datetime(2026, 12, 1, 8)
    assert forecasts.parse_block_start("2026-12-01") == datetime(2026, 12, 1)
    with pytest.raises(ValueError):
        forecasts.parse_block_start("2026-12-01T06:00:30")


def test_import_is_all_or_nothing_and_idempotent(db_url):
    eng = make_engine(db_url)
    try:
        with Session(eng) as s:
            with pytest.raises(ImportRefused) as exc:
                forecasts.import_forecast(s, BAD, "bad.csv", run_time=RUN)
            assert len(exc.value.errors) == 4
            s.rollback()
            assert s.scalar(select(func.count()).select_from(ForecastBlock)) == 0
            res = forecasts.import_forecast(s, GOOD, "good.csv", run_time=RUN)
            s.commit()
            assert res.rows == 4 and res.cities == ["大同市", "朔州市"] and not res.previous
            again = forecasts.import_forecast(s, GOOD, "good-copy.csv", run_time=RUN)
            s.commit()
            assert again.previous and again.batch_id == res.batch_id
            assert s.scalar(select(func.count()).select_from(ForecastBatch)) == 1
            f = forecasts.batch_frame(s, res.batch_id, "大同市")
            assert f["aqi"].to_list() == [169, 215, 236]
            assert f["primary"].to_list()[1] == ["PM2.5"]
    finally:
        eng.dispose()


def test_excel_forecast():
    wb = Workbook()
    ws = wb.active
    ws.append(["城市", "时段起点", "AQI", "首要污染物"])
    ws.append(["大同市", datetime(2026, 12, 1), 201, "PM2.5"])
    ws.append(["大同市", datetime(2026, 12, 2), "180–220", "PM2.5"])
    buf = io.BytesIO()
    wb.save(buf)
    p = forecasts.parse_forecast(buf.getvalue(), "f.xlsx")
    assert not p.errors and p.frame["aqi"].to_list() == [201, 220]


def test_missing_column_refuses_file():
    with pytest.raises(ImportRefused, match="缺少列 aqi"):
        forecasts.parse_forecast("city,block_start\n大同市,2026-12-01\n".encode(), "x.csv")
