"""Throughput of the surface-water engine: single-factor class + CWQI of section-records.

Run from the repository root::

    .venv/bin/python bench/water_engine.py [rows] [--repeat N] [--chunk ROWS]

Input (``rows``, default 10,000,000 section-records, one value of each of the 21 GB 3838
evaluated items per record, Float64 as a bureau's frame holds them):

* pH, DO, CODMn, NH3-N and TP are **drawn from the real CNEMC records** of
  ../shared/data/water/cnemc_realtime_2026-08-26_1300.csv (each column resampled with
  replacement from its published values);
* the other 16 items (COD, BOD5, metals, …), which that release does not carry, are
  **synthetic**: lognormal around the water.md §10 background and typical river levels, rounded
  to the §8 decimals;
* 2 % of the records are lake/reservoir points (lake TP column).

(a) ours: :func:`qingshan.standards.water_evaluation.classify` with ``cwqi=True`` and
    ``labels=False`` (class, items evaluated, partial, limit ties, TN/faecal-coliform apart,
    main pollutants with exact multiples, exact CWQI as an Int128 rational) — every value taken
    exactly (Fraction(str(v)) semantics) and every comparison on integers (main pollutants:
    polars keys on the rows worse than Ⅲ, a numpy partition for the first three, the code lists
    gathered from the few distinct combinations);
    also with ``labels=True`` (Chinese class labels, status, colour, item lists, pollutant text).
(b) one numpy pass over the same 21 columns: per item the class by comparisons with its five
    limits (float64), the worst class, and CWQI as a float sum — no exactness, no main
    pollutants, no ties.
Ratio: ours ÷ numpy time (target ≤ 10).

The machine is shared (2 cores, up to 8 helpers): wall times are the best of ``--repeat`` runs,
CPU times (all threads) are printed too. ``POLARS_MAX_THREADS=1`` compares one thread with
numpy's one. Records are processed in chunks of ``--chunk`` rows
(default 1,000,000) by both engines, to bound memory on the shared machine.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from qingshan.standards import gb3838  # noqa: E402
from qingshan.standards.water_evaluation import classify  # noqa: E402
from qingshan.standards.water_rules import DEFAULT_SETTINGS  # noqa: E402

CNEMC = REPO.parent / "shared" / "data" / "water" / "cnemc_realtime_2026-08-26_1300.csv"
REAL_COLUMNS = {"ph": "pH(无量纲)", "do": "溶解氧(mg/L)", "codmn": "高锰酸盐指数(mg/L)", "nh3n": "氨氮(mg/L)", "tp": "总磷(mg/L)"}
#: synthetic items: (median, sigma) in mg/L
SYNTHETIC = {
    "cod": (16.0, 0.35), "bod5": (2.8, 0.35), "cu": (0.005, 0.5), "zn": (0.02, 0.5), "f": (0.4, 0.3),
    "se": (0.0004, 0.4), "as": (0.001, 0.5), "hg": (0.00002, 0.4), "cd": (0.0002, 0.5), "cr6": (0.004, 0.4),
    "pb": (0.002, 0.5), "cn": (0.002, 0.5), "phenol": (0.0008, 0.5), "petroleum": (0.02, 0.5), "las": (0.05, 0.4),
    "sulfide": (0.01, 0.5),
}


def real_columns() -> dict[str, np.ndarray]:
    with CNEMC.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {c: np.array([float(r[h]) for r in rows if r[h] != "--"]) for c, h in REAL_COLUMNS.items()}


def records(n: int, seed: int = 3838) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    real = real_columns()
    cols: dict[str, np.ndarray] = {c: rng.choice(v, n) for c, v in real.items()}
    for c, (median, sigma) in SYNTHETIC.items():
        cols[c] = np.round(rng.lognormal(np.log(median), sigma, n), DEFAULT_SETTINGS.decimals[c])
    cols["hg"] = np.maximum(cols["hg"], 0.00001)  # keep a non-zero trace value after rounding
    frame = pl.DataFrame({c: cols[c] for c in gb3838.EVALUATED_ITEMS})
    lake = rng.random(n) < 0.02
    return frame.with_columns(water_body=pl.Series(np.where(lake, "lake", "river")))


def numpy_pass(cols: dict[str, np.ndarray], lake: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    worst = np.ones(len(lake), dtype=np.int8)
    cw = np.zeros(len(lake))
    for c in gb3838.EVALUATED_ITEMS:
        v = cols[c]
        it = gb3838.ITEM[c]
        if it.direction == "range":
            k = np.where((v >= 6) & (v <= 9), 1, 6).astype(np.int8)
            cw += np.where(v <= 7, 7 - v, (v - 7) / 2)
        elif it.direction == "ge":
            lim = [float(x) for x in it.limits]
            k = (1 + sum((v < x).astype(np.int8) for x in lim)).astype(np.int8)
            cw += 5.0 / v
        else:
            lim = [float(x) for x in it.limits]
            k = (1 + sum((v > x).astype(np.int8) for x in lim)).astype(np.int8)
            s = float(it.class_iii())
            if c == "tp":
                lk = (1 + sum((v > float(x)).astype(np.int8) for x in it.lake_limits)).astype(np.int8)
                k = np.where(lake, lk, k)
                cw += v / np.where(lake, 0.05, s)
            else:
                cw += v / s
        np.maximum(worst, k, out=worst)
    return worst, cw


def timed(fn, repeat: int):
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall, best_cpu, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    args = ap.parse_args()
    n, chunk = args.rows, min(args.chunk, args.rows)
    t0 = time.perf_counter()
    frame = records(chunk)
    print(f"input: {n:,} section-records in chunks of {chunk:,} (pH, DO, CODMn, NH3-N, TP resampled from the "
          f"real CNEMC file; 16 items synthetic), prepared in {time.perf_counter() - t0:.1f} s")
    k = n // chunk
    np_cols = {c: frame[c].to_numpy() for c in gb3838.EVALUATED_ITEMS}
    lake = (frame["water_body"] == "lake").to_numpy()

    def ours(labels: bool):
        def run():
            last = None
            for _ in range(k):
                last = classify(frame, water_body="water_body", cwqi=True, labels=labels)
            return last
        return run

    def numpy_all():
        last = None
        for _ in range(k):
            last = numpy_pass(np_cols, lake)
        return last

    w_np, c_np, (worst, _cw) = timed(numpy_all, args.repeat)
    w, c, out = timed(ours(False), args.repeat)
    w_l, c_l, out_l = timed(ours(True), args.repeat)
    assert out["class"].to_numpy().tolist() == worst.tolist(), "classes differ from the numpy pass"
    assert out_l["class"].equals(out["class"])
    total = k * chunk
    print(f"(a) ours, labels=False : {total / w:,.0f} records/s  (wall {w:.2f} s, CPU {c:.2f} s)")
    print(f"    ours, labels=True  : {total / w_l:,.0f} records/s  (wall {w_l:.2f} s, CPU {c_l:.2f} s)")
    print(f"(b) numpy pass         : {total / w_np:,.0f} records/s  (wall {w_np:.2f} s, CPU {c_np:.2f} s)")
    print(f"ratio ours/numpy (wall): {w / w_np:.1f}x (labels=True {w_l / w_np:.1f}x); target ≤ 10x")
    print(f"ratio ours/numpy (CPU) : {c / c_np:.1f}x (labels=True {c_l / c_np:.1f}x)")
    dist = out.group_by("class").len().sort("class")
    print("class distribution of one chunk:", dict(zip(dist["class"].to_list(), dist["len"].to_list(), strict=True)))


if __name__ == "__main__":
    main()
