"""Alarm rules over HJ 212 values, and their records in ``hj212_alarm``.

Rules are pure functions over the long frame of :func:`qingshan.hj212.derive.flatten` plus
:func:`~qingshan.hj212.derive.with_period`; each returns an *alarm frame*::

    kind, mn, factor, scope, start, end, status, evidence (JSON: packet ids, values, rule inputs)

One alarm is one **episode**: a run of consecutive periods of one series meeting the
condition. ``scope`` says which series when (kind, MN, factor) does not: the CN for
exceedance and flag alarms, ``field/CN`` for constant-value runs. ``status`` is ``open``
while the run reaches the latest value seen, ``closed`` otherwise; ``end`` is the end of the
last period in the run (hj212.md §11 periods; instants have start = end).

* :func:`exceedance` — value above the outlet's limit. The compared field follows the limit's
  basis: ``converted`` → ``ZsAvg`` (hour/day/minute data) or ``ZsRtd`` (real-time);
  ``measured`` → ``Avg``/``Rtd`` (hj212.md §5.2). Which averaged data type is judged follows
  the limit's ``period`` (hour → CN 2061, day → CN 2031; local policy, UNCONFIRMED, override
  with ``judge_cn``). **Real-time data (CN 2011) is judged too**: ``realtime_consecutive``
  (default 3) or more consecutive real-time values above the limit make a sustained real-time
  exceedance (project choice, UNCONFIRMED: one value over the limit is a spike, not yet an
  alarm). **Every numeric value is judged, whatever its data flag**: an exceedance is an
  exceedance whatever the flag says — a site that flags its high values M or C, or sends them
  without ``-Flag``, must not escape the alarm that way. The flags of the judged values are in
  the evidence (an officer decides whether maintenance explains them), and such values raise
  an abnormal-flag / missing-flag alarm as well. ``statistics_valid_flags`` restricts the
  judgement to values that enter statistics under §9.3 (the compliance-statistics view).
  Comparison is exact (micro-units) and strict (a value equal to the limit complies).
* :func:`abnormal_flags` — runs of a data flag other than N (hj212.md §9.3, Table 8), and
  runs of values **without** ``-Flag`` (kind ``flag_missing``): §9.3 "``-Flag`` absent: no
  [does not enter statistics]; reported as a deviation" — a missing flag is itself an alarm,
  since dropping flags is a way to make values unreviewable.
* :func:`constant_values` — ``window`` or more consecutive identical values (``zero`` when the
  value is 0, else ``constant``): a stuck analyser or a faked series.
* :func:`missing_data` — no packet of a data type for more than ``n_intervals`` expected
  intervals (configurable per CN). :func:`evaluate_store` runs it on every call for **every
  active registered device**: the last packet of each (MN, CN) is looked up however old it is,
  and a device that never sent data of a required CN (default hour data 2061) gets an open
  alarm starting at its registration.

References
----------
.. [1] ../shared/standards/hj212.md §5.2 (Zs fields), §9.3 (flags), §11 (periods).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

import polars as pl
from sqlalchemy import Engine, String, and_, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from qingshan import exact
from qingshan.hj212 import derive
from qingshan.hj212.models import Alarm, DataRecord, RawPacket

log = logging.getLogger("qingshan.hj212.alarms")

ALARM_SCHEMA = {"kind": pl.String, "mn": pl.String, "factor": pl.String, "scope": pl.String, "start": pl.Datetime("us"),
                "end": pl.Datetime("us"), "status": pl.String, "evidence": pl.String}

#: hj212.md §9.3 Table 8 meanings, for the evidence text.
FLAG_MEANING = {"F": "停运", "M": "维护", "S": "手工输入的设定值", "D": "故障", "C": "校准",
                "T": "超测上限", "B": "通讯异常"}

#: Default expected interval per CN for :func:`missing_data` (minute data every 10 min —
#: the device's MinInterval, hj212.md §5.2 — hour and day data once per period).
DEFAULT_EXPECTED = {"2051": timedelta(minutes=10), "2061": timedelta(hours=1), "2031": timedelta(days=1)}

DEFAULT_JUDGE_CN = {"hour": "2061", "day": "2031"}

#: Consecutive real-time (CN 2011) values above the limit that make a real-time exceedance
#: (project choice, UNCONFIRMED; docs/hj212-gateway.md).
DEFAULT_REALTIME_CONSECUTIVE = 3

#: CNs every active device must send; one never received raises a missing-data alarm from the
#: device's registration (other CNs are watched once the device has sent them).
DEFAULT_REQUIRED_CNS = ("2061",)

#: Data types loaded for the value rules (2011 over a shorter window, see evaluate_store).
VALUE_CNS = ("2011", "2051", "2061", "2031")

#: Station local time (DataTime, hj212.md §11) minus UTC.
BEIJING_OFFSET = timedelta(hours=8)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ALARM_SCHEMA)


def _episodes(frame: pl.DataFrame, keys: list[str], cond: pl.Expr, kind: pl.Expr | str,
              evidence_cols: list[str], extra: Mapping[str, object] | None = None,
              run_value: pl.Expr | None = None, min_len: int = 1, scope: pl.Expr | None = None) -> pl.DataFrame:
    """Group consecutive rows (per ``keys``, ordered by ``period_start``) where ``cond`` holds.

    ``scope`` (an expression over ``keys``) names the series in the alarm key."""
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
        scope=(scope if scope is not None else pl.lit("")).first(),
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
        pl.col("kind"), pl.col("mn"), factor.alias("factor"), pl.col("scope"), pl.col("start"), pl.col("end"),
        pl.when(pl.col("reaches_last")).then(pl.lit("open")).otherwise(pl.lit("closed")).alias("status"),
        pl.col("evidence"),
    ).cast(ALARM_SCHEMA)


def exceedance(values: pl.DataFrame, limits: pl.DataFrame, judge_cn: Mapping[str, str] = DEFAULT_JUDGE_CN,
               statistics_valid_flags: Iterable[str] | None = None,
               realtime_consecutive: int | None = DEFAULT_REALTIME_CONSECUTIVE) -> pl.DataFrame:
    """Exceedance episodes against per-outlet limits.

    ``limits`` columns: ``mn, factor, limit_value`` (decimal text), ``basis``
    (measured/converted), ``period`` (hour/day); optional ``unit, standard, clause``.

    Parameters
    ----------
    judge_cn : mapping
        Limit period → CN of the averaged values judged (local policy, UNCONFIRMED).
    statistics_valid_flags : iterable of str, optional
        None (default): judge every numeric value whatever its flag (module docstring).
        A set such as ``{"N"}``: judge only values that enter statistics (hj212.md §9.3).
    realtime_consecutive : int or None
        Real-time values (CN 2011, ``ZsRtd``/``Rtd``) are judged too; an episode needs at
        least this many consecutive values above the limit. None: real-time not judged.
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
    judged = pl.col("cn") == pl.col("judge_cn")
    if realtime_consecutive:
        judged = judged | (pl.col("cn") == "2011")
    f = values.join(lim, on=["mn", "factor"], how="inner").filter(judged)
    want = (pl.when(pl.col("basis") == "converted")
            .then(pl.when(pl.col("cn") == "2011").then(pl.lit("ZsRtd")).otherwise(pl.lit("ZsAvg")))
            .otherwise(pl.when(pl.col("cn") == "2011").then(pl.lit("Rtd")).otherwise(pl.lit("Avg"))))
    f = f.filter((pl.col("field") == want) & pl.col("value").is_not_null())
    if statistics_valid_flags is not None:
        f = f.filter(derive.valid_mask("flag", statistics_valid_flags))
    if f.is_empty():
        return _empty()
    cond = pl.col("value") > pl.col("limit_micro")
    out = []
    for (lv, unit, basis, std, clause, field, cn), part in f.group_by(
            "limit_value", "unit", "basis", "standard", "clause", "field", "cn"):
        extra = {"limit": lv, "unit": unit, "basis": basis, "field": field, "cn": cn, "standard": std,
                 "clause": clause}
        min_len = 1
        if cn == "2011":
            min_len = realtime_consecutive
            extra["consecutive_required"] = realtime_consecutive
        out.append(_episodes(part, ["mn", "factor", "cn"], cond, "exceedance",
                             ["raw_id", "text", "flag", "period_start"], extra, min_len=min_len,
                             scope=pl.col("cn")))
    return pl.concat(out) if out else _empty()


