"""The emergency demo builder on a fresh SQLite store: an orange alert from the synthetic series,
the plant that does not cut caught by the verification, everything invented labelled."""

from __future__ import annotations

from datetime import datetime

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.demo.emergency import build_emergency_demo, find_orange_episode, render_summary
from qingshan.emergency import report
from qingshan.emergency.models import EmergencyList, ForecastBatch, ListRow
from qingshan.emergency.verification import evidence_payload
from qingshan.standards.alert_levels import Level
from qingshan.store.db import make_engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('emdemo') / 'demo.db'}"
    return url, build_emergency_demo(url)


def test_episode_is_orange_from_the_synthetic_series():
    blocks, level, note = find_orange_episode()
    assert level >= Level.ORANGE
    assert blocks[0].start == datetime(2025, 1, 1)  # the demo's 2025–2026 series


def test_demo_alert_list_and_verification(demo):
    url, s = demo
    assert s.alert_level == "orange" and s.failing == ["大同演示水泥有限公司（演示）"]
    assert len(s.enterprises) == 6 and s.packets > 1000
    assert s.city_check == {"yellow": True, "orange": False, "red": True}
    eng = make_engine(url)
    try:
        with Session(eng) as ses:
            rep = report.verification_report(ses, s.verification_id)
            assert rep.demo and not rep.provisional
            bad = [e for e in rep.enterprises if e.failed]
            assert [e.name for e in bad] == ["大同演示水泥有限公司（演示）"]
            statuses = {r.status for _, _, res in bad[0].units for r in res}
            assert statuses == {"FAIL", "NOT_REQUIRED"}
            stopped = next(e for e in rep.enterprises if e.name.startswith("云冈演示"))
            assert {r.status for _, _, res in stopped.units for r in res if r.pollutant != "VOCs"} == {"PASS"}
            payload = evidence_payload(ses, s.verification_id, bad[0].enterprise_id)
            assert payload["demo"] is True and "未落实" in payload["title"]
            lst = ses.get(EmergencyList, s.list_id)
            assert lst.demo and "演示" in lst.name
            for row in ses.scalars(select(ListRow)):
                assert "演示" in row.name or row.name.startswith("国电电力")
            cur = report.current_alert(ses, "大同市", datetime.fromisoformat(s.alert_start))
            assert cur.level == "orange" and cur.demo
            assert any("以热定产" in g.measures for g in cur.measures)
    finally:
        eng.dispose()
    out = Console(record=True, width=100)
    out.print(render_summary(s))
    assert "未落实：大同演示水泥有限公司（演示）" in out.export_text()


def test_second_run_duplicates_nothing(demo):
    url, first = demo
    again = build_emergency_demo(url)
    assert again.list_id == first.list_id and again.batch_id == first.batch_id
    eng = make_engine(url)
    try:
        with Session(eng) as ses:
            assert ses.scalar(select(func.count()).select_from(EmergencyList)) == 1
            assert ses.scalar(select(func.count()).select_from(ForecastBatch)) == 1
    finally:
        eng.dispose()


def test_qingshan_demo_hook_shows_the_alert_and_the_failing_plant(demo):
    """``qingshan demo`` runs DOMAIN_DEMOS (issue 12 item 7: "shows the alert and the failing plant")."""
    from qingshan.demo import domains

    url, first = demo
    (entry,) = [d for d in domains.DOMAIN_DEMOS if d.title == "重污染天气应急"]
    out = Console(record=True, width=140)
    eng = make_engine(url)
    try:
        domains.run(out, eng, (entry,))
    finally:
        eng.dispose()
    text = out.export_text()
    assert f"预警 {first.alert_id}：橙色" in text and "未落实：大同演示水泥有限公司（演示）" in text
    assert f"/emergency/alerts/{first.alert_id}" in text
