"""Rule VERIFY-1 over a store holding a million HJ 212 hourly values (issue 12: "finishes in seconds").

    .venv/bin/python bench/emergency_verify.py [--outlets 250] [--hours 1000] [--url URL] [--rebuild]

Builds (once; cached in ``bench/.emergency_verify.db`` unless ``--url`` is given) a store with
``outlets`` listed enterprises, one flue-gas outlet each, reporting SO2, NOx, PM and flow every
hour for ``hours`` hours — ``outlets × 4 × hours`` hourly values (250 × 4 × 1000 = 1,000,000),
written as CN 2061 packets through the gateway's writer like real data, with the usual share of
M/D flags. Values are drawn from the shape of a coal-fired stack (daily cycle and noise); one
enterprise in ten keeps running during the alert. An orange alert covers hours 800–896, so the
baseline search (up to 720 h back) and the alert read nearly the whole store.

Then times :func:`qingshan.emergency.verification.run_verification` end to end (read the HJ 212
values through the domain's one read function — the typed values table ``hj212_value`` since
issue 12 phase 2 —, VERIFY-1 for every unit and pollutant, store the results) and its parts,
and prints the figures for docs/performance.md. ``--backfill`` also times the migration's
backfill of the values table from the raw archive (every packet re-queued and copied again).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.emergency import listio
from qingshan.emergency.hj212_store import read_hourly, write_hourly
from qingshan.emergency.models import Alert, AlertAction, EmergencyList
from qingshan.emergency.verification import run_verification
from qingshan.hj212.models import DataRecord
from qingshan.sources import registry as src
from qingshan.sources.uscc import check_char
from qingshan.standards.verify_cuts import verify
from qingshan.store.db import make_engine
from qingshan.store.migrate import upgrade

T0 = datetime(2026, 1, 1)
ALERT_START, ALERT_END = 800, 896


def mn(i: int) -> str:
    return f"BE0C{i:020X}"


def body(i: int) -> str:
    return f"91140200MA0B{i:05d}"


def build_store(url: str, outlets: int, hours: int) -> int:
    upgrade(url)
    eng = make_engine(url)
    with Session(eng) as s, s.begin():
        for i in range(outlets):
            e = src.add_enterprise(s, f"基准测试企业{i:04d}（合成）", body(i) + check_char(body(i)), "水泥熟料", "140215")
            o = src.add_outlet(s, e, "DA001", "gas", "窑尾（合成）")
            src.add_device(s, mn(i), "123456", "31", o)
    rng = random.Random(12)
    written = 0
    for lo in range(0, outlets, 25):  # 25 outlets at a time keeps the frame small
        rows = []
        for i in range(lo, min(outlets, lo + 25)):
            cheat = i % 10 == 0
            for h in range(hours):
                t = T0 + timedelta(hours=h)
                cut = 0.7 if ALERT_START <= h < ALERT_END and not cheat else 1.0
                cyc = 1 + 0.06 * math.sin(2 * math.pi * (t.hour - 9) / 24)
                flow = 140 * cyc * cut * (1 + rng.gauss(0, 0.02))
                r = rng.random()
                flag = "M" if r < 0.01 else ("D" if r < 0.015 else "N")
                for code, c in (("a21026", 20.0), ("a21002", 95.0), ("a34013", 6.0)):
                    v = c * (1 + rng.gauss(0, 0.04))
                    rows.append((mn(i), t, code, f"{v:.2f}", f"{v * 1.1:.2f}", None, flag))
                rows.append((mn(i), t, "a00000", f"{flow:.2f}", None, f"{flow * 3600:.1f}", "N"))
        written += write_hourly(url, pl.DataFrame(rows, schema=["mn", "hour", "factor", "avg", "zs_avg", "cou", "flag"],
                                                  orient="row"))
        print(f"  written {written:,} packets", flush=True)
    # the list (E2-like B cement rows: cut 20 % at orange) and an orange alert
    wb_rows = [{"企业名称": f"基准测试企业{i:04d}（合成）", "统一社会信用代码": body(i) + check_char(body(i)),
                "行业": "水泥熟料", "生产线": "熟料线", "绩效等级": "B", "排放口MN": mn(i), "环评批复产能": 5000,
                "排污许可产能": 4800, "上年实际产量": 4500, "当前产量P0": 4400, "SO2基准排放量(kg/d)": 132,
                "NOx基准排放量(kg/d)": 1056, "颗粒物基准排放量(kg/d)": 66} for i in range(outlets)]
    with Session(eng) as s, s.begin():
        listio.import_list(s, _workbook(wb_rows), "基准测试清单（合成）.xlsx")
        start = T0 + timedelta(hours=ALERT_START)
        a = Alert(city="基准城市", source="local", status="lifted", level="none", max_level="orange",
                  first_issue=start - timedelta(hours=24), start=start, end=T0 + timedelta(hours=ALERT_END),
                  last_above_end=T0 + timedelta(hours=ALERT_END), lift_at=T0 + timedelta(hours=ALERT_END), rules="2024",
                  tables=[{"kind": "alert_thresholds", "version": "2024", "status": "confirmed"}], settings={})
        s.add(a)
        s.flush()
        s.add(AlertAction(alert_id=a.id, seq=1, action="issue", level="orange", at=start, reason="基准测试", decision={}))
        s.add(AlertAction(alert_id=a.id, seq=2, action="lift", level="none", at=a.lift_at, reason="基准测试", decision={}))
    eng.dispose()
    return written


def _workbook(rows: list[dict]) -> bytes:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(listio.template()))
    ws = wb[listio.SHEET]
    heads = [h for h, _ in listio.COLUMNS]
    for r, vals in enumerate(rows, start=3):
        for h, v in vals.items():
            ws.cell(r, heads.index(h) + 1, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outlets", type=int, default=250)
    ap.add_argument("--hours", type=int, default=1000)
    ap.add_argument("--url", default=None)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--backfill", action="store_true", help="also time the values table's backfill from the archive")
    args = ap.parse_args()
    path = Path(__file__).with_name(".emergency_verify.db")
    url = args.url or f"sqlite:///{path}"
    if args.url is None and args.rebuild and path.exists():
        path.unlink()
    eng = make_engine(url)
    fresh = args.url is not None or not path.exists()
    if fresh:
        t = time.perf_counter()
        n = build_store(url, args.outlets, args.hours)
        print(f"store built: {n:,} packets in {time.perf_counter() - t:.1f} s")
    with Session(eng, expire_on_commit=False) as s:
        packets = s.scalar(select(func.count()).select_from(DataRecord))
        alert = s.scalars(select(Alert).order_by(Alert.id.desc())).first()
        lst = s.scalars(select(EmergencyList).order_by(EmergencyList.id.desc())).first()
    values = packets * 4
    print(f"store: {packets:,} hourly packets × 4 factors = {values:,} hourly values ({url.split(':')[0]})")
    mns = [mn(i) for i in range(args.outlets)]
    now = alert.lift_at + timedelta(hours=12)
    if args.backfill:
        from sqlalchemy import text

        from qingshan.hj212.value_store import backfill

        with eng.begin() as conn:
            conn.execute(text("DELETE FROM hj212_value"))
            conn.execute(text("INSERT INTO hj212_value_backfill (raw_id) SELECT raw_id FROM hj212_data WHERE cn = '2061'"))
        t = time.perf_counter()
        c = time.process_time()
        n = backfill(eng)
        print(f"backfill from the raw archive: {packets:,} packets → {n:,} value rows in "
              f"{time.perf_counter() - t:.1f} s wall, {time.process_time() - c:.1f} s CPU")
    t = time.perf_counter()
    c = time.process_time()
    hourly = read_hourly(eng, mns, alert.first_issue - timedelta(hours=720), now)
    t_read, c_read = time.perf_counter() - t, time.process_time() - c
    print(f"read_hourly: {hourly.height:,} values in {t_read:.2f} s wall, {c_read:.2f} s CPU")
    with Session(eng, expire_on_commit=False) as s:
        t = time.perf_counter()
        c = time.process_time()
        run = run_verification(s, eng, alert.id, list_id=lst.id, now=now, store=True)
        s.commit()
        t_all, c_all = time.perf_counter() - t, time.process_time() - c
    from qingshan.emergency import lists
    from qingshan.emergency.verification import alert_window
    from qingshan.standards.verify_cuts import VerifyParams

    with Session(eng) as s:
        rows = lists.list_rows(s, lst.id)
        units = [u.unit for u in lists.check_units(rows)]
        window = alert_window(s, s.get(Alert, alert.id), now, VerifyParams())
        s.expunge_all()
    t = time.perf_counter()
    c = time.process_time()
    verify(hourly.rename({"mn": "outlet"}), units, window, now=now)
    t_rule, c_rule = time.perf_counter() - t, time.process_time() - c
    counts = run.summary["status_counts"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"VERIFY-1 rule alone (polars, {len(units)} units × 4 pollutants): {t_rule:.2f} s wall, {c_rule:.2f} s CPU")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"run_verification end to end (read + rule + store {len(run.results)} results): "
          f"{t_all:.2f} s wall, {c_all:.2f} s CPU; statuses {counts}; failing enterprises "
          f"{len(run.summary['failing_enterprises'])}; peak RSS {rss:.0f} MiB")
    eng.dispose()


if __name__ == "__main__":
    main()
