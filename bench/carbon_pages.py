"""Response times of the carbon pages and API on the Datong carbon demo (a script, not a test).

Run from the repository root::

    .venv/bin/python bench/carbon_pages.py [repeats]

Builds the labelled carbon demo (3 plants, 11 power accounting units, 1 clinker line, 10 months of
2026, city balance and GDP 2025–2026) in a temporary SQLite store, logs a bureau account in through
the API and requests each page ``repeats`` times (default 5) in-process (TestClient, no network).
The first request of a page computes its figures and stores the runs; the following ones are served
from the page cache until an input changes (``carbon.queries.data_version``). Wall and CPU (process)
times are printed: the 2-core machine is shared and wall time swings.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for p in (REPO / "src", REPO / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from carbon_web import add_users, clients_for, settings_for  # noqa: E402

from qingshan.demo.carbon import build_carbon_demo  # noqa: E402
from qingshan.store.db import make_engine  # noqa: E402
from qingshan.store.migrate import upgrade  # noqa: E402
from qingshan.web.app import create_app  # noqa: E402


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main(repeats: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="qingshan-carbon-bench-"))
    url = f"sqlite:///{home / 'carbon.db'}"
    upgrade(url)
    engine = make_engine(url)
    _, wall, cpu = timed(lambda: build_carbon_demo(engine))
    engine.dispose()
    print(f"demo build: {wall:.2f} s wall, {cpu:.2f} s CPU")
    app = create_app(settings_for(url, home))
    add_users(app)
    staff = clients_for(app)["staff"]
    ents = staff.get("/api/carbon/enterprises", params={"year": 2026, "through_month": 10}).json()
    unit = next(u["unit_id"] for e in ents if e["facility_code"] == "DTFD" for u in e["units"] if u["code"] == "6")
    check = staff.get("/api/carbon/checks", params={"year": 2026, "through_month": 10}).json()[0]["check_row_id"]
    html = {"Accept": "text/html"}
    targets = [("/carbon", html), ("/carbon/tile", html), (f"/carbon/units/{unit}", html), ("/carbon/factors", html),
               (f"/carbon/checks/{check}", html), ("/api/carbon/enterprises?year=2026&through_month=10", {}),
               ("/api/carbon/trend", {}), ("/api/carbon/intensity?year=2026&months=9", {})]
    print(f"{'request':55} {'first wall/CPU s':>18} {'then median wall/CPU s':>24}")
    for path, headers in targets:
        runs = []
        for _ in range(repeats):
            r, wall, cpu = timed(lambda: staff.get(path, headers=headers))
            assert r.status_code == 200, (path, r.status_code)
            runs.append((wall, cpu))
        first, rest = runs[0], runs[1:] or runs
        print(f"{path:55} {first[0]:8.3f} /{first[1]:7.3f}   {statistics.median(w for w, _ in rest):10.3f} /"
              f"{statistics.median(c for _, c in rest):7.3f}")
    app.state.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
