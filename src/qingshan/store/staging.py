"""Staged imports: a file's values reach the observation tables in bounded transactions, and a
failed or interrupted import is rolled back.

Why (docs/ingest-and-store.md §3.2): SQLite has one write lock for the whole database. Writing
a 400,000-row file in one transaction held it for more than 30 s, so the HJ 212 gateway and the
web app could not write, and a second import failed. Here no transaction is larger than
``chunk`` values, and on SQLite the importer pauses for :data:`SQLITE_PAUSE` seconds after each
one so that a waiting writer (SQLite's busy handler polls at most every 100 ms) gets the lock.

The four phases of one file (one :class:`StagedImport`):

1. **stage** — each parsed chunk is written to ``air_import_stage`` (and its row errors to
   ``import_errors``) in its own transaction. Nothing is visible to readers yet.
2. **resolve duplicates** — several rows of the file for the same key: identical copies are
   dropped but the first; different ones are handled by :class:`WithinFile` (default: none of
   them is imported). Each group is handed to the caller's ``describe`` callback, which turns it
   into user messages (the store does not write Chinese prose about files).
3. **publish** — chunk by chunk: the stored row each value replaces is copied into its stage row
   (the undo record), a stored value from another file that differs is handled by
   :class:`AcrossFiles` (default: replaced) and reported through ``describe``, then the chunk is
   upserted into ``air_observations`` / ``air_published_aqi``.
   *SQLite*: one transaction per chunk, so readers may see part of the file while it is being
   published (seconds); if publishing fails, :meth:`StagedImport.fail` restores every replaced
   value from the undo records and deletes the values the file added.
   *PostgreSQL*: the whole publish phase and the batch's ``ok`` status are one transaction
   (MVCC: readers and other writers are not blocked by it), so readers never see part of a file.
4. **finish** — the batch is marked ``ok`` and its stage rows are deleted (in chunks).

A process that dies mid-import leaves its batch ``running`` or ``publishing``; its heartbeat
stops. :func:`recover_abandoned` (run by every import before it starts) rolls such a batch back
once its heartbeat is older than ``stale_after``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import polars as pl
from sqlalchemy import Connection, delete, func, insert, select, text, update

from qingshan.store.models_air import ImportBatch, ImportRowError, ImportStage, Station
from qingshan.store.observations import ObservationStore, UnknownStationError

STAGE = ImportStage.__table__
BATCHES = ImportBatch.__table__
ERRORS = ImportRowError.__table__
STATIONS = Station.__table__

#: Values per transaction (stage rows, publish, clean-up). About 0.2–0.5 s of SQLite work on the
#: 2-core development machine, so another writer waits well under a second.
DEFAULT_CHUNK = 20_000
#: Seconds the importer leaves the SQLite write lock free after each transaction; longer than
#: SQLite's longest busy-handler sleep (100 ms), so a waiting writer gets in.
SQLITE_PAUSE = 0.12
#: A running import whose heartbeat is older than this is taken for dead and rolled back.
DEFAULT_STALE_AFTER = timedelta(minutes=15)

STAGED, DROPPED, KEPT_STORED, PUBLISHED = 0, 1, 2, 3
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%6f"  # SQLAlchemy's SQLite DateTime text (observations.py)


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
    fields: tuple[str | None, ...]  #: the field of each row's item (per-pollutant groups)
    identical: bool
    kept_row: int | None  #: the row whose values are imported; None when none is


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


def _is_sqlite(conn_or_engine) -> bool:
    return conn_or_engine.dialect.name == "sqlite"


def _distinct(a: str, b: str, sqlite: bool) -> str:
    return f"{a} IS NOT {b}" if sqlite else f"{a} IS DISTINCT FROM {b}"


class StagedImport:
    """One file's import through the stage (see the module doc). Use as::

        imp = StagedImport(store, kind="cnemc", source="cnemc", ...)
        for chunk in chunks:
            imp.stage(observations=..., published=..., stations=..., issues=...)
        imp.resolve_duplicates(by_pollutant=False, policy=WithinFile.REJECT, describe=...)
        imp.publish(policy=AcrossFiles.REPLACE, describe=...)
        imp.finish(rows_read=..., ...)

    and :meth:`fail` on any error after :meth:`open`.
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
        self.published = False

    # --- bookkeeping -----------------------------------------------------------------------
    def _yield_lock(self) -> None:
        if self.pause:
            time.sleep(self.pause)

    def _tx(self):
        return self.engine.begin()

    def open(self) -> int:
        with self._tx() as conn:
            res = conn.execute(
                insert(BATCHES).values(
                    kind=self.kind, file_name=self.file_name, sha256=self.sha256, encoding=self.encoding,
                    rows_read=0, rows_kept=0, rows_rejected=0, values_written=0, values_flagged=0,
                    values_rejected=0, status="running", started_at=datetime.now(), heartbeat_at=datetime.now(),
                    options=self.options,
                )
            )
            self.batch_id = int(res.inserted_primary_key[0])
        return self.batch_id

    def _beat(self, conn: Connection, **values) -> None:
        conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(heartbeat_at=datetime.now(), **values))

    def add_issues(self, conn: Connection, issues: Iterable[Issue]) -> int:
        rows = [
            {"batch_id": self.batch_id, "row": i.get("row"), "field": (i.get("field") or None) and str(i["field"])[:64],
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
        """Stage one parsed chunk in one transaction.

        ``observations``: ``row, field, station_code, time, pollutant, value`` (Int64 micro-units),
        ``flag``. ``published``: ``row, station_code, time, aqi, primary_pollutant``. ``stations``
        are registered first through ``register(stations, conn)`` (it returns the codes it
        inserted, which :meth:`fail` removes again). ``issues`` go to ``import_errors``.
        """
        with self._tx() as conn:
            if stations is not None and register is not None and not stations.is_empty():
                inserted = list(register(stations, conn))
                self.new_stations.extend(inserted)
                if inserted:
                    self._ids = None
            ids = self._station_ids(conn)
            if observations is not None and not observations.is_empty():
                frame = observations.select(
                    "row", "field", "station_code", "time", "pollutant", "value", "flag",
                    primary_pollutant=pl.lit(None, dtype=pl.Utf8),
                )
                self._insert_stage(conn, frame, ids)
            if published is not None and not published.is_empty():
                frame = published.select(
                    "row", field=pl.lit("aqi"), station_code="station_code", time="time",
                    pollutant=pl.lit(None, dtype=pl.Utf8), value=pl.col("aqi").cast(pl.Int64),
                    flag=pl.lit(None, dtype=pl.Utf8), primary_pollutant="primary_pollutant",
                )
                self._insert_stage(conn, frame, ids)
            self.add_issues(conn, issues)
            self._beat(conn)
        self._yield_lock()

    def _insert_stage(self, conn: Connection, frame: pl.DataFrame, ids: dict[str, int]) -> None:
        unknown = sorted(set(frame["station_code"].unique().to_list()) - ids.keys())
        if unknown:
            raise UnknownStationError(f"未登记的站点编码：{', '.join(unknown[:10])}")
        frame = frame.select(
            batch_id=pl.lit(self.batch_id, dtype=pl.Int64),
            row=pl.col("row").cast(pl.Int64),
            field=pl.col("field").cast(pl.Utf8).str.slice(0, 64),
            station_id=pl.col("station_code").replace_strict(ids, return_dtype=pl.Int64),
            time=pl.col("time").cast(pl.Datetime("us")),
            pollutant=pl.col("pollutant").cast(pl.Utf8),
            value=pl.col("value").cast(pl.Int64),
            flag=pl.col("flag").cast(pl.Utf8),
            primary_pollutant=pl.col("primary_pollutant").cast(pl.Utf8),
        )
        cols = frame.columns
        if self.sqlite:
            rows = frame.with_columns(pl.col("time").dt.strftime(_SQLITE_TIME)).rows()
            conn.exec_driver_sql(
                f"INSERT INTO air_import_stage ({', '.join(cols)}, state) VALUES ({', '.join('?' * len(cols))}, 0)", rows
            )
            return
        from psycopg import sql

        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            stmt = sql.SQL("COPY air_import_stage ({}) FROM STDIN").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
            with cur.copy(stmt) as copy:
                for r in frame.iter_rows():
                    copy.write_row(r)

    # --- phase 2: duplicates inside the file -------------------------------------------------
    def resolve_duplicates(self, *, by_pollutant: bool, policy: WithinFile, describe: Describe) -> None:
        """Find rows of the file sharing a key; drop copies per ``policy``; report through ``describe``.

        ``by_pollutant``: the key is (station, hour, pollutant) and each value is compared on
        its own (bureau tables); otherwise (station, hour) and rows are compared as a whole,
        all their values and the published AQI together (CNEMC: a station-hour is one record).
        """
        policy = WithinFile(policy)
        key = "s.station_id, s.time" + (", s.pollutant" if by_pollutant else "")
        only_obs = "AND pollutant IS NOT NULL" if by_pollutant else ""
        sql = text(
            f"SELECT {key}{'' if by_pollutant else ', NULL'}, s.row, s.id, s.field, s.pollutant, s.value, s.flag, "
            f"s.primary_pollutant, st.code "
            f"FROM air_import_stage s JOIN air_stations st ON st.id = s.station_id "
            f"JOIN (SELECT station_id, time{', pollutant' if by_pollutant else ''} FROM air_import_stage "
            f"      WHERE batch_id = :b {only_obs} GROUP BY station_id, time{', pollutant' if by_pollutant else ''} "
            f"      HAVING COUNT(DISTINCT row) > 1) d "
            f"  ON d.station_id = s.station_id AND d.time = s.time{' AND d.pollutant = s.pollutant' if by_pollutant else ''} "
            f"WHERE s.batch_id = :b {only_obs.replace('pollutant', 's.pollutant')} "
            f"ORDER BY {key}, s.row, s.id"
        )
        drop: list[int] = []
        issues: list[Issue] = []

        def flush(force: bool = False) -> None:
            if len(drop) + len(issues) < self.chunk and not force:
                return
            with self._tx() as conn:
                for i in range(0, len(drop), 500):
                    conn.execute(
                        update(STAGE).where(STAGE.c.id.in_(drop[i : i + 500])).values(state=DROPPED)
                    )
                self.add_issues(conn, issues)
                self._beat(conn)
            drop.clear()
            issues.clear()
            self._yield_lock()

        # a separate connection reads while the groups are dropped in short transactions
        with self.engine.connect() as reader:
            result = reader.execution_options(stream_results=True).execute(sql, {"b": self.batch_id})
            for group in _groups(result):
                g, dropped = _decide(group, policy)
                drop.extend(dropped)
                issues.extend(describe(g))
                flush()
            result.close()
        flush(force=True)

    # --- phase 3: publish --------------------------------------------------------------------
    def publish(self, *, policy: AcrossFiles, describe: DescribeConflict) -> int:
        """Publish the staged values (see the module doc); returns the number of values written."""
        policy = AcrossFiles(policy)
        with self.engine.connect() as conn:
            lo, hi = conn.execute(
                select(func.min(STAGE.c.id), func.max(STAGE.c.id)).where(STAGE.c.batch_id == self.batch_id)
            ).one()
        with self._tx() as conn:
            self._beat(conn, status="publishing")
        written = 0
        if lo is None:
            return 0
        if self.sqlite:
            for a in range(lo, hi + 1, self.chunk):
                with self._tx() as conn:
                    written += self._publish_chunk(conn, a, a + self.chunk - 1, policy, describe)
                    self._beat(conn)
                self._yield_lock()
        else:
            # one transaction for the whole publish phase (see module doc); finish() commits it
            self._pg_conn = self.engine.connect()
            self._pg_tx = self._pg_conn.begin()
            try:
                for a in range(lo, hi + 1, self.chunk):
                    written += self._publish_chunk(self._pg_conn, a, a + self.chunk - 1, policy, describe)
            except BaseException:
                self._pg_tx.rollback()
                self._pg_conn.close()
                self._pg_conn = None
                raise
        self.published = True
        return written

    def _publish_chunk(self, conn: Connection, a: int, z: int, policy: AcrossFiles, describe: DescribeConflict) -> int:
        p = {"b": self.batch_id, "a": a, "z": z, "src": self.source}
        rng = "s.batch_id = :b AND s.id BETWEEN :a AND :z AND s.state = 0"
        sqlite = self.sqlite
        # undo records: what each value will replace
        conn.execute(text(
            "UPDATE air_import_stage AS s SET existed = TRUE, old_value = o.value, old_flag = o.flag, old_batch = o.batch_id "
            f"FROM air_observations AS o WHERE {rng} AND s.pollutant IS NOT NULL "
            "AND o.station_id = s.station_id AND o.time = s.time AND o.pollutant = s.pollutant AND o.source = :src"
        ), p)
        conn.execute(text(
            "UPDATE air_import_stage AS s SET existed = TRUE, old_value = o.aqi, old_primary = o.primary_pollutant, "
            "old_batch = o.batch_id "
            f"FROM air_published_aqi AS o WHERE {rng} AND s.pollutant IS NULL "
            "AND o.station_id = s.station_id AND o.time = s.time AND o.source = :src"
        ), p)
        differs = (
            f"s.existed AND (({_distinct('s.old_value', 's.value', sqlite)}) OR ({_distinct('s.old_flag', 's.flag', sqlite)}) "
            f"OR ({_distinct('s.old_primary', 's.primary_pollutant', sqlite)}))"
        )
        conflicts = conn.execute(text(
            "SELECT s.id, s.row, s.field, st.code, s.time, s.pollutant, s.value, s.flag, s.primary_pollutant, "
            "s.old_value, s.old_flag, s.old_primary, s.old_batch "
            f"FROM air_import_stage s JOIN air_stations st ON st.id = s.station_id WHERE {rng} AND {differs} "
            "ORDER BY s.row, s.id"
        ), p).all()
        if conflicts:
            keep = policy is AcrossFiles.KEEP
            issues: list[Issue] = []
            for c in conflicts:
                issues.extend(describe(StoredConflict(
                    row=c[1], field=c[2], station_code=c[3], time=_as_datetime(c[4]), pollutant=c[5], value=c[6],
                    flag=c[7], primary_pollutant=c[8], old_value=c[9], old_flag=c[10], old_primary=c[11],
                    old_batch=c[12], replaced=not keep,
                )))
            if keep:
                ids = [c[0] for c in conflicts]
                for i in range(0, len(ids), 500):
                    conn.execute(update(STAGE).where(STAGE.c.id.in_(ids[i : i + 500])).values(state=KEPT_STORED))
            self.add_issues(conn, issues)
        obs_changed = f"{_distinct('air_observations.value', 'excluded.value', sqlite)} OR " \
                      f"{_distinct('air_observations.flag', 'excluded.flag', sqlite)}"
        conn.execute(text(
            "INSERT INTO air_observations (station_id, time, pollutant, value, flag, source, batch_id) "
            f"SELECT s.station_id, s.time, s.pollutant, s.value, s.flag, :src, :b FROM air_import_stage s "
            f"WHERE {rng} AND s.pollutant IS NOT NULL AND s.value IS NOT NULL "
            "ON CONFLICT (station_id, time, pollutant, source) DO UPDATE SET value = excluded.value, "
            f"flag = excluded.flag, batch_id = excluded.batch_id WHERE {obs_changed}"
        ), p)
        aqi_changed = f"{_distinct('air_published_aqi.aqi', 'excluded.aqi', sqlite)} OR " \
                      f"{_distinct('air_published_aqi.primary_pollutant', 'excluded.primary_pollutant', sqlite)}"
        conn.execute(text(
            "INSERT INTO air_published_aqi (station_id, time, aqi, primary_pollutant, source, batch_id) "
            f"SELECT s.station_id, s.time, s.value, s.primary_pollutant, :src, :b FROM air_import_stage s "
            f"WHERE {rng} AND s.pollutant IS NULL "
            "ON CONFLICT (station_id, time, source) DO UPDATE SET aqi = excluded.aqi, "
            f"primary_pollutant = excluded.primary_pollutant, batch_id = excluded.batch_id WHERE {aqi_changed}"
        ), p)
        n = conn.execute(text(
            f"SELECT COUNT(*) FROM air_import_stage s WHERE {rng} AND s.pollutant IS NOT NULL AND s.value IS NOT NULL"
        ), p).scalar_one()
        conn.execute(text(f"UPDATE air_import_stage AS s SET state = {PUBLISHED} WHERE {rng}"), p)
        return int(n)

    # --- phase 4: finish or fail -----------------------------------------------------------
    def finish(self, **counts) -> None:
        """Mark the batch ``ok`` with its counts, then delete its stage rows."""
        values = dict(status="ok", finished_at=datetime.now(), heartbeat_at=datetime.now(), **counts)
        if getattr(self, "_pg_conn", None) is not None:
            try:
                self._pg_conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(**values))
                self._pg_tx.commit()
            finally:
                self._pg_conn.close()
                self._pg_conn = None
        else:
            with self._tx() as conn:
                conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(**values))
        _delete_stage(self.engine, self.batch_id, self.chunk, self.pause)

    def fail(self, issues: Iterable[Issue] = (), **counts) -> None:
        """Undo whatever of the file was published, record the batch as ``failed`` with ``issues``."""
        if getattr(self, "_pg_conn", None) is not None:  # PostgreSQL: the open publish transaction
            self._pg_tx.rollback()
            self._pg_conn.close()
            self._pg_conn = None
        elif self.batch_id is not None:
            rollback_batch(self.engine, self.batch_id, self.source, self.chunk, self.pause)
        if self.batch_id is None:
            self.open()
        with self._tx() as conn:
            self._remove_new_stations(conn)
            self.add_issues(conn, issues)
            conn.execute(update(BATCHES).where(BATCHES.c.id == self.batch_id).values(
                status="failed", finished_at=datetime.now(), values_written=0, **counts))
        _delete_stage(self.engine, self.batch_id, self.chunk, self.pause)

    def _remove_new_stations(self, conn: Connection) -> None:
        """Stations this file registered go again unless something else refers to them now."""
        if not self.new_stations:
            return
        from qingshan.store.models_air import Observation, PublishedAqi

        for code in self.new_stations:
            sid = conn.execute(select(STATIONS.c.id).where(STATIONS.c.code == code)).scalar()
            if sid is None:
                continue
            used = conn.execute(select(func.count()).select_from(Observation.__table__).where(
                Observation.__table__.c.station_id == sid)).scalar_one()
            used += conn.execute(select(func.count()).select_from(PublishedAqi.__table__).where(
                PublishedAqi.__table__.c.station_id == sid)).scalar_one()
            used += conn.execute(select(func.count()).select_from(STAGE).where(
                STAGE.c.station_id == sid, STAGE.c.batch_id != self.batch_id)).scalar_one()
            if not used:
                conn.execute(delete(STAGE).where(STAGE.c.station_id == sid))
                conn.execute(delete(STATIONS).where(STATIONS.c.id == sid))


