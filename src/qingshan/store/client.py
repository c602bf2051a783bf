"""Base of the store's clients: a database URL, its schema at the Alembic heads, an engine."""

from __future__ import annotations

from sqlalchemy import Engine

from qingshan.config import database_url
from qingshan.store import migrate
from qingshan.store.db import make_engine


class DatabaseClient:
    """Base of the store's clients: a database URL, its schema at the Alembic heads, an engine.

    ``engine`` lets a caller (the web app) share its pool; such an engine is the caller's and is
    not disposed by :meth:`close`.
    """

    def __init__(self, url: str | None = None, *, auto_migrate: bool = True, engine: Engine | None = None):
        self.url = url or database_url()
        if auto_migrate and not migrate.is_up_to_date(self.url):
            migrate.upgrade(self.url)
        self._owns_engine = engine is None
        self.engine = engine or make_engine(self.url)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
