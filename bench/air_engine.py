"""Throughput of the HJ 633 real-time AQI engine (a script, not a test; prints figures).

Run from the repository root::

    .venv/bin/python bench/air_engine.py [rows] [--repeat N]

(a) :func:`qingshan.standards.hj633.realtime_aqi` on ``rows`` (default 10,000,000) synthetic
    station-hours: lognormal concentrations around typical Chinese urban levels, integers in
    µg/m³ (Int64) and CO with one decimal in mg/m³ (Float64), ~3 % missing values, hour-end
    labels spread over 2026-03-01 … 2026-11 (the default edition follows each hour's natural
    day, §0; here all 2026). Also: an explicit ``edition``, and a frame straddling the switch
    (2025-12 … 2026-05: per-row editions, the slower mixed path).
(b) aqi-hub 0.3.3's per-value API (``aqi_hub.aqi_cn.aqi.cal_aqi_cn`` + ``cal_primary_pollutant``)
    in a Python loop over a sample of complete rows, extrapolated to station-hours/s.
(c) One numpy pass over the same six input columns: ``np.maximum.reduce`` (as float64 arrays
    prepared beforehand; the reduce copies them into one 6 × n array, as numpy does).
Ratios: ours ÷ aqi-hub throughput (target ≥ 100), ours ÷ numpy time (target ≤ 10).

Wall times are the best of ``--repeat`` runs; CPU times (process, all threads) are printed as
well, because the 2-core machine is shared and wall times swing with its load.

The national pipeline benchmark (air evaluation, written by the evaluation engineer) lives in
``bench/air_national.py``; :func:`national_pipeline` below runs it when present.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from qingshan.standards.hj633 import realtime_aqi  # noqa: E402

POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")


def synthetic_hours(n: int, seed: int = 633, start: datetime = datetime(2026, 3, 1, 1), days: int = 270) -> pl.DataFrame:
    """``n`` synthetic station-hours (not real data), hour-end labels spread over ``days`` days
    from ``start``."""
    rng = np.random.default_rng(seed)

    def conc(median: float, sigma: float, decimals: int = 0) -> np.ndarray:
        v = rng.lognormal(np.log(median), sigma, n)
        return np.round(v, decimals)

    cols = {
        "so2": conc(9, 0.7),
        "no2": conc(28, 0.6),
        "pm10": conc(60, 0.7),
        "co": conc(0.8, 0.5, 1),
        "o3": conc(60, 0.7),
        "pm25": conc(33, 0.8),
    }
    frame = {}
    for name, v in cols.items():
        s = pl.Series(name, v)
        s = s if name == "co" else s.cast(pl.Int64)
        miss = rng.random(n) < 0.03
        frame[name] = s.scatter(np.flatnonzero(miss), None)
    hours = rng.integers(0, days * 24, n)
    frame["time"] = pl.DataFrame({"h": hours}).select(
        (pl.lit(start) + pl.duration(hours=pl.col("h"))).alias("time")
    ).to_series()
    return pl.DataFrame(frame)


def timed(fn, repeat: int):
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall, best_cpu, out


def aqi_hub_rate(frame: pl.DataFrame, sample: int = 100_000, with_primary: bool = True) -> tuple[float, float]:
    """Station-hours per second of aqi-hub's per-value API in a Python loop: (wall, CPU) rates."""
    from aqi_hub.aqi_cn.aqi import cal_aqi_cn, cal_primary_pollutant

    rows = frame.drop_nulls(list(POLLUTANTS)).head(sample).select(
        [pl.col(p).cast(pl.Float64) for p in ("pm25", "pm10", "so2", "no2", "co", "o3")]
    ).rows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = time.perf_counter(), time.process_time()
        for pm25, pm10, so2, no2, co, o3 in rows:
            aqi, iaqi = cal_aqi_cn(pm25, pm10, so2, no2, co, o3, data_type="hourly")
            if with_primary:
                cal_primary_pollutant(iaqi)
        dt, dc = time.perf_counter() - t, time.process_time() - c
    return len(rows) / dt, len(rows) / dc


def national_pipeline(*args, **kwargs):
    """HOOK (for the lead): the national evaluation pipeline benchmark of ``bench/air_national.py``.

    Runs ``bench.air_national.run(*args, **kwargs)`` when that module is present and returns its
    result; returns None otherwise.
    """
    try:
        from bench import air_national  # type: ignore[import-not-found]
    except ImportError:
        try:
            import importlib.util

            spec = importlib.util.spec_from_file_location("air_national", REPO / "bench" / "air_national.py")
            if spec is None or spec.loader is None:
                return None
            air_national = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(air_national)
        except FileNotFoundError:
            return None
    return air_national.run(*args, **kwargs)


