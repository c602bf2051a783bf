"""The observation store: hourly concentrations per station, exact, on SQLite or PostgreSQL.

One interface, :class:`ObservationStore`, over the tables of :mod:`qingshan.store.models_air`,
written with SQLAlchemy Core so the same code runs on the embedded default (SQLite in
``QINGSHAN_HOME``) and in server mode (PostgreSQL). Bulk writes are an idempotent upsert on
(station, T, pollutant, source) with the dialect's ``INSERT … ON CONFLICT DO UPDATE``:
SQLite through ``executemany``, PostgreSQL through ``COPY`` into a staging table and one
``INSERT … SELECT … ON CONFLICT``.

Values
    Stored as Int64 micro-units (:data:`qingshan.exact.SCALE`; µg/m³, CO mg/m³) and returned
    as exact rationals (:data:`qingshan.exact.RATIONAL`, ``den = 10**6``).
Time
    ``time`` is T, the **end** of the averaging hour, Beijing time, naive
    (air-evaluation.md §3).
Flags
    hj212.md §9.3 is the single flag policy: a value enters only if its flag is in
    ``valid_flags`` (default ``{"N"}``; ``T`` may be added; ``S`` needs an audit mark, which
    this store does not hold yet, so ``S`` values never enter). A value without a flag enters
    when its source carries no flags at all (CNEMC published values are valid when numeric and
    not negative, air-aqi.md §1 / air-evaluation.md §4.3; a bureau table without a flag
    column); for flagged sources (``hj212``) it enters only with ``missing_flag_valid=True``.
    Excluded values are never deleted; :meth:`ObservationStore.long_frame` shows them.
Sources
    The same station-hour may arrive from several sources. :meth:`hourly_frame` takes, per
    (station, T, pollutant), the value of the first source in ``source_priority`` (default:
    bureau table, CNEMC, HJ 212, then any other source alphabetically), *then* applies the
    flag policy, so an excluded value of a preferred source is not silently replaced.

References
----------
.. [1] ../shared/standards/air-evaluation.md §3 (hour label), §4.3 (validity of 1-h values).
.. [2] ../shared/standards/hj212.md §9.3 (the data-flag table).
.. [3] ../shared/standards/air-aqi.md §1 (units, exact values, negative = missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, String, and_, func, insert, select, type_coerce

from qingshan import exact
from qingshan.store.db import DatabaseClient
from qingshan.store.models_air import (
    POLLUTANTS,
    ImportBatch,
    ImportRowError,
    Observation,
    PublishedAqi,
    Station,
)

OBS = Observation.__table__
STATIONS = Station.__table__
AQI = PublishedAqi.__table__
BATCHES = ImportBatch.__table__
ERRORS = ImportRowError.__table__

DEFAULT_SOURCE_PRIORITY: tuple[str, ...] = ("table", "cnemc", "hj212")
#: Sources whose values carry HJ 212 data flags; a missing flag there is a deviation (§9.3).
FLAGGED_SOURCES: frozenset[str] = frozenset({"hj212"})
ALLOWED_EXTRA_FLAGS = frozenset({"T", "S"})
SOURCE_MAX_LEN = 16  # air_observations.source is VARCHAR(16)

LONG_SCHEMA = {
    "station_code": pl.Utf8,
    "time": pl.Datetime("us"),
    "pollutant": pl.Utf8,
    "value": pl.Int64,
    "flag": pl.Utf8,
    "source": pl.Utf8,
    "batch_id": pl.Int64,
}
LONG_COLUMNS = tuple(LONG_SCHEMA)

WIDE_SCHEMA = {"station_code": pl.Utf8, "time": pl.Datetime("us")} | {p: exact.RATIONAL for p in POLLUTANTS}



class UnknownStationError(KeyError):
    """Raised by :meth:`ObservationStore.write` for station codes not in the registry."""


def _dialect_insert(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise ValueError(f"观测库只支持 SQLite 与 PostgreSQL，不支持数据库方言 {conn.dialect.name}")


def upsert(conn: Connection, table, rows: list[dict], key: Sequence[str], update: Sequence[str]) -> None:
    """Bulk ``INSERT … ON CONFLICT (key) DO UPDATE SET update`` on SQLite and PostgreSQL.

    ``rows`` must not repeat a key (PostgreSQL refuses to update one row twice in a statement).
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        cols = list(rows[0].keys())
        _pg_copy_upsert(conn, table, cols, [[r[c] for c in cols] for r in rows], key, update)
        return
    stmt = _dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in update})
    conn.execute(stmt, rows)


