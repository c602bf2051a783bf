"""Fixtures of the HJ 212 codec tests; the packets themselves live in _examples.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def load_examples():
    """Load tests/hj212/_examples.py (pytest runs with --import-mode=importlib: no sibling imports)."""
    spec = importlib.util.spec_from_file_location("hj212_examples", Path(__file__).with_name("_examples.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def examples() -> dict[str, bytes]:
    return load_examples().EXAMPLES
