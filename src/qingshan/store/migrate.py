"""Schema migrations for every domain, run from code (no ``alembic.ini``).

One Alembic versions folder (``qingshan/store/migrations/versions``) holds independent
branches, one per domain: ``air`` (stations, observations, import batches), ``hj212`` and
``web``. Each branch base has ``down_revision = None`` and its own ``branch_labels``, so
:func:`upgrade` runs ``alembic upgrade heads`` (every branch to its head).

Works on the embedded SQLite default and on PostgreSQL (server mode); the URL defaults to
:func:`qingshan.config.database_url`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from qingshan.config import database_url
from qingshan.store.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic :class:`Config` built in code; ``env.py`` reads the URL from its attributes."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["qingshan_url"] = url or database_url()
    return cfg


def upgrade(url: str | None = None, target: str = "heads") -> None:
    """Bring the database to ``target`` (default: the head of every branch)."""
    command.upgrade(alembic_config(url), target)


def downgrade(target: str, url: str | None = None) -> None:
    """Downgrade to ``target``, e.g. ``"air@base"`` to remove the air branch only."""
    command.downgrade(alembic_config(url), target)


def current(url: str | None = None) -> set[str]:
    """Revision ids the database is at (one per applied branch; empty set for a new database)."""
    engine = make_engine(url or database_url())
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def heads() -> set[str]:
    """Head revision of every branch in the versions folder."""
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def is_up_to_date(url: str | None = None) -> bool:
    return current(url) == heads()
