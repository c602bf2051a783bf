"""Alembic set-up: ``upgrade()`` creates every table on an empty database; branches downgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from qingshan.store import migrate

AIR_TABLES = {
    "divisions",
    "air_stations",
    "air_observations",
    "air_published_aqi",
    "import_batches",
    "import_errors",
    "air_import_stage",
    "air_import_undo",
}


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def _check_upgrade_and_downgrade(url: str) -> None:
    assert migrate.current(url) == set()
    migrate.upgrade(url)
    tables = _tables(url)
    assert AIR_TABLES <= tables
    assert "alembic_version" in tables
    assert "air_0002" in migrate.current(url)
    assert migrate.current(url) == migrate.heads()
    # upgrading again is a no-op
    migrate.upgrade(url)
    assert migrate.is_up_to_date(url)
    # the air branch alone goes down; other branches stay where they are
    others = migrate.current(url) - {"air_0002"}
    migrate.downgrade("air@base", url)
    assert not (AIR_TABLES & _tables(url))
    assert migrate.current(url) == others
    migrate.upgrade(url)
    assert AIR_TABLES <= _tables(url)


def test_upgrade_on_empty_sqlite(sqlite_url):
    _check_upgrade_and_downgrade(sqlite_url)


@pytest.mark.postgres
def test_upgrade_on_empty_postgres(pg_url):
    _check_upgrade_and_downgrade(pg_url)


def test_default_url_is_sqlite_in_home(_isolated_home):
    migrate.upgrade()
    assert (_isolated_home / "qingshan.db").exists()
    assert AIR_TABLES <= _tables(f"sqlite:///{_isolated_home / 'qingshan.db'}")


def test_every_branch_base_is_independent():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    bases = [script.get_revision(r) for r in script.get_bases()]
    assert bases, "no migration found"
    for rev in bases:
        assert rev.down_revision is None
        assert rev.branch_labels, f"{rev.revision} has no branch label"
    assert "air" in {label for rev in bases for label in rev.branch_labels}


def test_models_match_migrations(sqlite_url):
    """The air models and the hand-written migration describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from qingshan.store import models_air  # noqa: F401
    from qingshan.store.base import Base

    migrate.upgrade(sqlite_url)
    eng = create_engine(sqlite_url)
    try:
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        eng.dispose()
    air_diff = [d for d in diff if any(t in repr(d) for t in AIR_TABLES)]
    assert air_diff == []


def test_upgrade_creates_every_model_table(sqlite_url):
    """Every table any domain's models declare exists after ``upgrade()`` (env.py's module list)."""
    import importlib

    from qingshan.store.base import Base

    for name in ("qingshan.store.models_air", "qingshan.hj212.models", "qingshan.sources.models",
                 "qingshan.web.models", "qingshan.ledgers.models"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
    migrate.upgrade(sqlite_url)
    missing = set(Base.metadata.tables) - _tables(sqlite_url)
    assert missing == set()
