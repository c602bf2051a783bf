"""Alembic environment for qingshan, configured in code by :mod:`qingshan.store.migrate`.

Target metadata is the single :data:`qingshan.store.base.Base.metadata`; every domain's model
module that exists is imported so its tables are registered (absent modules are skipped, so a
domain can land its models and its ``<domain>_0001_*.py`` migration independently).
"""

from __future__ import annotations

import importlib

from alembic import context

from qingshan.store.base import Base
from qingshan.store.db import make_engine

MODEL_MODULES = (
    "qingshan.store.models_air",
    "qingshan.hj212.models",
    "qingshan.sources.models",
    "qingshan.web.models",
    "qingshan.ledgers.models",
    "qingshan.water.models",
)

for _name in MODEL_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # only tolerate the module itself (or its package) missing
        if exc.name is None or not _name.startswith(exc.name):
            raise

config = context.config
target_metadata = Base.metadata


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