def _pg_copy_upsert(
    conn: Connection,
    table,
    cols: list[str],
    rows: Iterable[Sequence],
    key: Sequence[str],
    update: Sequence[str],
    changed: Sequence[str] = (),
) -> None:
    """PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT … ON
    CONFLICT``. Compiling a multi-row ``VALUES`` statement costs seconds per 10⁴ rows; COPY
    streams them. Runs inside the caller's transaction (the staging table is dropped after)."""
    from psycopg import sql

    stage = f"_stage_{table.name}"
    ident = sql.Identifier
    col_list = sql.SQL(", ").join(map(ident, cols))
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT {} FROM {} WITH NO DATA").format(ident(stage), col_list, ident(table.name))
        )
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(ident(stage), col_list)) as copy:
            for r in rows:
                copy.write_row(r)
        stmt = sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM {s} ON CONFLICT ({k}) DO UPDATE SET {u}").format(
            t=ident(table.name),
            c=col_list,
            s=ident(stage),
            k=sql.SQL(", ").join(map(ident, key)),
            u=sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(ident(c), ident(c)) for c in update),
        )
        if changed:  # update only rows whose content differs (no dead tuples on a re-import)
            stmt += sql.SQL(" WHERE ") + sql.SQL(" OR ").join(
                sql.SQL("{t}.{c} IS DISTINCT FROM EXCLUDED.{c}").format(t=ident(table.name), c=ident(c))
                for c in changed
            )
        cur.execute(stmt)
        cur.execute(sql.SQL("DROP TABLE {}").format(ident(stage)))


_SQLITE_OBS_UPSERT = (
    "INSERT INTO air_observations (station_id, time, pollutant, value, flag, source, batch_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (station_id, time, pollutant, source) "
    "DO UPDATE SET value = excluded.value, flag = excluded.flag, batch_id = excluded.batch_id "
    # an unchanged value keeps the batch that brought it, and costs no write
    "WHERE air_observations.value IS NOT excluded.value OR air_observations.flag IS NOT excluded.flag"
)


def _sqlite_fast_upsert(conn: Connection, frame: pl.DataFrame) -> None:
    """SQLite observations upsert without SQLAlchemy's per-row parameter processing.

    The hour is formatted by polars exactly as SQLAlchemy's SQLite ``DateTime`` stores it
    (``YYYY-MM-DD HH:MM:SS.ffffff``), so keys written here and by SQLAlchemy compare equal
    (tests/store/test_observations.py checks both paths meet on one key). Twice as fast.
    """
    rows = frame.with_columns(pl.col("time").dt.strftime("%Y-%m-%d %H:%M:%S.%6f")).rows()
    conn.exec_driver_sql(_SQLITE_OBS_UPSERT, rows)


def _flag_set(valid_flags: Iterable[str]) -> set[str]:
    """hj212.md §9.3 ``statistics_valid_flags``: N, plus optionally T and S."""
    flags = set(valid_flags)
    if not flags <= {"N"} | ALLOWED_EXTRA_FLAGS:
        raise ValueError(f"valid_flags may only add T and S to N (hj212.md §9.3), got {sorted(flags)}")
    flags.discard("S")  # audited-S needs an audit mark, which the store does not keep yet
    return flags