def abnormal_flags(values: pl.DataFrame) -> pl.DataFrame:
    """Runs of one abnormal data flag (anything but N; kind ``abnormal_flag``) or of values
    without a flag (kind ``flag_missing``) per device, factor and CN, hj212.md §9.3."""
    if values.is_empty():
        return _empty()
    # one row per packet and factor (values of a factor without any number carry no row)
    f = values.unique(["raw_id", "factor"], keep="first", maintain_order=True)
    cond = pl.col("flag").is_null() | (pl.col("flag") != "N")
    kind = pl.when(pl.col("flag").is_null()).then(pl.lit("flag_missing")).otherwise(pl.lit("abnormal_flag"))
    out = _episodes(f, ["mn", "factor", "cn"], cond, kind, ["raw_id", "flag", "period_start"],
                    run_value=pl.col("flag").fill_null(""), scope=pl.col("cn"))
    if out.is_empty():
        return out

    def meaning(ev: dict) -> str:
        if ev["flag"][0] is None:
            return "缺少数据标记（-Flag），数值不参与统计（hj212.md §9.3）"
        return FLAG_MEANING.get(ev["flag"][0], "表8未列出的标记")

    meanings = [json.dumps({**json.loads(e), "meaning": meaning(json.loads(e))}, ensure_ascii=False)
                for e in out["evidence"]]
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
                     {"window": window}, run_value=pl.col("value"), min_len=window,
                     scope=pl.concat_str(pl.col("field"), pl.lit("/"), pl.col("cn")))


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
                rows.append({"kind": "missing", "mn": mn, "factor": cn, "scope": "", "start": start,
                             "end": (nxt - step) if nxt is not None else None,
                             "status": "closed" if nxt is not None else "open",
                             "evidence": json.dumps(ev, ensure_ascii=False)})
    return pl.DataFrame(rows, schema=ALARM_SCHEMA) if rows else _empty()


