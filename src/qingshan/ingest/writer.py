"""Write one file's good rows in ONE transaction (nothing half-written), with its batch record.

If anything fails while writing, the transaction is rolled back (no observation, station or
error row of that file stays) and a separate, small transaction records the failed batch so the
attempt is visible in ``import_batches``.
"""

from __future__ import annotations

import hashlib

import polars as pl

from qingshan.ingest.result import ImportFailed, ImportResult, RowError
from qingshan.store.observations import ObservationStore
from qingshan.store.registry import StationRegistry


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commit(
    result: ImportResult,
    store: ObservationStore,
    *,
    observations: pl.DataFrame,
    source: str,
    registry: StationRegistry | None = None,
    stations: pl.DataFrame | None = None,
    published_aqi: pl.DataFrame | None = None,
) -> ImportResult:
    """Register stations, upsert observations and published AQI, record batch and errors."""
    try:
        with store.engine.begin() as conn:
            result.previous_batch = store.find_batch(conn, result.sha256) if result.sha256 else None
            batch = store.new_batch(
                conn, kind=result.kind, file_name=str(result.path), sha256=result.sha256, encoding=result.encoding
            )
            result.batch_id = batch
            if registry is not None and stations is not None and not stations.is_empty():
                inserted, _updated = registry.register(stations, source=source, conn=conn)
                result.stations_registered = inserted
            result.values_written = store.write(observations, source=source, batch_id=batch, conn=conn)
            if published_aqi is not None and not published_aqi.is_empty():
                store.write_published_aqi(published_aqi, source=source, batch_id=batch, conn=conn)
            store.add_errors(
                conn, batch, ({"row": e.row, "field": e.field, "reason": e.reason} for e in result.errors)
            )
            store.finish_batch(
                conn,
                batch,
                status="ok",
                rows_read=result.rows_read,
                rows_kept=result.rows_kept,
                rows_rejected=result.rows_rejected,
                values_written=result.values_written,
            )
    except Exception as exc:  # roll back everything of this file, then say so
        result.status = "failed"
        result.values_written = 0
        result.stations_registered = 0
        reason = f"写入数据库失败，本文件未导入任何数据：{type(exc).__name__}: {exc}"
        result.errors.append(RowError(result.path.name, None, None, reason))
        record_failure(store, result, reason)
        raise ImportFailed(result, reason) from exc
    return result


def record_failure(store: ObservationStore, result: ImportResult, reason: str) -> None:
    """Record a refused or rolled-back file as a ``failed`` batch with its errors."""
    try:
        with store.engine.begin() as conn:
            batch = store.new_batch(
                conn, kind=result.kind, file_name=str(result.path), sha256=result.sha256, encoding=result.encoding
            )
            errors = [{"row": e.row, "field": e.field, "reason": e.reason[:2000]} for e in result.errors]
            if not any(e["reason"] == reason[:2000] for e in errors):
                errors.append({"row": None, "field": None, "reason": reason[:2000]})
            store.add_errors(conn, batch, errors)
            store.finish_batch(conn, batch, status="failed", rows_read=result.rows_read)
            result.batch_id = batch
    except Exception:  # the database itself is gone; the raised ImportFailed still tells the user
        result.batch_id = None
