"""Alarm rules on crafted series (hj212.md §5.2 Zs fields, §9.3 flags, §11 periods)."""

from __future__ import annotations

import json
from decimal import Decimal
from datetime import datetime, timedelta

import polars as pl
import pytest

from qingshan.hj212 import alarms, build, derive

MN = "320100000000000000001A01"
T0 = datetime(2024, 3, 15, 0, 0)


def _hourly(zs: list[str], flags: list[str] | None = None, cn: str = "2061") -> pl.DataFrame:
    flags = flags or ["N"] * len(zs)
    times = [T0 + timedelta(hours=i) for i in range(len(zs))]
    raws = [build(qn=t.strftime("%Y%m%d%H%M%S") + "000", st="31", cn=cn, pw="123456", mn=MN, flag=5,
                  cp={"DataTime": t.strftime("%Y%m%d%H%M%S"),
                      "a21026": {"Avg": str(Decimal(z) * Decimal("0.8")), "ZsAvg": z, "Flag": f}})
            for t, z, f in zip(times, zs, flags)]
    return pl.DataFrame({"raw_id": list(range(1, len(zs) + 1)), "mn": [MN] * len(zs), "cn": [cn] * len(zs),
                         "datatime": times, "raw": raws},
                        schema_overrides={"datatime": pl.Datetime("us"), "raw": pl.Binary})


LIMITS = pl.DataFrame({"mn": [MN], "factor": ["a21026"], "limit_value": ["35"], "basis": ["converted"],
                       "period": ["hour"], "unit": ["mg/m3"], "standard": ["环发〔2015〕164号"], "clause": ["超低排放"]})


def test_exceedance_on_converted_value_exact_and_strict():
    # ZsAvg 35 equals the ultra-low SO2 limit (complies); 35.01 exceeds; the measured Avg
    # (0.8 × Zs) stays under 35 throughout, so only the converted basis raises an alarm.
    rec = _hourly(["30", "35", "35.01", "40", "20", "36"])
    vals = derive.with_period(derive.flatten(rec))
    a = alarms.exceedance(vals, LIMITS)
    assert a.height == 2
    first, last = a.sort("start").rows(named=True)
    assert (first["start"], first["end"], first["status"]) == (T0 + timedelta(hours=2), T0 + timedelta(hours=4), "closed")
    ev = json.loads(first["evidence"])
    assert ev["raw_id"] == [3, 4] and ev["text"] == ["35.01", "40"] and ev["limit"] == "35" and ev["field"] == "ZsAvg"
    assert last["status"] == "open" and json.loads(last["evidence"])["raw_id"] == [6]
    measured = LIMITS.with_columns(basis=pl.lit("measured"))
    assert alarms.exceedance(vals, measured).is_empty()  # Avg = 0.8 × ZsAvg ≤ 32 < 35

def test_exceedance_end_label_shifts_period():
    rec = _hourly(["40"])
    vals = derive.with_period(derive.flatten(rec), datatime_label="end")
    a = alarms.exceedance(vals, LIMITS).row(0, named=True)
    assert (a["start"], a["end"]) == (T0 - timedelta(hours=1), T0)  # hj212.md §11 "end" label


def test_flagged_values_are_still_judged_and_raise_flag_alarms():
    # An exceedance is an exceedance whatever the flag says (docs/hj212-gateway.md): values
    # flagged M/C are judged, their flags go into the evidence, and the flags raise their
    # own alarms. The §9.3 statistics view (only N judged) is available as an option.
    rec = _hourly(["50", "50", "50", "10"], ["M", "M", "C", "N"])
    vals = derive.with_period(derive.flatten(rec))
    [ex] = alarms.exceedance(vals, LIMITS).rows(named=True)
    assert (ex["start"], ex["end"], ex["status"]) == (T0, T0 + timedelta(hours=3), "closed")
    assert json.loads(ex["evidence"])["flag"] == ["M", "M", "C"]
    assert alarms.exceedance(vals, LIMITS, statistics_valid_flags={"N"}).is_empty()
    fl = alarms.abnormal_flags(vals).sort("start")
    assert fl.height == 2
    m, c = fl.rows(named=True)
    assert json.loads(m["evidence"])["flag"] == ["M", "M"] and json.loads(m["evidence"])["meaning"] == "维护"
    assert m["end"] == T0 + timedelta(hours=2) and c["status"] == "closed"


