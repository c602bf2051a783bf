"""Pieces of the staged import (qingshan.store.staging) that the importer tests do not pin down."""

from __future__ import annotations

from sqlalchemy import create_engine

from qingshan.store import staging


def test_publish_chunk_adapts_to_the_machine():
    big = 40_000
    assert staging._next_size(big, staging.SQLITE_TARGET_SECONDS * 2, big) == big // 2  # slow: halve
    assert staging._next_size(10_000, 5.0, big) == 10_000  # never below a quarter
    assert staging._next_size(10_000, 0.01, big) == 15_000  # fast: grow by half
    assert staging._next_size(big, 0.01, big) == big  # never above the configured chunk
    assert staging._next_size(20_000, staging.SQLITE_TARGET_SECONDS * 0.75, big) == 20_000


def test_scratch_file_sits_beside_the_database(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'qingshan.db'}")
    assert staging.scratch_path(eng, 7) == tmp_path / "qingshan.db.import-7.stage"
    assert staging.scratch_path(create_engine("postgresql+psycopg://x@localhost/db"), 7) is None
