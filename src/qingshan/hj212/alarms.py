"""Alarm rules over HJ 212 values, and their records in ``hj212_alarm``.

Rules are pure functions over the long frame of :func:`qingshan.hj212.derive.flatten` plus
:func:`~qingshan.hj212.derive.with_period`; each returns an *alarm frame*::

    kind, mn, factor, start, end, status, evidence (JSON: packet ids, values, rule inputs)

One alarm is one **episode**: a run of consecutive periods of one (device, factor) meeting the
condition. ``status`` is ``open`` while the run reaches the latest value seen (the condition
has not been seen to end), ``closed`` otherwise; ``end`` is the end of the last period in the
run (hj212.md §11 periods; instants have start = end).

* :func:`exceedance` — value above the outlet's limit. The compared field follows the limit's
  basis: ``converted`` → ``ZsAvg`` (hour/day/minute data) or ``ZsRtd`` (real-time);
  ``measured`` → ``Avg``/``Rtd`` (hj212.md §5.2). Which data type is judged follows the
  limit's ``period`` (hour → CN 2061, day → CN 2031; local policy, UNCONFIRMED, override with
  ``judge_cn``). Only values that enter statistics under hj212.md §9.3 are judged: a value
  flagged M/C/D/… raises an *abnormal-flag* alarm instead. Comparison is exact (micro-units)
  and strict (a value equal to the limit complies).
* :func:`abnormal_flags` — runs of a data flag other than N (hj212.md §9.3, Table 8).
* :func:`constant_values` — ``window`` or more consecutive identical values (``zero`` when the
  value is 0, else ``constant``): a stuck analyser or a faked series.
* :func:`missing_data` — no packet of a data type for more than ``n_intervals`` expected
  intervals (configurable per CN).

References
----------
.. [1] ../shared/standards/hj212.md §5.2 (Zs fields), §9.3 (flags), §11 (periods).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.hj212 import derive
from qingshan.hj212.models import Alarm, DataRecord, RawPacket

ALARM_SCHEMA = {"kind": pl.String, "mn": pl.String, "factor": pl.String, "start": pl.Datetime("us"),
                "end": pl.Datetime("us"), "status": pl.String, "evidence": pl.String}

#: hj212.md §9.3 Table 8 meanings, for the evidence text.
FLAG_MEANING = {"F": "停运", "M": "维护", "S": "手工输入的设定值", "D": "故障", "C": "校准",
                "T": "超测上限", "B": "通讯异常"}

#: Default expected interval per CN for :func:`missing_data` (minute data every 10 min —
#: the device's MinInterval, hj212.md §5.2 — hour and day data once per period).
DEFAULT_EXPECTED = {"2051": timedelta(minutes=10), "2061": timedelta(hours=1), "2031": timedelta(days=1)}

DEFAULT_JUDGE_CN = {"hour": "2061", "day": "2031"}


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ALARM_SCHEMA)


def _episodes(frame: pl.DataFrame, keys: list[str], cond: pl.Expr, kind: pl.Expr | str,
              evidence_cols: list[str], extra: Mapping[str, object] | None = None,
              run_value: pl.Expr | None = None, min_len: int = 1) -> pl.DataFrame:
    """Group consecutive rows (per ``keys``, ordered by ``period_start``) where ``cond`` holds."""
    if frame.is_empty():
        return _empty()
    rv = run_value if run_value is not None else pl.lit(True)
    f = frame.sort([*keys, "period_start"]).with_columns(_c=cond.fill_null(False), _v=rv)
    f = f.with_columns(
        _last=pl.col("period_start").max().over(keys),
        _run=((pl.col("_c") != pl.col("_c").shift(1)) | (pl.col("_v") != pl.col("_v").shift(1)))
        .fill_null(True).cum_sum().over(keys),
    ).filter(pl.col("_c"))
    if f.is_empty():
        return _empty()
    agg = f.group_by([*keys, "_run"], maintain_order=True).agg(
        start=pl.col("period_start").min(),
        end=pl.col("period_end").max(),
        reaches_last=(pl.col("period_start").max() == pl.col("_last").first()),
        n=pl.len(),
        kind=(kind if isinstance(kind, pl.Expr) else pl.lit(kind)).first(),
        **{f"ev_{c}": pl.col(c) for c in evidence_cols},
    ).filter(pl.col("n") >= min_len)
    if agg.is_empty():
        return _empty()
    extra = dict(extra or {})
    evidence = [
        json.dumps({**extra, **{c: r[f"ev_{c}"] for c in evidence_cols}, "n": r["n"]}, ensure_ascii=False,
                   default=str)
        for r in agg.iter_rows(named=True)
    ]
    factor = pl.col("factor") if "factor" in keys else pl.lit("")
    return agg.with_columns(evidence=pl.Series(evidence, dtype=pl.String)).select(
        pl.col("kind"), pl.col("mn"), factor.alias("factor"), pl.col("start"), pl.col("end"),
        pl.when(pl.col("reaches_last")).then(pl.lit("open")).otherwise(pl.lit("closed")).alias("status"),
        pl.col("evidence"),
    ).cast(ALARM_SCHEMA)


def exceedance(values: pl.DataFrame, limits: pl.DataFrame, judge_cn: Mapping[str, str] = DEFAULT_JUDGE_CN,
               statistics_valid_flags: Iterable[str] = derive.DEFAULT_VALID_FLAGS) -> pl.DataFrame:
    """Exceedance episodes against per-outlet limits.

    ``limits`` columns: ``mn, factor, limit_value`` (decimal text), ``basis``
    (measured/converted), ``period`` (hour/day); optional ``unit, standard, clause``.
    """
    if values.is_empty() or limits.is_empty():
        return _empty()
    lim = limits.with_columns(
        limit_micro=exact.scaled_from_str(pl.col("limit_value")),
        judge_cn=pl.col("period").replace_strict(dict(judge_cn), default=None),
    )
    for col in ("unit", "standard", "clause"):
        if col not in lim.columns:
            lim = lim.with_columns(pl.lit(None, pl.String).alias(col))
    f = values.join(lim, on=["mn", "factor"], how="inner").filter(pl.col("cn") == pl.col("judge_cn"))
    want = (pl.when(pl.col("basis") == "converted")
            .then(pl.when(pl.col("cn") == "2011").then(pl.lit("ZsRtd")).otherwise(pl.lit("ZsAvg")))
            .otherwise(pl.when(pl.col("cn") == "2011").then(pl.lit("Rtd")).otherwise(pl.lit("Avg"))))
    f = f.filter(pl.col("field") == want)
    if f.is_empty():
        return _empty()
    valid = derive.valid_mask("flag", statistics_valid_flags) & pl.col("value").is_not_null()
    f = f.filter(valid)
    cond = pl.col("value") > pl.col("limit_micro")
    out = []
    for (lv, unit, basis, std, clause, field), part in f.group_by(
            "limit_value", "unit", "basis", "standard", "clause", "field"):
        out.append(_episodes(part, ["mn", "factor"], cond, "exceedance", ["raw_id", "text", "period_start"],
                             {"limit": lv, "unit": unit, "basis": basis, "field": field, "standard": std,
                              "clause": clause}))
    return pl.concat(out) if out else _empty()


def abnormal_flags(values: pl.DataFrame) -> pl.DataFrame:
    """Runs of one abnormal data flag (anything but N) per device and factor, hj212.md §9.3."""
    if values.is_empty():
        return _empty()
    f = values.unique(["raw_id", "factor"], keep="first")  # one row per packet and factor
    cond = pl.col("flag").is_not_null() & (pl.col("flag") != "N")
    out = _episodes(f, ["mn", "factor"], cond, "abnormal_flag", ["raw_id", "flag", "period_start"],
                    run_value=pl.col("flag"))
    if out.is_empty():
        return out
    meanings = [
        json.dumps({**json.loads(e), "meaning": FLAG_MEANING.get(json.loads(e)["flag"][0], "表8未列出的标记")},
                   ensure_ascii=False)
        for e in out["evidence"]
    ]
    return out.with_columns(evidence=pl.Series(meanings, dtype=pl.String))


def constant_values(values: pl.DataFrame, window: int = 6, fields: Iterable[str] = ("Rtd", "Avg")
                    ) -> pl.DataFrame:
    """``window`` or more consecutive identical values of one field (``zero`` if 0)."""
    if values.is_empty():
        return _empty()
    f = values.filter(pl.col("field").is_in(list(fields)) & pl.col("value").is_not_null())
    if f.is_empty():
        return _empty()
    same = (pl.col("value") == pl.col("value").shift(1).over(["mn", "factor", "field", "cn"])) | (
        pl.col("value") == pl.col("value").shift(-1).over(["mn", "factor", "field", "cn"]))
    kind = pl.when(pl.col("value") == 0).then(pl.lit("zero")).otherwise(pl.lit("constant"))
    f = f.sort("mn", "factor", "field", "cn", "period_start")
    return _episodes(f, ["mn", "factor", "field", "cn"], same, kind, ["raw_id", "text"],
                     {"window": window}, run_value=pl.col("value"), min_len=window)


def missing_data(records: pl.DataFrame, now: datetime, expected: Mapping[str, timedelta] = DEFAULT_EXPECTED,
                 n_intervals: int = 3) -> pl.DataFrame:
    """Gaps longer than ``n_intervals`` expected intervals in a device's series of one CN.

    ``records``: columns ``raw_id, mn, cn, datatime``. A gap between two packets gives a
    closed alarm covering the missing periods; a gap from the last packet up to ``now`` gives
    an open alarm. ``factor`` of a missing-data alarm is the CN (the whole packet is missing).
    """
    rows = []
    for (mn, cn), part in records.filter(pl.col("cn").is_in(list(expected))).group_by("mn", "cn"):
        step = expected[cn]
        part = part.sort("datatime")
        ts, ids = part["datatime"].to_list(), part["raw_id"].to_list()
        for i in range(len(ts)):
            nxt = ts[i + 1] if i + 1 < len(ts) else None
            limit_to = nxt if nxt is not None else now
            if limit_to - ts[i] > step * n_intervals:
                start = ts[i] + step
                ev = {"last_raw_id": ids[i], "last_datatime": str(ts[i]), "expected_interval_s": step.total_seconds(),
                      "n_intervals": n_intervals, "missing": int((limit_to - start) / step) + (0 if nxt else 1)}
                if nxt is not None:
                    ev["next_raw_id"] = ids[i + 1]
                rows.append({"kind": "missing", "mn": mn, "factor": cn, "start": start,
                             "end": (nxt - step) if nxt is not None else None,
                             "status": "closed" if nxt is not None else "open",
                             "evidence": json.dumps(ev, ensure_ascii=False)})
    return pl.DataFrame(rows, schema=ALARM_SCHEMA) if rows else _empty()


def evaluate_all(values: pl.DataFrame, records: pl.DataFrame, limits: pl.DataFrame, now: datetime,
                 constant_window: int = 6, expected: Mapping[str, timedelta] = DEFAULT_EXPECTED,
                 n_intervals: int = 3) -> pl.DataFrame:
    """Every rule over one window of data."""
    parts = [exceedance(values, limits), abnormal_flags(values), constant_values(values, constant_window),
             missing_data(records, now, expected, n_intervals)]
    return pl.concat(parts)


# --- store -------------------------------------------------------------------------------

def sync_alarms(session: Session, alarms: pl.DataFrame, outlet_of: Mapping[str, int | None] | None = None) -> int:
    """Insert or update alarm records keyed by (kind, mn, factor, start). Returns rows touched."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    n = 0
    for r in alarms.iter_rows(named=True):
        row = session.scalar(select(Alarm).where(Alarm.kind == r["kind"], Alarm.mn == r["mn"],
                                                 Alarm.factor == r["factor"], Alarm.start == r["start"]))
        if row is None:
            row = Alarm(kind=r["kind"], mn=r["mn"], factor=r["factor"], start=r["start"], detected_at=now,
                        outlet_id=(outlet_of or {}).get(r["mn"]))
            session.add(row)
        elif (row.end, row.status, row.evidence) == (r["end"], r["status"], r["evidence"]):
            continue
        row.end, row.status, row.evidence = r["end"], r["status"], r["evidence"]
        n += 1
    return n


