"""Staged imports: a file's values reach the observation tables in bounded transactions, and a
failed or interrupted import is rolled back.

Why (docs/ingest-and-store.md §3.2): SQLite has one write lock for the whole database. Writing a
400,000-row file in one transaction held it for more than 30 s, so the HJ 212 gateway and the web
app could not write, and a second import failed. The four phases of one file
(:class:`StagedImport`):

1. **stage** — each parsed chunk is appended to the stage: on SQLite a *scratch file* beside the
   database (``<db>.import-<batch>.stage``: its own lock, no journal, so staging never blocks
   another writer of the database); on PostgreSQL the table ``air_import_stage``. The chunk's
   row errors go to ``import_errors`` and new stations to the registry in one short transaction.
2. **resolve duplicates** — several rows of the file for the same key: identical copies are
   dropped but the first; different ones follow :class:`WithinFile` (default: none of them is
   imported). Each group is handed to the caller's ``describe`` callback, which turns it into user
   messages (the store does not write Chinese prose about files).
3. **publish** — chunk by chunk, values that differ from another file's stored value are found
   and handled by :class:`AcrossFiles` (default: replaced) and reported through ``describe``; then
   the chunk is upserted into ``air_observations`` / ``air_published_aqi``.
   *SQLite*: one ``BEGIN IMMEDIATE`` transaction of at most ``chunk`` values each (fewer when a
   transaction takes longer than :data:`SQLITE_TARGET_SECONDS`), followed by a pause of
   :data:`SQLITE_PAUSE` seconds so that a waiting writer (SQLite's busy handler polls at most
   every 100 ms) gets the lock. Readers may see part of the file while it is published;
   each replaced value is first copied to ``air_import_undo``, so :meth:`StagedImport.fail` (or
   :func:`recover_abandoned` after a crash) restores them and deletes the values the file added.
   *PostgreSQL*: the whole publish phase and the ``ok`` status are one transaction (MVCC: it
   blocks neither readers nor writers of other keys), so readers never see part of a file.
4. **finish** — the batch is marked ``ok``; its stage and undo records are removed.

A process that dies mid-import leaves its batch ``running`` or ``publishing`` and its heartbeat
stops; :func:`recover_abandoned` (run by every import before it starts) rolls it back once the
heartbeat is older than ``stale_after``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from qingshan.store.models_air import ImportBatch, ImportRowError, ImportStage, ImportUndo
from qingshan.store.observations import ObservationStore, UnknownStationError

STAGE = ImportStage.__table__
UNDO = ImportUndo.__table__
BATCHES = ImportBatch.__table__
ERRORS = ImportRowError.__table__

#: Values per publish transaction: 0.2–0.5 s of SQLite work on the shared 2-core development
#: machine, so another writer waits about that long (docs/performance.md, "Import").
DEFAULT_CHUNK = 40_000
#: Seconds the importer leaves SQLite's write lock free after each transaction; longer than
#: SQLite's longest busy-handler sleep (100 ms), so a waiting writer gets in.
SQLITE_PAUSE = 0.12
#: SQLite: a publish transaction aims at this many seconds; the chunk shrinks (down to a
#: quarter) when the machine is slow and grows back (up to ``chunk``) when it is not. Smaller
#: chunks shorten other writers' waits but cost a pause each (docs/performance.md, "Import").
SQLITE_TARGET_SECONDS = 1.0
#: A running import whose heartbeat is older than this is taken for dead and rolled back.
DEFAULT_STALE_AFTER = timedelta(minutes=15)

STAGED, DROPPED, KEPT_STORED = 0, 1, 2
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%6f"  # SQLAlchemy's SQLite DateTime text (observations.py)
_COLS = ("row", "field", "station_id", "time", "pollutant", "value", "flag", "primary_pollutant")
_SCRATCH_DDL = (
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, row INTEGER, field TEXT, station_id INTEGER NOT NULL, "
    "time TEXT NOT NULL, pollutant TEXT, value INTEGER, flag TEXT, primary_pollutant TEXT, "
    "state INTEGER NOT NULL DEFAULT 0)",
)
#: built once staging is done (one sort is cheaper than keeping it up to date row by row)
_SCRATCH_INDEX = "CREATE INDEX IF NOT EXISTS items_key ON items (station_id, time, pollutant)"


class WithinFile(StrEnum):
    """Several rows of one file give different values for the same key."""

    REJECT = "reject"  #: none of them is imported (default: the right one cannot be told)
    FIRST = "first"  #: the first row's value is imported, the others are reported
    LAST = "last"  #: the last row's value is imported, the others are reported


class AcrossFiles(StrEnum):
    """A value differs from the one already stored for the key by another file (same source)."""

    REPLACE = "replace"  #: the new value replaces the stored one (default: a corrected file)
    KEEP = "keep"  #: the stored value stays, the new one is not imported


@dataclass(frozen=True)
class DuplicateGroup:
    """Rows of one file for one key (station, hour[, pollutant])."""

    station_code: str
    time: datetime
    pollutant: str | None  #: None when rows are compared as a whole (CNEMC)
    rows: tuple[int, ...]  #: file rows, in order
    fields: tuple[str | None, ...]  #: the field of each row's (first) item
    identical: bool
    kept_row: int | None  #: the row whose values are imported; None when none is
    dropped_values: int  #: observation values (not AQIs) of the dropped rows


@dataclass(frozen=True)
class StoredConflict:
    """A staged value that differs from the stored value of another batch."""

    row: int | None
    field: str | None
    station_code: str
    time: datetime
    pollutant: str | None  #: None: the published AQI
    value: int | None  #: micro-units (the AQI itself when ``pollutant`` is None)
    flag: str | None
    primary_pollutant: str | None
    old_value: int | None
    old_flag: str | None
    old_primary: str | None
    old_batch: int | None
    replaced: bool


#: A user-facing issue row for ``import_errors``: row, field, reason, kind.
Issue = dict
Describe = Callable[[DuplicateGroup], Iterable[Issue]]
DescribeConflict = Callable[[StoredConflict], Iterable[Issue]]


def _is_sqlite(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def scratch_path(engine: Engine, batch_id: int) -> Path | None:
    """SQLite: the scratch file of a batch's stage (beside the database file). None on PostgreSQL."""
    if not _is_sqlite(engine):
        return None
    db = engine.url.database
    if not db or db == ":memory:":
        return Path(tempfile.gettempdir()) / f"qingshan-memory.import-{batch_id}.stage"
    return Path(db).with_name(f"{Path(db).name}.import-{batch_id}.stage")


