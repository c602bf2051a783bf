"""The water store: observations, published classes and import batches on SQLite or PostgreSQL.

SQLAlchemy Core over :mod:`qingshan.water.models`; bulk writes are an idempotent upsert on
(section, time, item, source) — ``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL through COPY,
:func:`qingshan.store.observations.upsert`), so a re-imported file duplicates nothing; a value
already stored unchanged is not rewritten, and the write says how many values were new,
replaced or unchanged (:class:`WriteCounts`).

Reading: :meth:`WaterStore.observations` returns the long frame the period statistics take
(:data:`qingshan.standards.water_statistics.LONG_SCHEMA` plus ``section``, ``time``), with one
value per (section, time, item): where several sources hold one, the first of
``source_priority`` (default laboratory, CNEMC, HJ 212, demo, then any other) — the flag policy
is applied afterwards by the statistics (hj212.md §9.3), so an excluded value of a preferred
source is not silently replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, func, insert, select

from qingshan.store.db import DatabaseClient
from qingshan.store.observations import upsert
from qingshan.water.models import ImportBatch, ImportError_, Observation, PublishedClass, Section

OBS = Observation.__table__
PUB = PublishedClass.__table__
SECTIONS = Section.__table__
BATCHES = ImportBatch.__table__
ERRORS = ImportError_.__table__

DEFAULT_SOURCE_PRIORITY: tuple[str, ...] = ("lab", "cnemc", "hj212", "demo")

#: columns of :meth:`WaterStore.write_observations` input
WRITE_SCHEMA = {
    "section_code": pl.Utf8,
    "time": pl.Datetime("us"),
    "item": pl.Utf8,
    "value_nano": pl.Int64,
    "nd": pl.Boolean,
    "dl_nano": pl.Int64,
    "flag": pl.Utf8,
    "text": pl.Utf8,
}
LONG_SCHEMA = {
    "section": pl.Utf8,
    "time": pl.Datetime("us"),
    "item": pl.Utf8,
    "value_nano": pl.Int64,
    "nd": pl.Boolean,
    "dl_nano": pl.Int64,
    "flag": pl.Utf8,
    "source": pl.Utf8,
    "text": pl.Utf8,
}


@dataclass(frozen=True)
class WriteCounts:
    """What :meth:`WaterStore.write_observations` did with each value of its input (one per
    section, time, item and source): so an import summary says what changed, not what was read."""

    new: int = 0  # no value was stored under the key
    replaced: int = 0  # a different value was stored (value, non-detect, limit, flag or text)
    unchanged: int = 0  # the same value was stored already: left as it was (batch included)

    @property
    def written(self) -> int:
        return self.new + self.replaced


_COMPARED = ("value_nano", "nd", "dl_nano", "flag", "text")


class UnknownSectionError(KeyError):
    """A write named a section code that is not registered."""


class WaterStore(DatabaseClient):
    """Water observations on the configured database (schema migrated on first use)."""

    def section_ids(self, conn: Connection | None = None) -> dict[str, int]:
        if conn is None:
            with self.engine.connect() as c:
                return self.section_ids(c)
        return {code: sid for code, sid in conn.execute(select(SECTIONS.c.code, SECTIONS.c.id))}

    # --- writing -------------------------------------------------------------------------
    def write_observations(self, frame: pl.DataFrame, *, source: str, batch_id: int | None = None,
                           conn: Connection | None = None) -> WriteCounts:
        """Upsert observations (:data:`WRITE_SCHEMA`): new keys are inserted, keys holding a
        different value are replaced, identical values are not rewritten; returns the counts."""
        if conn is None:
            with self.engine.begin() as c:
                return self.write_observations(frame, source=source, batch_id=batch_id, conn=c)
        if frame.is_empty():
            return WriteCounts()
        ids = self.section_ids(conn)
        unknown = sorted(set(frame["section_code"].unique().to_list()) - ids.keys())
        if unknown:
            raise UnknownSectionError(f"未登记的断面编码：{'、'.join(unknown[:10])}")
        bad = frame.filter(
            (pl.col("value_nano").is_null() & ~pl.col("nd").fill_null(False))
            | (pl.col("nd").fill_null(False) & pl.col("dl_nano").is_null())
            | ((pl.col("value_nano") < 0) & (pl.col("item") != "wt")).fill_null(False)
        )
        if not bad.is_empty():
            raise ValueError(f"有 {bad.height} 个观测值为空、为负，或未检出却没有检出限，未写入")
        f = frame.select(list(WRITE_SCHEMA)).cast(WRITE_SCHEMA).unique(
            ["section_code", "time", "item"], keep="last", maintain_order=True
        )
        new = f.select(
            section_id=pl.col("section_code").replace_strict(ids, return_dtype=pl.Int64),
            time=pl.col("time"),
            item=pl.col("item"),
            value_nano=pl.col("value_nano"),
            nd=pl.col("nd").fill_null(False),
            dl_nano=pl.col("dl_nano"),
            flag=pl.col("flag"),
            source=pl.lit(source),
            text=pl.col("text").str.slice(0, 40),  # as stored, so that the comparison below is fair
            batch_id=pl.lit(batch_id, dtype=pl.Int64),
        )
        old = self._stored(conn, new, source)
        cmp = new.join(old, on=["section_id", "time", "item"], how="left", suffix="_old")
        exists = pl.col("_stored").fill_null(False)
        same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_old")) for c in _COMPARED])
        cmp = cmp.with_columns(_new=~exists, _same=exists & same)
        counts = WriteCounts(new=int(cmp["_new"].sum()), replaced=int((~cmp["_new"] & ~cmp["_same"]).sum()),
                             unchanged=int(cmp["_same"].sum()))
        rows = cmp.filter(~pl.col("_same")).select(new.columns).to_dicts()
        upsert(conn, OBS, rows, key=("section_id", "time", "item", "source"),
               update=("value_nano", "nd", "dl_nano", "flag", "text", "batch_id"))
        return counts

    def _stored(self, conn: Connection, new: pl.DataFrame, source: str) -> pl.DataFrame:
        """The stored values of ``source`` among ``new``'s sections and time span (a superset of
        its keys; the caller joins on the key)."""
        q = select(OBS.c.section_id, OBS.c.time, OBS.c.item, *[OBS.c[c] for c in _COMPARED]).where(
            OBS.c.source == source, OBS.c.section_id.in_(new["section_id"].unique().to_list()),
            OBS.c.time >= new["time"].min(), OBS.c.time <= new["time"].max())
        schema = {"section_id": pl.Int64, "time": pl.Datetime("us"), "item": pl.Utf8, "value_nano": pl.Int64,
                  "nd": pl.Boolean, "dl_nano": pl.Int64, "flag": pl.Utf8, "text": pl.Utf8}
        rows = conn.execute(q).all()
        frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
        return frame.with_columns(_stored=pl.lit(True))

    def write_published(self, frame: pl.DataFrame, *, source: str, batch_id: int | None = None,
                        conn: Connection | None = None) -> int:
        """Upsert published classes (``section_code, time, class``)."""
        if conn is None:
            with self.engine.begin() as c:
                return self.write_published(frame, source=source, batch_id=batch_id, conn=c)
        if frame.is_empty():
            return 0
        ids = self.section_ids(conn)
        f = frame.filter(pl.col("section_code").is_in(list(ids))).unique(
            ["section_code", "time"], keep="last", maintain_order=True)
        rows = f.select(
            section_id=pl.col("section_code").replace_strict(ids, return_dtype=pl.Int64),
            time=pl.col("time").cast(pl.Datetime("us")),
            **{"class": pl.col("class").cast(pl.Int64)},
            source=pl.lit(source),
            batch_id=pl.lit(batch_id, dtype=pl.Int64),
        ).to_dicts()
        upsert(conn, PUB, rows, key=("section_id", "time", "source"), update=("class", "batch_id"))
        return len(rows)

    # --- reading -------------------------------------------------------------------------
    def observations(
        self,
        sections: Iterable[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        items: Iterable[str] | None = None,
        *,
        sources: Iterable[str] | None = None,
        source_priority: Sequence[str] = DEFAULT_SOURCE_PRIORITY,
    ) -> pl.DataFrame:
        """Stored values, one per (section, time, item) by ``source_priority``; ``start <= time
        < end``. Columns :data:`LONG_SCHEMA` (``section`` is the section code)."""
        q = select(
            SECTIONS.c.code, OBS.c.time, OBS.c.item, OBS.c.value_nano, OBS.c.nd, OBS.c.dl_nano, OBS.c.flag,
            OBS.c.source, OBS.c.text,
        ).select_from(OBS.join(SECTIONS, OBS.c.section_id == SECTIONS.c.id))
        if sections is not None:
            q = q.where(SECTIONS.c.code.in_(list(sections)))
        if start is not None:
            q = q.where(OBS.c.time >= start)
        if end is not None:
            q = q.where(OBS.c.time < end)
        if items is not None:
            q = q.where(OBS.c.item.in_(list(items)))
        if sources is not None:
            q = q.where(OBS.c.source.in_(list(sources)))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        frame = pl.DataFrame(rows, schema=LONG_SCHEMA, orient="row")
        if frame.is_empty() or frame["source"].n_unique() == 1:
            return frame.sort("section", "time", "item")
        rank = {s: i for i, s in enumerate(source_priority)}
        return (
            frame.with_columns(_rank=pl.col("source").replace_strict(rank, default=len(rank), return_dtype=pl.Int64))
            .sort("section", "time", "item", "_rank", "source")
            .unique(["section", "time", "item"], keep="first", maintain_order=True)
            .drop("_rank")
        )

    def published(self, sections: Iterable[str] | None = None, *, source: str | None = None) -> pl.DataFrame:
        q = select(SECTIONS.c.code, PUB.c.time, PUB.c["class"], PUB.c.source).select_from(
            PUB.join(SECTIONS, PUB.c.section_id == SECTIONS.c.id))
        if sections is not None:
            q = q.where(SECTIONS.c.code.in_(list(sections)))
        if source is not None:
            q = q.where(PUB.c.source == source)
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(SECTIONS.c.code, PUB.c.time)).all()
        return pl.DataFrame(rows, schema={"section": pl.Utf8, "time": pl.Datetime("us"), "class": pl.Int64,
                                          "source": pl.Utf8}, orient="row")

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(OBS)).scalar_one())

    # --- import batches ------------------------------------------------------------------
    def new_batch(self, conn: Connection, *, kind: str, file_name=None, sha256=None, encoding=None) -> int:
        res = conn.execute(insert(BATCHES).values(
            kind=kind, file_name=file_name, sha256=sha256, encoding=encoding, rows_read=0, rows_kept=0,
            rows_rejected=0, values_written=0, status="running", started_at=datetime.now(),
        ))
        return int(res.inserted_primary_key[0])

    def find_batch(self, conn: Connection, sha256: str) -> int | None:
        """The latest successful batch of a file with this SHA-256, if any."""
        return conn.execute(
            select(func.max(BATCHES.c.id)).where(BATCHES.c.sha256 == sha256, BATCHES.c.status == "ok")
        ).scalar()

    def finish_batch(self, conn: Connection, batch_id: int, *, status: str = "ok", **counts) -> None:
        conn.execute(BATCHES.update().where(BATCHES.c.id == batch_id).values(
            status=status, finished_at=datetime.now(), **counts))

    def add_errors(self, conn: Connection, batch_id: int, errors: Iterable[dict]) -> None:
        rows = [{"batch_id": batch_id, "row": e.get("row"), "field": (e.get("field") or None) and str(e["field"])[:64],
                 "reason": e["reason"]} for e in errors]
        if rows:
            conn.execute(insert(ERRORS), rows)

    def batches(self) -> pl.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BATCHES).order_by(BATCHES.c.id)).mappings().all()
        return pl.DataFrame([dict(r) for r in rows]) if rows else pl.DataFrame()

    def errors(self, batch_id: int | None = None) -> pl.DataFrame:
        q = select(ERRORS.c.batch_id, ERRORS.c.row, ERRORS.c.field, ERRORS.c.reason).order_by(ERRORS.c.id)
        if batch_id is not None:
            q = q.where(ERRORS.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return pl.DataFrame(rows, schema={"batch_id": pl.Int64, "row": pl.Int64, "field": pl.Utf8, "reason": pl.Utf8},
                            orient="row")
