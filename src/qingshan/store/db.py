"""Engine cache, session factory and the store's client base for the configured database.

:func:`make_engine` lives in :mod:`qingshan.store.engine` (imported here, and used from here by
most callers); :mod:`qingshan.store.migrate` imports that module, not this one, so the two do
not import each other.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qingshan.config import database_url
from qingshan.store import migrate
from qingshan.store.engine import make_engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url or database_url()), expire_on_commit=False)


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