def _open_scratch(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=OFF")  # scratch: a crash while staging just discards the file
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-65536")  # 64 MiB
    for ddl in _SCRATCH_DDL:
        con.execute(ddl)
    return con


def _as_datetime(v) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v)[:19])


class StagedImport:
    """One file's import through the stage (see the module doc). Use as::

        imp = StagedImport(store, kind="cnemc", source="cnemc", ...)
        imp.open()
        for chunk in chunks:
            imp.stage(observations=..., published=..., stations=..., issues=...)
        imp.resolve_duplicates(by_pollutant=False, policy=WithinFile.REJECT, describe=...)
        imp.publish(policy=AcrossFiles.REPLACE, describe=...)
        imp.finish(rows_read=..., ...)

    and :meth:`fail` on any error (it also records a file refused before :meth:`open`).
    """

    def __init__(
        self,
        store: ObservationStore,
        *,
        kind: str,
        source: str,
        file_name: str | None = None,
        sha256: str | None = None,
        encoding: str | None = None,
        options: dict | None = None,
        chunk: int = DEFAULT_CHUNK,
        pause: float | None = None,
    ):
        self.store = store
        self.engine = store.engine
        self.sqlite = _is_sqlite(self.engine)
        self.kind, self.source = kind, source
        self.file_name, self.sha256, self.encoding = file_name, sha256, encoding
        self.options = options_text(source, options)
        self.chunk = chunk
        self.pause = (SQLITE_PAUSE if self.sqlite else 0.0) if pause is None else pause
        self.batch_id: int | None = None
        self.new_stations: list[str] = []
        self._ids: dict[str, int] | None = None
        self._scratch: sqlite3.Connection | None = None
        self._pg_conn: Connection | None = None
        self._pg_tx = None

    # --- bookkeeping -----------------------------------------------------------------------
    def _rest(self) -> None:
        if self.pause:
            time.sleep(self.pause)

    def open(self) -> int:
        now = datetime.now()
        with self.engine.begin() as conn:
            res = conn.execute(insert(BATCHES).values(
                kind=self.kind, file_name=self.file_name, sha256=self.sha256, encoding=self.encoding,
                rows_read=0, rows_kept=0, rows_rejected=0, values_written=0, values_flagged=0, values_rejected=0,
                status="running", started_at=now, heartbeat_at=now, options=self.options,
            ))
            self.batch_id = int(res.inserted_primary_key[0])
        if self.sqlite:
            path = scratch_path(self.engine, self.batch_id)
            path.unlink(missing_ok=True)
            self._scratch = _open_scratch(path)
        return self.batch_id

    def _beat(self, conn: Connection, **values) -> None:
        conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(heartbeat_at=datetime.now(), **values))

    def add_issues(self, conn: Connection, issues: Iterable[Issue]) -> int:
        rows = [
            {"batch_id": self.batch_id, "row": i.get("row"), "field": (str(i["field"])[:64] if i.get("field") else None),
             "reason": i["reason"][:2000], "kind": i.get("kind", "rejected")}
            for i in issues
        ]
        if rows:
            conn.execute(insert(ERRORS), rows)
        return len(rows)

    def _station_ids(self, conn: Connection) -> dict[str, int]:
        if self._ids is None:
            self._ids = self.store.station_ids(conn)
        return self._ids

    # --- phase 1: stage ----------------------------------------------------------------------
    def stage(
        self,
        *,
        observations: pl.DataFrame | None = None,
        published: pl.DataFrame | None = None,
        stations: pl.DataFrame | None = None,
        issues: Iterable[Issue] = (),
        register: Callable[[pl.DataFrame, Connection], Iterable[str]] | None = None,
    ) -> None:
        """Stage one parsed chunk.

        ``observations``: ``row, field, station_code, time, pollutant, value`` (Int64 micro-units),
        ``flag``. ``published``: ``row, station_code, time, aqi, primary_pollutant``. ``stations``
        are registered first through ``register(stations, conn)`` (it returns the codes it
        inserted, which :meth:`fail` removes again). ``issues`` go to ``import_errors``.
        """
        issues = list(issues)
        with self.engine.begin() as conn:  # short: registry, issues, heartbeat
            if stations is not None and register is not None and not stations.is_empty():
                inserted = list(register(stations, conn))
                self.new_stations.extend(inserted)
                if inserted:
                    self._ids = None
            ids = self._station_ids(conn)
            self.add_issues(conn, issues)
            self._beat(conn)
            frames = []
            if observations is not None and not observations.is_empty():
                frames.append(observations.select(
                    "row", "field", "station_code", "time", "pollutant", "value", "flag",
                    primary_pollutant=pl.lit(None, dtype=pl.Utf8)))
            if published is not None and not published.is_empty():
                frames.append(published.select(
                    "row", field=pl.lit("aqi"), station_code="station_code", time="time",
                    pollutant=pl.lit(None, dtype=pl.Utf8), value=pl.col("aqi").cast(pl.Int64),
                    flag=pl.lit(None, dtype=pl.Utf8), primary_pollutant="primary_pollutant"))
            frame = self._with_ids(pl.concat(frames, how="vertical_relaxed"), ids) if frames else None
            if frame is not None and not self.sqlite:
                self._copy_pg(conn, frame)
        if frame is not None and self.sqlite:
            rows = frame.with_columns(pl.col("time").dt.strftime(_SQLITE_TIME)).select(_COLS).rows()
            self._scratch.execute("BEGIN")
            self._scratch.executemany(f"INSERT INTO items ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})", rows)
            self._scratch.execute("COMMIT")
        if issues or stations is not None:
            self._rest()

    def _with_ids(self, frame: pl.DataFrame, ids: dict[str, int]) -> pl.DataFrame:
        unknown = sorted(set(frame["station_code"].unique().to_list()) - ids.keys())
        if unknown:
            raise UnknownStationError(f"未登记的站点编码：{', '.join(unknown[:10])}")
        return frame.select(
            row=pl.col("row").cast(pl.Int64),
            field=pl.col("field").cast(pl.Utf8).str.slice(0, 64),
            station_id=pl.col("station_code").replace_strict(ids, return_dtype=pl.Int64),
            time=pl.col("time").cast(pl.Datetime("us")),
            pollutant=pl.col("pollutant").cast(pl.Utf8),
            value=pl.col("value").cast(pl.Int64),
            flag=pl.col("flag").cast(pl.Utf8),
            primary_pollutant=pl.col("primary_pollutant").cast(pl.Utf8),
        )

    def _copy_pg(self, conn: Connection, frame: pl.DataFrame) -> None:
        from psycopg import sql

        frame = frame.with_columns(batch_id=pl.lit(self.batch_id, dtype=pl.Int64))
        cols = ("batch_id", *_COLS)
        with conn.connection.driver_connection.cursor() as cur:
            stmt = sql.SQL("COPY air_import_stage ({}) FROM STDIN").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
            with cur.copy(stmt) as copy:
                for r in frame.select(cols).iter_rows():
                    copy.write_row(r)

    # --- where the stage is ------------------------------------------------------------------
    def _items(self) -> tuple[str, str]:
        """(FROM clause of the stage as ``s``, condition selecting this batch)."""
        if self.sqlite:
            return "items s", "1 = 1"
        return "air_import_stage s", "s.batch_id = :b"

    def _read(self, sql: str, params: dict) -> Iterator[tuple]:
        """Stream the rows of a stage query (no connection to the database is held on SQLite)."""
        if self.sqlite:
            cur = self._scratch.execute(sql, params)
            while rows := cur.fetchmany(5000):
                yield from rows
            return
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(text(sql), params)
            yield from result
            result.close()

    def _set_state(self, ids: list[int], state: int, conn: Connection | None = None) -> None:
        """Set ``state`` of stage items: in the caller's transaction when ``conn`` is given (while
        publishing, the scratch file is attached to it as ``stg``), else on its own."""
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            if self.sqlite:
                target = self._scratch if conn is None else conn.connection.driver_connection
                table = "items" if conn is None else "stg.items"
                target.execute(f"UPDATE {table} SET state = {int(state)} WHERE id IN ({', '.join('?' * len(part))})", part)
            elif conn is not None:
                conn.execute(update(STAGE).where(STAGE.c.id.in_(part)).values(state=state))
            else:
                with self.engine.begin() as c:
                    c.execute(update(STAGE).where(STAGE.c.id.in_(part)).values(state=state))

    # --- phase 2: duplicates inside the file -------------------------------------------------
    def resolve_duplicates(self, *, by_pollutant: bool, policy: WithinFile, describe: Describe) -> int:
        """Find rows of the file sharing a key; drop copies per ``policy``; report through
        ``describe``. Returns the number of observation values dropped.

        ``by_pollutant``: the key is (station, hour, pollutant) and each value is compared on
        its own (bureau tables); otherwise (station, hour) and rows are compared as a whole,
        all their values and the published AQI together (CNEMC: a station-hour is one record).
        """
        policy = WithinFile(policy)
        items, mine = self._items()
        key = "station_id, time" + (", pollutant" if by_pollutant else "")
        only_obs = " AND pollutant IS NOT NULL" if by_pollutant else ""
        sql = (
            f"SELECT s.station_id, s.time, {'s.pollutant' if by_pollutant else 'NULL'}, s.row, s.id, s.field, "
            f"s.pollutant, s.value, s.flag, s.primary_pollutant FROM {items} "
            f"JOIN (SELECT {key} FROM {items.split()[0]} s WHERE {mine}{only_obs} GROUP BY {key} "
            f"      HAVING COUNT(DISTINCT row) > 1) d "
            f"  ON d.station_id = s.station_id AND d.time = s.time{' AND d.pollutant = s.pollutant' if by_pollutant else ''} "
            f"WHERE {mine}{only_obs.replace('pollutant', 's.pollutant')} "
            f"ORDER BY s.station_id, s.time{', s.pollutant' if by_pollutant else ''}, s.row, s.id"
        )
        with self.engine.connect() as conn:
            codes = {v: k for k, v in self._station_ids(conn).items()}
        drop: list[int] = []
        issues: list[Issue] = []
        dropped_values = 0
        if self.sqlite:  # ids to drop are collected beside the table being read, applied after
            self._scratch.execute(_SCRATCH_INDEX)
            self._scratch.execute("CREATE TEMP TABLE IF NOT EXISTS drops (id INTEGER PRIMARY KEY)")
            self._scratch.execute("DELETE FROM drops")

        def flush() -> None:
            if drop:
                if self.sqlite:
                    self._scratch.executemany("INSERT OR IGNORE INTO drops (id) VALUES (?)", [(i,) for i in drop])
                else:
                    self._set_state(drop, DROPPED)
            if issues:
                with self.engine.begin() as conn:
                    self.add_issues(conn, issues)
                    self._beat(conn)
                self._rest()
            drop.clear()
            issues.clear()

        for group in _groups(self._read(sql, {"b": self.batch_id})):
            g, dropped = _decide(group, policy, codes)
            drop.extend(dropped)
            dropped_values += g.dropped_values
            issues.extend(describe(g))
            if len(drop) + len(issues) >= self.chunk:
                flush()
        flush()
        if self.sqlite:
            self._scratch.execute(f"UPDATE items SET state = {DROPPED} WHERE id IN (SELECT id FROM drops)")
        return dropped_values

    # --- phase 3: publish --------------------------------------------------------------------
    def publish(self, *, policy: AcrossFiles, describe: DescribeConflict) -> int:
        """Publish the staged values (see the module doc); returns the number of values written
        (every staged observation value not dropped or kept back, changed or not)."""
        policy = AcrossFiles(policy)
        with self.engine.begin() as conn:
            self._beat(conn, status="publishing")
        if self.sqlite:
            lo, hi = self._scratch.execute("SELECT MIN(id), MAX(id) FROM items").fetchone()
            return self._publish_sqlite(lo, hi, policy, describe) if lo is not None else 0
        with self.engine.connect() as conn:
            lo, hi = conn.execute(
                select(func.min(STAGE.c.id), func.max(STAGE.c.id)).where(STAGE.c.batch_id == self.batch_id)
            ).one()
        # one transaction for the whole publish phase; finish() commits it
        self._pg_conn = self.engine.connect()
        self._pg_tx = self._pg_conn.begin()
        written = 0
        try:
            for a in range(lo or 0, (hi or -1) + 1, self.chunk):
                written += self._publish_chunk(self._pg_conn, a, a + self.chunk - 1, policy, describe)
        except BaseException:
            self._abort_pg()
            raise
        return written

    def _publish_sqlite(self, lo: int, hi: int, policy: AcrossFiles, describe: DescribeConflict) -> int:
        written = 0
        path = scratch_path(self.engine, self.batch_id)
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("ATTACH DATABASE ? AS stg", (str(path),))
            raw.execute("PRAGMA main.cache_size=-65536")  # 64 MiB: the observation indexes take the inserts
            try:
                a, size = lo, self.chunk
                while a <= hi:
                    t = time.perf_counter()
                    raw.execute("BEGIN IMMEDIATE")  # the write lock first: no stale read snapshot
                    try:
                        written += self._publish_chunk(conn, a, a + size - 1, policy, describe)
                        raw.execute("COMMIT")
                    except BaseException:
                        raw.execute("ROLLBACK")
                        raise
                    a += size
                    size = _next_size(size, time.perf_counter() - t, self.chunk)
                    self._rest()
            finally:
                conn.rollback()
                raw.execute("DETACH DATABASE stg")
                raw.execute("PRAGMA main.cache_size=-2000")  # back to SQLite's default for the pool
        return written

    def _publish_chunk(self, conn: Connection, a: int, z: int, policy: AcrossFiles, describe: DescribeConflict) -> int:
        """One chunk of stage ids [a, z]; runs inside the caller's transaction."""
        sqlite = self.sqlite
        items, mine = ("stg.items s", "1 = 1") if sqlite else self._items()
        p = {"b": self.batch_id, "a": a, "z": z, "src": self.source}
        rng = f"{mine} AND s.id BETWEEN :a AND :z AND s.state = 0"
        ne = (lambda x, y: f"{x} IS NOT {y}") if sqlite else (lambda x, y: f"{x} IS DISTINCT FROM {y}")
        def exe(sql: str, params: dict):
            return conn.execute(text(sql), params)

        # nothing stored for this source in the chunk's hours (the usual case for new data): no
        # conflict is possible, and the value-by-value look-up below is skipped. Inside the
        # chunk's transaction, so a concurrent import cannot slip in between.
        t0, t1 = exe(f"SELECT MIN(s.time), MAX(s.time) FROM {items} WHERE {rng}", p).one()
        stored = t0 is not None and any(
            exe(f"SELECT 1 FROM {table} WHERE source = :src AND time BETWEEN :t0 AND :t1 "
                f"AND ({ne('batch_id', ':b')}) LIMIT 1",  # this batch's earlier chunks do not count
                p | {"t0": t0, "t1": t1}).first() is not None
            for table in ("air_observations", "air_published_aqi")
        )
        conflicts = [] if not stored else exe(
            f"SELECT s.id, s.row, s.field, s.station_id, s.time, s.pollutant, s.value, s.flag, s.primary_pollutant, "
            f"o.value, o.flag, NULL, o.batch_id FROM {items} JOIN air_observations o ON o.station_id = s.station_id "
            f"AND o.time = s.time AND o.pollutant = s.pollutant AND o.source = :src "
            f"WHERE {rng} AND s.pollutant IS NOT NULL AND ({ne('o.value', 's.value')} OR {ne('o.flag', 's.flag')}) "
            f"UNION ALL "
            f"SELECT s.id, s.row, s.field, s.station_id, s.time, s.pollutant, s.value, s.flag, s.primary_pollutant, "
            f"o.aqi, NULL, o.primary_pollutant, o.batch_id FROM {items} JOIN air_published_aqi o "
            f"ON o.station_id = s.station_id AND o.time = s.time AND o.source = :src "
            f"WHERE {rng} AND s.pollutant IS NULL AND ({ne('o.aqi', 's.value')} OR "
            f"{ne('o.primary_pollutant', 's.primary_pollutant')})", p,
        ).all()
        kept = 0
        if conflicts:
            keep = policy is AcrossFiles.KEEP
            codes = {v: k for k, v in self._station_ids(conn).items()}
            issues: list[Issue] = []
            for c in sorted(conflicts, key=lambda c: (c[1] or 0, c[0])):
                issues.extend(describe(StoredConflict(
                    row=c[1], field=c[2], station_code=codes.get(c[3], str(c[3])), time=_as_datetime(c[4]),
                    pollutant=c[5], value=c[6], flag=c[7], primary_pollutant=c[8], old_value=c[9], old_flag=c[10],
                    old_primary=c[11], old_batch=c[12], replaced=not keep,
                )))
            if keep:
                self._set_state([c[0] for c in conflicts], KEPT_STORED, conn)
                kept = sum(1 for c in conflicts if c[5] is not None)
            elif sqlite:  # undo records: the stored rows as they were
                conn.execute(insert(UNDO), [
                    {"batch_id": self.batch_id, "station_id": c[3], "time": _as_datetime(c[4]), "pollutant": c[5],
                     "old_value": c[9], "old_flag": c[10], "old_primary": c[11], "old_batch": c[12]}
                    for c in conflicts
                ])
            self.add_issues(conn, issues)
        exe(
            "INSERT INTO air_observations (station_id, time, pollutant, value, flag, source, batch_id) "
            f"SELECT s.station_id, s.time, s.pollutant, s.value, s.flag, :src, :b FROM {items} "
            f"WHERE {rng} AND s.pollutant IS NOT NULL AND s.value IS NOT NULL "
            "ON CONFLICT (station_id, time, pollutant, source) DO UPDATE SET value = excluded.value, "
            f"flag = excluded.flag, batch_id = excluded.batch_id "
            f"WHERE {ne('air_observations.value', 'excluded.value')} OR {ne('air_observations.flag', 'excluded.flag')}", p,
        )
        exe(
            "INSERT INTO air_published_aqi (station_id, time, aqi, primary_pollutant, source, batch_id) "
            f"SELECT s.station_id, s.time, s.value, s.primary_pollutant, :src, :b FROM {items} "
            f"WHERE {rng} AND s.pollutant IS NULL "
            "ON CONFLICT (station_id, time, source) DO UPDATE SET aqi = excluded.aqi, "
            "primary_pollutant = excluded.primary_pollutant, batch_id = excluded.batch_id "
            f"WHERE {ne('air_published_aqi.aqi', 'excluded.aqi')} OR "
            f"{ne('air_published_aqi.primary_pollutant', 'excluded.primary_pollutant')}", p,
        )
        n = exe(f"SELECT COUNT(*) FROM {items} WHERE {rng} AND s.pollutant IS NOT NULL AND s.value IS NOT NULL", p).scalar_one()
        self._beat(conn, published_upto=z)
        return int(n)

    # --- phase 4: finish or fail -----------------------------------------------------------
    def finish(self, **counts) -> None:
        """Mark the batch ``ok`` with its counts, then remove its stage and undo records."""
        values = dict(status="ok", finished_at=datetime.now(), heartbeat_at=datetime.now(), **counts)
        if self._pg_conn is not None:
            try:
                self._pg_conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(**values))
                self._pg_tx.commit()
            finally:
                self._pg_conn.close()
                self._pg_conn = None
        else:
            with self.engine.begin() as conn:
                conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(**values))
        self._close_scratch()
        _clear(self.engine, self.batch_id, self.chunk, self.pause)

    def fail(self, issues: Iterable[Issue] = (), **counts) -> None:
        """Undo whatever of the file was published, record the batch as ``failed`` with ``issues``."""
        if self._pg_conn is not None:  # PostgreSQL: the open publish transaction
            self._abort_pg()
        elif self.batch_id is not None and self.sqlite:
            self._close_scratch()
            rollback_batch(self.engine, self.batch_id, self.source, self.chunk, self.pause)
        if self.batch_id is None:
            self.open()
        self._close_scratch()
        with self.engine.begin() as conn:
            self._remove_new_stations(conn)
            self.add_issues(conn, issues)
            conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(
                status="failed", finished_at=datetime.now(), values_written=0, **counts))
        _clear(self.engine, self.batch_id, self.chunk, self.pause)

    def _abort_pg(self) -> None:
        try:
            self._pg_tx.rollback()
        finally:
            self._pg_conn.close()
            self._pg_conn = None

    def _close_scratch(self) -> None:
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None

    def _remove_new_stations(self, conn: Connection) -> None:
        """Stations this file registered go again unless something else refers to them now."""
        if not self.new_stations:
            return
        from qingshan.store.models_air import Observation, PublishedAqi, Station

        stations, obs, aqi = Station.__table__, Observation.__table__, PublishedAqi.__table__
        for code in self.new_stations:
            sid = conn.execute(select(stations.c.id).where(stations.c.code == code)).scalar()
            if sid is None:
                continue
            used = any(
                conn.execute(select(t.c.id).where(t.c.station_id == sid).limit(1)).first() is not None
                for t in (obs, aqi)
            ) or conn.execute(select(STAGE.c.id).where(STAGE.c.station_id == sid, STAGE.c.batch_id != self.batch_id)
                              .limit(1)).first() is not None
            if not used:
                conn.execute(delete(STAGE).where(STAGE.c.station_id == sid))
                conn.execute(delete(stations).where(stations.c.id == sid))


