"""Water test data shared by tests/water and tests/web: water.md §10's worked examples.

W1, W2 and S4 are the sections of W7 (with the common background of §10, all Class Ⅰ): W1 is Ⅳ
(NH3-N 1.32, multiple 0.32), W2 is 劣Ⅴ (NH3-N 1.60, TP 1.25, COD 1.10 …), S4 is Ⅱ; their CWQI
are 7.5453, 13.2650 and 4.8912, the city index of the three 8.5672.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy.orm import Session

from qingshan.standards.water_values import nano_of_text
from qingshan.water.importer import import_frame
from qingshan.water.registry import add_section, get_section, set_target
from qingshan.water.store import WRITE_SCHEMA, WaterStore

BG = {"cu": "0.005", "zn": "0.02", "f": "0.4", "se": "0.0004", "as": "0.001", "hg": "0.00002", "cd": "0.0002",
      "cr6": "0.004", "pb": "0.002", "cn": "0.002", "phenol": "0.0008", "petroleum": "0.02", "las": "0.05",
      "sulfide": "0.01"}
W1 = {"ph": "7.6", "do": "6.8", "codmn": "4.8", "cod": "18", "bod5": "3.5", "nh3n": "1.32", "tp": "0.18", **BG}
W2 = {"ph": "7.2", "do": "4.0", "codmn": "9.0", "cod": "42", "bod5": "7", "nh3n": "2.6", "tp": "0.45", **BG}
S4 = {"ph": "8.1", "do": "7.9", "codmn": "2.9", "cod": "11", "bod5": "1.8", "nh3n": "0.21", "tp": "0.06", **BG}


def frame(rows) -> pl.DataFrame:
    out = [{"section_code": sec, "time": t, "item": item, "value_nano": nano_of_text(text), "nd": False,
            "dl_nano": None, "flag": None, "text": text} for sec, t, values in rows for item, text in values.items()]
    return pl.DataFrame(out, schema=WRITE_SCHEMA, orient="row")


#: code, name, county, level, lon, lat, 2026-03 data
SECTIONS = (
    ("W-S1", "测试断面一", "140215", "国考", 113.5, 40.0, W1),
    ("W-S2", "测试断面二", "140215", "国考", 113.6, 40.1, W2),
    ("W-S4", "测试断面四", "140221", "国考", 113.9, 40.3, S4),
)


def seed_water(url: str) -> None:
    """Three sections on 桑干河 with Class Ⅲ targets for 2025–2026 and the W7 data in 2026-03 (and
    S4 data everywhere in 2025-03). Idempotent."""
    with WaterStore(url) as store:
        with Session(store.engine) as s:
            for code, name, county, level, lon, lat, _ in SECTIONS:
                if get_section(s, code) is None:
                    add_section(s, code=code, name=name, river="桑干河", county_code=county, control_level=level,
                                lon=lon, lat=lat)
                for year in (2025, 2026):
                    set_target(s, code, year, 3)
            s.commit()
        rows = [(code, datetime(2026, 3, 10), data) for code, *_, data in SECTIONS]
        rows += [(code, datetime(2025, 3, 10), S4) for code, *_ in SECTIONS]
        import_frame(frame(rows), store, source="lab", kind="lab", label="测试数据")