def _pollutant_list(pollutants: Iterable[str] | None) -> list[str]:
    want = list(pollutants) if pollutants is not None else list(POLLUTANTS)
    bad = [p for p in want if p not in POLLUTANTS]
    if bad:
        raise ValueError(f"unknown pollutant(s) {bad}; the store holds {list(POLLUTANTS)}")
    return want


def to_micro(frame: pl.DataFrame, column: str = "value") -> pl.Series:
    """Any concentration column → Int64 micro-units; error if a value is not a whole micro-unit.

    Negative values become null (air-aqi.md §1: a negative concentration is missing).
    """
    r = exact.as_rational(pl.col(column), frame.schema[column])
    out = frame.select(
        micro=(exact.num(r) * exact.SCALE // exact.den(r)),
        rest=(exact.num(r) * exact.SCALE % exact.den(r)),
    )
    if (out["rest"].fill_null(0) != 0).any():
        raise ValueError(f"column {column!r} has values finer than 1e-6 units")
    return out["micro"].cast(pl.Int64)


class ObservationStore(DatabaseClient):
    """Hourly station observations on the configured database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default :func:`qingshan.config.database_url` (SQLite in
        ``QINGSHAN_HOME``). PostgreSQL: ``postgresql+psycopg://user@host:5432/db``.
    auto_migrate : bool, default True
        Bring the schema to the head of every Alembic branch first.
    """


    # --- stations ------------------------------------------------------------------------
    def station_ids(self, conn: Connection | None = None) -> dict[str, int]:
        """Registered station code → internal id."""
        if conn is None:
            with self.engine.connect() as c:
                return self.station_ids(c)
        return {code: sid for code, sid in conn.execute(select(STATIONS.c.code, STATIONS.c.id))}

    # --- writing -------------------------------------------------------------------------
    def write(
        self,
        frame: pl.DataFrame,
        *,
        source: str | None = None,
        batch_id: int | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Upsert observations; returns the number of values written.

        ``frame`` is long (``station_code, time, pollutant, value[, flag][, source]``) or wide
        (``station_code, time`` and any of the pollutant columns ``so2 … pm25``). Values may be
        rational structs, text, integers or floats (see :func:`qingshan.exact.as_rational`);
        nulls (and negatives) are not stored. ``time`` is the hour end T. When ``conn`` is given
        the write joins the caller's transaction; otherwise it is one transaction of its own.
        Re-writing the same rows changes nothing (idempotent upsert).
        """
        if conn is None:
            with self.engine.begin() as c:
                return self.write(frame, source=source, batch_id=batch_id, conn=c)
        long = self._normalise(frame, source)
        if long.is_empty():
            return 0
        ids = self.station_ids(conn)
        unknown = sorted(set(long["station_code"].unique().to_list()) - ids.keys())
        if unknown:
            raise UnknownStationError(f"未登记的站点编码：{', '.join(unknown[:10])}")
        long = long.with_columns(
            station_id=pl.col("station_code").replace_strict(ids, return_dtype=pl.Int64),
            batch_id=pl.lit(batch_id, dtype=pl.Int64),
        )
        cols = ("station_id", "time", "pollutant", "value", "flag", "source", "batch_id")
        if conn.dialect.name == "sqlite":
            _sqlite_fast_upsert(conn, long.select(cols))
            return long.height
        if conn.dialect.name == "postgresql":
            _pg_copy_upsert(
                conn, OBS, list(cols), long.select(cols).iter_rows(),
                key=("station_id", "time", "pollutant", "source"), update=("value", "flag", "batch_id"),
                changed=("value", "flag"),
            )
            return long.height
        rows = long.select(cols).to_dicts()
        upsert(conn, OBS, rows, key=("station_id", "time", "pollutant", "source"), update=("value", "flag", "batch_id"))
        return len(rows)

    @staticmethod
    def _normalise(frame: pl.DataFrame, source: str | None) -> pl.DataFrame:
        if "pollutant" not in frame.columns:  # wide → long
            cols = [p for p in POLLUTANTS if p in frame.columns]
            if not cols:
                return pl.DataFrame()
            keep = ["station_code", "time"] + [c for c in ("flag", "source") if c in frame.columns]
            # one dtype for every pollutant column so that a single unpivot can stack them
            rat = frame.select(*keep, *(exact.as_rational(pl.col(p), frame.schema[p]).alias(p) for p in cols))
            frame = rat.unpivot(on=cols, index=keep, variable_name="pollutant", value_name="value")
            frame = frame.with_columns(value=to_micro(frame, "value"))
        else:
            frame = frame.with_columns(value=to_micro(frame, "value"))
        if source is not None and len(source) > SOURCE_MAX_LEN:
            raise ValueError(f"source {source!r} longer than {SOURCE_MAX_LEN} characters")
        if "source" not in frame.columns:
            frame = frame.with_columns(source=pl.lit(source or "api"))
        elif source is not None:
            frame = frame.with_columns(source=pl.col("source").fill_null(source))
        if "flag" not in frame.columns:
            frame = frame.with_columns(flag=pl.lit(None, dtype=pl.Utf8))
        bad = set(frame["pollutant"].unique().to_list()) - set(POLLUTANTS)
        if bad:
            raise ValueError(f"未知污染物：{', '.join(sorted(map(str, bad)))}")
        frame = frame.with_columns(pl.col("time").cast(pl.Datetime("us")), pl.col("flag").cast(pl.Utf8))
        # one row per key: the last one wins, as a later upsert would
        return (
            frame.filter(pl.col("value").is_not_null())
            .unique(subset=["station_code", "time", "pollutant", "source"], keep="last", maintain_order=True)
        )

    def write_published_aqi(
        self, frame: pl.DataFrame, *, source: str, batch_id: int | None = None, conn: Connection | None = None
    ) -> int:
        """Upsert the published AQI (``station_code, time, aqi, primary_pollutant``)."""
        if conn is None:
            with self.engine.begin() as c:
                return self.write_published_aqi(frame, source=source, batch_id=batch_id, conn=c)
        if frame.is_empty():
            return 0
        ids = self.station_ids(conn)
        f = frame.filter(pl.col("station_code").is_in(list(ids))).unique(
            subset=["station_code", "time"], keep="last", maintain_order=True
        )
        rows = f.select(
            station_id=pl.col("station_code").replace_strict(ids, return_dtype=pl.Int64),
            time=pl.col("time").cast(pl.Datetime("us")),
            aqi=pl.col("aqi").cast(pl.Int64),
            primary_pollutant=pl.col("primary_pollutant").cast(pl.Utf8),
            source=pl.lit(source),
            batch_id=pl.lit(batch_id, dtype=pl.Int64),
        ).to_dicts()
        upsert(conn, AQI, rows, key=("station_id", "time", "source"), update=("aqi", "primary_pollutant", "batch_id"))
        return len(rows)

    # --- reading -------------------------------------------------------------------------
    def _where(self, station_codes, start, end, pollutants, sources):
        cond = []
        if station_codes is not None:
            cond.append(STATIONS.c.code.in_(list(station_codes)))
        if start is not None:
            cond.append(OBS.c.time >= start)
        if end is not None:
            cond.append(OBS.c.time <= end)
        if pollutants is not None:
            cond.append(OBS.c.pollutant.in_(list(pollutants)))
        if sources is not None:
            cond.append(OBS.c.source.in_(list(sources)))
        return and_(True, *cond)

    def long_frame(
        self,
        station_codes: Iterable[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        pollutants: Iterable[str] | None = None,
        *,
        sources: Iterable[str] | None = None,
    ) -> pl.DataFrame:
        """Every stored value (all sources and flags): ``station_code, time, pollutant, value
        (Int64 micro-units), flag, source, batch_id``. ``start <= time <= end``."""
        # Hand-written SQL on the raw DBAPI cursor: this is the bulk read path (a city-year is
        # ~5·10⁵ values), and SQLAlchemy's per-row Row/DateTime processing cost more than the
        # query itself. Station codes are mapped to ids first, so no join and no code strings.
        sqlite = self.engine.dialect.name == "sqlite"
        ph = "?" if sqlite else "%s"
        with self.engine.connect() as conn:
            ids = self.station_ids(conn)
            code_of = {v: k for k, v in ids.items()}
            sql = ["SELECT station_id, time, pollutant, value, flag, source, batch_id FROM air_observations WHERE 1 = 1"]
            params: list = []

            def where_in(col: str, values) -> None:
                values = list(values)
                sql.append(f"AND {col} IN ({', '.join([ph] * len(values))})" if values else "AND 1 = 0")
                params.extend(values)

            if station_codes is not None:
                where_in("station_id", [ids[c] for c in station_codes if c in ids])
            for op, t in ((">=", start), ("<=", end)):
                if t is not None:
                    sql.append(f"AND time {op} {ph}")
                    # SQLite keeps DateTime as SQLAlchemy's text form; compare like with like
                    params.append(f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond:06d}" if sqlite else t)
            if pollutants is not None:
                where_in("pollutant", pollutants)
            if sources is not None:
                where_in("source", sources)
            cur = conn.connection.driver_connection.cursor()
            try:
                cur.execute(" ".join(sql), params)
                rows = cur.fetchall()
            finally:
                cur.close()
        schema = dict(LONG_SCHEMA) | {"station_code": pl.Int64}
        if sqlite:
            schema["time"] = pl.Utf8
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        if sqlite:
            frame = frame.with_columns(
                pl.col("time").str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us")
            )
        return frame.with_columns(
            pl.col("station_code").replace_strict(code_of, return_dtype=pl.Utf8, default=None)
        )

    def _fetch_long(self, q) -> pl.DataFrame:
        """Run a query of the long columns into a frame.

        On SQLite the hour is fetched as its stored text and parsed by polars in one pass:
        SQLAlchemy's per-row datetime parsing costs more than the query itself (measured on a
        year of 10 stations, 5·10⁵ values). psycopg already returns datetimes natively.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite:
            cols = [type_coerce(c, String) if c.name == "time" else c for c in q.selected_columns]
            q = q.with_only_columns(*cols, maintain_column_froms=True)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        schema = dict(zip(LONG_COLUMNS, (LONG_SCHEMA[c] for c in LONG_COLUMNS), strict=True))
        if sqlite:
            schema["time"] = pl.Utf8
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        if sqlite:
            # stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]'
            frame = frame.with_columns(
                pl.col("time").str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit="us")
            )
        return frame

    def hourly_frame(
        self,
        station_codes: Iterable[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        pollutants: Iterable[str] | None = None,
        *,
        sources: Iterable[str] | None = None,
        valid_flags: Iterable[str] = ("N",),
        missing_flag_valid: bool = False,
        source_priority: Sequence[str] = DEFAULT_SOURCE_PRIORITY,
    ) -> pl.DataFrame:
        """Wide hourly frame ``station_code, time, so2, no2, co, o3, pm10, pm25``.

        Values are exact rationals (den = 10⁶) in µg/m³ (CO mg/m³); null where missing or
        where the flag policy (hj212.md §9.3, see module doc) excludes the value. ``time`` is
        the hour end T; rows are sorted by station and time; ``start <= time <= end``. There is
        a row for every station-hour holding at least one stored value (even if all its values
        are excluded); hours with nothing stored have no row (the frame is not a dense grid).

        Parameters
        ----------
        valid_flags : default ``("N",)``
            hj212.md §9.3 ``statistics_valid_flags``; only ``T`` and ``S`` may be added.
        missing_flag_valid : default False
            hj212.md §9.3 ``statistics_missing_flag_valid`` (for flagged sources).
        source_priority
            Which source's value a cell takes when several sources hold one.
        """
        flags = _flag_set(valid_flags)
        want = _pollutant_list(pollutants)
        long = self.long_frame(station_codes, start, end, want, sources=sources)
        return self._to_wide(long, want, flags, missing_flag_valid, source_priority)

    @staticmethod
    def _to_wide(long: pl.DataFrame, want, flags, missing_flag_valid, source_priority) -> pl.DataFrame:
        if long["source"].n_unique() > 1:  # one source (the usual case) has one row per cell already
            rank = {s: i for i, s in enumerate(source_priority)}
            long = (
                long.with_columns(
                    _rank=pl.col("source").replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
                )
                .sort("station_code", "time", "pollutant", "_rank", "source")
                .unique(subset=["station_code", "time", "pollutant"], keep="first", maintain_order=True)
                .drop("_rank")
            )
        flagged = pl.col("source").is_in(list(FLAGGED_SOURCES))
        enters = pl.col("flag").is_in(list(flags)) | (
            pl.col("flag").is_null() & (pl.lit(missing_flag_valid) | ~flagged)
        )
        long = long.with_columns(value=pl.when(enters).then(pl.col("value")))
        schema = {"station_code": pl.Utf8, "time": pl.Datetime("us")} | {p: exact.RATIONAL for p in want}
        if long.is_empty():
            return pl.DataFrame(schema=schema)
        wide = long.pivot(on="pollutant", index=["station_code", "time"], values="value", aggregate_function=None)
        for p in want:
            if p not in wide.columns:
                wide = wide.with_columns(pl.lit(None, dtype=pl.Int64).alias(p))
        return (
            wide.select(
                "station_code",
                "time",
                *[exact.rational(pl.col(p), exact.SCALE).alias(p) for p in want],
            )
            .cast(schema)
            .sort("station_code", "time")
        )

    def latest(
        self,
        station_codes: Iterable[str] | None = None,
        pollutants: Iterable[str] | None = None,
        **policy,
    ) -> pl.DataFrame:
        """Each station's most recent hour T that holds any value, as :meth:`hourly_frame` rows."""
        want = _pollutant_list(pollutants)
        last = (
            select(OBS.c.station_id, func.max(OBS.c.time).label("t"))
            .where(OBS.c.pollutant.in_(want))
            .group_by(OBS.c.station_id)
            .subquery()
        )
        q = (
            select(STATIONS.c.code, OBS.c.time, OBS.c.pollutant, OBS.c.value, OBS.c.flag, OBS.c.source, OBS.c.batch_id)
            .select_from(
                OBS.join(last, and_(OBS.c.station_id == last.c.station_id, OBS.c.time == last.c.t)).join(
                    STATIONS, OBS.c.station_id == STATIONS.c.id
                )
            )
            .where(OBS.c.pollutant.in_(want))
        )
        if station_codes is not None:
            q = q.where(STATIONS.c.code.in_(list(station_codes)))
        long = self._fetch_long(q)
        flags = _flag_set(policy.get("valid_flags", ("N",)))
        return self._to_wide(
            long,
            want,
            flags,
            policy.get("missing_flag_valid", False),
            policy.get("source_priority", DEFAULT_SOURCE_PRIORITY),
        )

    def count(self, station_codes=None, start=None, end=None, pollutants=None, *, sources=None) -> int:
        """Number of stored values (every source and flag)."""
        q = (
            select(func.count())
            .select_from(OBS.join(STATIONS, OBS.c.station_id == STATIONS.c.id))
            .where(self._where(station_codes, start, end, pollutants, sources))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def counts(self, station_codes=None, start=None, end=None, *, sources=None) -> pl.DataFrame:
        """Per station, source and pollutant: ``n`` values, ``first`` and ``last`` T."""
        q = (
            select(
                STATIONS.c.code,
                OBS.c.source,
                OBS.c.pollutant,
                func.count().label("n"),
                func.min(OBS.c.time).label("first"),
                func.max(OBS.c.time).label("last"),
            )
            .select_from(OBS.join(STATIONS, OBS.c.station_id == STATIONS.c.id))
            .where(self._where(station_codes, start, end, None, sources))
            .group_by(STATIONS.c.code, OBS.c.source, OBS.c.pollutant)
            .order_by(STATIONS.c.code, OBS.c.source, OBS.c.pollutant)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pl.DataFrame(
            rows,
            schema={
                "station_code": pl.Utf8,
                "source": pl.Utf8,
                "pollutant": pl.Utf8,
                "n": pl.Int64,
                "first": pl.Datetime("us"),
                "last": pl.Datetime("us"),
            },
            orient="row",
        )

    def station_hours(self, station_codes=None, start=None, end=None, *, sources=None) -> int:
        """Number of distinct (station, T) with at least one stored value."""
        sub = (
            select(OBS.c.station_id, OBS.c.time)
            .select_from(OBS.join(STATIONS, OBS.c.station_id == STATIONS.c.id))
            .where(self._where(station_codes, start, end, None, sources))
            .distinct()
            .subquery()
        )
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())

    def published_aqi_frame(self, station_codes=None, start=None, end=None, *, source: str | None = None) -> pl.DataFrame:
        """Published AQI: ``station_code, time, aqi, primary_pollutant, source``."""
        q = select(STATIONS.c.code, AQI.c.time, AQI.c.aqi, AQI.c.primary_pollutant, AQI.c.source).select_from(
            AQI.join(STATIONS, AQI.c.station_id == STATIONS.c.id)
        )
        if station_codes is not None:
            q = q.where(STATIONS.c.code.in_(list(station_codes)))
        if start is not None:
            q = q.where(AQI.c.time >= start)
        if end is not None:
            q = q.where(AQI.c.time <= end)
        if source is not None:
            q = q.where(AQI.c.source == source)
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(STATIONS.c.code, AQI.c.time)).all()
        return pl.DataFrame(
            rows,
            schema={
                "station_code": pl.Utf8,
                "time": pl.Datetime("us"),
                "aqi": pl.Int64,
                "primary_pollutant": pl.Utf8,
                "source": pl.Utf8,
            },
            orient="row",
        )

    # --- import batches ------------------------------------------------------------------
    def new_batch(self, conn: Connection, *, kind: str, file_name=None, sha256=None, encoding=None) -> int:
        res = conn.execute(
            insert(BATCHES).values(
                kind=kind,
                file_name=file_name,
                sha256=sha256,
                encoding=encoding,
                rows_read=0,
                rows_kept=0,
                rows_rejected=0,
                values_written=0,
                status="running",
                started_at=datetime.now(),
            )
        )
        return int(res.inserted_primary_key[0])

    def batches(self) -> pl.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BATCHES).order_by(BATCHES.c.id)).mappings().all()
        return pl.DataFrame([dict(r) for r in rows]) if rows else pl.DataFrame()

    def errors(self, batch_id: int | None = None) -> pl.DataFrame:
        """Issues of one batch (or all): ``batch_id, row, field, reason, kind``, by row then field."""
        q = select(ERRORS.c.batch_id, ERRORS.c.row, ERRORS.c.field, ERRORS.c.reason, ERRORS.c.kind).order_by(
            ERRORS.c.batch_id, ERRORS.c.row.nulls_first(), ERRORS.c.field.nulls_first(), ERRORS.c.id
        )
        if batch_id is not None:
            q = q.where(ERRORS.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pl.DataFrame(
            rows,
            schema={"batch_id": pl.Int64, "row": pl.Int64, "field": pl.Utf8, "reason": pl.Utf8, "kind": pl.Utf8},
            orient="row",
        )
