"""Group commit of archived packets and their data rows (the gateway's single writer).

One transaction per batch: every packet of the batch goes to the append-only raw archive
(``hj212_raw_packet``), and every accepted data packet to ``hj212_data`` with
``INSERT … ON CONFLICT DO NOTHING`` on the hj212.md §10.5 key (MN, CN, DataTime, PNUM, PNO):
the first stored packet wins, a duplicate stays only in the archive and is counted
(§10.5 items 1 and 5). The factors of the statistics packets (CN 2051/2061/2031) that entered the
index go to ``hj212_value`` in the same transaction, one row per (MN, CN, DataTime, factor),
``ON CONFLICT DO NOTHING`` again: a value two stored packets both carry (a resend split
differently, §10.5 rule 7) keeps the first. Real-time packets take the path they always took. The caller sends ACKs only after :meth:`BatchWriter.commit` returns,
so an acknowledged packet has been committed: on SQLite in WAL mode with
``synchronous=FULL`` the commit has fsynced the WAL (:func:`qingshan.store.db.make_engine`);
on PostgreSQL the commit has been flushed per its ``synchronous_commit`` (default ``on``).

Raw ids are allocated here (above ``max(id)`` at start, then a counter), so a data row can
reference its raw packet inside the same batch. The ``N`` worker processes of one gateway
(``serve --workers N``) take disjoint residue classes (``id ≡ k mod N``). Independent gateway
deployments on one database would need ids from a PostgreSQL sequence instead.

Uses the DBAPI connection directly (``executemany``): the per-row cost of the ORM would be the
gateway's bottleneck.
"""

from __future__ import annotations

import logging

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from qingshan.hj212.gateway.events import ArchiveItem
from qingshan.hj212.values import value_rows
from qingshan.store.db import make_engine

log = logging.getLogger("qingshan.hj212.gateway")


@dataclass(slots=True)
class DeadLetter:
    """An item the gateway's own code failed on (issue 7 item 1): its bytes and the error, kept
    in ``hj212_dead_letter`` for a later look, never acknowledged."""

    received_at: datetime  # UTC
    peer: str
    stage: str
    error: str
    raw: bytes


