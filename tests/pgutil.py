"""PostgreSQL helpers for the test fixtures (server mode is tested against the local server).

Several test runs may share the server (a developer's run and CI, or two folders of one run), so
each folder keeps its own database and either holds an advisory lock for its tests or uses a
database per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def url(database: str) -> str:
    return f"{PG_SERVER}/{database}"


def admin(sql: str, **params) -> object:
    """Run one statement on the maintenance database (CREATE/DROP DATABASE need autocommit)."""
    eng = create_engine(url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            result = conn.execute(text(sql), params)
            return result.scalar() if result.returns_rows else None
    finally:
        eng.dispose()


def ensure_database(database: str) -> str:
    if not admin("SELECT 1 FROM pg_database WHERE datname = :d", d=database):
        admin(f'CREATE DATABASE "{database}"')
    return url(database)


def drop_database(database: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def reset_schema(database: str) -> None:
    """Drop and recreate the public schema: an empty database without reconnecting clients."""
    eng = create_engine(url(database), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()


def migrated_and_truncated(database: str, tables: Sequence[str]) -> None:
    """Bring ``database`` to the migration heads (from an empty schema when it is behind) and
    empty ``tables``: a domain's store as a fresh install has it, without migrating per test."""
    from qingshan.store import migrate

    db_url = url(database)
    if not migrate.is_up_to_date(db_url):
        reset_schema(database)
        migrate.upgrade(db_url)
    eng = create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    finally:
        eng.dispose()


@contextmanager
def exclusive(database: str, lock_key: int, prepare: Callable[[], None] | None = None) -> Iterator[str]:
    """Hold an advisory lock on the server while a test uses ``database`` (created if missing)."""
    ensure_database(database)
    eng = create_engine(url("postgres"), isolation_level="AUTOCOMMIT")
    conn = eng.connect()
    try:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
        if prepare is not None:
            prepare()
        yield url(database)
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
        conn.close()
        eng.dispose()
