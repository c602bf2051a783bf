"""The one clock: Beijing calendar days, the loose-date parser, freezing."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from qingshan.core import clock


def test_today_is_the_beijing_calendar_day():
    # 2026-11-29 17:30 UTC is already 2026-11-30 01:30 in Beijing (UTC+8)
    with clock.frozen(datetime(2026, 11, 29, 17, 30, tzinfo=timezone.utc)):
        assert clock.today() == date(2026, 11, 30)
        assert clock.now_utc() == datetime(2026, 11, 29, 17, 30, tzinfo=timezone.utc)
    with clock.frozen(datetime(2026, 11, 29, 7, 59)):  # naive = Beijing
        assert clock.now_utc().hour == 23 and clock.today() == date(2026, 11, 29)


def test_stored_utc_shown_in_beijing_time():
    assert clock.local_text(datetime(2026, 11, 29, 1, 37)) == "2026-11-29 09:37"  # naive = UTC (SQLite)
    assert clock.local_text("2026-11-29T17:05:00+00:00") == "2026-11-30 01:05"
    assert clock.local_text(None) == "" and clock.local_text("不是时间") == "不是时间"


@pytest.mark.parametrize("text", ["2024-06-30", "2024/6/30", "2024.6.30", "2024年6月30日", " 2024 年 6 月 30 日 "])
def test_loose_dates(text):
    assert clock.parse_date(text) == date(2024, 6, 30)


@pytest.mark.parametrize("text, message", [("30/6/2024", "日期格式"), ("2024-02-30", "不是有效日期")])
def test_bad_dates_say_why_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        clock.parse_date(text)