class BatchWriter:
    def __init__(self, url: str, engine: Engine | None = None, id_step: int = 1, id_offset: int = 0):
        self.url = url
        self.id_step, self.id_offset = id_step, id_offset
        self.engine = engine or make_engine(url)
        self.sqlite = url.startswith("sqlite")
        self._conn = None
        self._next_id = 0
        self.duplicates = 0
        self.stored = 0
        self.archived = 0

    def open(self) -> None:
        self._conn = self.engine.raw_connection()
        self._pg_temp = self._pg_value_temp = False
        cur = self._conn.cursor()
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM hj212_raw_packet")
        top = int(cur.fetchone()[0])
        # Worker k of N takes the ids ≡ k (mod N) above everything already stored, so the
        # workers of one gateway never collide, whatever the others have written meanwhile.
        self._next_id = (top // self.id_step + 1) * self.id_step + self.id_offset
        cur.close()
        self._conn.commit()
        if self.sqlite:
            p = "?"
            conflict = "ON CONFLICT DO NOTHING"
        else:
            p = "%s"
            conflict = "ON CONFLICT ON CONSTRAINT uq_hj212_data_mn_cn_datatime_pnum_pno DO NOTHING"
        self._p = p
        self._conflict = conflict
        self._sql_cache: dict[tuple[str, int], str] = {}

    # Multi-row VALUES: one statement (one sqlite3_step, one GIL release) per chunk instead of
    # one per row — with the event loop busy in the other thread, re-acquiring the GIL after
    # every row's step was the writer's main cost.
    _RAW_COLS = "id, received_at, peer, mn, st, cn, qn, flag, verdict, reason, raw"
    _DATA_COLS = "raw_id, mn, st, cn, datatime, pnum, pno, qn, flag, received_at"
    _VALUE_COLS = "raw_id, mn, cn, datatime, factor, cou, min, avg, max, zs_min, zs_avg, zs_max, flag"
    _CHUNK = 2000  # 13 × 2000 bound parameters < SQLite's 32766 limit

    def _sql(self, table: str, n: int) -> str:
        key = (table, n)
        sql = self._sql_cache.get(key)
        if sql is None:
            if table == "raw":
                row = "(" + ", ".join([self._p] * 11) + ")"
                sql = f"INSERT INTO hj212_raw_packet ({self._RAW_COLS}) VALUES " + ", ".join([row] * n)
            elif table == "value":
                row = "(" + ", ".join([self._p] * 13) + ")"
                sql = f"INSERT INTO hj212_value ({self._VALUE_COLS}) VALUES " + ", ".join([row] * n) + \
                    " ON CONFLICT DO NOTHING"
            else:
                row = "(" + ", ".join([self._p] * 10) + ")"
                sql = f"INSERT INTO hj212_data ({self._DATA_COLS}) VALUES " + ", ".join([row] * n) + " " + self._conflict
                if table == "data_returning":
                    sql += " RETURNING raw_id"
            if len(self._sql_cache) > 64:
                self._sql_cache.clear()
            self._sql_cache[key] = sql
        return sql

    def _copy_pg(self, cur, raw_rows: list[tuple], data_rows: list[tuple], value_rows: list[tuple]) -> int:
        """PostgreSQL: COPY (binding tens of thousands of INSERT parameters cost the gateway
        more CPU than everything else together). Data rows go through a temporary table so the
        §10.5 key still decides with ``ON CONFLICT DO NOTHING``; so do value rows."""
        with cur.copy(f"COPY hj212_raw_packet ({self._RAW_COLS}) FROM STDIN") as cp:
            for r in raw_rows:
                cp.write_row(r)
        if not data_rows:
            return 0
        if not self._pg_temp:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS hj212_data_in (LIKE hj212_data) ON COMMIT DELETE ROWS")
            self._pg_temp = True
        with cur.copy(f"COPY hj212_data_in ({self._DATA_COLS}) FROM STDIN") as cp:
            for r in data_rows:
                cp.write_row(r)
        sql = (f"INSERT INTO hj212_data ({self._DATA_COLS}) SELECT {self._DATA_COLS} FROM hj212_data_in "
               f"{self._conflict}")
        if not value_rows:
            cur.execute(sql)
            return cur.rowcount
        cur.execute(sql + " RETURNING raw_id")
        stored = {r[0] for r in cur.fetchall()}
        values = _first_values(value_rows, stored)
        if values:
            if not self._pg_value_temp:  # created on first use: a store may predate the values table
                cur.execute("CREATE TEMP TABLE IF NOT EXISTS hj212_value_in (LIKE hj212_value) ON COMMIT DELETE ROWS")
                self._pg_value_temp = True
            with cur.copy(f"COPY hj212_value_in ({self._VALUE_COLS}) FROM STDIN") as cp:
                for r in values:
                    cp.write_row(r)
            cur.execute(f"INSERT INTO hj212_value ({self._VALUE_COLS}) SELECT {self._VALUE_COLS} FROM hj212_value_in "
                        "ON CONFLICT DO NOTHING")
        return len(stored)

    def _insert(self, cur, table: str, rows: list[tuple]) -> int:
        done = 0
        for i in range(0, len(rows), self._CHUNK):
            chunk = rows[i:i + self._CHUNK]
            cur.execute(self._sql(table, len(chunk)), [v for r in chunk for v in r])
            done += cur.rowcount if cur.rowcount is not None and cur.rowcount >= 0 else len(chunk)
        return done

    def _insert_sqlite(self, cur, data_rows: list[tuple], value_rows: list[tuple]) -> int:
        """SQLite: data rows, then the value rows of the data rows that entered the index."""
        if not value_rows:
            return self._insert(cur, "data", data_rows)
        stored: set[int] = set()
        for i in range(0, len(data_rows), self._CHUNK):
            chunk = data_rows[i:i + self._CHUNK]
            cur.execute(self._sql("data_returning", len(chunk)), [v for r in chunk for v in r])
            stored.update(r[0] for r in cur.fetchall())
        values = _first_values(value_rows, stored)
        if values:
            self._insert(cur, "value", values)
        return len(stored)

    def _ts(self, t: datetime | None):
        if t is None or not self.sqlite:
            return t
        # Not strftime: its %Y does not pad years below 1000 ('26-06-01 …', issue 7 item 3),
        # which SQLAlchemy then cannot read back.
        return (f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
                f".{t.microsecond:06d}")

    def dead_letter(self, letters: list[DeadLetter]) -> None:
        """Store items our code failed on, in their own transaction."""
        if self._conn is None:
            self.open()
        p = self._p
        cur = self._conn.cursor()
        try:
            for d in letters:
                cur.execute(f"INSERT INTO hj212_dead_letter (received_at, peer, stage, error, raw) "
                            f"VALUES ({p}, {p}, {p}, {p}, {p})",
                            (self._ts(d.received_at), d.peer, d.stage, d.error.replace("\x00", ""), d.raw))
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise
        finally:
            cur.close()

    def commit(self, items: list[ArchiveItem]) -> int:
        """Archive and store one batch in one transaction; returns the number of duplicates.

        If the batch fails, its items are retried one transaction each, so one item the
        database refuses cannot block the others: that item is archived as ``rejected`` with
        reason ``store_error`` and marked ``failed`` (the caller must not acknowledge it).
        Raises when even that fails (database unavailable): nothing unconfirmed is committed,
        and the caller must not acknowledge any of the batch.
        """
        try:
            return self._commit(items)
        except Exception as exc:
            if len(items) == 1 and items[0].failed:
                raise
            log.warning("batch of %d failed to commit (%s); retrying item by item", len(items), exc)
        dups = 0
        for it in items:
            try:
                dups += self._commit([it])
            except Exception as exc:
                it.failed, it.store, it.verdict = True, False, "rejected"
                it.reason = f"store_error: {type(exc).__name__}: {str(exc)[:200]}".replace("\x00", "")
                it.mn = it.st = it.cn = it.qn = None
                self._commit([it])
        return dups

    def _commit(self, items: list[ArchiveItem]) -> int:
        if self._conn is None:
            self.open()
        ts = self._ts
        raw_rows, data_rows, vals = [], [], []
        nid = self._next_id
        for it in items:
            it.raw_id = nid
            nid += self.id_step
            raw_rows.append((it.raw_id, ts(it.received_at), it.peer, it.mn, it.st, it.cn, it.qn, it.flag,
                             it.verdict, it.reason, it.raw))
            if it.store:
                # A 2005 packet without Flag (hj212.md §13) is version 0 with no reply requested:
                # flag 0 in the data index; the archive keeps the NULL as received.
                dt = ts(it.datatime)
                data_rows.append((it.raw_id, it.mn, it.st, it.cn, dt, it.pnum, it.pno, it.qn,
                                  0 if it.flag is None else it.flag, ts(it.received_at)))
                if it.values and dt is not None:
                    vals.extend((it.raw_id, it.mn, it.cn, dt, *r) for r in value_rows(it.values))
        cur = self._conn.cursor()
        try:
            if self.sqlite:
                self._insert(cur, "raw", raw_rows)
                inserted = self._insert_sqlite(cur, data_rows, vals) if data_rows else 0
            else:
                inserted = self._copy_pg(cur, raw_rows, data_rows, vals)
            self._conn.commit()
        except BaseException:
            for it in items:
                it.raw_id = 0
            try:
                self._conn.rollback()
            except Exception:  # connection lost: reopen (and re-read the next id) next time
                try:
                    self._conn.close()
                except Exception:
                    pass
                self._conn = None
            self._pg_temp = self._pg_value_temp = False  # a rolled-back CREATE TEMP TABLE is gone too
            raise
        finally:
            cur.close()
        self._next_id = nid
        dups = len(data_rows) - inserted
        self.duplicates += dups
        self.stored += inserted
        self.archived += len(items)
        return dups

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _first_values(rows: list[tuple], stored: set[int]) -> list[tuple]:
    """Value rows of packets that entered the index, one per (MN, CN, DataTime, factor): the
    first in commit order (hj212.md §10.5 rules 5 and 7; the table's ``ON CONFLICT DO NOTHING``
    does the same against earlier batches)."""
    seen: set[tuple] = set()
    out = []
    for r in rows:
        key = (r[1], r[2], r[3], r[4])
        if r[0] in stored and key not in seen:
            seen.add(key)
            out.append(r)
    return out


# --- writer in its own process -------------------------------------------------------------

_FIELDS = ("received_at", "peer", "raw", "verdict", "reason", "mn", "st", "cn", "qn", "flag", "store",
           "datatime", "pnum", "pno", "values")


def _writer_process(url: str, id_step: int, id_offset: int, conn, parent: int) -> None:
    """Child process: commit what the gateway sends, answer after each commit."""
    import os
    import signal

    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the gateway closes the pipe to stop it
    w = BatchWriter(url, id_step=id_step, id_offset=id_offset)
    w.open()
    conn.send(("ready",))
    try:
        while True:
            try:
                rows = conn.recv()
            except EOFError:
                break
            items = [ArchiveItem(*r) for r in rows]
            try:
                dups = w.commit(items)
            except Exception as exc:  # nothing of the batch committed
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
                continue
            conn.send(("ok", dups, [it.raw_id for it in items],
                       {i: it.reason for i, it in enumerate(items) if it.failed}))
    finally:
        w.close()
        w.engine.dispose()


class ProcessWriter:
    """:class:`BatchWriter` in a child process, same ``commit`` contract.

    SQLite's insert and commit run inside the calling process and hold its GIL for a good
    part of the time, competing with the event loop; in a child process they run on another
    core. The reply comes after the child's commit returned, so acknowledging after
    :meth:`commit` keeps the durability guarantee. The child dies with the gateway
    (``PR_SET_PDEATHSIG``); an interrupted transaction is rolled back by SQLite/PostgreSQL.
    """

    def __init__(self, url: str, id_step: int = 1, id_offset: int = 0):
        self.url, self.id_step, self.id_offset = url, id_step, id_offset
        self.engine = make_engine(url)  # for the gateway's own reads (registry, alarms)
        self.duplicates = self.stored = self.archived = 0
        self._proc = None
        self._conn = None

    def open(self) -> None:
        import multiprocessing as mp
        import os

        ctx = mp.get_context("spawn")
        parent_end, child_end = ctx.Pipe()
        self._proc = ctx.Process(target=_writer_process, args=(self.url, self.id_step, self.id_offset, child_end,
                                                               os.getpid()), daemon=True)
        self._proc.start()
        child_end.close()
        self._conn = parent_end
        if not parent_end.poll(120) or parent_end.recv() != ("ready",):
            raise RuntimeError("HJ 212 写入进程未能启动")

    def dead_letter(self, letters: list[DeadLetter]) -> None:
        from sqlalchemy import insert

        from qingshan.hj212.models import DeadLetterRecord

        with self.engine.begin() as conn:
            conn.execute(insert(DeadLetterRecord), [
                {"received_at": d.received_at, "peer": d.peer, "stage": d.stage, "error": d.error.replace("\x00", ""),
                 "raw": d.raw} for d in letters])

    def commit(self, items: list[ArchiveItem]) -> int:
        if self._proc is None or not self._proc.is_alive():
            self.close()
            self.open()
        self._conn.send([tuple(getattr(it, f) for f in _FIELDS) for it in items])
        try:
            answer = self._conn.recv()
        except EOFError:
            self.close()
            raise RuntimeError("HJ 212 写入进程意外退出") from None
        if answer[0] == "error":
            raise RuntimeError(answer[1])
        _, dups, ids, failed = answer
        for it, rid in zip(items, ids):
            it.raw_id = rid
        for i, reason in failed.items():
            it = items[i]
            it.failed, it.store, it.verdict, it.reason = True, False, "rejected", reason
        self.duplicates += dups
        self.stored += sum(1 for it in items if it.store) - dups
        self.archived += len(items)
        return dups

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(30)
            if self._proc.is_alive():
                self._proc.kill()
            self._proc = None