# --- batches as a whole ------------------------------------------------------------------------

def options_text(source: str, options: dict | None) -> str:
    """Canonical JSON of the options that shape what a file stores (with its source)."""
    return json.dumps({"source": source, **(options or {})}, ensure_ascii=False, sort_keys=True)[:512]


def find_previous(store: ObservationStore, *, sha256: str, kind: str, options: str) -> dict | None:
    """The latest successful batch of the same file (SHA-256) imported with the same options."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(BATCHES).where(
                BATCHES.c.sha256 == sha256, BATCHES.c.kind == kind, BATCHES.c.options == options,
                BATCHES.c.status == "ok",
            ).order_by(BATCHES.c.id.desc()).limit(1)
        ).mappings().first()
    return dict(row) if row else None


def record_skipped(store: ObservationStore, *, kind: str, file_name: str, sha256: str, encoding: str | None,
                   options: str, previous: dict) -> int:
    """A re-import of an unchanged file: one ``skipped`` batch naming the earlier one."""
    now = datetime.now()
    with store.engine.begin() as conn:
        res = conn.execute(insert(BATCHES).values(
            kind=kind, file_name=file_name, sha256=sha256, encoding=encoding, options=options, status="skipped",
            rows_read=previous["rows_read"], rows_kept=previous["rows_kept"], rows_rejected=previous["rows_rejected"],
            values_written=0, values_flagged=0, values_rejected=0, started_at=now, finished_at=now,
            previous_batch_id=previous["id"],
        ))
        return int(res.inserted_primary_key[0])


def rollback_batch(engine: Engine, batch_id: int, source: str, chunk: int = DEFAULT_CHUNK, pause: float = 0.0) -> None:
    """SQLite: undo the published part of a batch, in bounded transactions.

    Every value the batch replaced is restored from ``air_import_undo`` (only where the stored
    row still carries this batch: a later import's value is left alone); what then still carries
    the batch was added by it and is deleted — found through the stage scratch file when it is
    there, else by a scan for the batch id. On PostgreSQL a batch is published in one transaction,
    so there is nothing to undo.
    """
    if not _is_sqlite(engine):
        return
    with engine.connect() as conn:
        lo, hi = conn.execute(select(func.min(UNDO.c.id), func.max(UNDO.c.id)).where(UNDO.c.batch_id == batch_id)).one()
        upto = conn.execute(select(BATCHES.c.published_upto).where(BATCHES.c.id == batch_id)).scalar()
    p = {"b": batch_id, "src": source}
    restore = (
        ("air_observations", "AND o.pollutant = u.pollutant", "u.pollutant IS NOT NULL",
         "value = u.old_value, flag = u.old_flag"),
        ("air_published_aqi", "", "u.pollutant IS NULL", "aqi = u.old_value, primary_pollutant = u.old_primary"),
    )
    for a in range(lo or 0, (hi or -1) + 1, chunk):
        with engine.begin() as conn:
            for table, key, kind, values in restore:
                conn.execute(text(
                    f"UPDATE {table} AS o SET {values}, batch_id = u.old_batch FROM air_import_undo AS u "
                    f"WHERE u.batch_id = :b AND u.id BETWEEN :a AND :z AND {kind} AND o.station_id = u.station_id "
                    f"AND o.time = u.time {key} AND o.source = :src AND o.batch_id = :b"
                ), p | {"a": a, "z": a + chunk - 1})
        if pause:
            time.sleep(pause)
    path = scratch_path(engine, batch_id)
    usable = upto is not None and path is not None and path.exists()
    if upto is None:
        return
    if not usable:  # no stage file: find the batch's rows by its id (a scan, once)
        with engine.begin() as conn:
            for table in ("air_observations", "air_published_aqi"):
                conn.execute(text(f"DELETE FROM {table} WHERE batch_id = :b"), p)
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("ATTACH DATABASE ? AS stg", (str(path),))
        try:
            for a in range(0, upto + 1, chunk):
                raw.execute("BEGIN IMMEDIATE")
                for table, key in (("air_observations", "AND o.pollutant = s.pollutant"), ("air_published_aqi", "")):
                    kind = "s.pollutant IS NOT NULL" if key else "s.pollutant IS NULL"
                    raw.execute(
                        f"DELETE FROM {table} WHERE id IN (SELECT o.id FROM stg.items s JOIN {table} o "
                        f"ON o.station_id = s.station_id AND o.time = s.time {key} AND o.source = ? "
                        f"WHERE s.id BETWEEN ? AND ? AND {kind} AND o.batch_id = ?)",
                        (source, a, a + chunk - 1, batch_id),
                    )
                raw.execute("COMMIT")
                if pause:
                    time.sleep(pause)
        finally:
            conn.rollback()
            raw.execute("DETACH DATABASE stg")


def _clear(engine: Engine, batch_id: int, chunk: int, pause: float) -> None:
    """Remove a finished batch's stage (scratch file or rows) and undo records."""
    path = scratch_path(engine, batch_id)
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for table in (UNDO, STAGE):
        while True:
            with engine.begin() as conn:
                ids = conn.execute(
                    select(table.c.id).where(table.c.batch_id == batch_id).order_by(table.c.id).limit(chunk)
                ).scalars().all()
                if not ids:
                    break
                conn.execute(delete(table).where(table.c.batch_id == batch_id, table.c.id <= ids[-1]))
            if pause:
                time.sleep(pause)


def recover_abandoned(store: ObservationStore, stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[int]:
    """Roll back imports whose process died (``running``/``publishing`` with a stale heartbeat)
    and clear what finished ones left behind. Returns the batches rolled back."""
    engine = store.engine
    limit = datetime.now() - stale_after
    with engine.connect() as conn:
        dead = conn.execute(
            select(BATCHES.c.id, BATCHES.c.options).where(
                BATCHES.c.status.in_(("running", "publishing")),
                func.coalesce(BATCHES.c.heartbeat_at, BATCHES.c.started_at) < limit,
            )
        ).all()
        leftover = set(conn.execute(
            select(STAGE.c.batch_id).distinct().join(BATCHES, BATCHES.c.id == STAGE.c.batch_id).where(
                BATCHES.c.status.in_(("ok", "failed", "skipped")))
        ).scalars())
        finished = set(conn.execute(select(BATCHES.c.id).where(BATCHES.c.status.in_(("ok", "failed", "skipped")))).scalars())
    pause = SQLITE_PAUSE if _is_sqlite(engine) else 0.0
    for batch_id, options in dead:
        source = json.loads(options or "{}").get("source", "")
        rollback_batch(engine, batch_id, source, pause=pause)
        with engine.begin() as conn:
            conn.execute(insert(ERRORS).values(
                batch_id=batch_id, row=None, field=None, kind="rejected",
                reason="导入进程中断（心跳超时），已撤销本文件写入的全部数据",
            ))
            conn.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(
                status="failed", finished_at=datetime.now(), values_written=0))
        _clear(engine, batch_id, DEFAULT_CHUNK, pause)
    if _is_sqlite(engine):
        probe = scratch_path(engine, 0)
        for f in probe.parent.glob(probe.name.replace(".import-0.", ".import-*.")):
            with contextlib.suppress(ValueError):
                if int(f.name.rsplit(".import-", 1)[1].split(".")[0]) in finished:
                    leftover.add(int(f.name.rsplit(".import-", 1)[1].split(".")[0]))
    for batch_id in leftover:
        _clear(engine, batch_id, DEFAULT_CHUNK, pause)
    return [b for b, _ in dead]


# --- helpers ---------------------------------------------------------------------------------

def _next_size(size: int, took: float, largest: int) -> int:
    """The next publish chunk: halve after a transaction longer than the target, grow by half
    after one shorter than half of it (bounded to [largest / 4, largest])."""
    if took > SQLITE_TARGET_SECONDS:
        return max(largest // 4, size // 2)
    if took < SQLITE_TARGET_SECONDS / 2:
        return min(largest, size + size // 2)
    return size


def _groups(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    """Consecutive rows of the ordered duplicate query with the same key, as lists."""
    current: list[tuple] = []
    key = None
    for r in rows:
        k = (r[0], r[1], r[2])
        if current and k != key:
            yield current
            current = []
        key = k
        current.append(tuple(r))
    if current:
        yield current


def _decide(items: list[tuple], policy: WithinFile, codes: dict[int, str]) -> tuple[DuplicateGroup, list[int]]:
    """One key's items (station_id, time, pollutant|None, row, id, field, pollutant, value, flag,
    primary) → the group description and the stage ids to drop."""
    by_row: dict[int, list[tuple]] = {}
    for it in items:
        by_row.setdefault(it[3], []).append(it)
    rows = tuple(by_row)
    sig = {r: frozenset((it[6], it[7], it[8], it[9]) for it in its) for r, its in by_row.items()}
    identical = len(set(sig.values())) == 1
    if identical or policy is WithinFile.FIRST:
        kept = rows[0]
    elif policy is WithinFile.LAST:
        kept = rows[-1]
    else:
        kept = None
    dropped = [it for r, its in by_row.items() if r != kept for it in its]
    first = items[0]
    group = DuplicateGroup(
        station_code=codes.get(first[0], str(first[0])), time=_as_datetime(first[1]), pollutant=first[2], rows=rows,
        fields=tuple(by_row[r][0][5] for r in rows), identical=identical, kept_row=kept,
        dropped_values=sum(1 for it in dropped if it[6] is not None),
    )
    return group, [it[4] for it in dropped]
