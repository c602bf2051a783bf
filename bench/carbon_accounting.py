"""Throughput of carbon accounting with exact arithmetic (a script, not a test; prints figures).

Run from the repository root::

    .venv/bin/python bench/carbon_accounting.py [units]

(a) :func:`qingshan.standards.carbon_checks.evaluate_unit_year` — §3 accounting plus K-01…K-10 for
    a unit-year (12 months, ``Fraction`` throughout) — on ``units`` (default 500) synthetic
    600 MW units, i.e. a province-sized set: unit-months per second.
(b) the stored path on the embedded SQLite default: the Datong demo builder (3 real plant names,
    11 power accounting units, 1 clinker line, 110 + 10 monthly records through the xlsx/CSV
    importers, city balance 2025–2026, evaluation of every unit with runs stored, city accounts).

Wall and CPU (process) times are printed: the 2-core machine is shared and wall time swings.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from fractions import Fraction as F
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from qingshan.standards.carbon_checks import evaluate_unit_year  # noqa: E402
from qingshan.standards.carbon_factors import FactorTable  # noqa: E402
from qingshan.standards.carbon_power import PowerMonth, PowerUnit  # noqa: E402


def synthetic_unit(i: int) -> tuple[PowerUnit, list[PowerMonth]]:
    unit = PowerUnit(f"U{i}", capacity_mw=F(600), cooling="air")
    recs = []
    for m in range(1, 13):
        ncv = F("19.2") + F((i + m) % 11 - 5, 10)
        recs.append(PowerMonth(2026, m, coal_t=F(120000 + 97 * ((i * 7 + m) % 50)), ncv=ncv, c=ncv * F("0.0266"),
                               h=F("0.033"), s_t=F("0.008"), m_t=F("0.10"), lab_report_id="R", sample_id="S",
                               sample_from=date(2026, m, 1), sample_to=date(2026, m, 28), purchased_elec_mwh=F(0),
                               generation_mwh=F(270000), supply_mwh=F(250000), heat_gj=F(0), running_hours=F(640),
                               lodged_on=date(2026, m, 28), other_fuels={"diesel": F(30)}))
    return unit, recs


def bench_standards(units: int) -> None:
    factors = FactorTable.packaged()
    data = [synthetic_unit(i) for i in range(units)]
    t0, c0 = time.perf_counter(), time.process_time()
    fails = 0
    for unit, recs in data:
        ev = evaluate_unit_year(unit, recs, 2026, as_of=date(2027, 3, 1), factors=factors)
        fails += sum(1 for c in ev.checks if c.status.value == "fail")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = units * 12
    print(f"(a) evaluate_unit_year: {units} units × 12 months = {n} unit-months in {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"→ {n / wall:,.0f} unit-months/s (checks failed: {fails})")


def bench_demo() -> None:
    from qingshan.demo.carbon import build_carbon_demo
    from qingshan.store import migrate
    from qingshan.store.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        t0, c0 = time.perf_counter(), time.process_time()
        build_carbon_demo(engine)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()
        build_carbon_demo(engine)  # idempotent rebuild: imports unchanged, runs reused
        wall2, cpu2 = time.perf_counter() - t1, time.process_time() - c1
        engine.dispose()
    print(f"(b) demo builder on SQLite: first build {wall:.1f} s wall, {cpu:.1f} s CPU; rebuild {wall2:.1f} s wall, {cpu2:.1f} s CPU")


if __name__ == "__main__":
    bench_standards(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
    bench_demo()
