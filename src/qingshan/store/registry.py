"""Station registry: which stations exist, where they are, and which county each belongs to.

Stations come from a CNEMC hourly file (code, published name, city = ``area``, lon/lat; the
对照点 (background/control site) flag from the name), from a mapping file in the format of
Datong's ``air_stations.csv`` (``stationcode, positionname, longitude, latitude, district,
district_code``), or from explicit edits (``qingshan stations set``). Divisions (GB/T 2260
codes) come from a file in the format of ``divisions.csv`` (``code, name, kind``).

Names are kept as published (``果树场(对照点)``, ``中站许衡医院(新增191226)``): they are what the
source sends and what users search for. Notes in brackets other than 对照点 (``新增191226``,
``启用20220628``) are copied to ``notes``. Registering from a source never overwrites a county
assignment: that is an explicit decision of the bureau (mapping file or ``set``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, bindparam, func, insert, select, update

from qingshan.store.db import DatabaseClient
from qingshan.store.models_air import Division, Station
from qingshan.store.observations import upsert
from qingshan.textcodec import decode_bytes

STATIONS = Station.__table__
DIVISIONS = Division.__table__

FRAME_SCHEMA = {
    "code": pl.Utf8,
    "name": pl.Utf8,
    "city_code": pl.Utf8,
    "city_name": pl.Utf8,
    "county_code": pl.Utf8,
    "county_name": pl.Utf8,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "is_control": pl.Boolean,
    # national (CNEMC network), local, synthetic (demo): city values use national stations only
    # (air-evaluation.md §7)
    "kind": pl.Utf8,
}

EDITABLE = {
    "name",
    "city_code",
    "city_name",
    "county_code",
    "county_name",
    "lon",
    "lat",
    "is_control",
    "kind",
    "active",
    "source",
    "notes",
}

_REFRESHED = ("city_name", "city_code", "lon", "lat")

_BRACKETS = re.compile(r"[(（]([^()（）]*)[)）]")


def parse_station_name(name: str) -> tuple[str, bool, str | None]:
    """Published station name → (name as published, is 对照点, notes in brackets).

    >>> parse_station_name("果树场(对照点)")
    ('果树场(对照点)', True, None)
    >>> parse_station_name("原李万街道办（启用20220628）")
    ('原李万街道办（启用20220628）', False, '启用20220628')
    """
    clean = name.strip()
    notes = []
    is_control = False
    for inner in _BRACKETS.findall(clean):
        if unicodedata.normalize("NFKC", inner).strip() == "对照点":
            is_control = True
        else:
            notes.append(inner.strip())
    return clean, is_control, "; ".join(notes) or None


class RegistryError(ValueError):
    """A user error in a registry operation (message in Chinese)."""


def _city_code_of(county_code: str | None) -> str | None:
    # GB/T 2260: the prefecture is the first four digits followed by 00
    if county_code and re.fullmatch(r"\d{6}", county_code):
        return county_code[:4] + "00"
    return None


class StationRegistry(DatabaseClient):
    """Stations and divisions on the configured database (same URL rules as the store)."""


    # --- reading -------------------------------------------------------------------------
    def stations_frame(self, city: str | None = None, *, include_inactive: bool = False) -> pl.DataFrame:
        """``code, name, city_code, city_name, county_code, county_name, lon, lat, is_control, kind``.

        ``city`` matches the city name (``大同市``) or GB/T 2260 city code (``140200``).
        """
        q = select(*(STATIONS.c[c] for c in FRAME_SCHEMA)).order_by(STATIONS.c.code)
        if city is not None:
            q = q.where((STATIONS.c.city_name == city) | (STATIONS.c.city_code == city))
        if not include_inactive:
            q = q.where(STATIONS.c.active.is_(True))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")

    def get(self, code: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(STATIONS).where(STATIONS.c.code == code)).mappings().first()
        return dict(row) if row else None

    def codes(self, conn: Connection | None = None) -> set[str]:
        if conn is None:
            with self.engine.connect() as c:
                return self.codes(c)
        return set(conn.execute(select(STATIONS.c.code)).scalars())

    def names(self, conn: Connection | None = None) -> dict[str, list[str]]:
        """Published name → codes (several stations may share a name across cities)."""
        if conn is None:
            with self.engine.connect() as c:
                return self.names(c)
        out: dict[str, list[str]] = {}
        for code, name in conn.execute(select(STATIONS.c.code, STATIONS.c.name)):
            out.setdefault(name, []).append(code)
        return out

    def divisions_frame(self) -> pl.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(select(DIVISIONS).order_by(DIVISIONS.c.code)).all()
        return pl.DataFrame(
            rows,
            schema={"code": pl.Utf8, "name": pl.Utf8, "level": pl.Utf8, "parent_code": pl.Utf8},
            orient="row",
        )

    # --- writing -------------------------------------------------------------------------
    def register(self, frame: pl.DataFrame, *, source: str, kind: str | None = None,
                 conn: Connection | None = None) -> tuple[int, int]:
        """Insert new stations and refresh name/city/coordinates of known ones.

        ``frame``: ``code, name`` and optionally ``city_name, city_code, lon, lat``. County
        assignments of known stations are never touched. ``kind`` of new stations: given, or
        ``national`` for CNEMC-published stations and ``local`` otherwise. Returns
        (inserted, updated).
        """
        if conn is None:
            with self.engine.begin() as c:
                return self.register(frame, source=source, kind=kind, conn=c)
        kind = kind or ("national" if source == "cnemc" else "local")
        known = self.codes(conn)
        new_rows, upd_rows = [], []
        for r in frame.unique(subset=["code"], keep="last", maintain_order=True).iter_rows(named=True):
            name, is_control, notes = parse_station_name(r["name"] or r["code"])
            rec = {
                "code": r["code"],
                "name": name,
                "city_name": r.get("city_name"),
                "city_code": r.get("city_code"),
                "lon": r.get("lon"),
                "lat": r.get("lat"),
                "is_control": is_control,
            }
            if r["code"] in known:
                upd_rows.append(rec)
            else:
                new_rows.append(
                    rec | {"notes": notes, "kind": kind, "active": True, "source": source}
                )
        if new_rows:
            conn.execute(insert(STATIONS), new_rows)
        if upd_rows:
            # one executemany; a field the source did not send keeps its stored value
            stmt = (
                update(STATIONS)
                .where(STATIONS.c.code == bindparam("b_code"))
                .values(
                    name=bindparam("b_name"),
                    is_control=bindparam("b_is_control"),
                    **{c: func.coalesce(bindparam(f"b_{c}"), STATIONS.c[c]) for c in _REFRESHED},
                )
            )
            conn.execute(
                stmt,
                [{f"b_{k}": rec.get(k) for k in ("code", "name", "is_control", *_REFRESHED)} for rec in upd_rows],
            )
        return len(new_rows), len(upd_rows)

    def set(self, code: str, **fields) -> dict:
        """Explicit edit of one station (``qingshan stations set``). Returns the new record.

        Setting ``county_code`` alone fills ``county_name`` (and ``city_code``) from the
        divisions table when known.
        """
        bad = set(fields) - EDITABLE
        if bad:
            raise RegistryError(f"不能修改的字段：{', '.join(sorted(bad))}")
        fields = {k: v for k, v in fields.items() if v is not None}
        with self.engine.begin() as conn:
            if conn.execute(select(STATIONS.c.id).where(STATIONS.c.code == code)).first() is None:
                raise RegistryError(f"站点编码 {code} 未登记")
            cc = fields.get("county_code")
            if cc:
                div = conn.execute(select(DIVISIONS).where(DIVISIONS.c.code == cc)).mappings().first()
                if div is not None:
                    fields.setdefault("county_name", div["name"])
                    if div["parent_code"]:
                        fields.setdefault("city_code", div["parent_code"])
                else:
                    fields.setdefault("city_code", _city_code_of(cc))
            if fields:
                conn.execute(update(STATIONS).where(STATIONS.c.code == code).values(**fields))
        return self.get(code)  # type: ignore[return-value]

    def load_divisions(self, path: str | Path, *, city_code: str | None = None, city_name: str | None = None) -> int:
        """Load divisions from a ``divisions.csv``-style file (``code, name, kind``).

        The parent (prefecture) code is the GB/T 2260 prefix ``xxxx00``; pass ``city_name`` to
        also record the prefecture itself. Returns the number of divisions written.
        """
        frame = _read_small_csv(path)
        need = {"code", "name"}
        if not need <= set(frame.columns):
            raise RegistryError(f"{Path(path).name}：缺少列 {', '.join(sorted(need - set(frame.columns)))}")
        rows = []
        for r in frame.iter_rows(named=True):
            code = (r["code"] or "").strip()
            if not code:
                continue
            parent = _city_code_of(code)
            kind = (r.get("kind") or "").strip()
            # 区/县/县级市 are county-level GB/T 2260 units; a 功能区 (development zone) has only an
            # NBS statistical code (divisions.csv) and is kept apart from them
            level = "zone" if "功能区" in kind else "county"
            rows.append({"code": code, "name": r["name"].strip(), "level": level, "parent_code": parent})
            city_code = city_code or parent
        if city_name and city_code:
            rows.append({"code": city_code, "name": city_name, "level": "city", "parent_code": city_code[:2] + "0000"})
        with self.engine.begin() as conn:
            upsert(conn, DIVISIONS, rows, key=("code",), update=("name", "level", "parent_code"))
        return len(rows)

    def assign_from_mapping(self, path: str | Path, *, city_name: str | None = None,
                            kind: str = "national") -> tuple[int, list[str]]:
        """Assign counties from an ``air_stations.csv``-style file.

        Such a file lists a city's national (CNEMC) stations, so stations it registers get
        ``kind="national"`` unless told otherwise.

        Columns: ``stationcode`` and ``district_code`` (or ``county_code``), optionally
        ``district``/``county_name``, ``positionname``, ``longitude``, ``latitude``. Stations not
        yet registered are registered from the file when it carries a name. Returns (number of
        stations assigned, codes that could not be registered).
        """
        frame = _read_small_csv(path)
        cols = set(frame.columns)
        code_col = "stationcode" if "stationcode" in cols else "code"
        cc_col = "district_code" if "district_code" in cols else "county_code"
        cn_col = "district" if "district" in cols else ("county_name" if "county_name" in cols else None)
        if code_col not in cols or cc_col not in cols:
            raise RegistryError(f"{Path(path).name}：需要列 stationcode 与 district_code")
        skipped: list[str] = []
        n = 0
        with self.engine.begin() as conn:
            known = self.codes(conn)
            divisions = {
                r["code"]: r for r in conn.execute(select(DIVISIONS)).mappings()
            }
            for r in frame.iter_rows(named=True):
                code = (r[code_col] or "").strip()
                if not code:
                    continue
                county_code = (r[cc_col] or "").strip() or None
                county_name = (r[cn_col] or "").strip() if cn_col else None
                if not county_name and county_code in divisions:
                    county_name = divisions[county_code]["name"]
                city_code = _city_code_of(county_code)
                if code not in known:
                    name = (r.get("positionname") or "").strip()
                    if not name:
                        skipped.append(code)
                        continue
                    self.register(
                        pl.DataFrame(
                            [{
                                "code": code,
                                "name": name,
                                "city_name": city_name or (divisions.get(city_code or "", {}) or {}).get("name"),
                                "city_code": city_code,
                                "lon": _float(r.get("longitude")),
                                "lat": _float(r.get("latitude")),
                            }],
                            schema={"code": pl.Utf8, "name": pl.Utf8, "city_name": pl.Utf8, "city_code": pl.Utf8, "lon": pl.Float64, "lat": pl.Float64},
                        ),
                        source="mapping",
                        kind=kind,
                        conn=conn,
                    )
                    known.add(code)
                values = {"county_code": county_code, "county_name": county_name}
                if city_code:
                    values["city_code"] = city_code
                conn.execute(update(STATIONS).where(STATIONS.c.code == code).values(**values))
                n += 1
        return n, skipped


def _float(x) -> float | None:
    try:
        return float(x) if x not in (None, "") else None
    except ValueError:
        return None


def _read_small_csv(path: str | Path) -> pl.DataFrame:
    """A small CSV (mapping/divisions) as text columns, UTF-8 (BOM or not) or GB18030."""
    text, _enc = decode_bytes(Path(path).read_bytes())
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return pl.DataFrame()
    header = [h.strip() for h in rows[0]]
    data = [r + [""] * (len(header) - len(r)) for r in rows[1:] if any(c.strip() for c in r)]
    return pl.DataFrame([r[: len(header)] for r in data], schema={h: pl.Utf8 for h in header}, orient="row")


def stations_frame(city: str | None = None, url: str | None = None) -> pl.DataFrame:
    """Shortcut: :meth:`StationRegistry.stations_frame` on the configured database."""
    reg = StationRegistry(url)
    try:
        return reg.stations_frame(city)
    finally:
        reg.close()