def never_received(devices: Mapping[str, object], records: pl.DataFrame, now: datetime,
                   required_cns: Iterable[str] = DEFAULT_REQUIRED_CNS,
                   expected: Mapping[str, timedelta] = DEFAULT_EXPECTED, n_intervals: int = 3) -> pl.DataFrame:
    """Open missing-data alarms for registered devices that never sent a required CN.

    ``devices``: MN → object with ``registered_at`` (UTC, may be None: then the device is
    skipped — no honest start is known). ``records``: every stored packet of the devices, or
    at least one per (MN, CN) that has any (:func:`last_records`). The alarm starts at the
    registration (converted to station time, hj212.md §11) once more than ``n_intervals``
    expected intervals have passed since.
    """
    seen = set(records.select("mn", "cn").unique().iter_rows()) if not records.is_empty() else set()
    rows = []
    for mn, dev in devices.items():
        reg = getattr(dev, "registered_at", None)
        if reg is None:
            continue
        start = reg + BEIJING_OFFSET
        for cn in required_cns:
            step = expected.get(cn, timedelta(hours=1))
            if (mn, cn) in seen or now - start <= step * n_intervals:
                continue
            ev = {"never_received": True, "registered_at_utc": str(reg), "expected_interval_s": step.total_seconds(),
                  "n_intervals": n_intervals, "missing": int((now - start) / step)}
            rows.append({"kind": "missing", "mn": mn, "factor": cn, "scope": "", "start": start, "end": None,
                         "status": "open", "evidence": json.dumps(ev, ensure_ascii=False)})
    return pl.DataFrame(rows, schema=ALARM_SCHEMA) if rows else _empty()


def evaluate_all(values: pl.DataFrame, records: pl.DataFrame, limits: pl.DataFrame, now: datetime,
                 constant_window: int = 6, expected: Mapping[str, timedelta] = DEFAULT_EXPECTED,
                 n_intervals: int = 3, realtime_consecutive: int | None = DEFAULT_REALTIME_CONSECUTIVE,
                 statistics_valid_flags: Iterable[str] | None = None) -> pl.DataFrame:
    """Every rule over one window of data."""
    parts = [exceedance(values, limits, statistics_valid_flags=statistics_valid_flags,
                        realtime_consecutive=realtime_consecutive),
             abnormal_flags(values), constant_values(values, constant_window),
             missing_data(records, now, expected, n_intervals)]
    return pl.concat(parts)


# --- store -------------------------------------------------------------------------------

