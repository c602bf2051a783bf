"""The layer contracts of docs/architecture.md, enforced in every test run.

``lint-imports`` (import-linter) checks the contracts of ``[tool.importlinter]`` in
pyproject.toml: layers (CLI > demo > web > domains > core > store > standards > exact/config),
pure standards, a sans-I/O HJ 212 core, domains without the web framework, no import cycle
between the package's parts nor between the modules of a part.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "qingshan"


def test_layer_contracts_hold():
    """Every contract of pyproject.toml's [tool.importlinter] holds, with no waiver."""
    run = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_no_module_is_looked_up_by_name():
    """Import what you use: no importlib/__import__ look-ups, no getattr on modules (TEAM.md)."""
    pattern = re.compile(r"import_module|__import__|getattr\(mod|importlib\.util|find_spec")
    hits = [f"{p.relative_to(REPO)}:{i}: {line.strip()}"
            for p in SRC.rglob("*.py") for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert not hits, "\n".join(hits)
