"""Throughput of soil classification and of the solid-waste balance check (a script, not a test).

Run from the repository root::

    .venv/bin/python bench/landwaste_soil.py [samples]

(a) :func:`qingshan.standards.gb15618.classify_rows` on ``samples`` (default 20,000) synthetic
    samples × 8 Table 1 items (long table rows as the CLI reads them), lognormal contents around
    typical Shanxi farmland levels, all four land uses, pH 5.0–8.9. No public per-sample soil
    data were available to draw from (docs/conformance.md), so the input is synthetic.
(b) the same for :func:`qingshan.standards.gb36600.classify_rows` (class 2, detailed) with
    5 items per sample.
(c) :func:`qingshan.standards.solid_waste.balance_check` on 1,000,000 monthly records.
Wall and process CPU times, best of 3; the 2-core machine is shared.
"""

from __future__ import annotations

import random
import sys
import time

import polars as pl

from qingshan import exact
from qingshan.standards import gb15618, gb36600
from qingshan.standards import solid_waste as sw


def timed(fn, repeat: int = 3):
    best = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        best = (w, c, out) if best is None or w < best[0] else best
    return best


def farmland_rows(n: int) -> list[dict]:
    rnd = random.Random(1)
    medians = {"镉": 0.15, "汞": 0.05, "砷": 10, "铅": 25, "铬": 60, "铜": 22, "镍": 28, "锌": 70}
    rows = []
    for i in range(n):
        lu = gb15618.LAND_USES[i % 4]
        ph = f"{rnd.uniform(5.0, 8.9):.2f}"
        for item, med in medians.items():
            rows.append({"sample_id": f"S{i}", "land_use": lu, "ph": ph, "item": item,
                         "value": f"{med * rnd.lognormvariate(0, 0.6):.3f}", "unit": "mg/kg"})
    return rows


def site_rows(n: int) -> list[dict]:
    rnd = random.Random(2)
    items = {"苯": 1.0, "铅": 300, "苯并[a]芘": 0.5, "砷": 15, "石油烃（C10-C40）": 800}
    return [{"sample_id": f"C{i}", "land_use": "2", "item": it, "value": f"{m * rnd.lognormvariate(0, 0.8):.3f}",
             "unit": "mg/kg"} for i in range(n) for it, m in items.items()]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rows = farmland_rows(n)
    w, c, (res, _issues) = timed(lambda: gb15618.classify_rows(rows))
    print(f"(a) GB 15618: {n:,} samples, {len(rows):,} rows: {w:.2f} s wall, {c:.2f} s CPU → "
          f"{len(rows) / w:,.0f} rows/s, {n / w:,.0f} samples/s")
    rows = site_rows(n)
    w, c, _ = timed(lambda: gb36600.classify_rows(rows))
    print(f"(b) GB 36600: {n:,} samples, {len(rows):,} rows: {w:.2f} s wall, {c:.2f} s CPU → {len(rows) / w:,.0f} rows/s")
    m = 1_000_000
    rnd = random.Random(3)
    g = [f"{rnd.uniform(0, 50000):.1f}" for _ in range(m)]
    frame = pl.DataFrame({"generated": g, "utilised": g, "utilised_prior": ["0"] * m, "disposed": ["0"] * m,
                          "disposed_prior": ["0"] * m, "stored": ["0"] * m, "dumped": ["0"] * m, "opening_stock": ["0"] * m})
    frame = frame.with_columns([exact.scaled_from_str(col).alias(col) for col in frame.columns])
    w, c, out = timed(lambda: sw.balance_check(frame))
    assert out["accepted"].all()
    print(f"(c) balance check: {m:,} monthly records: {w:.3f} s wall, {c:.3f} s CPU → {m / w:,.0f} records/s")


if __name__ == "__main__":
    main()
