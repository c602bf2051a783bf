"""The backfill of ``hj212_value`` from the raw archive (migration ``hj212_0005``).

The migration queued, in ``hj212_value_backfill``, the index rows of statistics packets stored
before the values table existed; it could not parse them itself (a migration imports no domain
code, and reading a packet takes the codec). :func:`backfill` does it: chunk by chunk, in raw-id
order, each chunk one transaction (resumable after a crash; what was copied is dequeued in the
same transaction), with the codec (:func:`qingshan.hj212.packet.parse`, lenient, the CRC not
re-judged: the gateway accepted these packets) and the writer's conversion
(:func:`qingshan.hj212.values.value_rows`). The **earlier packet wins** (hj212.md §10.5 rules 5
and 7): a queued packet replaces a value the gateway wrote after the upgrade for the same
(MN, CN, DataTime, factor), never the reverse.

:func:`ensure_backfilled` is what every reader calls first (one indexed query when the queue is
empty); ``qingshan hj212 backfill`` runs it by hand with a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from qingshan.hj212.errors import HJ212Error
from qingshan.hj212.packet import parse
from qingshan.hj212.values import value_rows

_COLS = ("raw_id", "mn", "cn", "datatime", "factor", "cou", "min", "avg", "max", "zs_min", "zs_avg", "zs_max", "flag")
_SET = ", ".join(f"{c} = excluded.{c}" for c in _COLS if c not in ("mn", "cn", "datatime", "factor"))


def pending(engine: Engine) -> int:
    """Index rows still queued for the backfill."""
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM hj212_value_backfill")
        return int(cur.fetchone()[0])
    finally:
        conn.close()


def ensure_backfilled(engine: Engine) -> int:
    """Run :func:`backfill` if anything is queued; returns the rows copied (0 almost always)."""
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("SELECT raw_id FROM hj212_value_backfill LIMIT 1")
        queued = cur.fetchone() is not None
        conn.commit()
    finally:
        conn.close()
    return backfill(engine) if queued else 0


def _values_of(raw: bytes) -> dict[str, dict[str, str]] | None:
    try:
        return parse(raw, lenient=True, accept_bad_crc=True).values_2017
    except HJ212Error:  # accepted once, unreadable now: nothing to copy (as derive.flatten does)
        return None


def backfill(engine: Engine, *, chunk: int = 2000, progress: Callable[[int], None] | None = None) -> int:
    """Copy the queued packets' values into ``hj212_value``; returns the value rows written."""
    sqlite = engine.dialect.name == "sqlite"
    p = "?" if sqlite else "%s"
    upsert = (f"INSERT INTO hj212_value ({', '.join(_COLS)}) VALUES ({', '.join([p] * len(_COLS))}) "
              f"ON CONFLICT (mn, cn, datatime, factor) DO UPDATE SET {_SET} WHERE excluded.raw_id < hj212_value.raw_id")
    written = 0
    conn = engine.raw_connection()
    try:
        while True:
            cur = conn.cursor()
            try:
                if not sqlite:  # one backfill at a time (a reader and the CLI may start together)
                    cur.execute("SELECT pg_advisory_xact_lock(212005)")
                cur.execute(f"SELECT raw_id FROM hj212_value_backfill ORDER BY raw_id LIMIT {int(chunk)}")
                ids = [r[0] for r in cur.fetchall()]
                if not ids:
                    conn.commit()
                    break
                marks = ", ".join([p] * len(ids))
                cur.execute(f"SELECT d.raw_id, d.mn, d.cn, d.datatime, r.raw FROM hj212_data d "
                            f"JOIN hj212_raw_packet r ON r.id = d.raw_id WHERE d.raw_id IN ({marks}) ORDER BY d.raw_id",
                            ids)
                rows, seen = [], set()
                for raw_id, mn, cn, dt, raw in cur.fetchall():
                    vals = _values_of(bytes(raw))
                    if not vals or dt is None:
                        continue
                    for r in value_rows(vals):
                        key = (mn, cn, dt, r[0])
                        if key not in seen:  # earlier raw id first within the chunk too
                            seen.add(key)
                            rows.append((raw_id, mn, cn, dt, *r))
                if rows:
                    cur.executemany(upsert, rows)
                cur.execute(f"DELETE FROM hj212_value_backfill WHERE raw_id IN ({marks})", ids)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                cur.close()
            written += len(rows)
            if progress:
                progress(len(ids))
    finally:
        conn.close()
    return written
