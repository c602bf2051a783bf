"""Time to build and render the two monthly bulletins and the target-tracking report on the demo
database (a script, not a test).

Run from the repository root, after ``qingshan demo`` has filled ``QINGSHAN_HOME``::

    QINGSHAN_HOME=/tmp/qingshan-demo .venv/bin/python bench/assess_bulletin.py 2026-11

Each step in a fresh process is what a user waits for:

(a) ``service.build`` of Bulletin A from nothing (reads the hours, evaluates) + its .docx and HTML;
(b) Bulletin B on the **same** air context (what ``qingshan bulletin both`` and the demo do);
(c) ``targets status`` of the month's last day (its own read of the hours);
(d) the context alone: reading the hours and laying out the station-days.

Wall and process CPU (all threads) times; the 2-core machine is shared, so CPU is the figure to
compare. Input: the demo's labelled synthetic series (16 stations, 2025-01-01 … yesterday) — the
real CNEMC archive under shared/data has no Datong county stations to build the units from.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from qingshan.bulletin import service
from qingshan.config import database_url
from qingshan.targets.context import AirContext
from qingshan.targets.tracking import build_status


def timed(label: str, fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label}: {time.perf_counter() - w0:.2f} s wall, {time.process_time() - c0:.2f} s cpu", flush=True)
    return out


def main(month: str) -> None:
    url = database_url()
    issued = date(2026, 12, 5)
    step = sys.argv[2] if len(sys.argv) > 2 else "all"
    if step in ("all", "a"):
        def a():
            b = service.build(url, "air", month, issued=issued)
            return b, service.render_docx(b), service.render_html(b)

        timed("(a) Bulletin A cold (build + .docx + HTML)", a)
    if step in ("all", "b"):
        ctx = timed("(d) air context (read the hours, station-days)", lambda: service.load_context(url, month))

        def both():
            for kind in ("air", "work"):
                b = service.build(url, kind, month, issued=issued, ctx=ctx)
                service.render_docx(b)
                service.render_html(b)

        timed("(b) both bulletins on that context (build + .docx + HTML)", both)
    if step in ("all", "c"):
        end = service.month_end(month)
        timed(f"(c) targets status {end} (cold)", lambda: build_status(url, end))
    if step == "ctx":
        timed("(d) air context", lambda: AirContext.load(url, service.month_end(month)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "2026-11")
