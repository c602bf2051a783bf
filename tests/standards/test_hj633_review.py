"""Edge cases found in review: edition without a time column, ISO offsets, O3 8-h in the set.

Expected values come from air-aqi.md (E1 row 1001A of the CNEMC brief; §0; §8.2 row 6; §10).
"""

from __future__ import annotations

import polars as pl
import pytest

from qingshan.standards.hj633 import EditionDefaultWarning, realtime_aqi

# E1 (1001A, 2022-01-01T12:00, edition 2012): AQI 72, primary PM2.5
E1 = dict(so2=11, no2=70, pm10=90, co=1.3, o3=11, pm25=52)


def test_timepoint_column_decides_the_edition():
    frame = pl.DataFrame([E1 | {"timepoint": "2022-01-01T12:00:00"}])
    assert realtime_aqi(frame)["aqi"][0] == 72  # under 2026 (PM2.5 node 60) it would be 85


def test_no_time_no_edition_warns_and_uses_today():
    with pytest.warns(EditionDefaultWarning):
        out = realtime_aqi(pl.DataFrame([E1]))
    # today (2026-11-29) is edition 2026: PM2.5 52 → 50 + 50·17/25 = 84 → IAQI 84
    assert out["edition"][0] == "2026" and out["aqi"][0] == 84


@pytest.mark.parametrize("stamp,edition", [
    ("2026-03-01T00:00:00+08:00", "2012"),   # boundary hour belongs to 2026-02-28 (§0)
    ("2026-03-01T01:00:00+08:00", "2026"),
    ("2026-02-28T17:00:00Z", "2026"),        # = 2026-03-01T01:00 Beijing
])
def test_iso_text_with_offset(stamp, edition):
    out = realtime_aqi(pl.DataFrame([E1 | {"time": stamp}]))
    assert out["edition"][0] == edition


def test_o3_8h_in_the_set_without_its_column_is_missing():
    # §8.2 row 6 with hourly_include_o3_8h=True; §10: an indicator of the set missing and the
    # rest ≤ 100 → AQI not published. E1's available maximum is 72.
    frame = pl.DataFrame([E1 | {"time": "2022-01-01T12:00:00"}])
    assert realtime_aqi(frame, hourly_include_o3_8h=True)["aqi"][0] is None
    assert realtime_aqi(frame)["aqi"][0] == 72
