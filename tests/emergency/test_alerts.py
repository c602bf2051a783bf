"""Alerts in the store: successive forecast runs, regional notices, bureau-edited thresholds,
documents, and the report builders the pages and the bulletin call."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from docx import Document
from sqlalchemy.orm import Session

from qingshan.emergency import alerts, documents, forecasts, report, tables
from qingshan.emergency.errors import EmergencyError
from qingshan.emergency.models import Alert
from qingshan.standards.emergency_tables import packaged_version
from qingshan.store.db import make_engine

D1 = datetime(2026, 12, 10)


def csv(start: datetime, aqis: list[int], city: str = "大同市") -> bytes:
    lines = ["city,block_start,aqi,primary_pollutant"]
    lines += [f"{city},{(start + timedelta(days=i)):%Y-%m-%d},{a},PM2.5" for i, a in enumerate(aqis)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def session(db_url):
    eng = make_engine(db_url)
    with Session(eng) as s:
        yield s
    eng.dispose()


def run(s, start, aqis, run_time, name):
    b = forecasts.import_forecast(s, csv(start, aqis), name, run_time=run_time)
    return alerts.apply_batch(s, b.batch_id)[0]


def test_issue_raise_and_lift_over_three_runs(session):
    s = session
    c1 = run(s, D1, [201, 201, 120], D1 - timedelta(hours=40), "r1.csv")
    assert c1.actions == ("issue",) and c1.level == "orange"  # lift pending: the horizon ends after one block
    a = s.get(Alert, c1.alert_id)
    assert a.first_issue == D1 - timedelta(hours=24) and a.lift_at is None
    # the next run sees a second, worse run after a one-block gap: one episode, raised from d4
    c2 = run(s, D1, [201, 201, 120, 301, 301, 201, 120, 120], D1 - timedelta(hours=16), "r2.csv")
    assert c2.alert_id == c1.alert_id and c2.actions == ("raise", "extend", "lift") and c2.level == "red"
    tl = alerts.level_timeline(s, a)
    assert tl == [(D1, D1 + timedelta(days=3), "orange"), (D1 + timedelta(days=3), D1 + timedelta(days=6), "red")]
    c3 = run(s, D1 + timedelta(days=7), [100, 90], D1 + timedelta(days=6, hours=12), "r3.csv")
    assert c3.actions == ()  # planned lift passed: the alert ended, nothing new
    assert s.get(Alert, c1.alert_id).status == "lifted"
    month = report.alerts_in_month(s, 2026, 12)
    assert month.hours_by_level == {"orange": 72.0, "red": 72.0}
    rep = report.alert_report(s, a.id)
    assert [x.action for x in rep.actions] == ["issue", "raise", "extend", "lift"]
    assert rep.decision["thresholds"]["version"] == "2024"
    doc = Document(io.BytesIO(documents.action_document(s, rep.actions[1].id)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "红色预警" in text and "连续3个时段AQI>200" in text
    cur = report.current_alert(s, "大同市", D1 + timedelta(days=3, hours=5))
    assert cur.level == "red" and cur.response == "Ⅰ级"
    assert report.current_alert(s, "大同市", D1 + timedelta(days=2)).level == "orange"
    assert report.current_alert(s, "大同市", D1 + timedelta(days=6)).level == "none"


def test_later_run_without_episode_lifts(session):
    s = session
    c1 = run(s, D1, [201, 201, 201], D1 - timedelta(hours=40), "a.csv")
    c2 = run(s, D1 + timedelta(days=1), [120, 100, 100], D1 + timedelta(hours=20), "b.csv")
    assert c2.actions == ("lift",)
    a = s.get(Alert, c1.alert_id)
    assert a.status == "lifted" and a.lift_at == D1 + timedelta(days=3)  # end of the last block > 150 known


def test_regional_notice_raises_the_level_in_force(session):
    s = session
    run(s, D1, [201, 120, 120], D1 - timedelta(hours=40), "y.csv")  # local yellow on d1
    n = alerts.add_notice(s, source="regional", issuer="汾渭平原区域协作机制（测试）", cities=["大同市"],
                          level="橙色", start=D1 + timedelta(hours=12), document_no="区域〔2026〕1号")
    tl = alerts.city_timeline(s, "大同市", D1, D1 + timedelta(days=2))
    assert tl[0][2:] == ("yellow", "local") and tl[1][2:] == ("orange", "regional")
    assert report.current_alert(s, "大同市", D1 + timedelta(hours=13)).source == "regional"
    alerts.lift_notice(s, n.id, D1 + timedelta(days=1, hours=6), document_no="区域〔2026〕2号")
    assert report.current_alert(s, "大同市", D1 + timedelta(days=1, hours=7)).level == "none"
    with pytest.raises(EmergencyError):
        alerts.add_notice(s, source="county", issuer="x", cities=["大同市"], level="橙色", start=D1)


def test_bureau_edited_thresholds_are_used_and_recorded(session):
    s = session
    doc = packaged_version("alert_thresholds", "2024").to_dict()
    doc.update(version="大同-2025", status="confirmed", source="大同市重污染天气应急预案（测试）")
    doc["data"]["edition"] = "2024"
    doc["data"]["branches"][2]["min_blocks"] = 2  # orange at 2 blocks > 150
    before, after = tables.add_version(s, doc, activate_it=True)
    assert after["version"] == "大同-2025" and after["active"] is True
    c = run(s, D1, [160, 160, 100, 100], D1 - timedelta(hours=40), "t.csv")
    assert c.level == "orange" and c.decision.table["version"] == "大同-2025"
    bad = dict(doc, version="坏版本")
    bad["data"] = {"run_above": 150, "branches": [{"level": "紫色", "above": 200, "min_blocks": 1, "label": "x"}]}
    with pytest.raises(EmergencyError, match="预警级别"):
        tables.add_version(s, bad)
    with pytest.raises(EmergencyError, match="已有版本"):
        tables.add_version(s, doc)
    # a 2019 run still gets the 2019 table
    assert alerts.thresholds_for(s, "2019").table.version == "2019"


def test_observed_trigger_and_post_event_check(session):
    s = session
    # forecast: d1 210, d2 220 → orange; observed series afterwards
    run(s, D1, [190, 195, 120], D1 - timedelta(hours=40), "f.csv")  # no alert: 2 blocks > 150 → yellow
    assert s.query(Alert).count() == 1
    s.query(Alert).delete()  # start again without the forecast alert, to test the observed trigger alone
    ob = forecasts.import_forecast(s, csv(D1 - timedelta(days=1), [230]), "obs.csv", run_time=D1, kind="observed")
    ch = alerts.apply_observed(s, ob.batch_id, D1)
    # observed 230 > 200 for the 24 h ending at D1; the forecast's next block (D1, 190) ≤ 200 starts at once
    assert ch == []
    fc2 = forecasts.import_forecast(s, csv(D1, [240, 250, 120]), "f2.csv", run_time=D1 - timedelta(hours=1))
    assert fc2.batch_id
    ch = alerts.apply_observed(s, ob.batch_id, D1)
    assert [(c.actions, c.level) for c in ch] == [(("issue",), "orange")]  # higher of yellow and forecast orange
    a = s.get(Alert, ch[0].alert_id)
    assert a.first_issue == D1 and "实况触发" in alerts.actions_of(s, a.id)[0].reason


def test_post_event_check(session):
    s = session
    c = run(s, D1, [201, 201, 100, 100], D1 - timedelta(hours=40), "f3.csv")
    forecasts.import_forecast(s, csv(D1, [180, 160, 90, 80]), "obs2.csv", run_time=D1 + timedelta(days=5),
                              kind="observed")
    chk = report.post_event_check(s, c.alert_id)
    assert [r[1:] for r in chk.rows] == [(201, 180), (201, 160), (100, 90), (100, 80)]
    # observed: 2 blocks > 150 → yellow; the orange condition was not hit
    assert chk.forecast_level == "orange" and chk.observed_level == "yellow" and chk.hit is False
