"""Rule VERIFY-1 (air-emergency.md §4.2–§4.3): worked example E3 and the rule's edge cases.

Reference values are typed in from the spec (§5 E3), never read off our output.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import polars as pl
import pytest

from qingshan.standards.verify_cuts import (
    HOURLY_SCHEMA,
    AlertWindow,
    CheckUnit,
    VerifyParams,
    verify,
)

MN = "010000A8900016F000169DC0"
ISSUE = datetime(2026, 12, 10, 0)  # first issue; the alert starts with it (E3 shortens both windows to 6 h)
# E3 table: hour, NOx C, V (m³), flag, SO2 C
BASE = [(95, 520_000, "N", 21), (98, 515_000, "N", 20), (102, 530_000, "D", 22), (96, 525_000, "N", 19),
        (100, 510_000, "N", 20), (97, 520_000, "N", 21)]
ALERT = [(90, 430_000, "N", 23), (92, 425_000, "N", 24), (88, 420_000, "M", 22), (91, 428_000, "N", 25),
         (89, 432_000, "N", 24), (93, 418_000, "N", 23)]


def e3_frame(base=BASE, alert=ALERT, start=ISSUE) -> pl.DataFrame:
    rows = []
    hours = [start - timedelta(hours=6 - i) for i in range(6)] + [start + timedelta(hours=i) for i in range(6)]
    for t, (nox, v, flag, so2) in zip(hours, base + alert):
        ok = flag == "N"
        # no pollutant -Cou is sent (E3): mass = C × V / 10⁶ with V = a00000-Cou
        rows.append((MN, "a21002", t, nox * 10**6, None, None, flag, ok))
        rows.append((MN, "a21026", t, so2 * 10**6, None, None, flag, ok))
        rows.append((MN, "a00000", t, None, None, v * 10**6, "N", True))
    return pl.DataFrame(rows, schema=HOURLY_SCHEMA, orient="row")


E3_PARAMS = VerifyParams(baseline_h=6, baseline_max_h=6, baseline_min_valid_h=1)
ORANGE = AlertWindow(first_issue=ISSUE, start=ISSUE, end=ISSUE + timedelta(hours=6),
                     levels=[(ISSUE, ISSUE + timedelta(hours=6), "orange")])
RHO_REQ = {"orange": {"NOx": Fraction(2, 11), "SO2": Fraction(2, 11), "PM": Fraction(2, 11)}}
E2_PLANT = CheckUnit("E2-kiln", (MN,), RHO_REQ, e0={"PM": Fraction(66), "SO2": Fraction(132), "NOx": Fraction(1056)},
                     cut_levels=frozenset({"orange"}))


@pytest.fixture(scope="module")
def e3():
    v = verify(e3_frame(), [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1), params=E3_PARAMS)
    return {r.pollutant: r for r in v.results}


def test_e3_nox_pass_with_check_load(e3):
    r = e3["NOx"]
    assert r.r_base == Fraction(25171, 500)  # 50.342 kg/h
    assert r.r_alert == Fraction(19407, 500)  # 38.814 kg/h
    assert r.rho == Fraction(5764, 25171)
    assert r.rho_pub == "22.9%"
    assert r.rho_req == Fraction(2, 11) and r.rho_req_pub == "18.2%"
    assert r.coverage == Fraction(5, 6) and r.coverage_pub == "83.3%"
    assert r.status == "PASS"
    assert r.load_ratio == Fraction(2133, 2590) and r.load_ratio_pub == "82.4%"
    assert "CHECK_LOAD" in r.flags  # 82.4 % > 1 − 2/11 = 81.8 % (§4.3)
    assert r.excluded_alert == {"M": 1} and r.excluded_base == {"D": 1}
    assert r.baseline_source == "online" and r.n_valid_base == 5


def test_e3_so2_fail(e3):
    r = e3["SO2"]
    assert r.r_base == Fraction(10463, 1000)
    assert r.r_alert == Fraction(101544, 10000)
    assert r.rho == Fraction(1543, 52315)
    assert r.rho_pub == "2.9%"
    assert r.status == "FAIL"


def test_e3_unmonitored_and_unrequired(e3):
    assert e3["PM"].status == "NOT_MONITORED"  # rho_req 2/11 but no outlet reports a34013
    assert e3["VOCs"].status == "NOT_REQUIRED"  # rho_req 0


def test_results_carry_the_parameter_table(e3):
    assert e3["NOx"].params == {"kind": "verify_params", "version": "VERIFY-1.0", "status": "PROJECT DEFAULT"}
    assert VerifyParams.from_table().table["version"] == "VERIFY-1.0"


def test_cou_preferred_and_mismatch_flagged():
    f = e3_frame()
    # a valid NOx -Cou equal to the product is used as is; one 2 % off is replaced by the product
    cou = {ISSUE + timedelta(hours=0): 38_700_000, ISSUE + timedelta(hours=1): 39_100_000 * 102 // 100}
    f = f.with_columns(cou=pl.when((pl.col("factor") == "a21002") & pl.col("hour").is_in(list(cou)))
                       .then(pl.col("hour").replace_strict(cou, default=None, return_dtype=pl.Int64))
                       .otherwise(pl.col("cou")))
    r = {x.pollutant: x for x in verify(f, [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.r_alert == Fraction(19407, 500)  # unchanged: the mismatching hour fell back to C × V
    assert r.cou_mismatch_hours == 1 and "COU_MISMATCH" in r.flags


def test_low_coverage_is_indeterminate():
    alert = [(90, 430_000, "D", 23)] * 2 + ALERT[2:]  # 3 of 6 alert hours excluded → 50 %
    r = {x.pollutant: x for x in verify(e3_frame(alert=alert), [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.coverage == Fraction(1, 2) and r.status == "INDETERMINATE"


def test_missing_record_is_invalid():
    f = e3_frame().filter(~((pl.col("factor") == "a21002") & (pl.col("hour") == ISSUE + timedelta(hours=5))))
    r = {x.pollutant: x for x in verify(f, [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.n_alert == 6 and r.n_valid_alert == 4 and r.excluded_alert == {"M": 1, "缺数": 1}


def test_stop_breach_and_shutdown_hours():
    stop = CheckUnit("stop-line", (MN,), {"red": {"NOx": Fraction(1), "SO2": Fraction(1)}},
                     stop_levels=frozenset({"red"}))
    red = AlertWindow(ISSUE, ISSUE, ISSUE + timedelta(hours=6), [(ISSUE, ISSUE + timedelta(hours=6), "red")])
    # flows at ≤ 5 % of the baseline mean flow (≈ 520,000 m³) are shutdown hours; two hours keep running
    run = [(0, 20_000, "N", 0)] * 4 + [(90, 430_000, "N", 23), (92, 425_000, "N", 24)]
    r = {x.pollutant: x for x in verify(e3_frame(alert=run), [stop], red, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.n_shutdown == 4
    assert r.status == "STOP_BREACH"
    assert r.stop_breach_hours == (ISSUE + timedelta(hours=4), ISSUE + timedelta(hours=5))
    # all six hours shut down: valid, mass 0, rho = 1
    r = {x.pollutant: x for x in verify(e3_frame(alert=[(0, 20_000, "N", 0)] * 6), [stop], red,
                                        now=ISSUE + timedelta(days=1), params=E3_PARAMS).results}["NOx"]
    assert r.status == "PASS" and r.rho == 1 and r.n_shutdown == 6


def test_f_hour_without_submeter_is_invalid_and_with_submeter_is_shutdown():
    stop = CheckUnit("u", (MN,), {"red": {"NOx": Fraction(1)}}, stop_levels=frozenset({"red"}))
    red = AlertWindow(ISSUE, ISSUE, ISSUE + timedelta(hours=6), [(ISSUE, ISSUE + timedelta(hours=6), "red")])
    alert = [(90, 430_000, "F", 23)] * 6
    r = {x.pollutant: x for x in verify(e3_frame(alert=alert), [stop], red, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.n_valid_alert == 0 and r.status == "INDETERMINATE"
    off = pl.DataFrame({"unit": ["u"] * 6, "hour": [ISSUE + timedelta(hours=i) for i in range(6)]})
    r = {x.pollutant: x for x in verify(e3_frame(alert=alert), [stop], red, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS, submeter_off=off).results}["NOx"]
    assert r.n_shutdown == 6 and r.status == "PASS"


def test_baseline_extends_then_falls_back_to_list():
    params = VerifyParams(baseline_h=6, baseline_max_h=12, baseline_step_h=6, baseline_min_valid_h=8)
    # baseline data only in the last 6 h (5 valid): the window extends to 12 h, finds nothing more,
    # and falls back to E0/24
    r = {x.pollutant: x for x in verify(e3_frame(), [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1),
                                        params=params).results}["NOx"]
    assert r.baseline_source == "list" and r.r_base == Fraction(1056, 24)
    params = VerifyParams(baseline_h=6, baseline_max_h=12, baseline_step_h=6, baseline_min_valid_h=5)
    r = {x.pollutant: x for x in verify(e3_frame(), [E2_PLANT], ORANGE, now=ISSUE + timedelta(days=1),
                                        params=params).results}["NOx"]
    assert r.baseline_source == "online" and r.baseline_hours == 6


def test_excluded_baseline_hours_are_dropped_not_replaced():
    w = AlertWindow(ISSUE, ISSUE, ISSUE + timedelta(hours=6), ORANGE.levels,
                    excluded=[(ISSUE - timedelta(hours=6), ISSUE - timedelta(hours=4))])  # b1, b2
    r = {x.pollutant: x for x in verify(e3_frame(), [E2_PLANT], w, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.n_valid_base == 3  # b4, b5, b6 (b3 flagged D)
    assert r.r_base == (Fraction("50.4") + Fraction("51.0") + Fraction("50.44")) / 3


def test_running_alert_is_provisional():
    w = AlertWindow(ISSUE, ISSUE, None, [(ISSUE, ISSUE + timedelta(days=3), "orange")])
    r = {x.pollutant: x for x in verify(e3_frame(), [E2_PLANT], w, now=ISSUE + timedelta(hours=4),
                                        params=E3_PARAMS).results}["NOx"]
    assert r.provisional and "PROVISIONAL" in r.flags and r.n_alert == 4


def test_level_change_weights_rho_req_by_valid_hours():
    u = CheckUnit("u", (MN,), {"orange": {"NOx": Fraction(2, 11)}, "red": {"NOx": Fraction(1, 2)}})
    w = AlertWindow(ISSUE, ISSUE, ISSUE + timedelta(hours=6),
                    [(ISSUE, ISSUE + timedelta(hours=3), "orange"), (ISSUE + timedelta(hours=3),
                                                                       ISSUE + timedelta(hours=6), "red")])
    r = {x.pollutant: x for x in verify(e3_frame(), [u], w, now=ISSUE + timedelta(days=1),
                                        params=E3_PARAMS).results}["NOx"]
    # valid alert hours: a1, a2 (orange), a4, a5, a6 (red); a3 is flagged M
    assert r.rho_req == (2 * Fraction(2, 11) + 3 * Fraction(1, 2)) / 5


def test_grade_limit_exceedance_hours():
    u = CheckUnit("u", (MN,), RHO_REQ, limits={"NOx": Fraction(90)})
    f = e3_frame().with_columns(zs_avg=pl.col("avg"))
    r = {x.pollutant: x for x in verify(f, [u], ORANGE, now=ISSUE + timedelta(days=1), params=E3_PARAMS).results}
    # valid alert hours above 90: a2 (92), a4 (91), a6 (93) — '≤' passes, so a1 (90) does not count
    assert r["NOx"].exceed_hours == (ISSUE + timedelta(hours=1), ISSUE + timedelta(hours=3),
                                     ISSUE + timedelta(hours=5))
