"""Import benchmarks of the CNEMC importer on SQLite (a script, not a test; prints figures).

Run from the repository root::

    .venv/bin/python bench/ingest_import.py make  ROWS OUT.csv         # resampled real rows
    .venv/bin/python bench/ingest_import.py rss   FILE.csv [--twice]   # peak RSS and time of one import
    .venv/bin/python bench/ingest_import.py lock  FILE.csv [FILE2.csv] # how long other writers wait

``make`` writes a CNEMC archive file of ``ROWS`` rows whose values are real rows of
``../shared/data/cnemc/*.csv`` drawn with replacement (seeded), one row per station and hour:
every station code of the two real files, over as many consecutive hours as needed. The values
follow the real distribution; the hours and the pairing of values with stations are synthetic.

``rss`` imports FILE into a new SQLite database in a child process (``--register-stations``) and
prints its wall time and peak resident memory (``resource.getrusage(RUSAGE_CHILDREN)``, Linux:
KiB). ``--twice`` imports it a second time in the same child (the re-import of an unchanged file).

``lock`` starts the import of FILE in a child process and, while it runs, performs one small write
transaction every 0.25 s on the same database file from this process (an ``INSERT`` into a table
of its own, the way the HJ 212 gateway or the web app write), and reports how long each one waited
for SQLite's write lock. With FILE2, a second import of FILE2 runs concurrently in another child and
its outcome is reported too.

The code imported is whatever ``qingshan`` resolves to: run with ``PYTHONPATH=<tree>/src`` to
measure another checkout (the "before" figures in docs/performance.md were taken that way).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QINGSHAN_SHARED", REPO.parent / "shared"))
REAL = sorted((SHARED / "data" / "cnemc").glob("*.csv"))


def make(rows: int, out: Path, seed: int = 653) -> None:
    real: list[list[str]] = []
    header: list[str] = []
    stations: dict[str, list[str]] = {}
    for f in REAL:
        with f.open(encoding="utf-8", newline="") as fh:
            r = csv.reader(fh)
            header = next(r)
            for rec in r:
                real.append(rec)
                stations.setdefault(rec[1], rec)
    idx = {h: i for i, h in enumerate(header)}
    meta = ("stationcode", "longitude", "latitude", "area", "positionname")
    rng = random.Random(seed)
    codes = sorted(stations)
    t0 = datetime(2023, 1, 1, 1)
    written = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        hour = 0
        while written < rows:
            stamp = (t0 + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%S")
            for code in codes:
                if written >= rows:
                    break
                rec = list(rng.choice(real))
                for m in meta:
                    rec[idx[m]] = stations[code][idx[m]]
                rec[idx["timepoint"]] = stamp
                w.writerow(rec)
                written += 1
            hour += 1
    print(f"wrote {written:,} rows ({hour} hours × {len(codes)} stations) to {out} ({out.stat().st_size / 2**20:.0f} MiB)")


CHILD = r"""
import sys, time, resource
from qingshan.ingest.cnemc import import_cnemc
from qingshan.store.observations import ObservationStore
url, files, twice, tag = sys.argv[1], sys.argv[2].split(","), sys.argv[3] == "1", sys.argv[4]
store = ObservationStore(url)
for k in range(2 if twice else 1):
    for f in files:
        t = time.perf_counter()
        try:
            r = import_cnemc(f, store, register_stations=True)
            status = getattr(r, "status", "ok")
            print(f"{tag} import {k + 1}: {time.perf_counter() - t:.1f} s, rows {r.rows_read:,}, values {r.values_written:,}, status {status}", flush=True)
        except Exception as exc:  # report the failure as the user would see it
            print(f"{tag} import {k + 1}: FAILED after {time.perf_counter() - t:.1f} s: {exc}", flush=True)
store.close()
print(f"{tag} peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB", flush=True)
"""


def _child(url: str, files: list[Path], twice: bool, tag: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, url, ",".join(map(str, files)), "1" if twice else "0", tag])


def _migrated(db: Path) -> str:
    from qingshan.store import migrate

    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    return url


def rss(path: Path, twice: bool) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        url = _migrated(Path(tmp) / "bench.db")
        t = time.perf_counter()
        _child(url, [path], twice, "child").wait()
        print(f"total {time.perf_counter() - t:.1f} s; child peak RSS "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MiB; load average {os.getloadavg()}")


def lock(path: Path, second: Path | None) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        db = Path(tmp) / "bench.db"
        url = _migrated(db)
        con = sqlite3.connect(db, timeout=120, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE bench_probe (id INTEGER PRIMARY KEY, at TEXT)")
        first = _child(url, [path], False, "import A")
        other = None
        if second is not None:
            time.sleep(2.0)  # let A get going
            other = _child(url, [second], False, "import B")
        waits: list[float] = []
        while first.poll() is None or (other is not None and other.poll() is None):
            t = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO bench_probe (at) VALUES (datetime('now'))")
            con.execute("COMMIT")
            waits.append(time.perf_counter() - t)
            time.sleep(0.25)
        con.close()
        waits.sort()
        n = len(waits)
        print(f"probe writes during the import(s): {n}, wait p50 {waits[n // 2] * 1000:.0f} ms, "
              f"p99 {waits[min(n - 1, int(n * 0.99))] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms; "
              f"load average {os.getloadavg()}")


def main(argv: list[str]) -> None:
    cmd, *args = argv
    if cmd == "make":
        make(int(args[0].replace("_", "")), Path(args[1]))
    elif cmd == "rss":
        rss(Path(args[0]), "--twice" in args)
    elif cmd == "lock":
        lock(Path(args[0]), Path(args[1]) if len(args) > 1 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