def main(argv: list[str]) -> None:
    n = 10_000_000
    repeat = 3
    national = False
    args = list(argv)
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    if "--national" in args:
        national = True
        args.remove("--national")
    if args:
        n = int(args[0].replace("_", ""))
    print(f"rows: {n:,}  repeat: {repeat}  cpus: {os.cpu_count()}  load average: {os.getloadavg()}")
    frame = synthetic_hours(n)
    arrays = [frame[p].cast(pl.Float64).fill_null(np.nan).to_numpy() for p in POLLUTANTS]

    w_np, c_np, _ = timed(lambda: np.maximum.reduce(arrays), repeat)
    print(f"(c) numpy np.maximum.reduce over 6 columns: {w_np:.3f} s wall, {c_np:.3f} s cpu")

    w_auto, c_auto, out = timed(lambda: realtime_aqi(frame), repeat)
    eds = out["edition"].value_counts().sort("edition").rows()
    del out
    print(f"(a) realtime_aqi, default edition by date {eds}: {w_auto:.3f} s wall, {c_auto:.3f} s cpu "
          f"→ {n / w_auto:,.0f} station-hours/s")
    fixed = frame.drop("time")
    w_fix, c_fix, _ = timed(lambda: realtime_aqi(fixed, edition="2012"), repeat)
    print(f"    realtime_aqi, edition='2012', no time column: {w_fix:.3f} s wall, {c_fix:.3f} s cpu → {n / w_fix:,.0f} station-hours/s")
    mixed = synthetic_hours(n, start=datetime(2025, 12, 1, 1), days=181)
    w_mix, c_mix, out = timed(lambda: realtime_aqi(mixed), repeat)
    eds = out["edition"].value_counts().sort("edition").rows()
    del out, mixed
    print(f"    realtime_aqi, frame straddling 2026-03-01 {eds}: {w_mix:.3f} s wall, {c_mix:.3f} s cpu → {n / w_mix:,.0f} station-hours/s")

    hub_aqi, hub_aqi_cpu = aqi_hub_rate(frame, with_primary=False)
    hub, hub_cpu = aqi_hub_rate(frame)
    print(f"(b) aqi-hub 0.3.3 per row: cal_aqi_cn {hub_aqi:,.0f} station-hours/s wall ({hub_aqi_cpu:,.0f}/cpu-s); "
          f"cal_aqi_cn + cal_primary_pollutant {hub:,.0f} wall ({hub_cpu:,.0f}/cpu-s)")

    print("ratios (ours has AQI, IAQIs, primary pollutants, level, category, over-standard):")
    print(f"    ours ÷ aqi-hub (with primary), wall throughput: {n / w_auto / hub:,.0f}× default, {n / w_fix / hub:,.0f}× fixed edition, {n / w_mix / hub:,.0f}× straddling")
    print(f"    ours ÷ aqi-hub (cal_aqi_cn only), wall:          {n / w_auto / hub_aqi:,.0f}× default, {n / w_fix / hub_aqi:,.0f}× fixed edition")
    print(f"    per CPU-second (load-independent; an idle 2-core machine gives ours up to 2× this in wall time):")
    print(f"        vs aqi-hub with primary: {n / c_auto / hub_cpu:,.0f}× default, {n / c_fix / hub_cpu:,.0f}× fixed; "
          f"vs cal_aqi_cn only: {n / c_auto / hub_aqi_cpu:,.0f}× default, {n / c_fix / hub_aqi_cpu:,.0f}× fixed")
    print(f"    ours ÷ numpy time (wall): {w_auto / w_np:.1f}× default, {w_fix / w_np:.1f}× fixed, {w_mix / w_np:.1f}× straddling")
    print(f"    ours ÷ numpy time (cpu):  {c_auto / c_np:.1f}× default, {c_fix / c_np:.1f}× fixed, {c_mix / c_np:.1f}× straddling")

    if national:
        # ---- HOOK: national pipeline (bench/air_national.py, evaluation engineer) ----------
        result = national_pipeline()
        print("national pipeline:", "not available" if result is None else result)


if __name__ == "__main__":
    main(sys.argv[1:])