def test_value_without_flag_is_judged_and_is_a_flag_missing_alarm():
    # hj212.md §9.3: "-Flag absent: no [statistics]; reported as a deviation". Sending 500
    # without -Flag must not escape the exceedance alarm, and the missing flag is an alarm.
    rows = []
    for h, cp in enumerate([{"Avg": "40", "ZsAvg": "30", "Flag": "N"}] * 2 + [{"Avg": "400", "ZsAvg": "500"}] * 3):
        t = T0 + timedelta(hours=h)
        rows.append((h + 1, MN, "2061", t, build(qn=f"{t:%Y%m%d%H%M%S}000", st="31", cn="2061", pw="123456", mn=MN,
                                                 flag=5, cp={"DataTime": f"{t:%Y%m%d%H%M%S}", "a21026": cp})))
    rec = pl.DataFrame(rows, orient="row", schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String,
                                                   "datatime": pl.Datetime("us"), "raw": pl.Binary})
    vals = derive.with_period(derive.flatten(rec))
    [ex] = alarms.exceedance(vals, LIMITS).rows(named=True)
    ev = json.loads(ex["evidence"])
    assert ex["start"] == T0 + timedelta(hours=2) and ev["text"] == ["500", "500", "500"] and ev["flag"] == [None] * 3
    [fm] = alarms.abnormal_flags(vals).rows(named=True)
    assert fm["kind"] == "flag_missing" and fm["start"] == T0 + timedelta(hours=2) and fm["status"] == "open"
    assert json.loads(fm["evidence"])["raw_id"] == [3, 4, 5]


def test_realtime_zsrtd_sustained_exceedance():
    # CN 2011 ZsRtd judged against the limit: 2 values over 35 are a spike (no alarm),
    # 3 consecutive are a sustained real-time exceedance (default realtime_consecutive = 3).
    zs = ["20", "36", "37", "20", "40", "41", "42", "20"]
    rows = []
    for i, z in enumerate(zs):
        t = T0 + timedelta(minutes=i)
        rows.append((i + 1, MN, "2011", t, build(qn=f"{t:%Y%m%d%H%M%S}000", st="31", cn="2011", pw="123456", mn=MN,
                                                 flag=5, cp={"DataTime": f"{t:%Y%m%d%H%M%S}",
                                                             "a21026": {"Rtd": "10", "ZsRtd": z, "Flag": "N"}})))
    rec = pl.DataFrame(rows, orient="row", schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String,
                                                   "datatime": pl.Datetime("us"), "raw": pl.Binary})
    vals = derive.with_period(derive.flatten(rec))
    [ex] = alarms.exceedance(vals, LIMITS).rows(named=True)
    ev = json.loads(ex["evidence"])
    assert ex["scope"] == "2011" and ev["field"] == "ZsRtd" and ev["raw_id"] == [5, 6, 7]
    assert (ex["start"], ex["end"]) == (T0 + timedelta(minutes=4), T0 + timedelta(minutes=6))
    assert alarms.exceedance(vals, LIMITS, realtime_consecutive=2).height == 2
    assert alarms.exceedance(vals, LIMITS, realtime_consecutive=None).is_empty()


def test_resend_split_differently_gives_each_value_once():
    # hj212.md §10.5 rule 7 (and §15 P5/P8): the hour sent as two parts, then resent unsplit
    # with other values; both are stored (different keys), each factor's value is counted once
    # and the first received keeps it (rules 5 and 7), with its own fields and flag.
    mn = "320100000000000000002B01"
    p5 = (b"##0201QN=20240315150000002;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=1;"
          b"CP=&&DataTime=20240315140000;w00000-Cou=63.0,w00000-Min=16.4,w00000-Avg=17.5,w00000-Max=20.1,"
          b"w00000-Flag=N&&CD41\r\n")
    p8 = (b"##0201QN=20240315150000003;ST=32;CN=2061;PW=123456;MN=320100000000000000002B01;Flag=7;PNUM=2;PNO=2;"
          b"CP=&&DataTime=20240315140000;w01018-Cou=1.76,w01018-Min=25.1,w01018-Avg=28.0,w01018-Max=31.2,"
          b"w01018-Flag=N&&A141\r\n")
    again = build(qn="20240315160000001", st="32", cn="2061", pw="123456", mn=mn, flag=5,
                  cp={"DataTime": "20240315140000", "w00000": {"Avg": "17.6", "Flag": "N"},
                      "w01018": {"Avg": "28.0", "Flag": "N"}})
    t = datetime(2024, 3, 15, 14)
    rec = pl.DataFrame([(1, mn, "2061", t, datetime(2024, 3, 15, 15, 0, 1), p5),
                        (2, mn, "2061", t, datetime(2024, 3, 15, 15, 0, 2), p8),
                        (3, mn, "2061", t, datetime(2024, 3, 15, 16, 0, 0), again)], orient="row",
                       schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"),
                               "received_at": pl.Datetime("us"), "raw": pl.Binary})
    avg = derive.flatten(rec).filter(pl.col("field") == "Avg").sort("factor")
    assert avg.select("factor", "text", "raw_id").rows() == [("w00000", "17.5", 1), ("w01018", "28.0", 2)]
    assert derive.flatten(rec).filter(pl.col("field") == "Cou").sort("factor")["text"].to_list() == ["63.0", "1.76"]
    # receive order, not raw id, decides which is first; the resend's factors then come whole
    # from the resend (its w00000 has no Cou: the split part's Cou is not mixed in)
    older = rec.with_columns(received_at=pl.Series([datetime(2024, 3, 15, 17)] * 2 + [datetime(2024, 3, 15, 16)]))
    flat = derive.flatten(older)
    assert flat.filter(pl.col("field") == "Avg").sort("factor")["text"].to_list() == ["17.6", "28.0"]
    assert flat.filter(pl.col("field") == "Cou").is_empty() and set(flat["raw_id"]) == {3}


