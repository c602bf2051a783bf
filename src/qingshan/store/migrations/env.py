"""Alembic environment for qingshan, configured in code by :mod:`qingshan.store.migrate`.

Upgrading needs no model: every migration script states its own DDL. Autogenerate compares
against a metadata the caller hands in — the store never imports a domain; the metadata of every
domain's tables is :func:`qingshan.schema.metadata` (a module above the domains)::

    cfg = qingshan.store.migrate.alembic_config(url)
    cfg.attributes["target_metadata"] = qingshan.schema.metadata()
    alembic.command.revision(cfg, autogenerate=True, head="water@head", message="…")
"""

from __future__ import annotations

from alembic import context

from qingshan.store.db import make_engine

config = context.config
target_metadata = config.attributes.get("target_metadata")


def _url() -> str:
    url = config.attributes.get("qingshan_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from qingshan.config import database_url

        url = database_url()
    return url


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
