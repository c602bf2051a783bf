"""Suite-wide fixtures: an isolated QINGSHAN_HOME per test session, the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QINGSHAN_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def cnemc_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "cnemc"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("qingshan-home")
    monkeypatch.setenv("QINGSHAN_HOME", str(home))
    monkeypatch.delenv("QINGSHAN_DATABASE_URL", raising=False)
    yield home