def sync_alarms(session: Session, alarms: pl.DataFrame, outlet_of: Mapping[str, int | None] | None = None) -> int:
    """Insert or update alarm records keyed by (kind, mn, factor, scope, start). Returns rows touched.

    An episode that began before the evaluated window is seen with a later start (its first
    value in the window); it continues the open record of the same series whose recorded end
    reaches that start, so a long episode stays one record as the window slides."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    n = 0
    for r in alarms.sort("start").iter_rows(named=True):
        key = (Alarm.kind == r["kind"], Alarm.mn == r["mn"], Alarm.factor == r["factor"],
               Alarm.scope == r["scope"])
        row = session.scalar(select(Alarm).where(*key, Alarm.start == r["start"]))
        if row is None and r["kind"] != "missing":
            row = session.scalar(select(Alarm).where(
                *key, Alarm.status == "open", Alarm.start < r["start"], Alarm.end >= r["start"])
                .order_by(Alarm.start.desc()).limit(1))
        if row is None:
            row = Alarm(kind=r["kind"], mn=r["mn"], factor=r["factor"], scope=r["scope"], start=r["start"],
                        detected_at=now, outlet_id=(outlet_of or {}).get(r["mn"]))
            session.add(row)
        elif (row.end, row.status, row.evidence) == (r["end"], r["status"], r["evidence"]):
            continue
        row.end, row.status, row.evidence = r["end"], r["status"], r["evidence"]
        session.flush()
        n += 1
    return n


_RECORD_SCHEMA = {"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us"),
                  "received_at": pl.Datetime("us"), "raw": pl.Binary}


#: DataTime as stored, read without SQLAlchemy's conversion (SQLite keeps text): one row that
#: cannot be read back must never abort a whole alarm tick (issue 7 item 3).
_DT_TEXT = type_coerce(DataRecord.datatime, String)


def _readable(v) -> datetime | None:
    """A stored DataTime as :class:`datetime`, or None when it cannot be read back (e.g.
    ``'26-06-01 00:10:30'`` written before revision hj212_0004 with an unpadded year)."""
    if v is None or isinstance(v, datetime):
        return v
    try:
        return datetime.fromisoformat(v)
    except ValueError:
        return None


def _good_rows(rows, at: int, what: str) -> list[tuple]:
    """Rows whose DataTime (column ``at``) reads back, converted; the others skipped and logged."""
    out, bad = [], 0
    for r in rows:
        t = _readable(r[at])
        if t is None and r[at] is not None:
            bad += 1
            continue
        out.append((*r[:at], t, *r[at + 1:]))
    if bad:
        log.warning("%s: %d stored records with an unreadable DataTime skipped", what, bad)
    return out


def load_window(engine: Engine, since: datetime, mns: Iterable[str] | None = None,
                cns: Iterable[str] = ("2051", "2061", "2031"), realtime_since: datetime | None = None
                ) -> pl.DataFrame:
    """Stored data packets of the given CNs with DataTime ≥ ``since`` (optionally some devices).

    Real-time packets (CN 2011, when in ``cns``) are loaded from ``realtime_since`` (default
    ``since``): a device sends hundreds of them a day, and the real-time rules need only the
    recent ones. A record whose DataTime cannot be read back is skipped (and logged)."""
    cns = list(cns)
    window = and_(DataRecord.datatime >= since, DataRecord.cn.in_([c for c in cns if c != "2011"]))
    if "2011" in cns:
        window = window | and_(DataRecord.cn == "2011", DataRecord.datatime >= (realtime_since or since))
    q = (select(DataRecord.raw_id, DataRecord.mn, DataRecord.cn, _DT_TEXT, DataRecord.received_at,
                RawPacket.raw)
         .join(RawPacket, RawPacket.id == DataRecord.raw_id).where(window))
    if mns is not None:
        q = q.where(DataRecord.mn.in_(list(mns)))
    with Session(engine) as s:
        rows = _good_rows(s.execute(q).all(), 3, "load_window")
    rows = [r for r in rows if r[3] is None or r[3] >= since]
    return pl.DataFrame(rows, orient="row", schema=_RECORD_SCHEMA)


def last_records(engine: Engine, cns: Iterable[str], before: datetime | None = None,
                 mns: Iterable[str] | None = None) -> pl.DataFrame:
    """The last stored packet (by DataTime) of every (MN, CN), however old; with ``before``,
    the last one earlier than that. Columns ``raw_id, mn, cn, datatime``. A stored DataTime
    that cannot be read back (SQLite text without a 4-digit year, which would also sort last as
    text) is left out, never taken for the last packet."""
    cond = [DataRecord.cn.in_(list(cns)), DataRecord.datatime.is_not(None),
            func.substr(cast(DataRecord.datatime, String), 5, 1) == "-"]
    if before is not None:
        cond.append(DataRecord.datatime < before)
    if mns is not None:
        cond.append(DataRecord.mn.in_(list(mns)))
    last = (select(DataRecord.mn, DataRecord.cn, func.max(_DT_TEXT).label("dt"))
            .where(*cond).group_by(DataRecord.mn, DataRecord.cn).subquery())
    q = (select(func.min(DataRecord.raw_id), DataRecord.mn, DataRecord.cn, _DT_TEXT)
         .join(last, and_(DataRecord.mn == last.c.mn, DataRecord.cn == last.c.cn, _DT_TEXT == last.c.dt))
         .group_by(DataRecord.mn, DataRecord.cn, DataRecord.datatime))
    with Session(engine) as s:
        rows = _good_rows(s.execute(q).all(), 3, "last_records")
    return pl.DataFrame(rows, orient="row",
                        schema={"raw_id": pl.Int64, "mn": pl.String, "cn": pl.String, "datatime": pl.Datetime("us")})


def evaluate_store(engine: Engine, since: datetime, now: datetime, mns: Iterable[str] | None = None,
                   cns: Iterable[str] = VALUE_CNS, realtime_window: timedelta = timedelta(hours=1),
                   expected: Mapping[str, timedelta] = DEFAULT_EXPECTED, n_intervals: int = 3,
                   required_cns: Iterable[str] = DEFAULT_REQUIRED_CNS, missing: bool = True, **kw) -> int:
    """Run every rule and record the alarms. Returns the alarm records inserted or updated.

    The value rules (exceedance, flags, constant values) run over the stored window
    ``[since, now]`` (real-time data over the last ``realtime_window``) of the devices ``mns``
    (None = every device; the gateway passes the devices that sent data since its last run).
    The missing-data rule runs over **every active registered device** on every call: the last
    packet of each (MN, CN) before the window anchors a gap that began before it, the last
    packet overall gives the open gap of a device silent for any length of time, and a device
    that never sent a ``required_cns`` data type is missing from its registration on.
    ``now`` and ``since`` are station local time (DataTime, hj212.md §11). ``missing=False``
    skips the missing-data rule (the gateway's worker processes other than the first).
    """
    from qingshan.sources.registry import load_devices, load_limits

    devices = load_devices(engine)
    eval_mns = None if mns is None else set(mns)
    if eval_mns is None or eval_mns:
        records = load_window(engine, since, eval_mns, cns, realtime_since=max(since, now - realtime_window))
    else:
        records = pl.DataFrame(schema=_RECORD_SCHEMA)
    values = derive.flatten(records)
    labels = pl.DataFrame({"mn": list(devices), "label": [d.datatime_label for d in devices.values()]},
                          schema={"mn": pl.String, "label": pl.String})
    values = derive.with_period(values.join(labels, on="mn", how="left").with_columns(
        pl.col("label").fill_null("start")), datatime_label="label").drop("label")
    limits = pl.DataFrame(load_limits(engine), schema={
        "mn": pl.String, "outlet_id": pl.Int64, "factor": pl.String, "limit_value": pl.String, "unit": pl.String,
        "basis": pl.String, "ref_o2": pl.String, "period": pl.String, "standard": pl.String, "clause": pl.String})

    # missing data: every active device, its last packet of each CN however old
    watched = list(expected)
    last_all = last_records(engine, watched)
    gaps = pl.concat([
        records.filter(pl.col("cn").is_in(watched)).select("raw_id", "mn", "cn", "datatime"),
        last_records(engine, watched, before=since, mns=eval_mns),
        last_all if eval_mns is None else last_all.filter(pl.col("mn").is_in(list(eval_mns))),
    ])
    if eval_mns is not None:
        # devices outside the evaluated set: only their last packet (an open gap), never a
        # false gap between the last packet before the window and the last one overall
        gaps = pl.concat([gaps, last_all.filter(~pl.col("mn").is_in(list(eval_mns)))])
    gaps = gaps.unique("raw_id").filter(pl.col("mn").is_in(list(devices)) & pl.col("datatime").is_not_null())
    if not missing:
        gaps = gaps.clear()
    alarms = pl.concat([
        evaluate_all(values, gaps, limits, now, expected=expected, n_intervals=n_intervals, **kw),
        never_received(devices, gaps, now, required_cns, expected, n_intervals) if missing else _empty(),
    ])
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
                 "scope": a.scope, "start": a.start.isoformat(), "end": a.end.isoformat() if a.end else None, "status": a.status,
                 "evidence": json.loads(a.evidence)} for a in s.scalars(q)]
