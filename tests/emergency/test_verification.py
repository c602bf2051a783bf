"""VERIFY-1 through the store: E3's hourly data written as HJ 212 packets, read back through the
domain's one read function, the alert from a stored forecast run, results stored with the table
versions, and the evidence payload of the enterprise that failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest
from emergency_support import E2_MN, E2_ROW, list_workbook, register_plants
from sqlalchemy.orm import Session

from qingshan.emergency import alerts, forecasts, listio, report
from qingshan.emergency.hj212_store import read_hourly, write_hourly
from qingshan.emergency.verification import evidence_payload, run_verification
from qingshan.standards.verify_cuts import VerifyParams
from qingshan.store.db import make_engine

D1 = datetime(2026, 12, 10)
RUN = D1 - timedelta(hours=36)
ISSUE = D1 - timedelta(hours=24)
# E3 (air-emergency.md §5): NOx C, V (m³), flag, SO2 C — b1…b6 then a1…a6
BASE = [(95, 520_000, "N", 21), (98, 515_000, "N", 20), (102, 530_000, "D", 22), (96, 525_000, "N", 19),
        (100, 510_000, "N", 20), (97, 520_000, "N", 21)]
ALERT = [(90, 430_000, "N", 23), (92, 425_000, "N", 24), (88, 420_000, "M", 22), (91, 428_000, "N", 25),
         (89, 432_000, "N", 24), (93, 418_000, "N", 23)]
FORECAST = ("city,block_start,aqi,primary_pollutant\n"
            "大同市,2026-12-10,205,PM2.5\n大同市,2026-12-11,212,PM2.5\n大同市,2026-12-12,120,PM2.5\n"
            "大同市,2026-12-13,110,PM2.5\n").encode()
E3_PARAMS = VerifyParams(baseline_h=6, baseline_max_h=6, baseline_min_valid_h=1)


def e3_packets() -> pl.DataFrame:
    rows = []
    hours = [ISSUE - timedelta(hours=6 - i) for i in range(6)] + [D1 + timedelta(hours=i) for i in range(6)]
    for t, (nox, v, flag, so2) in zip(hours, BASE + ALERT):
        rows += [(E2_MN, t, "a21002", str(nox), flag, None), (E2_MN, t, "a21026", str(so2), flag, None),
                 (E2_MN, t, "a00000", f"{v / 3600:.4f}", "N", str(v))]
    return pl.DataFrame(rows, schema=["mn", "hour", "factor", "avg", "flag", "cou"], orient="row")


@pytest.fixture
def alert_store(db_url):
    ids = register_plants(db_url)
    assert write_hourly(db_url, e3_packets()) == 12
    eng = make_engine(db_url)
    with Session(eng) as s, s.begin():
        listio.import_list(s, list_workbook([E2_ROW]), "清单.xlsx")
        b = forecasts.import_forecast(s, FORECAST, "预报.csv", run_time=RUN)
        changes = alerts.apply_batch(s, b.batch_id)
    yield eng, ids, changes[0].alert_id
    eng.dispose()


def test_read_hourly_gives_the_stored_values(alert_store):
    eng, _, _ = alert_store
    f = read_hourly(eng, [E2_MN], ISSUE - timedelta(hours=6), D1 + timedelta(hours=6))
    assert f.height == 36
    b3 = f.filter((pl.col("factor") == "a21002") & (pl.col("hour") == ISSUE - timedelta(hours=4)))
    assert b3["avg"].to_list() == [102 * 10**6] and b3["flag"].to_list() == ["D"] and b3["valid"].to_list() == [False]
    flow = f.filter(pl.col("factor") == "a00000").sort("hour")
    assert flow["cou"].to_list()[0] == 520_000 * 10**6


def test_e3_through_the_store(alert_store):
    eng, ids, alert_id = alert_store
    with Session(eng) as s, s.begin():
        a = alerts.describe(s.get(alerts.Alert, alert_id))
        assert a["level"] == "orange" and a["first_issue"].startswith("2026-12-09T00:00")
        run = run_verification(s, eng, alert_id, now=D1 + timedelta(hours=6), params=E3_PARAMS)
        got = {r.pollutant: r for r in run.results}
        nox, so2 = got["NOx"], got["SO2"]
        assert nox.r_base == Fraction(25171, 500) and nox.r_alert == Fraction(19407, 500)
        assert nox.rho == Fraction(5764, 25171) and nox.rho_req == Fraction(2, 11)
        assert nox.status == "PASS" and "CHECK_LOAD" in nox.flags and nox.load_ratio == Fraction(2133, 2590)
        assert nox.coverage == Fraction(5, 6) and nox.provisional
        assert so2.rho == Fraction(1543, 52315) and so2.status == "FAIL"
        assert got["PM"].status == "NOT_MONITORED"
        # the table versions used travel with the stored result
        kinds = {t["kind"]: t["version"] for t in run.tables}
        assert kinds["verify_params"] == "VERIFY-1.0" and kinds["alert_thresholds"] == "2024"
        rep = report.verification_report(s, run.id)
        assert rep.enterprises[0].failed and rep.provisional
        payload = evidence_payload(s, run.id, ids["e2"])
        assert payload["kind"] == "inspection" and "SO2" in payload["fields"]["evidence"]
        assert "2.9%" in payload["fields"]["evidence"] and "18.2%" in payload["fields"]["evidence"]
        assert {r["pollutant"] for r in payload["computation"]["results"]} == {"SO2", "NOx", "PM", "VOCs"}
        nc = report.non_complying(s, D1 - timedelta(days=1), D1 + timedelta(days=3), include_provisional=True)
        assert [(x.enterprise_id, x.pollutants) for x in nc] == [(ids["e2"], ("SO2",))]
        assert report.non_complying(s, D1 - timedelta(days=1), D1 + timedelta(days=3)) == []  # final only


def test_live_view_refreshes_as_data_arrive(alert_store):
    eng, ids, alert_id = alert_store
    with Session(eng) as s:
        first = run_verification(s, eng, alert_id, now=D1 + timedelta(hours=3), params=E3_PARAMS, store=False)
        later = run_verification(s, eng, alert_id, now=D1 + timedelta(hours=6), params=E3_PARAMS, store=False)
        n1 = {r.pollutant: r.n_alert for r in first.results}["NOx"]
        n2 = {r.pollutant: r.n_alert for r in later.results}["NOx"]
        assert (n1, n2) == (3, 6) and first.id is None
