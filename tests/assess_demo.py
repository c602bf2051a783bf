"""The assess demo store shared by tests/assess and the browser test of the target and bulletin
pages: 2025-01-01 … 2026-03-31 of the labelled synthetic series, the demo units, targets, manual
inputs, scheme and ledger items (with the workspace's demo accounts, cheap argon2), built once
per test session (the first caller builds it, later callers copy it)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from qingshan.core import clock
from qingshan.demo import build
from qingshan.demo.assess import build_assess_demo, build_ledger_demo
from qingshan.demo.stations import demo_stations
from qingshan.demo.synthetic import generate
from qingshan.web.security import WebSettings
from qingshan.web.seed import DEMO_ACCOUNTS

YEAR, MONTH = 2026, 3
MONTH_TEXT = "2026-03"
DAY = date(2026, 3, 31)
PASSWORDS = {a[0]: a[4] for a in DEMO_ACCOUNTS}
_BUILT: dict[str, Path] = {}


def cheap_settings(url: str, home: Path) -> WebSettings:
    return WebSettings(database_url=url, home=home, migrate=False, argon2_time_cost=1, argon2_memory_kib=1024)


def demo_file(tmp_path_factory, frozen_now: datetime) -> Path:
    """The built demo database (build on first use in this session)."""
    if "file" not in _BUILT:
        path = tmp_path_factory.mktemp("assess-demo") / "demo.db"
        url = f"sqlite:///{path}"
        build.migrate_database(url)
        build.register_stations(url)
        build.write_series(url, generate(demo_stations(), date(2025, 1, 1), DAY))
        build_assess_demo(url, YEAR, MONTH)
        with clock.frozen(frozen_now):  # the workspace's demo items are dated from "today"
            build_ledger_demo(url, YEAR, MONTH, web_settings=cheap_settings(url, path.parent))
        _BUILT["file"] = path
    return _BUILT["file"]


def copy_of(source: Path, target_dir: Path) -> str:
    """A private copy (for tests that write); returns its URL."""
    p = target_dir / "demo.db"
    shutil.copyfile(source, p)
    return f"sqlite:///{p}"