def test_constant_and_zero_runs():
    rec = _hourly(["0", "0", "0", "0", "5", "7", "7", "7", "7", "7", "7", "8"])
    vals = derive.with_period(derive.flatten(rec)).filter(pl.col("field") == "ZsAvg").with_columns(
        field=pl.lit("Avg"))
    a = alarms.constant_values(vals, window=4).sort("start")
    assert a["kind"].to_list() == ["zero", "constant"]
    assert json.loads(a["evidence"][1])["raw_id"] == [6, 7, 8, 9, 10, 11]
    assert alarms.constant_values(vals, window=7).is_empty()


def test_missing_data_gap_and_open_tail():
    times = [T0, T0 + timedelta(hours=1), T0 + timedelta(hours=6), T0 + timedelta(hours=7)]
    rec = pl.DataFrame({"raw_id": [1, 2, 3, 4], "mn": [MN] * 4, "cn": ["2061"] * 4, "datatime": times})
    a = alarms.missing_data(rec, now=T0 + timedelta(hours=8), n_intervals=3)
    assert a.height == 1
    r = a.row(0, named=True)
    assert (r["start"], r["end"], r["status"]) == (T0 + timedelta(hours=2), T0 + timedelta(hours=5), "closed")
    assert json.loads(r["evidence"])["missing"] == 4
    a = alarms.missing_data(rec, now=T0 + timedelta(hours=12), n_intervals=3)
    assert a.filter(pl.col("status") == "open")["start"].to_list() == [T0 + timedelta(hours=8)]


def test_flag_policy_and_aggregated_flags():
    rec = _hourly(["1", "2", "3", "4"], ["N", "N", "N", "D"], cn="2011")
    vals = derive.flatten(rec).filter(pl.col("field") == "ZsAvg")
    gas = derive.aggregate(vals, "1d", "gas", field="ZsAvg").row(0, named=True)
    assert gas["flag"] == "N" and (gas["n_valid"], gas["n_total"]) == (3, 4)  # 3/4 = 75 % normal
    assert json.loads(gas["excluded"]) == {"D": 1}
    assert gas["mean"]["num"] * 1 == 6_000_000 and gas["mean"]["den"] == 3_000_000  # exact mean 2
    water = derive.aggregate(vals, "1d", "water", field="ZsAvg").row(0, named=True)
    assert water["flag"] == "D"
    with pytest.raises(ValueError):
        derive.valid_mask("flag", {"N", "X"})


@pytest.mark.parametrize("cn, dt, label, start, end", [
    # hj212.md §11 worked examples
    ("2061", "20160801080000", "start", "2016-08-01 08:00", "2016-08-01 09:00"),
    ("2051", "20160801084000", "start", "2016-08-01 08:40", "2016-08-01 08:50"),
    ("2031", "20160801000000", "start", "2016-08-01 00:00", "2016-08-02 00:00"),
    ("2061", "20160801080000", "end", "2016-08-01 07:00", "2016-08-01 08:00"),
    ("2031", "20160801000000", "end", "2016-07-31 00:00", "2016-08-01 00:00"),
    ("2011", "20160801084512", "start", "2016-08-01 08:45:12", "2016-08-01 08:45:12"),  # an instant
])
def test_periods_follow_the_datatime_rules(cn, dt, label, start, end):
    t = datetime.strptime(dt, "%Y%m%d%H%M%S")
    frame = pl.DataFrame({"cn": [cn], "datatime": [t]}, schema_overrides={"datatime": pl.Datetime("us")})
    row = derive.with_period(frame, datatime_label=label, min_interval_minutes=10).row(0, named=True)
    assert (row["period_start"], row["period_end"]) == (datetime.fromisoformat(start), datetime.fromisoformat(end))


def test_2005_codes_are_derived_under_their_2017_codes():
    # hj212.md §12.4: a 2005 device's 011 (COD) is w01018 for limits and statistics
    from datetime import datetime

    import polars as pl

    from qingshan.hj212 import build
    from qingshan.hj212.derive import flatten

    raw = build(st="32", cn="2061", pw="123456", mn="88888880000001", flag=None, qn=None,
                cp={"DataTime": "20240315140000", "011-Avg": "28.0", "011-Flag": "N"}, check=False)
    records = pl.DataFrame({"raw_id": [1], "mn": ["88888880000001"], "cn": ["2061"],
                            "datatime": [datetime(2024, 3, 15, 14)], "raw": [raw]})
    codes = set(flatten(records)["factor"])
    assert codes == {"w01018"}