def load_window(engine: Engine, since: datetime, mns: Iterable[str] | None = None,
                cns: Iterable[str] = ("2051", "2061", "2031")) -> pl.DataFrame:
    """Stored data packets of the given CNs with DataTime ≥ ``since`` (optionally some devices).

    Real-time data (2011) is left out by default: the limits are judged on hour/day values
    (:data:`DEFAULT_JUDGE_CN`) and a window of real-time packets of every device is large."""
    q = (select(DataRecord.raw_id, DataRecord.mn, DataRecord.cn, DataRecord.datatime, RawPacket.raw)
         .join(RawPacket, RawPacket.id == DataRecord.raw_id)
         .where(DataRecord.datatime >= since, DataRecord.cn.in_(list(cns))))
    if mns is not None:
        q = q.where(DataRecord.mn.in_(list(mns)))
    with Session(engine) as s:
        rows = s.execute(q).all()
    return pl.DataFrame([tuple(r) for r in rows], orient="row",
                        schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String,
                                "datatime": pl.Datetime("us"), "raw": pl.Binary})


def evaluate_store(engine: Engine, since: datetime, now: datetime, mns: Iterable[str] | None = None,
                   cns: Iterable[str] = ("2051", "2061", "2031"), **kw) -> int:
    """Run every rule over the stored window and record the alarms (the gateway calls this
    periodically for the devices that sent data since the last run)."""
    from qingshan.sources.registry import load_devices, load_limits

    records = load_window(engine, since, mns, cns)
    devices = load_devices(engine)
    values = derive.flatten(records)
    labels = pl.DataFrame({"mn": list(devices), "label": [d.datatime_label for d in devices.values()]},
                          schema={"mn": pl.String, "label": pl.String})
    values = derive.with_period(values.join(labels, on="mn", how="left").with_columns(
        pl.col("label").fill_null("start")), datatime_label="label").drop("label")
    limits = pl.DataFrame(load_limits(engine), schema={
        "mn": pl.String, "outlet_id": pl.Int64, "factor": pl.String, "limit_value": pl.String, "unit": pl.String,
        "basis": pl.String, "ref_o2": pl.String, "period": pl.String, "standard": pl.String, "clause": pl.String})
    alarms = evaluate_all(values, records, limits, now, **kw)
    with Session(engine) as s:
        n = sync_alarms(s, alarms, {mn: d.outlet_id for mn, d in devices.items()})
        s.commit()
    return n


def list_alarms(engine: Engine, open_only: bool = False) -> list[dict]:
    with Session(engine) as s:
        q = select(Alarm).order_by(Alarm.start)
        if open_only:
            q = q.where(Alarm.status == "open")
        return [{"id": a.id, "kind": a.kind, "mn": a.mn, "outlet_id": a.outlet_id, "factor": a.factor,
                 "start": a.start.isoformat(), "end": a.end.isoformat() if a.end else None, "status": a.status,
                 "evidence": json.loads(a.evidence)} for a in s.scalars(q)]