# --- helpers -------------------------------------------------------------------------------

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


def rollback_batch(engine, batch_id: int, source: str, chunk: int = DEFAULT_CHUNK, pause: float = 0.0) -> None:
    """Undo the published values of a batch from its stage rows, chunk by chunk.

    A value the batch added is deleted; a value it replaced is restored — in both cases only
    where the stored row still carries this batch (a later import's value is left alone).
    """
    with engine.connect() as conn:
        lo, hi = conn.execute(
            select(func.min(STAGE.c.id), func.max(STAGE.c.id)).where(
                STAGE.c.batch_id == batch_id, STAGE.c.state == PUBLISHED)
        ).one()
    if lo is None:
        return
    p = {"b": batch_id, "src": source}
    for a in range(lo, hi + 1, chunk):
        p |= {"a": a, "z": a + chunk - 1}
        rng = "s.batch_id = :b AND s.id BETWEEN :a AND :z AND s.state = 3"
        with engine.begin() as conn:
            for table, key, restore in (
                ("air_observations", "AND o.pollutant = s.pollutant", "value = s.old_value, flag = s.old_flag"),
                ("air_published_aqi", "", "aqi = s.old_value, primary_pollutant = s.old_primary"),
            ):
                obs = table == "air_observations"
                kind = "s.pollutant IS NOT NULL" if obs else "s.pollutant IS NULL"
                match = (f"o.station_id = s.station_id AND o.time = s.time {key} AND o.source = :src "
                         f"AND o.batch_id = :b")
                conn.execute(text(
                    f"DELETE FROM {table} WHERE id IN (SELECT o.id FROM {table} o JOIN air_import_stage s ON {match} "
                    f"WHERE {rng} AND {kind} AND s.existed IS NULL)"
                ), p)
                conn.execute(text(
                    f"UPDATE {table} AS o SET {restore}, batch_id = s.old_batch FROM air_import_stage AS s "
                    f"WHERE {rng} AND {kind} AND s.existed AND {match}"
                ), p)
        if pause:
            time.sleep(pause)


