"""Classifying a file without a database: the engine of ``qingshan water classify``.

* ``cnemc`` — one output row per input row, in input order, the values classified as they
  are (the national release system grades its unrounded real-time values, water/SOURCE.md);
* ``table`` — a laboratory long table: one output row per (section, sampling time), each
  result first turned into its evaluation value (non-detect = half the detection limit, flag
  policy, one rounding; water.md §8).

The water-body type of a section comes from a sections file (``name,water_body``; ``code``
accepted too), then from the registry when one is given, else the section is a river.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from qingshan import exact
from qingshan.standards import gb3838
from qingshan.standards import water_statistics as ws
from qingshan.standards.water_evaluation import classify
from qingshan.standards.water_rules import DEFAULT_SETTINGS, WaterSettings
from qingshan.standards.water_values import NANO
from qingshan.water import items as I
from qingshan.water.cnemc import read_cnemc
from qingshan.water.files import FileRefused, RowError, read_sheet
from qingshan.water.lab import dedupe, read_lab

OUTPUT_COLUMNS = ("section", "time", "class", "main_pollutants", "items_evaluated", "limit_tie")


@dataclass
class Classified:
    """Rows in output order (:data:`OUTPUT_COLUMNS` plus ``published``), errors and counts."""

    rows: list[dict]
    errors: list[RowError]
    encoding: str
    coding: str = ""
    water_bodies: dict[str, int] = field(default_factory=dict)

    @property
    def n_classified(self) -> int:
        return sum(1 for r in self.rows if r["class"])

    def agreement(self) -> tuple[int, int, int, list[dict]]:
        """(rows with a published class, equal, limit ties, disagreements not explained by a tie)."""
        pub = [r for r in self.rows if r.get("published") is not None]
        equal = [r for r in pub if r["class_int"] == r["published"]]
        ties = [r for r in pub if r["limit_tie"] == "true"]
        bad = [r for r in pub if r["class_int"] != r["published"] and r["limit_tie"] != "true"]
        return len(pub), len(equal), len(ties), bad


def read_water_bodies(path: str | Path) -> dict[str, str]:
    """A sections file → name (and code) → water-body type. Raises FileRefused."""
    s = read_sheet(path)
    if not s.rows:
        raise FileRefused(RowError(s.name, None, None, "断面文件为空"))
    header = [I.normalise_name(h) for h in s.rows[0][1]]
    names = [i for i, h in enumerate(header) if h in ("name", "断面名称", "断面", "section")]
    codes = [i for i, h in enumerate(header) if h in ("code", "断面编码")]
    wb = [i for i, h in enumerate(header) if h in ("water_body", "水体类型", "类型")]
    if not wb or not (names or codes):
        raise FileRefused(RowError(s.name, s.rows[0][0], None, "断面文件的表头应至少有 name 与 water_body 两列"))
    words = {"河流": "river", "湖泊": "lake", "水库": "reservoir"}
    out: dict[str, str] = {}
    for row, rec in s.rows[1:]:
        rec = rec + [""] * (len(header) - len(rec))
        kind = words.get(rec[wb[0]].strip(), rec[wb[0]].strip().lower())
        if kind not in gb3838.WATER_BODIES:
            raise FileRefused(RowError(s.name, row, "water_body", f"水体类型「{rec[wb[0]].strip()}」应为 river、lake 或 reservoir"))
        for i in names + codes:
            if rec[i].strip():
                out[rec[i].strip()] = kind
    return out


def _struct(n: int | None) -> dict | None:
    return None if n is None else {"num": n, "den": NANO}


def _finish(frame: pl.DataFrame, settings: WaterSettings) -> pl.DataFrame:
    out = classify(frame, water_body="water_body", settings=settings)
    return out.with_columns(
        items_text=pl.col("items_evaluated").list.eval(
            pl.element().replace_strict(dict(gb3838.NAMES), return_dtype=pl.Utf8)).list.join("、"),
    )


def classify_cnemc(path: str | Path, *, water_bodies: Mapping[str, str], year: int | None = None,
                   settings: WaterSettings = DEFAULT_SETTINGS) -> Classified:
    f = read_cnemc(path, year=year)
    items = [c for c in f.items if c in gb3838.ITEM]
    recs = []
    for r in f.rows:
        rec = {"water_body": water_bodies.get(r.section, "river")}
        for c in items:
            rec[c] = _struct(r.values.get(c))
        recs.append(rec)
    schema = {"water_body": pl.Utf8, **{c: exact.RATIONAL for c in items}}
    out = _finish(pl.DataFrame(recs, schema=schema, orient="row"), settings)
    rows = []
    counts: dict[str, int] = {}
    for r, o in zip(f.rows, out.iter_rows(named=True), strict=True):
        counts[o["water_body"]] = counts.get(o["water_body"], 0) + 1
        cls = None if r.broken else o["class"]
        rows.append({
            "section": r.section, "time": r.time_text, "class": gb3838.class_label(cls),
            "main_pollutants": "" if r.broken else o["main_pollutants_label"],
            "items_evaluated": "" if r.broken else o["items_text"],
            "limit_tie": "true" if (o["limit_tie"] and not r.broken) else "false",
            "class_int": cls, "published": r.published_class if r.class_text else None,
        })
    return Classified(rows, f.errors, f.encoding, f.coding, counts)


def classify_table(path: str | Path, *, water_bodies: Mapping[str, str], sheet: str | None = None,
                   settings: WaterSettings = DEFAULT_SETTINGS) -> Classified:
    f = read_lab(path, sheet=sheet)
    keep, dup_errors, _rows = dedupe(f.values, lambda v: (v.section, v.time, v.item), f.name)
    errors = sorted(f.errors + dup_errors, key=lambda e: (e.row or 0, e.field or ""))
    if not keep:
        return Classified([], errors, f.encoding)
    long = pl.DataFrame(
        [{"section": v.section, "time": v.time, "item": v.item, "value_nano": v.value_nano, "nd": v.nd,
          "dl_nano": v.dl_nano, "flag": v.flag, "source": "lab"} for v in keep],
        schema={"section": pl.Utf8, "time": pl.Datetime("us"), **ws.LONG_SCHEMA}, orient="row",
    )
    means = ws.period_means(long, ["section", "time"], settings=settings)
    wide = ws.to_wide(means, ["section", "time"])
    wide = wide.with_columns(water_body=pl.col("section").replace_strict(dict(water_bodies), default="river"))
    out = _finish(wide, settings)
    first_row = {}
    for v in keep:
        first_row.setdefault((v.section, v.time), v.row)
    out = out.with_columns(
        _row=pl.struct("section", "time").map_elements(lambda s: first_row[(s["section"], s["time"])], return_dtype=pl.Int64)
    ).sort("_row")
    rows = [
        {"section": o["section"], "time": f"{o['time']:%Y-%m-%d %H:%M}", "class": gb3838.class_label(o["class"]),
         "main_pollutants": o["main_pollutants_label"], "items_evaluated": o["items_text"],
         "limit_tie": "true" if o["limit_tie"] else "false", "class_int": o["class"], "published": None}
        for o in out.iter_rows(named=True)
    ]
    return Classified(rows, errors, f.encoding)
