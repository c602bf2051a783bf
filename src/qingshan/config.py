"""Where qingshan keeps its data and which database it talks to.

``QINGSHAN_HOME``          data directory (raw archives, attachments, parquet). Default: the
                           user's data directory (``platformdirs.user_data_dir("qingshan")``).
``QINGSHAN_DATABASE_URL``  SQLAlchemy URL. Default: SQLite file ``qingshan.db`` inside
                           ``QINGSHAN_HOME`` (the embedded default). For server mode use
                           ``postgresql+psycopg://user@host:5432/dbname``.
``QINGSHAN_PLAUSIBILITY_FILE``  TOML file of the importers' plausibility bounds per pollutant
                           and source (:mod:`qingshan.ingest.plausibility`). Default:
                           ``plausibility.toml`` in ``QINGSHAN_HOME`` when it exists, else the
                           built-in defaults (HJ 653/654 analyser ranges).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str


def home_dir() -> Path:
    env = os.environ.get("QINGSHAN_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir("qingshan"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(home: Path | None = None) -> str:
    env = os.environ.get("QINGSHAN_DATABASE_URL")
    if env:
        return env
    home = home or home_dir()
    return f"sqlite:///{home / 'qingshan.db'}"


def settings() -> Settings:
    home = home_dir()
    return Settings(home=home, database_url=database_url(home))


def plausibility_file(home: Path | None = None) -> Path | None:
    """The plausibility-bounds overrides file in force, or None for the built-in defaults."""
    env = os.environ.get("QINGSHAN_PLAUSIBILITY_FILE")
    if env:
        return Path(env).expanduser()
    path = (home or home_dir()) / "plausibility.toml"
    return path if path.exists() else None