def _delete_stage(engine, batch_id: int, chunk: int, pause: float) -> None:
    while True:
        with engine.begin() as conn:
            ids = conn.execute(
                select(STAGE.c.id).where(STAGE.c.batch_id == batch_id).order_by(STAGE.c.id).limit(chunk)
            ).scalars().all()
            if not ids:
                return
            conn.execute(delete(STAGE).where(STAGE.c.batch_id == batch_id, STAGE.c.id <= ids[-1]))
        if pause:
            time.sleep(pause)


def recover_abandoned(store: ObservationStore, stale_after: timedelta = DEFAULT_STALE_AFTER) -> list[int]:
    """Roll back imports whose process died (``running``/``publishing`` with a stale heartbeat)
    and clear stage rows left by finished ones. Returns the batches rolled back."""
    engine = store.engine
    limit = datetime.now() - stale_after
    with engine.connect() as conn:
        dead = conn.execute(
            select(BATCHES.c.id, BATCHES.c.options).where(
                BATCHES.c.status.in_(("running", "publishing")),
                func.coalesce(BATCHES.c.heartbeat_at, BATCHES.c.started_at) < limit,
            )
        ).all()
        leftover = conn.execute(
            select(STAGE.c.batch_id).distinct().join(BATCHES, BATCHES.c.id == STAGE.c.batch_id).where(
                BATCHES.c.status.in_(("ok", "failed", "skipped")))
        ).scalars().all()
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
        _delete_stage(engine, batch_id, DEFAULT_CHUNK, pause)
    for batch_id in leftover:
        _delete_stage(engine, batch_id, DEFAULT_CHUNK, pause)
    return [b for b, _ in dead]


def _as_datetime(v) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v)[:19])


def _groups(result) -> Iterator[list[tuple]]:
    """Consecutive rows of the ordered duplicate query with the same key, as lists."""
    current: list[tuple] = []
    key = None
    for r in result:
        k = tuple(r[:3])
        if current and k != key:
            yield current
            current = []
        key = k
        current.append(tuple(r))
    if current:
        yield current


def _decide(items: list[tuple], policy: WithinFile) -> tuple[DuplicateGroup, list[int]]:
    """One key's items (station_id, time, pollutant|None, row, id, field, pollutant, value, flag,
    primary, code) → the group description and the stage ids to drop."""
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
    drop = [it[4] for r, its in by_row.items() if r != kept for it in its]
    first = items[0]
    group = DuplicateGroup(
        station_code=first[10], time=_as_datetime(first[1]), pollutant=first[2], rows=rows,
        fields=tuple(by_row[r][0][5] for r in rows), identical=identical, kept_row=kept,
    )
    return group, drop


__all__ = [
    "AcrossFiles", "DuplicateGroup", "StagedImport", "StoredConflict", "WithinFile", "find_previous",
    "options_text", "record_skipped", "recover_abandoned", "rollback_batch",
]
