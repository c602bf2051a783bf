"""SQLAlchemy engines for the configured database (see :mod:`qingshan.config`).

The bottom of the store: it imports nothing else of it. :mod:`qingshan.store.migrate` builds on
it, and :mod:`qingshan.store.db` (engine cache, sessions, :class:`~qingshan.store.db.DatabaseClient`)
on both — so ``db`` and ``migrate`` do not import each other.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event

from qingshan.config import database_url


def make_engine(url: str | None = None, **kw) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # durability and concurrency for the embedded default
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kw)
